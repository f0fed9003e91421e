// SigV4 against AWS's published example (IAM ListUsers, from "Create a signed AWS API
// request" in the IAM user guide) and the S3 rules that differ.
#include <gtest/gtest.h>

#include "aws/sigv4.hpp"
#include "core/log.hpp"

namespace ht::aws {
namespace {

std::chrono::system_clock::time_point at_20150830_123600() {
  // 2015-08-30T12:36:00Z
  return std::chrono::system_clock::time_point(std::chrono::seconds(1440938160));
}

Credentials example_credentials() {
  Credentials c;
  c.access_key_id = "AKIDEXAMPLE";
  c.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  return c;
}

std::string header(const net::Request& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return {};
}

TEST(SigV4, AwsDocumentedExample) {
  net::Request req;
  req.method = "GET";
  req.url = "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08";
  req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
  SigningParams p{"iam", "us-east-1", at_20150830_123600(), false, false};
  auto d = sign_debug(req, example_credentials(), p);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->canonical_request,
            "GET\n/\nAction=ListUsers&Version=2010-05-08\n"
            "content-type:application/x-www-form-urlencoded; charset=utf-8\nhost:iam.amazonaws.com\n"
            "x-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(header(req, "Authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-date, "
            "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
  EXPECT_EQ(header(req, "X-Amz-Date"), "20150830T123600Z");
}

TEST(SigV4, ResigningReplacesEarlierSignature) {
  net::Request req;
  req.url = "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08";
  SigningParams p{"iam", "us-east-1", at_20150830_123600(), false, false};
  ASSERT_TRUE(sign(req, example_credentials(), p).ok());
  ASSERT_TRUE(sign(req, example_credentials(), p).ok());
  int auth = 0;
  for (const auto& [k, v] : req.headers) auth += k == "Authorization" ? 1 : 0;
  EXPECT_EQ(auth, 1);
}

TEST(SigV4, S3KeepsPathAndSignsPayloadHash) {
  net::Request req;
  req.method = "PUT";
  req.url = "http://127.0.0.1:5000/bucket/a%20b/./c%2Bd//e";
  req.body = "hello";
  SigningParams p{"s3", "us-east-1", at_20150830_123600(), true, false};
  auto d = sign_debug(req, example_credentials(), p);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->canonical_request.substr(0, d->canonical_request.find('\n', 4)), "PUT\n/bucket/a%20b/./c%2Bd//e");
  EXPECT_EQ(header(req, "X-Amz-Content-SHA256"), "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  EXPECT_NE(d->signed_headers.find("x-amz-content-sha256"), std::string::npos);
}

TEST(SigV4, OtherServicesNormalizeAndEncodeThePathTwice) {
  net::Request req;
  req.method = "POST";
  req.url = "https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/arn%3Aaws%3Alambda/./x//y/../invocations";
  SigningParams p{"lambda", "us-east-1", at_20150830_123600(), false, false};
  auto d = sign_debug(req, example_credentials(), p);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->canonical_request.substr(0, d->canonical_request.find('\n', 5)),
            "POST\n/2015-03-31/functions/arn%253Aaws%253Alambda/x/invocations");
}

TEST(SigV4, SessionTokenIsSentAndSigned) {
  net::Request req;
  req.url = "https://sts.us-east-1.amazonaws.com/";
  Credentials c = example_credentials();
  c.session_token = "token/with+chars==";
  SigningParams p{"sts", "us-east-1", at_20150830_123600(), false, false};
  auto d = sign_debug(req, c, p);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(header(req, "X-Amz-Security-Token"), c.session_token);
  EXPECT_EQ(d->signed_headers, "host;x-amz-date;x-amz-security-token");
}

TEST(SigV4, QueryPairsSortedAndValuelessKeysGetEquals) {
  net::Request req;
  req.url = "http://h/b/k?uploads&b=2&a=3&a=1";
  SigningParams p{"s3", "us-east-1", at_20150830_123600(), true, false};
  auto d = sign_debug(req, example_credentials(), p);
  ASSERT_TRUE(d.ok());
  EXPECT_NE(d->canonical_request.find("\na=1&a=3&b=2&uploads=\n"), std::string::npos) << d->canonical_request;
}

TEST(SigV4, UnsignedPayloadForS3) {
  net::Request req;
  req.method = "PUT";
  req.url = "https://b.s3.us-east-1.amazonaws.com/k";
  req.body = "data";
  SigningParams p{"s3", "us-east-1", at_20150830_123600(), true, true};
  ASSERT_TRUE(sign(req, example_credentials(), p).ok());
  EXPECT_EQ(header(req, "X-Amz-Content-SHA256"), "UNSIGNED-PAYLOAD");
}

TEST(SigV4, AmzDateFormat) { EXPECT_EQ(amz_date(at_20150830_123600()), "20150830T123600Z"); }

}  // namespace
}  // namespace ht::aws
