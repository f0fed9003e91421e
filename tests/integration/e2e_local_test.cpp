// End to end through the real binaries on the local provider: hypertest deploy + invoke
// run real Playwright suites with Debian Chromium, and hypertest's per-test outcomes are
// compared with Playwright's own JSON report of the same suite.
#include <gtest/gtest.h>

#include <signal.h>

#include <fstream>
#include <thread>

#include "core/subprocess.hpp"
#include "support/harness.hpp"

namespace ht::testing {
namespace {

namespace stdfs = std::filesystem;

std::string describe(const std::map<std::string, std::string>& m) {
  std::string s;
  for (const auto& [k, v] : m) s += "  " + k + " => " + v + "\n";
  return s;
}

// Same tests, same outcomes, each exactly once.
void expect_same_outcomes(const stdfs::path& project, const std::vector<std::string>& invoke_args) {
  auto deploy = run_hypertest({"deploy"}, project);
  ASSERT_EQ(deploy.exit_code, 0) << deploy.err;
  std::vector<std::string> args = {"invoke"};
  args.insert(args.end(), invoke_args.begin(), invoke_args.end());
  auto invoke = run_hypertest(args, project);
  auto results = read_json(project / "hypertest.results.json");
  auto ours = hypertest_outcomes(results);

  auto theirs = playwright_outcomes(run_playwright_json(project, 2), project);
  ASSERT_FALSE(theirs.empty());
  EXPECT_EQ(ours, theirs) << "hypertest:\n"
                          << describe(ours) << "playwright:\n"
                          << describe(theirs) << "stderr:\n"
                          << invoke.err;

  bool any_failed = false;
  for (const auto& [k, v] : theirs) any_failed = any_failed || v == "failed";
  EXPECT_EQ(invoke.exit_code, any_failed ? 1 : 0) << invoke.err;
  EXPECT_EQ(results["tests"]["total"].get<int>(), static_cast<int>(theirs.size()));
  EXPECT_NE(invoke.out.find("[run:end]"), std::string::npos) << invoke.out;
}

TEST(EndToEndLocal, ExampleSuiteMatchesPlaywrightsOwnReport) {
  auto project = copy_project(source_dir() / "examples/basic");
  expect_same_outcomes(project.path(), {"--concurrency", "2"});

  // The results file, JUnit, and the store copy of the results; the screenshot a test
  // wrote to HT_TEST_ARTIFACTS_OUTPUT_PATH lands under {store}/{runId}/{testId}/.
  auto results = read_json(project.path() / "hypertest.results.json");
  std::string run_id = results["runId"];
  stdfs::path run_dir = project.path() / "hypertest-artifacts" / run_id;
  EXPECT_TRUE(stdfs::exists(run_dir / "hypertest.results.json"));
  EXPECT_TRUE(stdfs::exists(run_dir / "junit.xml"));
  EXPECT_TRUE(stdfs::exists(project.path() / "hypertest.results.junit.xml"));
  EXPECT_TRUE(stdfs::exists(run_dir / "report" / "index.html")) << "merged HTML report missing";
  int screenshots = 0;
  for (const auto& r : results["testResults"]) {
    std::string id = r["testId"];
    EXPECT_EQ(r["artifacts"].get<std::string>().rfind("file://", 0), 0U);
    if (stdfs::exists(run_dir / id / "screenshots")) ++screenshots;
  }
  EXPECT_GT(screenshots, 0) << "no test's HT_TEST_ARTIFACTS_OUTPUT_PATH files reached the store";
}

TEST(EndToEndLocal, TrickySuiteMatchesPlaywrightsOwnReport) {
  auto project = copy_project(source_dir() / "tests/fixtures/suites/tricky");
  expect_same_outcomes(project.path(), {"--concurrency", "2"});
}

TEST(EndToEndLocal, RunnerKilledMidRunStillYieldsEveryResult) {
  auto project = copy_project(source_dir() / "tests/fixtures/e2e/crash");
  auto invoke = run_hypertest({"invoke", "--concurrency", "2"}, project.path());
  EXPECT_EQ(invoke.exit_code, 1) << invoke.err;
  auto results = read_json(project.path() / "hypertest.results.json");
  std::map<std::string, nlohmann::json> by_title;
  for (const auto& r : results["testResults"]) by_title[r["titlePath"].back().get<std::string>()] = r;
  ASSERT_EQ(by_title.size(), 5U) << results.dump(2);
  for (const char* t : {"first passes before the crash", "second kills its runner", "third never runs"}) {
    ASSERT_EQ(by_title.count(t), 1U) << t;
    const auto& r = by_title[t];
    EXPECT_EQ(r["status"], "error") << r.dump(2);
    EXPECT_NE(r["error"]["message"].get<std::string>().find("signal 9"), std::string::npos) << r.dump(2);
  }
  EXPECT_EQ(by_title["an unrelated test passes"]["status"], "success");
  EXPECT_EQ(by_title["another unrelated test passes"]["status"], "success");
  EXPECT_EQ(results["tests"]["error"], 3);
}

TEST(EndToEndLocal, ConfigErrorsNameFileAndFieldWithExitCode2) {
  fs::TempDir dir("ht-cfg-");
  std::ofstream(dir.path() / "hypertest.config.json") << R"({"concurrency": 0})";
  auto r = run_hypertest({"invoke"}, dir.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find((dir.path() / "hypertest.config.json").string() + ": field 'concurrency': 0 is out of range"),
            std::string::npos)
      << r.err;

  r = run_hypertest({"invoke", "--config", "missing.json"}, dir.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("missing.json: file not found"), std::string::npos) << r.err;

  r = run_hypertest({"invoke", "--concurrency", "-1"}, dir.path());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  r = run_hypertest({"frobnicate"}, dir.path());
  EXPECT_EQ(r.exit_code, 2) << r.err;
}

TEST(EndToEndLocal, MissingPlaywrightIsAClearError) {
  fs::TempDir dir("ht-nopw-");
  std::ofstream(dir.path() / "playwright.config.ts") << "export default {};\n";
  auto r = run_hypertest({"invoke"}, dir.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("Playwright not found in " + dir.path().string() + ": run npm install"), std::string::npos)
      << r.err;
}

TEST(EndToEndLocal, DriftPolicies) {
  auto project = copy_project(source_dir() / "tests/fixtures/e2e/crash");
  stdfs::remove(project.path() / "tests/crash.spec.ts");
  auto deploy = run_hypertest({"deploy"}, project.path());
  ASSERT_EQ(deploy.exit_code, 0) << deploy.err;
  auto same = run_hypertest({"invoke"}, project.path(), {{"HYPERTEST_DRIFT_DETECTION_POLICY", "error"}});
  EXPECT_EQ(same.exit_code, 0) << "no drift yet: " << same.err << same.out;

  std::ofstream(project.path() / "tests/fine.spec.ts", std::ios::app) << "\n// changed after deploy\n";
  auto err = run_hypertest({"invoke"}, project.path(), {{"HYPERTEST_DRIFT_DETECTION_POLICY", "error"}});
  EXPECT_EQ(err.exit_code, 2);
  EXPECT_NE(err.err.find("the local suite changed since deploy"), std::string::npos) << err.err;

  auto warn = run_hypertest({"invoke"}, project.path(), {{"HYPERTEST_DRIFT_DETECTION_POLICY", "warning"}});
  EXPECT_EQ(warn.exit_code, 0) << warn.err;
  EXPECT_NE((warn.out + warn.err).find("drift: the local suite changed since deploy"), std::string::npos)
      << warn.out << warn.err;

  auto quiet = run_hypertest({"invoke"}, project.path(), {{"HYPERTEST_DRIFT_DETECTION_POLICY", "silence"}});
  EXPECT_EQ(quiet.exit_code, 0) << quiet.err;
  EXPECT_EQ((quiet.out + quiet.err).find("drift"), std::string::npos) << quiet.out << quiet.err;
}

TEST(EndToEndLocal, InterruptExits130AndStillWritesEveryTest) {
  auto project = copy_project(source_dir() / "tests/fixtures/e2e/slow");
  SpawnOptions o;
  o.argv = {hypertest_binary().string(), "invoke", "--concurrency", "2"};
  o.cwd = project.path();
  o.env_set = {{"HYPERTEST_RUNNER", runner_binary().string()}};
  o.stdout_mode = Stdio::null;
  o.stderr_mode = Stdio::null;
  o.new_process_group = false;
  auto child = spawn(o);
  ASSERT_TRUE(child.ok()) << child.error().describe();
  // Let the runners pick up their invocations, then Ctrl-C.
  std::this_thread::sleep_for(std::chrono::seconds(8));
  ::kill(child->pid(), SIGINT);
  auto status = child->wait(std::chrono::seconds(30));
  ASSERT_TRUE(status.has_value()) << "hypertest did not stop after SIGINT";
  EXPECT_EQ(status->code, 130);
  auto results = read_json(project.path() / "hypertest.results.json");
  ASSERT_EQ(results["testResults"].size(), 4U);
  for (const auto& r : results["testResults"]) {
    EXPECT_EQ(r["status"], "error") << r.dump(2);
  }
}

}  // namespace
}  // namespace ht::testing
