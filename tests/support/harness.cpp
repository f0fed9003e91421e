#include "support/harness.hpp"

#include <gtest/gtest.h>

#include "core/subprocess.hpp"

namespace ht::testing {

namespace stdfs = std::filesystem;

stdfs::path source_dir() { return HT_SOURCE_DIR; }
stdfs::path binary_dir() { return HT_BINARY_DIR; }
stdfs::path hypertest_binary() { return binary_dir() / "hypertest"; }
stdfs::path runner_binary() { return binary_dir() / "hypertest-runner"; }

CliRun run_hypertest(const std::vector<std::string>& args, const stdfs::path& cwd,
                     const std::map<std::string, std::string>& env, std::chrono::seconds timeout) {
  SpawnOptions o;
  o.argv = {hypertest_binary().string()};
  o.argv.insert(o.argv.end(), args.begin(), args.end());
  o.cwd = cwd;
  o.env_set = env;
  o.env_set.emplace("HYPERTEST_RUNNER", runner_binary().string());
  o.stdout_mode = Stdio::capture;
  o.stderr_mode = Stdio::capture;
  auto r = run(o, timeout);
  CliRun out;
  if (!r.ok()) {
    ADD_FAILURE() << "cannot run hypertest: " << r.error().describe();
    return out;
  }
  if (r->timed_out) ADD_FAILURE() << "hypertest timed out; stderr:\n" << r->err;
  out.exit_code = r->status.signal != 0 ? 128 + r->status.signal : r->status.code;
  out.out = std::move(r->out);
  out.err = std::move(r->err);
  return out;
}

void copy_fixture_to(const stdfs::path& fixture, const stdfs::path& dest) {
  const stdfs::path modules = source_dir() / "examples/basic/node_modules";
  if (!stdfs::exists(modules / "@playwright/test/cli.js")) {
    ADD_FAILURE() << modules << " has no @playwright/test: run the tests via scripts/test.sh (it runs npm ci there)";
  }
  if (!stdfs::exists("/usr/bin/chromium")) {
    ADD_FAILURE() << "needs Debian's chromium (apt-get install -y chromium)";
  }
  stdfs::copy(fixture, dest, stdfs::copy_options::recursive);
  std::error_code ec;
  stdfs::remove_all(dest / "node_modules", ec);
  stdfs::create_directory_symlink(modules, dest / "node_modules");
}

fs::TempDir copy_project(const stdfs::path& fixture) {
  fs::TempDir dir("ht-project-");
  copy_fixture_to(fixture, dir.path());
  return dir;
}

nlohmann::json run_playwright_json(const stdfs::path& project, int workers,
                                   const std::vector<std::string>& extra_args) {
  fs::TempDir out("ht-pwjson-");
  SpawnOptions o;
  o.argv = {"node", (project / "node_modules/@playwright/test/cli.js").string(), "test", "--reporter=json",
            "--workers=" + std::to_string(workers)};
  o.argv.insert(o.argv.end(), extra_args.begin(), extra_args.end());
  o.cwd = project;
  o.env_set["PLAYWRIGHT_JSON_OUTPUT_FILE"] = (out.path() / "report.json").string();
  o.stdout_mode = Stdio::null;
  o.stderr_mode = Stdio::capture;
  auto r = run(o, std::chrono::minutes(10));
  if (!r.ok()) {
    ADD_FAILURE() << r.error().describe();
    return {};
  }
  return read_json(out.path() / "report.json");
}

std::string key_of(const std::string& project, const std::string& file, const std::vector<std::string>& title_path) {
  std::string k = project + " | " + file;
  for (const auto& t : title_path) k += " | " + t;
  return k;
}

namespace {

void insert_unique(std::map<std::string, std::string>& m, const std::string& key, const std::string& value) {
  if (!m.emplace(key, value).second) m.emplace("#dup:" + key, value);
}

void walk(const nlohmann::json& suite, std::vector<std::string> titles, const stdfs::path& root_dir,
          const stdfs::path& project_root, std::map<std::string, std::string>& out, bool top) {
  // File-level suites carry the file name as title; it is not part of the title path.
  if (!top) titles.push_back(suite.at("title").get<std::string>());
  for (const auto& spec : suite.value("specs", nlohmann::json::array())) {
    auto title_path = titles;
    title_path.push_back(spec.at("title").get<std::string>());
    stdfs::path file = (root_dir / spec.at("file").get<std::string>()).lexically_normal();
    std::string rel = file.lexically_relative(project_root).generic_string();
    for (const auto& t : spec.at("tests")) {
      std::string status = t.at("status").get<std::string>();
      std::string expected = t.value("expectedStatus", "passed");
      std::string mapped = status == "skipped" || expected == "skipped" ? "skipped"
                           : status == "expected" || status == "flaky"  ? "success"
                                                                        : "failed";
      insert_unique(out, key_of(t.value("projectName", ""), rel, title_path), mapped);
    }
  }
  for (const auto& child : suite.value("suites", nlohmann::json::array())) {
    walk(child, titles, root_dir, project_root, out, false);
  }
}

}  // namespace

std::map<std::string, std::string> playwright_outcomes(const nlohmann::json& report, const stdfs::path& project_root) {
  std::map<std::string, std::string> out;
  stdfs::path root_dir = report.at("config").at("rootDir").get<std::string>();
  for (const auto& file_suite : report.at("suites")) walk(file_suite, {}, root_dir, project_root, out, true);
  return out;
}

std::map<std::string, std::string> hypertest_outcomes(const nlohmann::json& results) {
  std::map<std::string, std::string> out;
  for (const auto& r : results.at("testResults")) {
    insert_unique(out,
                  key_of(r.at("project").get<std::string>(), r.at("filePath").get<std::string>(),
                         r.at("titlePath").get<std::vector<std::string>>()),
                  r.at("status").get<std::string>());
  }
  return out;
}

nlohmann::json read_json(const stdfs::path& file) {
  auto text = fs::read_file(file);
  if (!text.ok()) {
    ADD_FAILURE() << text.error().describe();
    return {};
  }
  return nlohmann::json::parse(*text);
}

}  // namespace ht::testing
