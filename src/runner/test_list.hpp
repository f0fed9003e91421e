// Renders the file given to `playwright test --test-list FILE` (Playwright 1.65,
// loadTestList in playwright/lib/runner): one test per line,
//   [project] › file › describe › ... › title
// where `file` is relative to the config's rootDir (the wrapper config makes rootDir the
// project root, so TestRef::file is used as is). Playwright splits each line on '›' (or on
// '>' when the line has no '›'), trims every token, skips blank lines and lines starting
// with '#', strips a trailing ":line[:column]" from the file, and selects every test whose
// title path STARTS WITH the listed titles. Titles are compared exactly, so quotes, $(),
// backticks, regex characters, tabs and emoji need no escaping.
//
// What a line cannot carry: a title containing '›' or a line break, or with leading or
// trailing whitespace. Such a test is listed by the longest prefix of its title path that
// can be written, which selects its whole describe block (or file); the result mapping
// ignores tests that were not requested. A test whose project or file cannot be written
// (contains '›' or a line break; a file ending in ":digits") cannot be selected at all.
#pragma once

#include <string>
#include <vector>

#include "model/test_case.hpp"

namespace ht::runner {

struct TestList {
  std::string text;                       // the file's content, one line per selection
  std::vector<std::string> unselectable;  // test ids that no line can select
};

TestList render_test_list(const std::vector<TestRef>& tests);

}  // namespace ht::runner
