#include "manifest/manifest.hpp"

#include <nlohmann/json.hpp>

#include "store/artifact_store.hpp"

namespace ht {

void to_json(nlohmann::json& j, const Manifest& m) {
  j = {{"version", m.version},           {"provider", m.provider},
       {"imageUri", m.image_uri},        {"imageDigest", m.image_digest},
       {"testDirHash", m.test_dir_hash}, {"playwrightVersion", m.playwright_version},
       {"createdAt", m.created_at},      {"tests", m.tests}};
}

void from_json(const nlohmann::json& j, Manifest& m) {
  m.version = j.value("version", 1);
  m.provider = j.value("provider", std::string("aws"));
  m.image_uri = j.value("imageUri", std::string());
  m.image_digest = j.value("imageDigest", std::string());
  j.at("testDirHash").get_to(m.test_dir_hash);
  m.playwright_version = j.value("playwrightVersion", std::string());
  m.created_at = j.value("createdAt", std::string());
  j.at("tests").get_to(m.tests);
}

Status save_manifest(ArtifactStore& store, const std::string& key, const Manifest& manifest) {
  nlohmann::json j = manifest;
  auto st = store.put(key, j.dump(2) + "\n", "application/json");
  if (!st.ok()) return st.error().with_context("save manifest");
  return {};
}

Result<std::optional<Manifest>> load_manifest(ArtifactStore& store, const std::string& key) {
  auto keys = store.list(key);
  if (!keys.ok()) return keys.error().with_context("load manifest");
  bool present = false;
  for (const auto& k : *keys) present = present || k == key;
  if (!present) return std::optional<Manifest>();
  auto text = store.get(key);
  if (!text.ok()) return text.error().with_context("load manifest");
  try {
    return std::optional<Manifest>(nlohmann::json::parse(*text).get<Manifest>());
  } catch (const nlohmann::json::exception& e) {
    return make_error(ErrorKind::protocol, std::string("malformed manifest: ") + e.what(), store.uri_of(key));
  }
}

std::string DriftReport::describe() const {
  std::string out;
  for (const auto& d : details) out += out.empty() ? d : "; " + d;
  return out;
}

DriftReport check_drift(const Manifest& manifest, const std::string& local_hash, const std::string& function_digest) {
  DriftReport r;
  if (manifest.test_dir_hash != local_hash) {
    r.suite_changed = true;
    r.details.push_back("the local suite changed since deploy (hash " + local_hash.substr(0, 12) + " vs deployed " +
                        manifest.test_dir_hash.substr(0, 12) + "); run `hypertest deploy`");
  }
  if (!function_digest.empty() && !manifest.image_digest.empty() && function_digest != manifest.image_digest) {
    r.image_changed = true;
    r.details.push_back("the function runs image " + function_digest + " but the manifest was deployed with " +
                        manifest.image_digest);
  }
  return r;
}

}  // namespace ht
