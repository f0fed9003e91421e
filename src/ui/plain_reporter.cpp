// Plain line reporter; line formats are listed in plain_reporter.hpp.
#include "ui/plain_reporter.hpp"

#include <fmt/format.h>

namespace ht::ui {

namespace {

constexpr const char* kSep = " \xC2\xB7 ";        // " · "
constexpr const char* kArrow = " \xE2\x80\xBA ";  // " › "

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

std::string first_line(const std::string& s) {
  const size_t nl = s.find('\n');
  std::string line = nl == std::string::npos ? s : s.substr(0, nl);
  if (line.size() > 200) line = line.substr(0, 200) + "...";
  return line;
}

const char* symbol(TestStatus s) {
  switch (s) {
    case TestStatus::success:
      return "\xE2\x9C\x93";  // ✓
    case TestStatus::failed:
      return "\xE2\x9C\x95";  // ✕
    case TestStatus::skipped:
      return "\xE2\x97\xAF";  // ◯
    case TestStatus::error:
      return "\xE2\x9C\x95";  // ✕
  }
  return "?";
}

}  // namespace

std::string terminal_safe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += ch;
    }
  }
  return out;
}

std::string format_duration(std::int64_t ms) {
  if (ms < 0) ms = 0;
  if (ms < 1000) return fmt::format("{}ms", ms);
  if (ms < 60'000) return fmt::format("{:.1f}s", static_cast<double>(ms) / 1000.0);
  const std::int64_t s = ms / 1000;
  if (s < 3600) return fmt::format("{}m {:02}s", s / 60, s % 60);
  return fmt::format("{}h {:02}m", s / 3600, (s % 3600) / 60);
}

std::string format_bytes(std::int64_t bytes) {
  if (bytes < 1000) return fmt::format("{} B", bytes);
  const char* units[] = {"kB", "MB", "GB", "TB"};
  double v = static_cast<double>(bytes);
  int u = -1;
  while (v >= 1000.0 && u < 3) {
    v /= 1000.0;
    ++u;
  }
  return fmt::format("{:.1f} {}", v, units[u]);
}

std::string format_test_line(const TestResult& r) {
  std::string line = symbol(r.status);
  line += ' ';
  if (!r.project.empty()) line += "[" + terminal_safe(r.project) + "] ";
  line += terminal_safe(r.file_path);
  for (const auto& t : r.title_path) {
    line += kArrow;
    line += terminal_safe(t);
  }
  if (r.title_path.empty() && !r.name.empty()) {
    line += kArrow;
    line += terminal_safe(r.name);
  }
  line += " (" + format_duration(r.duration_ms) + ")";
  if (r.status == TestStatus::success && r.flaky) line += std::string(kSep) + "flaky";
  if (r.status == TestStatus::error) {
    line += std::string(kSep) + "error";
    if (r.error && !r.error->message.empty()) line += ": " + terminal_safe(first_line(r.error->message));
  }
  return line;
}

std::string format_counts(const TestCounts& c) {
  std::string s = fmt::format("{} tests{}{} passed{}{} skipped{}{} failed", c.total, kSep, c.success, kSep, c.skipped,
                              kSep, c.failed);
  if (c.flaky > 0) s += fmt::format("{}{} flaky", kSep, c.flaky);
  return s;
}

std::string format_plain(const Event& event) {
  return std::visit(
      Overloaded{
          [](const RunStarted& e) {
            std::string s = fmt::format("[run:start] {} tests{}{} invocations{}concurrency {}", e.total, kSep,
                                        e.invocations, kSep, e.concurrency);
            if (!e.provider.empty()) s += kSep + terminal_safe(e.provider);
            if (!e.run_id.empty()) s += std::string(kSep) + "run " + terminal_safe(e.run_id);
            return s;
          },
          [](const InvocationStarted& e) {
            std::string s = fmt::format("[invocation:start] {} ({} test{})", terminal_safe(e.invocation_id), e.tests,
                                        e.tests == 1 ? "" : "s");
            if (e.attempt > 1) s += fmt::format("{}attempt {}", kSep, e.attempt);
            return s;
          },
          [](const TestFinished& e) { return "[test:end] " + format_test_line(e.result); },
          [](const InvocationFinished& e) {
            std::string s = "[invocation:end] " + terminal_safe(e.invocation_id);
            if (!e.ok) s += " error: " + terminal_safe(first_line(e.error));
            return s + " (" + format_duration(e.duration_ms) + ")";
          },
          [](const DeployStep& e) {
            std::string s = "[deploy] " + terminal_safe(e.name);
            if (!e.detail.empty()) s += " " + terminal_safe(e.detail);
            if (e.bytes >= 0) s += " " + format_bytes(e.bytes);
            if (e.duration_ms >= 0) s += " (" + format_duration(e.duration_ms) + ")";
            return s;
          },
          [](const Message& e) {
            const char* tag = e.level == Level::error ? "[error] " : e.level == Level::warn ? "[warn] " : "[info] ";
            return tag + terminal_safe(e.text);
          },
          [](const RunFinished& e) {
            std::string s = "[run:end] " + format_counts(e.counts);
            s += " (" + format_duration(e.duration_ms) + ")";
            if (e.interrupted) s += std::string(kSep) + "interrupted";
            if (!e.results_path.empty()) s += std::string(kSep) + "results: " + terminal_safe(e.results_path);
            return s;
          },
      },
      event);
}

PlainReporter::PlainReporter(std::ostream& out) : out_(out) {}

void PlainReporter::on_event(const Event& event) {
  std::string line = format_plain(event);
  line += '\n';
  std::lock_guard<std::mutex> lock(mutex_);
  out_ << line;
  out_.flush();
}

void PlainReporter::close() {
  std::lock_guard<std::mutex> lock(mutex_);
  out_.flush();
}

}  // namespace ht::ui
