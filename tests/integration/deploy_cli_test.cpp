// `hypertest deploy` (the real binary) on the aws provider: moto_server for ECR/S3/Lambda,
// docker-registry for the image. The plain lines show every step with bytes; --dry-run
// changes nothing; a second deploy is a no-op; the manifest in S3 matches the function.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "aws_test_support.hpp"
#include "registry_test_support.hpp"

namespace ht {
namespace {

namespace stdfs = std::filesystem;

struct CliFixture {
  testing::MotoEnv moto;
  testing::RegistryEnv reg;
  fs::TempDir tmp{"ht-deploy-cli-"};
  stdfs::path project;
  std::string bucket = testing::unique_name("ht-cli");
  std::string function = testing::unique_name("ht-cli-fn");
  std::string repo = testing::unique_name("ht-cli-image");

  CliFixture(testing::MotoEnv m, testing::RegistryEnv r) : moto(std::move(m)), reg(std::move(r)) {
    // examples/basic is a real Playwright project (discovery runs Playwright's --list).
    project = tmp.path() / "basic";
    stdfs::copy(std::string(HT_SOURCE_DIR) + "/examples/basic", project,
                stdfs::copy_options::recursive | stdfs::copy_options::copy_symlinks);
    for (const char* f : {"hypertest.config.json", "hypertest.manifest.json", "hypertest.results.json"}) {
      stdfs::remove(project / f);
    }
    nlohmann::json cfg = {{"imageName", repo},
                          {"cloudProvider",
                           {{"type", "aws"},
                            {"region", moto.region},
                            {"baseImage", reg.base_image},
                            {"ecrRegistry", reg.addr},
                            {"functionName", function},
                            {"bucketName", bucket},
                            {"lambdaUpdateMaxWaitTime", 60}}}};
    testing::write_text(project / "hypertest.config.json", cfg.dump(2));
  }

  void create_resources() {
    auto b = testing::aws_cli(moto, {"s3api", "create-bucket", "--bucket", bucket});
    ASSERT_TRUE(b.status.success()) << b.err;
    auto f = testing::aws_cli(
        moto.noauth(), {"lambda", "create-function", "--function-name", function, "--role", moto.lambda_role,
                        "--package-type", "Image", "--code", "ImageUri=" + reg.addr + "/" + repo + ":bootstrap"});
    ASSERT_TRUE(f.status.success()) << f.err;
  }

  RunOutput deploy(std::vector<std::string> extra = {}) {
    SpawnOptions o;
    o.argv = {std::string(HT_BINARY_DIR) + "/hypertest", "deploy", "--quiet"};
    o.argv.insert(o.argv.end(), extra.begin(), extra.end());
    o.cwd = project;
    o.env_set = {{"AWS_ENDPOINT_URL", moto.endpoint},
                 {"AWS_ENDPOINT_URL_LAMBDA", moto.noauth_endpoint},
                 {"AWS_ACCESS_KEY_ID", moto.access_key_id},
                 {"AWS_SECRET_ACCESS_KEY", moto.secret_access_key},
                 {"AWS_REGION", moto.region},
                 {"AWS_CONFIG_FILE", "/dev/null"},
                 {"AWS_SHARED_CREDENTIALS_FILE", "/dev/null"},
                 {"XDG_CACHE_HOME", (tmp.path() / "cache").string()}};
    o.env_unset = {"AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_ECR"};
    o.stdout_mode = Stdio::capture;
    o.stderr_mode = Stdio::capture;
    auto r = run(o, std::chrono::minutes(3));
    EXPECT_TRUE(r.ok());
    return r.ok() ? std::move(r.value()) : RunOutput{};
  }

  nlohmann::json s3_manifest() {
    auto out = testing::aws_cli(moto, {"s3", "cp", "s3://" + bucket + "/hypertest.manifest.json", "-"});
    return out.status.success() ? nlohmann::json::parse(out.out, nullptr, false) : nlohmann::json();
  }
  std::string function_image() {
    auto out = testing::aws_cli(moto.noauth(), {"lambda", "get-function", "--function-name", function});
    EXPECT_TRUE(out.status.success()) << out.err;
    return nlohmann::json::parse(out.out, nullptr, false)["Code"].value("ImageUri", "");
  }
};

TEST(DeployCli, DryRunThenDeployThenNoOpRedeploy) {
  HT_REQUIRE_MOTO(moto);
  HT_REQUIRE_REGISTRY(reg);
  CliFixture fx(moto, reg);
  fx.create_resources();

  auto mark = testing::log_size(reg);
  auto dry = fx.deploy({"--dry-run"});
  ASSERT_EQ(dry.status.code, 0) << dry.out << dry.err;
  EXPECT_NE(dry.out.find("[deploy] plan dependencies: upload"), std::string::npos) << dry.out;
  EXPECT_NE(dry.out.find("[deploy] plan tests: upload"), std::string::npos) << dry.out;
  EXPECT_NE(dry.out.find("dry run: would push"), std::string::npos) << dry.out;
  auto nothing = testing::count_requests(reg, fx.repo, mark);
  EXPECT_EQ(nothing.blob_patches + nothing.blob_puts + nothing.manifest_puts + nothing.mounts, 0);
  EXPECT_TRUE(fx.s3_manifest().is_null());
  EXPECT_EQ(fx.function_image(), reg.addr + "/" + fx.repo + ":bootstrap");

  auto first = fx.deploy();
  ASSERT_EQ(first.status.code, 0) << first.out << first.err;
  for (const char* step :
       {"[deploy] base ", "[deploy] build ", "[deploy] push dependencies upload ", "[deploy] push tests upload ",
        "[deploy] push done: 3 uploaded, 2 mounted", "[deploy] manifest s3://", "[deploy] update ", "[deploy] wait "}) {
    EXPECT_NE(first.out.find(step), std::string::npos) << step << "\n" << first.out;
  }
  auto m = fx.s3_manifest();
  ASSERT_TRUE(m.is_object()) << first.out;
  EXPECT_EQ(fx.function_image(), m["imageUri"]);
  EXPECT_EQ(m["imageUri"], reg.addr + "/" + fx.repo + "@" + m["imageDigest"].get<std::string>());
  EXPECT_EQ(m["playwrightVersion"], "1.65.1");
  EXPECT_GT(m["tests"].size(), 10U);

  mark = testing::log_size(reg);
  auto again = fx.deploy();
  ASSERT_EQ(again.status.code, 0) << again.out << again.err;
  EXPECT_NE(again.out.find("[deploy] push done: 0 uploaded, 0 mounted"), std::string::npos) << again.out;
  EXPECT_NE(again.out.find("already runs"), std::string::npos) << again.out;
  auto none = testing::count_requests(reg, fx.repo, mark);
  EXPECT_EQ(none.blob_patches + none.blob_puts + none.manifest_puts + none.mounts, 0);
  EXPECT_EQ(fx.s3_manifest()["imageDigest"], m["imageDigest"]);
}

}  // namespace
}  // namespace ht
