// The standard AWS credential chain, region and endpoint resolution (SPEC §10).
//
// Credentials, in order:
//   1. environment: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN)
//   2. shared files: profile AWS_PROFILE (or "default") in AWS_SHARED_CREDENTIALS_FILE
//      (~/.aws/credentials) and AWS_CONFIG_FILE (~/.aws/config, "[profile NAME]" sections);
//      static keys, or `source_profile` pointing at a profile with static keys (a chain
//      of source_profile links is followed; role_arn assumption is not supported and is
//      reported as such)
//   3. container credentials: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (against
//      http://169.254.170.2) or AWS_CONTAINER_CREDENTIALS_FULL_URI, with the
//      Authorization header from AWS_CONTAINER_AUTHORIZATION_TOKEN or the file named by
//      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE
// Every secret is registered with log::add_secret the moment it is read.
//
// Region: the configured value, then AWS_REGION, AWS_DEFAULT_REGION, then the profile's
// `region` in the config file.
//
// Endpoints: AWS_ENDPOINT_URL_<SERVICE> (e.g. AWS_ENDPOINT_URL_S3, _LAMBDA, _ECR,
// _SERVICE_QUOTAS, _STS), then AWS_ENDPOINT_URL, then the public endpoint of the region;
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true disables the variables.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace ht::aws {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty when none
  // Where they came from, for `doctor` and error messages; never a secret.
  // e.g. "environment", "profile dev (/home/u/.aws/credentials)", "container credentials".
  std::string source;
  std::optional<std::chrono::system_clock::time_point> expiration;  // container credentials
};

// Reads an environment variable; nullopt when unset. A seam so tests can pass a map.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// The process environment (getenv).
EnvLookup process_env();

// Fetches a URL with a header for container credentials. A seam for tests; the default
// uses net::HttpClient (GET, 2 s connect / 5 s total timeout).
using CredentialsFetcher = std::function<Result<std::string>(const std::string& url, const std::string& authorization)>;

struct ChainOptions {
  EnvLookup env = process_env();
  // Overrides AWS_PROFILE when not empty.
  std::string profile;
  // Empty: the default fetcher.
  CredentialsFetcher fetch;
};

// Walks the chain. A missing credential is an ErrorKind::config error that lists every
// place looked at.
Result<Credentials> resolve_credentials(const ChainOptions& options = {});

// The region: `configured` if not empty, then AWS_REGION, AWS_DEFAULT_REGION, the
// profile's region. Error (kind config) when none is set, naming where it looked.
Result<std::string> resolve_region(const std::string& configured, const ChainOptions& options = {});

// Where the region came from ("config", "AWS_REGION", "AWS_DEFAULT_REGION", "profile NAME").
std::string region_source(const std::string& configured, const ChainOptions& options = {});

// The base URL (scheme://host[:port], no trailing slash) of `service` in `region`.
// `service` is the SDK service id: "s3", "lambda", "ecr", "service-quotas", "sts".
std::string resolve_endpoint(std::string_view service, const std::string& region, const EnvLookup& env = process_env());

// True when an endpoint URL comes from the environment (custom endpoint, e.g. moto):
// S3 then uses path-style addressing.
bool has_custom_endpoint(std::string_view service, const EnvLookup& env = process_env());

// The SigV4 signing name of a service id ("service-quotas" -> "servicequotas").
std::string signing_name(std::string_view service);

}  // namespace ht::aws
