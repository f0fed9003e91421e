// The local provider (SPEC §1, §2): runs `concurrency` hypertest-runner processes on this
// machine against a Lambda Runtime API hosted on 127.0.0.1 (runtime_api_host.hpp), so a
// local run exercises the exact runtime loop that runs in Lambda.
//
// Each runner gets the environment Lambda would give it (AWS_LAMBDA_RUNTIME_API,
// AWS_LAMBDA_FUNCTION_NAME=hypertest-local, AWS_LAMBDA_FUNCTION_VERSION=$LATEST,
// AWS_LAMBDA_LOG_GROUP_NAME, AWS_LAMBDA_LOG_STREAM_NAME, LAMBDA_TASK_ROOT) plus
// HT_PROJECT_ROOT, HT_PLAYWRIGHT_CONFIG and RunContext::runner_env (which wins). Its
// stdout/stderr go to a log file in a temp dir; the last 4 KiB become
// InvocationOutcome::log_tail, like Lambda's LogResult.
//
// A watchdog (every 50 ms) keeps the run going:
// - a runner that dies while holding an invocation: that invocation's outcome is an Error
//   ("runner exited with ... while running invocation X") and a replacement starts;
// - an invocation past its deadline (RunContext::invocation_timeout after the runner took
//   it, plus 1 s): its runner is killed, the outcome is an Error, a replacement starts;
// - a runner that posted init/error (or died three times before asking for work) is not
//   replaced; when every runner has failed, queued and later invocations fail with that
//   runner's init error instead of waiting forever.
// cancel() fails queued and running invocations with ErrorKind::interrupted and kills the
// runners; stop() does the same for whatever is left and shuts the host down. Every
// submitted invocation yields exactly one outcome.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/subprocess.hpp"
#include "providers/local/runtime_api_host.hpp"
#include "providers/provider.hpp"

namespace ht {

class LocalProvider final : public Provider {
 public:
  LocalProvider() = default;
  ~LocalProvider() override;
  LocalProvider(const LocalProvider&) = delete;
  LocalProvider& operator=(const LocalProvider&) = delete;

  [[nodiscard]] std::string name() const override { return "local"; }
  // Needs context.runner_binary, project_root, concurrency >= 1; playwright_config may be
  // empty (the runner then looks for playwright.config.ts/.js/.mjs).
  Status start(const RunContext& context) override;
  void submit(InvocationRequest request) override;
  std::optional<InvocationOutcome> wait_next(std::chrono::milliseconds timeout) override;
  void cancel() override;
  void stop() override;

  // Diagnostics (and tests): the pids of the live runner processes, the runner holding an
  // invocation, and the folder with the runners' logs (removed by stop()).
  [[nodiscard]] std::vector<pid_t> runner_pids() const;
  [[nodiscard]] std::optional<pid_t> runner_pid_for(const std::string& invocation_id) const;
  [[nodiscard]] std::filesystem::path log_dir() const { return log_dir_; }

 private:
  struct Runner {
    Child child;
    std::filesystem::path log_file;
    int early_exits = 0;  // exits before asking for work, in a row
    bool failed = false;  // not replaced any more
    std::optional<Error> failure;
  };

  Status spawn_runner(int env);
  void watchdog_loop();
  void watch_once();
  void kill_all_runners();
  std::string log_tail(int env) const;

  RunContext context_;
  std::filesystem::path log_dir_;
  std::unique_ptr<local::RuntimeApiHost> host_;
  mutable std::mutex runners_mu_;
  std::vector<Runner> runners_;
  std::thread watchdog_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> cancelled_{false};
  std::atomic<bool> all_failed_{false};
  std::optional<Error> all_failed_error_;  // guarded by runners_mu_
  bool stopped_ = false;
};

// The provider named {"type": "local"} in the config (the default).
std::unique_ptr<Provider> make_local_provider();

}  // namespace ht
