#include "providers/aws/aws_provider.hpp"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>

#include <nlohmann/json.hpp>

#include "aws/lambda_client.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "net/http_multi.hpp"

namespace ht {

namespace {

// One invocation across its attempts (the HTTP retries of one Invoke).
struct Job {
  InvocationRequest request;
  std::string payload;
  int attempt = 0;  // HTTP attempts made so far
};

// The function's error document ({"errorType", "errorMessage"}), when it is one.
std::pair<std::string, std::string> function_error_fields(const std::string& payload) {
  auto j = nlohmann::json::parse(payload, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return {"", payload.substr(0, 500)};
  return {j.value("errorType", ""), j.value("errorMessage", "")};
}

}  // namespace

struct AwsProvider::Impl {
  AwsProviderSettings settings;
  aws::LambdaClient lambda;
  RunContext context;
  std::chrono::milliseconds timeout{0};
  std::unique_ptr<net::HttpMulti> multi;

  std::mutex mu;
  std::condition_variable cv;
  std::deque<InvocationOutcome> outcomes;
  bool cancelled = false;

  std::atomic<std::size_t> invokes_started{0};
  std::atomic<std::size_t> retries{0};

  explicit Impl(AwsProviderSettings s) : settings(std::move(s)), lambda(settings.client) {}

  void deliver(InvocationOutcome o) {
    {
      std::lock_guard lock(mu);
      outcomes.push_back(std::move(o));
    }
    cv.notify_all();
  }

  void deliver_error(const Job& job, Error e, std::string log_tail = {}) {
    InvocationOutcome o;
    o.invocation_id = job.request.invocation_id;
    o.result = std::move(e);
    o.log_tail = std::move(log_tail);
    deliver(std::move(o));
  }

  bool is_cancelled() {
    std::lock_guard lock(mu);
    return cancelled;
  }

  std::string context_of(const Job& job) const {
    return "Lambda Invoke " + settings.function_name + " (invocation " + job.request.invocation_id + ")";
  }

  void send(const std::shared_ptr<Job>& job, std::chrono::milliseconds delay) {
    net::Transfer t;
    t.request = lambda.make_invoke_request(settings.function_name, job->payload, timeout);
    t.prepare = [this](net::Request& r) {
      invokes_started.fetch_add(1);
      auto st = lambda.sign(r);
      if (!st.ok()) log::warn("{}", st.error().describe());
    };
    t.on_done = [this, job](Result<net::Response> r) { on_done(job, std::move(r)); };
    if (delay.count() > 0) t.not_before = std::chrono::steady_clock::now() + delay;
    multi->submit(std::move(t));
  }

  // Retries `e` when the policy allows; returns false when it is final.
  bool maybe_retry(const std::shared_ptr<Job>& job, Error& e) {
    e.retryable = settings.retry.is_retryable(e);
    if (!e.retryable || job->attempt >= settings.retry.max_attempts || is_cancelled()) return false;
    auto delay = settings.retry.backoff(job->attempt, net::jitter_rng());
    log::debug("{}; retry {} in {} ms", e.describe(), job->attempt, delay.count());
    retries.fetch_add(1);
    send(job, delay);
    return true;
  }

  void on_done(const std::shared_ptr<Job>& job, Result<net::Response> r) {
    ++job->attempt;
    const std::string ctx = context_of(*job);
    if (!r.ok()) {
      Error e = r.error();
      if (e.kind == ErrorKind::interrupted) return deliver_error(*job, e);
      e.context = ctx;
      if (maybe_retry(job, e)) return;
      e.message += " (after " + std::to_string(job->attempt) + " attempt" + (job->attempt == 1 ? "" : "s") + ")";
      return deliver_error(*job, e);
    }
    const net::Response& resp = *r;
    if (resp.status < 200 || resp.status > 299) {
      Error e = aws::parse_aws_error(resp, ctx, settings.retry);
      if (maybe_retry(job, e)) return;
      if (job->attempt > 1) e.message += " (after " + std::to_string(job->attempt) + " attempts)";
      return deliver_error(*job, e);
    }
    aws::InvokeResult inv = aws::LambdaClient::parse_invoke_response(resp);
    if (inv.function_error) {
      auto [type, message] = function_error_fields(inv.payload);
      Error e = make_error(ErrorKind::service,
                           "function error (" + *inv.function_error + ")" + (type.empty() ? "" : " " + type) +
                               (message.empty() ? "" : ": " + message),
                           ctx);
      e.http_status = resp.status;
      e.service_code = type.empty() ? *inv.function_error : type;
      e.retryable = true;  // infrastructure: a fresh invocation may succeed
      return deliver_error(*job, e, inv.log_tail);
    }
    auto j = nlohmann::json::parse(inv.payload, nullptr, false);
    InvocationResponse response;
    std::string why;
    if (j.is_discarded()) {
      why = "the function's answer is not JSON";
    } else {
      try {
        response = j.get<InvocationResponse>();
      } catch (const nlohmann::json::exception& ex) {
        why = std::string("the function's answer is not an invocation response: ") + ex.what();
      }
    }
    if (why.empty() && response.invocation_id != job->request.invocation_id) {
      why = "the function answered for invocation " + response.invocation_id;
    }
    if (!why.empty()) {
      Error e = make_error(ErrorKind::protocol, why, ctx);
      e.http_status = resp.status;
      e.retryable = true;
      return deliver_error(*job, e, inv.log_tail);
    }
    complete_results(*job, response);
    InvocationOutcome o;
    o.invocation_id = job->request.invocation_id;
    o.result = std::move(response);
    o.log_tail = std::move(inv.log_tail);
    deliver(std::move(o));
  }

  // Exactly one result per requested test, in request order: unknown ids are dropped, missing
  // ones become `error` results that say so.
  static void complete_results(const Job& job, InvocationResponse& response) {
    std::vector<TestOutcome> ordered;
    std::set<std::string> used;
    for (const auto& t : job.request.tests) {
      auto it = std::find_if(response.results.begin(), response.results.end(),
                             [&](const TestOutcome& o) { return o.test_id == t.test_id; });
      if (it != response.results.end() && used.insert(t.test_id).second) {
        ordered.push_back(std::move(*it));
        continue;
      }
      TestOutcome missing;
      missing.test_id = t.test_id;
      missing.status = TestStatus::error;
      missing.start_date = missing.end_date = iso8601_now();
      missing.error =
          TestError{"the runner did not report this test (invocation " + job.request.invocation_id + ")", ""};
      ordered.push_back(std::move(missing));
    }
    if (response.results.size() != used.size()) {
      log::warn("invocation {}: the runner reported {} result(s) for {} requested test(s)", job.request.invocation_id,
                response.results.size(), job.request.tests.size());
    }
    response.results = std::move(ordered);
  }
};

AwsProvider::AwsProvider(AwsProviderSettings settings) : impl_(std::make_unique<Impl>(std::move(settings))) {}

AwsProvider::~AwsProvider() { stop(); }

Status AwsProvider::start(const RunContext& context) {
  impl_->context = context;
  if (impl_->settings.function_name.empty()) {
    return make_error(ErrorKind::config, "no function name (cloudProvider.functionName)", "aws provider");
  }
  if (impl_->settings.invoke_timeout.count() > 0) {
    impl_->timeout = impl_->settings.invoke_timeout;
  } else {
    auto cfg = impl_->lambda.get_function_configuration(impl_->settings.function_name);
    if (cfg.ok() && cfg->timeout_s > 0) {
      impl_->timeout = std::chrono::seconds(cfg->timeout_s) + impl_->settings.timeout_margin;
    } else {
      if (!cfg.ok()) log::warn("cannot read the function's timeout: {}", cfg.error().describe());
      impl_->timeout = context.invocation_timeout + impl_->settings.timeout_margin;
    }
  }
  net::HttpMulti::Options o;
  o.max_in_flight = std::max(1, context.concurrency);
  if (auto entry = net::warm_dns(impl_->settings.client.endpoint)) o.resolve.push_back(*entry);
  impl_->multi = std::make_unique<net::HttpMulti>(o);
  log::debug("aws provider: function {}, concurrency {}, invoke timeout {} ms", impl_->settings.function_name,
             o.max_in_flight, impl_->timeout.count());
  return {};
}

void AwsProvider::submit(InvocationRequest request) {
  auto job = std::make_shared<Job>();
  job->payload = nlohmann::json(request).dump();
  job->request = std::move(request);
  if (!impl_->multi || impl_->is_cancelled()) {
    impl_->deliver_error(*job, make_error(ErrorKind::interrupted, impl_->multi ? "cancelled" : "provider not started",
                                          impl_->context_of(*job)));
    return;
  }
  impl_->send(job, std::chrono::milliseconds(0));
}

std::optional<InvocationOutcome> AwsProvider::wait_next(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mu);
  if (!impl_->cv.wait_for(lock, timeout, [&] { return !impl_->outcomes.empty(); })) return std::nullopt;
  InvocationOutcome o = std::move(impl_->outcomes.front());
  impl_->outcomes.pop_front();
  return o;
}

void AwsProvider::cancel() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->cancelled = true;
  }
  if (impl_->multi) impl_->multi->cancel_all();
}

void AwsProvider::stop() {
  if (!impl_) return;
  {
    std::lock_guard lock(impl_->mu);
    impl_->cancelled = true;
  }
  if (impl_->multi) impl_->multi->stop();
}

AwsProviderStats AwsProvider::stats() const {
  AwsProviderStats s;
  s.invokes_started = impl_->invokes_started.load();
  s.retries = impl_->retries.load();
  s.peak_in_flight = impl_->multi ? impl_->multi->stats().peak_in_flight : 0;
  return s;
}

std::chrono::milliseconds AwsProvider::invoke_timeout() const { return impl_->timeout; }

Result<std::string> AwsProvider::deployed_image_digest() {
  auto fn = impl_->lambda.get_function(impl_->settings.function_name);
  if (!fn.ok()) return fn.error().with_context("drift check: read the function's image");
  // deploy always pins ImageUri by digest, so it is the most direct answer; then the
  // digest Lambda resolved a tag to.
  for (const std::string* uri : {&fn->image_uri, &fn->resolved_image_uri}) {
    auto at = uri->find("@sha256:");
    if (at != std::string::npos) return uri->substr(at + 1);
  }
  if (!fn->code_sha256.empty()) return "sha256:" + fn->code_sha256;
  return std::string();
}

Result<AwsProviderSettings> make_aws_provider_settings(const Config& config) {
  AwsProviderSettings s;
  s.function_name = config.cloud_provider.aws.function_name;
  if (s.function_name.empty()) {
    return make_error(ErrorKind::config, "cloudProvider.functionName is required for the aws provider",
                      config.file.empty() ? "config" : config.file.string());
  }
  auto client = aws::make_client_config("lambda", config.cloud_provider.aws.region);
  if (!client.ok()) return client.error();
  s.client = std::move(client.value());
  return s;
}

std::unique_ptr<Provider> make_aws_provider(const AwsProviderSettings& settings) {
  return std::make_unique<AwsProvider>(settings);
}

}  // namespace ht
