// A client for one registry speaking the OCI Distribution API v2
// (https://github.com/opencontainers/distribution-spec/blob/main/spec.md), over
// ht::net::HttpClient.
//
// Auth: anonymous, HTTP basic (ECR: user "AWS", password from GetAuthorizationToken), or the
// bearer-token challenge (WWW-Authenticate: Bearer realm=...,service=...; a token per
// scope from the realm, with the basic credentials if any). The scheme is learned from
// GET /v2/ on first use, like Docker does. Plain HTTP only for loopback registries.
// Passwords and tokens are registered with log::add_secret the moment they are known.
//
// Errors carry the registry's error code ("BLOB_UNKNOWN", "DENIED", ...) in service_code and
// the HTTP status; 429/5xx and transport failures are retryable and retried here (capped
// exponential backoff with jitter) for idempotent requests.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "net/http.hpp"

namespace ht::oci {

struct RegistryCredentials {
  std::string username;
  std::string password;
};

struct RegistryOptions {
  // Size of each PATCH in a chunked upload. ECR wants parts of at least 5 MiB (but the last).
  std::int64_t chunk_size = 16LL * 1024 * 1024;
  int max_attempts = 4;  // for idempotent requests (GET/HEAD/manifest PUT)
  std::chrono::milliseconds backoff_base{200};
  std::chrono::milliseconds backoff_cap{5000};
  std::chrono::milliseconds request_timeout{std::chrono::minutes(5)};  // per request (one chunk)
};

struct FetchedManifest {
  std::string media_type;  // detected (Content-Type, then the document)
  std::string body;        // the exact bytes (their digest is the manifest's digest)
  std::string digest;      // sha256 of body
};

// What went over the wire, for reports and tests.
struct RegistryStats {
  int requests = 0;
  int blob_uploads = 0;  // completed blob uploads (final PUT ?digest=)
  int blob_mounts = 0;   // successful cross-repository mounts
  int manifest_puts = 0;
  std::int64_t bytes_uploaded = 0;    // blob bytes sent in PATCH bodies
  std::int64_t bytes_downloaded = 0;  // blob bytes read (cross-registry copies, configs)
};

// Receives (bytes done, bytes total) while a blob is uploaded.
using TransferProgress = std::function<void(std::int64_t done, std::int64_t total)>;

class RegistryClient {
 public:
  // `registry` is host[:port] as in an image reference. No credentials: anonymous, or a
  // bearer token fetched anonymously when the registry asks for one.
  RegistryClient(std::string registry, std::optional<RegistryCredentials> credentials, RegistryOptions options = {});
  ~RegistryClient();
  RegistryClient(const RegistryClient&) = delete;
  RegistryClient& operator=(const RegistryClient&) = delete;
  RegistryClient(RegistryClient&&) noexcept;
  RegistryClient& operator=(RegistryClient&&) noexcept;

  [[nodiscard]] const std::string& registry() const;

  // GET /v2/ and the auth handshake; an error names what failed (unreachable, 401 with
  // the given credentials, ...). Called implicitly by the other requests.
  Status ping();

  // GET a manifest or index by tag or digest (Accept: the four types we understand). When
  // `reference` is a digest the body is verified against it.
  Result<FetchedManifest> get_manifest(const std::string& repository, const std::string& reference);

  // HEAD a manifest: its digest (Docker-Content-Digest) when it exists, nullopt on 404.
  Result<std::optional<std::string>> head_manifest(const std::string& repository, const std::string& reference);

  // PUT a manifest under `reference` (tag or digest); returns the digest the registry reports.
  Result<std::string> put_manifest(const std::string& repository, const std::string& reference,
                                   std::string_view media_type, const std::string& body);

  // HEAD a blob: true when the repository has it.
  Result<bool> blob_exists(const std::string& repository, const std::string& digest);

  // GET a (small) blob into memory, following redirects (without our Authorization on a
  // different host); verified against `digest`.
  Result<std::string> get_blob(const std::string& repository, const std::string& digest);

  // GET bytes [offset, offset+length) of a blob (Range request), following redirects.
  Result<std::string> get_blob_range(const std::string& repository, const std::string& digest, std::int64_t offset,
                                     std::int64_t length);

  // POST ...?mount=<digest>&from=<from_repository>: true when mounted (201). When the
  // registry declines (202) the upload session it opened is cancelled and false returned.
  Result<bool> mount_blob(const std::string& repository, const std::string& digest, const std::string& from_repository);

  // Chunked upload of `size` bytes produced by `read_chunk(offset, length)`: POST, PATCH
  // chunks with Content-Range, PUT ?digest=. Returns the bytes sent.
  Result<std::int64_t> upload_blob(const std::string& repository, const std::string& digest, std::int64_t size,
                                   const std::function<Result<std::string>(std::int64_t, std::int64_t)>& read_chunk,
                                   const TransferProgress& progress = {});

  // upload_blob from a file on disk / from memory.
  Result<std::int64_t> upload_blob_file(const std::string& repository, const std::string& digest,
                                        const std::filesystem::path& file, const TransferProgress& progress = {});
  Result<std::int64_t> upload_blob_bytes(const std::string& repository, const std::string& digest,
                                         const std::string& data, const TransferProgress& progress = {});

  [[nodiscard]] const RegistryStats& stats() const;

  // Test seam: replaces the transport (default: a net::HttpClient).
  using Transport = std::function<Result<net::Response>(const net::Request&)>;
  void set_transport(Transport transport);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Parses a WWW-Authenticate header: scheme ("basic"/"bearer", lowercased) and its params.
struct AuthChallenge {
  std::string scheme;
  std::map<std::string, std::string> params;  // realm, service, scope, error, ...
};
std::optional<AuthChallenge> parse_www_authenticate(std::string_view header);

// Resolves a Location header (absolute, absolute-path or relative) against `base_url`.
std::string resolve_location(std::string_view base_url, std::string_view location);

}  // namespace ht::oci
