#include "aws/credentials.hpp"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "aws/sts_client.hpp"
#include "core/fs.hpp"
#include "core/log.hpp"
#include "net/http.hpp"

namespace ht::aws {

namespace {

using Section = std::map<std::string, std::string>;
using IniFile = std::map<std::string, Section>;

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) s.remove_suffix(1);
  return std::string(s);
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// The shared config/credentials format: "[section]" headers, "key = value" lines, '#'/';'
// comments. Indented lines after "key =" (nested service settings such as "s3 =") are
// skipped: hypertest reads only top-level keys.
IniFile parse_ini(const std::string& text) {
  IniFile out;
  std::string section;
  bool have_section = false;
  std::istringstream in(text);
  std::string raw;
  while (std::getline(in, raw)) {
    if (!raw.empty() && raw.back() == '\r') raw.pop_back();
    if (!raw.empty() && (raw.front() == ' ' || raw.front() == '\t')) continue;  // nested
    std::string line = trim(raw);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[') {
      auto close = line.find(']');
      section = trim(line.substr(1, close == std::string::npos ? std::string::npos : close - 1));
      have_section = true;
      out[section];
      continue;
    }
    if (!have_section) continue;
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    out[section][lower(trim(line.substr(0, eq)))] = trim(line.substr(eq + 1));
  }
  return out;
}

std::optional<std::string> get_nonempty(const EnvLookup& env, const std::string& name) {
  auto v = env(name);
  if (v && !v->empty()) return v;
  return std::nullopt;
}

std::string home_dir(const EnvLookup& env) {
  if (auto h = get_nonempty(env, "HOME")) return *h;
  return "/";
}

std::string credentials_file(const EnvLookup& env) {
  if (auto f = get_nonempty(env, "AWS_SHARED_CREDENTIALS_FILE")) return *f;
  return home_dir(env) + "/.aws/credentials";
}

std::string config_file(const EnvLookup& env) {
  if (auto f = get_nonempty(env, "AWS_CONFIG_FILE")) return *f;
  return home_dir(env) + "/.aws/config";
}

std::string profile_name(const ChainOptions& o) {
  if (!o.profile.empty()) return o.profile;
  if (auto p = get_nonempty(o.env, "AWS_PROFILE")) return *p;
  if (auto p = get_nonempty(o.env, "AWS_DEFAULT_PROFILE")) return *p;
  return "default";
}

// Both shared files, read once per resolution.
struct SharedFiles {
  std::string credentials_path;
  std::string config_path;
  std::optional<IniFile> credentials;  // nullopt: file absent/unreadable
  std::optional<IniFile> config;

  explicit SharedFiles(const EnvLookup& env) : credentials_path(credentials_file(env)), config_path(config_file(env)) {
    if (auto t = fs::read_file(credentials_path); t.ok()) credentials = parse_ini(*t);
    if (auto t = fs::read_file(config_path); t.ok()) config = parse_ini(*t);
  }

  // The profile's settings: the config file's "[profile NAME]" (or "[NAME]" for default),
  // overlaid by the credentials file's "[NAME]". nullopt when neither has the profile.
  [[nodiscard]] std::optional<Section> profile(const std::string& name) const {
    std::optional<Section> out;
    if (config) {
      auto it = config->find(name == "default" ? std::string("default") : "profile " + name);
      if (it == config->end() && name == "default") it = config->find("profile default");
      if (it != config->end()) out = it->second;
    }
    if (credentials) {
      auto it = credentials->find(name);
      if (it != credentials->end()) {
        if (!out) out = Section{};
        for (const auto& [k, v] : it->second) (*out)[k] = v;
      }
    }
    return out;
  }

  [[nodiscard]] std::string where(const std::string& name) const {
    bool in_creds = credentials && credentials->count(name) != 0;
    return in_creds ? credentials_path : config_path;
  }
};

std::optional<std::string> value_of(const Section& s, const std::string& key) {
  auto it = s.find(key);
  if (it == s.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

Credentials remember(Credentials c) {
  log::add_secret(c.secret_access_key);
  log::add_secret(c.session_token);
  return c;
}

Result<std::optional<Credentials>> from_environment(const EnvLookup& env, std::vector<std::string>& looked) {
  auto id = get_nonempty(env, "AWS_ACCESS_KEY_ID");
  auto secret = get_nonempty(env, "AWS_SECRET_ACCESS_KEY");
  if (secret) log::add_secret(*secret);
  if (auto token = get_nonempty(env, "AWS_SESSION_TOKEN")) log::add_secret(*token);
  if (id && secret) {
    Credentials c;
    c.access_key_id = *id;
    c.secret_access_key = *secret;
    c.session_token =
        get_nonempty(env, "AWS_SESSION_TOKEN").value_or(get_nonempty(env, "AWS_SECURITY_TOKEN").value_or(""));
    c.source = "environment";
    return std::optional<Credentials>(remember(std::move(c)));
  }
  if (id || secret) {
    return make_error(ErrorKind::config,
                      std::string("incomplete AWS credentials in the environment: ") +
                          (id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID") + " is not set",
                      "AWS credentials");
  }
  looked.emplace_back("environment (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY not set)");
  return std::optional<Credentials>();
}

Result<Credentials> assume_role(const Credentials& source, const Section& profile, const std::string& name,
                                const EnvLookup& env) {
  const std::string role_arn = value_of(profile, "role_arn").value_or("");
  std::string region = value_of(profile, "region").value_or("us-east-1");
  ClientConfig cfg;
  cfg.credentials = source;
  cfg.region = region;
  cfg.endpoint = resolve_endpoint("sts", region, env);
  cfg.custom_endpoint = has_custom_endpoint("sts", env);
  StsClient sts(cfg);
  std::string session = value_of(profile, "role_session_name").value_or("hypertest");
  auto assumed = sts.assume_role(role_arn, session, value_of(profile, "external_id").value_or(""));
  if (!assumed.ok()) return assumed.error().with_context("profile " + name + ": assume role " + role_arn);
  Credentials c = remember(std::move(assumed.value()));
  c.source = "profile " + name + " (role " + role_arn + " via source_profile " +
             value_of(profile, "source_profile").value_or("") + ")";
  return c;
}

// Credentials of profile `name`, following source_profile links (at most 8, no cycles).
Result<std::optional<Credentials>> from_profile(const SharedFiles& files, const EnvLookup& env, const std::string& name,
                                                std::set<std::string>& seen, std::vector<std::string>& looked) {
  auto profile = files.profile(name);
  if (!profile) {
    looked.push_back("profile \"" + name + "\" in " + files.credentials_path +
                     (files.credentials ? "" : " (file not found)") + " and " + files.config_path +
                     (files.config ? "" : " (file not found)") + " (no such profile)");
    return std::optional<Credentials>();
  }
  auto id = value_of(*profile, "aws_access_key_id");
  auto secret = value_of(*profile, "aws_secret_access_key");
  if (secret) log::add_secret(*secret);
  if (auto t = value_of(*profile, "aws_session_token")) log::add_secret(*t);
  auto role = value_of(*profile, "role_arn");
  if (id && secret && !role) {
    Credentials c;
    c.access_key_id = *id;
    c.secret_access_key = *secret;
    c.session_token = value_of(*profile, "aws_session_token").value_or("");
    c.source = "profile " + name + " (" + files.where(name) + ")";
    return std::optional<Credentials>(remember(std::move(c)));
  }
  if (auto src = value_of(*profile, "source_profile")) {
    if (!seen.insert(name).second || seen.size() > 8) {
      return make_error(ErrorKind::config, "source_profile chain loops through profile " + name, "AWS credentials");
    }
    std::optional<Credentials> base;
    if (*src == name && id && secret) {  // a role profile whose own keys are the source
      Credentials c;
      c.access_key_id = *id;
      c.secret_access_key = *secret;
      c.session_token = value_of(*profile, "aws_session_token").value_or("");
      base = remember(std::move(c));
    } else {
      auto r = from_profile(files, env, *src, seen, looked);
      if (!r.ok()) return r.error();
      base = std::move(r.value());
    }
    if (!base) {
      return make_error(ErrorKind::config,
                        "profile " + name + " names source_profile " + *src + ", which has no credentials",
                        "AWS credentials");
    }
    if (!role) {
      base->source = "profile " + name + " (source_profile " + *src + ", " + files.where(*src) + ")";
      return std::optional<Credentials>(std::move(*base));
    }
    auto assumed = assume_role(*base, *profile, name, env);
    if (!assumed.ok()) return assumed.error();
    return std::optional<Credentials>(std::move(assumed.value()));
  }
  if (role) {
    return make_error(ErrorKind::config,
                      "profile " + name +
                          " has role_arn without source_profile; credential_source and SSO "
                          "profiles are not supported, export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY instead",
                      "AWS credentials");
  }
  if (value_of(*profile, "credential_process") || value_of(*profile, "sso_session") ||
      value_of(*profile, "sso_start_url")) {
    return make_error(ErrorKind::config,
                      "profile " + name +
                          " uses credential_process or SSO, which hypertest does not support; "
                          "export credentials (e.g. `aws configure export-credentials --format env`)",
                      "AWS credentials");
  }
  looked.push_back("profile \"" + name + "\" in " + files.where(name) +
                   " (no aws_access_key_id/aws_secret_access_key)");
  return std::optional<Credentials>();
}

Result<std::string> default_fetch(const std::string& url, const std::string& authorization) {
  net::HttpClient client;
  net::Request req;
  req.url = url;
  req.timeout = std::chrono::seconds(5);
  req.connect_timeout = std::chrono::seconds(2);
  if (!authorization.empty()) req.headers.emplace_back("Authorization", authorization);
  auto resp = client.perform(req);
  if (!resp.ok()) return resp.error();
  if (resp->status != 200) {
    Error e = make_error(ErrorKind::http,
                         "container credentials endpoint answered HTTP " + std::to_string(resp->status), "GET " + url);
    e.http_status = resp->status;
    return e;
  }
  return std::move(resp->body);
}

// FULL_URI over plain http must point at a loopback or the ECS/EKS link-local addresses.
bool allowed_full_uri(const std::string& url) {
  if (url.rfind("https://", 0) == 0) return true;
  if (url.rfind("http://", 0) != 0) return false;
  std::string rest = url.substr(7);
  std::string host = rest.substr(0, rest.find_first_of("/?#"));
  if (!host.empty() && host.front() == '[') {
    host = host.substr(1, host.find(']') - 1);
  } else if (auto colon = host.rfind(':'); colon != std::string::npos) {
    host = host.substr(0, colon);
  }
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1" || host == "169.254.170.2" ||
         host == "169.254.170.23" || host == "fd00:ec2::23";
}

Result<std::optional<Credentials>> from_container(const ChainOptions& o, std::vector<std::string>& looked) {
  std::string url;
  if (auto rel = get_nonempty(o.env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
    url = "http://169.254.170.2" + *rel;
  } else if (auto full = get_nonempty(o.env, "AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
    url = *full;
    if (!allowed_full_uri(url)) {
      return make_error(ErrorKind::config,
                        "AWS_CONTAINER_CREDENTIALS_FULL_URI must be https or point at a loopback/ECS address",
                        "container credentials");
    }
  } else {
    looked.emplace_back("container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/_FULL_URI not set)");
    return std::optional<Credentials>();
  }
  std::string authorization;
  if (auto tok_file = get_nonempty(o.env, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
    auto t = fs::read_file(*tok_file);
    if (!t.ok()) return t.error().with_context("container credentials token file");
    authorization = trim(*t);
  } else if (auto tok = get_nonempty(o.env, "AWS_CONTAINER_AUTHORIZATION_TOKEN")) {
    authorization = *tok;
  }
  log::add_secret(authorization);
  if (authorization.find_first_of("\r\n") != std::string::npos) {
    return make_error(ErrorKind::config, "container authorization token contains a line break",
                      "container credentials");
  }
  auto body = o.fetch ? o.fetch(url, authorization) : default_fetch(url, authorization);
  if (!body.ok()) return body.error().with_context("container credentials");
  nlohmann::json j = nlohmann::json::parse(*body, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("AccessKeyId") || !j.contains("SecretAccessKey")) {
    return make_error(ErrorKind::protocol, "container credentials endpoint did not answer with credentials JSON",
                      "container credentials");
  }
  Credentials c;
  c.secret_access_key = j.value("SecretAccessKey", "");
  log::add_secret(c.secret_access_key);
  c.session_token = j.value("Token", "");
  log::add_secret(c.session_token);
  c.access_key_id = j.value("AccessKeyId", "");
  c.source = "container credentials";
  return std::optional<Credentials>(remember(std::move(c)));
}

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i != 0 ? sep : "") + parts[i];
  return out;
}

}  // namespace

EnvLookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

Result<Credentials> resolve_credentials(const ChainOptions& options) {
  std::vector<std::string> looked;
  if (options.profile.empty()) {  // an explicit profile skips the environment, like the SDKs
    auto env = from_environment(options.env, looked);
    if (!env.ok()) return env.error();
    if (*env) return std::move(**env);
  }
  const std::string profile = profile_name(options);
  const bool explicit_profile = !options.profile.empty() || get_nonempty(options.env, "AWS_PROFILE");
  SharedFiles files(options.env);
  std::set<std::string> seen;
  auto prof = from_profile(files, options.env, profile, seen, looked);
  if (!prof.ok()) return prof.error();
  if (*prof) return std::move(**prof);
  if (explicit_profile && !files.profile(profile)) {
    return make_error(
        ErrorKind::config,
        "AWS profile \"" + profile + "\" not found in " + files.credentials_path + " or " + files.config_path,
        "AWS credentials");
  }
  auto container = from_container(options, looked);
  if (!container.ok()) return container.error();
  if (*container) return std::move(**container);
  return make_error(ErrorKind::config, "no AWS credentials found; looked in: " + join(looked, "; "), "AWS credentials");
}

namespace {

struct RegionFound {
  std::string region;
  std::string source;
};

std::optional<RegionFound> find_region(const std::string& configured, const ChainOptions& o) {
  if (!configured.empty()) return RegionFound{configured, "config"};
  for (const char* var : {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
    if (auto v = get_nonempty(o.env, var)) return RegionFound{*v, var};
  }
  SharedFiles files(o.env);
  const std::string name = profile_name(o);
  if (auto p = files.profile(name)) {
    if (auto r = value_of(*p, "region")) return RegionFound{*r, "profile " + name};
  }
  return std::nullopt;
}

}  // namespace

Result<std::string> resolve_region(const std::string& configured, const ChainOptions& options) {
  if (auto r = find_region(configured, options)) return r->region;
  return make_error(ErrorKind::config,
                    "no AWS region: set cloudProvider.region in the config, AWS_REGION, AWS_DEFAULT_REGION, or "
                    "`region` in profile \"" +
                        profile_name(options) + "\" of " + config_file(options.env),
                    "AWS region");
}

std::string region_source(const std::string& configured, const ChainOptions& options) {
  if (auto r = find_region(configured, options)) return r->source;
  return "none";
}

namespace {

std::string env_suffix(std::string_view service) {
  std::string s(service);
  for (auto& c : s) c = (c == '-' || c == ' ') ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::optional<std::string> configured_endpoint(std::string_view service, const EnvLookup& env) {
  if (auto ignore = env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"); ignore && lower(*ignore) == "true") {
    return std::nullopt;
  }
  auto strip = [](std::string u) {
    while (!u.empty() && u.back() == '/') u.pop_back();
    return u;
  };
  if (auto v = get_nonempty(env, "AWS_ENDPOINT_URL_" + env_suffix(service))) return strip(*v);
  if (auto v = get_nonempty(env, "AWS_ENDPOINT_URL")) return strip(*v);
  return std::nullopt;
}

}  // namespace

std::string resolve_endpoint(std::string_view service, const std::string& region, const EnvLookup& env) {
  if (auto e = configured_endpoint(service, env)) return *e;
  const std::string suffix = region.rfind("cn-", 0) == 0 ? "amazonaws.com.cn" : "amazonaws.com";
  std::string host;
  if (service == "ecr") {
    host = "api.ecr." + region;
  } else if (service == "service-quotas") {
    host = "servicequotas." + region;
  } else {
    host = std::string(service) + "." + region;
  }
  return "https://" + host + "." + suffix;
}

bool has_custom_endpoint(std::string_view service, const EnvLookup& env) {
  return configured_endpoint(service, env).has_value();
}

std::string signing_name(std::string_view service) {
  if (service == "service-quotas") return "servicequotas";
  return std::string(service);
}

}  // namespace ht::aws
