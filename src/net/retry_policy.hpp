// The one retry policy of hypertest's HTTP traffic, as data: which failures are transient,
// how many attempts, and capped exponential backoff with full jitter
// (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/).
// A test's own failure never reaches this code: only transport faults, HTTP statuses and
// AWS error codes are classified here.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace ht::net {

struct RetryPolicy {
  // Total tries including the first; 1 disables retrying.
  int max_attempts = 5;
  // Backoff before retry n (n = 1 for the first retry) is uniform in
  // [0, min(max_delay, base_delay * 2^(n-1))].
  std::chrono::milliseconds base_delay{200};
  std::chrono::milliseconds max_delay{20000};
  // Statuses that are transient whatever the body says (every 5xx is transient as well).
  std::vector<int> retryable_statuses{408, 429};
  // AWS error codes (ht::Error::service_code) that are transient on any status.
  std::vector<std::string> retryable_codes{"TooManyRequestsException",
                                           "ThrottlingException",
                                           "Throttling",
                                           "ThrottledException",
                                           "SlowDown",
                                           "RequestLimitExceeded",
                                           "RequestThrottled",
                                           "RequestThrottledException",
                                           "ProvisionedThroughputExceededException",
                                           "EC2ThrottledException",
                                           "ServiceUnavailable",
                                           "ServiceUnavailableException",
                                           "InternalError",
                                           "InternalFailure",
                                           "ServiceException",
                                           "RequestTimeout",
                                           "RequestTimeoutException",
                                           "PriorRequestNotComplete",
                                           "IDPCommunicationError"};
  // Transport failures (ErrorKind::network: refused, reset, timeout, DNS) are transient
  // when this is set.
  bool retry_network_errors = true;

  // True when `error` is worth another attempt under this policy.
  [[nodiscard]] bool is_retryable(const Error& error) const;
  // True for a status alone (5xx or listed).
  [[nodiscard]] bool is_retryable_status(int http_status) const;
  [[nodiscard]] bool is_retryable_code(const std::string& service_code) const;
  // The delay before retry `retry_number` (1-based), drawn with full jitter from `rng`.
  [[nodiscard]] std::chrono::milliseconds backoff(int retry_number, std::mt19937_64& rng) const;
  // The upper bound of that delay (no jitter): min(max_delay, base_delay * 2^(n-1)).
  [[nodiscard]] std::chrono::milliseconds backoff_cap(int retry_number) const;

  // The default for AWS API calls (5 attempts, 200 ms base, 20 s cap).
  static RetryPolicy standard();
  // Lambda Invoke: more attempts for throttling under a burst of `concurrency` calls
  // (8 attempts, 500 ms base, 30 s cap).
  static RetryPolicy lambda_invoke();
  // No retries (tests, probes).
  static RetryPolicy none();
};

// A per-thread random engine seeded from std::random_device, for jitter.
std::mt19937_64& jitter_rng();

}  // namespace ht::net
