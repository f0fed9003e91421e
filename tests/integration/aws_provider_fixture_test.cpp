// The aws provider against the fault-injecting Invoke fixture (tests/fixtures/aws/
// invoke_fixture.py): every submitted invocation yields exactly one outcome and every test
// exactly one result; throttling, 5xx, resets and hangs are retried; function errors and
// malformed answers become infrastructure errors with the log tail; a test's own failure is
// never retried.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "aws_test_support.hpp"
#include "model/test_case.hpp"
#include "providers/aws/aws_provider.hpp"

namespace ht {
namespace {

using testing::InvokeFixture;

AwsProviderSettings fixture_settings(const InvokeFixture& fx) {
  AwsProviderSettings s;
  s.function_name = "hypertest-fixture";
  s.client.credentials.access_key_id = "AKIAFIXTURE";
  s.client.credentials.secret_access_key = "fixture-secret-never-logged";
  s.client.region = "us-east-1";
  s.client.endpoint = fx.endpoint();
  s.client.custom_endpoint = true;
  s.retry.max_attempts = 3;
  s.retry.base_delay = std::chrono::milliseconds(20);
  s.retry.max_delay = std::chrono::milliseconds(100);
  s.invoke_timeout = std::chrono::milliseconds(1500);  // "hang" ends here
  return s;
}

InvocationRequest invocation(const std::string& id, int tests, bool failing = false) {
  InvocationRequest r;
  r.run_id = "run-1";
  r.invocation_id = id;
  r.artifacts = "s3://bucket/prefix";
  for (int i = 0; i < tests; ++i) {
    TestRef t;
    t.project = "chromium";
    t.file = "tests/" + id + ".spec.ts";
    t.title_path = {"suite", std::string(failing && i == 0 ? "[fails] " : "") + "test " + std::to_string(i)};
    t.test_id = make_test_id(t.project, t.file, t.title_path);
    r.tests.push_back(t);
  }
  return r;
}

TEST(AwsProviderFixture, FaultsRetriedErrorsLabeledEveryTestOnce) {
  const nlohmann::json schedule = {
      {"throttled", {"429", "429"}},
      {"server-error", {"500"}},
      {"bad-gateway", {"502"}},
      {"reset", {"reset"}},
      {"hang", {"hang"}},
      {"function-error", {"function_error"}},
      {"malformed", {"malformed"}},
      {"exhausted", {"503", "503", "503", "503"}},
      {"dropped", {"drop_result"}},
  };
  InvokeFixture fx(0.05, schedule);
  ASSERT_TRUE(fx.ready()) << "the Invoke fixture did not start (python3 needed)";

  AwsProvider provider(fixture_settings(fx));
  RunContext ctx;
  ctx.run_id = "run-1";
  ctx.concurrency = 4;
  ASSERT_TRUE(provider.start(ctx).ok());

  std::vector<InvocationRequest> submitted;
  for (const std::string id : {"throttled", "server-error", "bad-gateway", "reset", "hang", "function-error",
                               "malformed", "exhausted", "dropped"}) {
    submitted.push_back(invocation(id, 2));
  }
  submitted.push_back(invocation("test-fails", 2, /*failing=*/true));
  for (int i = 0; i < 12; ++i) submitted.push_back(invocation("plain-" + std::to_string(i), 1 + i % 3));
  std::map<std::string, InvocationRequest> by_id;
  for (auto& r : submitted) {
    by_id[r.invocation_id] = r;
    provider.submit(r);
  }

  std::map<std::string, InvocationOutcome> outcomes;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (outcomes.size() < submitted.size() && std::chrono::steady_clock::now() < deadline) {
    auto o = provider.wait_next(std::chrono::milliseconds(500));
    if (!o) continue;
    EXPECT_EQ(outcomes.count(o->invocation_id), 0u) << "two outcomes for " << o->invocation_id;
    outcomes[o->invocation_id] = std::move(*o);
  }
  ASSERT_EQ(outcomes.size(), submitted.size());
  EXPECT_FALSE(provider.wait_next(std::chrono::milliseconds(200)).has_value()) << "an extra outcome";

  // Every test exactly once: in the response, or covered by an infrastructure error.
  std::multiset<std::string> seen_tests;
  for (const auto& [id, o] : outcomes) {
    if (const auto* resp = std::get_if<InvocationResponse>(&o.result)) {
      for (const auto& t : resp->results) seen_tests.insert(t.test_id);
    } else {
      for (const auto& t : by_id[id].tests) seen_tests.insert(t.test_id);
    }
  }
  std::multiset<std::string> expected_tests;
  for (const auto& r : submitted) {
    for (const auto& t : r.tests) expected_tests.insert(t.test_id);
  }
  EXPECT_EQ(seen_tests, expected_tests);

  auto response_of = [&](const std::string& id) -> const InvocationResponse* {
    return std::get_if<InvocationResponse>(&outcomes[id].result);
  };
  auto error_of = [&](const std::string& id) -> const Error* { return std::get_if<Error>(&outcomes[id].result); };

  // Transient faults: retried until success.
  for (const std::string id : {"throttled", "server-error", "bad-gateway", "reset", "hang"}) {
    const auto* r = response_of(id);
    ASSERT_NE(r, nullptr) << id << ": " << (error_of(id) ? error_of(id)->describe() : "");
    ASSERT_EQ(r->results.size(), 2u);
    for (const auto& t : r->results) EXPECT_EQ(t.status, TestStatus::success) << id;
  }
  // Function error: infrastructure error with the log tail, not retried by the provider.
  {
    const auto* e = error_of("function-error");
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->kind, ErrorKind::service);
    EXPECT_EQ(e->service_code, "Runtime.ExitError");
    EXPECT_NE(e->message.find("function error (Unhandled)"), std::string::npos) << e->message;
    EXPECT_TRUE(e->retryable);
    EXPECT_NE(outcomes["function-error"].log_tail.find("chromium crashed"), std::string::npos);
  }
  {
    const auto* e = error_of("malformed");
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->kind, ErrorKind::protocol);
  }
  // Retry budget used up: the last error, labeled, saying how many attempts.
  {
    const auto* e = error_of("exhausted");
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->http_status, 503);
    EXPECT_EQ(e->service_code, "ServiceUnavailableException");
    EXPECT_NE(e->message.find("after 3 attempts"), std::string::npos) << e->message;
  }
  // A test the runner did not report comes back as `error`, never missing.
  {
    const auto* r = response_of("dropped");
    ASSERT_NE(r, nullptr);
    ASSERT_EQ(r->results.size(), 2u);
    EXPECT_EQ(r->results[0].status, TestStatus::success);
    EXPECT_EQ(r->results[1].status, TestStatus::error);
    ASSERT_TRUE(r->results[1].error.has_value());
    EXPECT_NE(r->results[1].error->message.find("did not report"), std::string::npos);
  }
  // A failing test is a result, not an infrastructure fault.
  {
    const auto* r = response_of("test-fails");
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->results[0].status, TestStatus::failed);
    EXPECT_EQ(r->results[1].status, TestStatus::success);
  }

  auto stats = fx.stats();
  const auto& attempts = stats["attempts"];
  EXPECT_EQ(attempts["throttled"], 3);
  EXPECT_EQ(attempts["server-error"], 2);
  EXPECT_EQ(attempts["bad-gateway"], 2);
  EXPECT_EQ(attempts["reset"], 2);
  EXPECT_EQ(attempts["hang"], 2);
  EXPECT_EQ(attempts["function-error"], 1);
  EXPECT_EQ(attempts["malformed"], 1);
  EXPECT_EQ(attempts["exhausted"], 3);
  EXPECT_EQ(attempts["test-fails"], 1);
  EXPECT_EQ(attempts["plain-0"], 1);
  EXPECT_EQ(stats["unsigned"], 0) << "every Invoke must carry a SigV4 Authorization header";
  EXPECT_LE(stats["peak_in_flight"].get<int>(), 4);
  EXPECT_GE(stats["peak_in_flight"].get<int>(), 2);
  EXPECT_LE(provider.stats().peak_in_flight, 4u);
  EXPECT_EQ(provider.stats().retries, 8u);  // 2 + 1 + 1 + 1 + 1 + 2
  provider.stop();
}

TEST(AwsProviderFixture, CancelDeliversInterruptedForEveryInvocation) {
  nlohmann::json schedule = nlohmann::json::object();
  for (int i = 0; i < 6; ++i) schedule["h" + std::to_string(i)] = {"hang"};
  InvokeFixture fx(0, schedule);
  ASSERT_TRUE(fx.ready());
  auto settings = fixture_settings(fx);
  settings.invoke_timeout = std::chrono::seconds(60);
  AwsProvider provider(settings);
  RunContext ctx;
  ctx.concurrency = 2;
  ASSERT_TRUE(provider.start(ctx).ok());
  for (int i = 0; i < 6; ++i) provider.submit(invocation("h" + std::to_string(i), 1));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  provider.cancel();
  std::set<std::string> ids;
  for (int i = 0; i < 6; ++i) {
    auto o = provider.wait_next(std::chrono::seconds(5));
    ASSERT_TRUE(o.has_value());
    const auto* e = std::get_if<Error>(&o->result);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->kind, ErrorKind::interrupted);
    ids.insert(o->invocation_id);
  }
  EXPECT_EQ(ids.size(), 6u);
  provider.submit(invocation("late", 1));
  auto late = provider.wait_next(std::chrono::seconds(2));
  ASSERT_TRUE(late.has_value());
  EXPECT_EQ(std::get<Error>(late->result).kind, ErrorKind::interrupted);
}

TEST(AwsProviderFixture, ClientTimeoutFollowsTheFunctionTimeoutWhenUnset) {
  InvokeFixture fx(0, nlohmann::json::object());
  ASSERT_TRUE(fx.ready());
  auto settings = fixture_settings(fx);
  settings.invoke_timeout = std::chrono::milliseconds(0);
  AwsProvider provider(settings);
  RunContext ctx;
  ctx.invocation_timeout = std::chrono::seconds(120);
  // The fixture has no GetFunctionConfiguration: the run's invocation timeout + margin is used.
  ASSERT_TRUE(provider.start(ctx).ok());
  EXPECT_EQ(provider.invoke_timeout(), std::chrono::seconds(120) + settings.timeout_margin);
}

}  // namespace
}  // namespace ht
