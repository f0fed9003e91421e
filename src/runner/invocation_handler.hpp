// Runs one invocation's tests with Playwright and collects their outcomes and artifacts
// (SPEC §7, §9). Used by the runtime loop in runner_main.cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

#include "core/error.hpp"
#include "model/invocation.hpp"

namespace ht::runner {

// What the runner resolves once, at init.
struct RunnerSettings {
  std::filesystem::path project_root;       // HT_PROJECT_ROOT, else LAMBDA_TASK_ROOT, else cwd
  std::filesystem::path playwright_config;  // absolute; HT_PLAYWRIGHT_CONFIG relative to the root
  std::filesystem::path node;               // HT_NODE, else `node` from PATH
  std::filesystem::path playwright_cli;     // @playwright/test/cli.js resolved from the root
  std::filesystem::path tmp_dir;            // parent of work dirs: TMPDIR, else /tmp
  // Playwright is stopped this long before the invocation's deadline so the runner can
  // still upload artifacts and respond (HT_DEADLINE_MARGIN_MS).
  std::chrono::milliseconds deadline_margin{5000};
  bool keep_work_dir = false;  // HT_KEEP_WORK_DIR=1: leave the work dir for debugging
};

// Resolves the settings from the environment; an Error here is an init error.
Result<RunnerSettings> settings_from_env();

// Finds @playwright/test's cli.js the way Node would resolve it from `project_root`
// (node_modules of the root and its ancestors, then NODE_PATH); empty when not found.
std::filesystem::path find_playwright_cli(const std::filesystem::path& project_root);

// Runs the invocation. Never fails as a whole: every requested test gets exactly one
// outcome, in request order (status error with the reason when Playwright never reported
// it). `deadline_ms` is Unix epoch milliseconds (0: none).
InvocationResponse handle_invocation(const InvocationRequest& request, const RunnerSettings& settings,
                                     std::int64_t deadline_ms);

// SIGKILLs the process group of the Playwright run in progress, if any. Async-signal-safe:
// the runner's SIGTERM/SIGINT handler calls it so Playwright never outlives the runner.
void kill_running_playwright();

}  // namespace ht::runner
