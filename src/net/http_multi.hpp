// Many HTTP transfers at once on ONE event-loop thread over curl multi: a bounded window
// of at most `max_in_flight` transfers, refilled as each completes; easy handles are mapped
// back to their transfer with CURLOPT_PRIVATE. The connection pool is sized to the window
// (CURLMOPT_MAX_HOST_CONNECTIONS / CURLMOPT_MAXCONNECTS), so 1,000 in flight to one host
// really are 1,000 connections.
//
// Timeouts: the window is kept by this class, not by curl's own queueing
// (CURLMOPT_MAX_HOST_CONNECTIONS would otherwise queue transfers inside curl, where queued
// time counts against CURLOPT_TIMEOUT_MS). A transfer is handed to curl only when it has a
// slot, so Request::timeout measures its own time on the wire only.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "net/http.hpp"

namespace ht::net {

struct Transfer {
  Request request;
  // Called on the loop thread right before the transfer starts (after any queueing and
  // `not_before` delay): the place to sign, so signatures are fresh. May be empty.
  std::function<void(Request&)> prepare;
  // Called exactly once on the loop thread with the response or the transport error
  // (ErrorKind::network, retryable; or ErrorKind::interrupted after cancel_all()/stop()).
  // It may call submit() to queue follow-ups (retries).
  std::function<void(Result<Response>)> on_done;
  // Do not start before this time (retry backoff). Default: as soon as a slot is free.
  std::chrono::steady_clock::time_point not_before{};
};

struct HttpMultiStats {
  std::size_t started = 0;         // transfers handed to curl
  std::size_t completed = 0;       // on_done calls
  std::size_t peak_in_flight = 0;  // most transfers with curl at once
};

class HttpMulti {
 public:
  struct Options {
    int max_in_flight = 16;  // the window; also sizes the connection pool
    // Pre-resolved "HOST:PORT:ADDR[,ADDR...]" entries seeded into the shared DNS cache with
    // the normal cache timeout (CURLOPT_RESOLVE "+" form), so a burst of new connections to
    // one host does not start one resolver thread each. See warm_dns().
    std::vector<std::string> resolve;
  };

  // Starts the loop thread.
  explicit HttpMulti(Options options);
  // stop()s.
  ~HttpMulti();
  HttpMulti(const HttpMulti&) = delete;
  HttpMulti& operator=(const HttpMulti&) = delete;

  // Thread-safe: queues a transfer (FIFO among those that are due).
  void submit(Transfer transfer);

  // Thread-safe: aborts every queued and running transfer; each on_done gets an
  // ErrorKind::interrupted error. The loop keeps running for later submissions.
  void cancel_all();

  // Cancels everything (as cancel_all) and joins the loop thread. Idempotent.
  void stop();

  // Number of transfers submitted and not yet completed (queued + running).
  [[nodiscard]] std::size_t pending() const;
  [[nodiscard]] HttpMultiStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Resolves the host of `url` once (getaddrinfo) into a "+HOST:PORT:ADDR,..." entry for
// Options::resolve; nullopt for IP literals and failures (curl then resolves as usual).
std::optional<std::string> warm_dns(const std::string& url);

// Raises the soft RLIMIT_NOFILE to the hard limit (1,000 connections need 1,000 fds).
// Returns the new soft limit.
std::uint64_t raise_fd_limit();

}  // namespace ht::net
