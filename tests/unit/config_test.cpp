#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "config/config.hpp"
#include "core/fs.hpp"

namespace ht {
namespace {

struct BadConfig {
  const char* json;
  const char* expected_message;  // the whole Error::describe() text
};

class ConfigRejects : public ::testing::TestWithParam<BadConfig> {};

TEST_P(ConfigRejects, WithAMessageNamingFileAndField) {
  auto result = parse_config(GetParam().json, "/p/hypertest.config.json");
  ASSERT_FALSE(result.ok()) << GetParam().json;
  EXPECT_EQ(result.error().kind, ErrorKind::config);
  EXPECT_EQ(result.error().describe(), GetParam().expected_message);
}

constexpr const char* kFile = "/p/hypertest.config.json: ";

INSTANTIATE_TEST_SUITE_P(
    BadConfigs, ConfigRejects,
    ::testing::Values(
        BadConfig{R"({"concurrency": 0})",
                  "/p/hypertest.config.json: field 'concurrency': 0 is out of range (allowed: 1 to 10000)"},
        BadConfig{R"({"concurrency": -1})",
                  "/p/hypertest.config.json: field 'concurrency': -1 is out of range (allowed: 1 to 10000)"},
        BadConfig{R"({"concurrency": 100000})",
                  "/p/hypertest.config.json: field 'concurrency': 100000 is out of range (allowed: 1 to 10000)"},
        BadConfig{R"({"concurrency": "4"})",
                  "/p/hypertest.config.json: field 'concurrency': expected an integer, got a string"},
        BadConfig{R"({"concurrency": 2.5})",
                  "/p/hypertest.config.json: field 'concurrency': expected an integer, got a number"},
        BadConfig{
            R"({"concurency": 4})",
            "/p/hypertest.config.json: field 'concurency': unknown field (known: artifacts, buildManifestFileName, "
            "cloudProvider, concurrency, driftDetectionPolicy, imageName, resultsFileName, retries, testRunner)"},
        BadConfig{
            R"({"driftDetectionPolicy": "loud"})",
            "/p/hypertest.config.json: field 'driftDetectionPolicy': 'loud' is not one of silence, warning, error"},
        BadConfig{R"({"driftDetectionPolicy": true})",
                  "/p/hypertest.config.json: field 'driftDetectionPolicy': expected a string, got a boolean"},
        BadConfig{R"({"resultsFileName": ""})", "/p/hypertest.config.json: field 'resultsFileName': must not be empty"},
        BadConfig{R"({"resultsFileName": "../out.json"})",
                  "/p/hypertest.config.json: field 'resultsFileName': '../out.json' must be a relative path inside the "
                  "project"},
        BadConfig{R"({"buildManifestFileName": "/etc/m.json"})",
                  "/p/hypertest.config.json: field 'buildManifestFileName': '/etc/m.json' must be a relative path "
                  "inside the project"},
        BadConfig{R"({"imageName": "My Image"})",
                  "/p/hypertest.config.json: field 'imageName': 'My Image' is not a valid repository name (lowercase "
                  "letters, digits, . _ - /)"},
        BadConfig{R"({"testRunner": "playwright"})",
                  "/p/hypertest.config.json: field 'testRunner': expected an object, got a string"},
        BadConfig{
            R"({"testRunner": {"type": "cypress"}})",
            "/p/hypertest.config.json: field 'testRunner.type': 'cypress' is not supported (only \"playwright\")"},
        BadConfig{R"({"testRunner": {"projects": "chromium"}})",
                  "/p/hypertest.config.json: field 'testRunner.projects': expected an array of strings, got a string"},
        BadConfig{R"({"testRunner": {"projects": ["a", 3]}})",
                  "/p/hypertest.config.json: field 'testRunner.projects[1]': expected a string, got an integer"},
        BadConfig{
            R"({"testRunner": {"config": "x.ts", "workers": 2}})",
            "/p/hypertest.config.json: field 'testRunner.workers': unknown field (known: config, projects, type)"},
        BadConfig{R"({"cloudProvider": {"type": "gcp"}})",
                  "/p/hypertest.config.json: field 'cloudProvider.type': 'gcp' is not one of local, aws"},
        BadConfig{R"({"cloudProvider": {}})",
                  "/p/hypertest.config.json: field 'cloudProvider.type': missing (\"local\" or \"aws\")"},
        BadConfig{
            R"({"cloudProvider": {"type": "aws", "baseImage": "b", "ecrRegistry": "r", "bucketName": "x"}})",
            "/p/hypertest.config.json: field 'cloudProvider.functionName': missing (required when type is \"aws\")"},
        BadConfig{
            R"({"cloudProvider": {"type": "aws", "baseImage": "b", "ecrRegistry": "r", "functionName": "f", "bucketName": "x", "lambdaUpdateMaxWaitTime": 0}})",
            "/p/hypertest.config.json: field 'cloudProvider.lambdaUpdateMaxWaitTime': 0 is out of range (allowed: 1 to "
            "3600)"},
        BadConfig{R"({"cloudProvider": {"type": "local", "region": "eu-west-1"}})",
                  "/p/hypertest.config.json: field 'cloudProvider.region': unknown field (known: type)"},
        BadConfig{R"({"retries": 11})",
                  "/p/hypertest.config.json: field 'retries': 11 is out of range (allowed: 0 to 10)"},
        BadConfig{R"({"artifacts": 5})",
                  "/p/hypertest.config.json: field 'artifacts': expected a string, got an integer"},
        BadConfig{R"([1, 2])", "/p/hypertest.config.json: expected a JSON object at the top level, got an array"}));

TEST(Config, MalformedJsonNamesTheFileAndPosition) {
  auto r = parse_config("{\"concurrency\": 4,,}", "/p/hypertest.config.json");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().describe().find(kFile), std::string::npos);
  EXPECT_NE(r.error().describe().find("not valid JSON"), std::string::npos);
  EXPECT_NE(r.error().describe().find("line 1"), std::string::npos);
}

TEST(Config, ParsesEveryField) {
  auto r = parse_config(R"({
    "$schema": "./schema.json", "concurrency": 8, "imageName": "team/e2e",
    "buildManifestFileName": "m.json", "resultsFileName": "out/r.json",
    "driftDetectionPolicy": "error", "retries": 2, "artifacts": "s3://b/p",
    "testRunner": {"type": "playwright", "config": "pw.config.ts", "projects": ["chromium"]},
    "cloudProvider": {"type": "aws", "region": "eu-west-1", "baseImage": "base:1", "ecrRegistry": "1.dkr.ecr",
                      "functionName": "fn", "bucketName": "bkt", "lambdaUpdateMaxWaitTime": 120}})",
                        "/p/c.json");
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->concurrency, 8);
  EXPECT_EQ(r->image_name, "team/e2e");
  EXPECT_EQ(r->build_manifest_file_name, "m.json");
  EXPECT_EQ(r->results_file_name, "out/r.json");
  EXPECT_EQ(r->drift_detection_policy, DriftPolicy::error);
  EXPECT_EQ(r->retries, 2);
  EXPECT_EQ(r->artifacts, "s3://b/p");
  EXPECT_EQ(r->test_runner.config, "pw.config.ts");
  EXPECT_EQ(r->test_runner.projects, std::vector<std::string>{"chromium"});
  EXPECT_TRUE(r->cloud_provider.is_aws());
  EXPECT_EQ(r->cloud_provider.aws.function_name, "fn");
  EXPECT_EQ(r->cloud_provider.aws.lambda_update_max_wait_time, 120);
  EXPECT_EQ(r->origins.at("concurrency"), Origin::file);
}

class ConfigFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::TempDir("ht-config-");
    ::unsetenv("HYPERTEST_CONCURRENCY");
    ::unsetenv("HYPERTEST_RETRIES");
  }
  void TearDown() override {
    ::unsetenv("HYPERTEST_CONCURRENCY");
    ::unsetenv("HYPERTEST_RETRIES");
  }
  std::filesystem::path write(const std::string& name, const std::string& text) {
    auto p = dir_.path() / name;
    std::ofstream(p) << text;
    return p;
  }
  fs::TempDir dir_{"ht-config-"};
};

TEST_F(ConfigFiles, MissingExplicitFileIsAConfigError) {
  ConfigOverrides o;
  o.config_path = dir_.path() / "nope.json";
  auto r = load_config(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::config);
  EXPECT_EQ(r.error().describe(), (dir_.path() / "nope.json").string() + ": file not found");
}

TEST_F(ConfigFiles, EnvironmentOverridesFileAndFlagsOverrideBoth) {
  ConfigOverrides o;
  o.config_path = write("hypertest.config.json", R"({"concurrency": 3, "retries": 1})");
  ::setenv("HYPERTEST_CONCURRENCY", "5", 1);
  auto r = load_config(o);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->concurrency, 5);
  EXPECT_EQ(r->origins.at("concurrency"), Origin::env);
  EXPECT_EQ(r->retries, 1);
  o.concurrency = 7;
  r = load_config(o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->concurrency, 7);
  EXPECT_EQ(r->origins.at("concurrency"), Origin::flag);
  EXPECT_EQ(r->project_root, dir_.path());
  EXPECT_EQ(r->artifacts, "hypertest-artifacts");
}

TEST_F(ConfigFiles, BadEnvironmentValueNamesTheVariable) {
  ConfigOverrides o;
  o.config_path = write("hypertest.config.json", "{}");
  ::setenv("HYPERTEST_CONCURRENCY", "many", 1);
  auto r = load_config(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().describe(), "environment variable HYPERTEST_CONCURRENCY: 'many' is not an integer");
}

TEST_F(ConfigFiles, FlagOutOfRangeIsAUsageError) {
  ConfigOverrides o;
  o.config_path = write("hypertest.config.json", "{}");
  o.concurrency = 0;
  auto r = load_config(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::usage);
  EXPECT_EQ(r.error().describe(), "flag --concurrency: 0 is out of range (allowed: 1 to 10000)");
}

TEST_F(ConfigFiles, AwsDefaultsConcurrencyAndArtifactsFromTheBucket) {
  ConfigOverrides o;
  o.config_path = write("hypertest.config.json", R"({"cloudProvider": {"type": "aws", "baseImage": "b",
      "ecrRegistry": "r", "functionName": "f", "bucketName": "my-bucket"}})");
  auto r = load_config(o);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->concurrency, 30);
  EXPECT_EQ(r->artifacts, "s3://my-bucket");
}

TEST_F(ConfigFiles, JavaScriptConfigIsEvaluatedWithNode) {
  ConfigOverrides o;
  o.config_path = write("hypertest.config.mjs", "export default { concurrency: 2 + 1, retries: 1 };\n");
  auto r = load_config(o);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->concurrency, 3);
  o.config_path = write("hypertest.config.cjs", "module.exports = { concurrency: 'x' };\n");
  r = load_config(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().describe(), (dir_.path() / "hypertest.config.cjs").string() +
                                      ": field 'concurrency': expected an integer, got a string");
}

}  // namespace
}  // namespace ht

namespace ht {
namespace {

TEST_F(ConfigFiles, FindsThePlaywrightConfigLikePlaywrightDoes) {
  ConfigOverrides o;
  o.config_path = write("hypertest.config.json", "{}");
  write("playwright.config.mjs", "export default {};\n");
  auto r = load_config(o);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->test_runner.config, "playwright.config.mjs");
  // Named explicitly: kept even when missing, so the error names what the user wrote.
  o.config_path = write("hypertest.config.json", R"({"testRunner": {"config": "e2e/pw.config.ts"}})");
  r = load_config(o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->test_runner.config, "e2e/pw.config.ts");
}

}  // namespace
}  // namespace ht
