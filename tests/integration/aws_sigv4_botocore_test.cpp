// Differential test of our SigV4 signer against botocore's SigV4Auth / S3SigV4Auth: a Python
// script (tests/fixtures/aws/sigv4_botocore.py) generates requests from a seed (methods, paths
// with spaces, unicode, dot segments and double slashes, query strings with repeated and
// empty keys, odd header spacing, session tokens, bodies) and signs them with botocore at
// fixed timestamps; we sign the same requests and compare every signing header.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <sstream>

#include "aws/base64.hpp"
#include "aws/sigv4.hpp"
#include "core/subprocess.hpp"

namespace ht::aws {
namespace {

std::string header_of(const net::Request& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k.size() == name.size() && std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        })) {
      return v;
    }
  }
  return {};
}

TEST(SigV4Botocore, IdenticalSignaturesOnGeneratedRequests) {
  constexpr int kCount = 1500;
  SpawnOptions o;
  o.argv = {"python3", std::string(HT_SOURCE_DIR) + "/tests/fixtures/aws/sigv4_botocore.py",
            "--count", std::to_string(kCount),
            "--seed",  "20261126"};
  o.stdout_mode = Stdio::capture;
  o.stderr_mode = Stdio::capture;
  auto run = ht::run(o, std::chrono::minutes(2));
  ASSERT_TRUE(run.ok()) << run.error().describe();
  ASSERT_TRUE(run->status.success()) << "python3 + botocore are needed: " << run->err;

  std::istringstream lines(run->out);
  std::string line;
  int cases = 0;
  int mismatches = 0;
  int s3_cases = 0;
  int with_token = 0;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    auto c = nlohmann::json::parse(line);
    ++cases;
    net::Request req;
    req.method = c["method"];
    req.url = c["url"];
    for (const auto& h : c["headers"]) req.headers.emplace_back(h[0].get<std::string>(), h[1].get<std::string>());
    req.body = base64_decode(c["body_b64"].get<std::string>()).value();
    Credentials creds;
    creds.access_key_id = c["access_key"];
    creds.secret_access_key = c["secret_key"];
    creds.session_token = c["token"];
    SigningParams p;
    p.service = c["service"];
    p.region = c["region"];
    p.s3 = c["s3"];
    p.time = std::chrono::system_clock::time_point(std::chrono::seconds(c["timestamp"].get<std::int64_t>()));
    s3_cases += p.s3 ? 1 : 0;
    with_token += creds.session_token.empty() ? 0 : 1;
    auto dbg = sign_debug(req, creds, p);
    ASSERT_TRUE(dbg.ok()) << dbg.error().describe();
    const auto& e = c["expected"];
    const bool same = header_of(req, "Authorization") == e["authorization"].get<std::string>() &&
                      header_of(req, "X-Amz-Date") == e["x_amz_date"].get<std::string>() &&
                      header_of(req, "X-Amz-Security-Token") == e["x_amz_security_token"].get<std::string>() &&
                      (!p.s3 || header_of(req, "X-Amz-Content-SHA256") == e["x_amz_content_sha256"].get<std::string>());
    if (!same) {
      ++mismatches;
      if (mismatches <= 3) {
        ADD_FAILURE() << "case " << cases << " " << req.method << " " << req.url << "\n--- ours:\n"
                      << dbg->canonical_request << "\n--- botocore:\n"
                      << c["canonical_request"].get<std::string>() << "\n--- ours: " << header_of(req, "Authorization")
                      << "\n--- botocore: " << e["authorization"].get<std::string>();
      }
    }
  }
  std::cout << "[sigv4] " << cases << " generated requests (" << s3_cases << " S3, " << with_token
            << " with session token): " << (cases - mismatches) << " identical signatures, " << mismatches
            << " different\n";
  EXPECT_EQ(cases, kCount);
  EXPECT_GE(s3_cases, 100);
  EXPECT_EQ(mismatches, 0);
}

}  // namespace
}  // namespace ht::aws
