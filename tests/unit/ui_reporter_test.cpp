// Plain lines (SPEC §13) and the live view's behaviour on a fake terminal stream.
#include <gtest/gtest.h>

#include <sstream>
#include <thread>

#include "ui/live_view.hpp"
#include "ui/plain_reporter.hpp"

namespace ht::ui {
namespace {

TestResult result(TestStatus status, std::int64_t ms, std::vector<std::string> titles,
                  const std::string& project = "chromium") {
  TestResult r;
  r.project = project;
  r.file_path = "tests/home.spec.ts";
  r.title_path = std::move(titles);
  r.status = status;
  r.duration_ms = ms;
  r.invocation_id = "inv-0001";
  return r;
}

size_t count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t pos = haystack.find(needle); pos != std::string::npos; pos = haystack.find(needle, pos + 1)) ++n;
  return n;
}

TEST(PlainLines, TestEnd) {
  EXPECT_EQ(
      format_plain(TestFinished{result(TestStatus::success, 2300, {"nav", "opens the menu"})}),
      "[test:end] \xE2\x9C\x93 [chromium] tests/home.spec.ts \xE2\x80\xBA nav \xE2\x80\xBA opens the menu (2.3s)");
  EXPECT_EQ(format_plain(TestFinished{result(TestStatus::failed, 450, {"breaks"}, "")}),
            "[test:end] \xE2\x9C\x95 tests/home.spec.ts \xE2\x80\xBA breaks (450ms)");
  EXPECT_EQ(format_plain(TestFinished{result(TestStatus::skipped, 0, {"later"}, "")}),
            "[test:end] \xE2\x97\xAF tests/home.spec.ts \xE2\x80\xBA later (0ms)");
  TestResult flaky = result(TestStatus::success, 61'000, {"retried"}, "");
  flaky.flaky = true;
  EXPECT_EQ(format_plain(TestFinished{flaky}),
            "[test:end] \xE2\x9C\x93 tests/home.spec.ts \xE2\x80\xBA retried (1m 01s) \xC2\xB7 flaky");
  TestResult err = result(TestStatus::error, 0, {"crashed"}, "");
  err.error = TestError{"runner killed (signal 9)\nmore detail", ""};
  EXPECT_EQ(
      format_plain(TestFinished{err}),
      "[test:end] \xE2\x9C\x95 tests/home.spec.ts \xE2\x80\xBA crashed (0ms) \xC2\xB7 error: runner killed (signal 9)");
}

TEST(PlainLines, TitlesCannotBreakTheLine) {
  const std::string line = format_plain(
      TestFinished{result(TestStatus::success, 5, {"a\ttab\nnewline \x1b[2J esc $(x) \xF0\x9F\x9A\x80"}, "")});
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_EQ(line.find('\x1b'), std::string::npos);
  EXPECT_NE(line.find("a\\ttab\\nnewline \\x1b[2J esc $(x) \xF0\x9F\x9A\x80"), std::string::npos) << line;
}

TEST(PlainLines, RunDeployAndMessages) {
  TestCounts c;
  c.total = 14;
  c.success = 12;
  c.failed = 2;
  EXPECT_EQ(format_plain(RunFinished{c, "", 31'000, false}),
            "[run:end] 14 tests \xC2\xB7 12 passed \xC2\xB7 0 skipped \xC2\xB7 2 failed (31.0s)");
  c.flaky = 1;
  EXPECT_EQ(format_plain(RunFinished{c, "hypertest.results.json", 999, true}),
            "[run:end] 14 tests \xC2\xB7 12 passed \xC2\xB7 0 skipped \xC2\xB7 2 failed \xC2\xB7 1 flaky (999ms)"
            " \xC2\xB7 interrupted \xC2\xB7 results: hypertest.results.json");
  EXPECT_EQ(format_plain(DeployStep{"push", "done", -1, 1200}), "[deploy] push done (1.2s)");
  EXPECT_EQ(format_plain(DeployStep{"push", "done", 12'400'000, 1200}), "[deploy] push done 12.4 MB (1.2s)");
  EXPECT_EQ(format_plain(DeployStep{"hash", "", -1, -1}), "[deploy] hash");
  EXPECT_EQ(format_plain(RunStarted{"r1", 30, 9, 2, "local"}),
            "[run:start] 30 tests \xC2\xB7 9 invocations \xC2\xB7 concurrency 2 \xC2\xB7 local \xC2\xB7 run r1");
  EXPECT_EQ(format_plain(InvocationStarted{"inv-0003", 4, 1}), "[invocation:start] inv-0003 (4 tests)");
  EXPECT_EQ(format_plain(InvocationStarted{"inv-0003", 1, 2}),
            "[invocation:start] inv-0003 (1 test) \xC2\xB7 attempt 2");
  EXPECT_EQ(format_plain(InvocationFinished{"inv-0003", true, "", 5100}), "[invocation:end] inv-0003 (5.1s)");
  EXPECT_EQ(format_plain(InvocationFinished{"inv-0003", false, "deadline passed\nx", 900}),
            "[invocation:end] inv-0003 error: deadline passed (900ms)");
  EXPECT_EQ(format_plain(Message{Level::warn, "drift: 2 files changed"}), "[warn] drift: 2 files changed");
  EXPECT_EQ(format_plain(Message{Level::info, "hi"}), "[info] hi");
  EXPECT_EQ(format_plain(Message{Level::error, "bad"}), "[error] bad");
}

TEST(PlainLines, Durations) {
  EXPECT_EQ(format_duration(0), "0ms");
  EXPECT_EQ(format_duration(-5), "0ms");
  EXPECT_EQ(format_duration(999), "999ms");
  EXPECT_EQ(format_duration(1000), "1.0s");
  EXPECT_EQ(format_duration(59'940), "59.9s");
  EXPECT_EQ(format_duration(65'000), "1m 05s");
  EXPECT_EQ(format_duration(3'723'000), "1h 02m");
  EXPECT_EQ(format_bytes(900), "900 B");
  EXPECT_EQ(format_bytes(1'500), "1.5 kB");
}

TEST(PlainReporter, LinesStayWholeUnderConcurrentEvents) {
  std::ostringstream out;
  PlainReporter reporter(out);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&reporter, t] {
      for (int i = 0; i < 200; ++i) {
        reporter.on_event(TestFinished{result(TestStatus::success, i, {"thread " + std::to_string(t)})});
      }
    });
  }
  for (auto& th : threads) th.join();
  reporter.close();
  std::istringstream in(out.str());
  int lines = 0;
  for (std::string line; std::getline(in, line);) {
    ++lines;
    ASSERT_EQ(line.rfind("[test:end] \xE2\x9C\x93 [chromium] tests/home.spec.ts", 0), 0U) << line;
    ASSERT_EQ(count(line, "[test:end]"), 1U) << line;
  }
  EXPECT_EQ(lines, 800);
}

TEST(LiveView, RowsProgressAndSummary) {
  std::ostringstream out;
  {
    LiveView view(out, 80);
    view.on_event(RunStarted{"r1", 3, 1, 2, "local"});
    view.on_event(InvocationStarted{"inv-0001", 3, 1});
    std::this_thread::sleep_for(std::chrono::milliseconds(250));  // the ticker draws the status block
    view.on_event(TestFinished{result(TestStatus::success, 2300, {"passes"})});
    view.on_event(TestFinished{result(TestStatus::failed, 100, {"fails"})});
    view.on_event(TestFinished{result(TestStatus::skipped, 0, {"skips"})});
    view.on_event(InvocationFinished{"inv-0001", true, "", 3000});
    TestCounts c;
    c.total = 3;
    c.success = 1;
    c.failed = 1;
    c.skipped = 1;
    view.on_event(RunFinished{c, "/tmp/p/hypertest.results.json", 3100, false});
    view.close();
    view.close();  // idempotent
  }
  const std::string s = out.str();
  EXPECT_NE(s.find("Running 3 tests in 1 invocations"), std::string::npos);
  EXPECT_NE(s.find("0/3 done"), std::string::npos) << "status block drawn while running";
  EXPECT_NE(s.find("3 running"), std::string::npos);
  EXPECT_NE(s.find("\xE2\x96\x91"), std::string::npos) << "progress bar";
  EXPECT_NE(s.find("\x1b[1A\x1b[2K"), std::string::npos) << "block erased in place";
  EXPECT_EQ(count(s, "tests/home.spec.ts \xE2\x80\xBA passes (2.3s)"), 1U);
  EXPECT_EQ(count(s, "tests/home.spec.ts \xE2\x80\xBA fails (100ms)"), 2U) << "row + summary's failed list";
  EXPECT_NE(s.find("3 tests \xC2\xB7 1 passed \xC2\xB7 1 skipped \xC2\xB7 1 failed"), std::string::npos);
  EXPECT_NE(s.find("Results: /tmp/p/hypertest.results.json"), std::string::npos);
  // After the summary nothing redraws: the output ends with the results line.
  EXPECT_EQ(s.substr(s.size() - 1), "\n");
  EXPECT_EQ(s.find("done", s.find("Results:")), std::string::npos) << "no status block after the summary";
}

TEST(LiveView, RedrawsAreThrottled) {
  std::ostringstream out;
  LiveView view(out, 100);
  view.on_event(RunStarted{"r1", 2000, 10, 2, ""});
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 2000; ++i) {
    view.on_event(TestFinished{result(TestStatus::success, 1, {"t" + std::to_string(i)})});
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  view.close();
  const std::string s = out.str();
  EXPECT_EQ(count(s, " (1ms)"), 2000U) << "every row printed once";
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count();
  // At most one draw per 100 ms tick (plus the first and last).
  EXPECT_LE(count(s, " done \xC2\xB7"), static_cast<size_t>(ms / 100 + 4)) << "elapsed " << ms << " ms";
}

}  // namespace
}  // namespace ht::ui
