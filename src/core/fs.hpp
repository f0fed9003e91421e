// Small filesystem helpers with Result-returning signatures.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace ht::fs {

namespace stdfs = std::filesystem;

Result<std::string> read_file(const stdfs::path& path);

// Writes `content` to a temporary file beside `path`, fsyncs it and renames it over
// `path`, so readers see either the old or the new file, never a partial one.
Status write_file_atomic(const stdfs::path& path, std::string_view content);

// Creates a fresh, uniquely named directory under `parent` (default: $TMPDIR or /tmp).
Result<stdfs::path> make_temp_dir(std::string_view prefix, const stdfs::path& parent = {});

// Removes a directory tree, ignoring errors (for cleanup paths).
void remove_all_quietly(const stdfs::path& path);

// RAII temporary directory, removed on destruction unless release()d.
class TempDir {
 public:
  explicit TempDir(std::string_view prefix);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&& other) noexcept;
  [[nodiscard]] const stdfs::path& path() const { return path_; }
  stdfs::path release();

 private:
  stdfs::path path_;
};

}  // namespace ht::fs
