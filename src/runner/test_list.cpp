#include "runner/test_list.hpp"

#include <regex>
#include <set>
#include <string_view>

namespace ht::runner {

namespace {

constexpr std::string_view kSeparator = "\xE2\x80\xBA";  // U+203A '›'

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r' || c == '\n'; }

bool has_line_break(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

// Whitespace JavaScript's String.prototype.trim() removes, beyond ASCII: NBSP, BOM,
// U+1680, U+2000..U+200A, U+2028/2029, U+202F, U+205F, U+3000. Titles starting or ending
// with any of them cannot survive Playwright's trim().
bool starts_or_ends_with_js_space(std::string_view s) {
  if (s.empty()) return false;
  if (is_space(s.front()) || is_space(s.back())) return true;
  static const std::vector<std::string_view> kUnicodeSpaces = {
      "\xC2\xA0",     "\xEF\xBB\xBF", "\xE1\x9A\x80", "\xE2\x80\x80", "\xE2\x80\x81", "\xE2\x80\x82", "\xE2\x80\x83",
      "\xE2\x80\x84", "\xE2\x80\x85", "\xE2\x80\x86", "\xE2\x80\x87", "\xE2\x80\x88", "\xE2\x80\x89", "\xE2\x80\x8A",
      "\xE2\x80\xA8", "\xE2\x80\xA9", "\xE2\x80\xAF", "\xE2\x81\x9F", "\xE3\x80\x80"};
  for (auto sp : kUnicodeSpaces) {
    if (s.substr(0, sp.size()) == sp) return true;
    if (s.size() >= sp.size() && s.substr(s.size() - sp.size()) == sp) return true;
  }
  return false;
}

bool title_writable(std::string_view title) {
  return title.find(kSeparator) == std::string_view::npos && !has_line_break(title) &&
         !starts_or_ends_with_js_space(title);
}

bool project_writable(std::string_view project) {
  // Inside "[...]" the token is trimmed as a whole, so edge spaces of the name survive.
  return project.find(kSeparator) == std::string_view::npos && !has_line_break(project);
}

bool file_writable(const std::string& file) {
  static const std::regex kLocationSuffix(":\\d+:?\\d*$");
  return !file.empty() && file.find(kSeparator) == std::string::npos && !has_line_break(file) &&
         !starts_or_ends_with_js_space(file) && !std::regex_search(file, kLocationSuffix);
}

}  // namespace

TestList render_test_list(const std::vector<TestRef>& tests) {
  TestList out;
  std::set<std::string> seen;
  for (const auto& t : tests) {
    if (!project_writable(t.project) || !file_writable(t.file)) {
      out.unselectable.push_back(t.test_id);
      continue;
    }
    std::string line = "[" + t.project + "] " + std::string(kSeparator) + " " + t.file;
    for (const auto& title : t.title_path) {
      if (!title_writable(title)) break;  // select the enclosing block instead
      line += " ";
      line += kSeparator;
      line += " ";
      line += title;
    }
    if (seen.insert(line).second) {
      out.text += line;
      out.text += '\n';
    }
  }
  return out;
}

}  // namespace ht::runner
