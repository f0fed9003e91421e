#include "aws/sts_client.hpp"

#include "core/log.hpp"

namespace ht::aws {

StsClient::StsClient(ClientConfig config) : client_("sts", std::move(config)) {}

Result<StsClient> StsClient::from_environment(const std::string& configured_region) {
  auto cfg = make_client_config("sts", configured_region);
  if (!cfg.ok()) return cfg.error();
  return StsClient(std::move(cfg.value()));
}

Result<CallerIdentity> StsClient::get_caller_identity() {
  net::Request req;
  req.method = "POST";
  req.url = "/";
  req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
  req.body = "Action=GetCallerIdentity&Version=2011-06-15";
  auto r = client_.send(std::move(req), "STS GetCallerIdentity");
  if (!r.ok()) return r.error();
  CallerIdentity id;
  id.account = xml_first(r->body, "Account").value_or("");
  id.arn = xml_first(r->body, "Arn").value_or("");
  id.user_id = xml_first(r->body, "UserId").value_or("");
  if (id.account.empty()) return make_error(ErrorKind::protocol, "answer has no Account", "STS GetCallerIdentity");
  return id;
}

Result<Credentials> StsClient::assume_role(const std::string& role_arn, const std::string& session_name,
                                           const std::string& external_id) {
  const std::string ctx = "STS AssumeRole " + role_arn;
  net::Request req;
  req.method = "POST";
  req.url = "/";
  req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
  req.body = "Action=AssumeRole&RoleArn=" + net::url_encode(role_arn) +
             "&RoleSessionName=" + net::url_encode(session_name) + "&Version=2011-06-15";
  if (!external_id.empty()) req.body += "&ExternalId=" + net::url_encode(external_id);
  auto r = client_.send(std::move(req), ctx);
  if (!r.ok()) return r.error();
  Credentials c;
  c.secret_access_key = xml_first(r->body, "SecretAccessKey").value_or("");
  log::add_secret(c.secret_access_key);
  c.session_token = xml_first(r->body, "SessionToken").value_or("");
  log::add_secret(c.session_token);
  c.access_key_id = xml_first(r->body, "AccessKeyId").value_or("");
  if (c.access_key_id.empty() || c.secret_access_key.empty()) {
    return make_error(ErrorKind::protocol, "answer has no credentials", ctx);
  }
  return c;
}

}  // namespace ht::aws
