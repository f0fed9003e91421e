// Amazon ECR control plane (JSON 1.1, target AmazonEC2ContainerRegistry_V20150921.*),
// over ServiceClient. The registry itself (push/pull) speaks the OCI distribution API with
// the basic credentials from get_authorization_token (see src/oci/).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "aws/service_client.hpp"

namespace ht::aws {

struct EcrAuthorization {
  std::string username;        // "AWS"
  std::string password;        // registered with log::add_secret
  std::string proxy_endpoint;  // "https://123456789012.dkr.ecr.us-east-1.amazonaws.com"
  std::optional<std::chrono::system_clock::time_point> expires_at;
};

struct EcrImageId {
  std::string digest;  // "sha256:..." (either may be empty)
  std::string tag;
};

struct EcrImageDetail {
  std::string registry_id;
  std::string repository_name;
  std::string image_digest;  // "sha256:..."
  std::vector<std::string> image_tags;
  std::int64_t image_size_bytes = 0;
  std::string image_manifest_media_type;
};

struct EcrRepository {
  std::string name;
  std::string uri;  // "123456789012.dkr.ecr.us-east-1.amazonaws.com/name"
  std::string registry_id;
};

class EcrClient {
 public:
  explicit EcrClient(ClientConfig config);
  static Result<EcrClient> from_environment(const std::string& configured_region = {});

  // The first authorization data entry, decoded ("AWS:<password>" split at the first ':').
  Result<EcrAuthorization> get_authorization_token();

  // DescribeImages of `repository` (all pages); `ids` empty: every image. Errors:
  // "RepositoryNotFoundException", "ImageNotFoundException".
  Result<std::vector<EcrImageDetail>> describe_images(const std::string& repository,
                                                      const std::vector<EcrImageId>& ids = {});

  // DescribeRepositories for one name. Errors: "RepositoryNotFoundException".
  Result<EcrRepository> describe_repository(const std::string& repository);

  [[nodiscard]] const ClientConfig& config() const { return client_.config(); }

 private:
  Result<net::Response> call(const std::string& action, const std::string& json_body, const std::string& context);
  ServiceClient client_;
};

}  // namespace ht::aws
