// One plain line per event (SPEC §13), for --quiet and non-TTY output:
//   [run:start] 30 tests · 9 invocations · concurrency 2 · local · run 20261126-...
//   [invocation:start] inv-0003 (4 tests)
//   [test:end] ✓ [chromium] home.spec.ts › nav › opens the menu (2.3s)
//   [invocation:end] inv-0003 (5.1s)          or  [invocation:end] inv-0003 error: reason
//   [deploy] push done 12.4 MB (1.2s)
//   [warn] text
//   [run:end] 14 tests · 12 passed · 0 skipped · 2 failed (31.0s) · results: path
// Symbols: ✓ success (" · flaky" appended when flaky), ✕ failed, ◯ skipped, ✕ error
// (" · error: <first line of the reason>" appended). The project is shown in brackets when it
// is not empty. Control characters in titles and messages are shown escaped (\t, \n,
// \x1b, ...) so a title can never move the cursor or split a line.
#pragma once

#include <mutex>
#include <ostream>
#include <string>
#include <string_view>

#include "ui/events.hpp"

namespace ht::ui {

// Formats one event as its line (no trailing newline). Pure; exposed for tests.
std::string format_plain(const Event& event);

// "2.3s", "450ms", "1m 05s", "1h 02m"
std::string format_duration(std::int64_t ms);

// "12.4 MB", "900 B" (decimal units)
std::string format_bytes(std::int64_t bytes);

// "✓ [chromium] tests/a.spec.ts › describe › title (2.3s)" (+ " · flaky" / " · error: ...")
std::string format_test_line(const TestResult& result);

// "14 tests · 12 passed · 0 skipped · 2 failed" (+ " · 1 flaky" when any)
std::string format_counts(const TestCounts& counts);

// Escapes C0 control characters and DEL as \t, \n, \r or \xNN; other text is unchanged.
std::string terminal_safe(std::string_view text);

class PlainReporter : public EventSink {
 public:
  explicit PlainReporter(std::ostream& out);
  void on_event(const Event& event) override;
  void close() override;

 private:
  std::mutex mutex_;
  std::ostream& out_;
};

}  // namespace ht::ui
