#include "commands/invoke.hpp"

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands/cli.hpp"
#include "commands/common.hpp"
#include "commands/provider_factory.hpp"
#include "core/clock.hpp"
#include "core/fs.hpp"
#include "core/log.hpp"
#include "manifest/manifest.hpp"
#include "report/html_report.hpp"
#include "report/junit.hpp"
#include "report/results.hpp"
#include "scheduler/plan.hpp"
#include "ui/reporter.hpp"

namespace ht {

namespace stdfs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void on_interrupt(int /*sig*/) { g_interrupted = true; }

// Ctrl-C (and SIGTERM from CI) set a flag the run loop polls; the loop cancels the
// provider, and every test still owed a result is reported as interrupted.
class InterruptGuard {
 public:
  InterruptGuard() {
    g_interrupted = false;
    struct sigaction sa {};
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
  }
  ~InterruptGuard() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

// Applies driftDetectionPolicy: silence ignores, warning tells, error stops (exit 2).
Status apply_drift_policy(const Config& config, const DriftReport& drift, ui::EventSink& sink) {
  if (!drift.drifted() || config.drift_detection_policy == DriftPolicy::silence) return {};
  if (config.drift_detection_policy == DriftPolicy::warning) {
    sink.on_event(ui::Message{ui::Level::warn, "drift: " + drift.describe()});
    return {};
  }
  return make_error(ErrorKind::drift, drift.describe() + " (driftDetectionPolicy is \"error\")", "drift check");
}

bool has_filters(const CommandOptions& o) { return !o.grep.empty() || !o.file_filters.empty() || !o.projects.empty(); }

// The tests this run executes (SPEC §6): the manifest's frozen list for the cloud and for an
// unchanged local tree; a fresh discovery for a local tree that changed since deploy or has
// no manifest yet (its "image" is the working tree itself); narrowed by the filters.
Result<std::vector<TestCase>> select_tests(const Config& config, const CommandOptions& options, ArtifactStore& store,
                                           Provider& provider, ui::EventSink& sink) {
  auto manifest = load_manifest(store, config.build_manifest_file_name);
  if (!manifest.ok()) return manifest.error();
  bool suite_unchanged = false;
  if (manifest->has_value()) {
    auto file_set = project_file_set(config);
    if (!file_set.ok()) return file_set.error().with_context("hash the project");
    auto function_digest = provider.deployed_image_digest();
    if (!function_digest.ok()) return function_digest.error();
    auto drift = check_drift(**manifest, file_set->hash, *function_digest);
    HT_TRY(apply_drift_policy(config, drift, sink));
    suite_unchanged = !drift.suite_changed;
  } else if (config.cloud_provider.is_aws()) {
    return make_error(ErrorKind::usage, "no manifest at " + store.uri_of(config.build_manifest_file_name) +
                                            ": run `hypertest deploy` first");
  }

  // Locally, an unchanged tree runs the manifest's list as it is: Playwright would list the
  // same tests, and asking it again costs seconds.
  bool need_discovery = has_filters(options) || (!config.cloud_provider.is_aws() && !suite_unchanged);
  if (need_discovery) {
    auto discovered = discover_tests(discovery_options(config, options));
    if (!discovered.ok()) return discovered.error().with_context("discover tests");
    if (!config.cloud_provider.is_aws()) return std::move(discovered->tests);
    // The cloud runs what was deployed: keep the manifest's tests the filters select.
    std::set<std::string> wanted;
    for (const auto& t : discovered->tests) wanted.insert(t.test_id);
    std::vector<TestCase> out;
    for (const auto& t : (*manifest)->tests) {
      if (wanted.count(t.test_id) != 0) out.push_back(t);
    }
    return out;
  }
  return (*manifest)->tests;
}

std::map<std::string, std::int64_t> read_history(const stdfs::path& results_path) {
  auto text = fs::read_file(results_path);
  if (!text.ok()) return {};
  try {
    return load_history(nlohmann::json::parse(*text));
  } catch (const nlohmann::json::exception&) {
    return {};
  }
}

// Drives one run: submits invocations, maps outcomes back to tests, retries, and keeps
// exactly one final result per test.
class RunLoop {
 public:
  RunLoop(const Config& config, Provider& provider, ui::EventSink& sink, std::string run_id, std::string store_uri)
      : config_(config),
        provider_(provider),
        sink_(sink),
        run_id_(std::move(run_id)),
        store_uri_(std::move(store_uri)) {}

  void run(const std::vector<PlannedInvocation>& plan) {
    for (const auto& inv : plan) submit(inv.tests, 1);
    bool cancelled = false;
    while (!pending_.empty()) {
      if (g_interrupted && !cancelled) {
        cancelled = true;
        interrupted_ = true;
        sink_.on_event(ui::Message{ui::Level::warn, "interrupted: stopping invocations"});
        provider_.cancel();
      }
      auto outcome = provider_.wait_next(std::chrono::milliseconds(200));
      if (outcome) handle(std::move(*outcome));
    }
  }

  [[nodiscard]] bool interrupted() const { return interrupted_; }
  std::map<std::string, TestResult>& finals() { return finals_; }

 private:
  struct Pending {
    std::vector<TestCase> tests;
    int attempt = 1;
    Clock::time_point started;
  };

  void submit(const std::vector<TestCase>& tests, int attempt) {
    InvocationRequest req;
    req.run_id = run_id_;
    req.invocation_id = fmt::format("{:04}", ++counter_);
    req.artifacts = store_uri_;
    req.attempt = attempt;
    for (const auto& t : tests) req.tests.push_back(to_ref(t));
    pending_[req.invocation_id] = Pending{tests, attempt, Clock::now()};
    sink_.on_event(ui::InvocationStarted{req.invocation_id, static_cast<int>(tests.size()), attempt});
    provider_.submit(std::move(req));
  }

  static TestOutcome infrastructure_error(const TestCase& t, const Error& e, const std::string& log_tail) {
    TestOutcome o;
    o.test_id = t.test_id;
    o.status = TestStatus::error;
    o.start_date = o.end_date = iso8601_now();
    o.error = TestError{e.describe(), log_tail};
    return o;
  }

  void handle(InvocationOutcome outcome) {
    auto it = pending_.find(outcome.invocation_id);
    if (it == pending_.end()) {
      log::warn("outcome for unknown invocation {}", outcome.invocation_id);
      return;
    }
    Pending p = std::move(it->second);
    pending_.erase(it);
    auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - p.started).count();

    std::map<std::string, TestOutcome> by_id;
    ui::InvocationFinished finished{outcome.invocation_id, true, "", elapsed};
    if (auto* response = std::get_if<InvocationResponse>(&outcome.result)) {
      for (auto& o : response->results) by_id[o.test_id] = std::move(o);
      for (const auto& t : p.tests) {
        if (by_id.count(t.test_id) == 0) {
          by_id[t.test_id] = infrastructure_error(
              t, make_error(ErrorKind::protocol, "the runner returned no result for this test"), outcome.log_tail);
        }
      }
    } else {
      const Error& e = std::get<Error>(outcome.result);
      finished.ok = false;
      finished.error = e.describe();
      for (const auto& t : p.tests) by_id[t.test_id] = infrastructure_error(t, e, outcome.log_tail);
    }
    sink_.on_event(finished);

    // Which tests get another attempt: failed or errored, within the retry budget, never
    // after an interrupt. A serial group is retried whole (its tests depend on each other).
    const bool may_retry = p.attempt <= config_.retries && !g_interrupted;
    auto wants_retry = [&](const TestCase& t) {
      auto status = by_id[t.test_id].status;
      return may_retry && (status == TestStatus::failed || status == TestStatus::error);
    };
    std::set<std::string> retry_groups;
    for (const auto& t : p.tests) {
      if (!t.group.empty() && wants_retry(t)) retry_groups.insert(t.group);
    }
    std::vector<TestCase> retry;
    for (const auto& t : p.tests) {
      if (t.group.empty() ? wants_retry(t) : retry_groups.count(t.group) != 0) {
        if (wants_retry(t)) failed_before_.insert(t.test_id);
        retry.push_back(t);
      } else {
        finalize(t, by_id[t.test_id], outcome.invocation_id, p.attempt);
      }
    }
    if (!retry.empty()) submit(retry, p.attempt + 1);
  }

  void finalize(const TestCase& t, const TestOutcome& o, const std::string& invocation_id, int attempt) {
    TestResult r = make_test_result(t, o, invocation_id, attempt);
    // Flaky: passed after a failed try, Playwright's own retry or an earlier attempt of its
    // own (not one merely retried with its serial group).
    r.flaky = o.status == TestStatus::success && (o.flaky || failed_before_.count(t.test_id) != 0);
    if (r.artifacts.empty())
      r.artifacts = store_uri_ + (store_uri_.back() == '/' ? "" : "/") + run_id_ + "/" + t.test_id + "/";
    sink_.on_event(ui::TestFinished{r});
    finals_[t.test_id] = std::move(r);
  }

  const Config& config_;
  Provider& provider_;
  ui::EventSink& sink_;
  std::string run_id_;
  std::string store_uri_;
  int counter_ = 0;
  bool interrupted_ = false;
  std::map<std::string, Pending> pending_;
  std::map<std::string, TestResult> finals_;
  std::set<std::string> failed_before_;  // testIds with a failed or errored earlier attempt
};

// Downloads the runners' blob reports and merges them into one HTML report in the store
// under {runId}/report/ (SPEC §8). Failures are warnings: the results file is what counts.
void publish_html_report(const Config& config, ArtifactStore& store, const std::string& run_id, ui::EventSink& sink) {
  auto keys = store.list(run_id + "/blob-reports/");
  if (!keys.ok() || keys->empty()) return;
  fs::TempDir work("ht-report-");
  stdfs::path blobs = work.path() / "blobs";
  stdfs::create_directories(blobs);
  for (const auto& key : *keys) {
    auto data = store.get(key);
    if (!data.ok()) {
      sink.on_event(ui::Message{ui::Level::warn, "HTML report skipped: " + data.error().describe()});
      return;
    }
    auto st = fs::write_file_atomic(blobs / stdfs::path(key).filename(), *data);
    if (!st.ok()) return;
  }
  stdfs::path out = work.path() / "html";
  auto merged = merge_html_report(blobs, out, config.project_root);
  if (!merged.ok()) {
    sink.on_event(ui::Message{ui::Level::warn, "HTML report skipped: " + merged.error().describe()});
    return;
  }
  auto up = upload_tree(store, out, run_id + "/report");
  if (!up.ok()) {
    sink.on_event(ui::Message{ui::Level::warn, "HTML report upload failed: " + up.error().describe()});
    return;
  }
  sink.on_event(ui::Message{ui::Level::info, "HTML report: " + store.uri_of(run_id + "/report/index.html")});
}

}  // namespace

int run_invoke(const CommandOptions& options) {
  auto config = load_config(options.overrides);
  if (!config.ok()) return report_error(config.error());
  auto sink = ui::make_reporter(options.quiet);
  auto fail = [&](const Error& e) {
    sink->close();
    return report_error(e);
  };

  auto store = open_artifact_store(*config);
  if (!store.ok()) return fail(store.error());
  auto provider = make_provider(*config);
  if (!provider.ok()) return fail(provider.error());

  const std::string run_id = make_run_id();
  const auto start_wall = std::chrono::system_clock::now();
  const auto start = Clock::now();

  auto tests = select_tests(*config, options, **store, **provider, *sink);
  if (!tests.ok()) return fail(tests.error());

  const stdfs::path results_path = config->project_root / config->results_file_name;
  PlanOptions plan_options;
  plan_options.concurrency = config->concurrency;
  plan_options.history = read_history(results_path);
  plan_options.startup_ms = (*provider)->startup_estimate_ms();
  auto plan = plan_invocations(*tests, plan_options);

  if (options.dry_run) {
    sink->close();
    fmt::print("run {}: {} tests in {} invocations, concurrency {}, provider {}, artifacts {}\n", run_id, tests->size(),
               plan.size(), config->concurrency, (*provider)->name(), (*store)->uri());
    for (size_t i = 0; i < plan.size(); ++i) {
      fmt::print("  invocation {:>3}: {:>3} tests, ~{:.1f}s\n", i + 1, plan[i].tests.size(),
                 static_cast<double>(plan[i].estimated_ms) / 1000.0);
    }
    return kExitOk;
  }

  sink->on_event(ui::RunStarted{run_id, static_cast<int>(tests->size()), static_cast<int>(plan.size()),
                                config->concurrency, (*provider)->name()});
  RunContext ctx;
  ctx.run_id = run_id;
  ctx.artifacts = (*store)->uri();
  ctx.concurrency = std::min<int>(config->concurrency, std::max<int>(1, static_cast<int>(plan.size())));
  ctx.project_root = config->project_root;
  ctx.playwright_config = config->test_runner.config;
  ctx.runner_binary = find_runner_binary();

  RunLoop loop(*config, **provider, *sink, run_id, (*store)->uri());
  {
    InterruptGuard guard;
    if (!plan.empty()) {
      auto started = (*provider)->start(ctx);
      if (!started.ok()) return fail(started.error().with_context("start provider " + (*provider)->name()));
      loop.run(plan);
      (*provider)->stop();
    }
  }

  // One final result per test, in discovery order; a test with none (cannot happen unless
  // the provider broke its contract) is reported as an error rather than dropped.
  RunResults results;
  results.run_id = run_id;
  results.start_date = iso8601(start_wall);
  for (const auto& t : *tests) {
    auto it = loop.finals().find(t.test_id);
    if (it != loop.finals().end()) {
      results.test_results.push_back(it->second);
      continue;
    }
    TestOutcome o;
    o.test_id = t.test_id;
    o.status = TestStatus::error;
    o.error = TestError{loop.interrupted() ? "interrupted before the test ran" : "no outcome was received", ""};
    results.test_results.push_back(make_test_result(t, o, "", 0));
  }
  results.end_date = iso8601_now();
  results.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();

  const std::string results_json = results_to_json(results);
  auto written = fs::write_file_atomic(results_path, results_json);
  if (!written.ok()) return fail(written.error());
  const std::string junit = results_to_junit(results);
  stdfs::path junit_path = results_path;
  junit_path.replace_extension(".junit.xml");
  auto junit_written = fs::write_file_atomic(junit_path, junit);
  if (!junit_written.ok()) sink->on_event(ui::Message{ui::Level::warn, junit_written.error().describe()});
  for (const auto& [key, data, type] :
       {std::tuple{run_id + "/" + config->results_file_name, &results_json, "application/json"},
        std::tuple{run_id + "/junit.xml", &junit, "application/xml"}}) {
    auto st = (*store)->put(key, *data, type);
    if (!st.ok()) sink->on_event(ui::Message{ui::Level::warn, "store: " + st.error().describe()});
  }
  if (!options.no_html && !loop.interrupted()) publish_html_report(*config, **store, run_id, *sink);

  TestCounts counts = count_results(results.test_results);
  sink->on_event(ui::RunFinished{counts, results_path.string(), results.duration_ms, loop.interrupted()});
  sink->close();
  if (loop.interrupted()) return kExitInterrupted;
  return counts.failed > 0 ? kExitFailed : kExitOk;
}

}  // namespace ht
