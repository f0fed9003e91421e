// End to end through the real CLI on the aws provider: the manifest and results live in S3
// (moto_server, signatures checked), Lambda Invoke is played by the fault-injecting fixture
// (tests/fixtures/aws/invoke_fixture.py), which also answers GetFunction for the drift check.
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "integration/aws_test_support.hpp"
#include "support/harness.hpp"

namespace ht::testing {
namespace {

namespace stdfs = std::filesystem;

const std::string kDigest = "sha256:" + std::string(64, 'a');
const std::string kImage = "123456789012.dkr.ecr.us-east-1.amazonaws.com/hypertest@" + kDigest;

class EndToEndAws : public ::testing::Test {
 protected:
  void SetUp() override {
    auto m = moto_env();
    ASSERT_TRUE(m.has_value()) << "HT_MOTO_* not set: run the integration tests via scripts/test.sh";
    moto_ = *m;
    bucket_ = unique_name("ht-e2e");
    auto mb = aws_cli(moto_, {"s3", "mb", "s3://" + bucket_});
    ASSERT_TRUE(mb.status.success()) << mb.err;
    project_ = std::make_unique<fs::TempDir>(copy_project(source_dir() / "tests/fixtures/suites/tricky"));

    // Freeze the manifest in S3: deploy with the store in the bucket (the local provider's
    // deploy writes tests + hash; no image), then record the image the "function" runs,
    // as an aws deploy would.
    write_config(R"({"cloudProvider": {"type": "local"}, "artifacts": "s3://)" + bucket_ + R"("})");
    auto deploy = cli({"deploy"}, "");
    ASSERT_EQ(deploy.exit_code, 0) << deploy.err;
    auto got = aws_cli(moto_, {"s3", "cp", "s3://" + bucket_ + "/hypertest.manifest.json", "-"});
    ASSERT_TRUE(got.status.success()) << got.err;
    auto manifest = nlohmann::json::parse(got.out);
    manifest["provider"] = "aws";
    manifest["imageDigest"] = kDigest;
    manifest["imageUri"] = kImage;
    tests_ = manifest["tests"].size();
    ASSERT_GT(tests_, 10U);
    auto file = dir().parent_path() / (dir().filename().string() + ".manifest.json");
    std::ofstream(file) << manifest.dump();
    auto put = aws_cli(moto_, {"s3", "cp", file.string(), "s3://" + bucket_ + "/hypertest.manifest.json"});
    ASSERT_TRUE(put.status.success()) << put.err;
    stdfs::remove(file);

    write_config(R"({"concurrency": 4, "cloudProvider": {"type": "aws", "region": ")" + moto_.region +
                 R"(", "baseImage": "unused", "ecrRegistry": "123456789012.dkr.ecr.us-east-1.amazonaws.com",
                 "functionName": "hypertest-e2e", "bucketName": ")" +
                 bucket_ + R"("}})");
  }

  const stdfs::path& dir() const { return project_->path(); }

  void write_config(const std::string& json) { std::ofstream(dir() / "hypertest.config.json") << json; }

  CliRun cli(const std::vector<std::string>& args, const std::string& lambda_endpoint,
             std::map<std::string, std::string> extra = {}) {
    std::map<std::string, std::string> env = {{"AWS_ENDPOINT_URL", moto_.endpoint},
                                              {"AWS_ACCESS_KEY_ID", moto_.access_key_id},
                                              {"AWS_SECRET_ACCESS_KEY", moto_.secret_access_key},
                                              {"AWS_REGION", moto_.region},
                                              {"AWS_CONFIG_FILE", "/dev/null"},
                                              {"AWS_SHARED_CREDENTIALS_FILE", "/dev/null"}};
    if (!lambda_endpoint.empty()) env["AWS_ENDPOINT_URL_LAMBDA"] = lambda_endpoint;
    for (auto& [k, v] : extra) env[k] = v;
    return run_hypertest(args, dir(), env);
  }

  nlohmann::json results() { return read_json(dir() / "hypertest.results.json"); }

  MotoEnv moto_;
  std::string bucket_;
  std::unique_ptr<fs::TempDir> project_;
  size_t tests_ = 0;
};

TEST_F(EndToEndAws, TransientFaultsAreRetriedAndFunctionErrorsAreLabeled) {
  // 1st and 2nd invocations to arrive: throttled, reset, 5xx, then fine; the 3rd: a
  // function error, which no transport retry fixes.
  InvokeFixture fx(0.05, {{"@0", {"429", "reset", "ok"}}, {"@1", {"503", "ok"}}, {"@2", {"function_error"}}}, kImage);
  ASSERT_TRUE(fx.ready());
  auto run = cli({"invoke", "--retries", "0"}, fx.endpoint(), {{"HYPERTEST_DRIFT_DETECTION_POLICY", "error"}});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  auto r = results();
  ASSERT_EQ(r["testResults"].size(), tests_);
  std::set<std::string> ids;
  int errors = 0;
  for (const auto& t : r["testResults"]) {
    EXPECT_TRUE(ids.insert(t["testId"].get<std::string>()).second) << "twice: " << t.dump();
    if (t["status"] == "error") {
      ++errors;
      EXPECT_NE(t["error"]["message"].get<std::string>().find("function error"), std::string::npos) << t.dump();
    } else {
      EXPECT_EQ(t["status"], "success") << t.dump();
    }
  }
  EXPECT_GT(errors, 0);
  EXPECT_EQ(r["tests"]["error"], errors);
  auto stats = fx.stats();
  EXPECT_EQ(stats["unsigned"], 0);
  EXPECT_GE(stats["requests"].get<int>(), static_cast<int>(stats["attempts"].size()) + 3) << stats.dump();

  // The results file is in the store, under the run (listed by an independent client; the
  // whole bucket, since moto cannot check signatures of listings with a '/' in the prefix).
  auto ls = aws_cli(moto_, {"s3", "ls", "--recursive", "s3://" + bucket_});
  const std::string run_id = r["runId"];
  EXPECT_NE(ls.out.find(run_id + "/hypertest.results.json"), std::string::npos) << ls.out << ls.err;
  EXPECT_NE(ls.out.find(run_id + "/junit.xml"), std::string::npos) << ls.out;
}

TEST_F(EndToEndAws, RetriesRunErroredTestsOnFreshInvocationsAndMarkThemFlaky) {
  InvokeFixture fx(0.05, {{"@1", {"function_error"}}}, kImage);
  ASSERT_TRUE(fx.ready());
  auto run = cli({"invoke", "--retries", "1"}, fx.endpoint());
  EXPECT_EQ(run.exit_code, 0) << run.err;
  auto r = results();
  ASSERT_EQ(r["testResults"].size(), tests_);
  int flaky = 0;
  for (const auto& t : r["testResults"]) {
    EXPECT_EQ(t["status"], "success") << t.dump();
    if (t["flaky"].get<bool>()) {
      ++flaky;
      EXPECT_EQ(t["attempts"], 2);
    }
  }
  EXPECT_GT(flaky, 0);
  EXPECT_EQ(r["tests"]["flaky"], flaky);
}

TEST_F(EndToEndAws, DriftPoliciesForTheSuiteAndTheFunctionsImage) {
  InvokeFixture fx(0.0, nlohmann::json::object(), kImage);
  ASSERT_TRUE(fx.ready());
  auto clean = cli({"invoke"}, fx.endpoint(), {{"HYPERTEST_DRIFT_DETECTION_POLICY", "error"}});
  EXPECT_EQ(clean.exit_code, 0) << clean.err;

  std::ofstream(dir() / "specs/serial.spec.ts", std::ios::app) << "\n// edited after deploy\n";
  auto err = cli({"invoke"}, fx.endpoint(), {{"HYPERTEST_DRIFT_DETECTION_POLICY", "error"}});
  EXPECT_EQ(err.exit_code, 2);
  EXPECT_NE(err.err.find("the local suite changed since deploy"), std::string::npos) << err.err;
  auto warn = cli({"invoke"}, fx.endpoint(), {{"HYPERTEST_DRIFT_DETECTION_POLICY", "warning"}});
  EXPECT_EQ(warn.exit_code, 0) << warn.err;
  EXPECT_NE((warn.out + warn.err).find("drift: the local suite changed since deploy"), std::string::npos);
  auto silent = cli({"invoke"}, fx.endpoint(), {{"HYPERTEST_DRIFT_DETECTION_POLICY", "silence"}});
  EXPECT_EQ(silent.exit_code, 0) << silent.err;
  EXPECT_EQ((silent.out + silent.err).find("drift"), std::string::npos) << silent.out;

  // The function now runs another image than the manifest's.
  InvokeFixture other(0.0, nlohmann::json::object(),
                      "123456789012.dkr.ecr.us-east-1.amazonaws.com/hypertest@sha256:" + std::string(64, 'b'));
  ASSERT_TRUE(other.ready());
  auto image = cli({"invoke"}, other.endpoint(), {{"HYPERTEST_DRIFT_DETECTION_POLICY", "error"}});
  EXPECT_EQ(image.exit_code, 2);
  EXPECT_NE(image.err.find("the function runs image sha256:bbbb"), std::string::npos) << image.err;
}

TEST_F(EndToEndAws, SecretsNeverAppearInVerboseOutput) {
  InvokeFixture fx(0.0, {{"@0", {"function_error"}}}, kImage);
  ASSERT_TRUE(fx.ready());
  auto run = cli({"--verbose", "invoke"}, fx.endpoint());
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_FALSE(run.err.empty());
  for (const auto* text : {&run.out, &run.err}) {
    EXPECT_EQ(text->find(moto_.secret_access_key), std::string::npos);
  }
  auto stored = fs::read_file(dir() / "hypertest.results.json");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->find(moto_.secret_access_key), std::string::npos);
}

// The local provider with its artifact store in S3: each runner uploads its tests' files
// straight to the bucket with the credentials it inherited; the CLI puts the results there.
TEST(EndToEndAwsStore, LocalRunnersUploadArtifactsToS3) {
  auto m = moto_env();
  ASSERT_TRUE(m.has_value()) << "HT_MOTO_* not set: run the integration tests via scripts/test.sh";
  const std::string bucket = unique_name("ht-art");
  ASSERT_TRUE(aws_cli(*m, {"s3", "mb", "s3://" + bucket}).status.success());
  auto project = copy_project(source_dir() / "examples/basic");
  std::map<std::string, std::string> env = {{"AWS_ENDPOINT_URL", m->endpoint},
                                            {"AWS_ACCESS_KEY_ID", m->access_key_id},
                                            {"AWS_SECRET_ACCESS_KEY", m->secret_access_key},
                                            {"AWS_REGION", m->region},
                                            {"AWS_CONFIG_FILE", "/dev/null"},
                                            {"AWS_SHARED_CREDENTIALS_FILE", "/dev/null"}};
  auto run = run_hypertest({"--artifacts", "s3://" + bucket, "--concurrency", "2", "invoke", "--grep", "screenshot"},
                           project.path(), env);
  ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
  auto results = read_json(project.path() / "hypertest.results.json");
  ASSERT_EQ(results["testResults"].size(), 2U) << results.dump(2);
  const std::string run_id = results["runId"];

  auto ls = aws_cli(*m, {"s3", "ls", "--recursive", "s3://" + bucket});
  ASSERT_TRUE(ls.status.success()) << ls.err;
  EXPECT_NE(ls.out.find(run_id + "/hypertest.results.json"), std::string::npos) << ls.out;
  for (const auto& t : results["testResults"]) {
    const std::string id = t["testId"];
    EXPECT_EQ(t["artifacts"], "s3://" + bucket + "/" + run_id + "/" + id + "/");
    const std::string shot = run_id + "/" + id + "/screenshots/shop-" + t["project"].get<std::string>() + ".png";
    EXPECT_NE(ls.out.find(shot), std::string::npos) << shot << "\n" << ls.out;
  }
  for (const auto* text : {&run.out, &run.err}) EXPECT_EQ(text->find(m->secret_access_key), std::string::npos);
}

}  // namespace
}  // namespace ht::testing
