// hypertest.config.json (SPEC §4) merged with environment variables and flags into one
// immutable Config. Every value remembers where it came from (default, file, env, flag).
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace ht {

enum class DriftPolicy { silence, warning, error };
const char* to_string(DriftPolicy p);

struct TestRunnerConfig {
  std::string type = "playwright";
  std::string config = "playwright.config.ts";  // relative to the project root
  std::vector<std::string> projects;            // empty: all projects
};

struct LocalProviderConfig {};

struct AwsProviderConfig {
  std::string region;        // empty: AWS_REGION / AWS_DEFAULT_REGION / profile
  std::string base_image;    // e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/hypertest-base:1
  std::string ecr_registry;  // e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com
  std::string function_name;
  std::string bucket_name;
  int lambda_update_max_wait_time = 300;  // seconds
};

struct CloudProviderConfig {
  std::string type = "local";  // "local" | "aws"
  AwsProviderConfig aws;       // meaningful when type == "aws"
  [[nodiscard]] bool is_aws() const { return type == "aws"; }
};

enum class Origin { default_value, file, env, flag };
const char* to_string(Origin o);

struct Config {
  std::filesystem::path file;          // the config file read (empty when none)
  std::filesystem::path project_root;  // the folder holding the config file (or the cwd)

  int concurrency = 1;
  std::string image_name = "hypertest";
  std::string build_manifest_file_name = "hypertest.manifest.json";
  std::string results_file_name = "hypertest.results.json";
  DriftPolicy drift_detection_policy = DriftPolicy::warning;
  TestRunnerConfig test_runner;
  CloudProviderConfig cloud_provider;
  std::string artifacts;  // store URI or local folder; default per provider
  int retries = 0;

  // Where each top-level value came from, by its JSON name ("concurrency" -> flag).
  std::map<std::string, Origin> origins;
};

// Values given on the command line; unset ones leave the file/env values alone.
struct ConfigOverrides {
  std::optional<std::filesystem::path> config_path;
  std::optional<int> concurrency;
  std::optional<int> retries;
  std::optional<std::string> artifacts;
};

// Reads the file (default: ./hypertest.config.json; absent default file = all defaults),
// applies HYPERTEST_* environment variables, then the flags. Errors name the file and the
// field and are of kind `config` (exit code 2).
Result<Config> load_config(const ConfigOverrides& overrides);

// Parses and validates a config document (exposed for tests). `file` is used in messages.
Result<Config> parse_config(const std::string& text, const std::filesystem::path& file);

// The JSON Schema shipped for editors (schema/hypertest.config.schema.json).
const char* config_schema_path();

}  // namespace ht
