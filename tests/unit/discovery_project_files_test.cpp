// The project file set (.hypertestignore, built-in exclusions, symlinks) and its content hash.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "core/fs.hpp"
#include "discovery/project_files.hpp"

namespace ht {
namespace {

namespace stdfs = std::filesystem;

void write(const stdfs::path& p, const std::string& content) {
  stdfs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
}

class ProjectFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir.path().empty());
    root = dir.path();
    write(root / "playwright.config.ts", "export default {};\n");
    write(root / "tests/a.spec.ts", "a");
    write(root / "tests/deep/b.spec.ts", "b");
    write(root / "lib/helper.js", "h");
    write(root / "node_modules/x/index.js", "x");
    write(root / "tests/node_modules/y.js", "y");
    write(root / ".git/config", "g");
    write(root / "test-results/r.txt", "r");
    write(root / "playwright-report/index.html", "p");
    write(root / "blob-report/report.zip", "z");
    write(root / "hypertest-artifacts/run/x.png", "a");
    write(root / "hypertest.results.json", "{}");
    write(root / "hypertest.manifest.json", "{}");
    write(root / "tests/hypertest.results.json", "{}");    // only the root one is ours
    write(root / "build-x/CMakeCache.txt", "c");           // a CMake build tree
    write(root / "build/app.js", "web app build output");  // a user's build folder is kept
  }

  fs::TempDir dir{"ht-files-"};
  stdfs::path root;
};

TEST_F(ProjectFiles, BuiltInExclusionsSortedRelativePaths) {
  auto files = collect_project_files(root);
  ASSERT_TRUE(files.ok()) << files.error().describe();
  const std::vector<std::string> expected = {
      "build/app.js",    "lib/helper.js",        "playwright.config.ts",
      "tests/a.spec.ts", "tests/deep/b.spec.ts", "tests/hypertest.results.json",
  };
  EXPECT_EQ(*files, expected);
}

TEST_F(ProjectFiles, HypertestIgnoreLikeGitignore) {
  write(root / ".hypertestignore",
        "# comment\n"
        "\n"
        "*.log\n"         // any depth
        "/lib/\n"         // anchored directory
        "tests/**/b.*\n"  // ** crosses folders
        "docs/\n"         // directory only: the file named docs below stays
        "!keep.log\n");   // re-include
  write(root / "x.log", "l");
  write(root / "tests/deep/y.log", "l");
  write(root / "keep.log", "k");
  write(root / "tests/docs", "a file named docs");
  write(root / "docs/readme.md", "d");
  auto files = collect_project_files(root);
  ASSERT_TRUE(files.ok()) << files.error().describe();
  const std::vector<std::string> expected = {
      ".hypertestignore",
      "build/app.js",
      "keep.log",
      "playwright.config.ts",
      "tests/a.spec.ts",
      "tests/docs",
      "tests/hypertest.results.json",
  };
  EXPECT_EQ(*files, expected);
}

TEST_F(ProjectFiles, ExtraExcludesAndCharacterClasses) {
  ProjectFilesOptions options;
  options.extra_excludes = {"my-results.json", "tests/[ab].spec.ts", "build?"};
  write(root / "my-results.json", "{}");
  write(root / "builds", "not a dir, matched by build?");
  auto files = collect_project_files(root, options);
  ASSERT_TRUE(files.ok()) << files.error().describe();
  const std::vector<std::string> expected = {
      "build/app.js", "lib/helper.js", "playwright.config.ts", "tests/deep/b.spec.ts", "tests/hypertest.results.json",
  };
  EXPECT_EQ(*files, expected);
}

TEST_F(ProjectFiles, SymlinksAreListedNotFollowed) {
  stdfs::create_directory_symlink(root / "lib", root / "linked-lib");
  stdfs::create_symlink("/etc/passwd", root / "outside");
  auto files = collect_project_files(root);
  ASSERT_TRUE(files.ok()) << files.error().describe();
  EXPECT_NE(std::find(files->begin(), files->end(), "linked-lib"), files->end());
  EXPECT_NE(std::find(files->begin(), files->end(), "outside"), files->end());
  EXPECT_EQ(std::find(files->begin(), files->end(), "linked-lib/helper.js"), files->end());
  auto h = content_hash(root, *files);
  ASSERT_TRUE(h.ok()) << h.error().describe();
  // The link target, not /etc/passwd's content, is hashed: retargeting changes the hash.
  stdfs::remove(root / "outside");
  stdfs::create_symlink("/etc/hosts", root / "outside");
  auto h2 = content_hash(root, *files);
  ASSERT_TRUE(h2.ok());
  EXPECT_NE(*h, *h2);
}

TEST_F(ProjectFiles, HashDependsOnPathContentAndExecutableBitOnly) {
  auto files = collect_project_files(root);
  ASSERT_TRUE(files.ok());
  auto base = content_hash(root, *files);
  ASSERT_TRUE(base.ok()) << base.error().describe();
  EXPECT_EQ(base->size(), 64U);

  // Same content in another folder: same hash (nothing machine-specific goes in).
  fs::TempDir other("ht-files-copy-");
  stdfs::copy(root, other.path(), stdfs::copy_options::recursive | stdfs::copy_options::overwrite_existing);
  auto copy_hash = content_hash(other.path(), *files);
  ASSERT_TRUE(copy_hash.ok());
  EXPECT_EQ(*base, *copy_hash);

  // Excluded files do not matter.
  write(root / "test-results/new.txt", "more");
  auto files2 = collect_project_files(root);
  ASSERT_TRUE(files2.ok());
  EXPECT_EQ(*content_hash(root, *files2), *base);

  // Content changes matter.
  write(root / "tests/a.spec.ts", "A");
  EXPECT_NE(*content_hash(root, *files), *base);
  write(root / "tests/a.spec.ts", "a");
  EXPECT_EQ(*content_hash(root, *files), *base);

  // The executable bit matters.
  ::chmod((root / "lib/helper.js").c_str(), 0755);
  EXPECT_NE(*content_hash(root, *files), *base);
  ::chmod((root / "lib/helper.js").c_str(), 0644);
  EXPECT_EQ(*content_hash(root, *files), *base);

  // A rename matters, and content cannot slide across the boundary between files.
  write(root / "p1", "ab");
  write(root / "p2", "");
  auto h1 = content_hash(root, {"p1", "p2"});
  write(root / "p1", "a");
  write(root / "p2", "b");
  auto h2 = content_hash(root, {"p1", "p2"});
  ASSERT_TRUE(h1.ok() && h2.ok());
  EXPECT_NE(*h1, *h2);
}

TEST_F(ProjectFiles, MissingFileIsAnError) {
  auto h = content_hash(root, {"does-not-exist"});
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.error().kind, ErrorKind::io);
  EXPECT_FALSE(collect_project_files(root / "nope").ok());
}

}  // namespace
}  // namespace ht
