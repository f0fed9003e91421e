// The hypertest command line: subcommands, flags, exit codes (SPEC §3).
#pragma once

namespace ht {

// Exit codes: 0 all passed / command succeeded, 1 a test or the command failed,
// 2 usage or config error, 130 interrupted.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitInterrupted = 130;

int run_cli(int argc, char** argv);

}  // namespace ht
