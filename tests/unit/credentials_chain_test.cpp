#include <gtest/gtest.h>

#include <httplib.h>

#include <map>
#include <thread>

#include "aws/credentials.hpp"
#include "core/fs.hpp"
#include "core/log.hpp"

namespace ht::aws {
namespace {

struct FakeEnv {
  std::map<std::string, std::string> vars;
  EnvLookup lookup() const {
    return [vars = vars](const std::string& n) -> std::optional<std::string> {
      auto it = vars.find(n);
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
  }
};

class CredentialsChain : public ::testing::Test {
 protected:
  fs::TempDir home{"ht-creds"};
  FakeEnv env;
  void SetUp() override { env.vars["HOME"] = home.path().string(); }
  void write(const std::string& rel, const std::string& text) {
    std::filesystem::create_directories((home.path() / rel).parent_path());
    ASSERT_TRUE(fs::write_file_atomic(home.path() / rel, text).ok());
  }
  ChainOptions options() const {
    ChainOptions o;
    o.env = env.lookup();
    o.fetch = [](const std::string&, const std::string&) -> Result<std::string> {
      return make_error(ErrorKind::network, "no container endpoint in this test");
    };
    return o;
  }
};

TEST_F(CredentialsChain, EnvironmentWithSessionToken) {
  env.vars["AWS_ACCESS_KEY_ID"] = "AKIAENV";
  env.vars["AWS_SECRET_ACCESS_KEY"] = "env-secret-value-1";
  env.vars["AWS_SESSION_TOKEN"] = "env-session-token-1";
  auto c = resolve_credentials(options());
  ASSERT_TRUE(c.ok()) << c.error().describe();
  EXPECT_EQ(c->access_key_id, "AKIAENV");
  EXPECT_EQ(c->session_token, "env-session-token-1");
  EXPECT_EQ(c->source, "environment");
  // Registered as secrets the moment they were read.
  EXPECT_EQ(log::redact("x env-secret-value-1 y env-session-token-1"), "x **** y ****");
}

TEST_F(CredentialsChain, IncompleteEnvironmentIsAnError) {
  env.vars["AWS_ACCESS_KEY_ID"] = "AKIAENV";
  auto c = resolve_credentials(options());
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("AWS_SECRET_ACCESS_KEY"), std::string::npos);
}

TEST_F(CredentialsChain, DefaultProfileFromSharedCredentialsFile) {
  write(".aws/credentials", "# comment\n[default]\naws_access_key_id = AKIADEF\naws_secret_access_key=def-secret-2\n");
  auto c = resolve_credentials(options());
  ASSERT_TRUE(c.ok()) << c.error().describe();
  EXPECT_EQ(c->access_key_id, "AKIADEF");
  EXPECT_NE(c->source.find("profile default"), std::string::npos);
  EXPECT_NE(c->source.find(".aws/credentials"), std::string::npos);
  EXPECT_EQ(log::redact("def-secret-2"), "****");
}

TEST_F(CredentialsChain, NamedProfileFromConfigFileAndRegion) {
  write(".aws/config",
        "[default]\nregion = us-west-2\n[profile dev]\nregion = eu-central-1\naws_access_key_id = AKIADEV\n"
        "aws_secret_access_key = dev-secret-3\ns3 =\n  max_concurrent_requests = 20\n");
  env.vars["AWS_PROFILE"] = "dev";
  auto c = resolve_credentials(options());
  ASSERT_TRUE(c.ok()) << c.error().describe();
  EXPECT_EQ(c->access_key_id, "AKIADEV");
  auto r = resolve_region("", options());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "eu-central-1");
  EXPECT_EQ(region_source("", options()), "profile dev");
}

TEST_F(CredentialsChain, EnvironmentWinsOverAwsProfileButNotOverExplicitProfile) {
  write(".aws/credentials", "[dev]\naws_access_key_id = AKIADEV\naws_secret_access_key = dev-secret-4\n");
  env.vars["AWS_PROFILE"] = "dev";
  env.vars["AWS_ACCESS_KEY_ID"] = "AKIAENV";
  env.vars["AWS_SECRET_ACCESS_KEY"] = "env-secret-4";
  EXPECT_EQ(resolve_credentials(options())->access_key_id, "AKIAENV");
  ChainOptions o = options();
  o.profile = "dev";
  EXPECT_EQ(resolve_credentials(o)->access_key_id, "AKIADEV");
}

TEST_F(CredentialsChain, SourceProfileWithoutRole) {
  write(".aws/credentials", "[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = base-secret-5\n");
  write(".aws/config", "[profile ci]\nsource_profile = base\nregion = ap-south-1\n");
  env.vars["AWS_PROFILE"] = "ci";
  auto c = resolve_credentials(options());
  ASSERT_TRUE(c.ok()) << c.error().describe();
  EXPECT_EQ(c->access_key_id, "AKIABASE");
  EXPECT_NE(c->source.find("source_profile base"), std::string::npos);
}

TEST_F(CredentialsChain, SourceProfileLoopIsAnError) {
  write(".aws/config", "[profile a]\nsource_profile = b\n[profile b]\nsource_profile = a\n");
  env.vars["AWS_PROFILE"] = "a";
  auto c = resolve_credentials(options());
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("loops"), std::string::npos);
}

TEST_F(CredentialsChain, MissingNamedProfileSaysSo) {
  env.vars["AWS_PROFILE"] = "nope";
  auto c = resolve_credentials(options());
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("\"nope\" not found"), std::string::npos) << c.error().message;
}

TEST_F(CredentialsChain, NothingFoundListsWhereItLooked) {
  auto c = resolve_credentials(options());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().kind, ErrorKind::config);
  const auto& m = c.error().message;
  EXPECT_NE(m.find("environment"), std::string::npos) << m;
  EXPECT_NE(m.find(".aws/credentials"), std::string::npos) << m;
  EXPECT_NE(m.find(".aws/config"), std::string::npos) << m;
  EXPECT_NE(m.find("container credentials"), std::string::npos) << m;
}

TEST_F(CredentialsChain, ContainerCredentialsRelativeUri) {
  env.vars["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/v2/credentials/abc";
  ChainOptions o = options();
  std::string seen_url;
  o.fetch = [&](const std::string& url, const std::string& auth) -> Result<std::string> {
    seen_url = url;
    EXPECT_TRUE(auth.empty());
    return std::string(R"({"AccessKeyId":"ASIACONT","SecretAccessKey":"cont-secret-6","Token":"cont-token-6",
                           "Expiration":"2030-01-01T00:00:00Z"})");
  };
  auto c = resolve_credentials(o);
  ASSERT_TRUE(c.ok()) << c.error().describe();
  EXPECT_EQ(seen_url, "http://169.254.170.2/v2/credentials/abc");
  EXPECT_EQ(c->access_key_id, "ASIACONT");
  EXPECT_EQ(c->session_token, "cont-token-6");
  EXPECT_EQ(c->source, "container credentials");
  EXPECT_EQ(log::redact("cont-secret-6 cont-token-6"), "**** ****");
}

TEST_F(CredentialsChain, ContainerCredentialsFullUriWithAuthorizationTokenOverHttp) {
  httplib::Server server;
  std::string seen_auth;
  server.Get("/creds", [&](const httplib::Request& req, httplib::Response& res) {
    seen_auth = req.get_header_value("Authorization");
    res.set_content(R"({"AccessKeyId":"ASIAFULL","SecretAccessKey":"full-secret-7","Token":"full-token-7"})",
                    "application/json");
  });
  int port = server.bind_to_any_port("127.0.0.1");
  std::thread t([&] { server.listen_after_bind(); });
  env.vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://127.0.0.1:" + std::to_string(port) + "/creds";
  env.vars["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "auth-token-7";
  ChainOptions o = options();
  o.fetch = nullptr;  // the real HTTP fetcher
  auto c = resolve_credentials(o);
  server.stop();
  t.join();
  ASSERT_TRUE(c.ok()) << c.error().describe();
  EXPECT_EQ(seen_auth, "auth-token-7");
  EXPECT_EQ(c->access_key_id, "ASIAFULL");
  EXPECT_EQ(log::redact("auth-token-7"), "****");
}

TEST_F(CredentialsChain, ContainerFullUriMustBeLocalOrHttps) {
  env.vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://evil.example.com/creds";
  auto c = resolve_credentials(options());
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("loopback"), std::string::npos);
}

TEST(Region, ConfigThenAwsRegionThenDefaultRegion) {
  FakeEnv env;
  env.vars["HOME"] = "/nonexistent";
  ChainOptions o;
  env.vars["AWS_DEFAULT_REGION"] = "eu-west-1";
  o.env = env.lookup();
  EXPECT_EQ(*resolve_region("", o), "eu-west-1");
  env.vars["AWS_REGION"] = "eu-west-2";
  o.env = env.lookup();
  EXPECT_EQ(*resolve_region("", o), "eu-west-2");
  EXPECT_EQ(region_source("", o), "AWS_REGION");
  EXPECT_EQ(*resolve_region("us-east-2", o), "us-east-2");
  EXPECT_EQ(region_source("us-east-2", o), "config");
}

TEST(Region, NoneIsAClearError) {
  FakeEnv env;
  env.vars["HOME"] = "/nonexistent";
  ChainOptions o;
  o.env = env.lookup();
  auto r = resolve_region("", o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("AWS_REGION"), std::string::npos);
}

TEST(Endpoints, ServiceVariableThenGlobalThenPublic) {
  FakeEnv env;
  EXPECT_EQ(resolve_endpoint("lambda", "eu-west-1", env.lookup()), "https://lambda.eu-west-1.amazonaws.com");
  EXPECT_EQ(resolve_endpoint("ecr", "eu-west-1", env.lookup()), "https://api.ecr.eu-west-1.amazonaws.com");
  EXPECT_EQ(resolve_endpoint("service-quotas", "us-east-1", env.lookup()),
            "https://servicequotas.us-east-1.amazonaws.com");
  EXPECT_EQ(resolve_endpoint("s3", "cn-north-1", env.lookup()), "https://s3.cn-north-1.amazonaws.com.cn");
  EXPECT_FALSE(has_custom_endpoint("s3", env.lookup()));
  env.vars["AWS_ENDPOINT_URL"] = "http://127.0.0.1:5000/";
  EXPECT_EQ(resolve_endpoint("lambda", "eu-west-1", env.lookup()), "http://127.0.0.1:5000");
  env.vars["AWS_ENDPOINT_URL_SERVICE_QUOTAS"] = "http://127.0.0.1:6000";
  EXPECT_EQ(resolve_endpoint("service-quotas", "eu-west-1", env.lookup()), "http://127.0.0.1:6000");
  EXPECT_EQ(resolve_endpoint("s3", "eu-west-1", env.lookup()), "http://127.0.0.1:5000");
  EXPECT_TRUE(has_custom_endpoint("s3", env.lookup()));
  env.vars["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true";
  EXPECT_EQ(resolve_endpoint("s3", "eu-west-1", env.lookup()), "https://s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(signing_name("service-quotas"), "servicequotas");
}

}  // namespace
}  // namespace ht::aws
