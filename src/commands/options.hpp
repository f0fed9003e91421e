// What the command line gives every subcommand, as one plain value.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace ht {

struct CommandOptions {
  ConfigOverrides overrides;
  bool quiet = false;
  bool verbose = false;
  bool dry_run = false;
  std::vector<std::string> grep;          // --grep, Playwright's regex syntax
  std::vector<std::string> projects;      // --project (narrows testRunner.projects)
  std::vector<std::string> file_filters;  // positional: as for `playwright test`
  bool no_html = false;                   // --no-html-report
  bool force = false;                     // init --force
};

}  // namespace ht
