// HttpMulti against an in-process HTTP server: the window bounds concurrency exactly, every
// transfer completes once, delays and cancellation work, transport failures are errors.
#include <gtest/gtest.h>

#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "net/http_multi.hpp"

namespace ht::net {
namespace {

class SlowServer {
 public:
  explicit SlowServer(std::chrono::milliseconds delay) {
    server_.new_task_queue = [] { return new httplib::ThreadPool(64); };
    server_.Post("/echo", [this, delay](const httplib::Request& req, httplib::Response& res) {
      int now = ++in_flight_;
      int prev = peak_.load();
      while (now > prev && !peak_.compare_exchange_weak(prev, now)) {
      }
      std::this_thread::sleep_for(delay);
      --in_flight_;
      res.set_content(req.body, "text/plain");
    });
    server_.Get("/hang", [](const httplib::Request&, httplib::Response& res) {
      std::this_thread::sleep_for(std::chrono::seconds(1));
      res.set_content("late", "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~SlowServer() {
    server_.stop();
    thread_.join();
  }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  int peak() const { return peak_.load(); }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<int> in_flight_{0};
  std::atomic<int> peak_{0};
};

struct Collector {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Result<Response>> results;
  std::vector<std::string> tags;
  void add(std::string tag, Result<Response> r) {
    std::lock_guard lock(mu);
    tags.push_back(std::move(tag));
    results.push_back(std::move(r));
    cv.notify_all();
  }
  bool wait_for(size_t n, std::chrono::seconds timeout) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, timeout, [&] { return results.size() >= n; });
  }
};

Transfer post(const std::string& url, const std::string& body, Collector& c) {
  Transfer t;
  t.request.method = "POST";
  t.request.url = url;
  t.request.body = body;
  t.on_done = [&c, body](Result<Response> r) { c.add(body, std::move(r)); };
  return t;
}

TEST(HttpMulti, WindowBoundsConcurrencyAndEveryTransferCompletesOnce) {
  SlowServer server(std::chrono::milliseconds(100));
  Collector c;
  // cpp-httplib listens with a backlog of 5, so keep the window below that: SYNs beyond it
  // are dropped by the kernel and retried a second later.
  HttpMulti multi({4});
  constexpr int kCount = 24;
  std::atomic<int> prepared{0};
  for (int i = 0; i < kCount; ++i) {
    Transfer t = post(server.url("/echo"), "body-" + std::to_string(i), c);
    t.prepare = [&prepared](Request& r) {
      ++prepared;
      r.headers.emplace_back("X-Prepared", "1");
    };
    multi.submit(std::move(t));
  }
  ASSERT_TRUE(c.wait_for(kCount, std::chrono::seconds(20)));
  std::set<std::string> seen;
  for (size_t i = 0; i < c.results.size(); ++i) {
    ASSERT_TRUE(c.results[i].ok()) << c.results[i].error().describe();
    EXPECT_EQ(c.results[i]->status, 200);
    EXPECT_EQ(c.results[i]->body, c.tags[i]);
    seen.insert(c.tags[i]);
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(kCount));
  EXPECT_EQ(prepared.load(), kCount);
  EXPECT_EQ(server.peak(), 4);
  EXPECT_EQ(multi.stats().peak_in_flight, 4u);
  EXPECT_EQ(multi.stats().completed, static_cast<size_t>(kCount));
  EXPECT_EQ(multi.pending(), 0u);
}

TEST(HttpMulti, NotBeforeDelaysTheStart) {
  SlowServer server(std::chrono::milliseconds(0));
  Collector c;
  HttpMulti multi({4});
  Transfer t = post(server.url("/echo"), "late", c);
  const auto start = std::chrono::steady_clock::now();
  t.not_before = start + std::chrono::milliseconds(300);
  multi.submit(std::move(t));
  multi.submit(post(server.url("/echo"), "early", c));
  ASSERT_TRUE(c.wait_for(2, std::chrono::seconds(10)));
  EXPECT_EQ(c.tags[0], "early");
  EXPECT_EQ(c.tags[1], "late");
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(300));
}

TEST(HttpMulti, TransportFailuresAreRetryableNetworkErrors) {
  // A port nobody listens on: bind without listening, read the port, close.
  int port = 0;
  {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
    ::close(fd);
  }
  Collector c;
  HttpMulti multi({2});
  multi.submit(post("http://127.0.0.1:" + std::to_string(port) + "/x", "refused", c));
  ASSERT_TRUE(c.wait_for(1, std::chrono::seconds(10)));
  ASSERT_FALSE(c.results[0].ok());
  EXPECT_EQ(c.results[0].error().kind, ErrorKind::network);
  EXPECT_TRUE(c.results[0].error().retryable);
}

TEST(HttpMulti, TimeoutCountsOnlyTimeOnTheWire) {
  SlowServer server(std::chrono::milliseconds(400));
  Collector c;
  HttpMulti multi({1});
  // Three transfers through a window of one: the last waits ~800 ms in the queue, but its
  // 700 ms timeout starts only when it gets the slot.
  for (int i = 0; i < 3; ++i) {
    Transfer t = post(server.url("/echo"), "q" + std::to_string(i), c);
    t.request.timeout = std::chrono::milliseconds(700);
    multi.submit(std::move(t));
  }
  ASSERT_TRUE(c.wait_for(3, std::chrono::seconds(10)));
  for (auto& r : c.results) EXPECT_TRUE(r.ok()) << r.error().describe();
  // And a transfer slower than its timeout fails as a network error.
  Transfer slow;
  slow.request.url = server.url("/hang");
  slow.request.timeout = std::chrono::milliseconds(200);
  slow.on_done = [&c](Result<Response> r) { c.add("hang", std::move(r)); };
  multi.submit(std::move(slow));
  ASSERT_TRUE(c.wait_for(4, std::chrono::seconds(10)));
  ASSERT_FALSE(c.results[3].ok());
  EXPECT_EQ(c.results[3].error().kind, ErrorKind::network);
}

TEST(HttpMulti, CancelAllInterruptsQueuedAndRunning) {
  SlowServer server(std::chrono::milliseconds(800));
  SlowServer fast(std::chrono::milliseconds(0));  // outlives `multi`, whose pool keeps a connection to it
  Collector c;
  HttpMulti multi({2});
  for (int i = 0; i < 6; ++i) multi.submit(post(server.url("/echo"), std::to_string(i), c));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  multi.cancel_all();
  ASSERT_TRUE(c.wait_for(6, std::chrono::seconds(5)));
  for (auto& r : c.results) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ErrorKind::interrupted);
  }
  // Still usable after a cancel.
  multi.submit(post(fast.url("/echo"), "after", c));
  ASSERT_TRUE(c.wait_for(7, std::chrono::seconds(5)));
  EXPECT_TRUE(c.results[6].ok());
}

TEST(HttpMulti, StopDeliversInterruptedToPending) {
  SlowServer server(std::chrono::milliseconds(800));
  Collector c;
  {
    HttpMulti multi({1});
    multi.submit(post(server.url("/echo"), "a", c));
    multi.submit(post(server.url("/echo"), "b", c));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }  // destructor stops
  ASSERT_EQ(c.results.size(), 2u);
  for (auto& r : c.results) EXPECT_EQ(r.error().kind, ErrorKind::interrupted);
}

TEST(HttpMulti, RaisesFdLimit) { EXPECT_GE(raise_fd_limit(), 1024u); }

}  // namespace
}  // namespace ht::net

namespace ht::net {
namespace {

TEST(WarmDns, ResolvesNamesOnceAndSkipsAddresses) {
  EXPECT_FALSE(warm_dns("http://127.0.0.1:8080/x").has_value());
  EXPECT_FALSE(warm_dns("http://[::1]:8080/x").has_value());
  auto e = warm_dns("http://localhost:8080/x");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->rfind("+localhost:8080:", 0), 0u) << *e;
  EXPECT_NE(e->find("127.0.0.1"), std::string::npos) << *e;
}

TEST(WarmDns, PreResolvedHostIsUsedByTransfers) {
  SlowServer server(std::chrono::milliseconds(0));
  const std::string url = server.url("/echo");
  const std::string port = url.substr(url.rfind(':') + 1, url.find('/', 7) - url.rfind(':') - 1);
  Collector c;
  HttpMulti::Options o;
  o.max_in_flight = 2;
  // A name nobody can resolve, pre-resolved to the server.
  o.resolve.push_back("+ht-warm-dns.invalid:" + port + ":127.0.0.1");
  HttpMulti multi(o);
  multi.submit(post("http://ht-warm-dns.invalid:" + port + "/echo", "warm", c));
  ASSERT_TRUE(c.wait_for(1, std::chrono::seconds(10)));
  ASSERT_TRUE(c.results[0].ok()) << c.results[0].error().describe();
  EXPECT_EQ(c.results[0]->body, "warm");
}

}  // namespace
}  // namespace ht::net
