// The one error type of hypertest, returned as a value (Result<T>) through the library.
// Exceptions stay at the edges: the mains catch and map errors to exit codes.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace ht {

// What kind of failure this is; decides the CLI's exit code and whether retrying helps.
enum class ErrorKind {
  usage,     // bad flags or config: exit code 2
  config,    // malformed or impossible configuration: exit code 2
  drift,     // the local suite no longer matches the deployed manifest (policy "error"): exit 2
  io,        // filesystem
  process,   // a child process failed to start or crashed
  network,   // connection refused/reset, DNS, timeout
  http,      // an HTTP status that is an error (status set)
  service,   // an AWS/registry error body (service_code set)
  protocol,  // a peer answered with something we cannot parse
  interrupted,
  internal,
};

struct Error {
  ErrorKind kind = ErrorKind::internal;
  std::string message;       // what went wrong, for a human; never contains secrets
  std::string context;       // what was being attempted, on what ("PUT s3://b/k", "file x.json")
  int http_status = 0;       // 0 when not an HTTP error
  std::string service_code;  // e.g. "TooManyRequestsException", "NoSuchKey"
  bool retryable = false;

  // "context: message (HTTP 429, TooManyRequestsException)"
  [[nodiscard]] std::string describe() const;

  // Returns a copy with `outer` prepended to the context ("deploy: push layer: ...").
  [[nodiscard]] Error with_context(const std::string& outer) const;
};

Error make_error(ErrorKind kind, std::string message, std::string context = {});

// Result<T>: a T or an Error. A minimal stand-in for C++23 std::expected.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(v_); }

  T value_or(T fallback) const { return ok() ? value() : std::move(fallback); }

 private:
  std::variant<T, Error> v_;
};

// Result<void>: success or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *error_; }

 private:
  std::optional<Error> error_;
};

using Status = Result<void>;

}  // namespace ht

// Propagate an error from an expression returning Result<...>/Status.
#define HT_TRY(expr)                                         \
  do {                                                       \
    auto&& ht_try_result_ = (expr);                          \
    if (!ht_try_result_.ok()) return ht_try_result_.error(); \
  } while (0)
