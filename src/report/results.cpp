// hypertest.results.json; the format is documented in docs/results-format.md.
#include "report/results.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "core/fs.hpp"

namespace ht {

using nlohmann::json;

TestResult make_test_result(const TestCase& test, const TestOutcome& outcome, const std::string& invocation_id,
                            int attempts) {
  TestResult r;
  r.test_id = test.test_id;
  r.name = test.name();
  r.file_path = test.file;
  r.project = test.project;
  r.title_path = test.title_path;
  r.status = outcome.status;
  r.start_date = outcome.start_date;
  r.end_date = outcome.end_date;
  r.duration_ms = outcome.duration_ms;
  r.error = outcome.error;
  r.attempts = std::max(1, attempts);
  r.flaky = outcome.status == TestStatus::success && (outcome.flaky || r.attempts > 1);
  r.invocation_id = invocation_id;
  r.artifacts = outcome.artifacts;
  return r;
}

TestCounts count_results(const std::vector<TestResult>& results) {
  TestCounts c;
  for (const auto& r : results) {
    ++c.total;
    switch (r.status) {
      case TestStatus::success:
        ++c.success;
        if (r.flaky) ++c.flaky;
        break;
      case TestStatus::failed:
        ++c.failed;
        break;
      case TestStatus::skipped:
        ++c.skipped;
        break;
      case TestStatus::error:
        ++c.failed;
        ++c.error;
        break;
    }
  }
  return c;
}

json results_to_json_value(const RunResults& results) {
  const TestCounts c = count_results(results.test_results);
  json tests = json::array();
  for (const auto& r : results.test_results) {
    json e = json::object();
    e["testId"] = r.test_id;
    e["name"] = r.name;
    e["filePath"] = r.file_path;
    e["project"] = r.project;
    e["titlePath"] = r.title_path;
    e["status"] = to_string(r.status);
    e["startDate"] = r.start_date;
    e["endDate"] = r.end_date;
    e["duration"] = r.duration_ms;
    if (r.error) {
      e["error"] = {{"message", r.error->message}, {"stackTrace", r.error->stack_trace}};
    } else {
      e["error"] = nullptr;
    }
    e["attempts"] = r.attempts;
    e["flaky"] = r.flaky;
    e["invocationId"] = r.invocation_id;
    e["artifacts"] = r.artifacts;
    tests.push_back(std::move(e));
  }
  json j = json::object();
  j["runId"] = results.run_id;
  j["startDate"] = results.start_date;
  j["endDate"] = results.end_date;
  j["duration"] = results.duration_ms;
  j["tests"] = {{"total", c.total},     {"success", c.success}, {"failed", c.failed},
                {"skipped", c.skipped}, {"error", c.error},     {"flaky", c.flaky}};
  j["testResults"] = std::move(tests);
  return j;
}

std::string results_to_json(const RunResults& results) {
  // Invalid UTF-8 (a test title from a Latin-1 file) is replaced, never a thrown exception.
  return results_to_json_value(results).dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

namespace {

Error bad(const std::string& what) { return make_error(ErrorKind::protocol, what, "hypertest.results.json"); }

}  // namespace

Result<RunResults> results_from_json(const json& j) {
  if (!j.is_object()) return bad("not a JSON object");
  try {
    RunResults out;
    out.run_id = j.value("runId", std::string());
    out.start_date = j.value("startDate", std::string());
    out.end_date = j.value("endDate", std::string());
    out.duration_ms = j.value("duration", std::int64_t{0});
    auto list = j.find("testResults");
    if (list == j.end() || !list->is_array()) return bad("\"testResults\" is missing or not an array");
    for (const auto& e : *list) {
      TestResult r;
      r.test_id = e.at("testId").get<std::string>();
      r.name = e.value("name", std::string());
      r.file_path = e.value("filePath", std::string());
      r.project = e.value("project", std::string());
      r.title_path = e.value("titlePath", std::vector<std::string>{});
      const std::string status = e.at("status").get<std::string>();
      auto parsed = parse_test_status(status);
      if (!parsed) return bad("unknown status \"" + status + "\" of test " + r.test_id);
      r.status = *parsed;
      r.start_date = e.value("startDate", std::string());
      r.end_date = e.value("endDate", std::string());
      r.duration_ms = e.value("duration", std::int64_t{0});
      if (auto err = e.find("error"); err != e.end() && err->is_object()) {
        r.error = TestError{err->value("message", std::string()), err->value("stackTrace", std::string())};
      }
      r.attempts = e.value("attempts", 1);
      r.flaky = e.value("flaky", false);
      r.invocation_id = e.value("invocationId", std::string());
      r.artifacts = e.value("artifacts", std::string());
      out.test_results.push_back(std::move(r));
    }
    return out;
  } catch (const json::exception& ex) {
    return bad(ex.what());
  }
}

Status write_results_file(const std::filesystem::path& path, const RunResults& results) {
  return fs::write_file_atomic(path, results_to_json(results));
}

}  // namespace ht
