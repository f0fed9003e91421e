// Reproducible image layers: a gzip-compressed tar whose bytes depend only on the paths,
// contents, file types and executable bits of its entries — never on timestamps, owners,
// umask, directory order or the host.
//
// The contract (docs/base-image.md, "Layers"):
//   - entries sorted by image path (bytewise); every parent directory present as an entry;
//   - mtime 0 (1970-01-01), uid/gid 0, no user/group names, no atime/ctime/xattrs/ACLs;
//   - modes: directories 0755, executables (any x bit on disk) 0755, other files 0644,
//     symlinks 0777 with their target kept verbatim (never followed);
//   - GNU tar format (././@LongLink for long names), names stored as their bytes whatever
//     the process locale (pax would re-encode them through it);
//   - gzip by zlib at a fixed level with a header of mtime 0, no name, no comment.
// diff_id = sha256 of the tar; digest = sha256 of the .tar.gz (what the registry stores).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace ht::oci {

struct LayerEntry {
  // Path inside the image, relative to '/', '/'-separated, e.g. "var/task/tests/a.spec.ts".
  std::string path;
  // A regular file, directory or symlink on disk, read with lstat (symlinks are not
  // followed). Empty when `content` is set.
  std::filesystem::path source;
  // An in-memory regular file (synthetic layers, tests).
  std::optional<std::string> content;
  bool executable = false;  // for `content` entries
};

struct LayerOptions {
  int compression_level = 6;  // zlib 0-9; part of the layer's identity (changing it changes digests)
};

struct BuiltLayer {
  std::filesystem::path file;  // the .tar.gz written
  std::string digest;          // "sha256:..." of the compressed bytes
  std::string diff_id;         // "sha256:..." of the uncompressed tar
  std::int64_t size = 0;       // compressed bytes
  std::int64_t uncompressed_size = 0;
  std::size_t entry_count = 0;  // tar entries written, parent directories included
};

// Writes the layer to `out_file` (replaced atomically). Errors: a path that is absolute,
// contains "." / ".." / empty components, or is given twice (kind `usage`); unreadable
// sources (kind `io`). Sockets, FIFOs and devices are skipped with a warning.
Result<BuiltLayer> build_layer(const std::vector<LayerEntry>& entries, const std::filesystem::path& out_file,
                               const LayerOptions& options = {});

// Entries for everything under `dir` (recursive; symlinks kept as symlinks, never followed),
// at image paths `prefix` + "/" + the relative path. `skip` (optional) gets each relative
// '/'-separated path and returns true to leave it (and, for a directory, all below it) out.
Result<std::vector<LayerEntry>> tree_entries(const std::filesystem::path& dir, std::string_view prefix,
                                             const std::function<bool(const std::string&)>& skip = {});

}  // namespace ht::oci
