// Logging to stderr, with secrets redacted at the source: every value registered with
// add_secret() is replaced by "****" in anything logged. Credentials are registered the
// moment they are loaded (see aws/credentials), so no log line, error or --verbose output
// can carry them.
#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>

namespace ht::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3, off = 4 };

void set_level(Level level);
Level level();

// Registers a secret (ignored when shorter than 4 characters) to redact from all output.
void add_secret(std::string_view secret);
// Returns `text` with every registered secret replaced by "****".
std::string redact(std::string_view text);

void write(Level level, std::string_view message);

template <class... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
  if (level() <= Level::debug) write(Level::debug, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
  if (level() <= Level::info) write(Level::info, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void warn(fmt::format_string<Args...> f, Args&&... args) {
  if (level() <= Level::warn) write(Level::warn, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
  if (level() <= Level::error) write(Level::error, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace ht::log
