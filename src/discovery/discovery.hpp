// Discovery: ask Playwright itself which tests exist (SPEC §5).
//
// Mechanism: one `node <@playwright/test>/cli.js test --list --reporter=json --config CFG`
// process, spawned from an argument vector in the project root, with the JSON report written
// to a temp file (PLAYWRIGHT_JSON_OUTPUT_FILE) so webServer/console noise on stdout cannot
// corrupt it (stdout is still parsed robustly as a fallback).
//
// Serial groups: Playwright (checked on 1.65.1, common/index.js) gives every test one
// annotation {type: "serial", location} per enclosing suite whose mode is serial
// (describe.configure({mode:'serial'}) or describe.serial; a file-level configure gives the
// file suite, location line 0 column 0), outermost first. The outermost serial suite is the
// unit Playwright's dispatcher keeps in one worker, so the group of a test is its project,
// file and the location of its FIRST "serial" annotation. 'default'/'parallel' modes add
// no annotation. (The report's other fields carry no mode.)
//
// Order: the JSON report lists a suite's own tests before its child suites, so tests are
// re-sorted stably by (line, column) within each file: declaration order for ordinary
// code; Playwright itself runs a serial group in declaration order regardless.
//
// Project dependencies: Playwright runs a dependency (setup) project's tests whenever a
// dependent project's test runs, also under --test-list (checked: the whole setup project
// runs, unfiltered, once per Playwright process; --no-deps turns that off), and `--list
// --project P` lists P's dependencies' tests too.
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
  std::vector<std::string> file_filters;    // positional file filters (regexes on the path), as for
                                            // `playwright test`; must not start with '-'
  // Note: Playwright lists the tests of dependency (setup) projects unfiltered by --grep
  // and file filters, as it would run them.
  std::string node = "node";  // the Node executable (looked up in PATH)
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
  // config.rootDir (the config's testDir) relative to the project root, '/'-separated, ""
  // when equal. `--test-list` lines name files relative to THIS folder, not the project
  // root: "[main] › titles.spec.ts › ..." for the test file "specs/titles.spec.ts".
  std::string root_dir;
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
//    config.rootDir (the config's testDir), re-based onto project_root (project_root is
//    made absolute lexically; no filesystem access);
//  - group = "<project>|<file>:<line>:<column>" of the outermost serial suite ("" when
//    not serial);
//  - annotations = the static annotation types except "serial" (skip, fixme, fail, slow, ...).
// Error (kind protocol) when the document is not a Playwright JSON report; Error (kind
// config) with Playwright's messages when report.errors is not empty and no test was found.
Result<DiscoveryResult> parse_list_report(const nlohmann::json& report, const std::filesystem::path& project_root);

// The first complete top-level JSON object in `text` (Playwright may print warnings or
// webServer output around it). Error when there is none.
Result<nlohmann::json> extract_json_object(const std::string& text);

}  // namespace ht
