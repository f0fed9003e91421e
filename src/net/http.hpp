// HTTP requests and responses as plain values, and a synchronous client over one reused
// libcurl easy handle (keep-alive). The concurrent, event-loop client for many transfers
// at once lives in net/http_multi.hpp.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace ht::net {

// Header names are compared case-insensitively; stored as given.
using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method = "GET";
  std::string url;
  Headers headers;
  std::string body;
  // Stream the body from a file instead of `body` (large uploads); empty: use `body`.
  std::string body_file;
  // Whole-transfer timeout; nullopt: none (the Runtime API's `next` long-poll needs none).
  std::optional<std::chrono::milliseconds> timeout = std::chrono::seconds(60);
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
};

struct Response {
  int status = 0;
  Headers headers;
  std::string body;

  // First header with this name (case-insensitive), if any.
  [[nodiscard]] std::optional<std::string> header(std::string_view name) const;
};

// Synchronous client. Reuses its connection across calls. Not thread-safe: one per thread.
// A transport failure (refused, reset, timeout, DNS) is an Error of kind `network` with
// retryable = true; any HTTP status is a Response (the caller decides what is an error).
class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;

  Result<Response> perform(const Request& request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Percent-encodes per RFC 3986 (unreserved characters kept); '/' kept when `keep_slash`.
std::string url_encode(std::string_view s, bool keep_slash = false);

}  // namespace ht::net
