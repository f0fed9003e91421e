// The wrapper Playwright config the runner writes into each invocation's work dir (SPEC §7).
//
// Lambda's task root is read-only, so everything Playwright writes goes under the work dir
// (/tmp). Playwright resolves relative paths in a config against the config file's folder,
// so the wrapper imports the user's config by absolute path and makes every path absolute
// (testDir of the config and of each project, snapshotDir, snapshotPathTemplate, expect
// path templates and stylePath, tsconfig, globalSetup/globalTeardown, webServer.cwd). It
// then sets: workers 1, maxFailures 0 (the scheduler splits the suite, a per-invocation
// limit means nothing), no shard, outputDir in the work dir, and the reporters: list (to the
// log), JSON to a file and blob into the work dir. The user's own reporters are dropped;
// retries, timeouts, use, projects and dependencies are kept.
//
// The top-level testDir becomes the project root, so Playwright's rootDir is the project
// root: --test-list lines and the JSON report name files relative to it, exactly like
// TestRef::file. (Each project keeps the user's testDir; only the file names shown in the
// merged HTML report gain the testDir prefix.)
//
// HT_TEST_ARTIFACTS_OUTPUT_PATH per test: env is per process and one Playwright worker
// runs every test of the invocation, so the variable is set inside the worker before each
// test. ht-fixture.cjs (imported first by the wrapper config, which Playwright loads in its
// main process and in every worker before any test file) replaces the cached exports of
// playwright/lib/index.js (what playwright/test.js, and through it `@playwright/test` and
// test.mjs, hand to users) with a copy whose `test` is
// `test.extend({ _hypertestArtifacts: [fixture, { auto: true, box: true }] })`. Every spec
// (.ts and .js, CommonJS or ESM; verified for both) thereby gets an auto fixture that maps (project, file relative to
// the project root, title path) to the requested testId, creates {work}/artifacts/{testId}/, sets process.env before
// the test body and before the user's own fixtures, and records the test's Playwright outputDir in output-dirs.jsonl so
// the runner uploads exactly that test's files. Hooks that run outside a test (beforeAll/afterAll) see the folder of
// the test that triggered them or, before the first test, the invocation's shared folder ({work}/artifacts-shared). The
// same file also guards against orphaning: when the process that started Playwright goes away (the runner was killed),
// Playwright interrupts itself and exits.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "model/test_case.hpp"

namespace ht::runner {

struct WrapperPaths {
  std::filesystem::path work_dir;
  std::filesystem::path config;                // the wrapper config to pass to --config
  std::filesystem::path test_list;             // the file to pass to --test-list
  std::filesystem::path json_report;           // Playwright's JSON report
  std::filesystem::path blob_report;           // the blob report zip
  std::filesystem::path output_dir;            // Playwright's outputDir (per-test folders inside)
  std::filesystem::path artifacts_dir;         // {work}/artifacts/{testId}/ = HT_TEST_ARTIFACTS_OUTPUT_PATH
  std::filesystem::path shared_artifacts_dir;  // HT_TEST_ARTIFACTS_OUTPUT_PATH outside of tests
  std::filesystem::path output_dirs_file;      // JSON lines {"testId","outputDir"} written by the fixture
  std::vector<std::string> unselectable;       // test ids no --test-list line can select
};

// True when the user's config must be loaded as an ES module (.mjs/.mts, or .js/.ts in a
// package whose nearest package.json says "type": "module").
bool config_is_esm(const std::filesystem::path& user_config);

// Writes the wrapper config, its helpers and the test list into `work_dir`.
Result<WrapperPaths> write_playwright_wrapper(const std::filesystem::path& work_dir,
                                              const std::filesystem::path& project_root,
                                              const std::filesystem::path& user_config,
                                              const std::vector<TestRef>& tests);

}  // namespace ht::runner
