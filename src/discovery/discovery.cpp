// Discovery through Playwright's list mode; see discovery.hpp for the mechanism.
#include "discovery/discovery.hpp"

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <system_error>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/fs.hpp"
#include "core/subprocess.hpp"

namespace ht {

namespace stdfs = std::filesystem;
using nlohmann::json;

namespace {

constexpr auto kListTimeout = std::chrono::minutes(5);

// Playwright's output for an error message: without Node stack frames ("    at ...") and
// blank lines, at most `max_lines` lines from the start (where the message is).
std::string clean_output(const std::string& text, size_t max_lines) {
  std::string out;
  size_t kept = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const size_t first = line.find_first_not_of(" \t");
    if (first == std::string::npos) continue;
    if (first > 0 && line.compare(first, 3, "at ") == 0) continue;
    if (kept == max_lines) {
      out += "\n...";
      break;
    }
    if (!out.empty()) out += '\n';
    out += line;
    ++kept;
  }
  return out;
}

std::string string_field(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

int int_field(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return 0;
  return it->get<int>();
}

// Error messages of the report's top-level "errors" array, one per line.
std::string report_errors(const json& report) {
  std::string out;
  auto it = report.find("errors");
  if (it == report.end() || !it->is_array()) return out;
  for (const auto& e : *it) {
    std::string msg = e.is_object() ? string_field(e, "message") : std::string();
    if (msg.empty() && e.is_object()) msg = string_field(e, "stack");
    if (msg.empty()) msg = e.dump();
    const auto loc = e.is_object() ? e.find("location") : e.end();
    if (e.is_object() && loc != e.end() && loc->is_object()) {
      msg = fmt::format("{}:{}:{}: {}", string_field(*loc, "file"), int_field(*loc, "line"), int_field(*loc, "column"),
                        msg);
    }
    if (!out.empty()) out += '\n';
    out += msg;
  }
  return out;
}

struct Collected {
  TestCase test;
  size_t file_index = 0;
  size_t project_index = 0;
  size_t seq = 0;
};

struct Walker {
  stdfs::path root_dir;      // config.rootDir
  stdfs::path project_root;  // absolute, normal
  std::map<std::string, size_t> project_order;
  std::vector<Collected> out;
  size_t file_index = 0;

  std::string relative_file(const std::string& report_file) const {
    stdfs::path abs = (root_dir / stdfs::path(report_file)).lexically_normal();
    stdfs::path rel = abs.lexically_relative(project_root);
    if (rel.empty()) rel = abs;
    return rel.generic_string();
  }

  size_t project_index_of(const std::string& name) {
    auto it = project_order.find(name);
    if (it != project_order.end()) return it->second;
    size_t idx = project_order.size();
    project_order.emplace(name, idx);
    return idx;
  }

  void walk(const json& suite, std::vector<std::string>& titles) {
    if (auto specs = suite.find("specs"); specs != suite.end() && specs->is_array()) {
      for (const auto& spec : *specs) walk_spec(spec, titles);
    }
    if (auto suites = suite.find("suites"); suites != suite.end() && suites->is_array()) {
      for (const auto& child : *suites) {
        titles.push_back(string_field(child, "title"));
        walk(child, titles);
        titles.pop_back();
      }
    }
  }

  void walk_spec(const json& spec, const std::vector<std::string>& titles) {
    const std::string file = relative_file(string_field(spec, "file"));
    std::vector<std::string> title_path = titles;
    title_path.push_back(string_field(spec, "title"));
    const int line = int_field(spec, "line");
    const int column = int_field(spec, "column");
    auto tests = spec.find("tests");
    if (tests == spec.end() || !tests->is_array()) return;
    for (const auto& t : *tests) {
      Collected c;
      c.test.project = string_field(t, "projectName");
      c.test.file = file;
      c.test.title_path = title_path;
      c.test.line = line;
      c.test.column = column;
      c.test.test_id = make_test_id(c.test.project, c.test.file, c.test.title_path);
      if (auto anns = t.find("annotations"); anns != t.end() && anns->is_array()) {
        bool have_group = false;
        for (const auto& a : *anns) {
          const std::string type = a.is_object() ? string_field(a, "type") : std::string();
          if (type.empty()) continue;
          if (type == "serial") {
            // Outermost serial suite first (see the header): only the first one counts.
            if (!have_group) {
              have_group = true;
              int gl = 0;
              int gc = 0;
              if (auto loc = a.find("location"); loc != a.end() && loc->is_object()) {
                gl = int_field(*loc, "line");
                gc = int_field(*loc, "column");
              }
              c.test.group = fmt::format("{}|{}:{}:{}", c.test.project, file, gl, gc);
            }
            continue;
          }
          if (std::find(c.test.annotations.begin(), c.test.annotations.end(), type) == c.test.annotations.end()) {
            c.test.annotations.push_back(type);
          }
        }
      }
      c.file_index = file_index;
      c.project_index = project_index_of(c.test.project);
      c.seq = out.size();
      out.push_back(std::move(c));
    }
  }
};

}  // namespace

Result<json> extract_json_object(const std::string& text) {
  for (size_t start = text.find('{'); start != std::string::npos; start = text.find('{', start + 1)) {
    int depth = 0;
    bool in_string = false;
    bool escaped = false;
    size_t end = std::string::npos;
    for (size_t i = start; i < text.size(); ++i) {
      const char ch = text[i];
      if (in_string) {
        if (escaped) {
          escaped = false;
        } else if (ch == '\\') {
          escaped = true;
        } else if (ch == '"') {
          in_string = false;
        }
        continue;
      }
      if (ch == '"') {
        in_string = true;
      } else if (ch == '{' || ch == '[') {
        ++depth;
      } else if (ch == '}' || ch == ']') {
        if (--depth == 0) {
          end = i;
          break;
        }
        if (depth < 0) break;
      }
    }
    if (end == std::string::npos) continue;
    json j = json::parse(text.begin() + static_cast<std::ptrdiff_t>(start),
                         text.begin() + static_cast<std::ptrdiff_t>(end) + 1, nullptr,
                         /*allow_exceptions=*/false);
    if (!j.is_discarded() && j.is_object()) return j;
  }
  return make_error(ErrorKind::protocol, "no JSON object found in the output");
}

Result<DiscoveryResult> parse_list_report(const json& report, const stdfs::path& project_root) {
  if (!report.is_object() || !report.contains("suites") || !report["suites"].is_array() || !report.contains("config") ||
      !report["config"].is_object()) {
    return make_error(ErrorKind::protocol, "not a Playwright JSON report (expected \"config\" and \"suites\")",
                      "playwright test --list --reporter=json");
  }
  const json& config = report["config"];
  DiscoveryResult result;
  result.playwright_version = string_field(config, "version");

  Walker w;
  w.root_dir = stdfs::path(string_field(config, "rootDir"));
  w.project_root = stdfs::absolute(project_root).lexically_normal();
  if (w.root_dir.empty()) w.root_dir = w.project_root;
  {
    const stdfs::path rel = w.root_dir.lexically_normal().lexically_relative(w.project_root);
    result.root_dir = (rel.empty() || rel == ".") ? std::string() : rel.generic_string();
  }

  // Projects: names from config.projects (all of them, in config order); dependencies and
  // teardown from wherever the report has them (filteredProjects in 1.65).
  std::map<std::string, size_t> by_name;
  auto add_project = [&](const json& p) {
    if (!p.is_object()) return;
    const std::string name = string_field(p, "name");
    auto [it, inserted] = by_name.emplace(name, result.projects.size());
    if (inserted) {
      result.projects.push_back(ProjectInfo{name, {}, {}});
      w.project_index_of(name);
    }
    ProjectInfo& info = result.projects[it->second];
    if (auto deps = p.find("dependencies"); deps != p.end() && deps->is_array()) {
      for (const auto& d : *deps) {
        if (d.is_string() && std::find(info.dependencies.begin(), info.dependencies.end(), d.get<std::string>()) ==
                                 info.dependencies.end()) {
          info.dependencies.push_back(d.get<std::string>());
        }
      }
    }
    if (std::string td = string_field(p, "teardown"); !td.empty()) info.teardown = td;
  };
  for (const char* key : {"projects", "filteredProjects"}) {
    if (auto ps = config.find(key); ps != config.end() && ps->is_array()) {
      for (const auto& p : *ps) add_project(p);
    }
  }

  for (const auto& file_suite : report["suites"]) {
    std::vector<std::string> titles;  // the file suite's own title is the file: not a title
    w.walk(file_suite, titles);
    ++w.file_index;
  }

  std::stable_sort(w.out.begin(), w.out.end(), [](const Collected& a, const Collected& b) {
    if (a.file_index != b.file_index) return a.file_index < b.file_index;
    if (a.project_index != b.project_index) return a.project_index < b.project_index;
    if (a.test.line != b.test.line) return a.test.line < b.test.line;
    if (a.test.column != b.test.column) return a.test.column < b.test.column;
    return a.seq < b.seq;
  });

  // repeatEach > 1 lists a test once per repetition; one identity is one test here.
  std::map<std::string, bool> seen;
  for (auto& c : w.out) {
    if (!seen.emplace(c.test.test_id, true).second) continue;
    result.tests.push_back(std::move(c.test));
  }

  const std::string errors = report_errors(report);
  if (!errors.empty()) {
    return make_error(ErrorKind::config, "Playwright could not load the tests:\n" + errors, "playwright test --list");
  }
  return result;
}

Result<stdfs::path> find_playwright_cli(const stdfs::path& project_root) {
  std::error_code ec;
  stdfs::path dir = stdfs::absolute(project_root, ec).lexically_normal();
  if (ec) dir = project_root;
  const stdfs::path rel = stdfs::path("node_modules") / "@playwright" / "test" / "cli.js";
  for (stdfs::path d = dir;; d = d.parent_path()) {
    stdfs::path candidate = d / rel;
    if (stdfs::is_regular_file(candidate, ec)) return candidate;
    if (d == d.parent_path() || d.empty()) break;
  }
  // Node also searches NODE_PATH for require().
  if (const char* node_path = std::getenv("NODE_PATH"); node_path != nullptr) {
    std::string list = node_path;
    size_t pos = 0;
    while (pos <= list.size()) {
      size_t colon = list.find(':', pos);
      std::string entry = list.substr(pos, colon == std::string::npos ? std::string::npos : colon - pos);
      if (!entry.empty()) {
        stdfs::path candidate = stdfs::path(entry) / "@playwright" / "test" / "cli.js";
        if (stdfs::is_regular_file(candidate, ec)) return candidate;
      }
      if (colon == std::string::npos) break;
      pos = colon + 1;
    }
  }
  return make_error(ErrorKind::config,
                    fmt::format("Playwright not found in {}: run npm install (expected "
                                "node_modules/@playwright/test in it or a parent folder)",
                                dir.string()),
                    "discovery");
}

Result<DiscoveryResult> discover_tests(const DiscoveryOptions& options) {
  std::error_code ec;
  stdfs::path root = stdfs::weakly_canonical(stdfs::absolute(options.project_root), ec);
  if (ec || !stdfs::is_directory(root, ec)) {
    return make_error(ErrorKind::config, fmt::format("project folder {} does not exist", options.project_root.string()),
                      "discovery");
  }
  const stdfs::path config_path = root / options.playwright_config;
  if (!stdfs::is_regular_file(config_path, ec)) {
    return make_error(ErrorKind::config, fmt::format("Playwright config {} not found", config_path.string()),
                      "discovery");
  }
  auto cli = find_playwright_cli(root);
  if (!cli) return cli.error();

  fs::TempDir tmp("ht-list-");
  if (tmp.path().empty()) {
    return make_error(ErrorKind::io, "cannot create a temporary folder", "discovery");
  }
  const stdfs::path report_file = tmp.path() / "list.json";

  SpawnOptions so;
  so.argv = {options.node, cli->string(), "test"};
  // Positional file filters, right after "test": Playwright's CLI ignores positionals after
  // "--" and `--project` is variadic (it would swallow them), so they go first; a filter
  // that looks like an option cannot be passed safely: refuse it.
  for (const auto& f : options.file_filters) {
    if (f.empty() || f.front() == '-') {
      return make_error(ErrorKind::usage, fmt::format("file filter \"{}\" must not be empty or start with '-'", f),
                        "discovery");
    }
    so.argv.push_back(f);
  }
  for (const char* a : {"--list", "--reporter=json", "--config"}) so.argv.emplace_back(a);
  so.argv.push_back(config_path.string());
  // "--opt=value" forms: a value starting with '-' is never mistaken for an option.
  for (const auto& p : options.projects) so.argv.push_back("--project=" + p);
  if (!options.grep.empty()) {
    std::string g;
    if (options.grep.size() == 1) {
      g = options.grep.front();
    } else {
      for (const auto& one : options.grep) {
        if (!g.empty()) g += '|';
        g += "(?:" + one + ")";
      }
    }
    so.argv.push_back("--grep=" + g);
  }
  so.cwd = root;
  so.env_set["PLAYWRIGHT_JSON_OUTPUT_FILE"] = report_file.string();
  so.env_set["FORCE_COLOR"] = "0";
  so.env_unset = {"PLAYWRIGHT_JSON_OUTPUT_NAME", "PLAYWRIGHT_JSON_OUTPUT_DIR"};
  so.stdout_mode = Stdio::capture;
  so.stderr_mode = Stdio::capture;

  auto ran = run(so, std::chrono::duration_cast<std::chrono::milliseconds>(kListTimeout));
  if (!ran) return ran.error().with_context("discovery: start Playwright");
  const RunOutput& out = *ran;
  if (out.timed_out) {
    return make_error(ErrorKind::process, "Playwright's test listing did not finish in 5 minutes", "discovery");
  }

  Result<json> report = make_error(ErrorKind::protocol, "no report");
  if (auto text = fs::read_file(report_file); text) {
    json j = json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (!j.is_discarded()) report = std::move(j);
  }
  if (!report) report = extract_json_object(out.out);
  if (!report || !report->contains("suites")) {
    std::string detail = clean_output(out.err + "\n" + out.out, 30);
    if (detail.empty()) detail = "no output";
    return make_error(ErrorKind::config,
                      fmt::format("Playwright could not list the tests ({}):\n{}", out.status.describe(), detail),
                      fmt::format("playwright test --list --config {}", options.playwright_config.string()));
  }
  auto parsed = parse_list_report(*report, root);
  if (!parsed) return parsed.error();
  if (parsed->tests.empty() && !out.status.success()) {
    return make_error(ErrorKind::config,
                      fmt::format("Playwright listed no tests ({}):\n{}", out.status.describe(),
                                  clean_output(out.err + "\n" + out.out, 30)),
                      "playwright test --list");
  }
  return parsed;
}

}  // namespace ht
