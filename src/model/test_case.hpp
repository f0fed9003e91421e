// A test as hypertest knows it: identity (project, file, title path) plus what the
// scheduler needs. The same words are used in the JSON (testId, titlePath, ...).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace ht {

struct TestCase {
  std::string test_id;  // stable id derived from the identity (make_test_id)
  std::string project;  // Playwright project name ("" when the config has none)
  std::string file;     // relative to the project root (the folder of the Playwright config), '/'-separated
  std::vector<std::string> title_path;  // describe titles then the test title (no project, no file)
  int line = 0;
  int column = 0;
  // Tests sharing a non-empty group must run in one invocation, in this order
  // (describe.configure({mode: 'serial'}) / describe.serial). Empty: free to move.
  std::string group;
  // Static annotations Playwright reports at --list time ("skip", "fixme", "fail", "slow").
  std::vector<std::string> annotations;

  [[nodiscard]] std::string name() const;  // title path joined by " > "
};

// The stable id of a test: the first 16 hex digits of SHA-256 over project, file and title
// path (NUL-separated). Safe as a folder name; equal across machines and runs.
std::string make_test_id(const std::string& project, const std::string& file,
                         const std::vector<std::string>& title_path);

// What an invocation payload carries for each test (SPEC §7).
struct TestRef {
  std::string test_id;
  std::string project;
  std::string file;
  std::vector<std::string> title_path;
};

TestRef to_ref(const TestCase& test);

void to_json(nlohmann::json& j, const TestCase& t);
void from_json(const nlohmann::json& j, TestCase& t);
void to_json(nlohmann::json& j, const TestRef& t);
void from_json(const nlohmann::json& j, TestRef& t);

}  // namespace ht
