// `hypertest doctor --verbose` (the real binary) against moto_server: the output, the exit
// code when the function is missing, and no secret anywhere in stdout or stderr.
#include <gtest/gtest.h>

#include "aws_test_support.hpp"

namespace ht {
namespace {

TEST(DoctorCli, MissingFunctionExitsOneAndNeverPrintsTheSecret) {
  HT_REQUIRE_MOTO(m);
  fs::TempDir project("ht-doctor-cli");
  ASSERT_TRUE(fs::write_file_atomic(project.path() / "hypertest.config.json",
                                    R"({"concurrency": 50, "cloudProvider": {"type": "aws", "region": "us-east-1",
                                        "functionName": "ht-cli-missing-fn", "bucketName": "ht-cli-missing-bucket",
                                        "baseImage": "123456789012.dkr.ecr.us-east-1.amazonaws.com/base:1",
                                        "ecrRegistry": "123456789012.dkr.ecr.us-east-1.amazonaws.com"}})")
                  .ok());
  SpawnOptions o;
  o.argv = {std::string(HT_BINARY_DIR) + "/hypertest", "--verbose", "doctor"};
  o.cwd = project.path();
  o.env_set = {{"AWS_ENDPOINT_URL", m.endpoint},
               {"AWS_ENDPOINT_URL_LAMBDA", m.noauth_endpoint},  // GetFunction: see lambda_moto_test
               {"AWS_ACCESS_KEY_ID", m.access_key_id},
               {"AWS_SECRET_ACCESS_KEY", m.secret_access_key},
               {"AWS_CONFIG_FILE", "/dev/null"},
               {"AWS_SHARED_CREDENTIALS_FILE", "/dev/null"}};
  o.env_unset = {"AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION"};
  o.stdout_mode = Stdio::capture;
  o.stderr_mode = Stdio::capture;
  auto r = run(o, std::chrono::minutes(2));
  ASSERT_TRUE(r.ok()) << r.error().describe();
  std::cout << r->out;
  EXPECT_EQ(r->status.code, 1) << r->out << r->err;
  EXPECT_NE(r->out.find("ok   credentials: environment"), std::string::npos) << r->out;
  EXPECT_NE(r->out.find("ok   identity:"), std::string::npos) << r->out;
  EXPECT_NE(r->out.find("FAIL function: ht-cli-missing-fn not found in us-east-1 (ResourceNotFoundException)"),
            std::string::npos)
      << r->out;
  EXPECT_NE(r->out.find("FAIL bucket: ht-cli-missing-bucket"), std::string::npos) << r->out;
  EXPECT_NE(r->err.find("[debug]"), std::string::npos) << "--verbose should log";
  EXPECT_EQ(r->out.find(m.secret_access_key), std::string::npos);
  EXPECT_EQ(r->err.find(m.secret_access_key), std::string::npos);
}

}  // namespace
}  // namespace ht
