// AWS Lambda (REST JSON API 2015-03-31), over ServiceClient.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "aws/service_client.hpp"

namespace ht::aws {

// The fields of GetFunction / GetFunctionConfiguration / UpdateFunctionCode hypertest uses.
struct FunctionConfiguration {
  std::string function_name;
  std::string function_arn;
  std::string package_type;  // "Image" or "Zip"
  int memory_size_mb = 0;
  int timeout_s = 0;
  std::string state;               // "Pending" | "Active" | "Inactive" | "Failed"
  std::string last_update_status;  // "InProgress" | "Successful" | "Failed" (may be empty)
  std::string last_update_status_reason;
  std::string last_update_status_reason_code;
  std::string code_sha256;         // for images: the image digest without "sha256:"
  std::string image_uri;           // GetFunction Code.ImageUri (empty from *Configuration)
  std::string resolved_image_uri;  // GetFunction Code.ResolvedImageUri ("repo@sha256:...")
};

// What Invoke answered.
struct InvokeResult {
  int status = 0;                             // 200 for RequestResponse
  std::string payload;                        // the function's response (or error) JSON
  std::optional<std::string> function_error;  // X-Amz-Function-Error: "Unhandled" | "Handled"
  std::string log_tail;                       // X-Amz-Log-Result, base64-decoded (last 4 KB of logs)
  std::string executed_version;
};

class LambdaClient {
 public:
  explicit LambdaClient(ClientConfig config);
  static Result<LambdaClient> from_environment(const std::string& configured_region = {});

  // Errors: service_code "ResourceNotFoundException" (404) when the function does not exist.
  Result<FunctionConfiguration> get_function(const std::string& function_name);
  Result<FunctionConfiguration> get_function_configuration(const std::string& function_name);

  // UpdateFunctionCode with ImageUri ("ACCOUNT.dkr.ecr.REGION.amazonaws.com/repo@sha256:...").
  // Returns the configuration as Lambda answers (LastUpdateStatus usually "InProgress").
  Result<FunctionConfiguration> update_function_code_image(const std::string& function_name,
                                                           const std::string& image_uri);

  // Polls GetFunctionConfiguration until State is not "Pending" and LastUpdateStatus is not
  // "InProgress", at most `max_wait`. "Failed" is an error carrying the reason; running out
  // of time is an error of kind network, not retryable, that says how long it waited.
  Result<FunctionConfiguration> wait_until_updated(const std::string& function_name, std::chrono::seconds max_wait,
                                                   std::chrono::milliseconds poll_interval = std::chrono::seconds(2));

  // Invoke, InvocationType RequestResponse, X-Amz-Log-Type Tail. A function error is NOT an
  // Error here: it is InvokeResult::function_error (the caller decides). `timeout` is the
  // client-side limit; make it longer than the function's own timeout.
  Result<InvokeResult> invoke(const std::string& function_name, const std::string& payload,
                              std::chrono::milliseconds timeout = std::chrono::minutes(16));

  // The unsigned Invoke request (for net::HttpMulti; sign it with sign() right before sending).
  [[nodiscard]] net::Request make_invoke_request(const std::string& function_name, const std::string& payload,
                                                 std::chrono::milliseconds timeout) const;
  // Reads an Invoke response (2xx). Non-2xx answers should go through parse_aws_error.
  static InvokeResult parse_invoke_response(const net::Response& response);

  [[nodiscard]] const ClientConfig& config() const { return client_.config(); }
  Status sign(net::Request& request) const { return client_.sign(request); }

 private:
  ServiceClient client_;
};

// Parses a FunctionConfiguration JSON object (as in GetFunctionConfiguration) or a
// GetFunction answer ({"Configuration": {...}, "Code": {...}}).
Result<FunctionConfiguration> parse_function_configuration(const std::string& json);

}  // namespace ht::aws
