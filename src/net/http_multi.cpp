#include "net/http_multi.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "net/curl_handles.hpp"
#include "net/curl_request.hpp"

namespace ht::net {

namespace {

using Clock = std::chrono::steady_clock;

struct CurlShareDeleter {
  void operator()(CURLSH* s) const { curl_share_cleanup(s); }
};
using CurlShare = std::unique_ptr<CURLSH, CurlShareDeleter>;

// A transfer on the wire: the job plus the state its easy handle points into.
struct Running {
  Transfer transfer;
  detail::EasyState state;
  CurlEasy easy;
};

}  // namespace

struct HttpMulti::Impl {
  Options options;
  CurlMulti multi;
  CurlShare share;
  CurlSlist resolve;
  std::thread thread;

  // Shared with submitters.
  mutable std::mutex mu;
  std::deque<Transfer> incoming;
  bool stopping = false;
  std::uint64_t cancel_generation = 0;
  std::atomic<std::size_t> pending{0};
  std::atomic<std::size_t> started{0};
  std::atomic<std::size_t> completed{0};
  std::atomic<std::size_t> peak{0};

  // Loop thread only.
  std::deque<Transfer> ready;
  std::multimap<Clock::time_point, Transfer> delayed;
  std::unordered_map<CURL*, std::unique_ptr<Running>> running;
  std::vector<CurlEasy> idle;  // easy handles kept for reuse
  std::uint64_t seen_cancel_generation = 0;

  void finish(Transfer& t, Result<Response> r) {
    auto done = std::move(t.on_done);
    completed.fetch_add(1);
    pending.fetch_sub(1);
    if (done) done(std::move(r));
  }

  Error interrupted(const Transfer& t) {
    return make_error(ErrorKind::interrupted, "cancelled", t.request.method + " " + t.request.url);
  }

  void start_one(Transfer t) {
    if (t.prepare) t.prepare(t.request);
    auto run = std::make_unique<Running>();
    run->transfer = std::move(t);
    if (!idle.empty()) {
      run->easy = std::move(idle.back());
      idle.pop_back();
      curl_easy_reset(run->easy.get());
    } else {
      run->easy.reset(curl_easy_init());
    }
    CURL* h = run->easy.get();
    auto st = detail::configure_easy(h, run->transfer.request, run->state);
    if (!st.ok()) {
      idle.push_back(std::move(run->easy));
      finish(run->transfer, st.error());
      return;
    }
    curl_easy_setopt(h, CURLOPT_PRIVATE, run.get());
    curl_easy_setopt(h, CURLOPT_SHARE, share.get());
    if (resolve) curl_easy_setopt(h, CURLOPT_RESOLVE, resolve.get());
    running.emplace(h, std::move(run));
    curl_multi_add_handle(multi.get(), h);
    started.fetch_add(1);
    std::size_t now = running.size();
    std::size_t prev = peak.load();
    while (now > prev && !peak.compare_exchange_weak(prev, now)) {
    }
  }

  void complete_one(CURL* h, CURLcode rc) {
    auto it = running.find(h);
    if (it == running.end()) return;
    std::unique_ptr<Running> run = std::move(it->second);
    running.erase(it);
    curl_multi_remove_handle(multi.get(), h);
    auto result = detail::complete_easy(h, rc, run->state);
    idle.push_back(std::move(run->easy));
    if (idle.size() > static_cast<std::size_t>(options.max_in_flight)) idle.pop_back();
    finish(run->transfer, std::move(result));
  }

  void cancel_everything() {
    std::vector<std::unique_ptr<Running>> runs;
    for (auto& [h, run] : running) {
      curl_multi_remove_handle(multi.get(), h);
      runs.push_back(std::move(run));
    }
    running.clear();
    for (auto& run : runs) {
      idle.push_back(std::move(run->easy));
      finish(run->transfer, interrupted(run->transfer));
    }
    std::deque<Transfer> waiting;
    waiting.swap(ready);
    for (auto& [when, t] : delayed) waiting.push_back(std::move(t));
    delayed.clear();
    for (auto& t : waiting) finish(t, interrupted(t));
  }

  void loop() {
    for (;;) {
      bool stop_now = false;
      {
        std::lock_guard lock(mu);
        const auto now = Clock::now();
        for (auto& t : incoming) {
          if (t.not_before > now) {
            delayed.emplace(t.not_before, std::move(t));
          } else {
            ready.push_back(std::move(t));
          }
        }
        incoming.clear();
        stop_now = stopping;
        if (cancel_generation != seen_cancel_generation) {
          seen_cancel_generation = cancel_generation;
          stop_now = true;  // handled below as a cancel; `stopping` decides whether to exit
        }
      }
      if (stop_now) {
        cancel_everything();
        std::lock_guard lock(mu);
        if (stopping && incoming.empty()) return;
        if (stopping) continue;  // drain late submissions as cancelled
      }
      const auto now = Clock::now();
      while (!delayed.empty() && delayed.begin()->first <= now) {
        ready.push_back(std::move(delayed.begin()->second));
        delayed.erase(delayed.begin());
      }
      while (running.size() < static_cast<std::size_t>(options.max_in_flight) && !ready.empty()) {
        Transfer t = std::move(ready.front());
        ready.pop_front();
        start_one(std::move(t));
      }
      int still = 0;
      curl_multi_perform(multi.get(), &still);
      bool any_done = false;
      int left = 0;
      while (CURLMsg* msg = curl_multi_info_read(multi.get(), &left)) {
        if (msg->msg == CURLMSG_DONE) {
          complete_one(msg->easy_handle, msg->data.result);
          any_done = true;
        }
      }
      if (any_done && !ready.empty()) continue;  // refill the window right away
      int timeout_ms = 1000;
      if (!delayed.empty()) {
        auto until = std::chrono::duration_cast<std::chrono::milliseconds>(delayed.begin()->first - Clock::now());
        timeout_ms = static_cast<int>(std::clamp<std::int64_t>(until.count() + 1, 0, 1000));
      }
      curl_multi_poll(multi.get(), nullptr, 0, timeout_ms, nullptr);
    }
  }
};

HttpMulti::HttpMulti(Options options) : impl_(std::make_unique<Impl>()) {
  ensure_curl_global_init();
  if (options.max_in_flight < 1) options.max_in_flight = 1;
  impl_->options = options;
  impl_->multi.reset(curl_multi_init());
  const long window = options.max_in_flight;
  // One connection per transfer; never queue inside curl (queued time would count against
  // CURLOPT_TIMEOUT_MS), keep as many idle connections as the window for reuse.
  curl_multi_setopt(impl_->multi.get(), CURLMOPT_PIPELINING, static_cast<long>(CURLPIPE_NOTHING));
  curl_multi_setopt(impl_->multi.get(), CURLMOPT_MAX_HOST_CONNECTIONS, window);
  curl_multi_setopt(impl_->multi.get(), CURLMOPT_MAXCONNECTS, window);
  // DNS answers and TLS sessions shared by every easy handle (one thread: no locks needed).
  impl_->share.reset(curl_share_init());
  curl_share_setopt(impl_->share.get(), CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  curl_share_setopt(impl_->share.get(), CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  for (const auto& entry : options.resolve) {
    impl_->resolve.reset(curl_slist_append(impl_->resolve.release(), entry.c_str()));
  }
  raise_fd_limit();
  impl_->thread = std::thread([impl = impl_.get()] { impl->loop(); });
}

HttpMulti::~HttpMulti() { stop(); }

void HttpMulti::submit(Transfer transfer) {
  {
    std::lock_guard lock(impl_->mu);
    impl_->pending.fetch_add(1);
    impl_->incoming.push_back(std::move(transfer));
  }
  curl_multi_wakeup(impl_->multi.get());
}

void HttpMulti::cancel_all() {
  {
    std::lock_guard lock(impl_->mu);
    ++impl_->cancel_generation;
  }
  curl_multi_wakeup(impl_->multi.get());
}

void HttpMulti::stop() {
  if (!impl_ || !impl_->thread.joinable()) return;
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
    ++impl_->cancel_generation;
  }
  curl_multi_wakeup(impl_->multi.get());
  impl_->thread.join();
  // Easy handles must go before the share and multi they were attached to.
  impl_->idle.clear();
}

std::size_t HttpMulti::pending() const { return impl_->pending.load(); }

HttpMultiStats HttpMulti::stats() const {
  HttpMultiStats s;
  s.started = impl_->started.load();
  s.completed = impl_->completed.load();
  s.peak_in_flight = impl_->peak.load();
  return s;
}

std::optional<std::string> warm_dns(const std::string& url) {
  CURLU* u = curl_url();
  if (u == nullptr) return std::nullopt;
  std::string host;
  std::string port;
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
    char* h = nullptr;
    char* p = nullptr;
    if (curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK) host = h;
    if (curl_url_get(u, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT) == CURLUE_OK) port = p;
    curl_free(h);
    curl_free(p);
  }
  curl_url_cleanup(u);
  if (host.empty() || port.empty() || host.front() == '[') return std::nullopt;
  in6_addr probe{};
  if (inet_pton(AF_INET, host.c_str(), &probe) == 1) return std::nullopt;  // already an address
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &res) != 0 || res == nullptr) return std::nullopt;
  std::string addrs;
  for (addrinfo* a = res; a != nullptr; a = a->ai_next) {
    char buf[INET6_ADDRSTRLEN] = {0};
    const void* src = a->ai_family == AF_INET6
                          ? static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr)
                          : static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr);
    if (inet_ntop(a->ai_family, src, buf, sizeof buf) == nullptr) continue;
    std::string addr = a->ai_family == AF_INET6 ? "[" + std::string(buf) + "]" : std::string(buf);
    if (addrs.find(addr) != std::string::npos) continue;
    addrs += (addrs.empty() ? "" : ",") + addr;
  }
  freeaddrinfo(res);
  if (addrs.empty()) return std::nullopt;
  return "+" + host + ":" + port + ":" + addrs;
}

std::uint64_t raise_fd_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return 0;
  if (lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
    getrlimit(RLIMIT_NOFILE, &lim);
  }
  return static_cast<std::uint64_t>(lim.rlim_cur);
}

}  // namespace ht::net
