#include "store/artifact_store.hpp"

#include <algorithm>
#include <map>
#include <system_error>

#include "store/local_store.hpp"
#include "store/s3_store.hpp"

namespace ht {

namespace stdfs = std::filesystem;

std::string content_type_for(const stdfs::path& file) {
  static const std::map<std::string, std::string> kTypes = {
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".webm", "video/webm"},
      {".mp4", "video/mp4"},
      {".zip", "application/zip"},
      {".json", "application/json"},
      {".html", "text/html; charset=utf-8"},
      {".txt", "text/plain; charset=utf-8"},
      {".log", "text/plain; charset=utf-8"},
      {".md", "text/markdown; charset=utf-8"},
      {".xml", "application/xml"},
      {".har", "application/json"},
      {".css", "text/css"},
      {".js", "text/javascript"},
      {".svg", "image/svg+xml"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
  };
  std::string ext = file.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  auto it = kTypes.find(ext);
  return it != kTypes.end() ? it->second : "application/octet-stream";
}

Result<int> upload_tree(ArtifactStore& store, const stdfs::path& dir, std::string_view key_prefix) {
  int count = 0;
  std::error_code ec;
  if (!stdfs::exists(dir, ec)) return 0;
  std::vector<stdfs::path> files;
  // recursive_directory_iterator does not follow directory symlinks by default; symlinked
  // files are skipped below, so nothing outside `dir` is ever read.
  for (auto it = stdfs::recursive_directory_iterator(dir, ec); !ec && it != stdfs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_symlink(ec)) continue;
    if (it->is_regular_file(ec)) files.push_back(it->path());
  }
  if (ec) return make_error(ErrorKind::io, ec.message(), "list " + dir.string());
  std::sort(files.begin(), files.end());
  std::string prefix(key_prefix);
  if (!prefix.empty() && prefix.back() != '/') prefix += '/';
  for (const auto& f : files) {
    std::string key = prefix + f.lexically_relative(dir).generic_string();
    HT_TRY(store.put_file(key, f, content_type_for(f)));
    ++count;
  }
  return count;
}

Result<std::unique_ptr<ArtifactStore>> open_store(std::string_view uri, const stdfs::path& base) {
  std::string u(uri);
  if (u.rfind("s3://", 0) == 0) return open_s3_store(u);
  if (u.rfind("file://", 0) == 0) u = u.substr(7);
  if (u.empty()) return make_error(ErrorKind::config, "empty artifacts location", "artifacts");
  stdfs::path p(u);
  if (p.is_relative()) p = base / p;
  return std::unique_ptr<ArtifactStore>(std::make_unique<LocalStore>(p.lexically_normal()));
}

}  // namespace ht
