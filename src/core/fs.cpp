#include "core/fs.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include "core/unique_fd.hpp"

namespace ht::fs {

Result<std::string> read_file(const stdfs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return make_error(ErrorKind::io, std::strerror(errno), "read " + path.string());
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Status write_file_atomic(const stdfs::path& path, std::string_view content) {
  const std::string ctx = "write " + path.string();
  std::error_code ec;
  if (path.has_parent_path()) stdfs::create_directories(path.parent_path(), ec);
  std::string tmp = path.string() + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(std::random_device{}());
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd) return make_error(ErrorKind::io, std::strerror(errno), ctx);
  const char* p = content.data();
  size_t left = content.size();
  while (left > 0) {
    ssize_t n = ::write(fd.get(), p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      Error e = make_error(ErrorKind::io, std::strerror(errno), ctx);
      ::unlink(tmp.c_str());
      return e;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  if (::fsync(fd.get()) != 0 || ::close(fd.release()) != 0) {
    Error e = make_error(ErrorKind::io, std::strerror(errno), ctx);
    ::unlink(tmp.c_str());
    return e;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Error e = make_error(ErrorKind::io, std::strerror(errno), ctx);
    ::unlink(tmp.c_str());
    return e;
  }
  return {};
}

Result<stdfs::path> make_temp_dir(std::string_view prefix, const stdfs::path& parent) {
  stdfs::path base = parent;
  if (base.empty()) {
    const char* t = std::getenv("TMPDIR");
    base = (t != nullptr && *t != '\0') ? t : "/tmp";
  }
  std::string templ = (base / (std::string(prefix) + "XXXXXX")).string();
  if (::mkdtemp(templ.data()) == nullptr) {
    return make_error(ErrorKind::io, std::strerror(errno), "mkdtemp " + templ);
  }
  return stdfs::path(templ);
}

void remove_all_quietly(const stdfs::path& path) {
  std::error_code ec;
  stdfs::remove_all(path, ec);
}

TempDir::TempDir(std::string_view prefix) {
  auto made = make_temp_dir(prefix);
  if (made.ok()) path_ = *made;
}
TempDir::~TempDir() {
  if (!path_.empty()) remove_all_quietly(path_);
}
TempDir::TempDir(TempDir&& other) noexcept : path_(other.release()) {}
TempDir& TempDir::operator=(TempDir&& other) noexcept {
  if (this != &other) {
    if (!path_.empty()) remove_all_quietly(path_);
    path_ = other.release();
  }
  return *this;
}
stdfs::path TempDir::release() { return std::exchange(path_, {}); }

}  // namespace ht::fs
