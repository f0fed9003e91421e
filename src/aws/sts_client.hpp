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
  // AssumeRole (for profiles with role_arn + source_profile); `external_id` may be empty.
  // The returned secrets are registered with log::add_secret; source is left empty.
  Result<Credentials> assume_role(const std::string& role_arn, const std::string& session_name,
                                  const std::string& external_id);

 private:
  ServiceClient client_;
};

}  // namespace ht::aws
