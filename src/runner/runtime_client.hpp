// A client of the Lambda Runtime API (version 2018-06-01), the custom-runtime side:
// https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html and its OpenAPI file
// (runtime-api.zip). The base URL is http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/.
//
// - GET invocation/next blocks until an invocation arrives (no total timeout); its headers
//   carry Lambda-Runtime-Aws-Request-Id, Lambda-Runtime-Deadline-Ms (Unix ms),
//   Lambda-Runtime-Invoked-Function-Arn and Lambda-Runtime-Trace-Id.
// - POST invocation/{id}/response and invocation/{id}/error answer 202 Accepted; 400 (bad
//   request id), 403 (invalid state transition), 413 (payload too large, response only)
//   and 500 (container error: exit promptly) are the documented failures.
// - POST init/error reports a failed initialization; the runtime exits afterwards.
// Error bodies use the standard Lambda error shape {"errorMessage","errorType","stackTrace":[]}
// with Content-Type application/vnd.aws.lambda.error+json and the
// Lambda-Runtime-Function-Error-Type header.
// One HttpClient (one kept-alive connection) serves every call.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "net/http.hpp"

namespace ht::runner {

// One invocation as delivered by `next`.
struct Invocation {
  std::string request_id;
  std::int64_t deadline_ms = 0;  // Unix epoch milliseconds; 0 when the header was absent
  std::string function_arn;
  std::string trace_id;  // empty when absent
  std::string payload;
};

// A function or initialization error in Lambda's standard shape.
struct RuntimeError {
  std::string error_type;  // e.g. "Runtime.InvalidPayload"
  std::string error_message;
  std::vector<std::string> stack_trace;
};

// The JSON body of a RuntimeError ({"errorMessage","errorType","stackTrace":[...]}).
std::string to_error_body(const RuntimeError& error);

class RuntimeClient {
 public:
  // `api` is the value of AWS_LAMBDA_RUNTIME_API ("host:port").
  explicit RuntimeClient(const std::string& api);

  // Waits for the next invocation. Transport failures are Errors of kind network (retryable);
  // a 4xx/5xx answer is an Error of kind http with http_status set (500: exit promptly).
  Result<Invocation> next();
  // Posts the function's response for `request_id`.
  Status respond(const std::string& request_id, const std::string& body);
  // Posts a function error for `request_id`.
  Status fail(const std::string& request_id, const RuntimeError& error);
  // Posts an initialization error.
  Status init_error(const RuntimeError& error);

  [[nodiscard]] const std::string& base_url() const { return base_; }

 private:
  Status post(const std::string& path, const std::string& body, const std::string& error_type);

  std::string base_;  // "http://host:port/2018-06-01/runtime/"
  net::HttpClient http_;
};

// Backoff for transient `next` failures: 50 ms doubling to 1 s; the loop gives up (the API
// is gone for good, e.g. the local host shut down) after `give_up_after` of failures in a row.
struct NextRetryPolicy {
  std::chrono::milliseconds first_delay{50};
  std::chrono::milliseconds max_delay{1000};
  std::chrono::milliseconds give_up_after{std::chrono::seconds(10)};
};

}  // namespace ht::runner
