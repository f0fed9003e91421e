// `hypertest deploy` on the aws provider (SPEC §6, §10, §11), without Docker:
//   check the function -> hash -> read the base image -> build the dependencies and tests
//   layers -> push what the registry lacks (manifest last) -> write the manifest to the
//   artifact store -> UpdateFunctionCode pinned to repo@sha256:... -> wait until
//   LastUpdateStatus is Successful (lambdaUpdateMaxWaitTime).
// Discovery is the caller's (it owns filters and Playwright); this module gets the tests.
// Progress goes to the UI as ui::DeployStep / ui::Message events, never printed here.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "core/error.hpp"
#include "manifest/manifest.hpp"
#include "model/test_case.hpp"
#include "oci/image_push.hpp"
#include "oci/registry_client.hpp"

namespace ht {
class ArtifactStore;
namespace ui {
class EventSink;
}
}  // namespace ht

namespace ht::deploy {

struct DeployInputs {
  // cloud_provider.aws (region, baseImage, ecrRegistry, functionName,
  // lambdaUpdateMaxWaitTime), image_name (the ECR repository), build_manifest_file_name,
  // project_root and test_runner.config are used.
  Config config;
  std::vector<TestCase> tests;  // discovered by the caller; frozen in the manifest
  std::string playwright_version;
  // The tests layer's files (collect_project_files) and their content_hash. When
  // project_files is empty both are computed here, excluding the configured results and
  // manifest file names (the same set project_content_hash hashes).
  std::vector<std::string> project_files;
  std::string test_dir_hash;
  ArtifactStore* store = nullptr;   // where the manifest goes (required unless dry_run)
  ui::EventSink* events = nullptr;  // optional
  // Plan only: read the base image, build the layers, HEAD what the registry has, report
  // what would be uploaded. Pushes nothing, writes no manifest, leaves the function alone.
  bool dry_run = false;
  std::string tag = "latest";             // tag moved to the pushed manifest (the function is pinned by digest)
  std::filesystem::path layer_cache_dir;  // empty: default_layer_cache_dir()
  bool use_layer_cache = true;
  // Registry credentials for ecrRegistry; nullopt: ECR GetAuthorizationToken (the normal case).
  std::optional<oci::RegistryCredentials> registry_credentials;
  oci::RegistryOptions registry_options;
};

struct DeployResult {
  bool dry_run = false;
  std::string image_uri;     // "<ecrRegistry>/<imageName>@sha256:..."
  std::string image_digest;  // "sha256:..."
  std::string base_digest;   // the base image's linux/amd64 manifest digest
  Manifest manifest;         // as written (or as it would be written on a dry run)
  oci::PushPlan plan;
  std::optional<oci::PushReport> push;  // nullopt on a dry run
  bool dependencies_from_cache = false;
  std::int64_t dependencies_size = 0;  // compressed bytes, 0 without node_modules
  std::int64_t tests_size = 0;
  bool function_updated = false;  // false when it already ran this digest (or dry run)
};

Result<DeployResult> deploy_aws(const DeployInputs& inputs);

}  // namespace ht::deploy
