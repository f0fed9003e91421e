// Where runs keep their files (SPEC §9): a local folder ("file:///abs/path") or S3
// ("s3://bucket/prefix"). Keys are '/'-separated and relative to the store root:
// "{runId}/{testId}/screenshot.png", "{runId}/hypertest.results.json", "hypertest.manifest.json".
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace ht {

class ArtifactStore {
 public:
  virtual ~ArtifactStore() = default;

  // The store root as a URI ("file:///abs/path" or "s3://bucket/prefix").
  [[nodiscard]] virtual std::string uri() const = 0;
  // The URI of a key ("file:///abs/path/run/test/" or "s3://bucket/prefix/run/test/").
  [[nodiscard]] virtual std::string uri_of(std::string_view key) const = 0;

  virtual Status put(std::string_view key, std::string_view data, std::string_view content_type) = 0;
  virtual Status put_file(std::string_view key, const std::filesystem::path& file, std::string_view content_type) = 0;
  virtual Result<std::string> get(std::string_view key) = 0;
  // Keys under `prefix` (recursive), sorted.
  virtual Result<std::vector<std::string>> list(std::string_view prefix) = 0;
};

// A content type from a file name's extension (png, webm, zip, json, html, ...);
// "application/octet-stream" when unknown.
std::string content_type_for(const std::filesystem::path& file);

// Uploads every regular file under `dir` to `{key_prefix}/{relative path}`. Symlinks are
// not followed and nothing outside `dir` is read. Returns the number of files uploaded.
Result<int> upload_tree(ArtifactStore& store, const std::filesystem::path& dir, std::string_view key_prefix);

// Opens a store by URI: "file://..." or a plain path -> local folder; "s3://..." -> S3
// (needs AWS credentials from the environment; see aws/). Relative paths are resolved
// against `base`.
Result<std::unique_ptr<ArtifactStore>> open_store(std::string_view uri, const std::filesystem::path& base);

}  // namespace ht
