// Wall-clock timestamps as ISO 8601 UTC strings with milliseconds ("2026-11-26T21:11:36.123Z").
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace ht {

std::string iso8601(std::chrono::system_clock::time_point t);
std::string iso8601_now();
// Milliseconds since the epoch of an ISO 8601 string as written by iso8601 (or Playwright's
// "startTime"); 0 when it cannot be parsed.
std::int64_t parse_iso8601_ms(const std::string& s);

}  // namespace ht
