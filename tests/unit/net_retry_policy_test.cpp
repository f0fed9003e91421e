#include <gtest/gtest.h>

#include "net/retry_policy.hpp"

namespace ht::net {
namespace {

Error http_error(int status, std::string code = {}) {
  Error e = make_error(code.empty() ? ErrorKind::http : ErrorKind::service, "x");
  e.http_status = status;
  e.service_code = std::move(code);
  return e;
}

TEST(RetryPolicy, ClassifiesTransientFailures) {
  auto p = RetryPolicy::standard();
  EXPECT_TRUE(p.is_retryable(http_error(429)));
  EXPECT_TRUE(p.is_retryable(http_error(500)));
  EXPECT_TRUE(p.is_retryable(http_error(502, "EC2ThrottledException")));
  EXPECT_TRUE(p.is_retryable(http_error(503, "SlowDown")));
  EXPECT_TRUE(p.is_retryable(http_error(400, "ThrottlingException")));
  EXPECT_TRUE(p.is_retryable(http_error(400, "Throttling")));
  EXPECT_TRUE(p.is_retryable(http_error(429, "TooManyRequestsException")));
  EXPECT_TRUE(p.is_retryable(make_error(ErrorKind::network, "Connection reset by peer")));

  EXPECT_FALSE(p.is_retryable(http_error(404, "ResourceNotFoundException")));
  EXPECT_FALSE(p.is_retryable(http_error(403, "SignatureDoesNotMatch")));
  EXPECT_FALSE(p.is_retryable(http_error(400)));
  EXPECT_FALSE(p.is_retryable(make_error(ErrorKind::io, "disk")));
  EXPECT_FALSE(p.is_retryable(make_error(ErrorKind::interrupted, "ctrl-c")));
  // A function error is not a transport fault: the provider reports it, never retries it here.
  EXPECT_FALSE(p.is_retryable(http_error(200, "Runtime.ExitError")));
}

TEST(RetryPolicy, NetworkRetriesCanBeTurnedOff) {
  auto p = RetryPolicy::standard();
  p.retry_network_errors = false;
  EXPECT_FALSE(p.is_retryable(make_error(ErrorKind::network, "timeout")));
}

TEST(RetryPolicy, CappedExponentialBackoffWithFullJitter) {
  RetryPolicy p;
  p.base_delay = std::chrono::milliseconds(100);
  p.max_delay = std::chrono::milliseconds(1000);
  EXPECT_EQ(p.backoff_cap(1).count(), 100);
  EXPECT_EQ(p.backoff_cap(2).count(), 200);
  EXPECT_EQ(p.backoff_cap(4).count(), 800);
  EXPECT_EQ(p.backoff_cap(5).count(), 1000);
  EXPECT_EQ(p.backoff_cap(60).count(), 1000);
  std::mt19937_64 rng(42);
  std::int64_t lo = 1 << 30;
  std::int64_t hi = 0;
  for (int i = 0; i < 2000; ++i) {
    auto d = p.backoff(3, rng).count();
    ASSERT_GE(d, 0);
    ASSERT_LE(d, 400);
    lo = std::min(lo, d);
    hi = std::max(hi, d);
  }
  // Full jitter spreads over the whole [0, cap] range.
  EXPECT_LT(lo, 40);
  EXPECT_GT(hi, 360);
}

TEST(RetryPolicy, Presets) {
  EXPECT_EQ(RetryPolicy::none().max_attempts, 1);
  EXPECT_GT(RetryPolicy::lambda_invoke().max_attempts, RetryPolicy::standard().max_attempts);
}

}  // namespace
}  // namespace ht::net
