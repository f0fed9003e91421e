// The infrastructure as code: infra/cloudformation.yaml passes cfn-lint (and cfn-lint does
// catch a broken copy), and the CLI policy (infra/hypertest-cli-policy.json, and the same
// policy inside the template) is accepted by IAM (moto) and grants every API call the CLI
// makes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "aws_test_support.hpp"
#include "core/fs.hpp"
#include "registry_test_support.hpp"

namespace ht {
namespace {

namespace stdfs = std::filesystem;

const std::string kTemplate = std::string(HT_SOURCE_DIR) + "/infra/cloudformation.yaml";
const std::string kPolicy = std::string(HT_SOURCE_DIR) + "/infra/hypertest-cli-policy.json";

TEST(DeployInfra, TemplatePassesCfnLint) {
  auto out = testing::run_tool({"cfn-lint", "--format", "parseable", kTemplate});
  EXPECT_TRUE(out.status.success()) << out.out << out.err;
  EXPECT_EQ(out.out, "");
}

TEST(DeployInfra, CfnLintCatchesABrokenTemplate) {
  fs::TempDir tmp("ht-cfn-");
  auto text = fs::read_file(kTemplate);
  ASSERT_TRUE(text.ok());
  std::string broken = *text;
  auto at = broken.find("      PackageType: Image");
  ASSERT_NE(at, std::string::npos);
  broken.replace(at, std::string("      PackageType: Image").size(), "      PackageType: Container");
  ASSERT_TRUE(fs::write_file_atomic(tmp.path() / "broken.yaml", broken).ok());
  auto out = testing::run_tool({"cfn-lint", "--format", "parseable", (tmp.path() / "broken.yaml").string()});
  EXPECT_FALSE(out.status.success());
  EXPECT_NE(out.out.find("'Container' is not one of"), std::string::npos) << out.out;
}

// The function the template declares is what SPEC §10 / the issue asks for.
TEST(DeployInfra, FunctionIsAnX86ImageWith2048MbAnd300s) {
  // cfn-lint ships a YAML loader that understands !Sub/!Ref; use it to read the template.
  auto out = testing::run_tool({"python3", "-c",
                                "import json,sys\n"
                                "from cfnlint.decode import decode\n"
                                "t, errs = decode(sys.argv[1])\n"
                                "assert not errs, errs\n"
                                "print(json.dumps(t, default=str))\n",
                                kTemplate});
  ASSERT_TRUE(out.status.success()) << out.err;
  auto t = nlohmann::json::parse(out.out);
  const auto& fn = t["Resources"]["Function"]["Properties"];
  EXPECT_EQ(fn["PackageType"], "Image");
  EXPECT_EQ(fn["Architectures"], nlohmann::json::array({"x86_64"}));
  EXPECT_EQ(t["Parameters"]["MemorySize"]["Default"], 2048);
  EXPECT_EQ(t["Parameters"]["Timeout"]["Default"], 300);
  EXPECT_EQ(t["Resources"]["Repository"]["Type"], "AWS::ECR::Repository");
  EXPECT_EQ(t["Resources"]["Bucket"]["Type"], "AWS::S3::Bucket");
  // Least privilege for the runner: logs, and writing objects to this bucket only.
  std::set<std::string> runner_actions;
  for (const auto& st : t["Resources"]["ExecutionRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]) {
    for (const auto& a : st["Action"]) runner_actions.insert(a.get<std::string>());
    EXPECT_NE(st["Resource"].dump(), "\"*\"");
  }
  EXPECT_EQ(runner_actions, (std::set<std::string>{"logs:CreateLogStream", "logs:PutLogEvents", "s3:PutObject",
                                                   "s3:AbortMultipartUpload"}));

  // The template's CliPolicy and infra/hypertest-cli-policy.json grant the same actions.
  auto actions_of = [](const nlohmann::json& doc) {
    std::set<std::string> s;
    for (const auto& st : doc["Statement"]) {
      if (st["Action"].is_string()) {
        s.insert(st["Action"].get<std::string>());
      } else {
        for (const auto& a : st["Action"]) s.insert(a.get<std::string>());
      }
    }
    return s;
  };
  auto file = nlohmann::json::parse(fs::read_file(kPolicy).value_or("{}"));
  EXPECT_EQ(actions_of(t["Resources"]["CliPolicy"]["Properties"]["PolicyDocument"]), actions_of(file));
}

TEST(DeployInfra, CliPolicyIsValidIamAndCoversTheCallsTheCliMakes) {
  HT_REQUIRE_MOTO(moto);
  auto created = testing::aws_cli(moto, {"iam", "create-policy", "--policy-name", testing::unique_name("ht-cli"),
                                         "--policy-document", "file://" + kPolicy});
  EXPECT_TRUE(created.status.success()) << created.err;

  auto policy = nlohmann::json::parse(fs::read_file(kPolicy).value_or("{}"));
  std::set<std::string> granted;
  for (const auto& st : policy["Statement"]) {
    EXPECT_EQ(st["Effect"], "Allow");
    if (st["Action"].is_string()) {
      granted.insert(st["Action"].get<std::string>());
    } else {
      for (const auto& a : st["Action"]) granted.insert(a.get<std::string>());
    }
  }
  // deploy: ECR login + the registry's push/pull (IAM names of the Docker API calls),
  // GetFunction/UpdateFunctionCode/GetFunctionConfiguration (waiter), manifest PutObject;
  // invoke: GetObject/ListBucket (manifest, history), InvokeFunction, PutObject (results);
  // doctor: GetServiceQuota.
  for (const char* needed : {"ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload",
                             "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage", "ecr:BatchGetImage",
                             "ecr:GetDownloadUrlForLayer", "lambda:GetFunction", "lambda:GetFunctionConfiguration",
                             "lambda:UpdateFunctionCode", "lambda:InvokeFunction", "s3:GetObject", "s3:PutObject",
                             "s3:ListBucket", "servicequotas:GetServiceQuota"}) {
    EXPECT_EQ(granted.count(needed), 1U) << needed;
  }
}

}  // namespace
}  // namespace ht
