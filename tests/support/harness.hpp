// Helpers for integration tests: run the real binaries from argument vectors, copy fixture
// projects into temp folders with the example's node_modules linked in, run Playwright
// itself for comparison.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/fs.hpp"

namespace ht::testing {

std::filesystem::path source_dir();
std::filesystem::path binary_dir();
std::filesystem::path hypertest_binary();
std::filesystem::path runner_binary();

struct CliRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `hypertest ARGS...` in `cwd` (stdout/stderr captured, so the CLI is in plain mode).
CliRun run_hypertest(const std::vector<std::string>& args, const std::filesystem::path& cwd,
                     const std::map<std::string, std::string>& env = {},
                     std::chrono::seconds timeout = std::chrono::seconds(600));

// Copies `fixture` (a Playwright project folder) to `dest` and symlinks node_modules to
// examples/basic/node_modules (installed by scripts/setup.sh). Adds a test failure naming
// what is missing when Playwright or Debian's chromium is not installed.
void copy_fixture_to(const std::filesystem::path& fixture, const std::filesystem::path& dest);

// copy_fixture_to a new temp dir.
fs::TempDir copy_project(const std::filesystem::path& fixture);

// Runs `playwright test --reporter=json --workers=N` in `project` and returns the report.
nlohmann::json run_playwright_json(const std::filesystem::path& project, int workers,
                                   const std::vector<std::string>& extra_args = {});

// Outcome per test from Playwright's JSON report, keyed by key_of(project, file, titlePath)
// with the file relative to `project_root`, mapped to hypertest's words
// (success/failed/skipped). A test listed twice appears under "#dup:" keys.
std::map<std::string, std::string> playwright_outcomes(const nlohmann::json& report,
                                                       const std::filesystem::path& project_root);

// Outcome per test from hypertest.results.json, same keys.
std::map<std::string, std::string> hypertest_outcomes(const nlohmann::json& results);

std::string key_of(const std::string& project, const std::string& file, const std::vector<std::string>& title_path);

nlohmann::json read_json(const std::filesystem::path& file);

}  // namespace ht::testing
