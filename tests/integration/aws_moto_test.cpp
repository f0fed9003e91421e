// ECR, Service Quotas, STS and the credential chain against moto_server (signatures verified).
#include <gtest/gtest.h>

#include "aws/ecr_client.hpp"
#include "aws/service_quotas_client.hpp"
#include "aws/sts_client.hpp"
#include "aws_test_support.hpp"
#include "core/log.hpp"

namespace ht {
namespace {

using testing::aws_cli;
using testing::moto_config;
using testing::unique_name;

TEST(AwsMoto, StsGetCallerIdentity) {
  HT_REQUIRE_MOTO(m);
  aws::StsClient sts(moto_config(m));
  auto id = sts.get_caller_identity();
  ASSERT_TRUE(id.ok()) << id.error().describe();
  EXPECT_EQ(id->account, "123456789012");
  EXPECT_NE(id->arn.find("user/hypertest"), std::string::npos) << id->arn;
}

TEST(AwsMoto, UnknownAccessKeyIsRejected) {
  HT_REQUIRE_MOTO(m);
  auto cfg = moto_config(m);
  cfg.credentials.access_key_id = "AKIAUNKNOWNUNKNOWN00";
  aws::StsClient sts(cfg);
  auto id = sts.get_caller_identity();
  ASSERT_FALSE(id.ok());
  EXPECT_FALSE(id.error().service_code.empty());
  EXPECT_EQ(id.error().http_status, 403);
}

TEST(AwsMoto, EcrAuthorizationTokenAndDescribeImages) {
  HT_REQUIRE_MOTO(m);
  const std::string repo = unique_name("ht-repo");
  auto created = aws_cli(m, {"ecr", "create-repository", "--repository-name", repo});
  ASSERT_TRUE(created.status.success()) << created.err;
  aws::EcrClient ecr(moto_config(m));
  auto auth = ecr.get_authorization_token();
  ASSERT_TRUE(auth.ok()) << auth.error().describe();
  EXPECT_EQ(auth->username, "AWS");
  EXPECT_FALSE(auth->password.empty());
  EXPECT_NE(auth->proxy_endpoint.find("dkr.ecr"), std::string::npos) << auth->proxy_endpoint;
  EXPECT_EQ(log::redact(auth->password), "****");

  auto none = ecr.describe_images(repo);
  ASSERT_TRUE(none.ok()) << none.error().describe();
  EXPECT_TRUE(none->empty());
  const std::string manifest =
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:)" +
      std::string(64, 'b') + R"(","size":2},"layers":[]})";
  auto put =
      aws_cli(m, {"ecr", "put-image", "--repository-name", repo, "--image-tag", "v1", "--image-manifest", manifest});
  ASSERT_TRUE(put.status.success()) << put.err;
  const std::string digest = nlohmann::json::parse(put.out)["image"]["imageId"]["imageDigest"];
  auto images = ecr.describe_images(repo, {{"", "v1"}});
  ASSERT_TRUE(images.ok()) << images.error().describe();
  ASSERT_EQ(images->size(), 1u);
  EXPECT_EQ(images->at(0).image_digest, digest);
  EXPECT_EQ(images->at(0).image_tags, std::vector<std::string>{"v1"});

  auto missing = ecr.describe_images(unique_name("ht-norepo"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().service_code, "RepositoryNotFoundException");
}

TEST(AwsMoto, ServiceQuotas) {
  HT_REQUIRE_MOTO(m);
  aws::ServiceQuotasClient sq(moto_config(m));
  // moto knows the VPC quotas only; "VPCs per Region" is 5.
  auto vpc = sq.get_service_quota("vpc", "L-F678F1CE");
  ASSERT_TRUE(vpc.ok()) << vpc.error().describe();
  EXPECT_EQ(vpc->quota_code, "L-F678F1CE");
  EXPECT_GT(vpc->value, 0);
  // Lambda's concurrency quota is unknown to moto: a typed error doctor can report.
  auto lambda = sq.get_service_quota("lambda", aws::kLambdaConcurrencyQuotaCode);
  ASSERT_FALSE(lambda.ok());
  EXPECT_EQ(lambda.error().service_code, "NoSuchResourceException");
}

TEST(AwsMoto, CredentialChainFromEnvironmentReachesMoto) {
  HT_REQUIRE_MOTO(m);
  testing::ScopedEnv env;
  env.use_moto(m);
  env.set("AWS_SESSION_TOKEN", "");  // empty: no token header
  auto sts = aws::StsClient::from_environment();
  ASSERT_TRUE(sts.ok()) << sts.error().describe();
  auto id = sts->get_caller_identity();
  ASSERT_TRUE(id.ok()) << id.error().describe();
  EXPECT_EQ(id->account, "123456789012");
}

TEST(AwsMoto, SourceProfileWithRoleAssumesIt) {
  HT_REQUIRE_MOTO(m);
  fs::TempDir home("ht-aws-home");
  ASSERT_TRUE(
      fs::write_file_atomic(home.path() / "credentials", "[base]\naws_access_key_id = " + m.access_key_id +
                                                             "\naws_secret_access_key = " + m.secret_access_key + "\n")
          .ok());
  ASSERT_TRUE(fs::write_file_atomic(home.path() / "config", "[profile ci]\nrole_arn = " + m.assume_role +
                                                                "\nsource_profile = base\nregion = " + m.region + "\n")
                  .ok());
  testing::ScopedEnv env;
  env.use_moto(m);
  env.unset("AWS_ACCESS_KEY_ID");
  env.unset("AWS_SECRET_ACCESS_KEY");
  env.set("AWS_SHARED_CREDENTIALS_FILE", (home.path() / "credentials").string());
  env.set("AWS_CONFIG_FILE", (home.path() / "config").string());
  env.set("AWS_PROFILE", "ci");
  auto creds = aws::resolve_credentials();
  ASSERT_TRUE(creds.ok()) << creds.error().describe();
  EXPECT_FALSE(creds->session_token.empty());
  EXPECT_NE(creds->source.find("role"), std::string::npos) << creds->source;
  EXPECT_EQ(log::redact(creds->secret_access_key), "****");
}

}  // namespace
}  // namespace ht
