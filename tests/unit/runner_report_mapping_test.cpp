// map_playwright_report over JSON reports captured from real Playwright 1.65.1 runs of
// tests/fixtures/runner/suite (see tests/fixtures/runner/README.md).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "core/fs.hpp"
#include "runner/report_mapping.hpp"

namespace ht::runner {
namespace {

const std::filesystem::path kRoot = "/tmp/rt-exp/suite";  // the project root when captured
const std::string kNasty = "quotes ' \" $(echo hi) `tick` [a-z]+ (x|y)* \\d\ttab \xF0\x9F\x8E\x89 > end";

nlohmann::json load(const std::string& name) {
  auto text = fs::read_file(std::filesystem::path(HT_SOURCE_DIR) / "tests/fixtures/runner" / name);
  EXPECT_TRUE(text.ok());
  return nlohmann::json::parse(text.value_or("{}"));
}

TestRef basic(std::vector<std::string> titles) {
  std::string id = make_test_id("alpha", "tests/basic.spec.ts", titles);
  return TestRef{id, "alpha", "tests/basic.spec.ts", std::move(titles)};
}

TEST(RunnerReportMapping, MapsEveryStatusOfTheMixedReport) {
  const std::vector<TestRef> tests = {
      basic({"passes"}), basic({"fails"}), basic({"skipped"}), basic({"fixme"}), basic({"conditionally skipped"}),
      basic({"flaky"}), basic({"nested \"group\"", "inner", kNasty}), basic({"nested \"group\"", "  padded title  "}),
      TestRef{"js", "beta", "tests/other.check.js", {"js spec passes"}}, basic({"does not exist"}),
      // Same title in the wrong project: must not match.
      TestRef{"wrong-project", "beta", "tests/basic.spec.ts", {"passes"}}};
  auto mapped = map_playwright_report(load("report-mixed.json"), kRoot, tests);

  auto status_of = [&](const TestRef& t) {
    auto it = mapped.find(t.test_id);
    EXPECT_NE(it, mapped.end()) << t.title_path.back();
    return it == mapped.end() ? TestStatus::error : it->second.outcome.status;
  };
  EXPECT_EQ(status_of(tests[0]), TestStatus::success);
  EXPECT_EQ(status_of(tests[1]), TestStatus::failed);
  EXPECT_EQ(status_of(tests[2]), TestStatus::skipped);
  EXPECT_EQ(status_of(tests[3]), TestStatus::skipped);
  EXPECT_EQ(status_of(tests[4]), TestStatus::skipped);
  EXPECT_EQ(status_of(tests[5]), TestStatus::success);
  EXPECT_TRUE(mapped.at(tests[5].test_id).outcome.flaky);
  EXPECT_FALSE(mapped.at(tests[0].test_id).outcome.flaky);
  EXPECT_EQ(status_of(tests[6]), TestStatus::success);
  EXPECT_EQ(status_of(tests[7]), TestStatus::success);
  EXPECT_EQ(status_of(tests[8]), TestStatus::success);
  EXPECT_EQ(mapped.count(tests[9].test_id), 0U);
  EXPECT_EQ(mapped.count("wrong-project"), 0U);
  EXPECT_EQ(mapped.size(), 9U);
  for (const auto& [id, r] : mapped) {
    EXPECT_TRUE(r.has_verdict) << id;
    EXPECT_EQ(r.outcome.test_id, id);
  }
}

TEST(RunnerReportMapping, FailedTestCarriesTheLastRetrysErrorWithoutAnsi) {
  const auto t = basic({"fails"});
  auto mapped = map_playwright_report(load("report-mixed.json"), kRoot, {t});
  const auto& o = mapped.at(t.test_id).outcome;
  ASSERT_TRUE(o.error.has_value());
  EXPECT_NE(o.error->message.find("expect(locator).toHaveText(expected) failed"), std::string::npos);
  EXPECT_EQ(o.error->message.find('\x1b'), std::string::npos);
  EXPECT_NE(o.error->stack_trace.find("basic.spec.ts:12"), std::string::npos);
  EXPECT_EQ(o.error->stack_trace.find('\x1b'), std::string::npos);
  // Dates of the last result (retry #1): start + duration = end.
  EXPECT_EQ(o.start_date.size(), 24U);
  EXPECT_GT(o.duration_ms, 0);
  EXPECT_EQ(parse_iso8601_ms(o.end_date) - parse_iso8601_ms(o.start_date), o.duration_ms);
  const auto& entry = mapped.at(t.test_id).entry;
  EXPECT_EQ(entry["spec"]["title"], "fails");
  EXPECT_EQ(entry["test"]["results"].size(), 2U);  // first try + retry
}

TEST(RunnerReportMapping, PassingTestsHaveNoError) {
  const auto t = basic({"passes"});
  auto mapped = map_playwright_report(load("report-mixed.json"), kRoot, {t});
  EXPECT_FALSE(mapped.at(t.test_id).outcome.error.has_value());
}

TEST(RunnerReportMapping, InterruptedTestHasNoVerdict) {
  const std::vector<TestRef> tests = {basic({"passes"}), basic({"sleeps"}), basic({"fails"})};
  auto mapped = map_playwright_report(load("report-interrupted.json"), kRoot, tests);
  ASSERT_EQ(mapped.size(), 3U);
  EXPECT_TRUE(mapped.at(tests[0].test_id).has_verdict);
  EXPECT_EQ(mapped.at(tests[0].test_id).outcome.status, TestStatus::success);
  EXPECT_FALSE(mapped.at(tests[1].test_id).has_verdict);
  EXPECT_EQ(mapped.at(tests[2].test_id).outcome.status, TestStatus::failed);
}

TEST(RunnerReportMapping, FilesAreMatchedRelativeToTheProjectRootNotRootDir) {
  // A rootDir below the project root (Playwright's rootDir is the top-level testDir).
  nlohmann::json report = {
      {"config", {{"rootDir", "/p/tests"}}},
      {"suites",
       {{{"title", "a.spec.ts"},
         {"file", "a.spec.ts"},
         {"specs",
          {{{"title", "t"},
            {"file", "a.spec.ts"},
            {"tests",
             {{{"projectName", ""},
               {"status", "expected"},
               {"results",
                {{{"status", "passed"}, {"duration", 5}, {"startTime", "2026-01-01T00:00:00.000Z"}}}}}}}}}}}}}};
  TestRef t{"x", "", "tests/a.spec.ts", {"t"}};
  auto mapped = map_playwright_report(report, "/p", {t});
  ASSERT_EQ(mapped.count("x"), 1U);
  EXPECT_EQ(mapped.at("x").outcome.status, TestStatus::success);
  EXPECT_EQ(mapped.at("x").outcome.start_date, "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(mapped.at("x").outcome.end_date, "2026-01-01T00:00:00.005Z");
  EXPECT_TRUE(map_playwright_report(report, "/p/tests", {t}).empty());
}

TEST(RunnerReportMapping, TimedOutIsFailedAndExpectedFailureIsSuccess) {
  auto one = [](const std::string& status, const std::string& result_status) {
    return nlohmann::json{
        {"config", {{"rootDir", "/p"}}},
        {"suites",
         {{{"title", "a.ts"},
           {"file", "a.ts"},
           {"specs",
            {{{"title", "t"},
              {"file", "a.ts"},
              {"tests",
               {{{"projectName", "p"},
                 {"status", status},
                 {"results",
                  {{{"status", result_status},
                    {"duration", 1},
                    {"error", {{"message", "\x1b[31mTest timeout of 5ms exceeded.\x1b[39m"}}}}}}}}}}}}}}}};
  };
  TestRef t{"x", "p", "a.ts", {"t"}};
  auto timed_out = map_playwright_report(one("unexpected", "timedOut"), "/p", {t});
  EXPECT_EQ(timed_out.at("x").outcome.status, TestStatus::failed);
  EXPECT_EQ(timed_out.at("x").outcome.error->message, "Test timeout of 5ms exceeded.");
  auto expected_fail = map_playwright_report(one("expected", "failed"), "/p", {t});
  EXPECT_EQ(expected_fail.at("x").outcome.status, TestStatus::success);
}

TEST(RunnerReportMapping, HugeErrorsAreCutToKeepTheResponseSmall) {
  std::string huge;
  while (huge.size() < 40000) huge += "\xF0\x9F\x8E\x89 boom ";
  nlohmann::json result = {{"status", "failed"}, {"error", {{"message", huge}, {"stack", huge}}}};
  nlohmann::json test = {{"projectName", "p"}, {"status", "unexpected"}, {"results", nlohmann::json::array({result})}};
  nlohmann::json spec = {{"title", "t"}, {"file", "a.ts"}, {"tests", nlohmann::json::array({test})}};
  nlohmann::json file = {{"title", "a.ts"}, {"file", "a.ts"}, {"specs", nlohmann::json::array({spec})}};
  nlohmann::json report = {{"config", {{"rootDir", "/p"}}}, {"suites", nlohmann::json::array({file})}};
  auto mapped = map_playwright_report(report, "/p", {TestRef{"x", "p", "a.ts", {"t"}}});
  const auto& e = *mapped.at("x").outcome.error;
  EXPECT_LT(e.message.size(), 17U * 1024U);
  EXPECT_LT(e.stack_trace.size(), 17U * 1024U);
  EXPECT_NE(e.message.find("(truncated)"), std::string::npos);
  EXPECT_NO_THROW((void)nlohmann::json(e.message).dump());  // still valid UTF-8
}

TEST(RunnerStripAnsi, RemovesCsiAndOscSequences) {
  EXPECT_EQ(strip_ansi("\x1b[2mexpect(\x1b[22m\x1b[31mreceived\x1b[39m)"), "expect(received)");
  EXPECT_EQ(strip_ansi("a\x1b]8;;http://x\x07link\x1b]8;;\x07 b"), "alink b");
  EXPECT_EQ(strip_ansi("plain \xF0\x9F\x8E\x89"), "plain \xF0\x9F\x8E\x89");
  EXPECT_EQ(strip_ansi("cut\x1b"), "cut");
}

}  // namespace
}  // namespace ht::runner
