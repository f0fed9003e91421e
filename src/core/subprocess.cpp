#include "core/subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "core/unique_fd.hpp"

extern char** environ;

namespace ht {
namespace {

ExitStatus decode(int wstatus) {
  ExitStatus s;
  if (WIFEXITED(wstatus)) s.code = WEXITSTATUS(wstatus);
  if (WIFSIGNALED(wstatus)) s.signal = WTERMSIG(wstatus);
  return s;
}

std::vector<std::string> build_env(const SpawnOptions& o) {
  std::set<std::string> drop(o.env_unset.begin(), o.env_unset.end());
  for (const auto& [k, v] : o.env_set) drop.insert(k);
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view kv(*e);
    auto eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    if (drop.count(std::string(kv.substr(0, eq))) != 0) continue;
    env.emplace_back(kv);
  }
  for (const auto& [k, v] : o.env_set) env.push_back(k + "=" + v);
  return env;
}

// Owns a posix_spawn_file_actions_t.
class FileActions {
 public:
  FileActions() { posix_spawn_file_actions_init(&fa_); }
  ~FileActions() { posix_spawn_file_actions_destroy(&fa_); }
  FileActions(const FileActions&) = delete;
  FileActions& operator=(const FileActions&) = delete;
  posix_spawn_file_actions_t* get() { return &fa_; }

 private:
  posix_spawn_file_actions_t fa_{};
};

struct Pipes {
  UniqueFd out_read, out_write, err_read, err_write;
};

Result<Child> spawn_impl(const SpawnOptions& o, Pipes* pipes) {
  if (o.argv.empty()) return make_error(ErrorKind::internal, "empty argv", "spawn");
  const std::string ctx = "spawn " + o.argv[0];
  std::filesystem::path exe = find_executable(o.argv[0]);
  if (exe.empty()) {
    return make_error(ErrorKind::process, "executable not found in PATH", ctx);
  }
  FileActions fa;
  auto redirect = [&](int target, Stdio mode, const std::filesystem::path& file, UniqueFd* write_end) {
    switch (mode) {
      case Stdio::inherit:
        break;
      case Stdio::null:
        posix_spawn_file_actions_addopen(fa.get(), target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0);
        break;
      case Stdio::file:
        posix_spawn_file_actions_addopen(fa.get(), target, file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        break;
      case Stdio::capture:
        if (write_end != nullptr && *write_end) {
          posix_spawn_file_actions_adddup2(fa.get(), write_end->get(), target);
        }
        break;
    }
  };
  redirect(0, o.stdin_mode == Stdio::capture ? Stdio::null : o.stdin_mode, {}, nullptr);
  redirect(1, o.stdout_mode, o.stdout_file, pipes != nullptr ? &pipes->out_write : nullptr);
  redirect(2, o.stderr_mode, o.stderr_file, pipes != nullptr ? &pipes->err_write : nullptr);
  if (!o.cwd.empty()) posix_spawn_file_actions_addchdir_np(fa.get(), o.cwd.c_str());

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  if (o.new_process_group) {
    flags |= POSIX_SPAWN_SETPGROUP;
    posix_spawnattr_setpgroup(&attr, 0);
  }
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGCHLD);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, flags);

  std::vector<std::string> env = build_env(o);
  std::vector<char*> envp;
  envp.reserve(env.size() + 1);
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = o.argv;
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  pid_t pid = -1;
  int rc = posix_spawn(&pid, exe.c_str(), fa.get(), &attr, argv.data(), envp.data());
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return make_error(ErrorKind::process, std::strerror(rc), ctx);
  return Child(pid, o.new_process_group);
}

}  // namespace

std::string ExitStatus::describe() const {
  if (signal != 0) return fmt::format("killed by signal {} ({})", signal, strsignal(signal));
  return fmt::format("exit code {}", code);
}

Child::~Child() {
  if (running()) terminate(std::chrono::milliseconds(500));
}
Child::Child(Child&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), group_(other.group_), status_(other.status_) {}
Child& Child::operator=(Child&& other) noexcept {
  if (this != &other) {
    if (running()) terminate(std::chrono::milliseconds(500));
    pid_ = std::exchange(other.pid_, -1);
    group_ = other.group_;
    status_ = other.status_;
  }
  return *this;
}

std::optional<ExitStatus> Child::poll() {
  if (status_ || pid_ <= 0) return status_;
  int ws = 0;
  pid_t r = ::waitpid(pid_, &ws, WNOHANG);
  if (r == pid_) status_ = decode(ws);
  return status_;
}

std::optional<ExitStatus> Child::wait(std::optional<std::chrono::milliseconds> timeout) {
  if (status_ || pid_ <= 0) return status_;
  if (!timeout) {
    int ws = 0;
    while (::waitpid(pid_, &ws, 0) < 0) {
      if (errno != EINTR) return status_;
    }
    status_ = decode(ws);
    return status_;
  }
  auto deadline = std::chrono::steady_clock::now() + *timeout;
  auto step = std::chrono::milliseconds(1);
  while (!poll()) {
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(step);
    step = std::min(step * 2, std::chrono::milliseconds(50));
  }
  return status_;
}

void Child::kill(int sig) {
  if (!running()) return;
  if (group_) {
    ::kill(-pid_, sig);
  } else {
    ::kill(pid_, sig);
  }
}

ExitStatus Child::terminate(std::chrono::milliseconds grace) {
  if (!running()) return status_.value_or(ExitStatus{});
  kill(SIGTERM);
  if (auto s = wait(grace)) {
    if (group_) ::kill(-pid_, SIGKILL);  // stragglers in the group
    return *s;
  }
  kill(SIGKILL);
  return wait().value_or(ExitStatus{});
}

Result<Child> spawn(const SpawnOptions& options) {
  if (options.stdout_mode == Stdio::capture || options.stderr_mode == Stdio::capture) {
    return make_error(ErrorKind::internal, "Stdio::capture is only for run()", "spawn");
  }
  return spawn_impl(options, nullptr);
}

Result<RunOutput> run(const SpawnOptions& options, std::optional<std::chrono::milliseconds> timeout) {
  Pipes pipes;
  auto make_pipe = [](UniqueFd& r, UniqueFd& w) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return false;
    r.reset(fds[0]);
    w.reset(fds[1]);
    return true;
  };
  if (options.stdout_mode == Stdio::capture && !make_pipe(pipes.out_read, pipes.out_write)) {
    return make_error(ErrorKind::process, std::strerror(errno), "pipe");
  }
  if (options.stderr_mode == Stdio::capture && !make_pipe(pipes.err_read, pipes.err_write)) {
    return make_error(ErrorKind::process, std::strerror(errno), "pipe");
  }
  auto child = spawn_impl(options, &pipes);
  if (!child.ok()) return child.error();
  pipes.out_write.reset();
  pipes.err_write.reset();

  RunOutput result;
  auto deadline = timeout ? std::optional(std::chrono::steady_clock::now() + *timeout) : std::nullopt;
  char buf[65536];
  while (pipes.out_read || pipes.err_read) {
    pollfd fds[2];
    int n = 0;
    if (pipes.out_read) fds[n++] = {pipes.out_read.get(), POLLIN, 0};
    if (pipes.err_read) fds[n++] = {pipes.err_read.get(), POLLIN, 0};
    int wait_ms = -1;
    if (deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - std::chrono::steady_clock::now());
      wait_ms = static_cast<int>(std::max<long>(0, left.count()));
    }
    int pr = ::poll(fds, static_cast<nfds_t>(n), wait_ms);
    if (pr < 0 && errno == EINTR) continue;
    if (pr == 0) {
      result.timed_out = true;
      break;
    }
    for (int i = 0; i < n; ++i) {
      if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      bool is_out = pipes.out_read && fds[i].fd == pipes.out_read.get();
      ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
      if (got > 0) {
        (is_out ? result.out : result.err).append(buf, static_cast<size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        (is_out ? pipes.out_read : pipes.err_read).reset();
      }
    }
  }
  if (result.timed_out) {
    result.status = child->terminate(std::chrono::milliseconds(1000));
    return result;
  }
  if (deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - std::chrono::steady_clock::now());
    auto s = child->wait(std::max(left, std::chrono::milliseconds(0)));
    if (!s) {
      result.timed_out = true;
      result.status = child->terminate(std::chrono::milliseconds(1000));
      return result;
    }
    result.status = *s;
  } else {
    result.status = child->wait().value_or(ExitStatus{});
  }
  return result;
}

std::filesystem::path find_executable(const std::string& name) {
  if (name.find('/') != std::string::npos) {
    return ::access(name.c_str(), X_OK) == 0 ? std::filesystem::path(name) : std::filesystem::path();
  }
  const char* path = std::getenv("PATH");
  std::string_view rest = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  while (!rest.empty()) {
    auto colon = rest.find(':');
    std::string_view dir = rest.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
    std::filesystem::path candidate = std::filesystem::path(dir.empty() ? std::string_view(".") : dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

}  // namespace ht
