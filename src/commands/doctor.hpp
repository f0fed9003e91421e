// `hypertest doctor`: checks that a run can work, one line per check (SPEC §3):
// config valid; credentials found (and from where); region; the function exists and is an
// image function (memory and timeout shown; warning below 2048 MB / 300 s); the bucket is
// reachable; the concurrency quota (Service Quotas L-B99A9384) >= concurrency (warning
// otherwise); Playwright installed in the project root. With the local provider only the
// config and Playwright checks run (plus S3 when `artifacts` is an s3:// URI).
#pragma once

#include <ostream>

#include "aws/credentials.hpp"
#include "config/config.hpp"

namespace ht {

// Lines look like "ok   credentials: environment", "warn function: memory 1024 MB < 2048 MB",
// "FAIL function: my-fn not found (ResourceNotFoundException)". Secrets never appear.
// Returns 0 when no check failed (warnings allowed), 1 otherwise.
int run_doctor(const Config& config, std::ostream& out, const aws::ChainOptions& chain = {});

}  // namespace ht
