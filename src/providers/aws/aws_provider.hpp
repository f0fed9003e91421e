// The aws provider: each invocation is one Lambda Invoke (RequestResponse, log tail) of the
// payload (SPEC §7), at most `concurrency` in flight on one curl-multi event loop
// (net::HttpMulti). Transient transport faults (throttling, 5xx, resets, timeouts) are
// retried per net::RetryPolicy with backoff; what remains becomes an Error outcome:
//  - a function error (X-Amz-Function-Error) or a body that is not an InvocationResponse
//    for the requested tests: ErrorKind::service / protocol, retryable = true (a fresh
//    invocation may succeed), with the decoded log tail in InvocationOutcome::log_tail;
//  - transport/AWS errors after the retry budget: the last error (kind network/service/http).
// A test's own failure is a TestOutcome in a 200 response and is never retried here.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "aws/service_client.hpp"
#include "config/config.hpp"
#include "net/retry_policy.hpp"
#include "providers/provider.hpp"

namespace ht {

struct AwsProviderSettings {
  std::string function_name;
  aws::ClientConfig client;  // credentials, region, Lambda endpoint
  net::RetryPolicy retry = net::RetryPolicy::lambda_invoke();
  // Client-side limit of one Invoke on the wire. Zero: the function's configured timeout
  // (read with GetFunctionConfiguration in start()) plus `timeout_margin`; when that read
  // fails, RunContext::invocation_timeout plus the margin.
  std::chrono::milliseconds invoke_timeout{0};
  std::chrono::milliseconds timeout_margin{std::chrono::seconds(30)};
};

// Settings from the config's cloudProvider (function name, region) and the standard
// credential chain / endpoint variables.
Result<AwsProviderSettings> make_aws_provider_settings(const Config& config);

struct AwsProviderStats {
  std::size_t invokes_started = 0;  // HTTP Invoke calls put on the wire (incl. retries)
  std::size_t retries = 0;          // of which retries
  std::size_t peak_in_flight = 0;   // most Invoke calls on the wire at once
};

class AwsProvider : public Provider {
 public:
  explicit AwsProvider(AwsProviderSettings settings);
  ~AwsProvider() override;

  [[nodiscard]] std::string name() const override { return "aws"; }
  Status start(const RunContext& context) override;
  void submit(InvocationRequest request) override;
  std::optional<InvocationOutcome> wait_next(std::chrono::milliseconds timeout) override;
  void cancel() override;
  void stop() override;

  // sha256 of the image the function runs now (GetFunction Code.ResolvedImageUri, else
  // CodeSha256), for the drift check.
  Result<std::string> deployed_image_digest() override;
  // A cold Lambda start plus Playwright and Chromium start-up.
  [[nodiscard]] std::int64_t startup_estimate_ms() const override { return 5000; }

  [[nodiscard]] AwsProviderStats stats() const;
  // The client-side Invoke timeout in effect after start().
  [[nodiscard]] std::chrono::milliseconds invoke_timeout() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

std::unique_ptr<Provider> make_aws_provider(const AwsProviderSettings& settings);

}  // namespace ht
