// The files of a Playwright project that hypertest ships (the image's tests layer) and
// hashes (the manifest's testDirHash, SPEC §6).
//
// Excluded always: directories named `.git`, `node_modules`, `test-results`,
// `playwright-report`, `blob-report`, `hypertest-artifacts`, `.hypertest` (at any depth),
// CMake build trees (a directory holding CMakeCache.txt: hypertest's own build folders when
// a suite lives in its repository; a user's `build/` web app is kept), the root files
// `hypertest.results.json` and `hypertest.manifest.json`, the patterns given in
// extra_excludes, and everything matched by `.hypertestignore` in the root. Sockets and
// fifos are skipped.
//
// `.hypertestignore` (a simplified .gitignore, documented in docs/hypertestignore.md):
// one pattern per line; blank lines and lines starting with '#' are ignored; a trailing
// '/' matches directories only; a pattern containing a '/' (other than a trailing one) is
// anchored at the root ('/' at the start is dropped), otherwise it matches the name at any
// depth; '*' and '?' do not cross '/', '**' does; '[...]' classes as in fnmatch; a leading
// '!' re-includes a path excluded by an earlier pattern (not inside an excluded directory).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace ht {

struct ProjectFilesOptions {
  // More names or patterns to exclude (same syntax as .hypertestignore lines), e.g. the
  // configured results and manifest file names.
  std::vector<std::string> extra_excludes;
};

// Sorted (byte order), '/'-separated paths relative to root of regular files and symlinks
// (symlinks are listed, never followed). Directories themselves are not listed.
Result<std::vector<std::string>> collect_project_files(const std::filesystem::path& root,
                                                       const ProjectFilesOptions& options = {});

// sha256 (hex) over, for each file in the given order: the path, NUL, "x" or "-" for the
// owner-executable bit (symlinks: "l" and the link target instead of content), NUL, the
// content length as decimal, NUL, the content. Equal trees give equal hashes on any machine.
Result<std::string> content_hash(const std::filesystem::path& root, const std::vector<std::string>& files);

}  // namespace ht
