#include "runner/runtime_client.hpp"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <string_view>

namespace ht::runner {

namespace {

constexpr std::string_view kErrorContentType = "application/vnd.aws.lambda.error+json";

Error http_error(const net::Response& resp, const std::string& ctx) {
  std::string message = "HTTP " + std::to_string(resp.status);
  // The Runtime API answers errors with {"errorMessage","errorType"}.
  auto body = nlohmann::json::parse(resp.body, nullptr, false);
  std::string service_code;
  if (body.is_object()) {
    if (body.contains("errorMessage") && body["errorMessage"].is_string()) {
      message = body["errorMessage"].get<std::string>();
    }
    if (body.contains("errorType") && body["errorType"].is_string()) {
      service_code = body["errorType"].get<std::string>();
    }
  }
  Error e = make_error(ErrorKind::http, message, ctx);
  e.http_status = resp.status;
  e.service_code = service_code;
  e.retryable = false;
  return e;
}

}  // namespace

std::string to_error_body(const RuntimeError& error) {
  nlohmann::json j = {
      {"errorMessage", error.error_message}, {"errorType", error.error_type}, {"stackTrace", error.stack_trace}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

RuntimeClient::RuntimeClient(const std::string& api) : base_("http://" + api + "/2018-06-01/runtime/") {}

Result<Invocation> RuntimeClient::next() {
  net::Request req;
  req.method = "GET";
  req.url = base_ + "invocation/next";
  req.timeout = std::nullopt;  // a long poll: it may wait for hours between invocations
  auto resp = http_.perform(req);
  if (!resp.ok()) return resp.error();
  if (resp->status != 200) return http_error(*resp, "GET " + req.url);
  Invocation inv;
  inv.request_id = resp->header("Lambda-Runtime-Aws-Request-Id").value_or("");
  if (inv.request_id.empty()) {
    return make_error(ErrorKind::protocol, "no Lambda-Runtime-Aws-Request-Id header", "GET " + req.url);
  }
  if (auto d = resp->header("Lambda-Runtime-Deadline-Ms")) {
    inv.deadline_ms = std::strtoll(d->c_str(), nullptr, 10);
  }
  inv.function_arn = resp->header("Lambda-Runtime-Invoked-Function-Arn").value_or("");
  inv.trace_id = resp->header("Lambda-Runtime-Trace-Id").value_or("");
  inv.payload = std::move(resp->body);
  return inv;
}

Status RuntimeClient::post(const std::string& path, const std::string& body, const std::string& error_type) {
  net::Request req;
  req.method = "POST";
  req.url = base_ + path;
  req.body = body;
  if (error_type.empty()) {
    req.headers.emplace_back("Content-Type", "application/json");
  } else {
    req.headers.emplace_back("Content-Type", std::string(kErrorContentType));
    req.headers.emplace_back("Lambda-Runtime-Function-Error-Type", error_type);
  }
  // A response that cannot be delivered because of a passing transport failure is retried
  // a few times; an HTTP answer (even an error) is final.
  Result<net::Response> resp = make_error(ErrorKind::internal, "not sent");
  for (int attempt = 0; attempt < 3; ++attempt) {
    resp = http_.perform(req);
    if (resp.ok()) break;
  }
  if (!resp.ok()) return resp.error();
  if (resp->status != 202) return http_error(*resp, "POST " + req.url);
  return {};
}

Status RuntimeClient::respond(const std::string& request_id, const std::string& body) {
  return post("invocation/" + net::url_encode(request_id) + "/response", body, "");
}

Status RuntimeClient::fail(const std::string& request_id, const RuntimeError& error) {
  return post("invocation/" + net::url_encode(request_id) + "/error", to_error_body(error), error.error_type);
}

Status RuntimeClient::init_error(const RuntimeError& error) {
  return post("init/error", to_error_body(error), error.error_type);
}

}  // namespace ht::runner
