#include "runner/report_mapping.hpp"

#include <chrono>
#include <cmath>
#include <system_error>

#include "core/clock.hpp"

namespace ht::runner {

namespace stdfs = std::filesystem;

namespace {

std::string key_of(const std::string& project, const std::string& file, const std::vector<std::string>& titles) {
  std::string k = project;
  k += '\0';
  k += file;
  for (const auto& t : titles) {
    k += '\0';
    k += t;
  }
  return k;
}

std::string str(const nlohmann::json& j, const char* name) {
  if (!j.is_object() || !j.contains(name) || !j[name].is_string()) return {};
  return j[name].get<std::string>();
}

// The file as TestRef names it: relative to the project root, '/'-separated.
std::string project_relative(const stdfs::path& root_dir, const std::string& file, const stdfs::path& project_root) {
  stdfs::path abs = stdfs::path(file).is_absolute() ? stdfs::path(file) : root_dir / file;
  stdfs::path rel = abs.lexically_normal().lexically_relative(project_root.lexically_normal());
  if (rel.empty() || *rel.begin() == "..") {
    std::error_code ec;
    auto a = stdfs::weakly_canonical(abs, ec);
    auto r = stdfs::weakly_canonical(project_root, ec);
    if (!ec) rel = a.lexically_relative(r);
  }
  return rel.generic_string();
}

int rank(const ReportedTest& t) {
  if (!t.has_verdict) return 4;
  switch (t.outcome.status) {
    case TestStatus::error:
      return 5;
    case TestStatus::failed:
      return 3;
    case TestStatus::success:
      return t.outcome.flaky ? 2 : 1;
    case TestStatus::skipped:
      return 0;
  }
  return 0;
}

ReportedTest map_test(const nlohmann::json& spec, const nlohmann::json& test) {
  ReportedTest r;
  nlohmann::json spec_copy = spec;
  spec_copy.erase("tests");
  r.entry = {{"spec", spec_copy}, {"test", test}};
  const nlohmann::json results =
      test.contains("results") && test["results"].is_array() ? test["results"] : nlohmann::json::array();
  if (results.empty()) return r;
  const nlohmann::json& last = results.back();
  const std::string result_status = str(last, "status");
  if (result_status == "interrupted") return r;
  r.has_verdict = true;

  const std::string status = str(test, "status");
  if (status == "skipped") {
    r.outcome.status = TestStatus::skipped;
  } else if (status == "expected") {
    r.outcome.status = result_status == "skipped" ? TestStatus::skipped : TestStatus::success;
  } else if (status == "flaky") {
    r.outcome.status = TestStatus::success;
    r.outcome.flaky = true;
  } else {
    r.outcome.status = TestStatus::failed;
  }

  const std::string start = str(last, "startTime");
  std::int64_t start_ms = start.empty() ? 0 : parse_iso8601_ms(start);
  std::int64_t duration = 0;
  if (last.contains("duration") && last["duration"].is_number()) {
    duration = static_cast<std::int64_t>(std::llround(last["duration"].get<double>()));
  }
  if (start_ms > 0) {
    using std::chrono::milliseconds;
    using std::chrono::system_clock;
    r.outcome.start_date = iso8601(system_clock::time_point(milliseconds(start_ms)));
    r.outcome.end_date = iso8601(system_clock::time_point(milliseconds(start_ms + duration)));
  }
  r.outcome.duration_ms = duration;

  if (r.outcome.status == TestStatus::failed) {
    const nlohmann::json* err = nullptr;
    if (last.contains("error") && last["error"].is_object()) {
      err = &last["error"];
    } else if (last.contains("errors") && last["errors"].is_array() && !last["errors"].empty()) {
      err = &last["errors"][0];
    }
    TestError e;
    if (err != nullptr) {
      e.message = strip_ansi(str(*err, "message"));
      e.stack_trace = strip_ansi(str(*err, "stack"));
      if (e.message.empty()) e.message = strip_ansi(str(*err, "value"));
    }
    if (e.message.empty()) e.message = "test " + (result_status.empty() ? std::string("failed") : result_status);
    // Keep the response well under Lambda's 6 MB payload limit even for many failures.
    constexpr size_t kMaxText = 16UL * 1024;
    for (std::string* text : {&e.message, &e.stack_trace}) {
      if (text->size() > kMaxText) {
        size_t cut = kMaxText;
        while (cut > 0 && (static_cast<unsigned char>((*text)[cut]) & 0xC0) == 0x80) --cut;  // UTF-8 boundary
        text->resize(cut);
        *text += "\n... (truncated)";
      }
    }
    r.outcome.error = std::move(e);
  }
  return r;
}

void walk(const nlohmann::json& suite, std::vector<std::string>& titles, const stdfs::path& root_dir,
          const stdfs::path& project_root, const std::map<std::string, std::string>& wanted,
          std::map<std::string, ReportedTest>& out) {
  if (suite.contains("specs") && suite["specs"].is_array()) {
    for (const auto& spec : suite["specs"]) {
      const std::string file = project_relative(root_dir, str(spec, "file"), project_root);
      titles.push_back(str(spec, "title"));
      if (spec.contains("tests") && spec["tests"].is_array()) {
        for (const auto& test : spec["tests"]) {
          auto it = wanted.find(key_of(str(test, "projectName"), file, titles));
          if (it == wanted.end()) continue;
          ReportedTest mapped = map_test(spec, test);
          mapped.outcome.test_id = it->second;
          auto existing = out.find(it->second);
          if (existing == out.end()) {
            out.emplace(it->second, std::move(mapped));
          } else if (rank(mapped) > rank(existing->second)) {
            existing->second = std::move(mapped);
          }
        }
      }
      titles.pop_back();
    }
  }
  if (suite.contains("suites") && suite["suites"].is_array()) {
    for (const auto& child : suite["suites"]) {
      titles.push_back(str(child, "title"));
      walk(child, titles, root_dir, project_root, wanted, out);
      titles.pop_back();
    }
  }
}

}  // namespace

std::map<std::string, ReportedTest> map_playwright_report(const nlohmann::json& report, const stdfs::path& project_root,
                                                          const std::vector<TestRef>& tests) {
  std::map<std::string, std::string> wanted;
  for (const auto& t : tests) wanted.emplace(key_of(t.project, t.file, t.title_path), t.test_id);
  std::map<std::string, ReportedTest> out;
  if (!report.is_object()) return out;
  stdfs::path root_dir = project_root;
  if (report.contains("config") && report["config"].is_object()) {
    std::string rd = str(report["config"], "rootDir");
    if (!rd.empty()) root_dir = rd;
  }
  if (!report.contains("suites") || !report["suites"].is_array()) return out;
  for (const auto& file_suite : report["suites"]) {
    std::vector<std::string> titles;  // the file suite's own title is the file, not a title
    walk(file_suite, titles, root_dir, project_root, wanted, out);
  }
  return out;
}

std::string strip_ansi(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\x1b') {
      out += text[i];
      continue;
    }
    if (i + 1 >= text.size()) break;
    char kind = text[i + 1];
    if (kind == '[') {  // CSI: parameters and intermediates, then one final byte 0x40..0x7E
      size_t j = i + 2;
      while (j < text.size() &&
             (static_cast<unsigned char>(text[j]) < 0x40 || static_cast<unsigned char>(text[j]) > 0x7e))
        ++j;
      i = j;
    } else if (kind == ']') {  // OSC: until BEL or ESC '\'
      size_t j = i + 2;
      while (j < text.size() && text[j] != '\x07' && !(text[j] == '\x1b' && j + 1 < text.size() && text[j + 1] == '\\'))
        ++j;
      i = (j < text.size() && text[j] == '\x1b') ? j + 1 : j;
    } else {
      i += 1;  // a two-byte escape
    }
  }
  return out;
}

}  // namespace ht::runner
