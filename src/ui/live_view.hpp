// The live TTY view (SPEC §13): completed rows (✓ ✕ ◯ with durations) scroll above a
// status block redrawn in place with ANSI escapes: running count, a progress bar,
// passed/failed/skipped counts and elapsed time. Redrawn at most ~10 times a second (a
// ticker thread keeps the elapsed time moving). Writes to its stream (stdout); logs stay
// on stderr. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <ostream>
#include <thread>

#include "ui/events.hpp"

namespace ht::ui {

class LiveView : public EventSink {
 public:
  // `width`: terminal columns (0: ask the terminal, default 80).
  explicit LiveView(std::ostream& out, int width = 0);
  ~LiveView() override;
  LiveView(const LiveView&) = delete;
  LiveView& operator=(const LiveView&) = delete;

  void on_event(const Event& event) override;
  void close() override;

 private:
  struct State;
  void ticker();
  void redraw_locked(bool force);

  std::mutex mutex_;
  std::condition_variable wake_;
  std::ostream& out_;
  std::unique_ptr<State> state_;
  std::thread ticker_;
};

}  // namespace ht::ui
