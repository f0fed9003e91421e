// hypertest-runner (the real binary) against the local Runtime API host, running the real
// Playwright suite in tests/fixtures/runner/suite with Debian's Chromium.
//
// node_modules: the suite is copied to a temp dir whose node_modules is a symlink to
// examples/basic/node_modules (scripts/test.sh runs `npm ci` there first).
#include <gtest/gtest.h>

#include "support/harness.hpp"

#include <signal.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "core/fs.hpp"
#include "core/subprocess.hpp"
#include "providers/local/runtime_api_host.hpp"

namespace ht {
namespace {

namespace stdfs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;

const std::string kNasty = "quotes ' \" $(echo hi) `tick` [a-z]+ (x|y)* \\d\ttab \xF0\x9F\x8E\x89 > end";

TestRef ref(const std::string& project, const std::string& file, std::vector<std::string> titles) {
  return TestRef{make_test_id(project, file, titles), project, file, std::move(titles)};
}
TestRef basic(std::vector<std::string> titles) { return ref("alpha", "tests/basic.spec.ts", std::move(titles)); }

class RunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = scratch_.path() / "suite";
    ht::testing::copy_fixture_to(stdfs::path(HT_SOURCE_DIR) / "tests/fixtures/runner/suite", root_);
    ASSERT_FALSE(HasFailure());
    stdfs::create_directories(scratch_.path() / "tmp");
    store_ = scratch_.path() / "store";
  }

  void start_host(std::chrono::milliseconds timeout) {
    local::RuntimeApiHost::Options options;
    options.invocation_timeout = timeout;
    host_ = std::make_unique<local::RuntimeApiHost>(options);
    auto env = host_->add_environment();
    ASSERT_TRUE(env.ok());
  }

  Child start_runner(std::map<std::string, std::string> extra = {}) {
    SpawnOptions o;
    o.argv = {(stdfs::path(HT_BINARY_DIR) / "hypertest-runner").string()};
    o.env_set = {{"AWS_LAMBDA_RUNTIME_API", host_->address(0)},
                 {"HT_PROJECT_ROOT", root_.string()},
                 {"TMPDIR", (scratch_.path() / "tmp").string()},
                 // A runner between two calls when the host shuts down finds nothing listening;
                 // it then gives up after this long (default 10 s).
                 {"HT_NEXT_GIVE_UP_MS", "2000"}};
    for (auto& [k, v] : extra) o.env_set[k] = v;
    o.stdout_mode = Stdio::file;
    o.stdout_file = scratch_.path() / "runner.log";
    o.stderr_mode = Stdio::file;
    o.stderr_file = scratch_.path() / "runner.log";
    auto child = spawn(o);
    EXPECT_TRUE(child.ok());
    return child.ok() ? std::move(*child) : Child();
  }

  InvocationRequest request(const std::string& id, std::vector<TestRef> tests) {
    InvocationRequest r;
    r.run_id = "run-1";
    r.invocation_id = id;
    r.artifacts = "file://" + store_.string();
    r.tests = std::move(tests);
    return r;
  }

  std::string runner_log() { return fs::read_file(scratch_.path() / "runner.log").value_or(""); }

  fs::TempDir scratch_{"ht-rt-"};
  stdfs::path root_;
  stdfs::path store_;
  std::unique_ptr<local::RuntimeApiHost> host_;
};

TEST_F(RunnerTest, RunsAnInvocationAndReportsEveryRequestedTestInOrder) {
  start_host(seconds(300));
  const std::vector<TestRef> tests = {basic({"passes"}),
                                      basic({"fails"}),
                                      basic({"writes an artifact"}),
                                      basic({"skipped"}),
                                      basic({"fixme"}),
                                      basic({"conditionally skipped"}),
                                      basic({"flaky"}),
                                      basic({"nested \"group\"", "inner", kNasty}),
                                      basic({"nested \"group\"", "  padded title  "}),
                                      ref("beta", "tests/other.check.js", {"js spec passes"}),
                                      basic({"no such test"})};
  Child runner = start_runner();
  host_->submit(request("inv-1", tests));
  auto outcome = host_->wait_outcome(seconds(240));
  ASSERT_TRUE(outcome.has_value()) << runner_log();
  ASSERT_TRUE(std::holds_alternative<InvocationResponse>(outcome->result))
      << std::get<Error>(outcome->result).describe();
  const auto& results = std::get<InvocationResponse>(outcome->result).results;
  ASSERT_EQ(results.size(), tests.size());
  for (size_t i = 0; i < tests.size(); ++i) EXPECT_EQ(results[i].test_id, tests[i].test_id) << i;

  const std::vector<TestStatus> expected = {TestStatus::success, TestStatus::failed,  TestStatus::success,
                                            TestStatus::skipped, TestStatus::skipped, TestStatus::skipped,
                                            TestStatus::success, TestStatus::success, TestStatus::success,
                                            TestStatus::success, TestStatus::error};
  for (size_t i = 0; i < tests.size(); ++i) {
    EXPECT_EQ(to_string(results[i].status), std::string(to_string(expected[i])))
        << tests[i].title_path.back() << ": " << (results[i].error ? results[i].error->message : "");
  }
  EXPECT_TRUE(results[6].flaky);
  ASSERT_TRUE(results[1].error.has_value());
  EXPECT_NE(results[1].error->message.find("toHaveText"), std::string::npos);
  ASSERT_TRUE(results[10].error.has_value());
  EXPECT_NE(results[10].error->message.find("found no test"), std::string::npos) << results[10].error->message;

  // Artifacts: HT_TEST_ARTIFACTS_OUTPUT_PATH was this test's own folder, Playwright's
  // per-test output (trace, screenshot) went with the test, reports with the invocation.
  const stdfs::path run = store_ / "run-1";
  EXPECT_EQ(fs::read_file(run / tests[2].test_id / "note.txt").value_or(""), "writes an artifact");
  EXPECT_TRUE(stdfs::exists(run / tests[2].test_id / "custom.png"));
  EXPECT_EQ(results[2].artifacts, "file://" + (run / tests[2].test_id).string() + "/");
  bool trace = false;
  for (auto& e : stdfs::recursive_directory_iterator(run / tests[1].test_id / "test-results")) {
    trace = trace || e.path().filename() == "trace.zip";
  }
  EXPECT_TRUE(trace);
  EXPECT_TRUE(stdfs::exists(run / tests[0].test_id / "playwright-test.json"));
  EXPECT_FALSE(stdfs::exists(run / tests[0].test_id / "note.txt"));  // only the writer's folder has it
  EXPECT_TRUE(stdfs::exists(run / "blob-reports" / "inv-1-1.zip"));
  auto report = nlohmann::json::parse(fs::read_file(run / "invocations" / "inv-1-1.json").value_or("{}"));
  EXPECT_EQ(report["config"]["rootDir"], root_.string());
  EXPECT_EQ(report["config"]["metadata"]["actualWorkers"], 1);

  // The work dir is gone, with everything Playwright and Chromium put in their TMPDIR.
  for (auto& e : stdfs::directory_iterator(scratch_.path() / "tmp")) ADD_FAILURE() << "left behind: " << e.path();

  // The runner leaves when the API goes away (a waiting `next` gets 500; a later one finds
  // nothing listening).
  host_->shutdown();
  auto status = runner.wait(seconds(10));
  ASSERT_TRUE(status.has_value()) << "runner did not exit after the Runtime API shut down";
}

TEST_F(RunnerTest, EsModuleProjectsGetPerTestArtifactFoldersToo) {
  // Replace the CommonJS suite with the ESM one.
  stdfs::remove_all(root_);
  stdfs::copy(stdfs::path(HT_SOURCE_DIR) / "tests/fixtures/runner/suite-esm", root_, stdfs::copy_options::recursive);
  stdfs::create_directory_symlink(stdfs::path(HT_SOURCE_DIR) / "examples/basic/node_modules", root_ / "node_modules");
  start_host(seconds(300));
  const std::vector<TestRef> tests = {ref("", "tests/esm.spec.js", {"esm writes first"}),
                                      ref("", "tests/esm.spec.js", {"esm writes second"})};
  Child runner = start_runner();
  host_->submit(request("inv-esm", tests));
  auto outcome = host_->wait_outcome(seconds(120));
  ASSERT_TRUE(outcome.has_value()) << runner_log();
  ASSERT_TRUE(std::holds_alternative<InvocationResponse>(outcome->result));
  const auto& results = std::get<InvocationResponse>(outcome->result).results;
  ASSERT_EQ(results.size(), 2U);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(results[i].status, TestStatus::success) << (results[i].error ? results[i].error->message : "");
    EXPECT_EQ(fs::read_file(store_ / "run-1" / tests[i].test_id / "who.txt").value_or(""), tests[i].title_path[0]);
  }
  host_->shutdown();
  EXPECT_TRUE(runner.wait(seconds(10)).has_value());
}

TEST_F(RunnerTest, DeadlineStopsPlaywrightAndUnfinishedTestsAreErrors) {
  start_host(seconds(30));
  const std::vector<TestRef> tests = {basic({"sleeps"}), basic({"passes"})};
  Child runner = start_runner();
  const auto started = std::chrono::steady_clock::now();
  host_->submit(request("inv-late", tests));
  auto outcome = host_->wait_outcome(seconds(60));
  ASSERT_TRUE(outcome.has_value()) << runner_log();
  // The runner answered before the deadline (the host would otherwise still hold it).
  EXPECT_LT(std::chrono::steady_clock::now() - started, seconds(31));
  ASSERT_TRUE(std::holds_alternative<InvocationResponse>(outcome->result));
  const auto& results = std::get<InvocationResponse>(outcome->result).results;
  ASSERT_EQ(results.size(), 2U);
  EXPECT_EQ(results[0].status, TestStatus::error);
  ASSERT_TRUE(results[0].error.has_value());
  EXPECT_EQ(results[0].error->message, "invocation deadline reached");
  EXPECT_EQ(results[1].status, TestStatus::success) << (results[1].error ? results[1].error->message : "");
  // Interrupted gracefully: the reports of what did run are there.
  EXPECT_TRUE(stdfs::exists(store_ / "run-1" / "blob-reports" / "inv-late-1.zip"));
  host_->shutdown();
  EXPECT_TRUE(runner.wait(seconds(10)).has_value());
}

TEST_F(RunnerTest, MissingConfigIsAnInitError) {
  start_host(seconds(30));
  Child runner = start_runner({{"HT_PLAYWRIGHT_CONFIG", "nope.config.ts"}});
  auto status = runner.wait(seconds(20));
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->code, 1);
  auto state = host_->state(0);
  ASSERT_TRUE(state.init_error.has_value()) << runner_log();
  EXPECT_EQ(state.init_error->service_code, "Runtime.InitError");
  EXPECT_NE(state.init_error->message.find("Playwright config not found"), std::string::npos);
  EXPECT_NE(state.init_error->message.find("nope.config.ts"), std::string::npos);
}

TEST_F(RunnerTest, ExitsWhenTheRuntimeApiIsGoneForGood) {
  start_host(seconds(30));
  const std::string address = host_->address(0);
  host_->shutdown();  // nothing listens there any more
  Child runner = start_runner({{"HT_NEXT_GIVE_UP_MS", "1500"}});
  auto status = runner.wait(seconds(15));
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->code, 0) << runner_log();
  EXPECT_NE(runner_log().find("unreachable"), std::string::npos);
}

TEST_F(RunnerTest, SigtermTakesPlaywrightDown) {
  start_host(seconds(300));
  Child runner = start_runner();
  host_->submit(request("inv-term", {basic({"sleeps"})}));
  // Wait until Playwright is running (its wrapper config names the scratch TMPDIR).
  const std::string marker = (scratch_.path() / "tmp").string();
  auto playwright_pids = [&] {
    std::set<pid_t> pids;
    for (auto& e : stdfs::directory_iterator("/proc")) {
      const std::string name = e.path().filename().string();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      std::string cmd = fs::read_file(e.path() / "cmdline").value_or("");
      if (cmd.find(marker) != std::string::npos && cmd.find("cli.js") != std::string::npos) {
        pids.insert(static_cast<pid_t>(std::stoi(name)));
      }
    }
    return pids;
  };
  auto until = std::chrono::steady_clock::now() + seconds(60);
  while (playwright_pids().empty() && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(milliseconds(100));
  ASSERT_FALSE(playwright_pids().empty()) << runner_log();
  runner.kill(SIGTERM);
  auto status = runner.wait(seconds(10));
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->code, 128 + SIGTERM);  // its handler ran (it kills Playwright's group)
  until = std::chrono::steady_clock::now() + seconds(10);
  while (!playwright_pids().empty() && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(milliseconds(100));
  EXPECT_TRUE(playwright_pids().empty());
}

}  // namespace
}  // namespace ht
