// AWS Signature Version 4 over net::Request values
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html).
// Checked against botocore's SigV4Auth / S3SigV4Auth by tests/integration/sigv4_botocore_test.
//
// Contract for the request URL: the path and the query are already percent-encoded the
// way our clients build them (net::url_encode: RFC 3986 unreserved kept). Then:
//  - non-S3 services: the canonical URI is the path with dot segments and empty segments
//    removed, percent-encoded AGAIN ('%' -> '%25'), as AWS requires;
//  - S3 (`s3 = true`): the path is used exactly as sent (no normalization, no second
//    encoding) and the x-amz-content-sha256 header carries the payload hash;
//  - the canonical query string is the URL's query pairs sorted by key then value
//    (a pair without '=' gets an empty value).
// Signed headers: every header of the request except connection, expect, keep-alive,
// proxy-*, te, trailer, transfer-encoding, upgrade, user-agent, x-amzn-trace-id; host is
// added from the URL (default port omitted) unless present. Values are trimmed and runs of
// whitespace collapsed; repeated headers are joined with ','.
#pragma once

#include <chrono>
#include <string>

#include "aws/credentials.hpp"
#include "net/http.hpp"

namespace ht::aws {

struct SigningParams {
  std::string service;  // signing name: "s3", "lambda", "ecr", "servicequotas", "sts"
  std::string region;
  std::chrono::system_clock::time_point time = std::chrono::system_clock::now();
  bool s3 = false;  // S3 rules: raw path, x-amz-content-sha256
  // Sign "UNSIGNED-PAYLOAD" instead of the body's hash (S3 over HTTPS only).
  bool unsigned_payload = false;
};

// Adds X-Amz-Date, X-Amz-Security-Token (session token), x-amz-content-sha256 (S3) and
// Authorization to `request`, replacing earlier ones (so a retry can re-sign).
// Bodies streamed from `body_file` are hashed from the file. Errors only for unreadable
// body files and malformed URLs.
Status sign(net::Request& request, const Credentials& credentials, const SigningParams& params);

// The pieces, for tests and debugging (`--verbose` never logs the signature itself).
struct SigningDebug {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signed_headers;
};
Result<SigningDebug> sign_debug(net::Request& request, const Credentials& credentials, const SigningParams& params);

// "20150830T123600Z" for a time point.
std::string amz_date(std::chrono::system_clock::time_point t);

}  // namespace ht::aws
