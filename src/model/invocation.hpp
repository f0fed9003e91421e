// The invocation payload (CLI -> runner) and the runner's response (runner -> CLI), as
// plain values. The JSON shape is the wire format on the Lambda Runtime API and Invoke.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "model/test_case.hpp"

namespace ht {

struct InvocationRequest {
  std::string run_id;
  std::string invocation_id;
  std::string artifacts;       // "s3://bucket/prefix" or "file:///abs/path": the store root
  std::vector<TestRef> tests;  // one or more; a serial group is whole and in order
  int attempt = 1;             // 1 for the first try, 2+ for hypertest retries
};

enum class TestStatus {
  success,  // passed (or failed as expected with test.fail())
  failed,   // the test itself failed or timed out
  skipped,  // skip / fixme / conditional skip
  error,    // infrastructure: the test never got a verdict (runner crash, deadline, function error)
};

const char* to_string(TestStatus status);
std::optional<TestStatus> parse_test_status(const std::string& s);

struct TestError {
  std::string message;
  std::string stack_trace;
};

// One requested test's outcome as the runner reports it.
struct TestOutcome {
  std::string test_id;
  TestStatus status = TestStatus::error;
  std::string start_date;  // ISO 8601 UTC, e.g. 2026-11-26T21:11:36.123Z
  std::string end_date;
  std::int64_t duration_ms = 0;
  std::optional<TestError> error;
  std::string artifacts;  // where this test's files are: "{store}/{runId}/{testId}/"
  bool flaky = false;     // passed only after Playwright's own retries
};

struct InvocationResponse {
  std::string invocation_id;
  std::vector<TestOutcome> results;  // exactly one per requested test
};

void to_json(nlohmann::json& j, const InvocationRequest& r);
void from_json(const nlohmann::json& j, InvocationRequest& r);
void to_json(nlohmann::json& j, const TestError& e);
void from_json(const nlohmann::json& j, TestError& e);
void to_json(nlohmann::json& j, const TestOutcome& o);
void from_json(const nlohmann::json& j, TestOutcome& o);
void to_json(nlohmann::json& j, const InvocationResponse& r);
void from_json(const nlohmann::json& j, InvocationResponse& r);

}  // namespace ht
