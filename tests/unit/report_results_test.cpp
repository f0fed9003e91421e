// Results JSON (golden shape, counting rule, round trip, atomic write) and JUnit XML
// (structure and escaping, checked by an independent XML parser: Python's ElementTree).
#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "core/fs.hpp"
#include "core/subprocess.hpp"
#include "report/junit.hpp"
#include "report/results.hpp"

namespace ht {
namespace {

using nlohmann::json;

TestResult result(const std::string& title, TestStatus status, std::int64_t ms) {
  TestCase t;
  t.project = "chromium";
  t.file = "tests/a.spec.ts";
  t.title_path = {"suite", title};
  t.test_id = make_test_id(t.project, t.file, t.title_path);
  TestOutcome o;
  o.test_id = t.test_id;
  o.status = status;
  o.start_date = "2026-11-26T21:11:36.123Z";
  o.end_date = "2026-11-26T21:11:38.423Z";
  o.duration_ms = ms;
  o.artifacts = "file:///store/run-1/" + t.test_id + "/";
  if (status == TestStatus::failed || status == TestStatus::error) {
    o.error = TestError{"Error: " + title + " broke", "at a.spec.ts:3:5"};
  }
  return make_test_result(t, o, "inv-0001", 1);
}

RunResults sample() {
  RunResults r;
  r.run_id = "run-1";
  r.start_date = "2026-11-26T21:11:30.000Z";
  r.end_date = "2026-11-26T21:11:40.000Z";
  r.duration_ms = 10000;
  r.test_results = {result("passes", TestStatus::success, 2300), result("fails", TestStatus::failed, 1200),
                    result("skips", TestStatus::skipped, 0), result("crashes", TestStatus::error, 0)};
  TestCase flaky_case;
  flaky_case.project = "chromium";
  flaky_case.file = "tests/b.spec.ts";
  flaky_case.title_path = {"retried"};
  flaky_case.test_id = make_test_id(flaky_case.project, flaky_case.file, flaky_case.title_path);
  TestOutcome ok;
  ok.test_id = flaky_case.test_id;
  ok.status = TestStatus::success;
  ok.duration_ms = 10;
  r.test_results.push_back(make_test_result(flaky_case, ok, "inv-0009", 2));
  return r;
}

TEST(Results, CountingRule) {
  const TestCounts c = count_results(sample().test_results);
  EXPECT_EQ(c.total, 5);
  EXPECT_EQ(c.success, 2);
  EXPECT_EQ(c.failed, 2) << "errors count as failed";
  EXPECT_EQ(c.skipped, 1);
  EXPECT_EQ(c.error, 1);
  EXPECT_EQ(c.flaky, 1);
  EXPECT_EQ(c.total, c.success + c.failed + c.skipped);
}

TEST(Results, GoldenJson) {
  const json j = json::parse(results_to_json(sample()));
  const std::string id = make_test_id("chromium", "tests/a.spec.ts", {"suite", "fails"});
  const json expected_tests = {{"total", 5}, {"success", 2}, {"failed", 2}, {"skipped", 1}, {"error", 1}, {"flaky", 1}};
  EXPECT_EQ(j["runId"], "run-1");
  EXPECT_EQ(j["startDate"], "2026-11-26T21:11:30.000Z");
  EXPECT_EQ(j["endDate"], "2026-11-26T21:11:40.000Z");
  EXPECT_EQ(j["duration"], 10000);
  EXPECT_EQ(j["tests"], expected_tests);
  ASSERT_EQ(j["testResults"].size(), 5U);
  const json expected_failed = {
      {"testId", id},
      {"name", "suite > fails"},
      {"filePath", "tests/a.spec.ts"},
      {"project", "chromium"},
      {"titlePath", {"suite", "fails"}},
      {"status", "failed"},
      {"startDate", "2026-11-26T21:11:36.123Z"},
      {"endDate", "2026-11-26T21:11:38.423Z"},
      {"duration", 1200},
      {"error", {{"message", "Error: fails broke"}, {"stackTrace", "at a.spec.ts:3:5"}}},
      {"attempts", 1},
      {"flaky", false},
      {"invocationId", "inv-0001"},
      {"artifacts", "file:///store/run-1/" + id + "/"},
  };
  EXPECT_EQ(j["testResults"][1], expected_failed);
  EXPECT_TRUE(j["testResults"][0]["error"].is_null());
  EXPECT_EQ(j["testResults"][3]["status"], "error");
  EXPECT_EQ(j["testResults"][4]["flaky"], true);
  EXPECT_EQ(j["testResults"][4]["attempts"], 2);
  EXPECT_EQ(j.size(), 6U) << j.dump();
}

TEST(Results, RoundTripAndNastyStrings) {
  RunResults r = sample();
  r.test_results[0].title_path = {"quote \" back\\slash", "tab\tnew\nline \xF0\x9F\x9A\x80 $(x) `y`"};
  r.test_results[0].name = "quote \" back\\slash > tab\tnew\nline \xF0\x9F\x9A\x80 $(x) `y`";
  auto back = results_from_json(json::parse(results_to_json(r)));
  ASSERT_TRUE(back.ok()) << back.error().describe();
  EXPECT_EQ(results_to_json(*back), results_to_json(r));
  EXPECT_EQ(back->test_results[0].title_path, r.test_results[0].title_path);
  EXPECT_EQ(back->test_results[1].error->message, "Error: fails broke");
}

TEST(Results, InvalidUtf8IsReplacedNotThrown) {
  RunResults r = sample();
  r.test_results[0].name = "latin1 \xE9t\xE9";
  const std::string text = results_to_json(r);
  EXPECT_NE(text.find("latin1 \xEF\xBF\xBDt\xEF\xBF\xBD"), std::string::npos);
  EXPECT_TRUE(json::accept(text));
}

TEST(Results, RejectsMalformedDocuments) {
  EXPECT_FALSE(results_from_json(json::parse("[]")).ok());
  EXPECT_FALSE(results_from_json(json::parse(R"({"runId": "x"})")).ok());
  EXPECT_FALSE(results_from_json(json::parse(R"({"testResults": [{"testId": "a", "status": "weird"}]})")).ok());
  EXPECT_FALSE(results_from_json(json::parse(R"({"testResults": [{"status": "success"}]})")).ok());
}

TEST(Results, WriteIsAtomicAndReplaces) {
  fs::TempDir dir("ht-results-");
  const auto path = dir.path() / "hypertest.results.json";
  ASSERT_TRUE(fs::write_file_atomic(path, "old").ok());
  ASSERT_TRUE(write_results_file(path, sample()).ok());
  auto text = fs::read_file(path);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, results_to_json(sample()));
  // No temporary files left beside it.
  int entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++entries;
  EXPECT_EQ(entries, 1);
  EXPECT_FALSE(write_results_file(path / "under-a-file.json", sample()).ok());
}

TEST(Junit, EscapesAttributeText) {
  EXPECT_EQ(xml_escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
  EXPECT_EQ(xml_escape("t\tn\nr\r"), "t&#9;n&#10;r&#13;");
  EXPECT_EQ(xml_escape(std::string("nul\0bel\x07"
                                   "esc\x1b",
                                   12)),
            "nul\xEF\xBF\xBD"
            "bel\xEF\xBF\xBD"
            "esc\xEF\xBF\xBD");
  EXPECT_EQ(xml_escape("emoji \xF0\x9F\x9A\x80 \xC3\xBC"), "emoji \xF0\x9F\x9A\x80 \xC3\xBC");
  EXPECT_EQ(xml_escape("bad \xC3 \xED\xA0\x80 \xEF\xBF\xBF \xC0\xAF"),
            "bad \xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD "
            "\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(Junit, StructureReadBackByAnIndependentParser) {
  RunResults r = sample();
  const std::string nasty = "quotes 'single' \"double\" <tag> & $(echo pwned) `bt` \t tab \xF0\x9F\x9A\x80 \x01 ctrl";
  r.test_results[1].name = nasty;
  r.test_results[1].error->message = "\x1b[31mExpected\x1b[39m: 3\nReceived: 2 ]]> <![CDATA[";
  r.test_results.push_back(result("other project", TestStatus::success, 5));
  r.test_results.back().project = "mobile";

  fs::TempDir dir("ht-junit-");
  const auto path = dir.path() / "junit.xml";
  ASSERT_TRUE(fs::write_file_atomic(path, results_to_junit(r)).ok());
  const char* script = R"PY(
import sys, json, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
out = {"root": dict(root.attrib), "suites": []}
for s in root.findall("testsuite"):
    cases = []
    for c in s.findall("testcase"):
        kids = {k.tag: {"message": k.get("message"), "text": k.text} for k in c}
        cases.append({"name": c.get("name"), "classname": c.get("classname"), "time": c.get("time"), "kids": kids})
    out["suites"].append({"attrib": dict(s.attrib), "cases": cases})
print(json.dumps(out))
)PY";
  SpawnOptions so;
  so.argv = {"python3", "-c", script, path.string()};
  so.stdout_mode = Stdio::capture;
  so.stderr_mode = Stdio::capture;
  auto ran = run(so, std::chrono::seconds(30));
  ASSERT_TRUE(ran.ok()) << ran.error().describe();
  ASSERT_TRUE(ran->status.success()) << ran->err;
  const json parsed = json::parse(ran->out);

  EXPECT_EQ(parsed["root"]["tests"], "6");
  EXPECT_EQ(parsed["root"]["failures"], "1");
  EXPECT_EQ(parsed["root"]["errors"], "1");
  EXPECT_EQ(parsed["root"]["skipped"], "1");
  ASSERT_EQ(parsed["suites"].size(), 3U);  // chromium › a, chromium › b, mobile › a
  const json& a = parsed["suites"][0];
  EXPECT_EQ(a["attrib"]["name"], "chromium \xE2\x80\xBA tests/a.spec.ts");
  EXPECT_EQ(a["attrib"]["tests"], "4");
  EXPECT_EQ(a["attrib"]["failures"], "1");
  EXPECT_EQ(a["attrib"]["errors"], "1");
  EXPECT_EQ(a["attrib"]["skipped"], "1");
  ASSERT_EQ(a["cases"].size(), 4U);
  EXPECT_EQ(a["cases"][0]["name"], "suite > passes");
  EXPECT_EQ(a["cases"][0]["time"], "2.300");
  EXPECT_TRUE(a["cases"][0]["kids"].empty());
  // The nasty title survives exactly, except the control character (U+FFFD).
  std::string want = nasty;
  want.replace(want.find('\x01'), 1, "\xEF\xBF\xBD");
  EXPECT_EQ(a["cases"][1]["name"], want);
  EXPECT_EQ(a["cases"][1]["classname"], "tests/a.spec.ts");
  EXPECT_EQ(a["cases"][1]["kids"]["failure"]["message"], "Expected: 3") << "ANSI colours stripped";
  EXPECT_EQ(a["cases"][1]["kids"]["failure"]["text"], "Expected: 3\nReceived: 2 ]]> <![CDATA[\nat a.spec.ts:3:5");
  EXPECT_TRUE(a["cases"][2]["kids"].contains("skipped"));
  EXPECT_EQ(a["cases"][3]["kids"]["error"]["message"], "Error: crashes broke");
  EXPECT_EQ(parsed["suites"][2]["attrib"]["name"], "mobile \xE2\x80\xBA tests/a.spec.ts");
}

}  // namespace
}  // namespace ht
