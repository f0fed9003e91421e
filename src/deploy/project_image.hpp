// The image hypertest deploys: the base image (Node, Playwright, Chromium, the runner) plus
// two layers built here without Docker (SPEC §11):
//   1. dependencies: the project's node_modules at /var/task/node_modules;
//   2. tests: the project files (discovery's collect_project_files: the Playwright config,
//      specs, helpers and data outside testDir, package.json, ...) at /var/task/<path>;
// and a config that adds HT_PROJECT_ROOT=/var/task, HT_PLAYWRIGHT_CONFIG, HOME=/tmp and
// WorkingDir /var/task to the base's. Everything is reproducible (oci/layer_builder.hpp), so
// an unchanged project yields the same image digest. See docs/base-image.md.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "oci/image.hpp"
#include "oci/image_push.hpp"
#include "oci/layer_builder.hpp"
#include "oci/reference.hpp"
#include "oci/registry_client.hpp"

namespace ht::deploy {

// Where the project lives in the image (Lambda's LAMBDA_TASK_ROOT), without the leading '/'.
inline constexpr const char* kTaskRoot = "var/task";

// Label on the derived image config carrying the manifest's testDirHash.
inline constexpr const char* kTestDirHashLabel = "dev.hypertest.test-dir-hash";
// Label the base image may carry (docker/base/Dockerfile sets it): the Playwright version its
// browsers belong to; deploy warns when the project's @playwright/test differs.
inline constexpr const char* kPlaywrightVersionLabel = "dev.hypertest.playwright-version";

struct BaseImage {
  oci::ImageReference reference;  // as configured (tag or digest)
  std::string manifest_digest;    // of the linux/amd64 image manifest (after index resolution)
  oci::ImageManifest manifest;
  std::string config;              // the config blob's bytes
  std::string playwright_version;  // kPlaywrightVersionLabel, "" when absent
};

// GET the manifest (an index / manifest list resolves to linux/amd64) and the config blob.
Result<BaseImage> read_base_image(oci::RegistryClient& client, const oci::ImageReference& reference);

struct ProjectImageInputs {
  std::filesystem::path project_root;      // absolute
  std::vector<std::string> project_files;  // tests layer: sorted relative '/'-separated paths
  std::string playwright_config;           // relative to project_root ("playwright.config.ts")
  std::string test_dir_hash;               // the manifest's testDirHash (image label)
  std::filesystem::path work_dir;          // where the tests layer is written
  // Cache of dependency layers; empty: no cache (the layer is rebuilt, with the same digest).
  std::filesystem::path cache_dir;
  int compression_level = 6;
};

struct BuiltProjectLayers {
  // nullopt when the project root has no node_modules (the image then relies on the base).
  std::optional<oci::BuiltLayer> dependencies;
  std::string dependencies_key;  // cache key (lockfiles + a stat fingerprint of node_modules)
  bool dependencies_from_cache = false;
  oci::BuiltLayer tests;
};

// $XDG_CACHE_HOME/hypertest/layers, else $HOME/.cache/hypertest/layers ("" when neither is set).
std::filesystem::path default_layer_cache_dir();

// The dependencies layer: node_modules (minus node_modules/.cache) at /var/task/node_modules.
// Reused from `cache_dir` when the key matches: the lockfiles (package-lock.json,
// npm-shrinkwrap.json, yarn.lock, pnpm-lock.yaml, node_modules/.package-lock.json) and the
// path, size, mode and mtime of every entry under node_modules. The cache only saves
// compression time; the digest depends on content alone.
Result<BuiltProjectLayers> build_project_layers(const ProjectImageInputs& inputs);

// Base + layers -> the new config and manifest (oci::derive_image).
Result<oci::DerivedImage> derive_project_image(const BaseImage& base, const BuiltProjectLayers& layers,
                                               const ProjectImageInputs& inputs);

// What to push to `repository`: the base layers (mounted or copied from the base
// repository), our layers, the config, then the manifest under `tag`.
oci::PushRequest make_push_request(const BaseImage& base, const BuiltProjectLayers& layers,
                                   const oci::DerivedImage& image, const std::string& repository,
                                   const std::string& tag);

}  // namespace ht::deploy
