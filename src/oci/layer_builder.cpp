#include "oci/layer_builder.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>

#include "core/hash.hpp"
#include "core/log.hpp"

namespace ht::oci {

namespace stdfs = std::filesystem;

namespace {

constexpr size_t kIoBlock = 64UL * 1024;

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct EntryDeleter {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};
struct FileCloser {
  void operator()(FILE* f) const {
    if (f != nullptr) std::fclose(f);
  }
};
using FilePtr = std::unique_ptr<FILE, FileCloser>;

// Receives the tar stream from libarchive: hashes it (diff_id), deflates it into a gzip
// stream (zlib's own header: mtime 0, no name, OS byte fixed at build time), hashes and
// writes the compressed bytes.
class GzipSink {
 public:
  GzipSink(FILE* out, int level) : out_(out) {
    std::memset(&z_, 0, sizeof(z_));
    // windowBits 15 + 16: gzip wrapper; memLevel 8; default strategy.
    ok_ = deflateInit2(&z_, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK;
  }
  ~GzipSink() { deflateEnd(&z_); }
  GzipSink(const GzipSink&) = delete;
  GzipSink& operator=(const GzipSink&) = delete;

  bool write(const void* data, size_t n) {
    if (!ok_) return false;
    tar_hash_.update(std::string_view(static_cast<const char*>(data), n));
    tar_bytes_ += static_cast<std::int64_t>(n);
    z_.next_in = static_cast<Bytef*>(const_cast<void*>(data));  // zlib's API is not const-correct
    z_.avail_in = static_cast<uInt>(n);
    return pump(Z_NO_FLUSH);
  }
  bool finish() { return ok_ && pump(Z_FINISH); }

  [[nodiscard]] bool ok() const { return ok_; }
  std::string tar_digest() { return "sha256:" + tar_hash_.finish_hex(); }
  std::string gz_digest() { return "sha256:" + gz_hash_.finish_hex(); }
  [[nodiscard]] std::int64_t tar_bytes() const { return tar_bytes_; }
  [[nodiscard]] std::int64_t gz_bytes() const { return gz_bytes_; }

 private:
  bool pump(int flush) {
    std::array<unsigned char, kIoBlock> buf{};
    while (true) {
      z_.next_out = buf.data();
      z_.avail_out = static_cast<uInt>(buf.size());
      int rc = deflate(&z_, flush);
      if (rc == Z_STREAM_ERROR) return ok_ = false;
      size_t have = buf.size() - z_.avail_out;
      if (have > 0) {
        gz_hash_.update(std::string_view(reinterpret_cast<const char*>(buf.data()), have));
        gz_bytes_ += static_cast<std::int64_t>(have);
        if (std::fwrite(buf.data(), 1, have, out_) != have) return ok_ = false;
      }
      if (flush == Z_FINISH) {
        if (rc == Z_STREAM_END) return true;
      } else if (z_.avail_in == 0 && z_.avail_out != 0) {
        return true;
      }
    }
  }

  FILE* out_;
  z_stream z_{};
  bool ok_ = false;
  Sha256 tar_hash_;
  Sha256 gz_hash_;
  std::int64_t tar_bytes_ = 0;
  std::int64_t gz_bytes_ = 0;
};

la_ssize_t on_write(archive* /*a*/, void* client, const void* buffer, size_t length) {
  auto* sink = static_cast<GzipSink*>(client);
  if (!sink->write(buffer, length)) return -1;
  return static_cast<la_ssize_t>(length);
}

Status check_path(const std::string& path) {
  auto bad = [&](const char* why) {
    return make_error(ErrorKind::usage, std::string("invalid layer path: ") + why, "layer entry \"" + path + "\"");
  };
  if (path.empty()) return bad("empty");
  if (path.front() == '/') return bad("absolute");
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string_view part(path.data() + start, end - start);
    if (part.empty() || part == "." || part == "..") return bad("empty, '.' or '..' component");
    start = end + 1;
  }
  return {};
}

// What goes into the tar for one path, resolved from disk (lstat) or memory.
struct Planned {
  const LayerEntry* entry = nullptr;  // null: an implied parent directory
};

}  // namespace

Result<BuiltLayer> build_layer(const std::vector<LayerEntry>& entries, const stdfs::path& out_file,
                               const LayerOptions& options) {
  const std::string ctx = "build layer " + out_file.string();
  std::map<std::string, Planned> plan;  // sorted bytewise by image path
  for (const auto& e : entries) {
    HT_TRY(check_path(e.path));
    if (!plan.emplace(e.path, Planned{&e}).second) {
      return make_error(ErrorKind::usage, "path given twice", "layer entry \"" + e.path + "\"");
    }
  }
  // Implied parent directories.
  std::vector<std::string> parents;
  for (const auto& [path, p] : plan) {
    for (size_t slash = path.find('/'); slash != std::string::npos; slash = path.find('/', slash + 1)) {
      parents.push_back(path.substr(0, slash));
    }
  }
  for (auto& parent : parents) plan.emplace(std::move(parent), Planned{});

  std::error_code ec;
  if (out_file.has_parent_path()) stdfs::create_directories(out_file.parent_path(), ec);
  const stdfs::path tmp = out_file.string() + ".tmp-" + std::to_string(::getpid());
  FilePtr out(std::fopen(tmp.c_str(), "wb"));
  if (!out) return make_error(ErrorKind::io, std::strerror(errno), ctx);
  struct TmpRemover {
    const stdfs::path& p;
    bool keep = false;
    ~TmpRemover() {
      if (!keep) ::unlink(p.c_str());
    }
  } remover{tmp};

  GzipSink sink(out.get(), options.compression_level);
  if (!sink.ok()) return make_error(ErrorKind::internal, "zlib deflateInit2 failed", ctx);
  std::unique_ptr<archive, ArchiveDeleter> ar(archive_write_new());
  // GNU tar format: ustar headers, ././@LongLink entries for long names, base-256 sizes.
  // Chosen over pax because libarchive's pax writer converts names to UTF-8 through the
  // process locale (so a non-ASCII name would give different bytes under C and C.UTF-8);
  // the GNU writer stores the names' bytes as they are, in every locale. Block size 10240
  // (tar's default), the last block padded.
  if (archive_write_set_format_gnutar(ar.get()) != ARCHIVE_OK ||
      archive_write_add_filter_none(ar.get()) != ARCHIVE_OK ||
      archive_write_open(ar.get(), &sink, nullptr, on_write, nullptr) != ARCHIVE_OK) {
    return make_error(ErrorKind::internal, archive_error_string(ar.get()), ctx);
  }
  auto ar_error = [&](const std::string& what) {
    const char* msg = archive_error_string(ar.get());
    return make_error(ErrorKind::io, msg != nullptr ? msg : "libarchive error", ctx + ": " + what);
  };

  BuiltLayer built;
  std::vector<char> buf(kIoBlock);
  for (const auto& [path, p] : plan) {
    std::unique_ptr<archive_entry, EntryDeleter> ent(archive_entry_new());
    archive_entry_copy_pathname(ent.get(), path.c_str());  // raw bytes, no locale conversion
    archive_entry_set_mtime(ent.get(), 0, 0);
    archive_entry_set_uid(ent.get(), 0);
    archive_entry_set_gid(ent.get(), 0);
    FilePtr in;
    std::int64_t size = 0;
    const std::string* content = nullptr;

    if (p.entry == nullptr) {
      archive_entry_set_filetype(ent.get(), AE_IFDIR);
      archive_entry_set_perm(ent.get(), 0755);
    } else if (p.entry->content) {
      content = &*p.entry->content;
      size = static_cast<std::int64_t>(content->size());
      archive_entry_set_filetype(ent.get(), AE_IFREG);
      archive_entry_set_perm(ent.get(), p.entry->executable ? 0755 : 0644);
      archive_entry_set_size(ent.get(), size);
    } else {
      const stdfs::path& src = p.entry->source;
      struct stat st {};
      if (::lstat(src.c_str(), &st) != 0) {
        return make_error(ErrorKind::io, std::strerror(errno), ctx + ": lstat " + src.string());
      }
      if (S_ISDIR(st.st_mode)) {
        archive_entry_set_filetype(ent.get(), AE_IFDIR);
        archive_entry_set_perm(ent.get(), 0755);
      } else if (S_ISLNK(st.st_mode)) {
        std::string target(static_cast<size_t>(st.st_size > 0 ? st.st_size : 4096) + 1, '\0');
        ssize_t n = ::readlink(src.c_str(), target.data(), target.size());
        if (n < 0) return make_error(ErrorKind::io, std::strerror(errno), ctx + ": readlink " + src.string());
        target.resize(static_cast<size_t>(n));
        archive_entry_set_filetype(ent.get(), AE_IFLNK);
        archive_entry_set_perm(ent.get(), 0777);
        archive_entry_copy_symlink(ent.get(), target.c_str());
      } else if (S_ISREG(st.st_mode)) {
        in.reset(std::fopen(src.c_str(), "rb"));
        if (!in) return make_error(ErrorKind::io, std::strerror(errno), ctx + ": open " + src.string());
        size = static_cast<std::int64_t>(st.st_size);
        archive_entry_set_filetype(ent.get(), AE_IFREG);
        archive_entry_set_perm(ent.get(), (st.st_mode & 0111) != 0 ? 0755 : 0644);
        archive_entry_set_size(ent.get(), size);
      } else {
        log::warn("layer: skipping {} (not a regular file, directory or symlink)", src.string());
        continue;
      }
    }

    if (archive_write_header(ar.get(), ent.get()) != ARCHIVE_OK) return ar_error("header " + path);
    if (content != nullptr) {
      if (!content->empty() &&
          archive_write_data(ar.get(), content->data(), content->size()) != static_cast<la_ssize_t>(content->size())) {
        return ar_error("data " + path);
      }
    } else if (in) {
      std::int64_t left = size;
      while (left > 0) {
        size_t want = static_cast<size_t>(std::min<std::int64_t>(left, static_cast<std::int64_t>(buf.size())));
        size_t got = std::fread(buf.data(), 1, want, in.get());
        if (got == 0) {
          return make_error(ErrorKind::io, "file shrank while being packed",
                            ctx + ": read " + p.entry->source.string());
        }
        if (archive_write_data(ar.get(), buf.data(), got) != static_cast<la_ssize_t>(got))
          return ar_error("data " + path);
        left -= static_cast<std::int64_t>(got);
      }
    }
    if (archive_write_finish_entry(ar.get()) != ARCHIVE_OK) return ar_error("finish " + path);
    ++built.entry_count;
  }
  if (archive_write_close(ar.get()) != ARCHIVE_OK) return ar_error("close");
  if (!sink.finish()) return make_error(ErrorKind::io, "gzip stream failed (disk full?)", ctx);
  if (std::fflush(out.get()) != 0 || std::fclose(out.release()) != 0) {
    return make_error(ErrorKind::io, std::strerror(errno), ctx);
  }
  if (::rename(tmp.c_str(), out_file.c_str()) != 0) return make_error(ErrorKind::io, std::strerror(errno), ctx);
  remover.keep = true;

  built.file = out_file;
  built.diff_id = sink.tar_digest();
  built.digest = sink.gz_digest();
  built.size = sink.gz_bytes();
  built.uncompressed_size = sink.tar_bytes();
  return built;
}

Result<std::vector<LayerEntry>> tree_entries(const stdfs::path& dir, std::string_view prefix,
                                             const std::function<bool(const std::string&)>& skip) {
  const std::string ctx = "walk " + dir.string();
  std::vector<LayerEntry> out;
  std::error_code ec;
  // Default options: directory symlinks are listed, not followed.
  stdfs::recursive_directory_iterator it(dir, stdfs::directory_options::none, ec);
  if (ec) return make_error(ErrorKind::io, ec.message(), ctx);
  std::string pre(prefix);
  while (!pre.empty() && pre.back() == '/') pre.pop_back();
  for (; it != stdfs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) return make_error(ErrorKind::io, ec.message(), ctx);
    const std::string rel = it->path().lexically_relative(dir).generic_string();
    if (skip && skip(rel)) {
      if (it->is_directory(ec) && !it->is_symlink(ec)) it.disable_recursion_pending();
      continue;
    }
    LayerEntry e;
    e.path = pre.empty() ? rel : pre + "/" + rel;
    e.source = it->path();
    out.push_back(std::move(e));
  }
  if (ec) return make_error(ErrorKind::io, ec.message(), ctx);
  return out;
}

}  // namespace ht::oci
