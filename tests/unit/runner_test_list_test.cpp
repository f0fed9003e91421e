// render_test_list: the --test-list file format of Playwright 1.65 (see runner/test_list.hpp).
#include <gtest/gtest.h>

#include "runner/test_list.hpp"

namespace ht::runner {
namespace {

TestRef ref(std::string id, std::string project, std::string file, std::vector<std::string> titles) {
  return TestRef{std::move(id), std::move(project), std::move(file), std::move(titles)};
}

TEST(RunnerTestList, WritesProjectFileAndTitlesSeparatedByGuillemet) {
  auto list = render_test_list({ref("a", "chromium", "tests/a.spec.ts", {"group", "does it"})});
  EXPECT_EQ(list.text, "[chromium] \xE2\x80\xBA tests/a.spec.ts \xE2\x80\xBA group \xE2\x80\xBA does it\n");
  EXPECT_TRUE(list.unselectable.empty());
}

TEST(RunnerTestList, NastyTitlesAreWrittenVerbatim) {
  const std::string nasty = "quotes ' \" $(echo hi) `tick` [a-z]+ (x|y)* \\d\ttab \xF0\x9F\x8E\x89 > end";
  auto list = render_test_list({ref("a", "p", "t.spec.ts", {"nested \"group\"", nasty})});
  EXPECT_EQ(list.text, "[p] \xE2\x80\xBA t.spec.ts \xE2\x80\xBA nested \"group\" \xE2\x80\xBA " + nasty + "\n");
}

TEST(RunnerTestList, EmptyProjectIsEmptyBrackets) {
  auto list = render_test_list({ref("a", "", "a.spec.js", {"x"})});
  EXPECT_EQ(list.text, "[] \xE2\x80\xBA a.spec.js \xE2\x80\xBA x\n");
}

TEST(RunnerTestList, TitleThatCannotSurviveTrimSelectsItsEnclosingBlock) {
  // Playwright trims every token: "  padded  " would never match, so list the describe.
  auto list = render_test_list({ref("a", "p", "f.ts", {"outer", "  padded  "}),
                                ref("b", "p", "f.ts", {"outer", "in\xE2\x80\xBAside", "x"}),
                                ref("c", "p", "f.ts", {"line\nbreak"}), ref("d", "p", "f.ts", {"nbsp\xC2\xA0"})});
  EXPECT_EQ(list.text,
            "[p] \xE2\x80\xBA f.ts \xE2\x80\xBA outer\n"  // a and b share this line (deduplicated)
            "[p] \xE2\x80\xBA f.ts\n");                   // c and d: the whole file
  EXPECT_TRUE(list.unselectable.empty());
}

TEST(RunnerTestList, ProjectOrFileThatCannotBeWrittenIsUnselectable) {
  auto list = render_test_list({ref("a",
                                    "a\xE2\x80\xBA"
                                    "b",
                                    "f.ts", {"x"}),
                                ref("b", "p", "dir/f:12", {"x"}), ref("c", "p", "line\nfile.ts", {"x"}),
                                ref("d", " spaced ", "ok.ts", {"x"})});
  EXPECT_EQ(list.unselectable, (std::vector<std::string>{"a", "b", "c"}));
  // Spaces inside the brackets survive Playwright's trim of the whole token.
  EXPECT_EQ(list.text, "[ spaced ] \xE2\x80\xBA ok.ts \xE2\x80\xBA x\n");
}

TEST(RunnerTestList, KeepsRequestOrderAndOneLinePerTest) {
  auto list =
      render_test_list({ref("1", "p", "b.ts", {"z"}), ref("2", "p", "a.ts", {"y"}), ref("3", "p", "b.ts", {"z"})});
  EXPECT_EQ(list.text, "[p] \xE2\x80\xBA b.ts \xE2\x80\xBA z\n[p] \xE2\x80\xBA a.ts \xE2\x80\xBA y\n");
}

}  // namespace
}  // namespace ht::runner
