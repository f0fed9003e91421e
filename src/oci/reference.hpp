// Image references ("registry/repo:tag", "registry/repo@sha256:...") and the rule for which
// registries may be spoken to over plain HTTP (loopback only, as Docker does).
#pragma once

#include <string>
#include <string_view>

#include "core/error.hpp"

namespace ht::oci {

struct ImageReference {
  std::string registry;    // host[:port], e.g. "123456789012.dkr.ecr.us-east-1.amazonaws.com", "127.0.0.1:5000"
  std::string repository;  // e.g. "hypertest-base", "library/node"
  std::string tag;         // empty when only a digest was given
  std::string digest;      // "sha256:<64 hex>" or empty

  // The reference part for the API: the digest when set, else the tag ("latest" when neither).
  [[nodiscard]] std::string reference() const;
  // "registry/repository@digest" when a digest is set, else "registry/repository:tag".
  [[nodiscard]] std::string str() const;
};

// Parses Docker-style references. The first path component is a registry when it contains
// '.' or ':' or is "localhost"; otherwise the registry is Docker Hub ("registry-1.docker.io",
// with "library/" prepended to one-component names). Errors are of kind `config`.
Result<ImageReference> parse_reference(std::string_view text);

// True for "localhost", 127.0.0.0/8 and ::1 (with or without a port / brackets).
bool is_loopback_registry(std::string_view registry);

// "http://host:port" for loopback registries, "https://host" otherwise.
std::string registry_base_url(std::string_view registry);

// True for "sha256:" followed by 64 lowercase hex digits.
bool is_valid_digest(std::string_view digest);

}  // namespace ht::oci
