#include "core/error.hpp"

#include <fmt/format.h>

namespace ht {

std::string Error::describe() const {
  std::string out = context.empty() ? message : context + ": " + message;
  if (http_status != 0 && !service_code.empty()) {
    out += fmt::format(" (HTTP {}, {})", http_status, service_code);
  } else if (http_status != 0) {
    out += fmt::format(" (HTTP {})", http_status);
  } else if (!service_code.empty()) {
    out += fmt::format(" ({})", service_code);
  }
  return out;
}

Error Error::with_context(const std::string& outer) const {
  Error copy = *this;
  copy.context = context.empty() ? outer : outer + ": " + context;
  return copy;
}

Error make_error(ErrorKind kind, std::string message, std::string context) {
  Error e;
  e.kind = kind;
  e.message = std::move(message);
  e.context = std::move(context);
  return e;
}

}  // namespace ht
