// Base64 (RFC 4648, standard alphabet with padding) for AWS fields: Lambda's log tail,
// ECR's authorization token.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ht::aws {

std::string base64_encode(std::string_view data);
// nullopt when `text` is not valid base64 (whitespace is ignored).
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace ht::aws
