// `hypertest init`: writes hypertest.config.json (prompts on a TTY, defaults otherwise).
#pragma once

#include "commands/options.hpp"

namespace ht {

int run_init(const CommandOptions& options);

}  // namespace ht
