// JUnit XML writer; the layout is described in junit.hpp.
#include "report/junit.hpp"

#include <cstdint>
#include <map>
#include <tuple>

#include <fmt/format.h>

namespace ht {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Removes ANSI escape sequences (Playwright colours its error messages): CSI sequences
// "ESC [ params final" and two-byte "ESC x" sequences.
std::string strip_ansi(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\x1b') {
      out += s[i];
      continue;
    }
    if (i + 1 < s.size() && s[i + 1] == '[') {
      size_t j = i + 2;
      while (j < s.size() && (static_cast<unsigned char>(s[j]) < 0x40 || static_cast<unsigned char>(s[j]) > 0x7e)) ++j;
      i = j;  // the final byte (or the end)
    } else if (i + 1 < s.size()) {
      ++i;
    }
  }
  return out;
}

// Length of the valid UTF-8 sequence at s[i] whose code point XML 1.0 allows, else 0.
size_t valid_xml_char(std::string_view s, size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    return (b0 >= 0x20 || b0 == '\t' || b0 == '\n' || b0 == '\r') ? 1 : 0;
  }
  size_t len = 0;
  std::uint32_t cp = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    cp = b0 & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len]) return 0;                // overlong
  if (cp >= 0xD800 && cp <= 0xDFFF) return 0;  // surrogates
  if (cp == 0xFFFE || cp == 0xFFFF || cp > 0x10FFFF) return 0;
  return len;
}

std::string seconds(std::int64_t ms) { return fmt::format("{:.3f}", static_cast<double>(ms) / 1000.0); }

std::string first_line(const std::string& s) {
  const size_t nl = s.find('\n');
  return nl == std::string::npos ? s : s.substr(0, nl);
}

}  // namespace

namespace {

// attribute: also encode tab/LF/CR, which attribute-value normalization would turn into
// spaces; element text keeps them raw.
std::string escape(std::string_view text, bool attribute) {
  std::string out;
  out.reserve(text.size() + 16);
  for (size_t i = 0; i < text.size();) {
    const size_t len = valid_xml_char(text, i);
    if (len == 0) {
      out += kReplacement;
      ++i;
      continue;
    }
    if (len == 1) {
      switch (text[i]) {
        case '&':
          out += "&amp;";
          break;
        case '<':
          out += "&lt;";
          break;
        case '>':
          out += "&gt;";
          break;
        case '"':
          out += "&quot;";
          break;
        case '\'':
          out += "&apos;";
          break;
        case '\t':
          out += attribute ? "&#9;" : "\t";
          break;
        case '\n':
          out += attribute ? "&#10;" : "\n";
          break;
        case '\r':
          out += "&#13;";
          break;  // a raw CR would be read back as LF
        default:
          out += text[i];
      }
    } else {
      out.append(text.substr(i, len));
    }
    i += len;
  }
  return out;
}

std::string xml_text(std::string_view text) { return escape(text, false); }

}  // namespace

std::string xml_escape(std::string_view text) { return escape(text, true); }

std::string results_to_junit(const RunResults& results) {
  struct Suite {
    std::vector<const TestResult*> tests;
    int failures = 0;
    int errors = 0;
    int skipped = 0;
    std::int64_t ms = 0;
    std::string first_start;
  };
  // (project, file) in first-appearance order.
  std::vector<std::pair<std::string, std::string>> order;
  std::map<std::pair<std::string, std::string>, Suite> suites;
  for (const auto& r : results.test_results) {
    auto key = std::make_pair(r.project, r.file_path);
    auto [it, inserted] = suites.try_emplace(key);
    if (inserted) order.push_back(key);
    Suite& s = it->second;
    s.tests.push_back(&r);
    s.ms += r.duration_ms;
    if (s.first_start.empty() || (!r.start_date.empty() && r.start_date < s.first_start)) {
      s.first_start = r.start_date;
    }
    if (r.status == TestStatus::failed) ++s.failures;
    if (r.status == TestStatus::error) ++s.errors;
    if (r.status == TestStatus::skipped) ++s.skipped;
  }
  const TestCounts c = count_results(results.test_results);

  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  x += fmt::format(
      "<testsuites name=\"hypertest\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{}\">\n",
      c.total, c.failed - c.error, c.error, c.skipped, seconds(results.duration_ms));
  for (const auto& key : order) {
    const Suite& s = suites[key];
    const std::string name = key.first.empty() ? key.second : key.first + " \xE2\x80\xBA " + key.second;
    x += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{}\"",
                     xml_escape(name), s.tests.size(), s.failures, s.errors, s.skipped, seconds(s.ms));
    if (!s.first_start.empty()) x += fmt::format(" timestamp=\"{}\"", xml_escape(s.first_start));
    x += ">\n";
    for (const TestResult* r : s.tests) {
      x += fmt::format("    <testcase name=\"{}\" classname=\"{}\" time=\"{}\"", xml_escape(r->name),
                       xml_escape(r->file_path), seconds(r->duration_ms));
      const bool has_body = r->status != TestStatus::success;
      if (!has_body) {
        x += "/>\n";
        continue;
      }
      x += ">\n";
      const std::string message = r->error ? strip_ansi(r->error->message) : std::string();
      const std::string stack = r->error ? strip_ansi(r->error->stack_trace) : std::string();
      const std::string body = stack.empty() ? message : (message.empty() ? stack : message + "\n" + stack);
      switch (r->status) {
        case TestStatus::failed:
          x += fmt::format("      <failure message=\"{}\" type=\"failure\">{}</failure>\n",
                           xml_escape(first_line(message)), xml_text(body));
          break;
        case TestStatus::error:
          x += fmt::format("      <error message=\"{}\" type=\"error\">{}</error>\n", xml_escape(first_line(message)),
                           xml_text(body));
          break;
        case TestStatus::skipped:
          x += message.empty() ? "      <skipped/>\n"
                               : fmt::format("      <skipped message=\"{}\"/>\n", xml_escape(first_line(message)));
          break;
        case TestStatus::success:
          break;
      }
      if (!r->artifacts.empty()) {
        x += fmt::format("      <system-out>artifacts: {}</system-out>\n", xml_text(r->artifacts));
      }
      x += "    </testcase>\n";
    }
    x += "  </testsuite>\n";
  }
  x += "</testsuites>\n";
  return x;
}

}  // namespace ht
