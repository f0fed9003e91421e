#include "store/local_store.hpp"

#include <algorithm>
#include <system_error>

#include "core/fs.hpp"

namespace ht {

namespace stdfs = std::filesystem;

LocalStore::LocalStore(const stdfs::path& root) : root_(stdfs::absolute(root).lexically_normal()) {}

std::string LocalStore::uri() const { return "file://" + root_.string(); }

std::string LocalStore::uri_of(std::string_view key) const {
  std::string out = uri();
  if (!out.empty() && out.back() != '/') out += '/';
  return out + std::string(key);
}

Result<stdfs::path> LocalStore::resolve(std::string_view key) const {
  stdfs::path rel(std::string{key});
  if (key.empty() || rel.is_absolute()) {
    return make_error(ErrorKind::internal, "invalid store key '" + std::string(key) + "'", "store " + uri());
  }
  for (const auto& part : rel) {
    if (part == "..") {
      return make_error(ErrorKind::internal, "store key leaves the store: '" + std::string(key) + "'",
                        "store " + uri());
    }
  }
  return root_ / rel;
}

Status LocalStore::put(std::string_view key, std::string_view data, std::string_view /*content_type*/) {
  auto path = resolve(key);
  if (!path.ok()) return path.error();
  return fs::write_file_atomic(*path, data);
}

Status LocalStore::put_file(std::string_view key, const stdfs::path& file, std::string_view /*content_type*/) {
  auto path = resolve(key);
  if (!path.ok()) return path.error();
  std::error_code ec;
  stdfs::create_directories(path->parent_path(), ec);
  // Copy to a temporary name and rename, so a reader never sees half a file.
  stdfs::path tmp = path->string() + ".part";
  stdfs::copy_file(file, tmp, stdfs::copy_options::overwrite_existing, ec);
  if (!ec) stdfs::rename(tmp, *path, ec);
  if (ec) return make_error(ErrorKind::io, ec.message(), "copy " + file.string() + " to " + path->string());
  return {};
}

Result<std::string> LocalStore::get(std::string_view key) {
  auto path = resolve(key);
  if (!path.ok()) return path.error();
  return fs::read_file(*path);
}

Result<std::vector<std::string>> LocalStore::list(std::string_view prefix) {
  std::vector<std::string> keys;
  std::error_code ec;
  stdfs::path start = prefix.empty() ? root_ : root_ / std::string(prefix);
  if (!stdfs::exists(start, ec)) return keys;
  if (stdfs::is_regular_file(start, ec)) {
    keys.push_back(start.lexically_relative(root_).generic_string());
    return keys;
  }
  for (auto it = stdfs::recursive_directory_iterator(start, ec); !ec && it != stdfs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_regular_file(ec)) keys.push_back(it->path().lexically_relative(root_).generic_string());
  }
  if (ec) return make_error(ErrorKind::io, ec.message(), "list " + start.string());
  std::sort(keys.begin(), keys.end());
  return keys;
}

}  // namespace ht
