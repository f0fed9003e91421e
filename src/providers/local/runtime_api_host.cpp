#include "providers/local/runtime_api_host.hpp"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include <random>

#include <fmt/format.h>

namespace ht::local {

namespace {

constexpr const char* kPrefix = "/2018-06-01/runtime";

void render_error(httplib::Response& res, int status, const std::string& type, const std::string& message) {
  res.status = status;
  nlohmann::json body = {{"errorMessage", message}, {"errorType", type}};
  res.set_content(body.dump(), "application/json");
}

void render_accepted(httplib::Response& res) {
  res.status = 202;
  res.set_content(R"({"status":"OK"})", "application/json");
}

std::string random_hex(std::size_t digits) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string out;
  while (out.size() < digits) out += fmt::format("{:016x}", rng());
  return out.substr(0, digits);
}

// An X-Ray trace header like Lambda's: Root=1-{epoch seconds, 8 hex}-{24 hex};Parent=...;Sampled=0.
std::string make_trace_id() {
  auto secs =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  return fmt::format("Root=1-{:08x}-{};Parent={};Sampled=0", secs, random_hex(24), random_hex(16));
}

std::int64_t to_unix_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

RuntimeApiHost::RuntimeApiHost(Options options) : options_(std::move(options)) {}

RuntimeApiHost::~RuntimeApiHost() { shutdown(); }

Result<int> RuntimeApiHost::add_environment() {
  auto env = std::make_unique<Environment>();
  env->server = std::make_unique<httplib::Server>();
  httplib::Server& server = *env->server;
  const std::size_t threads = static_cast<std::size_t>(std::max(2, options_.threads_per_environment));
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_keep_alive_max_count(1000000);
  // Idle kept-alive connections hold a server thread, and stop() waits for them: keep the
  // idle window short. (A long poll is not idle: it waits inside its handler.)
  server.set_keep_alive_timeout(1);
  // Bodies up to 4x Lambda's limit are read so the handler can answer 413 in Lambda's words.
  server.set_payload_max_length(options_.max_response_bytes * 4);
  int port = server.bind_to_any_port("127.0.0.1");
  if (port <= 0) return make_error(ErrorKind::network, "cannot bind 127.0.0.1", "Runtime API host");
  env->port = port;
  int index = 0;
  {
    std::lock_guard lock(mu_);
    if (shutting_down_) return make_error(ErrorKind::interrupted, "host is shutting down", "Runtime API host");
    index = static_cast<int>(envs_.size());
    install_routes(index, server);
    envs_.push_back(std::move(env));
    Environment& e = *envs_.back();
    e.thread = std::thread([&server] { server.listen_after_bind(); });
  }
  // stop() is a no-op until the server runs; wait for it so shutdown() can always stop it.
  for (int i = 0; i < 2000 && !server.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return index;
}

std::string RuntimeApiHost::address(int env) const {
  std::lock_guard lock(mu_);
  return fmt::format("127.0.0.1:{}", envs_.at(static_cast<std::size_t>(env))->port);
}

void RuntimeApiHost::install_routes(int env, httplib::Server& server) {
  const std::string prefix = kPrefix;

  server.Get(prefix + "/invocation/next", [this, env](const httplib::Request&, httplib::Response& res) {
    std::unique_lock lock(mu_);
    Environment& e = *envs_[static_cast<std::size_t>(env)];
    if (e.state.invocation_id) {
      render_error(
          res, 403, "InvalidStateTransition",
          "State transition from Invoke to Next failed: invocation " + *e.state.invocation_id + " has no response yet");
      return;
    }
    e.state.initialized = true;
    work_cv_.wait(lock, [this] { return shutting_down_ || !queue_.empty(); });
    if (shutting_down_) {
      render_error(res, 500, "Runtime.HostShutdown", "the Runtime API host is shutting down");
      return;
    }
    Queued q = std::move(queue_.front());
    queue_.pop_front();
    auto deadline = std::chrono::system_clock::now() + options_.invocation_timeout;
    e.state.invocation_id = q.request.invocation_id;
    e.state.deadline = deadline;
    e.payload = q.payload;
    res.status = 200;
    res.set_header("Lambda-Runtime-Aws-Request-Id", q.request.invocation_id);
    res.set_header("Lambda-Runtime-Deadline-Ms", std::to_string(to_unix_ms(deadline)));
    res.set_header("Lambda-Runtime-Invoked-Function-Arn", options_.function_arn);
    res.set_header("Lambda-Runtime-Trace-Id", make_trace_id());
    res.set_content(q.payload, "application/json");
  });

  // Checks that `id` is the invocation `env` holds; renders 400/403 and returns false if not.
  auto check_id = [this, env](const std::string& id, httplib::Response& res) {
    Environment& e = *envs_[static_cast<std::size_t>(env)];
    if (e.state.invocation_id && *e.state.invocation_id == id) return true;
    if (e.last_answered && *e.last_answered == id) {
      render_error(res, 403, "InvalidStateTransition", "invocation " + id + " was already answered");
    } else {
      render_error(res, 400, "InvalidRequestID", "Invalid request ID");
    }
    return false;
  };

  server.Post(prefix + R"(/invocation/([^/]+)/response)", [this, env, check_id](const httplib::Request& req,
                                                                                httplib::Response& res) {
    const std::string id = req.matches[1];
    InvocationOutcome outcome;
    {
      std::lock_guard lock(mu_);
      if (!check_id(id, res)) return;
      if (req.body.size() > options_.max_response_bytes) {
        render_error(res, 413, "RequestEntityTooLarge",
                     fmt::format("Exceeded maximum allowed payload size ({} bytes).", options_.max_response_bytes));
        return;
      }
      outcome.invocation_id = id;
      try {
        InvocationResponse response = nlohmann::json::parse(req.body).get<InvocationResponse>();
        response.invocation_id = id;
        outcome.result = std::move(response);
      } catch (const std::exception& ex) {
        outcome.result = make_error(ErrorKind::protocol,
                                    std::string("the runner's response is not an InvocationResponse: ") + ex.what(),
                                    "invocation " + id);
      }
    }
    render_accepted(res);
    complete(env, std::move(outcome));
  });

  server.Post(prefix + R"(/invocation/([^/]+)/error)",
              [this, env, check_id](const httplib::Request& req, httplib::Response& res) {
                const std::string id = req.matches[1];
                InvocationOutcome outcome;
                {
                  std::lock_guard lock(mu_);
                  if (!check_id(id, res)) return;
                  std::string type = req.get_header_value("Lambda-Runtime-Function-Error-Type");
                  std::string message;
                  auto body = nlohmann::json::parse(req.body, nullptr, false);
                  if (body.is_object()) {
                    if (body.contains("errorType") && body["errorType"].is_string())
                      type = body["errorType"].get<std::string>();
                    if (body.contains("errorMessage") && body["errorMessage"].is_string()) {
                      message = body["errorMessage"].get<std::string>();
                    }
                  }
                  if (type.empty()) type = "Runtime.Unknown";
                  if (message.empty()) message = "the runner reported an error without a message";
                  Error err = make_error(ErrorKind::service, message, "invocation " + id);
                  err.service_code = type;
                  outcome.invocation_id = id;
                  outcome.result = err;
                }
                render_accepted(res);
                complete(env, std::move(outcome));
              });

  server.Post(prefix + "/init/error", [this, env](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mu_);
    Environment& e = *envs_[static_cast<std::size_t>(env)];
    if (e.state.initialized) {
      render_error(res, 403, "InvalidStateTransition", "State transition from Ready to InitError failed");
      return;
    }
    std::string type = req.get_header_value("Lambda-Runtime-Function-Error-Type");
    std::string message;
    auto body = nlohmann::json::parse(req.body, nullptr, false);
    if (body.is_object()) {
      if (body.contains("errorType") && body["errorType"].is_string()) type = body["errorType"].get<std::string>();
      if (body.contains("errorMessage") && body["errorMessage"].is_string())
        message = body["errorMessage"].get<std::string>();
    }
    if (type.empty()) type = "Runtime.Unknown";
    if (message.empty()) message = "the runner failed to initialize";
    Error err = make_error(ErrorKind::service, message, "runner init");
    err.service_code = type;
    e.state.init_error = err;
    render_accepted(res);
  });
}

void RuntimeApiHost::complete(int env, InvocationOutcome outcome) {
  std::function<std::string(int)> tail_source;
  {
    std::lock_guard lock(mu_);
    Environment& e = *envs_[static_cast<std::size_t>(env)];
    e.last_answered = e.state.invocation_id;
    e.state.invocation_id.reset();
    e.payload.clear();
    tail_source = log_tail_source_;
  }
  if (tail_source) outcome.log_tail = tail_source(env);
  push_outcome(std::move(outcome));
}

void RuntimeApiHost::submit(InvocationRequest request) {
  Queued q;
  q.payload = nlohmann::json(request).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  q.request = std::move(request);
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(q));
  }
  work_cv_.notify_one();
}

void RuntimeApiHost::push_outcome(InvocationOutcome outcome) {
  {
    std::lock_guard lock(mu_);
    outcomes_.push_back(std::move(outcome));
  }
  outcome_cv_.notify_all();
}

std::optional<InvocationOutcome> RuntimeApiHost::wait_outcome(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  if (!outcome_cv_.wait_for(lock, timeout, [this] { return !outcomes_.empty(); })) return std::nullopt;
  InvocationOutcome o = std::move(outcomes_.front());
  outcomes_.pop_front();
  return o;
}

RuntimeApiHost::EnvironmentState RuntimeApiHost::state(int env) const {
  std::lock_guard lock(mu_);
  return envs_.at(static_cast<std::size_t>(env))->state;
}

std::size_t RuntimeApiHost::environment_count() const {
  std::lock_guard lock(mu_);
  return envs_.size();
}

std::optional<std::string> RuntimeApiHost::abort_current(int env, const Error& error, const std::string& log_tail) {
  InvocationOutcome outcome;
  {
    std::lock_guard lock(mu_);
    Environment& e = *envs_.at(static_cast<std::size_t>(env));
    if (!e.state.invocation_id) return std::nullopt;
    outcome.invocation_id = *e.state.invocation_id;
    e.last_answered = e.state.invocation_id;
    e.state.invocation_id.reset();
    e.payload.clear();
  }
  outcome.result = error;
  outcome.log_tail = log_tail;
  std::string id = outcome.invocation_id;
  push_outcome(std::move(outcome));
  return id;
}

void RuntimeApiHost::reset_environment(int env) {
  std::lock_guard lock(mu_);
  Environment& e = *envs_.at(static_cast<std::size_t>(env));
  e.state = EnvironmentState{};
  e.payload.clear();
}

std::size_t RuntimeApiHost::fail_pending(const Error& error) {
  std::deque<Queued> failed;
  {
    std::lock_guard lock(mu_);
    failed.swap(queue_);
  }
  for (auto& q : failed) {
    InvocationOutcome o;
    o.invocation_id = q.request.invocation_id;
    o.result = error;
    push_outcome(std::move(o));
  }
  return failed.size();
}

std::size_t RuntimeApiHost::pending() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void RuntimeApiHost::set_log_tail_source(std::function<std::string(int)> source) {
  std::lock_guard lock(mu_);
  log_tail_source_ = std::move(source);
}

void RuntimeApiHost::shutdown() {
  std::vector<Environment*> envs;
  {
    std::lock_guard lock(mu_);
    shutting_down_ = true;
    for (auto& e : envs_) envs.push_back(e.get());
  }
  work_cv_.notify_all();
  for (Environment* e : envs) {
    if (e->server) e->server->stop();
  }
  for (Environment* e : envs) {
    if (e->thread.joinable()) e->thread.join();
  }
}

}  // namespace ht::local
