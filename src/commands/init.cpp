#include "commands/init.hpp"

#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands/cli.hpp"
#include "commands/common.hpp"
#include "core/fs.hpp"

namespace ht {

namespace stdfs = std::filesystem;

namespace {

std::string ask(const std::string& question, const std::string& fallback) {
  fmt::print("{} [{}]: ", question, fallback);
  std::fflush(stdout);
  std::string answer;
  if (!std::getline(std::cin, answer) || answer.empty()) return fallback;
  return answer;
}

}  // namespace

int run_init(const CommandOptions& options) {
  stdfs::path path = options.overrides.config_path.value_or("hypertest.config.json");
  std::error_code ec;
  if (stdfs::exists(path, ec) && !options.force) {
    return report_error(make_error(ErrorKind::usage, "already exists (use --force to overwrite)", path.string()));
  }
  nlohmann::ordered_json doc;
  std::string pw_config = "playwright.config.ts";
  for (const char* candidate : {"playwright.config.ts", "playwright.config.js", "playwright.config.mjs"}) {
    if (stdfs::exists(path.parent_path().empty() ? stdfs::path(candidate) : path.parent_path() / candidate, ec)) {
      pw_config = candidate;
      break;
    }
  }
  bool interactive = ::isatty(STDIN_FILENO) != 0 && ::isatty(STDOUT_FILENO) != 0 && !options.quiet;
  std::string provider = interactive ? ask("Cloud provider (local or aws)", "local") : "local";
  if (provider != "local" && provider != "aws") {
    return report_error(make_error(ErrorKind::usage, "'" + provider + "' is not one of local, aws", "init"));
  }
  doc["testRunner"] = {{"type", "playwright"},
                       {"config", interactive ? ask("Playwright config", pw_config) : pw_config}};
  doc["driftDetectionPolicy"] = "warning";
  doc["buildManifestFileName"] = "hypertest.manifest.json";
  doc["resultsFileName"] = "hypertest.results.json";
  if (provider == "aws") {
    std::string region = ask("AWS region", "us-east-1");
    std::string account = ask("AWS account id", "123456789012");
    std::string registry = fmt::format("{}.dkr.ecr.{}.amazonaws.com", account, region);
    doc["concurrency"] = std::stoi(ask("Concurrency", "30"));
    doc["imageName"] = ask("Image repository name", "hypertest");
    doc["cloudProvider"] = {{"type", "aws"},
                            {"region", region},
                            {"ecrRegistry", registry},
                            {"baseImage", ask("Base image", registry + "/hypertest-base:latest")},
                            {"functionName", ask("Lambda function name", "hypertest")},
                            {"bucketName", ask("S3 bucket", "hypertest-" + account)},
                            {"lambdaUpdateMaxWaitTime", 300}};
  } else {
    doc["cloudProvider"] = {{"type", "local"}};
  }
  auto st = fs::write_file_atomic(path, doc.dump(2) + "\n");
  if (!st.ok()) return report_error(st.error());
  // Validate what we wrote with the same code that reads it.
  auto check = parse_config(doc.dump(), path);
  if (!check.ok()) return report_error(check.error());
  fmt::print("wrote {}\n", path.string());
  return kExitOk;
}

}  // namespace ht
