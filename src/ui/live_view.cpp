// Live TTY view. Events only update state and queue finished rows; a ticker thread flushes
// every 100 ms (so at most ~10 redraws a second however fast events come): it erases the
// status block, prints the queued rows (they scroll up and stay), and draws the block again.
#include "ui/live_view.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "ui/plain_reporter.hpp"

namespace ht::ui {

namespace {

constexpr auto kTick = std::chrono::milliseconds(100);
constexpr const char* kSep = " \xC2\xB7 ";

int terminal_width() {
  winsize ws{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

// Number of code points (a fair width estimate for the status line, which we compose).
size_t display_length(const std::string& s) {
  size_t n = 0;
  for (char ch : s) {
    if ((static_cast<unsigned char>(ch) & 0xC0) != 0x80) ++n;
  }
  return n;
}

std::string elapsed_clock(std::chrono::steady_clock::duration d) {
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, (s % 3600) / 60, s % 60);
  return fmt::format("{:02}:{:02}", s / 60, s % 60);
}

}  // namespace

struct LiveView::State {
  bool color = true;
  int width = 80;
  bool started = false;
  bool closed = false;
  bool dirty = false;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  std::string run_id;
  int total = 0;
  int invocations = 0;
  int concurrency = 0;
  TestCounts counts;
  std::map<std::string, int> running;  // invocation id -> tests not yet reported
  std::vector<std::string> pending;    // rows to print above the status block
  std::vector<std::string> failures;   // failed/error rows, repeated in the summary
  int drawn_lines = 0;                 // lines of the status block currently on screen
  std::optional<RunFinished> finished;

  [[nodiscard]] std::string paint(const char* code, const std::string& text) const {
    return color ? fmt::format("\x1b[{}m{}\x1b[0m", code, text) : text;
  }
};

LiveView::LiveView(std::ostream& out, int width) : out_(out), state_(std::make_unique<State>()) {
  state_->color = std::getenv("NO_COLOR") == nullptr;
  state_->width = width > 0 ? width : terminal_width();
  ticker_ = std::thread([this] { ticker(); });
}

LiveView::~LiveView() { close(); }

void LiveView::on_event(const Event& event) {
  std::lock_guard<std::mutex> lock(mutex_);
  State& s = *state_;
  if (s.closed) return;
  s.dirty = true;
  if (const auto* rs = std::get_if<RunStarted>(&event)) {
    s.started = true;
    s.start = std::chrono::steady_clock::now();
    s.run_id = rs->run_id;
    s.total = rs->total;
    s.invocations = rs->invocations;
    s.concurrency = rs->concurrency;
    s.pending.push_back(
        s.paint("1", fmt::format("Running {} tests in {} invocations (concurrency {}{})", rs->total, rs->invocations,
                                 rs->concurrency, rs->provider.empty() ? "" : ", " + rs->provider)));
  } else if (const auto* is = std::get_if<InvocationStarted>(&event)) {
    s.running[is->invocation_id] = is->tests;
  } else if (const auto* tf = std::get_if<TestFinished>(&event)) {
    const TestResult& r = tf->result;
    if (auto it = s.running.find(r.invocation_id); it != s.running.end() && it->second > 0) --it->second;
    ++s.counts.total;
    std::string line = format_test_line(r);
    // The symbol is the first code point; colour it.
    const size_t sym_end = line.find(' ');
    const std::string sym = line.substr(0, sym_end);
    const std::string rest = line.substr(sym_end);
    const char* code = "32";
    switch (r.status) {
      case TestStatus::success:
        ++s.counts.success;
        if (r.flaky) ++s.counts.flaky;
        break;
      case TestStatus::failed:
        ++s.counts.failed;
        code = "31";
        break;
      case TestStatus::skipped:
        ++s.counts.skipped;
        code = "33";
        break;
      case TestStatus::error:
        ++s.counts.failed;
        ++s.counts.error;
        code = "31";
        break;
    }
    std::string row = "  " + s.paint(code, sym) + rest;
    if (r.status == TestStatus::failed || r.status == TestStatus::error) s.failures.push_back(row);
    s.pending.push_back(std::move(row));
  } else if (const auto* inv = std::get_if<InvocationFinished>(&event)) {
    s.running.erase(inv->invocation_id);
    if (!inv->ok) {
      s.pending.push_back("  " + s.paint("31", "invocation " + terminal_safe(inv->invocation_id) +
                                                   " failed: " + terminal_safe(inv->error)));
    }
  } else if (const auto* ds = std::get_if<DeployStep>(&event)) {
    s.pending.push_back(format_plain(*ds));
  } else if (const auto* msg = std::get_if<Message>(&event)) {
    const char* code = msg->level == Level::error ? "31" : msg->level == Level::warn ? "33" : "0";
    s.pending.push_back(s.paint(code, format_plain(*msg)));
  } else if (const auto* rf = std::get_if<RunFinished>(&event)) {
    s.finished = *rf;
  }
}

void LiveView::redraw_locked(bool force) {
  State& s = *state_;
  if (!s.dirty && !force) return;
  s.dirty = false;
  std::string buf;
  // Erase the status block: the cursor sits at the end of its last line.
  if (s.drawn_lines > 0) {
    buf += "\r\x1b[2K";
    for (int i = 1; i < s.drawn_lines; ++i) buf += "\x1b[1A\x1b[2K";
    s.drawn_lines = 0;
  }
  for (auto& row : s.pending) {
    buf += row;
    buf += "\x1b[K\n";
  }
  s.pending.clear();

  if (s.started && !s.finished) {
    int running = 0;
    for (const auto& [id, n] : s.running) running += n;
    const int done = s.counts.total;
    const int total = std::max(s.total, done);
    const std::string counts =
        fmt::format("{}/{} done{}{} running{}{} {}  {} {}  {} {}{}{}", done, total, kSep, running, kSep,
                    s.paint("32", "\xE2\x9C\x93"), s.counts.success, s.paint("31", "\xE2\x9C\x95"), s.counts.failed,
                    s.paint("33", "\xE2\x97\xAF"), s.counts.skipped, kSep,
                    elapsed_clock(std::chrono::steady_clock::now() - s.start));
    // Counts line, then the bar sized to the terminal.
    const std::string percent = fmt::format(" {:3}%", total > 0 ? done * 100 / total : 0);
    int bar_width = std::min(50, s.width - 2 - static_cast<int>(display_length(percent)) - 1);
    if (bar_width < 10) bar_width = 10;
    const int filled = total > 0 ? bar_width * done / total : 0;
    std::string bar = "[";
    for (int i = 0; i < bar_width; ++i) bar += i < filled ? "\xE2\x96\x88" : "\xE2\x96\x91";  // █ ░
    bar += "]" + percent;
    buf += s.paint("1", "Running") + " " + counts + "\x1b[K\n" + bar + "\x1b[K";
    s.drawn_lines = 2;
  }
  out_ << buf;
  out_.flush();
}

void LiveView::ticker() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!state_->closed) {
    wake_.wait_for(lock, kTick);
    if (state_->closed) break;
    // Keep the elapsed time moving while a run is in progress.
    redraw_locked(state_->started && !state_->finished);
  }
}

void LiveView::close() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (state_->closed) return;
    state_->closed = true;
    State& s = *state_;
    redraw_locked(true);  // flush rows, leave no status block
    if (s.drawn_lines > 0) {
      out_ << "\r\x1b[2K";
      for (int i = 1; i < s.drawn_lines; ++i) out_ << "\x1b[1A\x1b[2K";
      s.drawn_lines = 0;
    }
    if (s.finished) {
      const RunFinished& f = *s.finished;
      std::string out = "\n";
      if (!s.failures.empty()) {
        out += s.paint("31", "Failed:") + "\n";
        for (const auto& row : s.failures) out += row + "\n";
        out += "\n";
      }
      const char* code = f.counts.failed > 0 || f.interrupted ? "31" : "32";
      out += s.paint(code, format_counts(f.counts)) + " (" + format_duration(f.duration_ms) + ")" +
             (f.interrupted ? std::string(kSep) + "interrupted" : std::string()) + "\n";
      if (!f.results_path.empty()) out += "Results: " + terminal_safe(f.results_path) + "\n";
      out_ << out;
    }
    out_.flush();
  }
  wake_.notify_all();
  if (ticker_.joinable()) ticker_.join();
}

}  // namespace ht::ui
