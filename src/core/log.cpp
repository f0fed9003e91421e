#include "core/log.hpp"

#include <unistd.h>

#include <atomic>
#include <mutex>
#include <vector>

namespace ht::log {
namespace {

std::atomic<Level> g_level{Level::warn};
std::mutex g_mutex;
std::vector<std::string>& secrets() {
  static std::vector<std::string> s;
  return s;
}

}  // namespace

void set_level(Level l) { g_level = l; }
Level level() { return g_level; }

void add_secret(std::string_view secret) {
  if (secret.size() < 4) return;
  std::lock_guard lock(g_mutex);
  for (const auto& s : secrets()) {
    if (s == secret) return;
  }
  secrets().emplace_back(secret);
}

std::string redact(std::string_view text) {
  std::string out(text);
  std::lock_guard lock(g_mutex);
  for (const auto& s : secrets()) {
    for (auto pos = out.find(s); pos != std::string::npos; pos = out.find(s, pos + 4)) {
      out.replace(pos, s.size(), "****");
    }
  }
  return out;
}

void write(Level l, std::string_view message) {
  static constexpr std::string_view kNames[] = {"debug", "info", "warn", "error", ""};
  std::string line = fmt::format("[{}] {}\n", kNames[static_cast<int>(l)], redact(message));
  std::lock_guard lock(g_mutex);
  // One write(2) per line so lines from several threads never interleave.
  (void)::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace ht::log
