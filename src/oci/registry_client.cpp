#include "oci/registry_client.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <random>
#include <thread>

#include "aws/base64.hpp"
#include "core/hash.hpp"
#include "core/log.hpp"
#include "oci/image.hpp"
#include "oci/media_types.hpp"
#include "oci/reference.hpp"

namespace ht::oci {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// "https://host:port/path?q" -> "host:port"
std::string host_of(std::string_view url) {
  auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  auto rest = url.substr(scheme + 3);
  return std::string(rest.substr(0, rest.find_first_of("/?#")));
}

// For error contexts: upload URLs carry opaque state in their query string.
std::string without_query(std::string_view url) { return std::string(url.substr(0, url.find('?'))); }

Error error_from_response(const net::Response& resp, const std::string& ctx) {
  Error e;
  e.kind = ErrorKind::http;
  e.http_status = resp.status;
  e.context = ctx;
  e.retryable = resp.status == 429 || resp.status >= 500;
  auto j = nlohmann::json::parse(resp.body, nullptr, false);
  if (!j.is_discarded() && j.is_object() && j.contains("errors") && j["errors"].is_array() && !j["errors"].empty() &&
      j["errors"][0].is_object()) {
    const auto& first = j["errors"][0];
    e.kind = ErrorKind::service;
    e.service_code = first.value("code", "");
    e.message = first.value("message", "");
    if (e.message.empty()) e.message = e.service_code;
  }
  if (e.message.empty()) {
    e.message = resp.status == 401   ? "unauthorized (check the registry credentials)"
                : resp.status == 403 ? "forbidden (the credentials lack permission)"
                : resp.status == 404 ? "not found"
                                     : "unexpected HTTP status";
  }
  e.message = log::redact(e.message);
  return e;
}

}  // namespace

std::optional<AuthChallenge> parse_www_authenticate(std::string_view header) {
  size_t i = 0;
  auto skip_ws = [&] {
    while (i < header.size() && (header[i] == ' ' || header[i] == '\t' || header[i] == ',')) ++i;
  };
  skip_ws();
  size_t start = i;
  while (i < header.size() && header[i] != ' ') ++i;
  if (i == start) return std::nullopt;
  AuthChallenge ch;
  ch.scheme = lower(std::string(header.substr(start, i - start)));
  while (true) {
    skip_ws();
    if (i >= header.size()) break;
    size_t eq = header.find('=', i);
    if (eq == std::string_view::npos) break;
    std::string key = lower(std::string(header.substr(i, eq - i)));
    while (!key.empty() && key.back() == ' ') key.pop_back();
    i = eq + 1;
    std::string value;
    if (i < header.size() && header[i] == '"') {
      ++i;
      while (i < header.size() && header[i] != '"') {
        if (header[i] == '\\' && i + 1 < header.size()) ++i;
        value += header[i++];
      }
      ++i;  // closing quote
    } else {
      while (i < header.size() && header[i] != ',') value += header[i++];
      while (!value.empty() && value.back() == ' ') value.pop_back();
    }
    ch.params[key] = value;
  }
  return ch;
}

std::string resolve_location(std::string_view base_url, std::string_view location) {
  if (location.find("://") != std::string_view::npos) return std::string(location);
  auto scheme = base_url.find("://");
  auto path_start = base_url.find('/', scheme == std::string_view::npos ? 0 : scheme + 3);
  std::string origin(base_url.substr(0, path_start));
  if (!location.empty() && location.front() == '/') return origin + std::string(location);
  // Relative to the base's directory.
  std::string base(base_url.substr(0, base_url.find('?')));
  auto slash = base.rfind('/');
  if (slash == std::string::npos || slash < origin.size()) return origin + "/" + std::string(location);
  return base.substr(0, slash + 1) + std::string(location);
}

struct RegistryClient::Impl {
  enum class Auth { unknown, none, basic, bearer };

  std::string registry;
  std::string base_url;
  std::optional<RegistryCredentials> creds;
  RegistryOptions options;
  Transport transport;
  net::HttpClient http;
  Auth auth = Auth::unknown;
  std::string realm;
  std::string service;
  std::map<std::string, std::string> tokens;  // scope -> bearer token
  RegistryStats stats;
  std::mt19937 rng{std::random_device{}()};

  Result<net::Response> raw(net::Request req) {
    ++stats.requests;
    log::debug("registry: {} {}", req.method, without_query(req.url));
    req.headers.emplace_back("User-Agent", "hypertest/" HYPERTEST_VERSION);
    if (transport) return transport(req);
    return http.perform(req);
  }

  void backoff(int attempt) {
    auto ms = std::min<long long>(options.backoff_cap.count(), options.backoff_base.count() << std::min(attempt, 16));
    std::uniform_real_distribution<double> jitter(0.5, 1.0);
    std::this_thread::sleep_for(
        std::chrono::milliseconds(static_cast<long long>(static_cast<double>(ms) * jitter(rng))));
  }

  std::string basic_header() const { return "Basic " + aws::base64_encode(creds->username + ":" + creds->password); }

  Status ping() {
    if (auth != Auth::unknown) return {};
    const std::string url = base_url + "/v2/";
    const std::string ctx = "GET " + url;
    net::Request req;
    req.url = url;
    req.timeout = std::chrono::seconds(30);
    Result<net::Response> resp = make_error(ErrorKind::internal, "not attempted");
    for (int attempt = 0; attempt < options.max_attempts; ++attempt) {
      if (attempt > 0) backoff(attempt);
      resp = raw(req);
      if (resp.ok() && resp->status != 429 && resp->status < 500) break;
    }
    if (!resp) return resp.error().with_context("registry " + registry);
    if (resp->status == 200) {
      auth = Auth::none;
      return {};
    }
    if (resp->status != 401) {
      return error_from_response(*resp, ctx).with_context("registry " + registry + " (is this a v2 registry?)");
    }
    auto header = resp->header("WWW-Authenticate");
    auto ch = header ? parse_www_authenticate(*header) : std::nullopt;
    if (!ch) return make_error(ErrorKind::protocol, "401 without a WWW-Authenticate challenge", ctx);
    if (ch->scheme == "basic") {
      if (!creds) return make_error(ErrorKind::config, "the registry requires credentials (basic auth)", ctx);
      net::Request again = req;
      again.headers.emplace_back("Authorization", basic_header());
      auto r2 = raw(again);
      if (!r2) return r2.error();
      if (r2->status != 200) {
        return error_from_response(*r2, ctx).with_context("registry login as " + creds->username);
      }
      auth = Auth::basic;
      return {};
    }
    if (ch->scheme == "bearer") {
      realm = ch->params["realm"];
      service = ch->params["service"];
      if (realm.empty()) return make_error(ErrorKind::protocol, "bearer challenge without a realm", ctx);
      if (realm.rfind("https://", 0) != 0 && !is_loopback_registry(host_of(realm))) {
        return make_error(ErrorKind::protocol, "refusing a token realm over plain HTTP: " + realm, ctx);
      }
      auth = Auth::bearer;
      return {};
    }
    return make_error(ErrorKind::protocol, "unsupported auth scheme \"" + ch->scheme + "\"", ctx);
  }

  Result<std::string> token_for(const std::string& scope) {
    if (auto it = tokens.find(scope); it != tokens.end()) return it->second;
    std::string url = realm + (realm.find('?') == std::string::npos ? "?" : "&");
    if (!service.empty()) url += "service=" + net::url_encode(service) + "&";
    // Several scopes are separate "scope" parameters (space-separated in our key).
    size_t start = 0;
    while (start < scope.size()) {
      size_t sp = scope.find(' ', start);
      if (sp == std::string::npos) sp = scope.size();
      url += "scope=" + net::url_encode(scope.substr(start, sp - start)) + "&";
      start = sp + 1;
    }
    url.pop_back();
    net::Request req;
    req.url = url;
    req.timeout = std::chrono::seconds(30);
    if (creds) req.headers.emplace_back("Authorization", basic_header());
    auto resp = raw(req);
    const std::string ctx = "GET token " + without_query(realm) + " (" + scope + ")";
    if (!resp) return resp.error().with_context(ctx);
    if (resp->status != 200) return error_from_response(*resp, ctx);
    auto j = nlohmann::json::parse(resp->body, nullptr, false);
    std::string token;
    if (!j.is_discarded() && j.is_object()) {
      if (j.contains("token") && j["token"].is_string())
        token = j["token"].get<std::string>();
      else if (j.contains("access_token") && j["access_token"].is_string())
        token = j["access_token"].get<std::string>();
    }
    if (token.empty()) return make_error(ErrorKind::protocol, "token response without a token", ctx);
    log::add_secret(token);
    tokens[scope] = token;
    return token;
  }

  // Sends `req` with the registry's auth for `scope`. Retries transport failures, 429 and
  // 5xx when `idempotent`; refreshes a rejected bearer token once.
  Result<net::Response> send(net::Request req, const std::string& scope, bool idempotent) {
    HT_TRY(ping());
    req.timeout = options.request_timeout;
    const size_t plain_headers = req.headers.size();
    bool refreshed = false;
    for (int attempt = 0;; ++attempt) {
      req.headers.resize(plain_headers);
      if (auth == Auth::basic) {
        req.headers.emplace_back("Authorization", basic_header());
      } else if (auth == Auth::bearer) {
        auto token = token_for(scope);
        if (!token) return token.error();
        req.headers.emplace_back("Authorization", "Bearer " + *token);
      }
      auto resp = raw(req);
      bool last = !idempotent || attempt + 1 >= options.max_attempts;
      if (!resp) {
        if (last || !resp.error().retryable) return resp.error();
        backoff(attempt);
        continue;
      }
      if (resp->status == 401 && auth == Auth::bearer && !refreshed) {
        tokens.erase(scope);
        refreshed = true;
        continue;
      }
      if ((resp->status == 429 || resp->status >= 500) && !last) {
        backoff(attempt);
        continue;
      }
      return resp;
    }
  }

  // GET following redirects; our Authorization goes only to the registry's own host.
  Result<net::Response> get_following(net::Request req, const std::string& scope) {
    auto resp = send(req, scope, true);
    for (int hop = 0; hop < 5 && resp.ok() && resp->status >= 300 && resp->status < 400; ++hop) {
      auto loc = resp->header("Location");
      if (!loc) break;
      std::string next = resolve_location(req.url, *loc);
      req.url = next;
      if (host_of(next) == registry && next.rfind(base_url, 0) == 0) {
        resp = send(req, scope, true);
      } else {
        net::Request plain = req;  // a presigned URL: no registry credentials
        plain.timeout = options.request_timeout;
        resp = raw(plain);
      }
    }
    return resp;
  }

  std::string pull_scope(const std::string& repo) const { return "repository:" + repo + ":pull"; }
  std::string push_scope(const std::string& repo) const { return "repository:" + repo + ":pull,push"; }
};

RegistryClient::RegistryClient(std::string registry, std::optional<RegistryCredentials> credentials,
                               RegistryOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->registry = std::move(registry);
  impl_->base_url = registry_base_url(impl_->registry);
  impl_->creds = std::move(credentials);
  impl_->options = options;
  if (impl_->creds) log::add_secret(impl_->creds->password);
}
RegistryClient::~RegistryClient() = default;
RegistryClient::RegistryClient(RegistryClient&&) noexcept = default;
RegistryClient& RegistryClient::operator=(RegistryClient&&) noexcept = default;

const std::string& RegistryClient::registry() const { return impl_->registry; }
const RegistryStats& RegistryClient::stats() const { return impl_->stats; }
void RegistryClient::set_transport(Transport transport) { impl_->transport = std::move(transport); }

Status RegistryClient::ping() { return impl_->ping(); }

Result<FetchedManifest> RegistryClient::get_manifest(const std::string& repository, const std::string& reference) {
  net::Request req;
  req.url = impl_->base_url + "/v2/" + repository + "/manifests/" + reference;
  req.headers.emplace_back("Accept", std::string(kManifestAccept));
  const std::string ctx = "GET " + impl_->registry + "/" + repository + " manifest " + reference;
  auto resp = impl_->send(req, impl_->pull_scope(repository), true);
  if (!resp) return resp.error().with_context(ctx);
  if (resp->status != 200) return error_from_response(*resp, ctx);
  FetchedManifest out;
  out.body = std::move(resp->body);
  out.media_type = detect_manifest_type(out.body, resp->header("Content-Type").value_or(""));
  out.digest = digest_of(out.body);
  if (is_valid_digest(reference) && reference != out.digest) {
    return make_error(ErrorKind::protocol, "manifest content does not match its digest (got " + out.digest + ")", ctx);
  }
  return out;
}

Result<std::optional<std::string>> RegistryClient::head_manifest(const std::string& repository,
                                                                 const std::string& reference) {
  net::Request req;
  req.method = "HEAD";
  req.url = impl_->base_url + "/v2/" + repository + "/manifests/" + reference;
  req.headers.emplace_back("Accept", std::string(kManifestAccept));
  const std::string ctx = "HEAD " + impl_->registry + "/" + repository + " manifest " + reference;
  auto resp = impl_->send(req, impl_->pull_scope(repository), true);
  if (!resp) return resp.error().with_context(ctx);
  if (resp->status == 404) return std::optional<std::string>{};
  if (resp->status != 200) return error_from_response(*resp, ctx);
  if (auto d = resp->header("Docker-Content-Digest"); d && is_valid_digest(*d)) return std::optional<std::string>(*d);
  auto full = get_manifest(repository, reference);  // registry without the header: hash it ourselves
  if (!full) return full.error();
  return std::optional<std::string>(full->digest);
}

Result<std::string> RegistryClient::put_manifest(const std::string& repository, const std::string& reference,
                                                 std::string_view media_type, const std::string& body) {
  net::Request req;
  req.method = "PUT";
  req.url = impl_->base_url + "/v2/" + repository + "/manifests/" + reference;
  req.headers.emplace_back("Content-Type", std::string(media_type));
  req.body = body;
  const std::string ctx = "PUT " + impl_->registry + "/" + repository + " manifest " + reference;
  auto resp = impl_->send(req, impl_->push_scope(repository), true);
  if (!resp) return resp.error().with_context(ctx);
  if (resp->status != 201 && resp->status != 200) return error_from_response(*resp, ctx);
  ++impl_->stats.manifest_puts;
  std::string expected = digest_of(body);
  if (auto d = resp->header("Docker-Content-Digest"); d && *d != expected) {
    return make_error(ErrorKind::protocol, "registry stored digest " + *d + " but we sent " + expected, ctx);
  }
  return expected;
}

Result<bool> RegistryClient::blob_exists(const std::string& repository, const std::string& digest) {
  net::Request req;
  req.method = "HEAD";
  req.url = impl_->base_url + "/v2/" + repository + "/blobs/" + digest;
  const std::string ctx = "HEAD " + impl_->registry + "/" + repository + " blob " + digest;
  auto resp = impl_->send(req, impl_->pull_scope(repository), true);
  if (!resp) return resp.error().with_context(ctx);
  if (resp->status == 200 || resp->status == 307) return true;
  if (resp->status == 404) return false;
  return error_from_response(*resp, ctx);
}

Result<std::string> RegistryClient::get_blob(const std::string& repository, const std::string& digest) {
  net::Request req;
  req.url = impl_->base_url + "/v2/" + repository + "/blobs/" + digest;
  const std::string ctx = "GET " + impl_->registry + "/" + repository + " blob " + digest;
  auto resp = impl_->get_following(req, impl_->pull_scope(repository));
  if (!resp) return resp.error().with_context(ctx);
  if (resp->status != 200) return error_from_response(*resp, ctx);
  impl_->stats.bytes_downloaded += static_cast<std::int64_t>(resp->body.size());
  if (digest_of(resp->body) != digest)
    return make_error(ErrorKind::protocol, "blob content does not match its digest", ctx);
  return std::move(resp->body);
}

Result<std::string> RegistryClient::get_blob_range(const std::string& repository, const std::string& digest,
                                                   std::int64_t offset, std::int64_t length) {
  net::Request req;
  req.url = impl_->base_url + "/v2/" + repository + "/blobs/" + digest;
  req.headers.emplace_back("Range", "bytes=" + std::to_string(offset) + "-" + std::to_string(offset + length - 1));
  const std::string ctx = "GET " + impl_->registry + "/" + repository + " blob " + digest + " range";
  auto resp = impl_->get_following(req, impl_->pull_scope(repository));
  if (!resp) return resp.error().with_context(ctx);
  if (resp->status == 200 && offset == 0 && static_cast<std::int64_t>(resp->body.size()) <= length) {
    // A registry that ignores Range and sends the whole (small) blob.
  } else if (resp->status != 206) {
    return error_from_response(*resp, ctx);
  }
  if (static_cast<std::int64_t>(resp->body.size()) != length) {
    return make_error(ErrorKind::protocol, "short range read", ctx);
  }
  impl_->stats.bytes_downloaded += length;
  return std::move(resp->body);
}

Result<bool> RegistryClient::mount_blob(const std::string& repository, const std::string& digest,
                                        const std::string& from_repository) {
  net::Request req;
  req.method = "POST";
  req.url = impl_->base_url + "/v2/" + repository + "/blobs/uploads/?mount=" + net::url_encode(digest) +
            "&from=" + net::url_encode(from_repository, true);
  req.headers.emplace_back("Content-Type", "application/octet-stream");
  const std::string ctx =
      "mount " + digest + " from " + from_repository + " into " + impl_->registry + "/" + repository;
  auto resp = impl_->send(req, impl_->push_scope(repository) + " " + impl_->pull_scope(from_repository), false);
  if (!resp) return resp.error().with_context(ctx);
  if (resp->status == 201) {
    ++impl_->stats.blob_mounts;
    return true;
  }
  if (resp->status == 202) {
    if (auto loc = resp->header("Location")) {  // the registry opened an upload instead: cancel it
      net::Request del;
      del.method = "DELETE";
      del.url = resolve_location(req.url, *loc);
      (void)impl_->send(del, impl_->push_scope(repository), false);
    }
    return false;
  }
  return error_from_response(*resp, ctx);
}

Result<std::int64_t> RegistryClient::upload_blob(
    const std::string& repository, const std::string& digest, std::int64_t size,
    const std::function<Result<std::string>(std::int64_t, std::int64_t)>& read_chunk,
    const TransferProgress& progress) {
  const std::string ctx = "upload " + digest + " to " + impl_->registry + "/" + repository;
  const std::string scope = impl_->push_scope(repository);
  // A failed session is restarted from the beginning (a PATCH is not idempotent).
  for (int attempt = 0;; ++attempt) {
    net::Request start;
    start.method = "POST";
    start.url = impl_->base_url + "/v2/" + repository + "/blobs/uploads/";
    start.headers.emplace_back("Content-Type", "application/octet-stream");
    auto resp = impl_->send(start, scope, false);
    auto attempt_upload = [&]() -> Result<std::int64_t> {
      if (!resp) return resp.error();
      if (resp->status != 202) return error_from_response(*resp, "POST " + start.url);
      auto loc = resp->header("Location");
      if (!loc) return make_error(ErrorKind::protocol, "upload session without a Location", "POST " + start.url);
      std::string location = resolve_location(start.url, *loc);
      std::int64_t chunk = impl_->options.chunk_size;
      if (auto min = resp->header("OCI-Chunk-Min-Length")) {
        std::int64_t m = std::atoll(min->c_str());
        if (m > chunk) chunk = m;
      }
      std::int64_t sent = 0;
      while (sent < size) {
        std::int64_t n = std::min(chunk, size - sent);
        auto data = read_chunk(sent, n);
        if (!data) return data.error();
        if (static_cast<std::int64_t>(data->size()) != n) {
          return make_error(ErrorKind::io, "short read of the blob source", ctx);
        }
        net::Request patch;
        patch.method = "PATCH";
        patch.url = location;
        patch.headers.emplace_back("Content-Type", "application/octet-stream");
        patch.headers.emplace_back("Content-Range", std::to_string(sent) + "-" + std::to_string(sent + n - 1));
        patch.body = std::move(*data);
        auto pr = impl_->send(std::move(patch), scope, false);
        if (!pr) return pr.error();
        if (pr->status != 202 && pr->status != 204) return error_from_response(*pr, "PATCH " + without_query(location));
        sent += n;
        impl_->stats.bytes_uploaded += n;
        if (auto next = pr->header("Location")) location = resolve_location(location, *next);
        if (progress) progress(sent, size);
      }
      net::Request put;
      put.method = "PUT";
      put.url = location + (location.find('?') == std::string::npos ? "?" : "&") + "digest=" + net::url_encode(digest);
      put.headers.emplace_back("Content-Type", "application/octet-stream");
      auto done = impl_->send(put, scope, false);
      if (!done) return done.error();
      if (done->status != 201 && done->status != 204)
        return error_from_response(*done, "PUT " + without_query(location));
      ++impl_->stats.blob_uploads;
      return sent;
    };
    auto result = attempt_upload();
    if (result || !result.error().retryable || attempt + 1 >= impl_->options.max_attempts) {
      if (!result) return result.error().with_context(ctx);
      return result;
    }
    log::warn("registry: {} failed ({}), retrying", ctx, result.error().describe());
    impl_->backoff(attempt);
  }
}

Result<std::int64_t> RegistryClient::upload_blob_file(const std::string& repository, const std::string& digest,
                                                      const std::filesystem::path& file,
                                                      const TransferProgress& progress) {
  std::error_code ec;
  auto size = std::filesystem::file_size(file, ec);
  if (ec) return make_error(ErrorKind::io, ec.message(), "upload " + file.string());
  std::unique_ptr<FILE, int (*)(FILE*)> in(std::fopen(file.c_str(), "rb"), &std::fclose);
  if (!in) return make_error(ErrorKind::io, "cannot open", "upload " + file.string());
  auto read_chunk = [&](std::int64_t offset, std::int64_t length) -> Result<std::string> {
    std::string buf(static_cast<size_t>(length), '\0');
    if (std::fseek(in.get(), static_cast<long>(offset), SEEK_SET) != 0 ||
        std::fread(buf.data(), 1, buf.size(), in.get()) != buf.size()) {
      return make_error(ErrorKind::io, "short read", "upload " + file.string());
    }
    return buf;
  };
  return upload_blob(repository, digest, static_cast<std::int64_t>(size), read_chunk, progress);
}

Result<std::int64_t> RegistryClient::upload_blob_bytes(const std::string& repository, const std::string& digest,
                                                       const std::string& data, const TransferProgress& progress) {
  auto read_chunk = [&](std::int64_t offset, std::int64_t length) -> Result<std::string> {
    return data.substr(static_cast<size_t>(offset), static_cast<size_t>(length));
  };
  return upload_blob(repository, digest, static_cast<std::int64_t>(data.size()), read_chunk, progress);
}

}  // namespace ht::oci
