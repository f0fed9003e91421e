#include "net/retry_policy.hpp"

#include <algorithm>

namespace ht::net {

bool RetryPolicy::is_retryable_status(int http_status) const {
  if (http_status >= 500 && http_status <= 599) return true;
  return std::find(retryable_statuses.begin(), retryable_statuses.end(), http_status) != retryable_statuses.end();
}

bool RetryPolicy::is_retryable_code(const std::string& service_code) const {
  return !service_code.empty() &&
         std::find(retryable_codes.begin(), retryable_codes.end(), service_code) != retryable_codes.end();
}

bool RetryPolicy::is_retryable(const Error& error) const {
  switch (error.kind) {
    case ErrorKind::network:
      return retry_network_errors;
    case ErrorKind::http:
    case ErrorKind::service:
      return is_retryable_code(error.service_code) || is_retryable_status(error.http_status);
    default:
      return false;
  }
}

std::chrono::milliseconds RetryPolicy::backoff_cap(int retry_number) const {
  const int n = std::clamp(retry_number, 1, 31);
  // base * 2^(n-1), saturating at max_delay.
  std::int64_t delay = base_delay.count();
  for (int i = 1; i < n && delay < max_delay.count(); ++i) delay *= 2;
  return std::chrono::milliseconds(std::min<std::int64_t>(delay, max_delay.count()));
}

std::chrono::milliseconds RetryPolicy::backoff(int retry_number, std::mt19937_64& rng) const {
  const auto cap = backoff_cap(retry_number).count();
  if (cap <= 0) return std::chrono::milliseconds(0);
  std::uniform_int_distribution<std::int64_t> dist(0, cap);
  return std::chrono::milliseconds(dist(rng));
}

RetryPolicy RetryPolicy::standard() { return RetryPolicy{}; }

RetryPolicy RetryPolicy::lambda_invoke() {
  RetryPolicy p;
  p.max_attempts = 8;
  p.base_delay = std::chrono::milliseconds(500);
  p.max_delay = std::chrono::milliseconds(30000);
  return p;
}

RetryPolicy RetryPolicy::none() {
  RetryPolicy p;
  p.max_attempts = 1;
  return p;
}

std::mt19937_64& jitter_rng() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

}  // namespace ht::net
