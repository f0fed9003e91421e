#include "aws/ecr_client.hpp"

#include <nlohmann/json.hpp>

#include "aws/base64.hpp"
#include "core/log.hpp"

namespace ht::aws {

EcrClient::EcrClient(ClientConfig config) : client_("ecr", std::move(config)) {}

Result<EcrClient> EcrClient::from_environment(const std::string& configured_region) {
  auto cfg = make_client_config("ecr", configured_region);
  if (!cfg.ok()) return cfg.error();
  return EcrClient(std::move(cfg.value()));
}

Result<net::Response> EcrClient::call(const std::string& action, const std::string& json_body,
                                      const std::string& context) {
  net::Request req;
  req.method = "POST";
  req.url = "/";
  req.headers.emplace_back("Content-Type", "application/x-amz-json-1.1");
  req.headers.emplace_back("X-Amz-Target", "AmazonEC2ContainerRegistry_V20150921." + action);
  req.body = json_body;
  return client_.send(std::move(req), context);
}

Result<EcrAuthorization> EcrClient::get_authorization_token() {
  const std::string ctx = "ECR GetAuthorizationToken";
  auto r = call("GetAuthorizationToken", "{}", ctx);
  if (!r.ok()) return r.error();
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (j.is_discarded() || !j.contains("authorizationData") || !j["authorizationData"].is_array() ||
      j["authorizationData"].empty()) {
    return make_error(ErrorKind::protocol, "answer has no authorizationData", ctx);
  }
  const auto& d = j["authorizationData"][0];
  const std::string token = d.value("authorizationToken", "");
  log::add_secret(token);
  auto decoded = base64_decode(token);
  if (!decoded) return make_error(ErrorKind::protocol, "authorizationToken is not base64", ctx);
  auto colon = decoded->find(':');
  if (colon == std::string::npos)
    return make_error(ErrorKind::protocol, "authorizationToken is not user:password", ctx);
  EcrAuthorization a;
  a.username = decoded->substr(0, colon);
  a.password = decoded->substr(colon + 1);
  log::add_secret(a.password);
  a.proxy_endpoint = d.value("proxyEndpoint", "");
  if (d.contains("expiresAt") && d["expiresAt"].is_number()) {
    a.expires_at = std::chrono::system_clock::time_point(
        std::chrono::milliseconds(static_cast<std::int64_t>(d["expiresAt"].get<double>() * 1000)));
  }
  return a;
}

Result<std::vector<EcrImageDetail>> EcrClient::describe_images(const std::string& repository,
                                                               const std::vector<EcrImageId>& ids) {
  const std::string ctx = "ECR DescribeImages " + repository;
  std::vector<EcrImageDetail> out;
  std::string next;
  for (int page = 0; page < 10000; ++page) {
    nlohmann::json body{{"repositoryName", repository}};
    if (!ids.empty()) {
      body["imageIds"] = nlohmann::json::array();
      for (const auto& id : ids) {
        nlohmann::json o = nlohmann::json::object();
        if (!id.digest.empty()) o["imageDigest"] = id.digest;
        if (!id.tag.empty()) o["imageTag"] = id.tag;
        body["imageIds"].push_back(o);
      }
    }
    if (!next.empty()) body["nextToken"] = next;
    auto r = call("DescribeImages", body.dump(), ctx);
    if (!r.ok()) return r.error();
    auto j = nlohmann::json::parse(r->body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return make_error(ErrorKind::protocol, "answer is not JSON", ctx);
    for (const auto& d : j.value("imageDetails", nlohmann::json::array())) {
      EcrImageDetail e;
      e.registry_id = d.value("registryId", "");
      e.repository_name = d.value("repositoryName", "");
      e.image_digest = d.value("imageDigest", "");
      e.image_tags = d.value("imageTags", std::vector<std::string>{});
      e.image_size_bytes = d.value("imageSizeInBytes", std::int64_t{0});
      e.image_manifest_media_type = d.value("imageManifestMediaType", "");
      out.push_back(std::move(e));
    }
    next = j.value("nextToken", "");
    if (next.empty()) break;
  }
  return out;
}

Result<EcrRepository> EcrClient::describe_repository(const std::string& repository) {
  const std::string ctx = "ECR DescribeRepositories " + repository;
  auto r = call("DescribeRepositories", nlohmann::json{{"repositoryNames", {repository}}}.dump(), ctx);
  if (!r.ok()) return r.error();
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (j.is_discarded() || !j.contains("repositories") || !j["repositories"].is_array() || j["repositories"].empty()) {
    return make_error(ErrorKind::protocol, "answer has no repositories", ctx);
  }
  const auto& d = j["repositories"][0];
  EcrRepository out;
  out.name = d.value("repositoryName", repository);
  out.uri = d.value("repositoryUri", "");
  out.registry_id = d.value("registryId", "");
  return out;
}

}  // namespace ht::aws
