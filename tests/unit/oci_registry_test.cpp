// The registry client's protocol details against an in-process fake transport: the bearer
// challenge, chunked uploads with Content-Range and moving Locations, mounts, redirects
// that must not carry our credentials, and HTTPS for non-loopback registries.
// (The real-registry behaviour is covered by tests/integration/registry_push_test.cpp.)
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/hash.hpp"
#include "core/log.hpp"
#include "oci/registry_client.hpp"

namespace ht::oci {
namespace {

using net::Request;
using net::Response;

std::string header_of(const Request& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return {};
}

// A registry at https://registry.example.com with bearer auth from auth.example.com.
struct FakeRegistry {
  std::vector<Request> seen;
  std::vector<std::string> scopes;
  std::map<std::string, std::string> blobs;  // digest -> bytes
  std::string upload;                        // the open session's bytes
  std::vector<std::string> ranges;
  int session = 0;

  Result<Response> operator()(const Request& r) {
    seen.push_back(r);
    Response resp;
    const std::string& url = r.url;
    const std::string auth = header_of(r, "Authorization");
    if (url.rfind("https://auth.example.com/token?", 0) == 0) {
      EXPECT_EQ(auth, "Basic dXNlcjpzM2NyZXQ=");  // user:s3cret
      auto q = url.substr(url.find('?') + 1);
      scopes.push_back(q);
      resp.status = 200;
      resp.body = R"({"token":"tok-123456"})";
      return resp;
    }
    if (url.rfind("https://s3.example.com/", 0) == 0) {
      EXPECT_EQ(auth, "") << "credentials leaked to the redirect target";
      resp.status = 200;
      resp.body = blobs.begin()->second;
      return resp;
    }
    EXPECT_EQ(url.rfind("https://registry.example.com/v2/", 0), 0U) << url;
    if (auth != "Bearer tok-123456") {
      resp.status = 401;
      resp.headers.emplace_back("WWW-Authenticate",
                                R"(Bearer realm="https://auth.example.com/token",service="registry.example.com")");
      return resp;
    }
    const std::string path = url.substr(std::string("https://registry.example.com").size());
    if (r.method == "HEAD" && path.find("/blobs/") != std::string::npos) {
      resp.status = blobs.count(path.substr(path.rfind('/') + 1)) != 0 ? 200 : 404;
      return resp;
    }
    if (r.method == "GET" && path.find("/blobs/sha256:") != std::string::npos) {
      resp.status = 307;
      resp.headers.emplace_back("Location", "https://s3.example.com/blob?X-Amz-Signature=abc");
      return resp;
    }
    if (r.method == "POST" && path.find("mount=") != std::string::npos) {
      resp.status = path.find("from=base") != std::string::npos ? 201 : 202;
      resp.headers.emplace_back("Location", "/v2/app/blobs/uploads/declined");
      return resp;
    }
    if (r.method == "DELETE") {
      resp.status = 204;
      return resp;
    }
    if (r.method == "POST") {
      upload.clear();
      ++session;
      resp.status = 202;
      resp.headers.emplace_back("Location", "/v2/app/blobs/uploads/u" + std::to_string(session) + "?_state=s0");
      return resp;
    }
    if (r.method == "PATCH") {
      ranges.push_back(header_of(r, "Content-Range"));
      EXPECT_EQ(header_of(r, "Content-Type"), "application/octet-stream");
      upload += r.body;
      resp.status = 202;
      // A relative Location that changes with every chunk.
      resp.headers.emplace_back("Location",
                                "u" + std::to_string(session) + "?_state=s" + std::to_string(upload.size()));
      return resp;
    }
    if (r.method == "PUT" && path.find("/blobs/uploads/") != std::string::npos) {
      auto digest = path.substr(path.find("digest=") + 7);
      EXPECT_EQ(digest, "sha256%3A" + sha256_hex(upload));
      EXPECT_NE(path.find("_state=s" + std::to_string(upload.size()) + "&digest="), std::string::npos) << path;
      blobs["sha256:" + sha256_hex(upload)] = upload;
      resp.status = 201;
      return resp;
    }
    if (r.method == "PUT" && path.find("/manifests/") != std::string::npos) {
      resp.status = 201;
      resp.headers.emplace_back("Docker-Content-Digest", "sha256:" + sha256_hex(r.body));
      return resp;
    }
    resp.status = 404;
    resp.body = R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]})";
    return resp;
  }
};

TEST(OciRegistry, ParsesChallengesAndLocations) {
  auto ch =
      parse_www_authenticate(R"(Bearer realm="https://a.io/token",service="a.io",scope="repository:x:pull,push")");
  ASSERT_TRUE(ch);
  EXPECT_EQ(ch->scheme, "bearer");
  EXPECT_EQ(ch->params["realm"], "https://a.io/token");
  EXPECT_EQ(ch->params["scope"], "repository:x:pull,push");
  auto basic = parse_www_authenticate(R"(Basic realm="Registry Realm")");
  ASSERT_TRUE(basic);
  EXPECT_EQ(basic->scheme, "basic");
  EXPECT_FALSE(parse_www_authenticate(""));

  EXPECT_EQ(resolve_location("http://h:1/v2/a/blobs/uploads/", "http://h:1/v2/a/blobs/uploads/u?x=1"),
            "http://h:1/v2/a/blobs/uploads/u?x=1");
  EXPECT_EQ(resolve_location("http://h:1/v2/a/blobs/uploads/", "/v2/a/blobs/uploads/u"),
            "http://h:1/v2/a/blobs/uploads/u");
  EXPECT_EQ(resolve_location("http://h:1/v2/a/blobs/uploads/u1?s=1", "u2?s=2"), "http://h:1/v2/a/blobs/uploads/u2?s=2");
}

TEST(OciRegistry, BearerChunkedUploadMountAndRedirects) {
  auto fake = std::make_shared<FakeRegistry>();
  RegistryOptions opts;
  opts.chunk_size = 4;
  RegistryClient client("registry.example.com", RegistryCredentials{"user", "s3cret"}, opts);
  client.set_transport([fake](const Request& r) { return (*fake)(r); });

  const std::string data = "0123456789";  // 10 bytes -> chunks 0-3, 4-7, 8-9
  const std::string digest = "sha256:" + sha256_hex(data);
  auto exists = client.blob_exists("app", digest);
  ASSERT_TRUE(exists.ok()) << exists.error().describe();
  EXPECT_FALSE(*exists);
  std::vector<std::int64_t> progress;
  auto sent =
      client.upload_blob_bytes("app", digest, data, [&](std::int64_t done, std::int64_t) { progress.push_back(done); });
  ASSERT_TRUE(sent.ok()) << sent.error().describe();
  EXPECT_EQ(*sent, 10);
  EXPECT_EQ(fake->ranges, (std::vector<std::string>{"0-3", "4-7", "8-9"}));
  EXPECT_EQ(progress, (std::vector<std::int64_t>{4, 8, 10}));
  EXPECT_EQ(client.stats().blob_uploads, 1);
  EXPECT_EQ(client.stats().bytes_uploaded, 10);
  EXPECT_TRUE(*client.blob_exists("app", digest));

  // Every registry request went over HTTPS with the bearer token; the token was requested
  // with the basic credentials and the right scope, once per scope.
  EXPECT_EQ(fake->scopes.size(), 2U);
  EXPECT_NE(fake->scopes[0].find("service=registry.example.com"), std::string::npos);
  EXPECT_NE(fake->scopes[0].find("scope=repository%3Aapp%3Apull"), std::string::npos);
  EXPECT_NE(fake->scopes[1].find("scope=repository%3Aapp%3Apull%2Cpush"), std::string::npos);
  // Secrets are redacted from logs once known.
  EXPECT_EQ(log::redact("tok-123456 s3cret"), "**** ****");

  // Mount: 201 mounted; 202 declined (and the opened session cancelled).
  auto m1 = client.mount_blob("app", digest, "base");
  ASSERT_TRUE(m1.ok());
  EXPECT_TRUE(*m1);
  auto m2 = client.mount_blob("app", digest, "elsewhere");
  ASSERT_TRUE(m2.ok());
  EXPECT_FALSE(*m2);
  EXPECT_EQ(fake->seen.back().method, "DELETE");
  EXPECT_NE(fake->scopes.back().find("scope=repository%3Aelsewhere%3Apull"), std::string::npos);

  // A blob GET is redirected to storage without our Authorization header.
  auto blob = client.get_blob("app", digest);
  ASSERT_TRUE(blob.ok()) << blob.error().describe();
  EXPECT_EQ(*blob, data);

  // Registry error bodies become service errors.
  auto missing = client.get_manifest("app", "nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().service_code, "MANIFEST_UNKNOWN");
  EXPECT_EQ(missing.error().http_status, 404);

  auto put = client.put_manifest("app", "latest", "application/vnd.oci.image.manifest.v1+json", "{}");
  ASSERT_TRUE(put.ok());
  EXPECT_EQ(*put, "sha256:" + sha256_hex("{}"));
}

TEST(OciRegistry, RetriesServerErrorsOnIdempotentRequestsOnly) {
  int calls = 0;
  RegistryOptions opts;
  opts.backoff_base = std::chrono::milliseconds(1);
  RegistryClient client("127.0.0.1:1", std::nullopt, opts);
  client.set_transport([&](const Request& r) -> Result<Response> {
    EXPECT_EQ(r.url.rfind("http://127.0.0.1:1/v2/", 0), 0U);  // loopback: plain HTTP
    ++calls;
    Response resp;
    if (r.url == "http://127.0.0.1:1/v2/") {
      resp.status = 200;
    } else {
      resp.status = calls < 4 ? 503 : 200;
    }
    return resp;
  });
  auto e = client.blob_exists("x", "sha256:" + std::string(64, 'a'));
  ASSERT_TRUE(e.ok()) << e.error().describe();
  EXPECT_TRUE(*e);
  EXPECT_EQ(calls, 4);  // ping + 2x 503 + 200

  calls = 0;
  RegistryClient basic("127.0.0.1:2", std::nullopt, opts);
  basic.set_transport([&](const Request&) -> Result<Response> {
    ++calls;
    Response resp;
    resp.status = 401;
    resp.headers.emplace_back("WWW-Authenticate", R"(Basic realm="r")");
    return resp;
  });
  auto denied = basic.ping();
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().kind, ErrorKind::config);
  EXPECT_NE(denied.error().message.find("credentials"), std::string::npos);
}

}  // namespace
}  // namespace ht::oci
