// Internal to src/net: turning a Request into a configured curl easy handle and a finished
// transfer into a Response, shared by HttpClient (easy) and HttpMulti (multi).
#pragma once

#include <curl/curl.h>

#include <cstdio>
#include <memory>
#include <string>

#include "core/error.hpp"
#include "net/curl_handles.hpp"
#include "net/http.hpp"

namespace ht::net::detail {

struct FileCloser {
  void operator()(FILE* f) const {
    if (f != nullptr) std::fclose(f);
  }
};

// Everything a transfer points into; must stay at one address until the transfer ends.
struct EasyState {
  Response response;
  CurlSlist headers;
  std::unique_ptr<FILE, FileCloser> upload;
  char errbuf[CURL_ERROR_SIZE] = {0};
  std::string context;  // "METHOD url" for errors
};

// Configures `h` (freshly created or curl_easy_reset) for `req`. `req` (its body) must outlive
// the transfer. HTTP/1.1 only: one request per connection at a time, so N transfers in flight
// are N connections.
Status configure_easy(CURL* h, const Request& req, EasyState& state);

// The Response of a finished transfer, or a network Error (retryable) for a transport failure.
Result<Response> complete_easy(CURL* h, CURLcode rc, EasyState& state);

}  // namespace ht::net::detail
