#include "aws/sigv4.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <map>
#include <vector>

#include "core/hash.hpp"
#include "core/log.hpp"

namespace ht::aws {

namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

// Headers SigV4 never signs (hop-by-hop, or rewritten by proxies), as botocore.
constexpr std::string_view kUnsigned[] = {
    "connection",        "expect",  "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
    "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id"};

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool iequals(std::string_view a, std::string_view b) { return lower(a) == lower(b); }

struct UrlParts {
  std::string scheme;
  std::string host;  // lower-case hostname, port appended when not the scheme's default
  std::string path;
  std::string query;
};

Result<UrlParts> split_url(const std::string& url) {
  auto sep = url.find("://");
  if (sep == std::string::npos) return make_error(ErrorKind::internal, "not an absolute URL", "sign " + url);
  UrlParts p;
  p.scheme = lower(url.substr(0, sep));
  std::string rest = url.substr(sep + 3);
  auto frag = rest.find('#');
  if (frag != std::string::npos) rest.resize(frag);
  auto path_at = rest.find_first_of("/?");
  std::string authority = rest.substr(0, path_at);
  std::string tail = path_at == std::string::npos ? std::string() : rest.substr(path_at);
  if (auto at = authority.rfind('@'); at != std::string::npos) authority = authority.substr(at + 1);
  std::string hostname = authority;
  std::string port;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    hostname = authority.substr(0, close + 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':') port = authority.substr(close + 2);
  } else if (auto colon = authority.rfind(':'); colon != std::string::npos) {
    hostname = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  p.host = lower(hostname);
  const bool default_port = (p.scheme == "http" && port == "80") || (p.scheme == "https" && port == "443");
  if (!port.empty() && !default_port) p.host += ":" + port;
  auto q = tail.find('?');
  p.path = tail.substr(0, q);
  if (q != std::string::npos) p.query = tail.substr(q + 1);
  return p;
}

// RFC 3986 5.2.4 plus AWS's removal of empty segments (as botocore's remove_dot_segments).
std::string remove_dot_segments(const std::string& path) {
  if (path.empty()) return "/";
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string seg = path.substr(start, end - start);
    if (!seg.empty() && seg != ".") {
      if (seg == "..") {
        if (!out.empty()) out.pop_back();
      } else {
        out.push_back(seg);
      }
    }
    start = end + 1;
  }
  std::string r = path.front() == '/' ? "/" : "";
  for (size_t i = 0; i < out.size(); ++i) r += (i != 0 ? "/" : "") + out[i];
  if (path.back() == '/' && !out.empty()) r += "/";
  return r;
}

std::string canonical_query(const std::string& query) {
  if (query.empty()) return {};
  std::vector<std::pair<std::string, std::string>> pairs;
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string::npos) end = query.size();
    std::string pair = query.substr(start, end - start);
    auto eq = pair.find('=');
    if (eq == std::string::npos) {
      pairs.emplace_back(pair, "");
    } else {
      pairs.emplace_back(pair.substr(0, eq), pair.substr(eq + 1));
    }
    start = end + 1;
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (size_t i = 0; i < pairs.size(); ++i) out += (i != 0 ? "&" : "") + pairs[i].first + "=" + pairs[i].second;
  return out;
}

// Trimall: strip, and collapse runs of whitespace into one space.
std::string trim_all(std::string_view v) {
  std::string out;
  bool pending_space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

void remove_header(net::Headers& headers, std::string_view name) {
  headers.erase(std::remove_if(headers.begin(), headers.end(), [&](const auto& h) { return iequals(h.first, name); }),
                headers.end());
}

std::optional<std::string> find_header(const net::Headers& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) return v;
  }
  return std::nullopt;
}

Result<std::string> payload_hash(const net::Request& req) {
  if (req.body_file.empty()) return sha256_hex(req.body);
  std::ifstream in(req.body_file, std::ios::binary);
  if (!in) return make_error(ErrorKind::io, "cannot read body file", "sign " + req.body_file);
  Sha256 h;
  std::vector<char> buf(1 << 16);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    h.update(std::string_view(buf.data(), static_cast<size_t>(in.gcount())));
  }
  return h.finish_hex();
}

std::string to_string(const std::array<unsigned char, 32>& a) {
  return std::string(reinterpret_cast<const char*>(a.data()), a.size());
}

}  // namespace

std::string amz_date(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

Result<SigningDebug> sign_debug(net::Request& req, const Credentials& creds, const SigningParams& params) {
  auto url = split_url(req.url);
  if (!url.ok()) return url.error();
  const std::string date_time = amz_date(params.time);
  const std::string date = date_time.substr(0, 8);

  remove_header(req.headers, "Authorization");
  remove_header(req.headers, "X-Amz-Date");
  req.headers.emplace_back("X-Amz-Date", date_time);
  if (!creds.session_token.empty()) {
    remove_header(req.headers, "X-Amz-Security-Token");
    req.headers.emplace_back("X-Amz-Security-Token", creds.session_token);
  }

  std::string body_hash;
  if (params.s3) {
    if (params.unsigned_payload) {
      body_hash = "UNSIGNED-PAYLOAD";
    } else {
      auto h = payload_hash(req);
      if (!h.ok()) return h.error();
      body_hash = *h;
    }
    remove_header(req.headers, "X-Amz-Content-SHA256");
    req.headers.emplace_back("X-Amz-Content-SHA256", body_hash);
  } else if (auto given = find_header(req.headers, "X-Amz-Content-SHA256")) {
    body_hash = *given;
  } else if (params.unsigned_payload) {
    body_hash = "UNSIGNED-PAYLOAD";
  } else {
    auto h = payload_hash(req);
    if (!h.ok()) return h.error();
    body_hash = *h;
  }

  // name -> values in request order; std::map keeps names sorted.
  std::map<std::string, std::vector<std::string>> to_sign;
  for (const auto& [k, v] : req.headers) {
    std::string name = lower(k);
    if (std::find(std::begin(kUnsigned), std::end(kUnsigned), name) != std::end(kUnsigned)) continue;
    to_sign[name].push_back(v);
  }
  if (to_sign.count("host") == 0) to_sign["host"].push_back(url->host);

  std::string canonical_headers;
  std::string signed_headers;
  for (const auto& [name, values] : to_sign) {
    canonical_headers += name + ":";
    for (size_t i = 0; i < values.size(); ++i) canonical_headers += (i != 0 ? "," : "") + trim_all(values[i]);
    canonical_headers += "\n";
    signed_headers += (signed_headers.empty() ? "" : ";") + name;
  }

  std::string method = req.method;
  std::transform(method.begin(), method.end(), method.begin(), [](unsigned char c) { return std::toupper(c); });
  const std::string canonical_uri = params.s3 ? (url->path.empty() ? std::string("/") : url->path)
                                              : net::url_encode(remove_dot_segments(url->path), /*keep_slash=*/true);

  SigningDebug d;
  d.canonical_request = method + "\n" + canonical_uri + "\n" + canonical_query(url->query) + "\n" + canonical_headers +
                        "\n" + signed_headers + "\n" + body_hash;
  const std::string scope = date + "/" + params.region + "/" + params.service + "/aws4_request";
  d.string_to_sign = std::string(kAlgorithm) + "\n" + date_time + "\n" + scope + "\n" + sha256_hex(d.canonical_request);
  d.signed_headers = signed_headers;

  auto k_date = hmac_sha256("AWS4" + creds.secret_access_key, date);
  auto k_region = hmac_sha256(to_string(k_date), params.region);
  auto k_service = hmac_sha256(to_string(k_region), params.service);
  auto k_signing = hmac_sha256(to_string(k_service), "aws4_request");
  auto sig = hmac_sha256(to_string(k_signing), d.string_to_sign);
  const std::string signature = to_hex(sig.data(), sig.size());

  req.headers.emplace_back("Authorization", std::string(kAlgorithm) + " Credential=" + creds.access_key_id + "/" +
                                                scope + ", SignedHeaders=" + signed_headers +
                                                ", Signature=" + signature);
  return d;
}

Status sign(net::Request& request, const Credentials& credentials, const SigningParams& params) {
  auto r = sign_debug(request, credentials, params);
  if (!r.ok()) return r.error();
  return {};
}

}  // namespace ht::aws
