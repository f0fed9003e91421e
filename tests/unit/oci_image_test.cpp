// Image documents: parsing both manifest families, index resolution, canonical bytes, and
// deriving our image from a base.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/fs.hpp"
#include "core/hash.hpp"
#include "oci/image.hpp"
#include "oci/media_types.hpp"
#include "oci/reference.hpp"

namespace ht::oci {
namespace {

std::string fixture(const std::string& name) {
  auto r = fs::read_file(std::string(HT_SOURCE_DIR) + "/tests/fixtures/oci/" + name);
  EXPECT_TRUE(r.ok()) << name;
  return r.ok() ? *r : std::string();
}

std::string d(const std::string& s) { return "sha256:" + sha256_hex(s); }

TEST(OciImage, DetectsTheFourMediaTypes) {
  auto docker = fixture("docker-manifest.json");
  EXPECT_EQ(detect_manifest_type(docker, "application/vnd.docker.distribution.manifest.v2+json; charset=utf-8"),
            kDockerManifest);
  EXPECT_EQ(detect_manifest_type(docker, "application/json"), kDockerManifest);                  // from the document
  EXPECT_EQ(detect_manifest_type(fixture("oci-manifest-no-mediatype.json"), ""), kOciManifest);  // from the shape
  EXPECT_EQ(detect_manifest_type(fixture("oci-index-with-attestation.json"), ""), kOciIndex);
  EXPECT_EQ(detect_manifest_type(R"({"manifests":[]})", ""), kOciIndex);
  EXPECT_EQ(detect_manifest_type("{}", std::string(kDockerManifestList)), kDockerManifestList);
  EXPECT_EQ(std::string(kManifestAccept).find(kDockerManifestV1), std::string::npos);
  for (auto t : {kOciIndex, kDockerManifestList, kOciManifest, kDockerManifest}) {
    EXPECT_NE(std::string(kManifestAccept).find(t), std::string::npos) << t;
  }
}

TEST(OciImage, ParsesBothManifestFamilies) {
  auto m = parse_manifest(fixture("docker-manifest.json"), kDockerManifest);
  ASSERT_TRUE(m.ok()) << m.error().describe();
  EXPECT_EQ(m->config.media_type, kDockerConfig);
  ASSERT_EQ(m->layers.size(), 2U);
  EXPECT_EQ(m->layers[1].digest, d("layer-2"));
  EXPECT_EQ(m->layers[1].size, 200);

  auto o = parse_manifest(fixture("oci-manifest-no-mediatype.json"), kOciManifest);
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->layers[0].annotations.at("org.example.note"), "kept");

  auto v1 = parse_manifest(R"({"schemaVersion":1})", kDockerManifestV1Signed);
  ASSERT_FALSE(v1.ok());
  EXPECT_NE(v1.error().message.find("schema 1"), std::string::npos);
  EXPECT_FALSE(parse_manifest("not json", kOciManifest).ok());
  EXPECT_FALSE(
      parse_manifest(R"({"schemaVersion":2,"config":{"digest":"md5:x","size":1},"layers":[]})", kOciManifest).ok());
}

TEST(OciImage, IndexResolvesToLinuxAmd64AndSkipsAttestations) {
  auto idx = parse_index(fixture("oci-index-with-attestation.json"), kOciIndex);
  ASSERT_TRUE(idx.ok());
  auto pick = select_platform(*idx);
  ASSERT_TRUE(pick.ok());
  EXPECT_EQ(pick->digest, d("amd64"));

  auto none = select_platform(*idx, "linux", "s390x");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message.find("linux/arm64/v8"), std::string::npos) << none.error().message;

  // An index holding only an attestation for amd64 does not resolve to it.
  ImageIndex att;
  att.media_type = std::string(kOciIndex);
  Descriptor a{std::string(kOciManifest),
               d("x"),
               1,
               Platform{"linux", "amd64", ""},
               {{"vnd.docker.reference.type", "attestation-manifest"}}};
  att.manifests.push_back(a);
  EXPECT_FALSE(select_platform(att).ok());
}

TEST(OciImage, SerializationIsCanonical) {
  auto m = parse_manifest(fixture("docker-manifest.json"), kDockerManifest);
  ASSERT_TRUE(m.ok());
  std::string bytes = serialize_manifest(*m);
  EXPECT_EQ(bytes.find('\n'), std::string::npos);
  EXPECT_EQ(bytes.find(": "), std::string::npos);
  auto again = parse_manifest(bytes, kDockerManifest);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(serialize_manifest(*again), bytes);
  auto j = nlohmann::json::parse(bytes);
  EXPECT_EQ(j["schemaVersion"], 2);
  EXPECT_EQ(j["mediaType"], kDockerManifest);
}

ImageChanges sample_changes() {
  ImageChanges ch;
  ch.env = {{"HOME", "/tmp"}, {"HT_PROJECT_ROOT", "/var/task"}, {"HT_PLAYWRIGHT_CONFIG", "playwright.config.ts"}};
  ch.working_dir = "/var/task";
  ch.labels = {{"dev.hypertest.test-dir-hash", "abc"}};
  ch.layers.push_back({Descriptor{"", d("deps.gz"), 1000, {}, {}}, d("deps.tar"), "hypertest: dependencies"});
  ch.layers.push_back({Descriptor{"", d("tests.gz"), 50, {}, {}}, d("tests.tar"), "hypertest: tests"});
  return ch;
}

TEST(OciImage, DeriveAppendsLayersAndKeepsTheBase) {
  auto base = parse_manifest(fixture("docker-manifest.json"), kDockerManifest);
  ASSERT_TRUE(base.ok());
  auto img = derive_image(*base, fixture("base-config.json"), sample_changes());
  ASSERT_TRUE(img.ok()) << img.error().describe();

  // Manifest: base layers then ours, media types of the base's family, config descriptor.
  ASSERT_EQ(img->manifest.layers.size(), 4U);
  EXPECT_EQ(img->manifest.layers[0].digest, d("layer-1"));
  EXPECT_EQ(img->manifest.layers[2].digest, d("deps.gz"));
  EXPECT_EQ(img->manifest.layers[3].media_type, kDockerLayerGzip);
  EXPECT_EQ(img->manifest.media_type, kDockerManifest);
  EXPECT_EQ(img->config_descriptor.media_type, kDockerConfig);
  EXPECT_EQ(img->config_descriptor.digest, "sha256:" + sha256_hex(img->config));
  EXPECT_EQ(img->manifest.config.digest, img->config_descriptor.digest);
  EXPECT_EQ(img->manifest_digest, "sha256:" + sha256_hex(img->manifest_bytes));
  auto mj = nlohmann::json::parse(img->manifest_bytes);
  EXPECT_EQ(mj["config"]["size"], img->config.size());

  // Config: base kept, env merged (HOME replaced, others kept), diff_ids and history appended.
  auto c = nlohmann::json::parse(img->config);
  EXPECT_EQ(c["config"]["Entrypoint"][0], "/usr/local/bin/hypertest-runner");
  EXPECT_EQ(c["config"]["WorkingDir"], "/var/task");
  EXPECT_EQ(c["config"]["Labels"]["org.opencontainers.image.title"], "hypertest-base");
  EXPECT_EQ(c["config"]["Labels"]["dev.hypertest.test-dir-hash"], "abc");
  std::vector<std::string> env = c["config"]["Env"];
  std::vector<std::string> want = {"PATH=/usr/local/bin:/usr/bin:/bin", "NODE_VERSION=20.12.0", "HOME=/tmp",
                                   "HT_PROJECT_ROOT=/var/task", "HT_PLAYWRIGHT_CONFIG=playwright.config.ts"};
  EXPECT_EQ(env, want);
  ASSERT_EQ(c["rootfs"]["diff_ids"].size(), 4U);
  EXPECT_EQ(c["rootfs"]["diff_ids"][3], d("tests.tar"));
  ASSERT_EQ(c["history"].size(), 4U);
  EXPECT_EQ(c["history"][3]["created_by"], "hypertest: tests");
  EXPECT_FALSE(c["history"][3].contains("created"));
  EXPECT_EQ(c["created"], "2024-05-01T10:00:00Z");

  // Deterministic: same inputs, same digests; a changed layer changes both.
  auto again = derive_image(*base, fixture("base-config.json"), sample_changes());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->manifest_digest, img->manifest_digest);
  EXPECT_EQ(again->config, img->config);
  auto ch = sample_changes();
  ch.layers[1].diff_id = d("tests2.tar");
  ch.layers[1].descriptor.digest = d("tests2.gz");
  auto changed = derive_image(*base, fixture("base-config.json"), ch);
  ASSERT_TRUE(changed.ok());
  EXPECT_NE(changed->manifest_digest, img->manifest_digest);
  EXPECT_NE(changed->config_descriptor.digest, img->config_descriptor.digest);
}

TEST(OciImage, DeriveFollowsTheOciFamilyAndRefusesWrongBases) {
  auto base = parse_manifest(fixture("oci-manifest-no-mediatype.json"), kOciManifest);
  ASSERT_TRUE(base.ok());
  auto img = derive_image(*base, fixture("base-config.json"), sample_changes());
  ASSERT_TRUE(img.ok());
  EXPECT_EQ(img->manifest.media_type, kOciManifest);
  EXPECT_EQ(img->manifest.layers[2].media_type, kOciLayerGzip);
  EXPECT_EQ(img->config_descriptor.media_type, kOciConfig);
  EXPECT_EQ(img->manifest.layers[0].annotations.at("org.example.note"), "kept");

  auto cfg = nlohmann::json::parse(fixture("base-config.json"));
  cfg["architecture"] = "arm64";
  auto arm = derive_image(*base, cfg.dump(), sample_changes());
  ASSERT_FALSE(arm.ok());
  EXPECT_NE(arm.error().message.find("linux/amd64"), std::string::npos);

  cfg = nlohmann::json::parse(fixture("base-config.json"));
  cfg["rootfs"]["diff_ids"].erase(0);
  EXPECT_FALSE(derive_image(*base, cfg.dump(), sample_changes()).ok());
}

TEST(OciReference, ParsesRegistriesTagsAndDigests) {
  auto ecr = parse_reference("123456789012.dkr.ecr.us-east-1.amazonaws.com/hypertest-base:1");
  ASSERT_TRUE(ecr.ok());
  EXPECT_EQ(ecr->registry, "123456789012.dkr.ecr.us-east-1.amazonaws.com");
  EXPECT_EQ(ecr->repository, "hypertest-base");
  EXPECT_EQ(ecr->tag, "1");
  EXPECT_EQ(ecr->reference(), "1");

  auto local = parse_reference("127.0.0.1:5000/team/base@" + d("m"));
  ASSERT_TRUE(local.ok());
  EXPECT_EQ(local->registry, "127.0.0.1:5000");
  EXPECT_EQ(local->repository, "team/base");
  EXPECT_EQ(local->reference(), d("m"));
  EXPECT_EQ(local->str(), "127.0.0.1:5000/team/base@" + d("m"));

  auto hub = parse_reference("node");
  ASSERT_TRUE(hub.ok());
  EXPECT_EQ(hub->registry, "registry-1.docker.io");
  EXPECT_EQ(hub->repository, "library/node");
  EXPECT_EQ(hub->tag, "latest");

  auto lh = parse_reference("localhost/x:y");
  ASSERT_TRUE(lh.ok());
  EXPECT_EQ(lh->registry, "localhost");

  EXPECT_FALSE(parse_reference("").ok());
  EXPECT_FALSE(parse_reference("Upper/Case").ok());
  EXPECT_FALSE(parse_reference("r.io/x@sha256:123").ok());
}

TEST(OciReference, PlainHttpOnlyForLoopback) {
  for (auto r : {"127.0.0.1:5000", "127.8.9.1", "localhost:5000", "LOCALHOST", "[::1]:5000", "::1"}) {
    EXPECT_TRUE(is_loopback_registry(r)) << r;
  }
  for (auto r : {"128.0.0.1:5000", "10.0.0.1", "registry.local:5000", "123.dkr.ecr.us-east-1.amazonaws.com",
                 "[::2]:5000", "localhost.example.com", "127.0.0.1.nip.io"}) {
    EXPECT_FALSE(is_loopback_registry(r)) << r;
  }
  EXPECT_EQ(registry_base_url("127.0.0.1:5000"), "http://127.0.0.1:5000");
  EXPECT_EQ(registry_base_url("r.example.com"), "https://r.example.com");
}

}  // namespace
}  // namespace ht::oci
