// AWS Service Quotas (JSON 1.1, target ServiceQuotasV20190624.*), over ServiceClient.
#pragma once

#include <string>

#include "aws/service_client.hpp"

namespace ht::aws {

// Lambda's "Concurrent executions" quota code.
inline constexpr const char* kLambdaConcurrencyQuotaCode = "L-B99A9384";

struct ServiceQuota {
  std::string service_code;  // "lambda"
  std::string quota_code;    // "L-B99A9384"
  std::string quota_name;
  double value = 0;
};

class ServiceQuotasClient {
 public:
  explicit ServiceQuotasClient(ClientConfig config);
  static Result<ServiceQuotasClient> from_environment(const std::string& configured_region = {});

  // GetServiceQuota (the applied value); callers may fall back to get_default_quota when
  // this answers NoSuchResourceException (no applied value on the account).
  Result<ServiceQuota> get_service_quota(const std::string& service_code, const std::string& quota_code);
  Result<ServiceQuota> get_default_quota(const std::string& service_code, const std::string& quota_code);

 private:
  Result<ServiceQuota> call(const std::string& action, const std::string& service_code, const std::string& quota_code);
  ServiceClient client_;
};

}  // namespace ht::aws
