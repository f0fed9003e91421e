#include "runner/invocation_handler.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <system_error>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "core/fs.hpp"
#include "core/log.hpp"
#include "core/subprocess.hpp"
#include "runner/playwright_wrapper.hpp"
#include "runner/report_mapping.hpp"
#include "store/artifact_store.hpp"

namespace ht::runner {

namespace stdfs = std::filesystem;
using std::chrono::milliseconds;

namespace {

// The process group of the Playwright run in progress (0: none), for kill_running_playwright.
std::atomic<pid_t> g_playwright_group{0};

std::string env_or(const char* name, const std::string& fallback = {}) {
  const char* v = std::getenv(name);
  return (v != nullptr && *v != '\0') ? std::string(v) : fallback;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The last `max_lines` non-empty lines of `text`, ANSI escapes removed.
std::string last_lines(const std::string& text, size_t max_lines) {
  std::vector<std::string> lines;
  std::istringstream in(strip_ansi(text));
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) lines.push_back(line);
  }
  size_t from = lines.size() > max_lines ? lines.size() - max_lines : 0;
  std::string out;
  for (size_t i = from; i < lines.size(); ++i) {
    if (!out.empty()) out += '\n';
    out += lines[i];
  }
  return out;
}

bool is_inside(const stdfs::path& child, const stdfs::path& parent) {
  auto rel = child.lexically_normal().lexically_relative(parent.lexically_normal());
  return !rel.empty() && *rel.begin() != ".." && !rel.is_absolute();
}

bool dir_has_files(const stdfs::path& dir) {
  std::error_code ec;
  if (!stdfs::is_directory(dir, ec)) return false;
  for (auto it = stdfs::recursive_directory_iterator(dir, ec); !ec && it != stdfs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_regular_file(ec) && !it->is_symlink(ec)) return true;
  }
  return false;
}

// A HOME Playwright can write to (Lambda's HOME is unset or read-only).
std::string writable_home(const stdfs::path& tmp_dir) {
  std::string home = env_or("HOME");
  if (!home.empty() && ::access(home.c_str(), W_OK) == 0) return home;
  return tmp_dir.string();
}

struct PlaywrightRun {
  bool started = false;
  std::string start_error;  // why Playwright could not be started
  ExitStatus status;
  bool deadline_hit = false;  // we stopped it because the deadline was near
  std::string log;            // its combined stdout/stderr
};

PlaywrightRun run_playwright(const WrapperPaths& paths, const RunnerSettings& settings, std::int64_t deadline_ms) {
  PlaywrightRun run;
  stdfs::path log_file = paths.work_dir / "playwright.log";
  SpawnOptions opts;
  opts.argv = {settings.node.string(), settings.playwright_cli.string(), "test", "--config", paths.config.string(),
               "--test-list",          paths.test_list.string()};
  opts.cwd = settings.project_root;
  opts.env_set["HT_TEST_ARTIFACTS_OUTPUT_PATH"] = paths.shared_artifacts_dir.string();
  opts.env_set["HOME"] = writable_home(settings.tmp_dir);
  opts.env_set["HT_RUNNER_PID"] = std::to_string(::getpid());  // for the orphan guard
  // Playwright's and Chromium's temp files (profiles, artifacts in flight) stay inside the
  // work dir, so removing it frees Lambda's small /tmp even after a kill. Chromium puts a
  // Unix socket (SingletonSocket, 108-byte path limit) two levels below TMPDIR, so a long
  // work dir path keeps the inherited TMPDIR.
  const stdfs::path tmp = paths.work_dir / "t";
  std::error_code ec;
  if (tmp.string().size() <= 60 && stdfs::create_directories(tmp, ec)) opts.env_set["TMPDIR"] = tmp.string();
  opts.stdout_mode = Stdio::file;
  opts.stdout_file = log_file;
  opts.stderr_mode = Stdio::file;
  opts.stderr_file = log_file;
  opts.new_process_group = true;  // so a kill reaches its workers too

  auto child = spawn(opts);
  if (!child.ok()) {
    run.start_error = child.error().describe();
    return run;
  }
  run.started = true;
  g_playwright_group.store(child->pid());
  std::optional<ExitStatus> status;
  if (deadline_ms > 0) {
    std::int64_t stop_at = deadline_ms - settings.deadline_margin.count();
    status = child->wait(milliseconds(std::max<std::int64_t>(0, stop_at - now_ms())));
    if (!status) {
      run.deadline_hit = true;
      log::warn("invocation deadline is near: interrupting Playwright (pid {})", child->pid());
      // SIGINT lets Playwright finish its reporters (JSON and blob) for the tests that ran.
      child->kill(SIGINT);
      std::int64_t grace = std::min<std::int64_t>(2000, std::max<std::int64_t>(0, deadline_ms - 1000 - now_ms()));
      status = child->wait(milliseconds(grace));
      if (!status) {
        child->kill(SIGKILL);
        status = child->wait();
      }
    }
  } else {
    status = child->wait();
  }
  child->kill(SIGKILL);  // stragglers left in its process group
  g_playwright_group.store(0);
  run.status = status.value_or(ExitStatus{});
  run.log = fs::read_file(log_file).value_or("");
  return run;
}

// The Playwright outputDirs the fixture recorded for each test, kept only when inside `output_dir`.
std::map<std::string, std::vector<stdfs::path>> recorded_output_dirs(const WrapperPaths& paths) {
  std::map<std::string, std::vector<stdfs::path>> out;
  auto text = fs::read_file(paths.output_dirs_file);
  if (!text.ok()) return out;
  std::istringstream in(*text);
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object() || !j.contains("testId") || !j.contains("outputDir")) continue;
    if (!j["testId"].is_string() || !j["outputDir"].is_string()) continue;
    stdfs::path dir = j["outputDir"].get<std::string>();
    if (!is_inside(dir, paths.output_dir)) continue;
    auto& dirs = out[j["testId"].get<std::string>()];
    if (std::find(dirs.begin(), dirs.end(), dir) == dirs.end()) dirs.push_back(dir);
  }
  return out;
}

std::string reason_for_unreported(const PlaywrightRun& run, bool have_report, bool listed) {
  if (!run.started) return "cannot start Playwright: " + run.start_error;
  if (run.deadline_hit) return "invocation deadline reached";
  std::string reason;
  if (have_report && listed) {
    reason = "Playwright stopped before this test finished (" + run.status.describe() + ")";
  } else if (have_report) {
    // Playwright ignores --test-list lines that match nothing.
    return "Playwright found no test with this project, file and title path (renamed or removed since "
           "discovery?)";
  } else {
    reason = "Playwright exited (" + run.status.describe() + ") without reporting this test";
  }
  std::string tail = last_lines(run.log, 15);
  if (!tail.empty()) reason += "; last output:\n" + tail;
  return reason;
}

void upload_artifacts(const InvocationRequest& request, const RunnerSettings& settings, const WrapperPaths& paths,
                      const std::map<std::string, ReportedTest>& reported, std::vector<TestOutcome>& outcomes) {
  auto store = open_store(request.artifacts, settings.project_root);
  if (!store.ok()) {
    log::error("cannot open the artifact store: {}", store.error().describe());
    return;
  }
  ArtifactStore& s = **store;
  const std::string run_prefix = request.run_id + "/";
  const std::string invocation_name = fmt::format("{}-{}", request.invocation_id, request.attempt);
  auto output_dirs = recorded_output_dirs(paths);
  for (auto& outcome : outcomes) {
    const std::string prefix = run_prefix + outcome.test_id + "/";
    bool any = false;
    Status st;
    stdfs::path own = paths.artifacts_dir / outcome.test_id;
    if (dir_has_files(own)) {
      auto n = upload_tree(s, own, prefix);
      if (!n.ok()) log::error("upload {}: {}", own.string(), n.error().describe());
      any = any || (n.ok() && *n > 0);
    }
    for (const auto& dir : output_dirs[outcome.test_id]) {
      auto n = upload_tree(s, dir, prefix + "test-results/" + dir.filename().string());
      if (!n.ok()) log::error("upload {}: {}", dir.string(), n.error().describe());
      any = any || (n.ok() && *n > 0);
    }
    auto it = reported.find(outcome.test_id);
    if (it != reported.end()) {
      st = s.put(prefix + "playwright-test.json",
                 it->second.entry.dump(2, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
      if (!st.ok()) log::error("upload playwright-test.json: {}", st.error().describe());
      any = any || st.ok();
    }
    if (any) outcome.artifacts = s.uri_of(prefix);
  }
  std::error_code ec;
  if (stdfs::is_regular_file(paths.blob_report, ec)) {
    Status st =
        s.put_file(run_prefix + "blob-reports/" + invocation_name + ".zip", paths.blob_report, "application/zip");
    if (!st.ok()) log::error("upload blob report: {}", st.error().describe());
  }
  if (stdfs::is_regular_file(paths.json_report, ec)) {
    Status st =
        s.put_file(run_prefix + "invocations/" + invocation_name + ".json", paths.json_report, "application/json");
    if (!st.ok()) log::error("upload JSON report: {}", st.error().describe());
  }
  if (dir_has_files(paths.shared_artifacts_dir)) {
    auto n = upload_tree(s, paths.shared_artifacts_dir, run_prefix + "invocations/" + invocation_name + "-shared");
    if (!n.ok()) log::error("upload shared artifacts: {}", n.error().describe());
  }
}

}  // namespace

void kill_running_playwright() {
  pid_t group = g_playwright_group.load();
  if (group > 0) ::kill(-group, SIGKILL);
}

stdfs::path find_playwright_cli(const stdfs::path& project_root) {
  std::error_code ec;
  const stdfs::path rel = stdfs::path("@playwright") / "test" / "cli.js";
  for (stdfs::path dir = project_root; !dir.empty(); dir = dir.parent_path()) {
    stdfs::path candidate = dir / "node_modules" / rel;
    if (stdfs::is_regular_file(candidate, ec)) return candidate;
    if (dir == dir.root_path()) break;
  }
  std::string node_path = env_or("NODE_PATH");
  std::istringstream in(node_path);
  for (std::string entry; std::getline(in, entry, ':');) {
    if (entry.empty()) continue;
    stdfs::path candidate = stdfs::path(entry) / rel;
    if (stdfs::is_regular_file(candidate, ec)) return candidate;
  }
  return {};
}

Result<RunnerSettings> settings_from_env() {
  RunnerSettings s;
  std::error_code ec;
  std::string root = env_or("HT_PROJECT_ROOT", env_or("LAMBDA_TASK_ROOT"));
  s.project_root = root.empty() ? stdfs::current_path(ec) : stdfs::path(root);
  s.project_root = stdfs::absolute(s.project_root, ec).lexically_normal();
  if (!stdfs::is_directory(s.project_root, ec)) {
    return make_error(ErrorKind::config, "project root is not a directory", s.project_root.string());
  }
  std::string config = env_or("HT_PLAYWRIGHT_CONFIG");
  if (!config.empty()) {
    s.playwright_config = (s.project_root / config).lexically_normal();
    if (!stdfs::is_regular_file(s.playwright_config, ec)) {
      return make_error(ErrorKind::config, "Playwright config not found", s.playwright_config.string());
    }
  } else {
    for (const char* name : {"playwright.config.ts", "playwright.config.js", "playwright.config.mjs",
                             "playwright.config.mts", "playwright.config.cjs", "playwright.config.cts"}) {
      if (stdfs::is_regular_file(s.project_root / name, ec)) {
        s.playwright_config = s.project_root / name;
        break;
      }
    }
    if (s.playwright_config.empty()) {
      return make_error(ErrorKind::config, "no playwright.config.ts (or .js/.mjs) in the project root",
                        s.project_root.string());
    }
  }
  s.node = find_executable(env_or("HT_NODE", "node"));
  if (s.node.empty()) return make_error(ErrorKind::config, "node not found in PATH", "HT_NODE/PATH");
  std::string cli = env_or("HT_PLAYWRIGHT_CLI");
  s.playwright_cli = cli.empty() ? find_playwright_cli(s.project_root) : stdfs::path(cli);
  if (s.playwright_cli.empty() || !stdfs::is_regular_file(s.playwright_cli, ec)) {
    return make_error(
        ErrorKind::config,
        "@playwright/test is not installed (no node_modules/@playwright/test/cli.js above the project root)",
        s.project_root.string());
  }
  s.tmp_dir = env_or("TMPDIR", "/tmp");
  std::string margin = env_or("HT_DEADLINE_MARGIN_MS");
  if (!margin.empty()) s.deadline_margin = milliseconds(std::strtoll(margin.c_str(), nullptr, 10));
  s.keep_work_dir = env_or("HT_KEEP_WORK_DIR") == "1";
  return s;
}

InvocationResponse handle_invocation(const InvocationRequest& request, const RunnerSettings& settings,
                                     std::int64_t deadline_ms) {
  const auto started = std::chrono::system_clock::now();
  InvocationResponse response;
  response.invocation_id = request.invocation_id;
  auto error_outcome = [&](const TestRef& t, const std::string& reason) {
    TestOutcome o;
    o.test_id = t.test_id;
    o.status = TestStatus::error;
    o.start_date = iso8601(started);
    o.end_date = iso8601_now();
    o.duration_ms = std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now() - started).count();
    o.error = TestError{reason, ""};
    return o;
  };

  auto work = fs::make_temp_dir("ht-", settings.tmp_dir);
  if (!work.ok()) {
    for (const auto& t : request.tests) {
      response.results.push_back(error_outcome(t, "cannot create a work dir: " + work.error().describe()));
    }
    return response;
  }
  auto paths = write_playwright_wrapper(*work, settings.project_root, settings.playwright_config, request.tests);
  if (!paths.ok()) {
    for (const auto& t : request.tests) {
      response.results.push_back(error_outcome(t, "cannot write the wrapper config: " + paths.error().describe()));
    }
    if (!settings.keep_work_dir) fs::remove_all_quietly(*work);
    return response;
  }

  PlaywrightRun run;
  const bool anything_to_run = paths->unselectable.size() < request.tests.size();
  if (anything_to_run) run = run_playwright(*paths, settings, deadline_ms);
  if (!run.log.empty()) {
    // Playwright's output belongs in the function's log (CloudWatch, or the local runner log).
    std::string text = fmt::format("----- playwright ({}) -----\n{}\n----- end of playwright output -----\n",
                                   request.invocation_id, run.log);
    (void)::write(STDERR_FILENO, text.data(), text.size());
  }

  nlohmann::json report;
  if (auto text = fs::read_file(paths->json_report); text.ok()) {
    report = nlohmann::json::parse(*text, nullptr, false);
    if (report.is_discarded()) report = nlohmann::json();
  }
  const bool have_report = report.is_object() && report.contains("suites");
  auto reported = map_playwright_report(report, settings.project_root, request.tests);

  std::set<std::string> unselectable(paths->unselectable.begin(), paths->unselectable.end());
  for (const auto& t : request.tests) {
    if (unselectable.count(t.test_id) != 0) {
      response.results.push_back(error_outcome(t,
                                               "this test cannot be selected with Playwright's --test-list (its "
                                               "project or file name contains '\xE2\x80\xBA', "
                                               "a line break or a \":line\" suffix)"));
      continue;
    }
    auto it = reported.find(t.test_id);
    if (it != reported.end() && it->second.has_verdict) {
      response.results.push_back(it->second.outcome);
      continue;
    }
    response.results.push_back(error_outcome(t, reason_for_unreported(run, have_report, it != reported.end())));
  }

  upload_artifacts(request, settings, *paths, reported, response.results);
  if (!settings.keep_work_dir) fs::remove_all_quietly(*work);
  return response;
}

}  // namespace ht::runner
