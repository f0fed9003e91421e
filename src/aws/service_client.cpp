#include "aws/service_client.hpp"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <thread>

#include <nlohmann/json.hpp>

#include "aws/sigv4.hpp"
#include "core/log.hpp"

namespace ht::aws {

// ---------------------------------------------------------------------------------------
// XML

namespace {

struct XmlDocDeleter {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};
using XmlDoc = std::unique_ptr<xmlDoc, XmlDocDeleter>;

XmlDoc parse_xml(std::string_view xml) {
  if (xml.empty()) return nullptr;
  return XmlDoc(xmlReadMemory(xml.data(), static_cast<int>(xml.size()), nullptr, nullptr,
                              XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOBLANKS));
}

bool named(const xmlNode* n, std::string_view name) {
  return n->type == XML_ELEMENT_NODE && name == reinterpret_cast<const char*>(n->name);
}

std::string text_of(const xmlNode* n) {
  xmlChar* c = xmlNodeGetContent(n);
  if (c == nullptr) return {};
  std::string s(reinterpret_cast<const char*>(c));
  xmlFree(c);
  return s;
}

template <class F>
void walk(const xmlNode* n, F&& f) {
  for (; n != nullptr; n = n->next) {
    if (!f(n)) return;
    walk(n->children, f);
  }
}

}  // namespace

std::optional<std::string> xml_first(std::string_view xml, std::string_view name) {
  auto doc = parse_xml(xml);
  if (!doc) return std::nullopt;
  std::optional<std::string> out;
  walk(xmlDocGetRootElement(doc.get()), [&](const xmlNode* n) {
    if (!out && named(n, name)) out = text_of(n);
    return !out.has_value();
  });
  return out;
}

std::vector<std::string> xml_all(std::string_view xml, std::string_view name) {
  std::vector<std::string> out;
  auto doc = parse_xml(xml);
  if (!doc) return out;
  walk(xmlDocGetRootElement(doc.get()), [&](const xmlNode* n) {
    if (named(n, name)) out.push_back(text_of(n));
    return true;
  });
  return out;
}

std::vector<std::map<std::string, std::string>> xml_records(std::string_view xml, std::string_view record) {
  std::vector<std::map<std::string, std::string>> out;
  auto doc = parse_xml(xml);
  if (!doc) return out;
  walk(xmlDocGetRootElement(doc.get()), [&](const xmlNode* n) {
    if (named(n, record)) {
      std::map<std::string, std::string> fields;
      for (const xmlNode* c = n->children; c != nullptr; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) fields[reinterpret_cast<const char*>(c->name)] = text_of(c);
      }
      out.push_back(std::move(fields));
    }
    return true;
  });
  return out;
}

// ---------------------------------------------------------------------------------------
// Errors

Error parse_aws_error(const net::Response& response, const std::string& context, const net::RetryPolicy& policy) {
  std::string code;
  std::string message;
  if (auto t = response.header("x-amzn-ErrorType")) code = t->substr(0, t->find(':'));
  const std::string& body = response.body;
  auto first = body.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && body[first] == '{') {
    auto j = nlohmann::json::parse(body, nullptr, false);
    if (!j.is_discarded() && j.is_object()) {
      for (const char* k : {"__type", "code", "Code"}) {
        if (code.empty() && j.contains(k) && j[k].is_string()) code = j[k].get<std::string>();
      }
      for (const char* k : {"message", "Message", "errorMessage"}) {
        if (message.empty() && j.contains(k) && j[k].is_string()) message = j[k].get<std::string>();
      }
    }
  } else if (first != std::string::npos && body[first] == '<') {
    if (code.empty()) code = xml_first(body, "Code").value_or("");
    message = xml_first(body, "Message").value_or("");
  }
  if (auto hash = code.rfind('#'); hash != std::string::npos) code = code.substr(hash + 1);
  if (message.empty()) message = "HTTP " + std::to_string(response.status);
  auto request_id = response.header("x-amzn-RequestId");
  if (!request_id) request_id = response.header("x-amz-request-id");
  if (request_id && !request_id->empty()) message += " (request id " + *request_id + ")";

  Error e = make_error(code.empty() ? ErrorKind::http : ErrorKind::service, log::redact(message), context);
  e.http_status = response.status;
  e.service_code = code;
  e.retryable = policy.is_retryable(e);
  return e;
}

// ---------------------------------------------------------------------------------------
// Config

Result<ClientConfig> make_client_config(std::string_view service, const std::string& configured_region,
                                        const ChainOptions& options) {
  ClientConfig cfg;
  auto region = resolve_region(configured_region, options);
  if (!region.ok()) return region.error();
  cfg.region = *region;
  auto creds = resolve_credentials(options);
  if (!creds.ok()) return creds.error();
  cfg.credentials = std::move(creds.value());
  cfg.endpoint = resolve_endpoint(service, cfg.region, options.env);
  cfg.custom_endpoint = has_custom_endpoint(service, options.env);
  return cfg;
}

// ---------------------------------------------------------------------------------------
// ServiceClient

struct ServiceClient::Impl {
  std::string signing_service;
  ClientConfig config;
  net::HttpClient http;
};

ServiceClient::ServiceClient(std::string signing_service, ClientConfig config)
    : impl_(std::make_unique<Impl>(Impl{std::move(signing_service), std::move(config), net::HttpClient()})) {
  log::add_secret(impl_->config.credentials.secret_access_key);
  log::add_secret(impl_->config.credentials.session_token);
}
ServiceClient::~ServiceClient() = default;
ServiceClient::ServiceClient(ServiceClient&&) noexcept = default;
ServiceClient& ServiceClient::operator=(ServiceClient&&) noexcept = default;

const ClientConfig& ServiceClient::config() const { return impl_->config; }

std::string ServiceClient::url(std::string_view path_and_query) const {
  return impl_->config.endpoint + std::string(path_and_query);
}

Status ServiceClient::sign(net::Request& request) const {
  SigningParams p;
  p.service = impl_->signing_service;
  p.region = impl_->config.region;
  p.time = std::chrono::system_clock::now();
  p.s3 = impl_->signing_service == "s3";
  return aws::sign(request, impl_->config.credentials, p);
}

namespace {

Result<net::Response> send_impl(ServiceClient& self, net::HttpClient& http, net::Request request,
                                const std::string& context, bool any_status) {
  if (request.url.rfind("http://", 0) != 0 && request.url.rfind("https://", 0) != 0) {
    request.url = self.url(request.url);
  }
  const net::RetryPolicy& policy = self.config().retry;
  for (int attempt = 1;; ++attempt) {
    net::Request signed_req = request;
    HT_TRY(self.sign(signed_req));
    log::debug("aws: {} {} (attempt {})", signed_req.method, signed_req.url, attempt);
    auto resp = http.perform(signed_req);
    std::optional<Error> failure;
    if (!resp.ok()) {
      failure = resp.error().with_context(context);
      failure->retryable = policy.is_retryable(*failure);
    } else if (resp->status < 200 || resp->status > 299) {
      Error e = parse_aws_error(*resp, context, policy);
      if (any_status && !e.retryable) return resp;
      failure = std::move(e);
    } else {
      return resp;
    }
    if (!failure->retryable || attempt >= policy.max_attempts) {
      if (attempt > 1) failure->message += " (after " + std::to_string(attempt) + " attempts)";
      return *failure;
    }
    auto delay = policy.backoff(attempt, net::jitter_rng());
    log::debug("aws: {} failed ({}), retry {} in {} ms", context, failure->describe(), attempt, delay.count());
    std::this_thread::sleep_for(delay);
  }
}

}  // namespace

Result<net::Response> ServiceClient::send(net::Request request, const std::string& context) {
  return send_impl(*this, impl_->http, std::move(request), context, false);
}

Result<net::Response> ServiceClient::send_any_status(net::Request request, const std::string& context) {
  return send_impl(*this, impl_->http, std::move(request), context, true);
}

}  // namespace ht::aws
