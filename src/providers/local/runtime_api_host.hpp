// The Lambda Runtime API (2018-06-01), hosted on 127.0.0.1 for the local provider, so local
// runs exercise the exact runtime loop that runs in Lambda. Reference: AWS's published
// description (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html) and its
// OpenAPI file (runtime-api.zip), with the error types of AWS's runtime interface emulator.
//
// Like Lambda, every execution environment (one runner process) gets its own Runtime API
// endpoint: each environment is one cpp-httplib server on an ephemeral port, so the host
// always knows which runner holds which invocation. All environments share one FIFO queue.
//
//   GET  /2018-06-01/runtime/invocation/next        200 + payload; headers
//        Lambda-Runtime-Aws-Request-Id (= invocationId), Lambda-Runtime-Deadline-Ms
//        (now + invocation timeout, Unix ms), Lambda-Runtime-Invoked-Function-Arn,
//        Lambda-Runtime-Trace-Id. Blocks until an invocation is queued. 403
//        InvalidStateTransition while the environment still holds an invocation;
//        500 when the host shuts down (the runtime should exit).
//   POST /2018-06-01/runtime/invocation/{id}/response   202 {"status":"OK"}; 400
//        InvalidRequestID (not this environment's invocation); 403 InvalidStateTransition
//        (already answered); 413 RequestEntityTooLarge (> 6291556 bytes, Lambda's limit).
//   POST /2018-06-01/runtime/invocation/{id}/error      202; 400; 403 as above. The body
//        {"errorMessage","errorType","stackTrace"} (or, when unreadable, the
//        Lambda-Runtime-Function-Error-Type header) becomes an Error outcome.
//   POST /2018-06-01/runtime/init/error                 202; 403 InvalidStateTransition
//        after the environment asked for work. Marks the environment's init as failed.
// Errors are {"errorMessage","errorType"} JSON.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "model/invocation.hpp"
#include "providers/provider.hpp"

namespace httplib {
class Server;
}

namespace ht::local {

class RuntimeApiHost {
 public:
  struct Options {
    std::chrono::milliseconds invocation_timeout{std::chrono::minutes(15)};
    std::string function_arn = "arn:aws:lambda:local:000000000000:function:hypertest-local";
    std::size_t max_response_bytes = 6291556;  // Lambda's synchronous payload limit
    int threads_per_environment = 3;           // a long poll, a post, one spare
  };

  // What the host knows about one environment's protocol state.
  struct EnvironmentState {
    bool initialized = false;                  // has asked for work (`next`)
    std::optional<std::string> invocation_id;  // the invocation it holds
    std::chrono::system_clock::time_point deadline{};
    std::optional<Error> init_error;  // posted to init/error
  };

  explicit RuntimeApiHost(Options options);
  ~RuntimeApiHost();
  RuntimeApiHost(const RuntimeApiHost&) = delete;
  RuntimeApiHost& operator=(const RuntimeApiHost&) = delete;

  // Starts one more endpoint on 127.0.0.1 (ephemeral port); returns its index.
  Result<int> add_environment();
  // "127.0.0.1:PORT": the value of AWS_LAMBDA_RUNTIME_API for that environment's runner.
  [[nodiscard]] std::string address(int env) const;

  // Queues an invocation (FIFO).
  void submit(InvocationRequest request);
  // The next completed invocation, or nullopt after `timeout`.
  std::optional<InvocationOutcome> wait_outcome(std::chrono::milliseconds timeout);
  // Delivers an outcome produced outside the protocol (runner crash, deadline, cancel).
  void push_outcome(InvocationOutcome outcome);

  [[nodiscard]] EnvironmentState state(int env) const;
  [[nodiscard]] std::size_t environment_count() const;
  // Ends the invocation `env` holds, if any, with `error`; returns its id.
  std::optional<std::string> abort_current(int env, const Error& error, const std::string& log_tail);
  // A new runner process now serves `env`: forget init state (the invocation was aborted).
  void reset_environment(int env);
  // Fails every queued invocation with `error`; returns how many.
  std::size_t fail_pending(const Error& error);
  [[nodiscard]] std::size_t pending() const;

  // Called for each protocol-produced outcome to attach the runner's log tail.
  void set_log_tail_source(std::function<std::string(int env)> source);

  // Wakes long polls (they get 500) and stops every endpoint. Idempotent.
  void shutdown();

 private:
  struct Queued {
    InvocationRequest request;
    std::string payload;
  };
  struct Environment {
    std::unique_ptr<httplib::Server> server;
    std::thread thread;
    int port = 0;
    EnvironmentState state;
    std::string payload;                       // of the invocation it holds
    std::optional<std::string> last_answered;  // request id answered last (for 403 vs 400)
  };

  void install_routes(int env, httplib::Server& server);
  void complete(int env, InvocationOutcome outcome);

  Options options_;
  mutable std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable outcome_cv_;
  std::deque<Queued> queue_;
  std::deque<InvocationOutcome> outcomes_;
  std::vector<std::unique_ptr<Environment>> envs_;
  std::function<std::string(int)> log_tail_source_;
  bool shutting_down_ = false;
};

}  // namespace ht::local
