#include "oci/image.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "core/hash.hpp"
#include "oci/media_types.hpp"
#include "oci/reference.hpp"

namespace ht::oci {

using nlohmann::json;

namespace {

Error protocol_error(std::string message) {
  return make_error(ErrorKind::protocol, std::move(message), "image manifest");
}

Result<Descriptor> descriptor_from_json(const json& j) {
  if (!j.is_object()) return protocol_error("a descriptor is not an object");
  Descriptor d;
  if (!j.contains("digest") || !j["digest"].is_string() || !j.contains("size") || !j["size"].is_number_integer()) {
    return protocol_error("a descriptor lacks digest or size");
  }
  d.digest = j["digest"].get<std::string>();
  if (!is_valid_digest(d.digest)) return protocol_error("unsupported digest \"" + d.digest + "\" (only sha256)");
  d.size = j["size"].get<std::int64_t>();
  if (j.contains("mediaType") && j["mediaType"].is_string()) d.media_type = j["mediaType"].get<std::string>();
  if (j.contains("platform") && j["platform"].is_object()) {
    const json& p = j["platform"];
    Platform pl;
    pl.os = p.value("os", "");
    pl.architecture = p.value("architecture", "");
    pl.variant = p.value("variant", "");
    d.platform = pl;
  }
  if (j.contains("annotations") && j["annotations"].is_object()) {
    for (const auto& [k, v] : j["annotations"].items()) {
      if (v.is_string()) d.annotations[k] = v.get<std::string>();
    }
  }
  return d;
}

json descriptor_to_json(const Descriptor& d) {
  json j = {{"mediaType", d.media_type}, {"digest", d.digest}, {"size", d.size}};
  if (d.platform) {
    json p = {{"os", d.platform->os}, {"architecture", d.platform->architecture}};
    if (!d.platform->variant.empty()) p["variant"] = d.platform->variant;
    j["platform"] = p;
  }
  if (!d.annotations.empty()) j["annotations"] = d.annotations;
  return j;
}

Result<json> parse_json(std::string_view body) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return protocol_error("not a JSON object");
  return j;
}

// dump() throws on invalid UTF-8; registry documents and our inputs should never hold any,
// but a base config with bad bytes must become an error value, not an exception.
Result<std::string> dump_canonical(const json& j, std::string_view what) {
  try {
    return j.dump();
  } catch (const json::exception& e) {
    return make_error(ErrorKind::protocol, e.what(), std::string(what));
  }
}

}  // namespace

std::string digest_of(std::string_view data) { return "sha256:" + sha256_hex(data); }

std::string detect_manifest_type(std::string_view body, std::string_view content_type) {
  std::string_view ct = content_type.substr(0, content_type.find(';'));
  while (!ct.empty() && ct.back() == ' ') ct.remove_suffix(1);
  if (is_index_type(ct) || is_image_manifest_type(ct) || ct == kDockerManifestV1 || ct == kDockerManifestV1Signed) {
    return std::string(ct);
  }
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::string(ct);
  if (j.contains("mediaType") && j["mediaType"].is_string()) return j["mediaType"].get<std::string>();
  if (j.contains("manifests")) return std::string(kOciIndex);
  if (j.contains("layers") && j.contains("config")) return std::string(kOciManifest);
  if (j.value("schemaVersion", 0) == 1) return std::string(kDockerManifestV1);
  return std::string(ct);
}

Result<ImageManifest> parse_manifest(std::string_view body, std::string_view media_type) {
  if (media_type == kDockerManifestV1 || media_type == kDockerManifestV1Signed) {
    return protocol_error(
        "Docker image manifest schema 1 is not supported (re-push the base image with a current Docker or buildx)");
  }
  if (!is_image_manifest_type(media_type)) {
    return protocol_error("unsupported manifest media type \"" + std::string(media_type) + "\"");
  }
  auto parsed = parse_json(body);
  if (!parsed) return parsed.error();
  const json& j = *parsed;
  if (j.value("schemaVersion", 0) != 2) return protocol_error("schemaVersion is not 2");
  if (!j.contains("config") || !j.contains("layers") || !j["layers"].is_array()) {
    return protocol_error("manifest lacks config or layers");
  }
  ImageManifest m;
  m.media_type = std::string(media_type);
  auto cfg = descriptor_from_json(j["config"]);
  if (!cfg) return cfg.error();
  m.config = *cfg;
  for (const auto& l : j["layers"]) {
    auto d = descriptor_from_json(l);
    if (!d) return d.error();
    m.layers.push_back(*d);
  }
  if (j.contains("annotations") && j["annotations"].is_object()) {
    for (const auto& [k, v] : j["annotations"].items()) {
      if (v.is_string()) m.annotations[k] = v.get<std::string>();
    }
  }
  return m;
}

Result<ImageIndex> parse_index(std::string_view body, std::string_view media_type) {
  if (!is_index_type(media_type)) {
    return protocol_error("unsupported index media type \"" + std::string(media_type) + "\"");
  }
  auto parsed = parse_json(body);
  if (!parsed) return parsed.error();
  const json& j = *parsed;
  if (!j.contains("manifests") || !j["manifests"].is_array()) return protocol_error("index lacks manifests");
  ImageIndex idx;
  idx.media_type = std::string(media_type);
  for (const auto& e : j["manifests"]) {
    auto d = descriptor_from_json(e);
    if (!d) return d.error();
    idx.manifests.push_back(*d);
  }
  return idx;
}

std::string serialize_manifest(const ImageManifest& manifest) {
  json j = {{"schemaVersion", 2}, {"mediaType", manifest.media_type}, {"config", descriptor_to_json(manifest.config)}};
  json layers = json::array();
  for (const auto& l : manifest.layers) layers.push_back(descriptor_to_json(l));
  j["layers"] = layers;
  if (!manifest.annotations.empty()) j["annotations"] = manifest.annotations;
  return j.dump();  // keys sorted (std::map), no whitespace: canonical
}

Result<Descriptor> select_platform(const ImageIndex& index, std::string_view os, std::string_view architecture) {
  std::string seen;
  for (const auto& d : index.manifests) {
    if (!d.platform) continue;
    if (d.platform->os == os && d.platform->architecture == architecture) {
      if (d.annotations.count("vnd.docker.reference.type") != 0) continue;  // an attestation
      return d;
    }
    if (!seen.empty()) seen += ", ";
    seen += d.platform->os + "/" + d.platform->architecture;
    if (!d.platform->variant.empty()) seen += "/" + d.platform->variant;
  }
  return make_error(ErrorKind::config,
                    "the base image has no " + std::string(os) + "/" + std::string(architecture) +
                        " manifest (it has: " + (seen.empty() ? "none" : seen) + ")",
                    "select platform");
}

Result<DerivedImage> derive_image(const ImageManifest& base_manifest, std::string_view base_config,
                                  const ImageChanges& changes) {
  const std::string ctx = "base image config " + base_manifest.config.digest;
  json cfg = json::parse(base_config, nullptr, false);
  if (cfg.is_discarded() || !cfg.is_object()) return make_error(ErrorKind::protocol, "not a JSON object", ctx);
  const std::string os = cfg.value("os", "");
  const std::string arch = cfg.value("architecture", "");
  if (os != "linux" || arch != "amd64") {
    return make_error(ErrorKind::config, "the base image is " + os + "/" + arch + "; Lambda x86_64 needs linux/amd64",
                      ctx);
  }
  if (!cfg.contains("rootfs") || !cfg["rootfs"].is_object() || !cfg["rootfs"].contains("diff_ids") ||
      !cfg["rootfs"]["diff_ids"].is_array()) {
    return make_error(ErrorKind::protocol, "config lacks rootfs.diff_ids", ctx);
  }
  json& diff_ids = cfg["rootfs"]["diff_ids"];
  if (diff_ids.size() != base_manifest.layers.size()) {
    return make_error(ErrorKind::protocol,
                      "config has " + std::to_string(diff_ids.size()) + " diff_ids but the manifest has " +
                          std::to_string(base_manifest.layers.size()) + " layers",
                      ctx);
  }

  if (!cfg.contains("config") || !cfg["config"].is_object()) cfg["config"] = json::object();
  json& c = cfg["config"];
  // Env: the base's variables minus those we set, then ours in the given order.
  json env = json::array();
  if (c.contains("Env") && c["Env"].is_array()) {
    for (const auto& e : c["Env"]) {
      if (!e.is_string()) continue;
      const std::string s = e.get<std::string>();
      const std::string key = s.substr(0, s.find('='));
      bool replaced =
          std::any_of(changes.env.begin(), changes.env.end(), [&](const auto& kv) { return kv.first == key; });
      if (!replaced) env.push_back(s);
    }
  }
  for (const auto& [k, v] : changes.env) env.push_back(k + "=" + v);
  c["Env"] = env;
  if (!changes.working_dir.empty()) c["WorkingDir"] = changes.working_dir;
  if (!changes.labels.empty()) {
    if (!c.contains("Labels") || !c["Labels"].is_object()) c["Labels"] = json::object();
    for (const auto& [k, v] : changes.labels) c["Labels"][k] = v;
  }

  const bool docker = base_manifest.media_type == kDockerManifest;
  const std::string layer_type(docker ? kDockerLayerGzip : kOciLayerGzip);
  const std::string config_type(docker ? kDockerConfig : kOciConfig);

  if (!cfg.contains("history") || !cfg["history"].is_array()) cfg["history"] = json::array();
  DerivedImage out;
  out.manifest = base_manifest;
  for (const auto& layer : changes.layers) {
    if (!is_valid_digest(layer.diff_id) || !is_valid_digest(layer.descriptor.digest)) {
      return make_error(ErrorKind::internal, "appended layer without a sha256 digest", ctx);
    }
    diff_ids.push_back(layer.diff_id);
    // No "created": a timestamp would change the digest of an unchanged suite.
    cfg["history"].push_back({{"created_by", layer.created_by}, {"comment", "hypertest deploy"}});
    Descriptor d = layer.descriptor;
    d.media_type = layer_type;
    out.manifest.layers.push_back(d);
  }

  auto config_bytes = dump_canonical(cfg, ctx);
  if (!config_bytes) return config_bytes.error();
  out.config = std::move(*config_bytes);
  out.config_descriptor.media_type = config_type;
  out.config_descriptor.digest = digest_of(out.config);
  out.config_descriptor.size = static_cast<std::int64_t>(out.config.size());
  out.manifest.config = out.config_descriptor;
  out.manifest.media_type = docker ? std::string(kDockerManifest) : std::string(kOciManifest);
  out.manifest_bytes = serialize_manifest(out.manifest);
  out.manifest_digest = digest_of(out.manifest_bytes);
  return out;
}

}  // namespace ht::oci
