// Live discovery with the real Playwright (examples/basic/node_modules, reached from the
// fixture suites through tests/fixtures/suites/node_modules): the tricky suite, filters, a
// broken config, a missing install.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "core/fs.hpp"
#include "discovery/discovery.hpp"

namespace ht {
namespace {

namespace stdfs = std::filesystem;

stdfs::path tricky_root() { return stdfs::path(HT_SOURCE_DIR) / "tests/fixtures/suites/tricky"; }

DiscoveryOptions tricky_options() {
  DiscoveryOptions o;
  o.project_root = tricky_root();
  o.playwright_config = "playwright.config.js";
  return o;
}

std::vector<std::string> names(const std::vector<TestCase>& tests) {
  std::vector<std::string> out;
  for (const auto& t : tests) out.push_back(t.project + " | " + t.file + " | " + t.name());
  return out;
}

TEST(LiveDiscovery, TrickySuiteMatchesTheCapturedReport) {
  ASSERT_TRUE(find_playwright_cli(tricky_root()).ok()) << "run scripts/setup.sh (npm ci in examples/basic) first";
  auto live = discover_tests(tricky_options());
  ASSERT_TRUE(live.ok()) << live.error().describe();
  EXPECT_EQ(live->tests.size(), 24U);
  EXPECT_EQ(live->playwright_version, "1.65.1");

  // The committed fixture of the unit tests is what Playwright says today (same ids,
  // groups, annotations, order).
  auto text = fs::read_file(stdfs::path(HT_SOURCE_DIR) / "tests/fixtures/discovery/tricky.list.json");
  ASSERT_TRUE(text.ok());
  auto captured = parse_list_report(nlohmann::json::parse(*text), "/project");
  ASSERT_TRUE(captured.ok());
  ASSERT_EQ(live->tests.size(), captured->tests.size());
  for (size_t i = 0; i < live->tests.size(); ++i) {
    EXPECT_EQ(live->tests[i].test_id, captured->tests[i].test_id) << live->tests[i].name();
    EXPECT_EQ(live->tests[i].group, captured->tests[i].group) << live->tests[i].name();
    EXPECT_EQ(live->tests[i].annotations, captured->tests[i].annotations) << live->tests[i].name();
  }

  const auto tab = std::find_if(live->tests.begin(), live->tests.end(), [](const TestCase& t) {
    return t.title_path.size() == 2 && t.title_path[1] == "a\ttab inside";
  });
  ASSERT_NE(tab, live->tests.end());
  EXPECT_EQ(tab->file, "specs/titles.spec.ts");
  ASSERT_EQ(live->projects.size(), 2U);
  EXPECT_EQ(live->projects[1].dependencies, std::vector<std::string>{"setup"});
}

TEST(LiveDiscovery, FiltersNarrowTheListButKeepSetupProjects) {
  auto o = tricky_options();
  o.grep = {"loop case"};
  auto grep = discover_tests(o);
  ASSERT_TRUE(grep.ok()) << grep.error().describe();
  // Playwright lists the dependency project's tests too, unfiltered: they would run.
  EXPECT_EQ(names(grep->tests), (std::vector<std::string>{"setup | specs/global.setup.js | prepare the environment",
                                                          "main | specs/nested/skips.spec.ts | loop case 1",
                                                          "main | specs/nested/skips.spec.ts | loop case 2",
                                                          "main | specs/nested/skips.spec.ts | loop case 3"}))
      << "order: files in Playwright's order";

  o = tricky_options();
  o.file_filters = {"serial.spec"};
  o.projects = {"main"};
  auto files = discover_tests(o);
  ASSERT_TRUE(files.ok()) << files.error().describe();
  size_t serial_file = 0;
  for (const auto& t : files->tests) serial_file += t.file == "specs/serial.spec.ts" ? 1 : 0;
  EXPECT_EQ(serial_file, 8U);
  EXPECT_EQ(files->tests.size(), 9U);  // + the setup test

  o.file_filters = {"--list"};
  auto bad = discover_tests(o);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::usage);
}

// A throwaway project next to a node_modules link to the real install.
class TempProject : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir.path().empty());
    stdfs::create_directories(dir.path() / "tests");
  }
  void link_playwright() {
    stdfs::create_directory_symlink(stdfs::path(HT_SOURCE_DIR) / "examples/basic/node_modules",
                                    dir.path() / "node_modules");
  }
  void write(const std::string& rel, const std::string& content) { std::ofstream(dir.path() / rel) << content; }
  DiscoveryOptions options() {
    DiscoveryOptions o;
    o.project_root = dir.path();
    o.playwright_config = "playwright.config.js";
    return o;
  }
  fs::TempDir dir{"ht-discovery-"};
};

TEST_F(TempProject, BrokenConfigIsAClearErrorWithPlaywrightsMessage) {
  link_playwright();
  write("playwright.config.js", "module.exports = { testDir: './tests', projects: [ ;\n");
  auto r = discover_tests(options());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::config);
  EXPECT_NE(r.error().message.find("SyntaxError"), std::string::npos) << r.error().message;
  EXPECT_LT(r.error().message.size(), 4000U) << "the tail of the output, not all of it";
  EXPECT_NE(r.error().message.find("playwright.config.js"), std::string::npos) << r.error().message;
}

TEST_F(TempProject, SpecThatThrowsAtImportIsAClearError) {
  link_playwright();
  write("playwright.config.js", "module.exports = { testDir: './tests' };\n");
  write("tests/a.spec.js", "const { test } = require('@playwright/test');\ntest('ok', async () => {});\n");
  write("tests/b.spec.js", "require('@playwright/test');\nthrow new Error('boom at import');\n");
  auto r = discover_tests(options());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::config);
  EXPECT_NE(r.error().message.find("boom at import"), std::string::npos) << r.error().message;
}

TEST_F(TempProject, MissingPlaywrightSaysRunNpmInstall) {
  write("playwright.config.js", "module.exports = {};\n");
  auto r = discover_tests(options());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("Playwright not found in"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("npm install"), std::string::npos) << r.error().message;
}

TEST_F(TempProject, MissingConfigFileIsAClearError) {
  link_playwright();
  auto r = discover_tests(options());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::config);
  EXPECT_NE(r.error().message.find("playwright.config.js"), std::string::npos) << r.error().message;
}

TEST_F(TempProject, NoiseOnStdoutDoesNotMatter) {
  link_playwright();
  write("playwright.config.js", "console.log('config says {hello}'); module.exports = { testDir: './tests' };\n");
  write("tests/a.spec.js",
        "const { test } = require('@playwright/test');\nconsole.log('{\"not\": \"the report\"}');\n"
        "test('one', async () => {});\n");
  auto r = discover_tests(options());
  ASSERT_TRUE(r.ok()) << r.error().describe();
  ASSERT_EQ(r->tests.size(), 1U);
  EXPECT_EQ(r->tests[0].file, "tests/a.spec.js");
  EXPECT_EQ(r->tests[0].project, "");
}

}  // namespace
}  // namespace ht
