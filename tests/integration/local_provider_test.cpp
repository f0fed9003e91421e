// The local provider end to end: real hypertest-runner processes against the Runtime API it
// hosts, running the real Playwright suite in tests/fixtures/runner/suite with Debian's
// Chromium. The suite is copied to a temp dir whose node_modules is a symlink to
// examples/basic/node_modules (scripts/test.sh runs `npm ci` there first).
#include <gtest/gtest.h>

#include "support/harness.hpp"

#include <signal.h>

#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "core/fs.hpp"
#include "providers/local/local_provider.hpp"

namespace ht {
namespace {

namespace stdfs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;

TestRef ref(const std::string& project, const std::string& file, std::vector<std::string> titles) {
  return TestRef{make_test_id(project, file, titles), project, file, std::move(titles)};
}
TestRef basic(std::vector<std::string> titles) { return ref("alpha", "tests/basic.spec.ts", std::move(titles)); }

class LocalProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = scratch_.path() / "suite";
    ht::testing::copy_fixture_to(stdfs::path(HT_SOURCE_DIR) / "tests/fixtures/runner/suite", root_);
    ASSERT_FALSE(HasFailure());
    tmp_ = scratch_.path() / "tmp";
    stdfs::create_directories(tmp_);
  }

  RunContext context(int concurrency, std::chrono::milliseconds timeout) {
    RunContext c;
    c.run_id = "run-local";
    c.artifacts = "file://" + (scratch_.path() / "store").string();
    c.concurrency = concurrency;
    c.project_root = root_;
    c.runner_binary = stdfs::path(HT_BINARY_DIR) / "hypertest-runner";
    c.invocation_timeout = timeout;
    c.runner_env = {{"TMPDIR", tmp_.string()}};
    return c;
  }

  static InvocationRequest request(const std::string& id, std::vector<TestRef> tests) {
    InvocationRequest r;
    r.run_id = "run-local";
    r.invocation_id = id;
    r.tests = std::move(tests);
    return r;
  }

  // Collects `n` outcomes (or fewer after `timeout`), keyed by invocation id; a second
  // outcome for one invocation is a failure.
  static std::map<std::string, InvocationOutcome> collect(Provider& p, size_t n, std::chrono::seconds timeout) {
    std::map<std::string, InvocationOutcome> out;
    auto until = std::chrono::steady_clock::now() + timeout;
    while (out.size() < n && std::chrono::steady_clock::now() < until) {
      auto o = p.wait_next(milliseconds(200));
      if (!o) continue;
      std::string id = o->invocation_id;
      EXPECT_TRUE(out.emplace(id, std::move(*o)).second) << "two outcomes for " << id;
    }
    return out;
  }

  // Playwright main processes started for this test (their --config is under tmp_).
  std::set<pid_t> playwright_pids() const {
    std::set<pid_t> pids;
    for (auto& e : stdfs::directory_iterator("/proc")) {
      const std::string name = e.path().filename().string();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      std::string cmd = fs::read_file(e.path() / "cmdline").value_or("");
      if (cmd.find(tmp_.string()) != std::string::npos && cmd.find("cli.js") != std::string::npos) {
        pids.insert(static_cast<pid_t>(std::stoi(name)));
      }
    }
    return pids;
  }

  bool wait_for(const std::function<bool()>& cond, std::chrono::seconds timeout) {
    auto until = std::chrono::steady_clock::now() + timeout;
    while (!cond()) {
      if (std::chrono::steady_clock::now() >= until) return false;
      std::this_thread::sleep_for(milliseconds(100));
    }
    return true;
  }

  fs::TempDir scratch_{"ht-lp-"};
  stdfs::path root_;
  stdfs::path tmp_;
};

const InvocationResponse* response_of(const std::map<std::string, InvocationOutcome>& m, const std::string& id) {
  auto it = m.find(id);
  if (it == m.end()) return nullptr;
  return std::get_if<InvocationResponse>(&it->second.result);
}

TEST_F(LocalProviderTest, TwoRunnersServeSeveralInvocations) {
  LocalProvider provider;
  ASSERT_TRUE(provider.start(context(2, seconds(300))).ok());
  EXPECT_EQ(provider.runner_pids().size(), 2U);
  const auto passes = basic({"passes"});
  const auto fails = basic({"fails"});
  const auto skipped = basic({"skipped"});
  const auto js = ref("beta", "tests/other.check.js", {"js spec passes"});
  const auto flaky = basic({"flaky"});
  provider.submit(request("a", {passes}));
  provider.submit(request("b", {fails, skipped}));
  provider.submit(request("c", {js}));
  provider.submit(request("d", {flaky}));

  // Both runners take work at once.
  std::set<pid_t> busy;
  wait_for(
      [&] {
        for (const char* id : {"a", "b", "c", "d"}) {
          if (auto pid = provider.runner_pid_for(id)) busy.insert(*pid);
        }
        return busy.size() == 2;
      },
      seconds(60));
  EXPECT_EQ(busy.size(), 2U);

  auto outcomes = collect(provider, 4, seconds(300));
  ASSERT_EQ(outcomes.size(), 4U);
  for (const auto& [id, o] : outcomes) {
    ASSERT_TRUE(std::holds_alternative<InvocationResponse>(o.result))
        << id << ": " << std::get<Error>(o.result).describe() << "\n"
        << o.log_tail;
    EXPECT_FALSE(o.log_tail.empty()) << id;
  }
  EXPECT_EQ(response_of(outcomes, "a")->results.at(0).status, TestStatus::success)
      << response_of(outcomes, "a")->results.at(0).error.value_or(TestError{}).message << outcomes.at("a").log_tail;
  ASSERT_EQ(response_of(outcomes, "b")->results.size(), 2U);
  EXPECT_EQ(response_of(outcomes, "b")->results.at(0).status, TestStatus::failed);
  EXPECT_EQ(response_of(outcomes, "b")->results.at(1).status, TestStatus::skipped);
  EXPECT_EQ(response_of(outcomes, "c")->results.at(0).status, TestStatus::success);
  EXPECT_EQ(response_of(outcomes, "d")->results.at(0).status, TestStatus::success);
  EXPECT_TRUE(response_of(outcomes, "d")->results.at(0).flaky);

  auto pids = provider.runner_pids();
  provider.stop();
  for (pid_t pid : pids) EXPECT_NE(::kill(pid, 0), 0) << "runner " << pid << " still alive";
  EXPECT_FALSE(provider.wait_next(milliseconds(100)).has_value());
}

TEST_F(LocalProviderTest, KilledRunnerYieldsAnErrorAndTheRunContinues) {
  LocalProvider provider;
  ASSERT_TRUE(provider.start(context(1, seconds(300))).ok());
  provider.submit(request("doomed", {basic({"sleeps"}), basic({"passes"})}));
  provider.submit(request("after", {basic({"passes"})}));
  std::optional<pid_t> pid;
  ASSERT_TRUE(
      wait_for([&] { return (pid = provider.runner_pid_for("doomed")).has_value() && !playwright_pids().empty(); },
               seconds(60)));
  ASSERT_EQ(::kill(*pid, SIGKILL), 0);

  auto outcomes = collect(provider, 2, seconds(180));
  ASSERT_EQ(outcomes.size(), 2U);
  const auto& doomed = outcomes.at("doomed");
  ASSERT_TRUE(std::holds_alternative<Error>(doomed.result));
  EXPECT_EQ(std::get<Error>(doomed.result).message, "runner exited with signal 9 while running invocation doomed");
  // The replacement runner served the next invocation.
  ASSERT_NE(response_of(outcomes, "after"), nullptr) << std::get<Error>(outcomes.at("after").result).describe();
  EXPECT_EQ(response_of(outcomes, "after")->results.at(0).status, TestStatus::success);
  // The killed runner's Playwright noticed and went away.
  EXPECT_TRUE(wait_for([&] { return playwright_pids().empty(); }, seconds(15)));
  provider.stop();
}

TEST_F(LocalProviderTest, InvocationPastItsDeadlineIsKilledAndFails) {
  LocalProvider provider;
  auto c = context(1, seconds(12));
  // The runner would normally stop Playwright 5 s before the deadline and answer; make it
  // keep going so the provider's own deadline enforcement is what ends the invocation.
  c.runner_env["HT_DEADLINE_MARGIN_MS"] = "-600000";
  ASSERT_TRUE(provider.start(c).ok());
  const auto started = std::chrono::steady_clock::now();
  provider.submit(request("late", {basic({"sleeps"})}));
  auto outcomes = collect(provider, 1, seconds(60));
  ASSERT_EQ(outcomes.size(), 1U);
  EXPECT_LT(std::chrono::steady_clock::now() - started, seconds(40));
  ASSERT_TRUE(std::holds_alternative<Error>(outcomes.at("late").result));
  EXPECT_NE(std::get<Error>(outcomes.at("late").result).message.find("passed its deadline"), std::string::npos);
  EXPECT_TRUE(wait_for([&] { return playwright_pids().empty(); }, seconds(15)));
  provider.stop();
}

TEST_F(LocalProviderTest, WhenEveryRunnerFailsInitPendingInvocationsFail) {
  LocalProvider provider;
  auto c = context(2, seconds(60));
  c.runner_env["HT_PLAYWRIGHT_CONFIG"] = "missing.config.ts";
  ASSERT_TRUE(provider.start(c).ok());
  provider.submit(request("x", {basic({"passes"})}));
  provider.submit(request("y", {basic({"passes"})}));
  auto outcomes = collect(provider, 2, seconds(30));
  ASSERT_EQ(outcomes.size(), 2U);
  for (const auto& [id, o] : outcomes) {
    ASSERT_TRUE(std::holds_alternative<Error>(o.result)) << id;
    EXPECT_NE(std::get<Error>(o.result).message.find("Playwright config not found"), std::string::npos)
        << std::get<Error>(o.result).describe();
  }
  provider.submit(request("z", {basic({"passes"})}));
  auto late = provider.wait_next(seconds(5));
  ASSERT_TRUE(late.has_value());
  EXPECT_EQ(late->invocation_id, "z");
  EXPECT_TRUE(std::holds_alternative<Error>(late->result));
  provider.stop();
}

TEST_F(LocalProviderTest, CancelInterruptsQueuedAndRunningInvocations) {
  LocalProvider provider;
  ASSERT_TRUE(provider.start(context(1, seconds(300))).ok());
  provider.submit(request("running", {basic({"sleeps"})}));
  provider.submit(request("queued", {basic({"passes"})}));
  ASSERT_TRUE(wait_for([&] { return provider.runner_pid_for("running").has_value(); }, seconds(60)));
  provider.cancel();
  auto outcomes = collect(provider, 2, seconds(15));
  ASSERT_EQ(outcomes.size(), 2U);
  for (const auto& [id, o] : outcomes) {
    ASSERT_TRUE(std::holds_alternative<Error>(o.result)) << id;
    EXPECT_EQ(std::get<Error>(o.result).kind, ErrorKind::interrupted) << id;
  }
  EXPECT_TRUE(provider.runner_pids().empty());
  provider.submit(request("too-late", {basic({"passes"})}));
  auto late = provider.wait_next(seconds(5));
  ASSERT_TRUE(late.has_value());
  EXPECT_EQ(std::get<Error>(late->result).kind, ErrorKind::interrupted);
  EXPECT_TRUE(wait_for([&] { return playwright_pids().empty(); }, seconds(15)));
  provider.stop();
  EXPECT_FALSE(provider.wait_next(milliseconds(100)).has_value());
}

}  // namespace
}  // namespace ht
