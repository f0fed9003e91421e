#include "aws/lambda_client.hpp"

#include <thread>

#include <nlohmann/json.hpp>

#include "aws/base64.hpp"
#include "core/log.hpp"

namespace ht::aws {

namespace {

constexpr std::string_view kApi = "/2015-03-31/functions/";

std::string fn_path(const std::string& name) { return std::string(kApi) + net::url_encode(name); }

std::string str(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int num(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<int>() : 0;
}

}  // namespace

Result<FunctionConfiguration> parse_function_configuration(const std::string& json) {
  auto j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return make_error(ErrorKind::protocol, "Lambda answered with something that is not JSON", "Lambda function");
  }
  const nlohmann::json& c = j.contains("Configuration") ? j["Configuration"] : j;
  FunctionConfiguration f;
  f.function_name = str(c, "FunctionName");
  f.function_arn = str(c, "FunctionArn");
  f.package_type = str(c, "PackageType");
  if (f.package_type.empty()) f.package_type = "Zip";  // older answers omit it for zip functions
  f.memory_size_mb = num(c, "MemorySize");
  f.timeout_s = num(c, "Timeout");
  f.state = str(c, "State");
  f.last_update_status = str(c, "LastUpdateStatus");
  f.last_update_status_reason = str(c, "LastUpdateStatusReason");
  f.last_update_status_reason_code = str(c, "LastUpdateStatusReasonCode");
  f.code_sha256 = str(c, "CodeSha256");
  if (j.contains("Code") && j["Code"].is_object()) {
    f.image_uri = str(j["Code"], "ImageUri");
    f.resolved_image_uri = str(j["Code"], "ResolvedImageUri");
  }
  return f;
}

LambdaClient::LambdaClient(ClientConfig config) : client_("lambda", std::move(config)) {}

Result<LambdaClient> LambdaClient::from_environment(const std::string& configured_region) {
  auto cfg = make_client_config("lambda", configured_region);
  if (!cfg.ok()) return cfg.error();
  return LambdaClient(std::move(cfg.value()));
}

Result<FunctionConfiguration> LambdaClient::get_function(const std::string& function_name) {
  net::Request req;
  req.url = fn_path(function_name);
  auto r = client_.send(std::move(req), "Lambda GetFunction " + function_name);
  if (!r.ok()) return r.error();
  return parse_function_configuration(r->body);
}

Result<FunctionConfiguration> LambdaClient::get_function_configuration(const std::string& function_name) {
  net::Request req;
  req.url = fn_path(function_name) + "/configuration";
  auto r = client_.send(std::move(req), "Lambda GetFunctionConfiguration " + function_name);
  if (!r.ok()) return r.error();
  return parse_function_configuration(r->body);
}

Result<FunctionConfiguration> LambdaClient::update_function_code_image(const std::string& function_name,
                                                                       const std::string& image_uri) {
  net::Request req;
  req.method = "PUT";
  req.url = fn_path(function_name) + "/code";
  req.headers.emplace_back("Content-Type", "application/json");
  req.body = nlohmann::json{{"ImageUri", image_uri}}.dump();
  auto r = client_.send(std::move(req), "Lambda UpdateFunctionCode " + function_name);
  if (!r.ok()) return r.error();
  return parse_function_configuration(r->body);
}

Result<FunctionConfiguration> LambdaClient::wait_until_updated(const std::string& function_name,
                                                               std::chrono::seconds max_wait,
                                                               std::chrono::milliseconds poll_interval) {
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + max_wait;
  const std::string ctx = "Lambda wait for update of " + function_name;
  for (;;) {
    auto cfg = get_function_configuration(function_name);
    if (!cfg.ok()) return cfg.error().with_context(ctx);
    if (cfg->state == "Failed" || cfg->last_update_status == "Failed") {
      Error e =
          make_error(ErrorKind::service,
                     "update failed: " + (cfg->last_update_status_reason.empty() ? std::string("no reason given")
                                                                                 : cfg->last_update_status_reason),
                     ctx);
      e.service_code = cfg->last_update_status_reason_code;
      return e;
    }
    if (cfg->state != "Pending" && cfg->last_update_status != "InProgress") return cfg;
    if (std::chrono::steady_clock::now() + poll_interval > deadline) {
      auto waited = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start);
      return make_error(ErrorKind::network,
                        "still " + (cfg->last_update_status.empty() ? cfg->state : cfg->last_update_status) +
                            " after " + std::to_string(waited.count()) + " s (lambdaUpdateMaxWaitTime " +
                            std::to_string(max_wait.count()) + " s)",
                        ctx);
    }
    std::this_thread::sleep_for(poll_interval);
  }
}

net::Request LambdaClient::make_invoke_request(const std::string& function_name, const std::string& payload,
                                               std::chrono::milliseconds timeout) const {
  net::Request req;
  req.method = "POST";
  req.url = client_.url(fn_path(function_name) + "/invocations");
  req.headers.emplace_back("Content-Type", "application/json");
  req.headers.emplace_back("X-Amz-Invocation-Type", "RequestResponse");
  req.headers.emplace_back("X-Amz-Log-Type", "Tail");
  req.body = payload;
  req.timeout = timeout;
  return req;
}

InvokeResult LambdaClient::parse_invoke_response(const net::Response& response) {
  InvokeResult r;
  r.status = response.status;
  r.payload = response.body;
  if (auto fe = response.header("X-Amz-Function-Error"); fe && !fe->empty()) r.function_error = *fe;
  if (auto tail = response.header("X-Amz-Log-Result"); tail && !tail->empty()) {
    r.log_tail = base64_decode(*tail).value_or("(undecodable log tail)");
  }
  r.executed_version = response.header("X-Amz-Executed-Version").value_or("");
  return r;
}

Result<InvokeResult> LambdaClient::invoke(const std::string& function_name, const std::string& payload,
                                          std::chrono::milliseconds timeout) {
  net::Request req = make_invoke_request(function_name, payload, timeout);
  auto r = client_.send(std::move(req), "Lambda Invoke " + function_name);
  if (!r.ok()) return r.error();
  return parse_invoke_response(*r);
}

}  // namespace ht::aws
