// Building and pushing the project image to a real registry (Debian's docker-registry with
// htpasswd basic auth, as ECR does it), read back by skopeo and GNU tar. No AWS here: the
// function update and the manifest are in deploy_aws_test.cpp.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "aws_test_support.hpp"
#include "core/fs.hpp"
#include "deploy/project_image.hpp"
#include "discovery/project_files.hpp"
#include "oci/image_push.hpp"
#include "oci/media_types.hpp"
#include "oci/reference.hpp"
#include "oci/registry_client.hpp"
#include "registry_test_support.hpp"

namespace ht {
namespace {

namespace stdfs = std::filesystem;
using testing::RegistryEnv;

struct Built {
  deploy::BaseImage base;
  deploy::BuiltProjectLayers layers;
  oci::DerivedImage image;
  oci::PushRequest request;
};

// Files -> layers -> image, the way deploy_aws does it (own work dir, no layer cache).
Built build(oci::RegistryClient& source, const std::string& base_image, const stdfs::path& project,
            const stdfs::path& work, const std::string& repo) {
  Built b;
  auto ref = oci::parse_reference(base_image);
  EXPECT_TRUE(ref.ok());
  auto base = deploy::read_base_image(source, *ref);
  EXPECT_TRUE(base.ok()) << base.error().describe();
  b.base = *base;
  auto files = collect_project_files(project);
  EXPECT_TRUE(files.ok()) << files.error().describe();
  auto hash = content_hash(project, *files);
  EXPECT_TRUE(hash.ok());
  deploy::ProjectImageInputs in;
  in.project_root = project;
  in.project_files = *files;
  in.playwright_config = "playwright.config.ts";
  in.test_dir_hash = *hash;
  in.work_dir = work;
  stdfs::create_directories(work);
  auto layers = deploy::build_project_layers(in);
  EXPECT_TRUE(layers.ok()) << layers.error().describe();
  b.layers = *layers;
  auto image = deploy::derive_project_image(b.base, b.layers, in);
  EXPECT_TRUE(image.ok()) << image.error().describe();
  b.image = *image;
  b.request = deploy::make_push_request(b.base, b.layers, b.image, repo, "latest");
  return b;
}

oci::PushReport push(oci::RegistryClient& target, oci::RegistryClient& source, const std::string& source_registry,
                     const Built& b, oci::PushPlan* plan_out = nullptr) {
  auto plan = oci::plan_push(target, source_registry, b.request);
  EXPECT_TRUE(plan.ok()) << plan.error().describe();
  if (plan_out != nullptr) *plan_out = *plan;
  auto report = oci::execute_push(target, source, *plan, b.request);
  EXPECT_TRUE(report.ok()) << report.error().describe();
  return report.ok() ? *report : oci::PushReport{};
}

// skopeo copy to an OCI layout; returns the layout's manifest JSON.
nlohmann::json copy_to_layout(const RegistryEnv& r, const std::string& image, const stdfs::path& dir) {
  auto out = testing::skopeo(r, "copy", {"docker://" + image, "oci:" + dir.string() + ":img"});
  EXPECT_TRUE(out.status.success()) << out.err;
  auto index = nlohmann::json::parse(fs::read_file(dir / "index.json").value_or("{}"));
  std::string digest = index["manifests"][0]["digest"];
  auto manifest = fs::read_file(dir / "blobs/sha256" / digest.substr(7));
  EXPECT_TRUE(manifest.ok());
  return nlohmann::json::parse(manifest.value_or("{}"));
}

stdfs::path blob_path(const stdfs::path& layout, const std::string& digest) {
  return layout / "blobs/sha256" / digest.substr(7);
}

TEST(RegistryPush, FirstPushNoOpRedeployAndOneFileChange) {
  HT_REQUIRE_REGISTRY(reg);
  fs::TempDir tmp("ht-registry-push-");
  const stdfs::path project = tmp.path() / "project";
  testing::make_fixture_project(project);
  const std::string repo = testing::unique_name("ht-push");
  oci::RegistryClient client(reg.addr, oci::RegistryCredentials{reg.user, reg.password});

  // --- first push: base layers mounted from hypertest-base, ours uploaded, manifest last.
  auto mark = testing::log_size(reg);
  Built first = build(client, reg.base_image, project, tmp.path() / "w1", repo);
  ASSERT_EQ(first.base.manifest.layers.size(), 2U);
  EXPECT_EQ(first.image.manifest.media_type, oci::kOciManifest);  // the base is an OCI index
  oci::PushPlan plan;
  auto report = push(client, client, reg.addr, first, &plan);
  EXPECT_TRUE(report.manifest_pushed);
  EXPECT_EQ(report.blobs_mounted, 2);
  EXPECT_EQ(report.blobs_uploaded, 3);  // dependencies, tests, config
  std::int64_t ours =
      first.layers.dependencies->size + first.layers.tests.size + static_cast<std::int64_t>(first.image.config.size());
  EXPECT_EQ(report.bytes_uploaded, ours);
  EXPECT_EQ(plan.bytes_to_upload, ours);
  auto log1 = testing::count_requests(reg, repo, mark);
  EXPECT_EQ(log1.mounts, 2);
  EXPECT_EQ(log1.blob_puts, 3);
  EXPECT_GE(log1.blob_patches, 3);
  EXPECT_EQ(log1.manifest_puts, 1);

  // skopeo sees the base layers plus ours, linux/amd64, our env and working dir.
  const std::string image = reg.addr + "/" + repo + ":latest";
  auto inspect = testing::skopeo(reg, "inspect", {"docker://" + image});
  ASSERT_TRUE(inspect.status.success()) << inspect.err;
  auto info = nlohmann::json::parse(inspect.out);
  EXPECT_EQ(info["Digest"], first.image.manifest_digest);
  EXPECT_EQ(info["Architecture"], "amd64");
  ASSERT_EQ(info["Layers"].size(), 4U);
  EXPECT_EQ(info["Layers"][0], first.base.manifest.layers[0].digest);
  EXPECT_EQ(info["Layers"][1], first.base.manifest.layers[1].digest);
  EXPECT_EQ(info["Layers"][2], first.layers.dependencies->digest);
  EXPECT_EQ(info["Layers"][3], first.layers.tests.digest);
  auto env = info["Env"].dump();
  EXPECT_NE(env.find("HT_PROJECT_ROOT=/var/task"), std::string::npos) << env;
  EXPECT_NE(env.find("HT_PLAYWRIGHT_CONFIG=playwright.config.ts"), std::string::npos) << env;
  EXPECT_NE(env.find("HOME=/tmp"), std::string::npos) << env;
  EXPECT_EQ(info["Labels"][deploy::kTestDirHashLabel].get<std::string>().size(), 64U);

  // The layers' contents, listed by GNU tar from the OCI layout skopeo wrote.
  const stdfs::path layout = tmp.path() / "layout";
  auto manifest = copy_to_layout(reg, image, layout);
  ASSERT_EQ(manifest["layers"].size(), 4U);
  const std::string deps = testing::tar_listing(blob_path(layout, manifest["layers"][2]["digest"]));
  const std::string tests = testing::tar_listing(blob_path(layout, manifest["layers"][3]["digest"]));
  EXPECT_NE(tests.find(" var/task/e2e/login.spec.ts\n"), std::string::npos) << tests;   // a spec
  EXPECT_NE(tests.find(" var/task/e2e/users.json\n"), std::string::npos) << tests;      // data next to it
  EXPECT_NE(tests.find(" var/task/helpers/session.ts\n"), std::string::npos) << tests;  // outside testDir
  EXPECT_NE(tests.find(" var/task/playwright.config.ts\n"), std::string::npos) << tests;
  EXPECT_NE(tests.find(" var/task/package-lock.json\n"), std::string::npos) << tests;
  EXPECT_EQ(tests.find("node_modules"), std::string::npos) << tests;
  EXPECT_NE(deps.find(" var/task/node_modules/left-pad/index.js\n"), std::string::npos) << deps;  // npm package
  EXPECT_NE(deps.find("var/task/node_modules/.bin/left-pad -> ../left-pad/cli.js"), std::string::npos) << deps;
  EXPECT_NE(deps.find("-rwxr-xr-x 0/0"), std::string::npos) << deps;  // cli.js keeps its x bit as 0755
  EXPECT_EQ(deps.find(".cache"), std::string::npos) << deps;
  for (const std::string* listing : {&deps, &tests}) {
    std::istringstream lines(*listing);
    for (std::string line; std::getline(lines, line);) {
      EXPECT_NE(line.find(" 0/0 "), std::string::npos) << line;
      EXPECT_NE(line.find(" 1970-01-01 00:00 "), std::string::npos) << line;
    }
  }

  // --- redeploy unchanged, rebuilt from scratch: same digest, nothing sent.
  mark = testing::log_size(reg);
  Built second = build(client, reg.base_image, project, tmp.path() / "w2", repo);
  EXPECT_EQ(second.image.manifest_digest, first.image.manifest_digest);
  EXPECT_EQ(second.layers.tests.digest, first.layers.tests.digest);
  EXPECT_EQ(second.layers.dependencies->digest, first.layers.dependencies->digest);
  auto again = push(client, client, reg.addr, second, &plan);
  EXPECT_TRUE(plan.manifest_present);
  EXPECT_EQ(plan.bytes_to_upload, 0);
  EXPECT_FALSE(again.manifest_pushed);
  EXPECT_EQ(again.blobs_uploaded, 0);
  EXPECT_EQ(again.blobs_mounted, 0);
  EXPECT_EQ(again.bytes_uploaded, 0);
  auto log2 = testing::count_requests(reg, repo, mark);
  EXPECT_EQ(log2.blob_patches, 0);
  EXPECT_EQ(log2.blob_puts, 0);
  EXPECT_EQ(log2.manifest_puts, 0);

  // --- one data file changed: new digest; only the tests layer and the config go up.
  testing::write_text(project / "e2e/users.json", "[\"ada\", \"grace\", \"linus\", \"barbara\"]\n");
  mark = testing::log_size(reg);
  Built third = build(client, reg.base_image, project, tmp.path() / "w3", repo);
  EXPECT_NE(third.image.manifest_digest, first.image.manifest_digest);
  EXPECT_EQ(third.layers.dependencies->digest, first.layers.dependencies->digest);
  EXPECT_NE(third.layers.tests.digest, first.layers.tests.digest);
  auto changed = push(client, client, reg.addr, third);
  EXPECT_TRUE(changed.manifest_pushed);
  EXPECT_EQ(changed.blobs_uploaded, 2);
  EXPECT_EQ(changed.bytes_uploaded, third.layers.tests.size + static_cast<std::int64_t>(third.image.config.size()));
  for (const auto& b : changed.blobs) {
    if (b.role == "tests" || b.role == "config") {
      EXPECT_EQ(b.action, oci::BlobAction::upload) << b.role;
    } else {
      EXPECT_EQ(b.action, oci::BlobAction::present) << b.role;
    }
  }
  auto log3 = testing::count_requests(reg, repo, mark);
  EXPECT_EQ(log3.blob_puts, 2);
  EXPECT_EQ(log3.manifest_puts, 1);
  auto moved = testing::skopeo(reg, "inspect", {"docker://" + image});
  ASSERT_TRUE(moved.status.success()) << moved.err;
  EXPECT_EQ(nlohmann::json::parse(moved.out)["Digest"], third.image.manifest_digest);
}

TEST(RegistryPush, DockerV2Schema2BaseGivesADockerManifest) {
  HT_REQUIRE_REGISTRY(reg);
  fs::TempDir tmp("ht-registry-v2s2-");
  const stdfs::path project = tmp.path() / "project";
  testing::make_fixture_project(project);
  const std::string repo = testing::unique_name("ht-v2s2");
  oci::RegistryClient client(reg.addr, oci::RegistryCredentials{reg.user, reg.password});
  Built b = build(client, reg.base_image_v2s2, project, tmp.path() / "w", repo);
  EXPECT_EQ(b.image.manifest.media_type, oci::kDockerManifest);
  EXPECT_EQ(b.image.manifest.layers.back().media_type, oci::kDockerLayerGzip);
  auto report = push(client, client, reg.addr, b);
  EXPECT_TRUE(report.manifest_pushed);
  auto raw = testing::skopeo(reg, "inspect", {"--raw", "docker://" + reg.addr + "/" + repo + ":latest"});
  ASSERT_TRUE(raw.status.success()) << raw.err;
  EXPECT_EQ(raw.out, b.image.manifest_bytes);
  auto cfg = testing::skopeo(reg, "inspect", {"--config", "docker://" + reg.addr + "/" + repo + ":latest"});
  ASSERT_TRUE(cfg.status.success()) << cfg.err;
  EXPECT_EQ(nlohmann::json::parse(cfg.out)["config"]["WorkingDir"], "/var/task");
}

// The base on "another" registry (localhost:PORT names the same server under a different
// host, so no mount is possible): base layers are copied through ranged GETs.
TEST(RegistryPush, BaseOnAnotherRegistryIsCopied) {
  HT_REQUIRE_REGISTRY(reg);
  fs::TempDir tmp("ht-registry-copy-");
  const stdfs::path project = tmp.path() / "project";
  testing::make_fixture_project(project);
  const std::string repo = testing::unique_name("ht-copy");
  const std::string port = reg.addr.substr(reg.addr.find(':') + 1);
  const std::string other = "localhost:" + port;
  oci::RegistryOptions small_chunks;
  small_chunks.chunk_size = 100;  // several PATCHes and ranged GETs per base layer
  oci::RegistryClient source(other, oci::RegistryCredentials{reg.user, reg.password}, small_chunks);
  oci::RegistryClient target(reg.addr, oci::RegistryCredentials{reg.user, reg.password}, small_chunks);
  Built b = build(source, other + "/hypertest-base:multi", project, tmp.path() / "w", repo);
  oci::PushPlan plan;
  auto mark = testing::log_size(reg);
  auto report = push(target, source, other, b, &plan);
  EXPECT_EQ(plan.blobs[0].action, oci::BlobAction::copy);
  EXPECT_EQ(report.blobs_uploaded, 5);
  EXPECT_EQ(report.blobs_mounted, 0);
  EXPECT_GT(source.stats().bytes_downloaded, b.base.manifest.layers[0].size);
  auto log = testing::count_requests(reg, repo, mark);
  EXPECT_EQ(log.blob_puts, 5);
  EXPECT_GT(log.blob_patches, 5);
  auto inspect = testing::skopeo(reg, "inspect", {"docker://" + reg.addr + "/" + repo + ":latest"});
  ASSERT_TRUE(inspect.status.success()) << inspect.err;
  EXPECT_EQ(nlohmann::json::parse(inspect.out)["Layers"].size(), 4U);
}

TEST(RegistryPush, WrongPasswordIsAClearError) {
  HT_REQUIRE_REGISTRY(reg);
  oci::RegistryClient client(reg.addr, oci::RegistryCredentials{reg.user, "not-the-token"});
  auto st = client.ping();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().http_status, 401);
  EXPECT_NE(st.error().describe().find("registry login as AWS"), std::string::npos) << st.error().describe();
  EXPECT_EQ(st.error().describe().find("not-the-token"), std::string::npos);
  oci::RegistryClient anonymous(reg.addr, std::nullopt);
  auto anon = anonymous.blob_exists("hypertest-base", "sha256:" + std::string(64, '0'));
  ASSERT_FALSE(anon.ok());
  EXPECT_NE(anon.error().message.find("credentials"), std::string::npos);
}

}  // namespace
}  // namespace ht
