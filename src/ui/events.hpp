// What the terminal shows, as plain events. The invoke/deploy logic emits them; the UI
// only observes (it never drives the logic). Sinks must accept events from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "report/results.hpp"

namespace ht::ui {

struct RunStarted {
  std::string run_id;
  int total = 0;        // tests to run
  int invocations = 0;  // planned invocations
  int concurrency = 1;
  std::string provider;  // "local" | "aws"
};

// An invocation was handed to the provider and is (about to be) running.
struct InvocationStarted {
  std::string invocation_id;
  int tests = 0;
  int attempt = 1;
};

struct TestFinished {
  TestResult result;
};

struct InvocationFinished {
  std::string invocation_id;
  bool ok = true;     // false: infrastructure error (its tests come as errors)
  std::string error;  // the reason when !ok
  std::int64_t duration_ms = 0;
};

// A step of deploy ("discover", "hash", "build", "push", "update", ...).
struct DeployStep {
  std::string name;               // "push"
  std::string detail;             // "done", "3 layers, 1 new"
  std::int64_t bytes = -1;        // bytes moved, -1 when not applicable
  std::int64_t duration_ms = -1;  // -1 when not applicable
};

enum class Level { info, warn, error };

struct Message {
  Level level = Level::info;
  std::string text;
};

struct RunFinished {
  TestCounts counts;
  std::string results_path;  // where hypertest.results.json was written
  std::int64_t duration_ms = 0;
  bool interrupted = false;
};

using Event =
    std::variant<RunStarted, InvocationStarted, TestFinished, InvocationFinished, DeployStep, Message, RunFinished>;

class EventSink {
 public:
  virtual ~EventSink() = default;
  // Thread-safe. Must not throw.
  virtual void on_event(const Event& event) = 0;
  // Flushes and restores the terminal (idempotent); called before the process prints its
  // final lines or exits.
  virtual void close() {}
};

}  // namespace ht::ui
