// Shared by the image integration tests (registry_*_test.cpp, deploy_*_test.cpp): the local
// docker-registry's coordinates (from scripts/test.sh, which runs scripts/peers/registry.sh),
// skopeo as the independent reader, counting requests in the registry's access log, and the
// fixture project (tests/fixtures/oci/project plus a node_modules written here, since
// node_modules is never committed).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "core/fs.hpp"
#include "core/subprocess.hpp"

namespace ht::testing {

struct RegistryEnv {
  std::string addr;        // 127.0.0.1:PORT
  std::string log;         // the access log
  std::string user;        // AWS
  std::string password;    // 123456789012-auth-token
  std::string base_image;  // OCI index (arm64 + amd64)
  std::string base_image_v2s2;
  [[nodiscard]] std::string creds() const { return user + ":" + password; }
};

inline std::optional<RegistryEnv> registry_env() {
  auto get = [](const char* n) -> std::string {
    const char* v = std::getenv(n);
    return v != nullptr ? v : "";
  };
  RegistryEnv r{get("HT_REGISTRY_ADDR"),     get("HT_REGISTRY_LOG"),        get("HT_REGISTRY_USER"),
                get("HT_REGISTRY_PASSWORD"), get("HT_REGISTRY_BASE_IMAGE"), get("HT_REGISTRY_BASE_IMAGE_V2S2")};
  if (r.addr.empty() || r.log.empty() || r.password.empty() || r.base_image.empty()) return std::nullopt;
  return r;
}

#define HT_REQUIRE_REGISTRY(var)                                                                      \
  auto var##_opt = ::ht::testing::registry_env();                                                     \
  ASSERT_TRUE(var##_opt.has_value())                                                                  \
      << "HT_REGISTRY_ADDR/HT_REGISTRY_LOG/HT_REGISTRY_PASSWORD/HT_REGISTRY_BASE_IMAGE are not set: " \
         "run the integration tests via scripts/test.sh (it starts docker-registry with "             \
         "scripts/peers/registry.sh)";                                                                \
  const ::ht::testing::RegistryEnv& var = *var##_opt

inline RunOutput run_tool(std::vector<std::string> argv, const std::filesystem::path& cwd = {}) {
  SpawnOptions o;
  o.argv = std::move(argv);
  o.cwd = cwd;
  o.stdout_mode = Stdio::capture;
  o.stderr_mode = Stdio::capture;
  auto r = run(o, std::chrono::minutes(3));
  if (!r.ok()) {
    RunOutput out;
    out.err = r.error().describe();
    return out;
  }
  return std::move(r.value());
}

// skopeo against the local registry (plain HTTP, basic auth).
inline RunOutput skopeo(const RegistryEnv& r, const std::string& verb, std::vector<std::string> args) {
  std::vector<std::string> argv = {"skopeo", verb};
  if (verb == "inspect") {
    argv.insert(argv.end(), {"--tls-verify=false", "--creds", r.creds()});
  } else if (verb == "copy") {
    argv.insert(argv.end(), {"-q", "--src-tls-verify=false", "--src-creds", r.creds()});
  }
  argv.insert(argv.end(), args.begin(), args.end());
  return run_tool(argv);
}

// Counts access-log lines `"METHOD /v2/<repo>/<path_part>... HTTP/1.1" STATUS` for `repo`,
// from byte `from` of the log on (the log grows across tests).
struct LogCounts {
  int blob_patches = 0;   // PATCH .../blobs/uploads/...
  int blob_puts = 0;      // PUT .../blobs/uploads/...?digest= (a completed upload)
  int mounts = 0;         // POST .../blobs/uploads/?mount=... answered 201
  int manifest_puts = 0;  // PUT .../manifests/...
};

inline std::uintmax_t log_size(const RegistryEnv& r) {
  std::error_code ec;
  auto n = std::filesystem::file_size(r.log, ec);
  return ec ? 0 : n;
}

inline LogCounts count_requests(const RegistryEnv& r, const std::string& repo, std::uintmax_t from) {
  LogCounts c;
  std::ifstream in(r.log);
  in.seekg(static_cast<std::streamoff>(from));
  const std::regex line_re("\"([A-Z]+) /v2/([^ ]+) HTTP/1\\.1\" ([0-9]{3}) ");
  std::string line;
  std::smatch m;
  const std::string prefix = repo + "/";
  while (std::getline(in, line)) {
    if (!std::regex_search(line, m, line_re)) continue;
    const std::string method = m[1];
    const std::string path = m[2];
    const std::string status = m[3];
    if (path.rfind(prefix, 0) != 0) continue;
    const std::string rest = path.substr(prefix.size());
    if (method == "PATCH" && rest.rfind("blobs/uploads/", 0) == 0) ++c.blob_patches;
    if (method == "PUT" && rest.rfind("blobs/uploads/", 0) == 0) ++c.blob_puts;
    if (method == "POST" && rest.rfind("blobs/uploads/?mount=", 0) == 0 && status == "201") ++c.mounts;
    if (method == "PUT" && rest.rfind("manifests/", 0) == 0) ++c.manifest_puts;
  }
  return c;
}

inline void write_text(const std::filesystem::path& p, const std::string& s) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << s;
}

// Copies tests/fixtures/oci/project to `dir` and installs a small npm package the spec
// imports (left-pad), with a .bin symlink and npm's hidden lockfile, as `npm install` would.
inline void make_fixture_project(const std::filesystem::path& dir) {
  namespace stdfs = std::filesystem;
  stdfs::copy(std::string(HT_SOURCE_DIR) + "/tests/fixtures/oci/project", dir, stdfs::copy_options::recursive);
  write_text(dir / "node_modules/left-pad/package.json",
             R"({"name":"left-pad","version":"1.3.0","main":"index.js","bin":{"left-pad":"cli.js"}})"
             "\n");
  write_text(dir / "node_modules/left-pad/index.js",
             "module.exports = function leftPad(s, n, c) { s = String(s); while (s.length < n) s = (c || ' ') + s; "
             "return s; };\n");
  write_text(dir / "node_modules/left-pad/cli.js",
             "#!/usr/bin/env node\nconsole.log(require('./')(process.argv[2], 8));\n");
  std::filesystem::permissions(dir / "node_modules/left-pad/cli.js", stdfs::perms::owner_exec,
                               stdfs::perm_options::add);
  stdfs::create_directories(dir / "node_modules/.bin");
  stdfs::create_symlink("../left-pad/cli.js", dir / "node_modules/.bin/left-pad");
  write_text(
      dir / "node_modules/.package-lock.json",
      R"({"name":"hypertest-oci-fixture","lockfileVersion":3,"packages":{"node_modules/left-pad":{"version":"1.3.0"}}})"
      "\n");
  write_text(dir / "node_modules/.cache/some-tool/state.bin", "cache that must not be shipped\n");
}

// `tar -tvzf` of a layer blob: GNU tar as an independent reader.
inline std::string tar_listing(const std::filesystem::path& blob) {
  auto out = run_tool({"tar", "--numeric-owner", "-tvzf", blob.string()});
  EXPECT_TRUE(out.status.success()) << out.err;
  return out.out;
}

}  // namespace ht::testing
