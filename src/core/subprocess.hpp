// Child processes from argument vectors, never through a shell: test titles may hold
// quotes, $(), backticks and emoji, and none of it is ever interpreted.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace ht {

enum class Stdio {
  inherit,  // the parent's stream
  null,     // /dev/null
  capture,  // collected into RunOutput (run() only)
  file,     // appended to the given file
};

struct SpawnOptions {
  std::vector<std::string> argv;               // argv[0] is looked up in PATH
  std::map<std::string, std::string> env_set;  // added to / overriding the environment
  std::vector<std::string> env_unset;          // removed from the environment
  std::filesystem::path cwd;                   // empty: the parent's
  Stdio stdin_mode = Stdio::null;
  Stdio stdout_mode = Stdio::inherit;
  Stdio stderr_mode = Stdio::inherit;
  std::filesystem::path stdout_file;
  std::filesystem::path stderr_file;
  // The child leads a new process group, so kill() reaches its descendants too
  // (Playwright's workers and browsers).
  bool new_process_group = true;
};

struct ExitStatus {
  int code = -1;   // exit code when the child exited, else -1
  int signal = 0;  // the signal that ended it, else 0
  [[nodiscard]] bool success() const { return signal == 0 && code == 0; }
  [[nodiscard]] std::string describe() const;
};

// A running child. Move-only; the destructor kills and reaps a child still running.
class Child {
 public:
  Child() = default;
  explicit Child(pid_t pid, bool group) : pid_(pid), group_(group) {}
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  Child(Child&& other) noexcept;
  Child& operator=(Child&& other) noexcept;

  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] bool running() const { return pid_ > 0 && !status_; }
  // Non-blocking check; returns the status once the child has exited.
  std::optional<ExitStatus> poll();
  // Blocks until the child exits, or until `timeout` passes (then nullopt).
  std::optional<ExitStatus> wait(std::optional<std::chrono::milliseconds> timeout = std::nullopt);
  // Sends `sig` to the child's process group (or the child alone without one).
  void kill(int sig);
  // SIGTERM, then SIGKILL after `grace`, and reap.
  ExitStatus terminate(std::chrono::milliseconds grace = std::chrono::milliseconds(2000));

 private:
  pid_t pid_ = -1;
  bool group_ = false;
  std::optional<ExitStatus> status_;
};

Result<Child> spawn(const SpawnOptions& options);

struct RunOutput {
  ExitStatus status;
  std::string out;  // with Stdio::capture
  std::string err;  // with Stdio::capture
  bool timed_out = false;
};

// Spawns, collects captured streams, waits. On timeout the process group is killed and
// timed_out is set.
Result<RunOutput> run(const SpawnOptions& options, std::optional<std::chrono::milliseconds> timeout = std::nullopt);

// Looks up `name` in PATH (or returns it if it contains a '/'); empty when not found.
std::filesystem::path find_executable(const std::string& name);

}  // namespace ht
