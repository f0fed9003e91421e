// The deploy image's two layers (deploy/project_image): what goes where, and the
// dependencies cache: reused while node_modules is untouched, never stale after an edit, and
// never able to change a digest.
#include <gtest/gtest.h>
#include <utime.h>

#include <fstream>

#include "core/fs.hpp"
#include "deploy/project_image.hpp"

namespace ht::deploy {
namespace {

namespace stdfs = std::filesystem;

void write(const stdfs::path& p, const std::string& s) {
  stdfs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << s;
}

struct Project {
  fs::TempDir dir{"ht-project-layers-"};
  stdfs::path root = dir.path() / "p";
  stdfs::path cache = dir.path() / "cache";
  Project() {
    write(root / "playwright.config.ts", "export default {};\n");
    write(root / "tests/a.spec.ts", "test('a', () => {});\n");
    write(root / "package-lock.json", "{\"lockfileVersion\":3}\n");
    write(root / "node_modules/pkg/index.js", "module.exports = 1;\n");
    write(root / "node_modules/.cache/x", "not shipped\n");
  }
  ProjectImageInputs inputs(const std::string& work) {
    ProjectImageInputs in;
    in.project_root = root;
    in.project_files = {"package-lock.json", "playwright.config.ts", "tests/a.spec.ts"};
    in.playwright_config = "playwright.config.ts";
    in.test_dir_hash = std::string(64, 'a');
    in.work_dir = dir.path() / work;
    in.cache_dir = cache;
    stdfs::create_directories(in.work_dir);
    return in;
  }
};

TEST(OciProjectLayers, DependenciesCacheIsReusedButNeverStale) {
  Project p;
  auto first = build_project_layers(p.inputs("w1"));
  ASSERT_TRUE(first.ok()) << first.error().describe();
  ASSERT_TRUE(first->dependencies.has_value());
  EXPECT_FALSE(first->dependencies_from_cache);
  EXPECT_EQ(first->dependencies->file.parent_path(), p.cache);
  // node_modules/pkg, its parents and var/task/node_modules; not .cache.
  EXPECT_EQ(first->dependencies->entry_count, 5U);
  EXPECT_EQ(first->tests.entry_count, 6U);  // var, var/task, var/task/tests + 3 files

  auto second = build_project_layers(p.inputs("w2"));
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->dependencies_from_cache);
  EXPECT_EQ(second->dependencies->digest, first->dependencies->digest);
  EXPECT_EQ(second->dependencies_key, first->dependencies_key);

  // Touched (same content): a new key, a rebuild, the same digest.
  struct utimbuf t {
    1234567, 1234567
  };
  ASSERT_EQ(::utime((p.root / "node_modules/pkg/index.js").c_str(), &t), 0);
  auto touched = build_project_layers(p.inputs("w3"));
  ASSERT_TRUE(touched.ok());
  EXPECT_FALSE(touched->dependencies_from_cache);
  EXPECT_NE(touched->dependencies_key, first->dependencies_key);
  EXPECT_EQ(touched->dependencies->digest, first->dependencies->digest);

  // Patched in place without a lockfile change: never served from the cache.
  write(p.root / "node_modules/pkg/index.js", "module.exports = 2;\n");
  auto patched = build_project_layers(p.inputs("w4"));
  ASSERT_TRUE(patched.ok());
  EXPECT_FALSE(patched->dependencies_from_cache);
  EXPECT_NE(patched->dependencies->digest, first->dependencies->digest);
  // The tests layer did not change.
  EXPECT_EQ(patched->tests.digest, first->tests.digest);

  // Without a cache dir the layer is built in the work dir, with the same digest.
  auto in = p.inputs("w5");
  in.cache_dir.clear();
  auto uncached = build_project_layers(in);
  ASSERT_TRUE(uncached.ok());
  EXPECT_EQ(uncached->dependencies->file.parent_path(), in.work_dir);
  EXPECT_EQ(uncached->dependencies->digest, patched->dependencies->digest);
}

TEST(OciProjectLayers, NoNodeModulesMeansNoDependenciesLayer) {
  Project p;
  stdfs::remove_all(p.root / "node_modules");
  auto layers = build_project_layers(p.inputs("w"));
  ASSERT_TRUE(layers.ok());
  EXPECT_FALSE(layers->dependencies.has_value());
  // node_modules paths in the file list never reach the tests layer.
  auto in = p.inputs("w2");
  in.project_files.push_back("node_modules/pkg/index.js");
  write(p.root / "node_modules/pkg/index.js", "x");
  auto filtered = build_project_layers(in);
  ASSERT_TRUE(filtered.ok());
  EXPECT_EQ(filtered->tests.digest, layers->tests.digest);

  in.project_files.clear();
  EXPECT_FALSE(build_project_layers(in).ok());
}

}  // namespace
}  // namespace ht::deploy
