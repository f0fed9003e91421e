#include "deploy/project_image.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "core/fs.hpp"
#include "core/hash.hpp"
#include "core/log.hpp"
#include "oci/media_types.hpp"

namespace ht::deploy {

namespace stdfs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kLockfiles[] = {"package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml",
                                      "node_modules/.package-lock.json"};
constexpr int kCacheEntriesKept = 5;

// The cache key of the dependencies layer. Mtimes are part of it, so a file edited in place
// (patch-package, a manual fix) is never served stale from the cache.
Result<std::string> dependencies_key(const stdfs::path& root, const std::vector<oci::LayerEntry>& entries, int level) {
  Sha256 h;
  h.update("hypertest dependencies layer v1\n");
  h.update("gzip level " + std::to_string(level) + "\n");
  for (const char* name : kLockfiles) {
    auto content = fs::read_file(root / name);
    if (!content) continue;
    h.update(std::string(name) + '\0' + std::to_string(content->size()) + '\0');
    h.update(*content);
  }
  for (const auto& e : entries) {
    struct stat st {};
    if (::lstat(e.source.c_str(), &st) != 0) {
      return make_error(ErrorKind::io, "cannot stat", "dependencies " + e.source.string());
    }
    h.update(e.path + '\0' + std::to_string(st.st_size) + '\0' + std::to_string(st.st_mode) + '\0' +
             std::to_string(st.st_mtim.tv_sec) + '.' + std::to_string(st.st_mtim.tv_nsec) + '\n');
  }
  return h.finish_hex();
}

json layer_to_json(const oci::BuiltLayer& l) {
  return {{"digest", l.digest},
          {"diffId", l.diff_id},
          {"size", l.size},
          {"uncompressedSize", l.uncompressed_size},
          {"entries", l.entry_count}};
}

std::optional<oci::BuiltLayer> cached_layer(const stdfs::path& tar, const stdfs::path& meta) {
  auto text = fs::read_file(meta);
  if (!text) return std::nullopt;
  json j = json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  oci::BuiltLayer l;
  try {
    l.file = tar;
    l.digest = j.at("digest").get<std::string>();
    l.diff_id = j.at("diffId").get<std::string>();
    l.size = j.at("size").get<std::int64_t>();
    l.uncompressed_size = j.at("uncompressedSize").get<std::int64_t>();
    l.entry_count = j.at("entries").get<std::size_t>();
  } catch (const json::exception&) {
    return std::nullopt;
  }
  std::error_code ec;
  if (!oci::is_valid_digest(l.digest) || static_cast<std::int64_t>(stdfs::file_size(tar, ec)) != l.size || ec) {
    return std::nullopt;
  }
  return l;
}

// Keeps the most recently used cache entries (mtime is refreshed on use).
void prune_cache(const stdfs::path& dir) {
  std::error_code ec;
  std::vector<std::pair<stdfs::file_time_type, stdfs::path>> layers;
  for (const auto& e : stdfs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("deps-", 0) == 0 && e.path().extension() == ".gz") {
      layers.emplace_back(e.last_write_time(ec), e.path());
    }
  }
  if (layers.size() <= static_cast<size_t>(kCacheEntriesKept)) return;
  std::sort(layers.begin(), layers.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t i = kCacheEntriesKept; i < layers.size(); ++i) {
    stdfs::remove(layers[i].second, ec);
    stdfs::path meta = layers[i].second;
    stdfs::remove(meta.replace_extension().replace_extension(".json"), ec);
  }
}

}  // namespace

stdfs::path default_layer_cache_dir() {
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x != nullptr && *x != '\0') {
    return stdfs::path(x) / "hypertest" / "layers";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return stdfs::path(home) / ".cache" / "hypertest" / "layers";
  }
  return {};
}

Result<BaseImage> read_base_image(oci::RegistryClient& client, const oci::ImageReference& reference) {
  const std::string ctx = "read base image " + reference.str();
  BaseImage base;
  base.reference = reference;
  auto top = client.get_manifest(reference.repository, reference.reference());
  if (!top) return top.error().with_context(ctx);
  oci::FetchedManifest fetched = std::move(*top);
  if (oci::is_index_type(fetched.media_type)) {
    auto index = oci::parse_index(fetched.body, fetched.media_type);
    if (!index) return index.error().with_context(ctx);
    auto pick = oci::select_platform(*index);
    if (!pick) return pick.error().with_context(ctx);
    auto platform = client.get_manifest(reference.repository, pick->digest);
    if (!platform) return platform.error().with_context(ctx + " (linux/amd64)");
    fetched = std::move(*platform);
  }
  auto manifest = oci::parse_manifest(fetched.body, fetched.media_type);
  if (!manifest) return manifest.error().with_context(ctx);
  base.manifest = std::move(*manifest);
  base.manifest_digest = fetched.digest;
  auto config = client.get_blob(reference.repository, base.manifest.config.digest);
  if (!config) return config.error().with_context(ctx + " (config)");
  base.config = std::move(*config);
  json c = json::parse(base.config, nullptr, false);
  if (!c.is_discarded() && c.contains("config") && c["config"].is_object() && c["config"].contains("Labels") &&
      c["config"]["Labels"].is_object()) {
    base.playwright_version = c["config"]["Labels"].value(kPlaywrightVersionLabel, "");
  }
  return base;
}

Result<BuiltProjectLayers> build_project_layers(const ProjectImageInputs& in) {
  BuiltProjectLayers out;
  oci::LayerOptions opts;
  opts.compression_level = in.compression_level;
  std::error_code ec;

  const stdfs::path node_modules = in.project_root / "node_modules";
  if (stdfs::is_directory(node_modules, ec)) {
    const std::string prefix = std::string(kTaskRoot) + "/node_modules";
    auto entries = oci::tree_entries(node_modules, prefix, [](const std::string& rel) { return rel == ".cache"; });
    if (!entries) return entries.error().with_context("dependencies layer");
    auto key = dependencies_key(in.project_root, *entries, in.compression_level);
    if (!key) return key.error().with_context("dependencies layer");
    out.dependencies_key = *key;
    stdfs::path tar = in.work_dir / "dependencies.tar.gz";
    if (!in.cache_dir.empty()) {
      tar = in.cache_dir / ("deps-" + *key + ".tar.gz");
      const stdfs::path meta = in.cache_dir / ("deps-" + *key + ".json");
      if (auto hit = cached_layer(tar, meta)) {
        stdfs::last_write_time(tar, stdfs::file_time_type::clock::now(), ec);
        out.dependencies = *hit;
        out.dependencies_from_cache = true;
      }
    }
    if (!out.dependencies) {
      auto built = oci::build_layer(*entries, tar, opts);
      if (!built) return built.error().with_context("dependencies layer");
      out.dependencies = *built;
      if (!in.cache_dir.empty()) {
        auto saved = fs::write_file_atomic(in.cache_dir / ("deps-" + *key + ".json"), layer_to_json(*built).dump());
        if (!saved) log::warn("layer cache: {}", saved.error().describe());
        prune_cache(in.cache_dir);
      }
    }
  } else {
    log::warn("no node_modules in {}: the image gets no dependencies layer and relies on the base image's packages",
              in.project_root.string());
  }

  std::vector<oci::LayerEntry> files;
  files.reserve(in.project_files.size());
  for (const auto& f : in.project_files) {
    if (f == "node_modules" || f.rfind("node_modules/", 0) == 0) continue;  // the dependencies layer's
    files.push_back({std::string(kTaskRoot) + "/" + f, in.project_root / f, std::nullopt, false});
  }
  if (files.empty()) return make_error(ErrorKind::config, "no project files to pack", in.project_root.string());
  auto tests = oci::build_layer(files, in.work_dir / "tests.tar.gz", opts);
  if (!tests) return tests.error().with_context("tests layer");
  out.tests = *tests;
  return out;
}

Result<oci::DerivedImage> derive_project_image(const BaseImage& base, const BuiltProjectLayers& layers,
                                               const ProjectImageInputs& in) {
  const std::string root = std::string("/") + kTaskRoot;
  oci::ImageChanges ch;
  ch.env = {{"HOME", "/tmp"}, {"HT_PROJECT_ROOT", root}, {"HT_PLAYWRIGHT_CONFIG", in.playwright_config}};
  ch.working_dir = root;
  if (!in.test_dir_hash.empty()) ch.labels[kTestDirHashLabel] = in.test_dir_hash;
  // History lines hold nothing that varies between machines or runs (no cache keys, times).
  if (layers.dependencies) {
    ch.layers.push_back({oci::Descriptor{"", layers.dependencies->digest, layers.dependencies->size, {}, {}},
                         layers.dependencies->diff_id, "hypertest deploy: node_modules -> " + root + "/node_modules"});
  }
  ch.layers.push_back({oci::Descriptor{"", layers.tests.digest, layers.tests.size, {}, {}}, layers.tests.diff_id,
                       "hypertest deploy: project files -> " + root});
  return oci::derive_image(base.manifest, base.config, ch);
}

oci::PushRequest make_push_request(const BaseImage& base, const BuiltProjectLayers& layers,
                                   const oci::DerivedImage& image, const std::string& repository,
                                   const std::string& tag) {
  oci::PushRequest req;
  req.repository = repository;
  req.tag = tag;
  const size_t n = base.manifest.layers.size();
  for (size_t i = 0; i < n; ++i) {
    oci::PushBlob b;
    b.role = "base layer " + std::to_string(i + 1) + "/" + std::to_string(n);
    b.descriptor = base.manifest.layers[i];
    b.source_repository = base.reference.repository;
    req.blobs.push_back(std::move(b));
  }
  if (layers.dependencies) {
    req.blobs.push_back({"dependencies",
                         {"", layers.dependencies->digest, layers.dependencies->size, {}, {}},
                         layers.dependencies->file,
                         "",
                         ""});
  }
  req.blobs.push_back({"tests", {"", layers.tests.digest, layers.tests.size, {}, {}}, layers.tests.file, "", ""});
  req.blobs.push_back({"config", image.config_descriptor, {}, image.config, ""});
  req.manifest_media_type = image.manifest.media_type;
  req.manifest_bytes = image.manifest_bytes;
  req.manifest_digest = image.manifest_digest;
  return req;
}

}  // namespace ht::deploy
