#include "commands/cli.hpp"

namespace ht {

int run_cli(int /*argc*/, char** /*argv*/) { return kExitUsage; }

}  // namespace ht
