// The project's file set and its content hash; rules in project_files.hpp.
#include "discovery/project_files.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <set>
#include <system_error>

#include <fmt/format.h>

#include "core/fs.hpp"
#include "core/hash.hpp"

namespace ht {

namespace stdfs = std::filesystem;

namespace {

// Directory names never shipped, at any depth.
const std::set<std::string> kExcludedDirNames = {
    ".git", "node_modules", "test-results", "playwright-report", "blob-report", "hypertest-artifacts", ".hypertest",
};

// Files at the project root that hypertest itself writes.
const std::set<std::string> kExcludedRootFiles = {
    "hypertest.results.json",
    "hypertest.manifest.json",
};

struct Pattern {
  std::string glob;
  bool negate = false;
  bool dir_only = false;
  bool anchored = false;  // matched against the whole relative path, else against the name
};

// '[...]' at p (p[0] == '['); on success advances p past ']' and reports whether c matched.
bool match_class(const char*& p, char c, bool& ok) {
  const char* q = p + 1;
  bool negate = false;
  if (*q == '!' || *q == '^') {
    negate = true;
    ++q;
  }
  bool matched = false;
  bool first = true;
  while (*q != '\0' && (first || *q != ']')) {
    first = false;
    char lo = *q;
    if (lo == '\\' && q[1] != '\0') lo = *++q;
    char hi = lo;
    if (q[1] == '-' && q[2] != '\0' && q[2] != ']') {
      hi = q[2];
      if (hi == '\\' && q[3] != '\0') {
        hi = q[3];
        ++q;
      }
      q += 2;
    }
    if (lo <= c && c <= hi) matched = true;
    ++q;
  }
  if (*q != ']') return false;  // unterminated: treat '[' literally
  p = q + 1;
  ok = (matched != negate) && c != '/';
  return true;
}

// Glob match of a '/'-separated path: '*' and '?' stay within one segment, '**' crosses
// segments ("**/" also matches zero segments), '[...]' classes, '\' escapes.
bool glob_match(const char* p, const char* t) {
  while (*p != '\0') {
    if (p[0] == '*' && p[1] == '*') {
      p += 2;
      while (*p == '*') ++p;
      if (*p == '/') {
        ++p;
        if (glob_match(p, t)) return true;
        for (const char* s = t; *s != '\0'; ++s) {
          if (*s == '/' && glob_match(p, s + 1)) return true;
        }
        return false;
      }
      for (const char* s = t;; ++s) {
        if (glob_match(p, s)) return true;
        if (*s == '\0') return false;
      }
    }
    if (*p == '*') {
      ++p;
      for (const char* s = t;; ++s) {
        if (glob_match(p, s)) return true;
        if (*s == '\0' || *s == '/') return false;
      }
    }
    if (*t == '\0') return false;
    if (*p == '?') {
      if (*t == '/') return false;
      ++p;
      ++t;
      continue;
    }
    if (*p == '[') {
      bool ok = false;
      const char* q = p;
      if (match_class(q, *t, ok)) {
        if (!ok) return false;
        p = q;
        ++t;
        continue;
      }
    }
    if (*p == '\\' && p[1] != '\0') ++p;
    if (*p != *t) return false;
    ++p;
    ++t;
  }
  return *t == '\0';
}

std::vector<Pattern> parse_patterns(const std::vector<std::string>& lines) {
  std::vector<Pattern> out;
  for (std::string line : lines) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) {
      if (line.size() >= 2 && line[line.size() - 2] == '\\') break;
      line.pop_back();
    }
    if (line.empty() || line.front() == '#') continue;
    Pattern p;
    if (line.front() == '!') {
      p.negate = true;
      line.erase(0, 1);
    } else if (line.size() >= 2 && line[0] == '\\' && (line[1] == '!' || line[1] == '#')) {
      line.erase(0, 1);
    }
    if (!line.empty() && line.back() == '/') {
      p.dir_only = true;
      while (!line.empty() && line.back() == '/') line.pop_back();
    }
    if (line.find('/') != std::string::npos) {
      p.anchored = true;
      while (!line.empty() && line.front() == '/') line.erase(0, 1);
    }
    if (line.empty()) continue;
    p.glob = std::move(line);
    out.push_back(std::move(p));
  }
  return out;
}

// The last matching pattern decides; false when none matches.
bool ignored_by(const std::vector<Pattern>& patterns, const std::string& rel, bool is_dir) {
  const size_t slash = rel.rfind('/');
  const std::string name = slash == std::string::npos ? rel : rel.substr(slash + 1);
  bool ignored = false;
  for (const auto& p : patterns) {
    if (p.dir_only && !is_dir) continue;
    const std::string& subject = p.anchored ? rel : name;
    if (glob_match(p.glob.c_str(), subject.c_str())) ignored = !p.negate;
  }
  return ignored;
}

Status walk(const stdfs::path& root, const stdfs::path& dir, const std::string& prefix,
            const std::vector<Pattern>& patterns, std::vector<std::string>& out) {
  std::error_code ec;
  stdfs::directory_iterator it(dir, ec);
  if (ec) {
    return make_error(ErrorKind::io, ec.message(), fmt::format("list {}", dir.string()));
  }
  for (const auto& entry : it) {
    const std::string name = entry.path().filename().string();
    const std::string rel = prefix.empty() ? name : prefix + "/" + name;
    const auto st = entry.symlink_status(ec);
    if (ec) return make_error(ErrorKind::io, ec.message(), fmt::format("stat {}", rel));
    if (stdfs::is_directory(st)) {
      if (kExcludedDirNames.count(name) != 0) continue;
      // A CMake build tree (hypertest's own build folders when the suite lives in its repo).
      if (stdfs::exists(entry.path() / "CMakeCache.txt", ec)) continue;
      if (ignored_by(patterns, rel, true)) continue;
      HT_TRY(walk(root, entry.path(), rel, patterns, out));
      continue;
    }
    if (!stdfs::is_regular_file(st) && !stdfs::is_symlink(st)) continue;  // sockets, fifos
    if (prefix.empty() && kExcludedRootFiles.count(name) != 0) continue;
    if (ignored_by(patterns, rel, false)) continue;
    out.push_back(rel);
  }
  return {};
}

}  // namespace

Result<std::vector<std::string>> collect_project_files(const stdfs::path& root, const ProjectFilesOptions& options) {
  std::error_code ec;
  if (!stdfs::is_directory(root, ec)) {
    return make_error(ErrorKind::io, "not a directory", fmt::format("collect files of {}", root.string()));
  }
  std::vector<std::string> lines = options.extra_excludes;
  const stdfs::path ignore_file = root / ".hypertestignore";
  if (stdfs::is_regular_file(ignore_file, ec)) {
    auto text = fs::read_file(ignore_file);
    if (!text) return text.error();
    size_t pos = 0;
    while (pos <= text->size()) {
      size_t nl = text->find('\n', pos);
      lines.push_back(text->substr(pos, nl == std::string::npos ? std::string::npos : nl - pos));
      if (nl == std::string::npos) break;
      pos = nl + 1;
    }
  }
  const auto patterns = parse_patterns(lines);
  std::vector<std::string> out;
  HT_TRY(walk(root, root, "", patterns, out));
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::string> content_hash(const stdfs::path& root, const std::vector<std::string>& files) {
  Sha256 h;
  static constexpr std::string_view kNul("\0", 1);
  std::array<char, 64UL * 1024> buffer{};
  for (const auto& rel : files) {
    const stdfs::path p = root / rel;
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0) {
      return make_error(ErrorKind::io, "cannot stat file", fmt::format("hash {}", rel));
    }
    h.update(rel);
    h.update(kNul);
    if (S_ISLNK(st.st_mode)) {
      std::error_code ec;
      const auto target = stdfs::read_symlink(p, ec);
      if (ec) return make_error(ErrorKind::io, ec.message(), fmt::format("hash {}", rel));
      const std::string t = target.string();
      h.update("l");
      h.update(kNul);
      h.update(std::to_string(t.size()));
      h.update(kNul);
      h.update(t);
      continue;
    }
    h.update((st.st_mode & S_IXUSR) != 0 ? "x" : "-");
    h.update(kNul);
    h.update(std::to_string(static_cast<long long>(st.st_size)));
    h.update(kNul);
    std::ifstream in(p, std::ios::binary);
    if (!in) return make_error(ErrorKind::io, "cannot open file", fmt::format("hash {}", rel));
    long long total = 0;
    while (in) {
      in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      const auto got = in.gcount();
      if (got > 0) {
        h.update(std::string_view(buffer.data(), static_cast<size_t>(got)));
        total += got;
      }
    }
    if (in.bad() || total != static_cast<long long>(st.st_size)) {
      return make_error(ErrorKind::io, "file changed or could not be read while hashing", fmt::format("hash {}", rel));
    }
  }
  return h.finish_hex();
}

}  // namespace ht
