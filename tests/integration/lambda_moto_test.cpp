// Lambda client and the aws provider against moto_server. Invoke and UpdateFunctionCode run
// against the instance that verifies signatures. GetFunction/GetFunctionConfiguration run
// against the unchecked instance (HT_MOTO_NOAUTH_ENDPOINT): moto hashes a bodiless GET's
// request headers as its body and so rejects every correct signature (botocore's `aws lambda
// get-function` fails the same way). Invoke uses moto's lambda-simple mode (no Docker):
// answers are queued with POST /moto-api/static/lambda-simple/response; that queue is per
// region, so each Invoke test uses its own region to stay independent of parallel tests.
#include <gtest/gtest.h>

#include "aws/lambda_client.hpp"
#include "aws_test_support.hpp"
#include "model/test_case.hpp"
#include "providers/aws/aws_provider.hpp"

namespace ht {
namespace {

using testing::aws_cli;
using testing::moto_config;
using testing::unique_name;

std::string create_image_function(const testing::MotoEnv& m, const std::string& region, int memory, int timeout) {
  const std::string name = unique_name("ht-fn");
  auto env = m;
  env.region = region;
  auto r = aws_cli(env, {"lambda", "create-function", "--function-name", name, "--package-type", "Image", "--code",
                         "ImageUri=123456789012.dkr.ecr." + region + ".amazonaws.com/hypertest:v1", "--role",
                         m.lambda_role, "--memory-size", std::to_string(memory), "--timeout", std::to_string(timeout)});
  EXPECT_TRUE(r.status.success()) << r.err;
  return name;
}

void queue_simple_responses(const testing::MotoEnv& m, const std::string& region,
                            const std::vector<std::string>& results) {
  net::HttpClient http;
  net::Request req;
  req.method = "POST";
  req.url = m.endpoint + "/moto-api/static/lambda-simple/response";
  req.headers.emplace_back("Content-Type", "application/json");
  req.body = nlohmann::json{{"results", results}, {"region", region}}.dump();
  auto r = http.perform(req);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  ASSERT_LT(r->status, 300) << r->body;
}

TEST(LambdaMoto, GetFunctionOfAnImageFunction) {
  HT_REQUIRE_MOTO(m);
  auto name = create_image_function(m.noauth(), m.region, 4096, 900);
  aws::LambdaClient lambda(moto_config(m.noauth()));
  auto f = lambda.get_function(name);
  ASSERT_TRUE(f.ok()) << f.error().describe();
  EXPECT_EQ(f->function_name, name);
  EXPECT_EQ(f->package_type, "Image");
  EXPECT_EQ(f->memory_size_mb, 4096);
  EXPECT_EQ(f->timeout_s, 900);
  EXPECT_NE(f->image_uri.find("hypertest:v1"), std::string::npos);
  auto c = lambda.get_function_configuration(name);
  ASSERT_TRUE(c.ok()) << c.error().describe();
  EXPECT_EQ(c->state, "Active");
}

TEST(LambdaMoto, MissingFunctionIsResourceNotFound) {
  HT_REQUIRE_MOTO(m);
  aws::LambdaClient lambda(moto_config(m.noauth()));
  auto f = lambda.get_function("ht-no-such-function");
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().service_code, "ResourceNotFoundException");
  EXPECT_EQ(f.error().http_status, 404);
  EXPECT_FALSE(f.error().retryable);
}

TEST(LambdaMoto, UpdateFunctionCodeThenWaitUntilUpdated) {
  HT_REQUIRE_MOTO(m);
  const std::string uri =
      "123456789012.dkr.ecr." + m.region + ".amazonaws.com/hypertest@sha256:" + std::string(64, 'a');
  {
    // UpdateFunctionCode (a PUT with a body) against the checking instance.
    auto name = create_image_function(m, m.region, 2048, 300);
    aws::LambdaClient lambda(moto_config(m));
    auto u = lambda.update_function_code_image(name, uri);
    ASSERT_TRUE(u.ok()) << u.error().describe();
    EXPECT_EQ(u->function_name, name);
  }
  auto name = create_image_function(m.noauth(), m.region, 2048, 300);
  aws::LambdaClient lambda(moto_config(m.noauth()));
  auto u = lambda.update_function_code_image(name, uri);
  ASSERT_TRUE(u.ok()) << u.error().describe();
  auto done = lambda.wait_until_updated(name, std::chrono::seconds(30), std::chrono::milliseconds(200));
  ASSERT_TRUE(done.ok()) << done.error().describe();
  EXPECT_NE(done->last_update_status, "InProgress");
  EXPECT_NE(done->last_update_status, "Failed");
  auto f = lambda.get_function(name);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->image_uri, uri);
}

TEST(LambdaMoto, InvokeReturnsTheQueuedAnswer) {
  HT_REQUIRE_MOTO(m);
  const std::string region = "eu-west-2";
  auto name = create_image_function(m, region, 2048, 300);
  queue_simple_responses(m, region, {R"({"hello":"from moto"})"});
  auto cfg = moto_config(m);
  cfg.region = region;
  aws::LambdaClient lambda(cfg);
  auto r = lambda.invoke(name, R"({"ping":1})", std::chrono::seconds(30));
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->payload, R"({"hello":"from moto"})");
  EXPECT_FALSE(r->function_error.has_value());
}

TEST(LambdaMoto, WrongSecretIsSignatureDoesNotMatch) {
  HT_REQUIRE_MOTO(m);
  auto cfg = moto_config(m);
  cfg.credentials.secret_access_key = "wrong-secret-for-lambda";
  aws::LambdaClient lambda(cfg);
  auto f = lambda.get_function("anything");
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().service_code, "SignatureDoesNotMatch");
  EXPECT_EQ(f.error().describe().find("wrong-secret-for-lambda"), std::string::npos);
}

TEST(LambdaMoto, AwsProviderInvokesAndMapsResponses) {
  HT_REQUIRE_MOTO(m);
  const std::string region = "eu-west-1";
  auto name = create_image_function(m, region, 4096, 60);
  // Three invocations in order (concurrency 1, so moto's FIFO queue matches them up); the
  // second answers with something that is not an invocation response.
  std::vector<InvocationRequest> reqs;
  std::vector<std::string> answers;
  for (int i = 0; i < 3; ++i) {
    InvocationRequest r;
    r.run_id = "run-m";
    r.invocation_id = "inv-" + std::to_string(i);
    r.artifacts = "s3://b/p";
    TestRef t{"", "", "a.spec.ts", {"t" + std::to_string(i)}};
    t.test_id = make_test_id(t.project, t.file, t.title_path);
    r.tests.push_back(t);
    InvocationResponse resp;
    resp.invocation_id = r.invocation_id;
    TestOutcome o;
    o.test_id = t.test_id;
    o.status = i == 2 ? TestStatus::failed : TestStatus::success;
    o.duration_ms = 1200;
    resp.results.push_back(o);
    answers.push_back(i == 1 ? std::string(R"({"unexpected":true})") : nlohmann::json(resp).dump());
    reqs.push_back(std::move(r));
  }
  queue_simple_responses(m, region, answers);

  AwsProviderSettings s;
  s.function_name = name;
  s.client = moto_config(m);
  s.client.region = region;
  s.invoke_timeout = std::chrono::seconds(30);
  AwsProvider provider(s);
  RunContext ctx;
  ctx.concurrency = 1;
  ASSERT_TRUE(provider.start(ctx).ok());
  for (const auto& r : reqs) provider.submit(r);
  std::map<std::string, InvocationOutcome> got;
  for (int i = 0; i < 3; ++i) {
    auto o = provider.wait_next(std::chrono::seconds(30));
    ASSERT_TRUE(o.has_value());
    got[o->invocation_id] = std::move(*o);
  }
  ASSERT_EQ(got.size(), 3u);
  const auto* r0 = std::get_if<InvocationResponse>(&got["inv-0"].result);
  ASSERT_NE(r0, nullptr);
  EXPECT_EQ(r0->results.at(0).status, TestStatus::success);
  EXPECT_EQ(r0->results.at(0).duration_ms, 1200);
  const auto* e1 = std::get_if<Error>(&got["inv-1"].result);
  ASSERT_NE(e1, nullptr);
  EXPECT_EQ(e1->kind, ErrorKind::protocol);
  const auto* r2 = std::get_if<InvocationResponse>(&got["inv-2"].result);
  ASSERT_NE(r2, nullptr);
  EXPECT_EQ(r2->results.at(0).status, TestStatus::failed);
}

TEST(LambdaMoto, AwsProviderClientTimeoutIsTheFunctionTimeoutPlusMargin) {
  HT_REQUIRE_MOTO(m);
  auto name = create_image_function(m.noauth(), m.region, 4096, 60);
  AwsProviderSettings s;
  s.function_name = name;
  s.client = moto_config(m.noauth());
  AwsProvider provider(s);
  RunContext ctx;
  ctx.invocation_timeout = std::chrono::minutes(15);
  ASSERT_TRUE(provider.start(ctx).ok());
  // Read with GetFunctionConfiguration: 60 s + margin, not the run's 15 minutes.
  EXPECT_EQ(provider.invoke_timeout(), std::chrono::seconds(60) + s.timeout_margin);
  EXPECT_GT(provider.invoke_timeout(), std::chrono::seconds(60));
}

}  // namespace
}  // namespace ht
