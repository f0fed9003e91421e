// AWS error bodies (JSON and XML) -> ht::Error, and the small XML reader.
#include <gtest/gtest.h>

#include "aws/base64.hpp"
#include "aws/lambda_client.hpp"
#include "aws/s3_client.hpp"
#include "aws/service_client.hpp"

namespace ht::aws {
namespace {

net::Response response(int status, std::string body, net::Headers headers = {}) {
  net::Response r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

TEST(AwsErrors, JsonWithTypeAndMessage) {
  auto e = parse_aws_error(response(404, R"({"__type":"com.amazon.coral#ResourceNotFoundException",
                                           "Message":"Function not found: arn:x"})",
                                    {{"x-amzn-RequestId", "req-1"}}),
                           "Lambda GetFunction f");
  EXPECT_EQ(e.kind, ErrorKind::service);
  EXPECT_EQ(e.service_code, "ResourceNotFoundException");
  EXPECT_EQ(e.http_status, 404);
  EXPECT_FALSE(e.retryable);
  EXPECT_NE(e.message.find("Function not found"), std::string::npos);
  EXPECT_NE(e.message.find("req-1"), std::string::npos);
  EXPECT_EQ(e.context, "Lambda GetFunction f");
}

TEST(AwsErrors, ErrorTypeHeaderAndThrottling) {
  auto e = parse_aws_error(response(429, R"({"message":"Rate exceeded","Type":"User"})",
                                    {{"X-Amzn-ErrorType", "TooManyRequestsException:http://internal.amazon.com/"}}),
                           "Lambda Invoke f");
  EXPECT_EQ(e.service_code, "TooManyRequestsException");
  EXPECT_TRUE(e.retryable);
  EXPECT_EQ(e.message, "Rate exceeded");
}

TEST(AwsErrors, S3XmlError) {
  auto e = parse_aws_error(response(503,
                                    "<?xml version=\"1.0\"?>\n<Error><Code>SlowDown</Code>"
                                    "<Message>Please reduce your request rate &amp; retry.</Message>"
                                    "<RequestId>r2</RequestId></Error>",
                                    {{"x-amz-request-id", "r2"}}),
                           "S3 PutObject s3://b/k");
  EXPECT_EQ(e.service_code, "SlowDown");
  EXPECT_TRUE(e.retryable);
  EXPECT_NE(e.message.find("Please reduce your request rate & retry."), std::string::npos);
}

TEST(AwsErrors, QueryProtocolXmlError) {
  auto e = parse_aws_error(
      response(400,
               "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>"
               "<Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>"),
      "STS");
  EXPECT_EQ(e.service_code, "Throttling");
  EXPECT_TRUE(e.retryable);
}

TEST(AwsErrors, NoBodyIsAnHttpError) {
  auto e = parse_aws_error(response(403, ""), "S3 HeadBucket b");
  EXPECT_EQ(e.kind, ErrorKind::http);
  EXPECT_EQ(e.http_status, 403);
  EXPECT_TRUE(e.service_code.empty());
  EXPECT_NE(e.describe().find("403"), std::string::npos);
}

TEST(AwsXml, RecordsAndEntities) {
  const std::string xml =
      "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>b</Name>"
      "<Contents><Key>a&lt;b</Key><Size>3</Size><ETag>&quot;e1&quot;</ETag></Contents>"
      "<Contents><Key>c</Key><Size>10</Size></Contents><IsTruncated>false</IsTruncated></ListBucketResult>";
  auto recs = xml_records(xml, "Contents");
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0]["Key"], "a<b");
  EXPECT_EQ(recs[0]["ETag"], "\"e1\"");
  EXPECT_EQ(recs[1]["Size"], "10");
  EXPECT_EQ(xml_first(xml, "IsTruncated").value_or(""), "false");
  EXPECT_EQ(xml_all(xml, "Key").size(), 2u);
  EXPECT_FALSE(xml_first("not xml", "Key").has_value());
}

TEST(Base64, RoundTrip) {
  for (std::string s : {"", "a", "ab", "abc", "abcd", "AWS:secret-password\n\x01\xff"}) {
    EXPECT_EQ(base64_decode(base64_encode(s)).value(), s);
  }
  EXPECT_EQ(base64_encode("AWS:pw"), "QVdTOnB3");
  EXPECT_FALSE(base64_decode("abc").has_value());
}

TEST(S3Uri, Parse) {
  auto l = parse_s3_uri("s3://my-bucket/some/prefix/");
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->bucket, "my-bucket");
  EXPECT_EQ(l->prefix, "some/prefix");
  EXPECT_EQ(parse_s3_uri("s3://b")->prefix, "");
  EXPECT_FALSE(parse_s3_uri("s3:///x").ok());
  EXPECT_FALSE(parse_s3_uri("file:///x").ok());
}

TEST(S3Addressing, VirtualHostedOnAwsPathStyleOnCustomEndpoints) {
  ClientConfig c;
  c.region = "eu-west-1";
  c.endpoint = "https://s3.eu-west-1.amazonaws.com";
  S3Client aws(c);
  EXPECT_EQ(aws.object_url("my-bucket", "run 1/a+b.png"),
            "https://my-bucket.s3.eu-west-1.amazonaws.com/run%201/a%2Bb.png");
  EXPECT_EQ(aws.object_url("my.dotted.bucket", "k"), "https://s3.eu-west-1.amazonaws.com/my.dotted.bucket/k");
  c.endpoint = "http://127.0.0.1:5000";
  c.custom_endpoint = true;
  S3Client moto(c);
  EXPECT_EQ(moto.object_url("my-bucket", "k/é"), "http://127.0.0.1:5000/my-bucket/k/%C3%A9");
}

TEST(LambdaParse, FunctionConfigurationAndInvokeResponse) {
  auto f = parse_function_configuration(R"({"Configuration":{"FunctionName":"fn","PackageType":"Image",
      "MemorySize":4096,"Timeout":900,"State":"Active","LastUpdateStatus":"Successful"},
      "Code":{"ImageUri":"1.dkr.ecr.us-east-1.amazonaws.com/r:t","ResolvedImageUri":"1.dkr.ecr.us-east-1.amazonaws.com/r@sha256:ab"}})");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->package_type, "Image");
  EXPECT_EQ(f->memory_size_mb, 4096);
  EXPECT_EQ(f->timeout_s, 900);
  EXPECT_EQ(f->resolved_image_uri, "1.dkr.ecr.us-east-1.amazonaws.com/r@sha256:ab");
  net::Response r =
      response(200, R"({"errorMessage":"boom"})",
               {{"X-Amz-Function-Error", "Unhandled"}, {"X-Amz-Log-Result", base64_encode("line1\nline2\n")}});
  auto inv = LambdaClient::parse_invoke_response(r);
  EXPECT_EQ(inv.function_error.value_or(""), "Unhandled");
  EXPECT_EQ(inv.log_tail, "line1\nline2\n");
}

}  // namespace
}  // namespace ht::aws
