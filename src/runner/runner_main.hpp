// Entry of hypertest-runner: the Lambda custom runtime loop (see runner/runtime_client.hpp).
//
// Environment: AWS_LAMBDA_RUNTIME_API (required: "host:port" of the Runtime API),
// HT_PROJECT_ROOT (default LAMBDA_TASK_ROOT, then cwd), HT_PLAYWRIGHT_CONFIG (relative to
// the root; default playwright.config.ts, then .js/.mjs), HT_NODE, HT_PLAYWRIGHT_CLI,
// HT_DEADLINE_MARGIN_MS (default 5000), HT_NEXT_GIVE_UP_MS (default 10000: how long `next` may
// fail in a row before the runner concludes the API is gone), HT_KEEP_WORK_DIR=1,
// HT_LOG_LEVEL (debug|info|warn|error).
//
// Init: resolves the project root, the Playwright config, node and @playwright/test; a
// failure is posted to init/error and the runner exits with code 1. Then it loops: `next`,
// run the invocation's tests, post the InvocationResponse to `response` (or a payload it
// cannot parse to `error`). Transient failures of `next` are retried with backoff; when the
// Runtime API stays unreachable (the local host shut down) or answers 500 (container
// error), the runner exits (code 0 when the API went away, 1 on a container error).
#pragma once

namespace ht::runner {

int runner_main(int argc, char** argv);

}  // namespace ht::runner
