#include <curl/curl.h>

#include <algorithm>
#include <cstdio>
#include <mutex>

#include "net/curl_handles.hpp"
#include "net/curl_request.hpp"
#include "net/http.hpp"

namespace ht::net {

void ensure_curl_global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

size_t on_body(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* resp = static_cast<Response*>(user);
  std::string_view line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) {
    resp->headers.clear();  // a new response (after 100-continue or a redirect)
    return size * n;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return size * n;
  auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == '\r' || s.back() == '\n' || s.back() == ' ')) s.remove_suffix(1);
    return s;
  };
  resp->headers.emplace_back(std::string(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1))));
  return size * n;
}

}  // namespace

namespace detail {

Status configure_easy(CURL* h, const Request& req, EasyState& st) {
  st.context = req.method + " " + req.url;
  curl_easy_setopt(h, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, st.errbuf);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &st.response.body);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &st.response);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(req.connect_timeout.count()));
  if (req.timeout) curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(req.timeout->count()));
  curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
  // Long quiet requests (a 15-minute Lambda Invoke) must survive idle-connection reapers:
  // https://docs.aws.amazon.com/lambda/latest/dg/invocation-retries.html (TCP keep-alive).
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(h, CURLOPT_TCP_KEEPIDLE, 60L);
  curl_easy_setopt(h, CURLOPT_TCP_KEEPINTVL, 30L);

  if (!req.body_file.empty()) {
    st.upload.reset(std::fopen(req.body_file.c_str(), "rb"));
    if (!st.upload) return make_error(ErrorKind::io, "cannot open " + req.body_file, st.context);
    std::fseek(st.upload.get(), 0, SEEK_END);
    long size = std::ftell(st.upload.get());
    std::fseek(st.upload.get(), 0, SEEK_SET);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READDATA, st.upload.get());
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(size));
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  } else if (req.method == "GET") {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else if (req.method == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, req.body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
  }

  for (const auto& [k, v] : req.headers) {
    std::string line = v.empty() ? k + ";" : k + ": " + v;
    st.headers.reset(curl_slist_append(st.headers.release(), line.c_str()));
  }
  // No "Expect: 100-continue" round trip on uploads.
  st.headers.reset(curl_slist_append(st.headers.release(), "Expect:"));
  // curl labels POSTFIELDS bodies application/x-www-form-urlencoded unless told otherwise;
  // servers then parse the body as form fields (moto does). Send no Content-Type instead.
  const bool has_type = std::any_of(req.headers.begin(), req.headers.end(),
                                    [](const auto& kv) { return iequals(kv.first, "Content-Type"); });
  if (!has_type) st.headers.reset(curl_slist_append(st.headers.release(), "Content-Type:"));
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, st.headers.get());
  return {};
}

Result<Response> complete_easy(CURL* h, CURLcode rc, EasyState& st) {
  if (rc != CURLE_OK) {
    Error e = make_error(ErrorKind::network, st.errbuf[0] != '\0' ? st.errbuf : curl_easy_strerror(rc), st.context);
    e.retryable = true;
    return e;
  }
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  st.response.status = static_cast<int>(status);
  return std::move(st.response);
}

}  // namespace detail

std::optional<std::string> Response::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) return v;
  }
  return std::nullopt;
}

struct HttpClient::Impl {
  CurlEasy easy;
};

HttpClient::HttpClient() : impl_(std::make_unique<Impl>()) {
  ensure_curl_global_init();
  impl_->easy.reset(curl_easy_init());
}
HttpClient::~HttpClient() = default;
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;

Result<Response> HttpClient::perform(const Request& req) {
  CURL* h = impl_->easy.get();
  curl_easy_reset(h);  // keeps the connection cache
  detail::EasyState state;
  HT_TRY(detail::configure_easy(h, req, state));
  CURLcode rc = curl_easy_perform(h);
  return detail::complete_easy(h, rc, state);
}

std::string url_encode(std::string_view s, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3);
  for (unsigned char c : s) {
    bool unreserved = std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~';
    if (unreserved || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

}  // namespace ht::net
