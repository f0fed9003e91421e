// Reproducible layers: the same inputs give the same bytes, whatever the files' times,
// owners, permissions noise or the order they are listed in.
#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>

#include <clocale>
#include <fstream>
#include <map>

#include "core/fs.hpp"
#include "core/hash.hpp"
#include "oci/layer_builder.hpp"

namespace ht::oci {
namespace {

namespace stdfs = std::filesystem;

struct TarEntry {
  std::string path;
  mode_t type = 0;
  int perm = 0;
  std::int64_t mtime = -1;
  std::int64_t uid = -1;
  std::int64_t gid = -1;
  std::string uname;
  std::string gname;
  std::string symlink;
  std::string content;
  bool has_atime = false;
};

// Reads a .tar.gz back with libarchive's reader.
std::vector<TarEntry> read_layer(const stdfs::path& file) {
  std::vector<TarEntry> out;
  archive* a = archive_read_new();
  archive_read_support_filter_gzip(a);
  archive_read_support_format_tar(a);
  EXPECT_EQ(archive_read_open_filename(a, file.c_str(), 10240), ARCHIVE_OK);
  archive_entry* e = nullptr;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    TarEntry t;
    const char* p = nullptr;
    t.path = p != nullptr ? p : archive_entry_pathname(e);
    t.type = archive_entry_filetype(e);
    t.perm = static_cast<int>(archive_entry_perm(e));
    t.mtime = archive_entry_mtime(e);
    t.uid = archive_entry_uid(e);
    t.gid = archive_entry_gid(e);
    t.uname = archive_entry_uname(e) != nullptr ? archive_entry_uname(e) : "";
    t.gname = archive_entry_gname(e) != nullptr ? archive_entry_gname(e) : "";
    t.has_atime = archive_entry_atime_is_set(e) != 0;
    if (archive_entry_symlink(e) != nullptr) t.symlink = archive_entry_symlink(e);
    char buf[4096];
    la_ssize_t n;
    while ((n = archive_read_data(a, buf, sizeof buf)) > 0) t.content.append(buf, static_cast<size_t>(n));
    out.push_back(t);
  }
  archive_read_free(a);
  return out;
}

void write(const stdfs::path& p, const std::string& s) {
  stdfs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << s;
}

// A small project tree; `noise` changes what must not matter (times, extra perms bits).
void make_tree(const stdfs::path& root, int noise) {
  write(root / "tests/a.spec.ts", "test('a', () => {});\n");
  write(root / "tests/data/users.json", "[1,2,3]\n");
  write(root / "helpers/login.ts", "export const x = 1;\n");
  write(root / "bin/run.sh", "#!/bin/sh\necho hi\n");
  write(root / "caf\xc3\xa9/\xc3\xa9t\xc3\xa9.txt", "utf-8 name\n");
  std::string long_dir(120, 'd');
  write(root / long_dir / "file-with-a-long-path.txt", "long\n");
  ::chmod((root / "bin/run.sh").c_str(), noise == 0 ? 0755 : 0700);
  ::chmod((root / "tests/a.spec.ts").c_str(), noise == 0 ? 0644 : 0600);
  stdfs::create_symlink("../helpers/login.ts", root / "tests/login-link.ts");
  stdfs::create_symlink("/etc/passwd", root / "outside-link");
  for (const auto& e : stdfs::recursive_directory_iterator(root)) {
    if (e.is_symlink()) continue;
    struct utimbuf t {
      1000000 + noise * 77777, 2000000 + noise * 12345
    };
    ::utime(e.path().c_str(), &t);
  }
}

TEST(OciLayer, SameInputsGiveTheSameDigestWhateverTimesAndOrder) {
  fs::TempDir dir("ht-oci-layer-");
  make_tree(dir.path() / "one", 0);
  make_tree(dir.path() / "two", 1);
  auto a = tree_entries(dir.path() / "one", "var/task");
  auto b = tree_entries(dir.path() / "two", "var/task");
  ASSERT_TRUE(a.ok()) << a.error().describe();
  ASSERT_TRUE(b.ok()) << b.error().describe();
  std::reverse(b->begin(), b->end());  // listing order must not matter
  auto la = build_layer(*a, dir.path() / "one.tar.gz");
  auto lb = build_layer(*b, dir.path() / "two.tar.gz");
  ASSERT_TRUE(la.ok()) << la.error().describe();
  ASSERT_TRUE(lb.ok()) << lb.error().describe();
  EXPECT_EQ(la->digest, lb->digest);
  EXPECT_EQ(la->diff_id, lb->diff_id);
  EXPECT_EQ(la->size, lb->size);
  // The digests are what they claim to be.
  auto bytes = fs::read_file(la->file);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ("sha256:" + sha256_hex(*bytes), la->digest);
  EXPECT_EQ(static_cast<std::int64_t>(bytes->size()), la->size);
  EXPECT_NE(la->digest, la->diff_id);
  // gzip header: magic, deflate, no flags (no name/comment), mtime 0.
  ASSERT_GE(bytes->size(), 10U);
  EXPECT_EQ(static_cast<unsigned char>((*bytes)[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>((*bytes)[1]), 0x8b);
  EXPECT_EQ((*bytes)[3], 0);
  EXPECT_EQ(bytes->substr(4, 4), std::string(4, '\0'));

  // A one-byte change changes both digests.
  write(dir.path() / "two/tests/data/users.json", "[1,2,4]\n");
  auto c = tree_entries(dir.path() / "two", "var/task");
  ASSERT_TRUE(c.ok());
  auto lc = build_layer(*c, dir.path() / "three.tar.gz");
  ASSERT_TRUE(lc.ok());
  EXPECT_NE(lc->digest, la->digest);
  EXPECT_NE(lc->diff_id, la->diff_id);
}

TEST(OciLayer, EntriesAreSortedWithParentsAndNormalizedMetadata) {
  fs::TempDir dir("ht-oci-layer-");
  make_tree(dir.path() / "p", 1);
  auto entries = tree_entries(dir.path() / "p", "var/task");
  ASSERT_TRUE(entries.ok());
  auto layer = build_layer(*entries, dir.path() / "l.tar.gz");
  ASSERT_TRUE(layer.ok()) << layer.error().describe();
  auto tar = read_layer(layer->file);
  ASSERT_FALSE(tar.empty());
  EXPECT_EQ(layer->entry_count, tar.size());

  std::map<std::string, TarEntry> by_path;
  std::vector<std::string> order;
  for (const auto& t : tar) {
    std::string p = t.path;
    if (!p.empty() && p.back() == '/') p.pop_back();
    by_path[p] = t;
    order.push_back(p);
    EXPECT_EQ(t.mtime, 0) << p;
    EXPECT_EQ(t.uid, 0) << p;
    EXPECT_EQ(t.gid, 0) << p;
    EXPECT_EQ(t.uname, "") << p;
    EXPECT_EQ(t.gname, "") << p;
    EXPECT_FALSE(t.has_atime) << p;
  }
  EXPECT_TRUE(std::is_sorted(order.begin(), order.end()));
  // Parents first and present.
  ASSERT_EQ(order[0], "var");
  ASSERT_EQ(order[1], "var/task");
  EXPECT_EQ(by_path["var"].type, AE_IFDIR);
  EXPECT_EQ(by_path["var"].perm, 0755);
  EXPECT_EQ(by_path["var/task/tests/data"].type, AE_IFDIR);
  // Modes are fixed: 0644 files, 0755 executables (any x bit on disk), 0777 symlinks.
  EXPECT_EQ(by_path["var/task/tests/a.spec.ts"].perm, 0644);
  EXPECT_EQ(by_path["var/task/tests/a.spec.ts"].content, "test('a', () => {});\n");
  EXPECT_EQ(by_path["var/task/bin/run.sh"].perm, 0755);
  // Symlinks stay symlinks with their target verbatim, also when it points outside.
  EXPECT_EQ(by_path["var/task/tests/login-link.ts"].type, AE_IFLNK);
  EXPECT_EQ(by_path["var/task/tests/login-link.ts"].symlink, "../helpers/login.ts");
  EXPECT_EQ(by_path["var/task/outside-link"].type, AE_IFLNK);
  EXPECT_EQ(by_path["var/task/outside-link"].symlink, "/etc/passwd");
  EXPECT_EQ(by_path["var/task/outside-link"].content, "");
  // Non-ASCII and long (>100 bytes) names survive.
  EXPECT_EQ(by_path["var/task/caf\xc3\xa9/\xc3\xa9t\xc3\xa9.txt"].content, "utf-8 name\n");
  EXPECT_EQ(by_path["var/task/" + std::string(120, 'd') + "/file-with-a-long-path.txt"].content, "long\n");
}

// The names' bytes are stored as they are: a UTF-8 locale must not change a digest.
TEST(OciLayer, DigestDoesNotDependOnTheLocale) {
  fs::TempDir dir("ht-oci-layer-");
  make_tree(dir.path() / "p", 0);
  auto entries = tree_entries(dir.path() / "p", "var/task");
  ASSERT_TRUE(entries.ok());
  auto in_c = build_layer(*entries, dir.path() / "c.tar.gz");
  ASSERT_TRUE(in_c.ok()) << in_c.error().describe();
  std::string previous = std::setlocale(LC_ALL, nullptr);
  const char* utf8 = std::setlocale(LC_ALL, "C.UTF-8");
  auto in_utf8 = build_layer(*entries, dir.path() / "u.tar.gz");
  std::setlocale(LC_ALL, previous.c_str());
  ASSERT_NE(utf8, nullptr) << "C.UTF-8 locale not available";
  ASSERT_TRUE(in_utf8.ok()) << in_utf8.error().describe();
  EXPECT_EQ(in_c->digest, in_utf8->digest);
}

TEST(OciLayer, InMemoryEntriesSkipAndBadPaths) {
  fs::TempDir dir("ht-oci-layer-");
  std::vector<LayerEntry> mem = {{"etc/hello.txt", {}, std::string("hello\n"), false},
                                 {"usr/bin/tool", {}, std::string("#!/bin/sh\n"), true}};
  auto l = build_layer(mem, dir.path() / "m.tar.gz");
  ASSERT_TRUE(l.ok());
  auto tar = read_layer(l->file);
  ASSERT_EQ(tar.size(), 5U);  // etc, etc/hello.txt, usr, usr/bin, usr/bin/tool
  EXPECT_EQ(tar[4].perm, 0755);

  auto again = build_layer(mem, dir.path() / "m2.tar.gz");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->digest, l->digest);

  for (std::string bad : {"/abs", "a/../b", "a//b", "./a", ""}) {
    auto r = build_layer({{bad, {}, std::string("x"), false}}, dir.path() / "bad.tar.gz");
    EXPECT_FALSE(r.ok()) << bad;
  }
  auto dup =
      build_layer({{"a", {}, std::string("x"), false}, {"a", {}, std::string("y"), false}}, dir.path() / "dup.tar.gz");
  EXPECT_FALSE(dup.ok());
  EXPECT_FALSE(stdfs::exists(dir.path() / "dup.tar.gz"));

  make_tree(dir.path() / "p", 0);
  auto skipped = tree_entries(dir.path() / "p", "", [](const std::string& rel) { return rel == "tests"; });
  ASSERT_TRUE(skipped.ok());
  for (const auto& e : *skipped) EXPECT_NE(e.path.rfind("tests", 0), 0U) << e.path;
  EXPECT_FALSE(skipped->empty());
}

}  // namespace
}  // namespace ht::oci
