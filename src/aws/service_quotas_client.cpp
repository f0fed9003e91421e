#include "aws/service_quotas_client.hpp"

#include <nlohmann/json.hpp>

namespace ht::aws {

ServiceQuotasClient::ServiceQuotasClient(ClientConfig config) : client_("servicequotas", std::move(config)) {}

Result<ServiceQuotasClient> ServiceQuotasClient::from_environment(const std::string& configured_region) {
  auto cfg = make_client_config("service-quotas", configured_region);
  if (!cfg.ok()) return cfg.error();
  return ServiceQuotasClient(std::move(cfg.value()));
}

Result<ServiceQuota> ServiceQuotasClient::call(const std::string& action, const std::string& service_code,
                                               const std::string& quota_code) {
  const std::string ctx = "Service Quotas " + action + " " + service_code + "/" + quota_code;
  net::Request req;
  req.method = "POST";
  req.url = "/";
  req.headers.emplace_back("Content-Type", "application/x-amz-json-1.1");
  req.headers.emplace_back("X-Amz-Target", "ServiceQuotasV20190624." + action);
  req.body = nlohmann::json{{"ServiceCode", service_code}, {"QuotaCode", quota_code}}.dump();
  auto r = client_.send(std::move(req), ctx);
  if (!r.ok()) return r.error();
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (j.is_discarded() || !j.contains("Quota") || !j["Quota"].is_object()) {
    return make_error(ErrorKind::protocol, "answer has no Quota", ctx);
  }
  const auto& q = j["Quota"];
  ServiceQuota out;
  out.service_code = q.value("ServiceCode", service_code);
  out.quota_code = q.value("QuotaCode", quota_code);
  out.quota_name = q.value("QuotaName", "");
  if (!q.contains("Value") || !q["Value"].is_number())
    return make_error(ErrorKind::protocol, "quota has no Value", ctx);
  out.value = q["Value"].get<double>();
  return out;
}

Result<ServiceQuota> ServiceQuotasClient::get_service_quota(const std::string& service_code,
                                                            const std::string& quota_code) {
  return call("GetServiceQuota", service_code, quota_code);
}

Result<ServiceQuota> ServiceQuotasClient::get_default_quota(const std::string& service_code,
                                                            const std::string& quota_code) {
  return call("GetAWSDefaultServiceQuota", service_code, quota_code);
}

}  // namespace ht::aws
