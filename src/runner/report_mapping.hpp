// Maps Playwright's JSON report (reporter "json", Playwright 1.65) to TestOutcomes.
//
// A test is matched by (project name, file relative to the project root, title path):
// report.suites[] are files (`file` relative to config.rootDir), nested suites are describe
// blocks, specs[] carry the title and one entry per project in tests[]. Status:
//   expected   -> success, or skipped when the last result was skipped (test.skip/fixme,
//                 including a conditional test.skip at run time)
//   skipped    -> skipped
//   unexpected -> failed (also timedOut)
//   flaky      -> success with flaky = true
// startDate/endDate/duration come from the last result (the last retry); the error is the
// last result's first error with ANSI escapes stripped (message and stack each cut at 16 KiB
// so a response stays far below Lambda's 6 MB limit). A test with no result, or whose last
// result is "interrupted", got no verdict (Playwright stopped before or while running it).
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/invocation.hpp"
#include "model/test_case.hpp"

namespace ht::runner {

struct ReportedTest {
  bool has_verdict = false;  // false: listed by Playwright, but never finished
  TestOutcome outcome;       // test_id, status, dates, error, flaky (artifacts not set)
  nlohmann::json entry;      // Playwright's JSON for this test: {"spec": {...}, "test": {...}}
};

// Returns the requested tests found in `report`, keyed by testId. Tests Playwright ran but
// nobody requested (a wider --test-list prefix, setup projects) are ignored. When several
// entries match one test (repeatEach), the worst outcome wins.
std::map<std::string, ReportedTest> map_playwright_report(const nlohmann::json& report,
                                                          const std::filesystem::path& project_root,
                                                          const std::vector<TestRef>& tests);

// Removes ANSI escape sequences (CSI "\x1b[...X" and OSC "\x1b]...\x07").
std::string strip_ansi(std::string_view text);

}  // namespace ht::runner
