// `hypertest invoke`: run id -> manifest -> drift check -> schedule -> invoke in parallel ->
// collect -> results + reports (SPEC §1, §6, §8, §12).
#pragma once

#include "commands/options.hpp"

namespace ht {

// Returns the process exit code (0 all passed, 1 a test failed or the run failed,
// 2 usage/config/drift error, 130 interrupted).
int run_invoke(const CommandOptions& options);

}  // namespace ht
