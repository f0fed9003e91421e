// The provider interface: where invocations run. The invoke loop (commands/invoke) and the
// scheduler know only this; local/ runs runner processes against a Runtime API hosted by
// the CLI, aws/ calls Lambda Invoke.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "core/error.hpp"
#include "model/invocation.hpp"

namespace ht {

// What a provider needs to know about the run it serves.
struct RunContext {
  std::string run_id;
  std::string artifacts;                    // store root URI: "file:///abs" or "s3://bucket/prefix"
  int concurrency = 1;                      // at most this many invocations in flight
  std::filesystem::path project_root;       // folder of the Playwright config (local provider)
  std::filesystem::path playwright_config;  // relative to project_root
  std::filesystem::path runner_binary;      // hypertest-runner (local provider)
  std::chrono::milliseconds invocation_timeout{std::chrono::minutes(15)};  // deadline per invocation
  std::map<std::string, std::string> runner_env;                           // extra environment for runners
};

// The outcome of one invocation: the runner's response, or an infrastructure error
// (function error, runner crash, deadline passed, transport failure after retries).
struct InvocationOutcome {
  std::string invocation_id;
  std::variant<InvocationResponse, Error> result;
  std::string log_tail;  // last lines of the runner's log, when the provider has them
};

class Provider {
 public:
  virtual ~Provider() = default;

  [[nodiscard]] virtual std::string name() const = 0;

  // Prepares for a run: starts runner processes, opens connections.
  virtual Status start(const RunContext& context) = 0;

  // Queues an invocation. Invocations start in submission order, at most
  // `concurrency` at once.
  virtual void submit(InvocationRequest request) = 0;

  // Blocks until some invocation completes or `timeout` passes (then nullopt).
  // Every submitted invocation yields exactly one outcome.
  virtual std::optional<InvocationOutcome> wait_next(std::chrono::milliseconds timeout) = 0;

  // Abandons queued and running invocations (Ctrl-C): their outcomes are delivered as
  // errors of kind `interrupted` by later wait_next calls.
  virtual void cancel() = 0;

  // Stops runners and releases resources. Idempotent.
  virtual void stop() = 0;

  // The digest ("sha256:...") of the image the function runs now, for the drift check;
  // "" where there is no image (local provider).
  virtual Result<std::string> deployed_image_digest() { return std::string(); }

  // What one invocation costs before its first test starts (process + Playwright start-up),
  // in ms; the scheduler packs tests to amortize it.
  [[nodiscard]] virtual std::int64_t startup_estimate_ms() const { return 3000; }
};

}  // namespace ht
