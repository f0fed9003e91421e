#include "oci/reference.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace ht::oci {

namespace {

constexpr std::string_view kDockerHub = "registry-1.docker.io";

bool is_repo_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' || c == '/';
}

}  // namespace

std::string ImageReference::reference() const {
  if (!digest.empty()) return digest;
  return tag.empty() ? "latest" : tag;
}

std::string ImageReference::str() const {
  std::string base = registry + "/" + repository;
  if (!digest.empty()) return base + "@" + digest;
  return base + ":" + (tag.empty() ? "latest" : tag);
}

bool is_valid_digest(std::string_view digest) {
  constexpr std::string_view prefix = "sha256:";
  if (digest.substr(0, prefix.size()) != prefix || digest.size() != prefix.size() + 64) return false;
  return std::all_of(digest.begin() + static_cast<std::ptrdiff_t>(prefix.size()), digest.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

Result<ImageReference> parse_reference(std::string_view text) {
  const std::string ctx = "image reference \"" + std::string(text) + "\"";
  if (text.empty()) return make_error(ErrorKind::config, "empty image reference", ctx);
  ImageReference ref;
  std::string_view rest = text;
  if (auto at = rest.find('@'); at != std::string_view::npos) {
    ref.digest = std::string(rest.substr(at + 1));
    rest = rest.substr(0, at);
    if (!is_valid_digest(ref.digest)) {
      return make_error(ErrorKind::config, "the digest must be sha256:<64 lowercase hex digits>", ctx);
    }
  }
  auto first_slash = rest.find('/');
  if (first_slash != std::string_view::npos) {
    std::string_view head = rest.substr(0, first_slash);
    if (head.find('.') != std::string_view::npos || head.find(':') != std::string_view::npos || head == "localhost") {
      ref.registry = std::string(head);
      rest = rest.substr(first_slash + 1);
    }
  }
  // A tag is the part after the last ':' that comes after the last '/'.
  auto last_slash = rest.rfind('/');
  auto colon = rest.rfind(':');
  if (colon != std::string_view::npos && (last_slash == std::string_view::npos || colon > last_slash)) {
    ref.tag = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
    if (ref.tag.empty() || ref.tag.size() > 128) return make_error(ErrorKind::config, "invalid tag", ctx);
  }
  ref.repository = std::string(rest);
  if (ref.repository.empty() || ref.repository.front() == '/' || ref.repository.back() == '/' ||
      !std::all_of(ref.repository.begin(), ref.repository.end(), is_repo_char)) {
    return make_error(ErrorKind::config, "invalid repository name (lowercase letters, digits, '.', '_', '-', '/')",
                      ctx);
  }
  if (ref.registry.empty()) {
    ref.registry = std::string(kDockerHub);
    if (ref.repository.find('/') == std::string::npos) ref.repository = "library/" + ref.repository;
  }
  if (ref.tag.empty() && ref.digest.empty()) ref.tag = "latest";
  return ref;
}

bool is_loopback_registry(std::string_view registry) {
  std::string host(registry);
  if (!host.empty() && host.front() == '[') {
    auto close = host.find(']');
    host = host.substr(1, close == std::string::npos ? std::string::npos : close - 1);
  } else if (std::count(host.begin(), host.end(), ':') == 1) {
    host = host.substr(0, host.find(':'));
  }
  std::transform(host.begin(), host.end(), host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (host == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    return IN6_IS_ADDR_LOOPBACK(&v6);
  }
  return false;
}

std::string registry_base_url(std::string_view registry) {
  return (is_loopback_registry(registry) ? "http://" : "https://") + std::string(registry);
}

}  // namespace ht::oci
