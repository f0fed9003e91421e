// `deploy_aws` end to end against real peers: moto_server (ECR GetAuthorizationToken and S3
// on the signature-checking instance, Lambda on the unchecked one) and docker-registry standing in for ECR's registry
// endpoint, with the password moto's token carries. Checks the manifest in S3, the function's ImageUri, the no-op and
// one-file redeploys (counted in the registry's access log), --dry-run, and clear errors.
#include <gtest/gtest.h>

#include <mutex>
#include <nlohmann/json.hpp>

#include "aws_test_support.hpp"
#include "deploy/deploy_aws.hpp"
#include "registry_test_support.hpp"
#include "store/artifact_store.hpp"
#include "ui/events.hpp"

namespace ht {
namespace {

namespace stdfs = std::filesystem;

class CapturingSink : public ui::EventSink {
 public:
  void on_event(const ui::Event& e) override {
    std::lock_guard lock(mu_);
    if (const auto* s = std::get_if<ui::DeployStep>(&e)) steps.push_back(*s);
    if (const auto* m = std::get_if<ui::Message>(&e)) messages.push_back(m->text);
  }
  [[nodiscard]] std::vector<ui::DeployStep> named(const std::string& name) const {
    std::vector<ui::DeployStep> out;
    for (const auto& s : steps) {
      if (s.name == name) out.push_back(s);
    }
    return out;
  }
  std::vector<ui::DeployStep> steps;
  std::vector<std::string> messages;

 private:
  std::mutex mu_;
};

std::vector<TestCase> sample_tests() {
  TestCase t;
  t.project = "";
  t.file = "e2e/login.spec.ts";
  t.title_path = {"every user gets a padded session id"};
  t.test_id = make_test_id(t.project, t.file, t.title_path);
  t.line = 10;
  return {t};
}

struct DeployFixture {
  testing::MotoEnv moto;
  testing::RegistryEnv reg;
  fs::TempDir tmp{"ht-deploy-aws-"};
  stdfs::path project;
  std::string bucket = testing::unique_name("ht-deploy");
  std::string function = testing::unique_name("ht-fn");
  std::string repo = testing::unique_name("ht-image");
  testing::ScopedEnv env;
  std::unique_ptr<ArtifactStore> store;

  DeployFixture(testing::MotoEnv m, testing::RegistryEnv r) : moto(std::move(m)), reg(std::move(r)) {
    env.use_moto(moto);
    // moto cannot verify signatures of bodiless Lambda GETs (GetFunction) for any client, so
    // Lambda goes to the unchecked instance; ECR and S3 stay on the checking one.
    env.set("AWS_ENDPOINT_URL_LAMBDA", moto.noauth_endpoint);
    env.set("XDG_CACHE_HOME", (tmp.path() / "cache").string());
    project = tmp.path() / "project";
    testing::make_fixture_project(project);
  }

  // The bucket and an Image function (as infra/cloudformation.yaml would create them).
  void create_resources(const std::string& package_type = "Image") {
    auto b = testing::aws_cli(moto, {"s3api", "create-bucket", "--bucket", bucket});
    ASSERT_TRUE(b.status.success()) << b.err;
    std::vector<std::string> args = {"lambda",          "create-function",
                                     "--function-name", function,
                                     "--role",          moto.lambda_role,
                                     "--memory-size",   "2048",
                                     "--timeout",       "300"};
    if (package_type == "Image") {
      args.insert(args.end(),
                  {"--package-type", "Image", "--code", "ImageUri=" + reg.addr + "/" + repo + ":bootstrap"});
    } else {
      auto zip = tmp.path() / "fn.zip";
      auto z = testing::run_tool({"python3", "-c",
                                  "import zipfile,sys; zipfile.ZipFile(sys.argv[1],'w').writestr('index.js','')",
                                  zip.string()});
      ASSERT_TRUE(z.status.success()) << z.err;
      args.insert(args.end(),
                  {"--runtime", "nodejs20.x", "--handler", "index.handler", "--zip-file", "fileb://" + zip.string()});
    }
    auto f = testing::aws_cli(moto.noauth(), args);
    ASSERT_TRUE(f.status.success()) << f.err;
    auto s = open_store("s3://" + bucket, project);
    ASSERT_TRUE(s.ok()) << s.error().describe();
    store = std::move(s.value());
  }

  deploy::DeployInputs inputs(ui::EventSink* sink) {
    deploy::DeployInputs in;
    in.config.project_root = project;
    in.config.image_name = repo;
    in.config.test_runner.config = "playwright.config.ts";
    in.config.cloud_provider.type = "aws";
    in.config.cloud_provider.aws.region = moto.region;
    in.config.cloud_provider.aws.base_image = reg.base_image;
    in.config.cloud_provider.aws.ecr_registry = reg.addr;
    in.config.cloud_provider.aws.function_name = function;
    in.config.cloud_provider.aws.bucket_name = bucket;
    in.config.cloud_provider.aws.lambda_update_max_wait_time = 60;
    in.config.artifacts = "s3://" + bucket;
    in.tests = sample_tests();
    in.playwright_version = "1.65.1";
    in.store = store.get();
    in.events = sink;
    return in;
  }

  nlohmann::json s3_manifest() {
    auto out = testing::aws_cli(moto, {"s3", "cp", "s3://" + bucket + "/hypertest.manifest.json", "-"});
    EXPECT_TRUE(out.status.success()) << out.err;
    return nlohmann::json::parse(out.out, nullptr, false);
  }

  nlohmann::json lambda_function() {
    auto out = testing::aws_cli(moto.noauth(), {"lambda", "get-function", "--function-name", function});
    EXPECT_TRUE(out.status.success()) << out.err;
    return nlohmann::json::parse(out.out, nullptr, false);
  }
};

TEST(DeployAws, DeployRedeployOneFileChangeAndDryRun) {
  HT_REQUIRE_MOTO(moto);
  HT_REQUIRE_REGISTRY(reg);
  DeployFixture fx(moto, reg);
  fx.create_resources();

  // --- first deploy: the registry password comes from moto's ECR token.
  CapturingSink sink;
  auto mark = testing::log_size(reg);
  auto first = deploy::deploy_aws(fx.inputs(&sink));
  ASSERT_TRUE(first.ok()) << first.error().describe();
  EXPECT_EQ(first->image_uri, reg.addr + "/" + fx.repo + "@" + first->image_digest);
  EXPECT_TRUE(first->function_updated);
  ASSERT_TRUE(first->push.has_value());
  EXPECT_EQ(first->push->blobs_mounted, 2);
  EXPECT_EQ(first->push->blobs_uploaded, 3);
  auto log1 = testing::count_requests(reg, fx.repo, mark);
  EXPECT_EQ(log1.blob_puts, 3);
  EXPECT_EQ(log1.mounts, 2);
  EXPECT_EQ(log1.manifest_puts, 1);

  // The manifest in S3 (read by the aws CLI) names the pushed image and freezes the tests.
  auto m = fx.s3_manifest();
  ASSERT_FALSE(m.is_discarded());
  EXPECT_EQ(m["imageDigest"], first->image_digest);
  EXPECT_EQ(m["imageUri"], first->image_uri);
  EXPECT_EQ(m["testDirHash"].get<std::string>().size(), 64U);
  EXPECT_EQ(m["playwrightVersion"], "1.65.1");
  ASSERT_EQ(m["tests"].size(), 1U);
  EXPECT_EQ(m["tests"][0]["file"], "e2e/login.spec.ts");
  // The function is pinned to the digest.
  auto f = fx.lambda_function();
  EXPECT_EQ(f["Code"]["ImageUri"], first->image_uri);
  EXPECT_EQ(f["Configuration"]["LastUpdateStatus"], "Successful");
  // skopeo agrees on the digest.
  auto inspect = testing::skopeo(reg, "inspect", {"docker://" + reg.addr + "/" + fx.repo + ":latest"});
  ASSERT_TRUE(inspect.status.success()) << inspect.err;
  EXPECT_EQ(nlohmann::json::parse(inspect.out)["Digest"], first->image_digest);
  // Progress: every step reported; uploads carry their bytes.
  // "hash" is reported because the file set was not passed in and was computed here.
  for (const char* step :
       {"function", "login", "hash", "base", "build", "plan", "push", "manifest", "update", "wait"}) {
    EXPECT_FALSE(sink.named(step).empty()) << step;
  }
  std::int64_t pushed_bytes = 0;
  for (const auto& s : sink.named("push")) {
    if (s.detail.rfind("done", 0) != 0) pushed_bytes += s.bytes;
  }
  EXPECT_EQ(pushed_bytes, first->push->bytes_uploaded);
  EXPECT_GT(pushed_bytes, 0);

  // --- redeploy unchanged: same digest, no blob or manifest request, function untouched.
  mark = testing::log_size(reg);
  auto again = deploy::deploy_aws(fx.inputs(nullptr));
  ASSERT_TRUE(again.ok()) << again.error().describe();
  EXPECT_EQ(again->image_digest, first->image_digest);
  EXPECT_TRUE(again->dependencies_from_cache);
  EXPECT_EQ(again->push->bytes_uploaded, 0);
  EXPECT_FALSE(again->push->manifest_pushed);
  EXPECT_FALSE(again->function_updated);
  auto log2 = testing::count_requests(reg, fx.repo, mark);
  EXPECT_EQ(log2.blob_patches + log2.blob_puts + log2.manifest_puts + log2.mounts, 0);

  // --- dry run after a change: the plan shows tests layer + config; nothing changes.
  testing::write_text(fx.project / "helpers/session.ts",
                      "export function sessionFor(user: string): string {\n  return `session-${user}`;\n}\n");
  mark = testing::log_size(reg);
  auto in = fx.inputs(&sink);
  in.dry_run = true;
  auto dry = deploy::deploy_aws(in);
  ASSERT_TRUE(dry.ok()) << dry.error().describe();
  EXPECT_NE(dry->image_digest, first->image_digest);
  EXPECT_FALSE(dry->push.has_value());
  std::vector<std::string> to_send;
  for (const auto& p : dry->plan.blobs) {
    if (p.action != oci::BlobAction::present) to_send.push_back(p.blob.role);
  }
  EXPECT_EQ(to_send, (std::vector<std::string>{"tests", "config"}));
  auto log3 = testing::count_requests(reg, fx.repo, mark);
  EXPECT_EQ(log3.blob_patches + log3.blob_puts + log3.manifest_puts + log3.mounts, 0);
  EXPECT_EQ(fx.s3_manifest()["imageDigest"], first->image_digest);
  EXPECT_EQ(fx.lambda_function()["Code"]["ImageUri"], first->image_uri);

  // --- the real one-file deploy: new digest, tests layer + config only, function moved.
  mark = testing::log_size(reg);
  auto changed = deploy::deploy_aws(fx.inputs(nullptr));
  ASSERT_TRUE(changed.ok()) << changed.error().describe();
  EXPECT_EQ(changed->image_digest, dry->image_digest);
  EXPECT_EQ(changed->push->blobs_uploaded, 2);
  EXPECT_EQ(changed->push->bytes_uploaded, changed->tests_size + dry->plan.blobs.back().blob.descriptor.size);
  auto log4 = testing::count_requests(reg, fx.repo, mark);
  EXPECT_EQ(log4.blob_puts, 2);
  EXPECT_EQ(log4.manifest_puts, 1);
  EXPECT_TRUE(changed->function_updated);
  EXPECT_EQ(fx.lambda_function()["Code"]["ImageUri"], changed->image_uri);
  EXPECT_EQ(fx.s3_manifest()["imageDigest"], changed->image_digest);
  EXPECT_NE(fx.s3_manifest()["testDirHash"], m["testDirHash"]);
}

TEST(DeployAws, ClearErrorsForMissingOrZipFunctionAndMissingBase) {
  HT_REQUIRE_MOTO(moto);
  HT_REQUIRE_REGISTRY(reg);
  {
    DeployFixture fx(moto, reg);
    fx.create_resources();
    auto in = fx.inputs(nullptr);
    in.config.cloud_provider.aws.function_name = "no-such-function";
    auto r = deploy::deploy_aws(in);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().service_code, "ResourceNotFoundException") << r.error().describe();
    EXPECT_NE(r.error().describe().find("no-such-function"), std::string::npos) << r.error().describe();

    in = fx.inputs(nullptr);
    in.config.cloud_provider.aws.base_image = reg.addr + "/hypertest-base:no-such-tag";
    r = deploy::deploy_aws(in);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().service_code, "MANIFEST_UNKNOWN") << r.error().describe();
    EXPECT_NE(r.error().describe().find("read base image"), std::string::npos) << r.error().describe();
  }
  {
    DeployFixture fx(moto, reg);
    fx.create_resources("Zip");
    auto r = deploy::deploy_aws(fx.inputs(nullptr));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ErrorKind::config);
    EXPECT_NE(r.error().message.find("PackageType Zip"), std::string::npos) << r.error().describe();
  }
}

}  // namespace
}  // namespace ht
