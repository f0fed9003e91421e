// The local Runtime API host, driven over HTTP with net::HttpClient exactly as a runtime
// would, and the runner's RuntimeClient against it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <future>
#include <thread>

#include "net/http.hpp"
#include "providers/local/runtime_api_host.hpp"
#include "runner/runtime_client.hpp"

namespace ht::local {
namespace {

using std::chrono::milliseconds;

InvocationRequest request(const std::string& id, int tests = 1) {
  InvocationRequest r;
  r.run_id = "run-1";
  r.invocation_id = id;
  r.artifacts = "file:///tmp/store";
  for (int i = 0; i < tests; ++i) {
    r.tests.push_back(TestRef{"t" + std::to_string(i), "p", "a.spec.ts", {"title " + std::to_string(i)}});
  }
  return r;
}

std::string response_body(const std::string& id) {
  InvocationResponse resp;
  resp.invocation_id = id;
  TestOutcome o;
  o.test_id = "t0";
  o.status = TestStatus::success;
  resp.results.push_back(o);
  return nlohmann::json(resp).dump();
}

class RuntimeApiHostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RuntimeApiHost::Options options;
    options.invocation_timeout = std::chrono::seconds(30);
    options.max_response_bytes = 1000;
    host_ = std::make_unique<RuntimeApiHost>(options);
    auto env = host_->add_environment();
    ASSERT_TRUE(env.ok());
    base_ = "http://" + host_->address(*env) + "/2018-06-01/runtime/";
  }
  void TearDown() override {
    http_.reset();  // close the kept-alive connection so shutdown need not wait for it
    host_->shutdown();
  }

  net::Response call(const std::string& method, const std::string& path, const std::string& body = {},
                     const net::Headers& headers = {}, const std::string& base = {}) {
    net::Request req;
    req.method = method;
    req.url = (base.empty() ? base_ : base) + path;
    req.body = body;
    req.headers = headers;
    req.timeout = std::chrono::seconds(10);
    auto resp = http_->perform(req);
    EXPECT_TRUE(resp.ok()) << (resp.ok() ? "" : resp.error().describe());
    return resp.ok() ? *resp : net::Response{};
  }

  static std::string error_type(const net::Response& r) {
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    return j.is_object() ? j.value("errorType", std::string()) : std::string();
  }

  std::unique_ptr<RuntimeApiHost> host_;
  std::string base_;
  std::unique_ptr<net::HttpClient> http_ = std::make_unique<net::HttpClient>();
};

TEST_F(RuntimeApiHostTest, NextDeliversPayloadAndLambdaHeaders) {
  host_->submit(request("inv-1", 2));
  const auto before = std::chrono::system_clock::now();
  auto r = call("GET", "invocation/next");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Lambda-Runtime-Aws-Request-Id").value_or(""), "inv-1");
  EXPECT_EQ(r.header("Lambda-Runtime-Invoked-Function-Arn").value_or(""),
            "arn:aws:lambda:local:000000000000:function:hypertest-local");
  EXPECT_EQ(r.header("Lambda-Runtime-Trace-Id").value_or("").rfind("Root=1-", 0), 0U);
  auto deadline = std::stoll(r.header("Lambda-Runtime-Deadline-Ms").value_or("0"));
  auto expected =
      std::chrono::duration_cast<milliseconds>((before + std::chrono::seconds(30)).time_since_epoch()).count();
  EXPECT_NEAR(static_cast<double>(deadline), static_cast<double>(expected), 2000.0);
  auto payload = nlohmann::json::parse(r.body).get<InvocationRequest>();
  EXPECT_EQ(payload.invocation_id, "inv-1");
  EXPECT_EQ(payload.tests.size(), 2U);
  EXPECT_EQ(host_->state(0).invocation_id.value_or(""), "inv-1");
}

TEST_F(RuntimeApiHostTest, ResponseIsAcceptedAndBecomesTheOutcome) {
  host_->submit(request("inv-1"));
  call("GET", "invocation/next");
  auto r = call("POST", "invocation/inv-1/response", response_body("inv-1"));
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(nlohmann::json::parse(r.body).value("status", ""), "OK");
  auto outcome = host_->wait_outcome(milliseconds(1000));
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->invocation_id, "inv-1");
  ASSERT_TRUE(std::holds_alternative<InvocationResponse>(outcome->result));
  EXPECT_EQ(std::get<InvocationResponse>(outcome->result).results.at(0).status, TestStatus::success);
  EXPECT_FALSE(host_->state(0).invocation_id.has_value());
}

TEST_F(RuntimeApiHostTest, UnknownRequestIdIs400AndASecondAnswerIs403) {
  host_->submit(request("inv-1"));
  call("GET", "invocation/next");
  auto unknown = call("POST", "invocation/nope/response", response_body("nope"));
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(error_type(unknown), "InvalidRequestID");
  auto unknown_error = call("POST", "invocation/nope/error", "{}");
  EXPECT_EQ(unknown_error.status, 400);
  EXPECT_EQ(call("POST", "invocation/inv-1/response", response_body("inv-1")).status, 202);
  auto again = call("POST", "invocation/inv-1/response", response_body("inv-1"));
  EXPECT_EQ(again.status, 403);
  EXPECT_EQ(error_type(again), "InvalidStateTransition");
  // Exactly one outcome.
  EXPECT_TRUE(host_->wait_outcome(milliseconds(500)).has_value());
  EXPECT_FALSE(host_->wait_outcome(milliseconds(100)).has_value());
}

TEST_F(RuntimeApiHostTest, AnInvocationBelongsToTheEnvironmentThatTookIt) {
  auto other = host_->add_environment();
  ASSERT_TRUE(other.ok());
  const std::string other_base = "http://" + host_->address(*other) + "/2018-06-01/runtime/";
  host_->submit(request("inv-1"));
  call("GET", "invocation/next");
  net::HttpClient second;
  net::Request req;
  req.method = "POST";
  req.url = other_base + "invocation/inv-1/response";
  req.body = response_body("inv-1");
  auto r = second.perform(req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 400);
}

TEST_F(RuntimeApiHostTest, NextWhileHoldingAnInvocationIs403) {
  host_->submit(request("inv-1"));
  call("GET", "invocation/next");
  auto r = call("GET", "invocation/next");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(error_type(r), "InvalidStateTransition");
}

TEST_F(RuntimeApiHostTest, ErrorBodyBecomesAnErrorOutcome) {
  host_->submit(request("inv-1"));
  call("GET", "invocation/next");
  auto r = call("POST", "invocation/inv-1/error",
                R"({"errorMessage":"payload is bad","errorType":"Runtime.InvalidPayload","stackTrace":[]})",
                {{"Lambda-Runtime-Function-Error-Type", "Runtime.InvalidPayload"}});
  EXPECT_EQ(r.status, 202);
  auto outcome = host_->wait_outcome(milliseconds(1000));
  ASSERT_TRUE(outcome.has_value());
  ASSERT_TRUE(std::holds_alternative<Error>(outcome->result));
  const auto& e = std::get<Error>(outcome->result);
  EXPECT_EQ(e.service_code, "Runtime.InvalidPayload");
  EXPECT_EQ(e.message, "payload is bad");
}

TEST_F(RuntimeApiHostTest, ErrorWithoutReadableBodyUsesTheHeader) {
  host_->submit(request("inv-1"));
  call("GET", "invocation/next");
  EXPECT_EQ(
      call("POST", "invocation/inv-1/error", "not json", {{"Lambda-Runtime-Function-Error-Type", "Runtime.Crash"}})
          .status,
      202);
  auto outcome = host_->wait_outcome(milliseconds(1000));
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(std::get<Error>(outcome->result).service_code, "Runtime.Crash");
}

TEST_F(RuntimeApiHostTest, TooLargeResponseIs413AndTheInvocationStaysOpen) {
  host_->submit(request("inv-1"));
  call("GET", "invocation/next");
  auto r = call("POST", "invocation/inv-1/response", std::string(1001, 'x'));
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(error_type(r), "RequestEntityTooLarge");
  EXPECT_EQ(host_->state(0).invocation_id.value_or(""), "inv-1");
  EXPECT_EQ(call("POST", "invocation/inv-1/error", R"({"errorType":"Runtime.TooLarge","errorMessage":"m"})").status,
            202);
}

TEST_F(RuntimeApiHostTest, MalformedResponseIsAProtocolErrorOutcome) {
  host_->submit(request("inv-1"));
  call("GET", "invocation/next");
  EXPECT_EQ(call("POST", "invocation/inv-1/response", "SUCCESS").status, 202);
  auto outcome = host_->wait_outcome(milliseconds(1000));
  ASSERT_TRUE(outcome.has_value());
  ASSERT_TRUE(std::holds_alternative<Error>(outcome->result));
  EXPECT_EQ(std::get<Error>(outcome->result).kind, ErrorKind::protocol);
}

TEST_F(RuntimeApiHostTest, InitErrorIsAcceptedOnlyBeforeTheFirstNext) {
  auto r = call("POST", "init/error", R"({"errorMessage":"no playwright","errorType":"Runtime.InitError"})",
                {{"Lambda-Runtime-Function-Error-Type", "Runtime.InitError"}});
  EXPECT_EQ(r.status, 202);
  auto state = host_->state(0);
  ASSERT_TRUE(state.init_error.has_value());
  EXPECT_EQ(state.init_error->message, "no playwright");
  EXPECT_EQ(state.init_error->service_code, "Runtime.InitError");

  host_->reset_environment(0);
  host_->submit(request("inv-1"));
  call("GET", "invocation/next");
  EXPECT_EQ(call("POST", "init/error", "{}").status, 403);
}

TEST_F(RuntimeApiHostTest, QueueIsFifoAndNextBlocksUntilWorkArrives) {
  auto pending = std::async(std::launch::async, [this] {
    net::HttpClient client;
    net::Request req;
    req.url = base_ + "invocation/next";
    req.timeout = std::nullopt;
    return client.perform(req);
  });
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_EQ(pending.wait_for(milliseconds(0)), std::future_status::timeout);
  host_->submit(request("first"));
  host_->submit(request("second"));
  auto r = pending.get();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->header("Lambda-Runtime-Aws-Request-Id").value_or(""), "first");
  call("POST", "invocation/first/response", response_body("first"));
  EXPECT_EQ(call("GET", "invocation/next").header("Lambda-Runtime-Aws-Request-Id").value_or(""), "second");
}

TEST_F(RuntimeApiHostTest, ShutdownAnswersAWaitingNextWith500) {
  auto pending = std::async(std::launch::async, [this] {
    net::HttpClient client;
    net::Request req;
    req.url = base_ + "invocation/next";
    req.timeout = std::nullopt;
    return client.perform(req);
  });
  std::this_thread::sleep_for(milliseconds(200));
  host_->shutdown();
  auto r = pending.get();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 500);
}

TEST_F(RuntimeApiHostTest, AbortAndFailPendingYieldOneOutcomeEach) {
  host_->submit(request("held"));
  call("GET", "invocation/next");
  host_->submit(request("queued-1"));
  host_->submit(request("queued-2"));
  EXPECT_EQ(host_->abort_current(0, make_error(ErrorKind::process, "runner died"), "tail").value_or(""), "held");
  EXPECT_FALSE(host_->abort_current(0, make_error(ErrorKind::process, "again"), "").has_value());
  EXPECT_EQ(host_->fail_pending(make_error(ErrorKind::interrupted, "cancelled")), 2U);
  std::vector<std::string> ids;
  while (auto o = host_->wait_outcome(milliseconds(200))) {
    ASSERT_TRUE(std::holds_alternative<Error>(o->result));
    ids.push_back(o->invocation_id);
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"held", "queued-1", "queued-2"}));
  // The runner's late answer for the aborted invocation is refused.
  EXPECT_EQ(call("POST", "invocation/held/response", response_body("held")).status, 403);
}

// The runner's client against the host: the two sides of one protocol.
TEST_F(RuntimeApiHostTest, RuntimeClientSpeaksTheProtocol) {
  const std::string api = base_.substr(7, base_.find('/', 7) - 7);
  runner::RuntimeClient client(api);
  host_->submit(request("inv-9"));
  auto inv = client.next();
  ASSERT_TRUE(inv.ok()) << inv.error().describe();
  EXPECT_EQ(inv->request_id, "inv-9");
  EXPECT_GT(inv->deadline_ms, 0);
  EXPECT_FALSE(inv->trace_id.empty());
  EXPECT_FALSE(inv->function_arn.empty());
  EXPECT_EQ(nlohmann::json::parse(inv->payload).at("invocationId"), "inv-9");

  Status wrong = client.respond("other", response_body("other"));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().http_status, 400);
  EXPECT_EQ(wrong.error().service_code, "InvalidRequestID");

  Status failed = client.fail("inv-9", {"Runtime.Test", "it broke", {"at a", "at b"}});
  ASSERT_TRUE(failed.ok()) << failed.error().describe();
  auto outcome = host_->wait_outcome(milliseconds(1000));
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(std::get<Error>(outcome->result).service_code, "Runtime.Test");
  EXPECT_EQ(std::get<Error>(outcome->result).message, "it broke");

  host_->submit(request("inv-10"));
  ASSERT_TRUE(client.next().ok());
  ASSERT_TRUE(client.respond("inv-10", response_body("inv-10")).ok());
  outcome = host_->wait_outcome(milliseconds(1000));
  ASSERT_TRUE(outcome.has_value());
  EXPECT_TRUE(std::holds_alternative<InvocationResponse>(outcome->result));

  Status init = client.init_error({"Runtime.InitError", "late", {}});
  ASSERT_FALSE(init.ok());
  EXPECT_EQ(init.error().http_status, 403);
}

TEST(RuntimeErrorBody, HasLambdasStandardShape) {
  auto j = nlohmann::json::parse(runner::to_error_body({"Runtime.X", "msg \"q\"", {"a", "b"}}));
  EXPECT_EQ(j.at("errorType"), "Runtime.X");
  EXPECT_EQ(j.at("errorMessage"), "msg \"q\"");
  EXPECT_EQ(j.at("stackTrace"), nlohmann::json::array({"a", "b"}));
}

}  // namespace
}  // namespace ht::local
