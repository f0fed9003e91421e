// The manifest frozen at deploy (SPEC §6) and the drift check that `invoke` runs against it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "config/config.hpp"
#include "core/error.hpp"
#include "model/test_case.hpp"

namespace ht {

class ArtifactStore;

struct Manifest {
  int version = 1;
  std::string provider;       // "local" | "aws"
  std::string image_uri;      // aws: "registry/repo@sha256:..."; local: empty
  std::string image_digest;   // aws: "sha256:..."; local: empty
  std::string test_dir_hash;  // content hash of everything packed (discovery::content_hash)
  std::string playwright_version;
  std::string created_at;       // ISO 8601 UTC
  std::vector<TestCase> tests;  // identity + serial group
};

void to_json(nlohmann::json& j, const Manifest& m);
void from_json(const nlohmann::json& j, Manifest& m);

Status save_manifest(ArtifactStore& store, const std::string& key, const Manifest& manifest);
// nullopt when there is no manifest under `key` yet; an Error when it exists but is broken.
Result<std::optional<Manifest>> load_manifest(ArtifactStore& store, const std::string& key);

struct DriftReport {
  bool suite_changed = false;  // local content hash differs from the manifest's
  bool image_changed = false;  // the function's current image differs from the manifest's
  std::vector<std::string> details;
  [[nodiscard]] bool drifted() const { return suite_changed || image_changed; }
  [[nodiscard]] std::string describe() const;
};

// Compares the local suite hash and (aws) the function's current image digest with the
// manifest. `function_digest` is empty when not known (local provider).
DriftReport check_drift(const Manifest& manifest, const std::string& local_hash, const std::string& function_digest);

}  // namespace ht
