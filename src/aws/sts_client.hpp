// AWS STS GetCallerIdentity (query protocol, XML answer), over ServiceClient: who the
// credentials belong to, for `doctor`.
#pragma once

#include <string>

#include "aws/service_client.hpp"

namespace ht::aws {

struct CallerIdentity {
  std::string account;
  std::string arn;
  std::string user_id;
};

class StsClient {
 public:
  explicit StsClient(ClientConfig config);
  static Result<StsClient> from_environment(const std::string& configured_region = {});

  Result<CallerIdentity> get_caller_identity();

 private:
  ServiceClient client_;
};

}  // namespace ht::aws
