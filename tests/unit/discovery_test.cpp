// Discovery parsing against real `playwright test --list --reporter=json` reports captured
// from the fixture suites with @playwright/test 1.65.1 (absolute paths replaced by
// /project); see tests/fixtures/discovery/README.md for how to re-capture them.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/fs.hpp"
#include "discovery/discovery.hpp"

namespace ht {
namespace {

nlohmann::json load_fixture(const std::string& name) {
  auto text = fs::read_file(std::string(HT_SOURCE_DIR) + "/tests/fixtures/discovery/" + name);
  EXPECT_TRUE(text.ok()) << name;
  return nlohmann::json::parse(text.ok() ? *text : std::string("{}"));
}

const TestCase* find(const std::vector<TestCase>& tests, const std::string& project,
                     const std::vector<std::string>& title_path) {
  for (const auto& t : tests) {
    if (t.project == project && t.title_path == title_path) return &t;
  }
  return nullptr;
}

size_t index_of(const std::vector<TestCase>& tests, const TestCase* t) { return static_cast<size_t>(t - tests.data()); }

class TrickyReport : public ::testing::Test {
 protected:
  void SetUp() override {
    auto parsed = parse_list_report(load_fixture("tricky.list.json"), "/project");
    ASSERT_TRUE(parsed.ok()) << parsed.error().describe();
    result = *parsed;
  }
  DiscoveryResult result;
};

TEST_F(TrickyReport, FindsEveryTestOfEveryProjectOnce) {
  EXPECT_EQ(result.tests.size(), 24U);
  EXPECT_EQ(result.playwright_version, "1.65.1");
  EXPECT_EQ(result.root_dir, "specs");
  std::vector<std::string> ids;
  for (const auto& t : result.tests) ids.push_back(t.test_id);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(std::adjacent_find(ids.begin(), ids.end()), ids.end()) << "duplicate testId";
  EXPECT_EQ(
      std::count_if(result.tests.begin(), result.tests.end(), [](const TestCase& t) { return t.project == "setup"; }),
      1);
}

TEST_F(TrickyReport, FilesAreRelativeToTheProjectRootNotTestDir) {
  const auto* setup = find(result.tests, "setup", {"prepare the environment"});
  ASSERT_NE(setup, nullptr);
  EXPECT_EQ(setup->file, "specs/global.setup.js");
  const auto* js = find(result.tests, "main", {"js check", "level two", "deeply nested"});
  ASSERT_NE(js, nullptr) << "a .js spec under a custom testMatch, nested describes";
  EXPECT_EQ(js->file, "specs/nested/plain.check.js");
  EXPECT_EQ(js->line, 6);
  EXPECT_EQ(js->column, 5);
  EXPECT_EQ(js->test_id,
            make_test_id("main", "specs/nested/plain.check.js", {"js check", "level two", "deeply nested"}));
}

TEST_F(TrickyReport, KeepsNastyTitlesByteForByte) {
  const std::string d = "quotes 'single' and \"double\"";
  EXPECT_NE(find(result.tests, "main", {d, "dollar $(echo pwned) and ${HOME}"}), nullptr);
  EXPECT_NE(find(result.tests, "main", {d, "backticks `uname -a` here"}), nullptr);
  EXPECT_NE(find(result.tests, "main", {d, "regex .*+?^[a-z]{2}(x|y)\\d chars"}), nullptr);
  EXPECT_NE(find(result.tests, "main", {d, "a\ttab inside"}), nullptr);
  EXPECT_NE(find(result.tests, "main",
                 {d,
                  "emoji \xF0\x9F\x9A\x80 and \xC3\xBCn\xC3\xAF"
                  "c\xC3\xB6"
                  "d\xC3\xA9"}),
            nullptr);
  EXPECT_NE(find(result.tests, "main", {"semicolon; ampersand && pipe | redirect > out < in"}), nullptr);
}

TEST_F(TrickyReport, SerialGroupsAreSharedAndOrdered) {
  const auto* one = find(result.tests, "main", {"ordered steps", "step one"});
  const auto* two = find(result.tests, "main", {"ordered steps", "inner", "step two"});
  const auto* three = find(result.tests, "main", {"ordered steps", "step three"});
  ASSERT_TRUE(one && two && three);
  EXPECT_FALSE(one->group.empty());
  EXPECT_EQ(one->group, two->group);
  EXPECT_EQ(one->group, three->group);
  // Declaration order, although the JSON report lists "step three" before the inner describe.
  EXPECT_LT(index_of(result.tests, one), index_of(result.tests, two));
  EXPECT_LT(index_of(result.tests, two), index_of(result.tests, three));

  const auto* first = find(result.tests, "main", {"describe.serial group", "first"});
  const auto* second = find(result.tests, "main", {"describe.serial group", "second"});
  ASSERT_TRUE(first && second);
  EXPECT_FALSE(first->group.empty());
  EXPECT_EQ(first->group, second->group);
  EXPECT_NE(first->group, one->group);
  EXPECT_LT(index_of(result.tests, first), index_of(result.tests, second));

  for (const auto& title : std::vector<std::vector<std::string>>{{"parallel block", "free one"},
                                                                 {"parallel block", "free two"},
                                                                 {"default block", "free three"},
                                                                 {"uses a helper from outside testDir"}}) {
    const auto* t = find(result.tests, "main", title);
    ASSERT_NE(t, nullptr) << title.back();
    EXPECT_EQ(t->group, "") << title.back();
  }
}

TEST_F(TrickyReport, StaticAnnotationsAndLoops) {
  const auto* skipped = find(result.tests, "main", {"skipped statically"});
  const auto* fixme = find(result.tests, "main", {"fixme statically"});
  const auto* cond = find(result.tests, "main", {"skipped conditionally"});
  ASSERT_TRUE(skipped && fixme && cond);
  EXPECT_EQ(skipped->annotations, std::vector<std::string>{"skip"});
  EXPECT_EQ(fixme->annotations, std::vector<std::string>{"fixme"});
  EXPECT_TRUE(cond->annotations.empty()) << "a runtime skip is not known at --list time";
  const auto* serial = find(result.tests, "main", {"ordered steps", "step one"});
  EXPECT_TRUE(serial->annotations.empty()) << "\"serial\" becomes the group, not an annotation";

  std::vector<size_t> loop;
  for (int n = 1; n <= 3; ++n) {
    const auto* t = find(result.tests, "main", {"loop case " + std::to_string(n)});
    ASSERT_NE(t, nullptr);
    loop.push_back(index_of(result.tests, t));
  }
  EXPECT_TRUE(std::is_sorted(loop.begin(), loop.end()));
}

TEST_F(TrickyReport, ProjectsAndDependencies) {
  ASSERT_EQ(result.projects.size(), 2U);
  EXPECT_EQ(result.projects[0].name, "setup");
  EXPECT_TRUE(result.projects[0].dependencies.empty());
  EXPECT_EQ(result.projects[1].name, "main");
  EXPECT_EQ(result.projects[1].dependencies, std::vector<std::string>{"setup"});
}

TEST(DiscoveryParse, BasicExampleHasOneCheckoutGroupPerProject) {
  auto parsed = parse_list_report(load_fixture("basic.list.json"), "/project");
  ASSERT_TRUE(parsed.ok()) << parsed.error().describe();
  const auto& tests = parsed->tests;
  EXPECT_EQ(tests.size(), 34U);
  std::map<std::string, std::vector<std::string>> groups;  // group -> titles
  for (const auto& t : tests) {
    EXPECT_EQ(t.file.rfind("tests/", 0), 0U) << t.file;
    if (!t.group.empty()) groups[t.group].push_back(t.project + ":" + t.title_path.back());
  }
  ASSERT_EQ(groups.size(), 2U);
  for (const auto& [group, titles] : groups) {
    ASSERT_EQ(titles.size(), 3U) << group;
    EXPECT_NE(titles[0].find("fills the cart"), std::string::npos);
    EXPECT_NE(titles[1].find("opens the checkout form"), std::string::npos);
    EXPECT_NE(titles[2].find("pays and gets a confirmation"), std::string::npos);
  }
}

TEST(DiscoveryParse, LoadErrorsBecomeAConfigErrorWithPlaywrightsMessage) {
  auto parsed = parse_list_report(load_fixture("broken-spec.list.json"), "/project");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().kind, ErrorKind::config);
  EXPECT_NE(parsed.error().message.find("boom at import"), std::string::npos) << parsed.error().message;
  EXPECT_NE(parsed.error().message.find("/project/tests/b.spec.js:2:7"), std::string::npos) << parsed.error().message;
}

TEST(DiscoveryParse, RejectsDocumentsThatAreNotReports) {
  for (const char* doc : {"{}", "[]", R"({"suites": []})", R"({"config": {}, "suites": 3})"}) {
    auto parsed = parse_list_report(nlohmann::json::parse(doc), "/project");
    ASSERT_FALSE(parsed.ok()) << doc;
    EXPECT_EQ(parsed.error().kind, ErrorKind::protocol) << doc;
  }
}

TEST(DiscoveryParse, FilesAreRebasedFromRootDirOntoTheProjectRoot) {
  nlohmann::json report = {
      {"config", {{"rootDir", "/repo/e2e/tests"}, {"version", "1.65.1"}, {"projects", nlohmann::json::array()}}},
      {"suites",
       {{{"title", "a.spec.ts"},
         {"file", "a.spec.ts"},
         {"specs",
          {{{"title", "t"},
            {"file", "a.spec.ts"},
            {"line", 3},
            {"column", 5},
            {"tests", {{{"projectName", ""}, {"annotations", nlohmann::json::array()}}}}}}}}}},
      {"errors", nlohmann::json::array()}};
  auto parsed = parse_list_report(report, "/repo/e2e");
  ASSERT_TRUE(parsed.ok()) << parsed.error().describe();
  ASSERT_EQ(parsed->tests.size(), 1U);
  EXPECT_EQ(parsed->tests[0].file, "tests/a.spec.ts");
  EXPECT_EQ(parsed->root_dir, "tests");
  EXPECT_EQ(parsed->tests[0].project, "");
  EXPECT_EQ(parsed->tests[0].title_path, std::vector<std::string>{"t"});
}

TEST(ExtractJson, FindsTheReportAmidNoise) {
  const std::string text =
      "[WebServer] starting {not json}\n"
      "warning: \"{\" is odd\n"
      "{\"config\": {\"s\": \"a } brace \\\" quote\"}, \"suites\": [{\"x\": [1, 2]}]}\n"
      "trailing } garbage {";
  auto j = extract_json_object(text);
  ASSERT_TRUE(j.ok()) << j.error().describe();
  EXPECT_EQ((*j)["config"]["s"], "a } brace \" quote");
  EXPECT_EQ((*j)["suites"][0]["x"][1], 2);
}

TEST(ExtractJson, NoObjectIsAnError) {
  EXPECT_FALSE(extract_json_object("no json here").ok());
  EXPECT_FALSE(extract_json_object("{ unterminated").ok());
}

}  // namespace
}  // namespace ht
