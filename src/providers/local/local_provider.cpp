#include "providers/local/local_provider.hpp"

#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <system_error>

#include <fmt/format.h>

#include "core/fs.hpp"
#include "core/log.hpp"

namespace ht {

namespace stdfs = std::filesystem;
using std::chrono::milliseconds;

namespace {

constexpr auto kWatchInterval = milliseconds(50);
constexpr auto kDeadlineGrace = milliseconds(1000);
constexpr int kMaxEarlyExits = 3;
constexpr std::streamoff kLogTailBytes = 4096;

Error interrupted(const std::string& why) { return make_error(ErrorKind::interrupted, why, "local provider"); }

}  // namespace

std::unique_ptr<Provider> make_local_provider() { return std::make_unique<LocalProvider>(); }

LocalProvider::~LocalProvider() { stop(); }

Status LocalProvider::start(const RunContext& context) {
  if (host_) return make_error(ErrorKind::internal, "already started", "local provider");
  context_ = context;
  if (context_.concurrency < 1)
    return make_error(ErrorKind::config, "concurrency must be at least 1", "local provider");
  if (context_.runner_binary.empty() || ::access(context_.runner_binary.c_str(), X_OK) != 0) {
    return make_error(ErrorKind::config, "runner binary not found or not executable",
                      "hypertest-runner " + context_.runner_binary.string());
  }
  auto dir = fs::make_temp_dir("hypertest-local-");
  if (!dir.ok()) return dir.error();
  log_dir_ = *dir;

  local::RuntimeApiHost::Options options;
  options.invocation_timeout = context_.invocation_timeout;
  host_ = std::make_unique<local::RuntimeApiHost>(options);
  host_->set_log_tail_source([this](int env) { return log_tail(env); });

  std::lock_guard lock(runners_mu_);
  runners_.resize(static_cast<size_t>(context_.concurrency));
  for (int i = 0; i < context_.concurrency; ++i) {
    auto env = host_->add_environment();
    if (!env.ok()) return env.error().with_context("local provider: Runtime API");
    runners_[static_cast<size_t>(i)].log_file = log_dir_ / fmt::format("runner-{}.log", i);
    HT_TRY(spawn_runner(i));
  }
  watchdog_ = std::thread([this] { watchdog_loop(); });
  return {};
}

// Requires runners_mu_.
Status LocalProvider::spawn_runner(int env) {
  Runner& r = runners_[static_cast<size_t>(env)];
  SpawnOptions opts;
  opts.argv = {context_.runner_binary.string()};
  opts.env_set = {
      {"AWS_LAMBDA_RUNTIME_API", host_->address(env)},
      {"AWS_LAMBDA_FUNCTION_NAME", "hypertest-local"},
      {"AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"},
      {"AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/hypertest-local"},
      {"AWS_LAMBDA_LOG_STREAM_NAME", fmt::format("local/runner-{}", env)},
      {"LAMBDA_TASK_ROOT", context_.project_root.string()},
      {"HT_PROJECT_ROOT", context_.project_root.string()},
  };
  if (!context_.playwright_config.empty()) opts.env_set["HT_PLAYWRIGHT_CONFIG"] = context_.playwright_config.string();
  for (const auto& [k, v] : context_.runner_env) opts.env_set[k] = v;
  opts.env_unset = {"_X_AMZN_TRACE_ID"};
  opts.cwd = context_.project_root;
  opts.stdout_mode = Stdio::file;
  opts.stdout_file = r.log_file;
  opts.stderr_mode = Stdio::file;
  opts.stderr_file = r.log_file;
  opts.new_process_group = true;
  auto child = spawn(opts);
  if (!child.ok()) return child.error().with_context("local provider: start runner");
  r.child = std::move(*child);
  log::debug("local provider: runner {} started (pid {}, {})", env, r.child.pid(), host_->address(env));
  return {};
}

std::string LocalProvider::log_tail(int env) const {
  stdfs::path file;
  {
    std::lock_guard lock(runners_mu_);
    if (env < 0 || static_cast<size_t>(env) >= runners_.size()) return {};
    file = runners_[static_cast<size_t>(env)].log_file;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return {};
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  std::streamoff from = size > kLogTailBytes ? size - kLogTailBytes : 0;
  in.seekg(from);
  std::string text(static_cast<size_t>(size - from), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (from > 0) {
    auto nl = text.find('\n');
    if (nl != std::string::npos) text.erase(0, nl + 1);
  }
  return text;
}

void LocalProvider::watchdog_loop() {
  while (!stopping_) {
    watch_once();
    std::this_thread::sleep_for(kWatchInterval);
  }
}

void LocalProvider::watch_once() {
  std::unique_lock lock(runners_mu_);
  const auto now = std::chrono::system_clock::now();
  bool all_failed = !runners_.empty();
  for (size_t i = 0; i < runners_.size(); ++i) {
    const int env = static_cast<int>(i);
    Runner& r = runners_[i];
    if (r.failed) continue;
    all_failed = false;
    auto state = host_->state(env);
    if (state.invocation_id && now > state.deadline + kDeadlineGrace) {
      const std::string id = *state.invocation_id;
      r.child.kill(SIGKILL);
      r.child.wait(milliseconds(2000));
      lock.unlock();
      std::string tail = log_tail(env);
      lock.lock();
      Error e =
          make_error(ErrorKind::process,
                     fmt::format("invocation {} passed its deadline ({} s): its runner was killed", id,
                                 std::chrono::duration_cast<std::chrono::seconds>(context_.invocation_timeout).count()),
                     "local provider");
      host_->abort_current(env, e, tail);
    }
    auto exited = r.child.poll();
    if (!exited) continue;
    lock.unlock();
    std::string tail = log_tail(env);
    lock.lock();
    state = host_->state(env);
    if (state.invocation_id) {
      Error e = make_error(ErrorKind::process,
                           fmt::format("runner exited with {} while running invocation {}",
                                       exited->signal != 0 ? fmt::format("signal {}", exited->signal)
                                                           : fmt::format("exit code {}", exited->code),
                                       *state.invocation_id),
                           "local provider");
      host_->abort_current(env, e, tail);
    }
    r.child = Child();
    if (stopping_ || cancelled_) {
      r.failed = true;
      r.failure = interrupted("runner stopped");
      continue;
    }
    if (state.init_error) {
      r.failed = true;
      r.failure = *state.init_error;
      log::error("local provider: runner {} failed to initialize: {}", env, state.init_error->describe());
      continue;
    }
    if (!state.initialized) {
      if (++r.early_exits >= kMaxEarlyExits) {
        r.failed = true;
        r.failure = make_error(ErrorKind::process,
                               fmt::format("runner exited {} times before asking for work (last: {}); log:\n{}",
                                           r.early_exits, exited->describe(), tail),
                               "local provider");
        log::error("local provider: runner {} keeps exiting: {}", env, exited->describe());
        continue;
      }
    } else {
      r.early_exits = 0;
    }
    host_->reset_environment(env);
    if (Status st = spawn_runner(env); !st.ok()) {
      r.failed = true;
      r.failure = st.error();
    }
  }
  // Re-check after this round's changes.
  all_failed = !runners_.empty();
  for (const auto& r : runners_) all_failed = all_failed && r.failed;
  if (all_failed && !stopping_ && !cancelled_) {
    if (!all_failed_) {
      for (const auto& r : runners_) {
        if (r.failure) {
          all_failed_error_ = *r.failure;
          break;
        }
      }
      if (!all_failed_error_)
        all_failed_error_ = make_error(ErrorKind::process, "every runner failed", "local provider");
      all_failed_error_->message = "every runner failed: " + all_failed_error_->message;
      all_failed_ = true;
    }
    host_->fail_pending(*all_failed_error_);
  }
}

void LocalProvider::submit(InvocationRequest request) {
  if (!host_) {
    log::error("local provider: submit before start");
    return;
  }
  if (stopped_ || stopping_ || cancelled_) {
    host_->push_outcome(InvocationOutcome{request.invocation_id, interrupted("the run was cancelled"), ""});
    return;
  }
  if (all_failed_) {
    std::lock_guard lock(runners_mu_);
    host_->push_outcome(InvocationOutcome{request.invocation_id, *all_failed_error_, ""});
    return;
  }
  host_->submit(std::move(request));
}

std::optional<InvocationOutcome> LocalProvider::wait_next(milliseconds timeout) {
  if (!host_) {
    std::this_thread::sleep_for(timeout);
    return std::nullopt;
  }
  return host_->wait_outcome(timeout);
}

// Requires runners_mu_. SIGTERM to every runner's process group (the runner then kills its
// Playwright), SIGKILL after 2 s, reap.
void LocalProvider::kill_all_runners() {
  for (auto& r : runners_) {
    if (r.child.running()) r.child.kill(SIGTERM);
  }
  auto until = std::chrono::steady_clock::now() + milliseconds(2000);
  for (auto& r : runners_) {
    if (!r.child.running()) continue;
    auto left = std::chrono::duration_cast<milliseconds>(until - std::chrono::steady_clock::now());
    if (!r.child.wait(std::max(left, milliseconds(0)))) {
      r.child.kill(SIGKILL);
      r.child.wait();
    }
  }
}

void LocalProvider::cancel() {
  if (!host_ || cancelled_) return;
  cancelled_ = true;
  host_->fail_pending(interrupted("the run was cancelled"));
  std::lock_guard lock(runners_mu_);
  for (size_t i = 0; i < runners_.size(); ++i) {
    host_->abort_current(static_cast<int>(i), interrupted("the run was cancelled"), "");
  }
  kill_all_runners();
}

void LocalProvider::stop() {
  if (stopped_) return;
  stopped_ = true;
  if (!host_) return;
  stopping_ = true;
  if (watchdog_.joinable()) watchdog_.join();
  host_->fail_pending(interrupted("the provider was stopped"));
  {
    std::lock_guard lock(runners_mu_);
    for (size_t i = 0; i < runners_.size(); ++i) {
      host_->abort_current(static_cast<int>(i), interrupted("the provider was stopped"), "");
    }
    kill_all_runners();
  }
  host_->shutdown();
  if (!log_dir_.empty() && std::getenv("HT_KEEP_RUNNER_LOGS") == nullptr) fs::remove_all_quietly(log_dir_);
}

std::vector<pid_t> LocalProvider::runner_pids() const {
  std::lock_guard lock(runners_mu_);
  std::vector<pid_t> pids;
  for (const auto& r : runners_) {
    if (r.child.running()) pids.push_back(r.child.pid());
  }
  return pids;
}

std::optional<pid_t> LocalProvider::runner_pid_for(const std::string& invocation_id) const {
  std::lock_guard lock(runners_mu_);
  for (size_t i = 0; i < runners_.size(); ++i) {
    auto state = host_->state(static_cast<int>(i));
    if (state.invocation_id && *state.invocation_id == invocation_id && runners_[i].child.running()) {
      return runners_[i].child.pid();
    }
  }
  return std::nullopt;
}

}  // namespace ht
