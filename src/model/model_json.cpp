// JSON mapping of the model types. Field names follow SPEC §7/§8 (camelCase on the wire).
#include <nlohmann/json.hpp>

#include "core/hash.hpp"
#include "model/invocation.hpp"
#include "model/test_case.hpp"

namespace ht {

std::string TestCase::name() const {
  std::string out;
  for (const auto& t : title_path) {
    if (!out.empty()) out += " > ";
    out += t;
  }
  return out;
}

std::string make_test_id(const std::string& project, const std::string& file,
                         const std::vector<std::string>& title_path) {
  Sha256 h;
  h.update(project);
  h.update(std::string_view("\0", 1));
  h.update(file);
  for (const auto& t : title_path) {
    h.update(std::string_view("\0", 1));
    h.update(t);
  }
  return h.finish_hex().substr(0, 16);
}

TestRef to_ref(const TestCase& t) { return TestRef{t.test_id, t.project, t.file, t.title_path}; }

void to_json(nlohmann::json& j, const TestCase& t) {
  j = {{"testId", t.test_id}, {"project", t.project}, {"file", t.file},   {"titlePath", t.title_path},
       {"line", t.line},      {"column", t.column},   {"group", t.group}, {"annotations", t.annotations}};
}
void from_json(const nlohmann::json& j, TestCase& t) {
  j.at("testId").get_to(t.test_id);
  j.at("project").get_to(t.project);
  j.at("file").get_to(t.file);
  j.at("titlePath").get_to(t.title_path);
  t.line = j.value("line", 0);
  t.column = j.value("column", 0);
  t.group = j.value("group", std::string());
  t.annotations = j.value("annotations", std::vector<std::string>{});
}

void to_json(nlohmann::json& j, const TestRef& t) {
  j = {{"testId", t.test_id}, {"project", t.project}, {"file", t.file}, {"titlePath", t.title_path}};
}
void from_json(const nlohmann::json& j, TestRef& t) {
  j.at("testId").get_to(t.test_id);
  j.at("project").get_to(t.project);
  j.at("file").get_to(t.file);
  j.at("titlePath").get_to(t.title_path);
}

const char* to_string(TestStatus s) {
  switch (s) {
    case TestStatus::success:
      return "success";
    case TestStatus::failed:
      return "failed";
    case TestStatus::skipped:
      return "skipped";
    case TestStatus::error:
      return "error";
  }
  return "error";
}

std::optional<TestStatus> parse_test_status(const std::string& s) {
  if (s == "success") return TestStatus::success;
  if (s == "failed") return TestStatus::failed;
  if (s == "skipped") return TestStatus::skipped;
  if (s == "error") return TestStatus::error;
  return std::nullopt;
}

void to_json(nlohmann::json& j, const InvocationRequest& r) {
  j = {{"runId", r.run_id},
       {"invocationId", r.invocation_id},
       {"artifacts", r.artifacts},
       {"tests", r.tests},
       {"attempt", r.attempt}};
}
void from_json(const nlohmann::json& j, InvocationRequest& r) {
  j.at("runId").get_to(r.run_id);
  j.at("invocationId").get_to(r.invocation_id);
  j.at("artifacts").get_to(r.artifacts);
  j.at("tests").get_to(r.tests);
  r.attempt = j.value("attempt", 1);
}

void to_json(nlohmann::json& j, const TestError& e) { j = {{"message", e.message}, {"stackTrace", e.stack_trace}}; }
void from_json(const nlohmann::json& j, TestError& e) {
  e.message = j.value("message", std::string());
  e.stack_trace = j.value("stackTrace", std::string());
}

void to_json(nlohmann::json& j, const TestOutcome& o) {
  j = {{"testId", o.test_id},   {"status", to_string(o.status)}, {"startDate", o.start_date},
       {"endDate", o.end_date}, {"duration", o.duration_ms},     {"artifacts", o.artifacts},
       {"flaky", o.flaky}};
  j["error"] = o.error ? nlohmann::json(*o.error) : nlohmann::json(nullptr);
}
void from_json(const nlohmann::json& j, TestOutcome& o) {
  j.at("testId").get_to(o.test_id);
  auto status = parse_test_status(j.at("status").get<std::string>());
  if (!status) throw nlohmann::json::other_error::create(501, "unknown test status", &j);
  o.status = *status;
  o.start_date = j.value("startDate", std::string());
  o.end_date = j.value("endDate", std::string());
  o.duration_ms = j.value("duration", std::int64_t{0});
  o.artifacts = j.value("artifacts", std::string());
  o.flaky = j.value("flaky", false);
  if (j.contains("error") && j.at("error").is_object()) o.error = j.at("error").get<TestError>();
}

void to_json(nlohmann::json& j, const InvocationResponse& r) {
  j = {{"invocationId", r.invocation_id}, {"results", r.results}};
}
void from_json(const nlohmann::json& j, InvocationResponse& r) {
  j.at("invocationId").get_to(r.invocation_id);
  j.at("results").get_to(r.results);
}

}  // namespace ht
