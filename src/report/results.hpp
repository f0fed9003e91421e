// The run's results model and hypertest.results.json (SPEC §8; format in
// docs/results-format.md). Compatible with the reference's fields; additions are additive.
//
// Counting rule: tests.total = success + failed + skipped, where `failed` includes tests
// with status "error" (infrastructure errors are failures for the reference's consumers);
// tests.error counts the errors separately (a subset of failed) and tests.flaky counts
// tests that passed only after a retry (a subset of success).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/error.hpp"
#include "model/invocation.hpp"
#include "model/test_case.hpp"

namespace ht {

struct TestResult {
  std::string test_id;
  std::string name;       // title path joined by " > "
  std::string file_path;  // relative to the project root, '/'-separated
  std::string project;
  std::vector<std::string> title_path;
  TestStatus status = TestStatus::error;
  std::string start_date;  // ISO 8601 UTC ("" when the test never started)
  std::string end_date;
  std::int64_t duration_ms = 0;
  std::optional<TestError> error;
  int attempts = 1;           // hypertest attempts made (1 + retries used)
  bool flaky = false;         // passed only after a retry
  std::string invocation_id;  // the invocation of the final attempt
  std::string artifacts;      // where this test's files are ("{store}/{runId}/{testId}/")
};

struct TestCounts {
  int total = 0;
  int success = 0;
  int failed = 0;  // includes `error`
  int skipped = 0;
  int error = 0;  // subset of failed
  int flaky = 0;  // subset of success
};

struct RunResults {
  std::string run_id;
  std::string start_date;  // ISO 8601 UTC
  std::string end_date;
  std::int64_t duration_ms = 0;
  std::vector<TestResult> test_results;
};

// A result from the test's identity and the runner's outcome.
TestResult make_test_result(const TestCase& test, const TestOutcome& outcome, const std::string& invocation_id,
                            int attempts);

TestCounts count_results(const std::vector<TestResult>& results);

// hypertest.results.json (pretty-printed, 2 spaces, UTF-8 kept as is).
nlohmann::json results_to_json_value(const RunResults& results);
std::string results_to_json(const RunResults& results);
Result<RunResults> results_from_json(const nlohmann::json& j);

// Writes results_to_json atomically (fs::write_file_atomic).
Status write_results_file(const std::filesystem::path& path, const RunResults& results);

}  // namespace ht
