// Shared by the AWS integration tests: moto_server's coordinates (from scripts/test.sh, which
// runs scripts/peers/moto.sh), scoped environment variables, and the Invoke fault fixture.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "aws/service_client.hpp"
#include "core/fs.hpp"
#include "core/subprocess.hpp"
#include "net/http.hpp"

namespace ht::testing {

struct MotoEnv {
  std::string endpoint;
  std::string region;
  std::string access_key_id;
  std::string secret_access_key;
  std::string lambda_role;
  std::string assume_role;
  // A second moto_server without signature checking, for the calls moto cannot verify for
  // any client (bodiless GETs of JSON services: Lambda GetFunction/GetFunctionConfiguration).
  std::string noauth_endpoint;

  // This environment pointed at the unchecked instance.
  [[nodiscard]] MotoEnv noauth() const {
    MotoEnv n = *this;
    n.endpoint = noauth_endpoint;
    return n;
  }
};

inline std::optional<MotoEnv> moto_env() {
  auto get = [](const char* n) -> std::string {
    const char* v = std::getenv(n);
    return v != nullptr ? v : "";
  };
  MotoEnv m{get("HT_MOTO_ENDPOINT"),          get("HT_MOTO_REGION"),      get("HT_MOTO_ACCESS_KEY_ID"),
            get("HT_MOTO_SECRET_ACCESS_KEY"), get("HT_MOTO_LAMBDA_ROLE"), get("HT_MOTO_ASSUME_ROLE"),
            get("HT_MOTO_NOAUTH_ENDPOINT")};
  if (m.endpoint.empty() || m.access_key_id.empty() || m.secret_access_key.empty() || m.noauth_endpoint.empty() ||
      m.lambda_role.empty()) {
    return std::nullopt;
  }
  if (m.region.empty()) m.region = "us-east-1";
  return m;
}

#define HT_REQUIRE_MOTO(var)                                                                         \
  auto var##_opt = ::ht::testing::moto_env();                                                        \
  ASSERT_TRUE(var##_opt.has_value())                                                                 \
      << "HT_MOTO_* (endpoints, keys, roles) are not set: run the "                                  \
         "integration tests via scripts/test.sh (it starts moto_server with scripts/peers/moto.sh)"; \
  const ::ht::testing::MotoEnv& var = *var##_opt

inline aws::ClientConfig moto_config(const MotoEnv& m) {
  aws::ClientConfig c;
  c.credentials.access_key_id = m.access_key_id;
  c.credentials.secret_access_key = m.secret_access_key;
  c.credentials.source = "test";
  c.region = m.region;
  c.endpoint = m.endpoint;
  c.custom_endpoint = true;
  return c;
}

// A unique lower-case name for buckets/functions/repositories of one test.
inline std::string unique_name(const std::string& prefix) {
  static std::mt19937_64 rng{std::random_device{}()};
  static const char* kAlnum = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string s = prefix + "-";
  for (int i = 0; i < 10; ++i) s += kAlnum[rng() % 36];
  return s;
}

// Sets environment variables for the scope; restores the previous values after.
class ScopedEnv {
 public:
  ScopedEnv() = default;
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;
  ~ScopedEnv() {
    for (auto& [k, v] : saved_) {
      if (v) {
        ::setenv(k.c_str(), v->c_str(), 1);
      } else {
        ::unsetenv(k.c_str());
      }
    }
  }
  void set(const std::string& k, const std::string& v) {
    remember(k);
    ::setenv(k.c_str(), v.c_str(), 1);
  }
  void unset(const std::string& k) {
    remember(k);
    ::unsetenv(k.c_str());
  }
  // AWS_* for moto: endpoint, keys, region; no profile, no session token.
  void use_moto(const MotoEnv& m) {
    set("AWS_ENDPOINT_URL", m.endpoint);
    set("AWS_ACCESS_KEY_ID", m.access_key_id);
    set("AWS_SECRET_ACCESS_KEY", m.secret_access_key);
    set("AWS_REGION", m.region);
    for (const char* k :
         {"AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_LAMBDA",
          "AWS_ENDPOINT_URL_ECR", "AWS_ENDPOINT_URL_SERVICE_QUOTAS", "AWS_ENDPOINT_URL_STS",
          "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"}) {
      unset(k);
    }
  }

 private:
  void remember(const std::string& k) {
    if (saved_.count(k) != 0) return;
    const char* v = std::getenv(k.c_str());
    saved_[k] = v != nullptr ? std::optional<std::string>(v) : std::nullopt;
  }
  std::map<std::string, std::optional<std::string>> saved_;
};

// The `aws` CLI (an independent client) against moto, with the test user's keys.
inline RunOutput aws_cli(const MotoEnv& m, std::vector<std::string> args) {
  SpawnOptions o;
  o.argv = {"aws", "--endpoint-url", m.endpoint, "--region", m.region, "--output", "json"};
  o.argv.insert(o.argv.end(), args.begin(), args.end());
  o.env_set = {{"AWS_ACCESS_KEY_ID", m.access_key_id},
               {"AWS_SECRET_ACCESS_KEY", m.secret_access_key},
               {"AWS_CONFIG_FILE", "/dev/null"},
               {"AWS_SHARED_CREDENTIALS_FILE", "/dev/null"}};
  o.env_unset = {"AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL"};
  o.stdout_mode = Stdio::capture;
  o.stderr_mode = Stdio::capture;
  auto r = run(o, std::chrono::minutes(1));
  if (!r.ok()) {
    RunOutput out;
    out.err = r.error().describe();
    return out;
  }
  return std::move(r.value());
}

// tests/fixtures/aws/invoke_fixture.py, started on a free port; stopped on destruction.
class InvokeFixture {
 public:
  // `image_uri`: what GetFunction reports as the function's Code.ImageUri.
  InvokeFixture(double delay_s, const nlohmann::json& schedule, const std::string& image_uri = "")
      : dir_("ht-invoke-fixture") {
    const auto sched = dir_.path() / "schedule.json";
    (void)fs::write_file_atomic(sched, schedule.dump());
    const auto port_file = dir_.path() / "port";
    SpawnOptions o;
    o.argv = {"python3",     std::string(HT_SOURCE_DIR) + "/tests/fixtures/aws/invoke_fixture.py",
              "--port-file", port_file.string(),
              "--delay",     std::to_string(delay_s),
              "--schedule",  sched.string(),
              "--image-uri", image_uri};
    o.stdout_mode = Stdio::file;
    o.stdout_file = dir_.path() / "fixture.log";
    o.stderr_mode = Stdio::file;
    o.stderr_file = dir_.path() / "fixture.log";
    auto child = spawn(o);
    if (!child.ok()) return;
    child_ = std::move(child.value());
    for (int i = 0; i < 200 && port_ == 0; ++i) {
      if (auto p = fs::read_file(port_file); p.ok() && !p->empty()) {
        port_ = std::stoi(*p);
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
      }
    }
  }
  ~InvokeFixture() {
    if (child_.running()) child_.terminate(std::chrono::milliseconds(500));
  }
  [[nodiscard]] bool ready() const { return port_ != 0; }
  [[nodiscard]] std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  nlohmann::json stats() const {
    net::HttpClient http;
    net::Request r;
    r.url = endpoint() + "/fixture/stats";
    auto resp = http.perform(r);
    if (!resp.ok()) return nlohmann::json::object();
    return nlohmann::json::parse(resp->body, nullptr, false);
  }

 private:
  fs::TempDir dir_;
  Child child_;
  int port_ = 0;
};

}  // namespace ht::testing
