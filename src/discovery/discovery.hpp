// Discovery: ask Playwright itself which tests exist (SPEC §5).
//
// Mechanism: one `node <@playwright/test>/cli.js test --list --config CFG --reporter=json,<ours>`
// process, spawned from an argument vector in the project root.
//  - Playwright's own JSON reporter (written to a file through PLAYWRIGHT_JSON_OUTPUT_FILE)
//    gives every test of every project: file, describe nesting, title, line/column and the
//    static annotations (skip/fixme/fail/slow).
//  - The JSON report does not say which describes are serial. A tiny list reporter shipped
//    inside hypertest (written to a temp dir, see list_reporter_source()) walks the suite tree
//    in onBegin and writes, for every test in a serial describe, the title path of the
//    OUTERMOST serial ancestor (`suite._parallelMode === 'serial'`: set by
//    describe.configure({mode:'serial'}) and describe.serial; 'default'/'parallel'/'none' are
//    not serial). This is the same unit Playwright's dispatcher keeps in one worker
//    (runner/index.js, outermostSerialSuite). It also writes each project's `dependencies`
//    (public FullProject field). Checked on @playwright/test 1.65.1.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/error.hpp"
#include "model/test_case.hpp"

namespace ht {

struct DiscoveryOptions {
  std::filesystem::path project_root;       // folder of the Playwright config; cwd of Playwright
  std::filesystem::path playwright_config;  // relative to project_root ("playwright.config.ts")
  std::vector<std::string> projects;        // --project P (empty: all projects)
  std::vector<std::string> grep;            // --grep G (Playwright regex syntax)
  std::vector<std::string> file_filters;    // positional file filters, as for `playwright test`
  std::string node = "node";                // the Node executable (looked up in PATH)
};

// One Playwright project as the config defines it.
struct ProjectInfo {
  std::string name;
  std::vector<std::string> dependencies;  // names of projects that must run first (setup projects)
  std::string teardown;                   // name of its teardown project, "" when none
};

struct DiscoveryResult {
  std::vector<TestCase> tests;        // in Playwright's order (file, then declaration order)
  std::vector<ProjectInfo> projects;  // every project of the config (filtered by --project)
  std::string playwright_version;     // config.version of the JSON report ("1.65.1")
};

// Where Playwright is installed for this project: the cli.js of @playwright/test resolved
// from project_root the way Node would (node_modules of the root and its parents).
// Error "Playwright not found in <root>: run npm install" when absent.
Result<std::filesystem::path> find_playwright_cli(const std::filesystem::path& project_root);

// Runs Playwright's list mode (see the file comment). A broken config is an Error carrying
// Playwright's own message; never a crash. Filters narrow the list the same way they would
// narrow `playwright test`.
Result<DiscoveryResult> discover_tests(const DiscoveryOptions& options);

// Pure: turns Playwright's `--list --reporter=json` report into tests.
//  - every project, nested describes; titlePath excludes the project and the file;
//  - files relative to project_root ('/'-separated); the report's paths are relative to
//    config.rootDir (the config's testDir), which is re-based onto project_root;
//  - serial_info: the document written by our list reporter ({"projects": [...],
//    "serial": [{"project","file"(absolute),"titlePath","group"}]}); pass an empty/null json
//    when not available (then no groups and projects come from the report's config).
// The group of a test is "<project>\x1f<file>\x1f<describe titles...>" of its outermost
// serial describe ("" when not serial): equal for all tests of the group, in order.
Result<DiscoveryResult> parse_list_report(const nlohmann::json& report,
                                          const std::filesystem::path& project_root,
                                          const nlohmann::json& serial_info);

// The first complete top-level JSON object in `text` (Playwright may print warnings or
// webServer output around it). Error when there is none.
Result<nlohmann::json> extract_json_object(const std::string& text);

// The JavaScript source of hypertest's list reporter (see the file comment).
const char* list_reporter_source();

}  // namespace ht
