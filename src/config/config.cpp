#include "config/config.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "config/config_eval.hpp"
#include "core/fs.hpp"

namespace ht {

namespace stdfs = std::filesystem;
using nlohmann::json;

const char* to_string(DriftPolicy p) {
  switch (p) {
    case DriftPolicy::silence:
      return "silence";
    case DriftPolicy::warning:
      return "warning";
    case DriftPolicy::error:
      return "error";
  }
  return "warning";
}

const char* to_string(Origin o) {
  switch (o) {
    case Origin::default_value:
      return "default";
    case Origin::file:
      return "file";
    case Origin::env:
      return "env";
    case Origin::flag:
      return "flag";
  }
  return "default";
}

const char* config_schema_path() { return "schema/hypertest.config.schema.json"; }

namespace {

// Limits of `concurrency`: Lambda's default account limit is 1,000 and the hard ceiling of
// any account is in the tens of thousands; 10,000 in flight is already far beyond what one
// CLI should open, so larger values are taken as typos.
constexpr int kMaxConcurrency = 10000;
constexpr int kMaxRetries = 10;
constexpr int kMaxLambdaWaitSeconds = 3600;

// Validation of one document: every message names the file and the field.
class Reader {
 public:
  explicit Reader(stdfs::path file) : file_(std::move(file)) {}

  Error fail(const std::string& field, const std::string& what) const {
    return make_error(ErrorKind::config, fmt::format("field '{}': {}", field, what), file_.string());
  }

  static std::string type_name(const json& v) {
    switch (v.type()) {
      case json::value_t::null:
        return "null";
      case json::value_t::boolean:
        return "a boolean";
      case json::value_t::number_integer:
      case json::value_t::number_unsigned:
        return "an integer";
      case json::value_t::number_float:
        return "a number";
      case json::value_t::string:
        return "a string";
      case json::value_t::array:
        return "an array";
      case json::value_t::object:
        return "an object";
      default:
        return "an unsupported value";
    }
  }

  Status check_keys(const json& obj, const std::string& where, const std::set<std::string>& allowed) const {
    for (const auto& [key, value] : obj.items()) {
      if (allowed.count(key) == 0) {
        std::string known;
        for (const auto& k : allowed) {
          if (k == "$schema") continue;
          known += known.empty() ? k : ", " + k;
        }
        return fail(where.empty() ? key : where + "." + key, "unknown field (known: " + known + ")");
      }
    }
    return {};
  }

  Result<std::string> string(const json& v, const std::string& field, bool allow_empty = false) const {
    if (!v.is_string()) return fail(field, "expected a string, got " + type_name(v));
    auto s = v.get<std::string>();
    if (!allow_empty && s.empty()) return fail(field, "must not be empty");
    return s;
  }

  Result<int> integer(const json& v, const std::string& field, int min, int max) const {
    if (!v.is_number_integer()) return fail(field, "expected an integer, got " + type_name(v));
    auto n = v.get<long long>();
    if (n < min || n > max) {
      return fail(field, fmt::format("{} is out of range (allowed: {} to {})", n, min, max));
    }
    return static_cast<int>(n);
  }

  Result<std::string> file_name(const json& v, const std::string& field) const {
    auto s = string(v, field);
    if (!s.ok()) return s;
    stdfs::path p(*s);
    if (p.is_absolute() || std::any_of(p.begin(), p.end(), [](const stdfs::path& part) { return part == ".."; })) {
      return fail(field, "'" + *s + "' must be a relative path inside the project");
    }
    return s;
  }

 private:
  stdfs::path file_;
};

Result<DriftPolicy> parse_drift(const std::string& s, const std::function<Error(const std::string&)>& fail) {
  if (s == "silence") return DriftPolicy::silence;
  if (s == "warning") return DriftPolicy::warning;
  if (s == "error") return DriftPolicy::error;
  return fail("'" + s + "' is not one of silence, warning, error");
}

int cpu_count() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

Status parse_test_runner(const Reader& r, const json& v, TestRunnerConfig& out) {
  const std::string f = "testRunner";
  if (!v.is_object()) return r.fail(f, "expected an object, got " + Reader::type_name(v));
  HT_TRY(r.check_keys(v, f, {"type", "config", "projects"}));
  if (v.contains("type")) {
    auto t = r.string(v["type"], f + ".type");
    if (!t.ok()) return t.error();
    if (*t != "playwright") return r.fail(f + ".type", "'" + *t + "' is not supported (only \"playwright\")");
    out.type = *t;
  }
  if (v.contains("config")) {
    auto c = r.file_name(v["config"], f + ".config");
    if (!c.ok()) return c.error();
    out.config = *c;
  }
  if (v.contains("projects")) {
    const auto& p = v["projects"];
    if (!p.is_array()) return r.fail(f + ".projects", "expected an array of strings, got " + Reader::type_name(p));
    out.projects.clear();
    for (size_t i = 0; i < p.size(); ++i) {
      auto s = r.string(p[i], fmt::format("{}.projects[{}]", f, i));
      if (!s.ok()) return s.error();
      out.projects.push_back(*s);
    }
  }
  return {};
}

Status parse_cloud_provider(const Reader& r, const json& v, CloudProviderConfig& out) {
  const std::string f = "cloudProvider";
  if (!v.is_object()) return r.fail(f, "expected an object, got " + Reader::type_name(v));
  if (!v.contains("type")) return r.fail(f + ".type", "missing (\"local\" or \"aws\")");
  auto type = r.string(v["type"], f + ".type");
  if (!type.ok()) return type.error();
  if (*type == "local") {
    HT_TRY(r.check_keys(v, f, {"type"}));
    out.type = "local";
    return {};
  }
  if (*type != "aws") return r.fail(f + ".type", "'" + *type + "' is not one of local, aws");
  out.type = "aws";
  HT_TRY(r.check_keys(
      v, f, {"type", "region", "baseImage", "ecrRegistry", "functionName", "bucketName", "lambdaUpdateMaxWaitTime"}));
  auto& aws = out.aws;
  struct Field {
    const char* name;
    std::string* target;
    bool required;
  };
  const Field fields[] = {{"region", &aws.region, false},
                          {"baseImage", &aws.base_image, true},
                          {"ecrRegistry", &aws.ecr_registry, true},
                          {"functionName", &aws.function_name, true},
                          {"bucketName", &aws.bucket_name, true}};
  for (const auto& field : fields) {
    std::string name = f + "." + field.name;
    if (!v.contains(field.name)) {
      if (field.required) return r.fail(name, "missing (required when type is \"aws\")");
      continue;
    }
    auto s = r.string(v[field.name], name);
    if (!s.ok()) return s.error();
    *field.target = *s;
  }
  if (v.contains("lambdaUpdateMaxWaitTime")) {
    auto n = r.integer(v["lambdaUpdateMaxWaitTime"], f + ".lambdaUpdateMaxWaitTime", 1, kMaxLambdaWaitSeconds);
    if (!n.ok()) return n.error();
    aws.lambda_update_max_wait_time = *n;
  }
  return {};
}

}  // namespace

Result<Config> parse_config(const std::string& text, const stdfs::path& file) {
  Reader r(file);
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    return make_error(ErrorKind::config, fmt::format("not valid JSON: {}", e.what()), file.string());
  }
  if (!doc.is_object()) {
    return make_error(ErrorKind::config, "expected a JSON object at the top level, got " + Reader::type_name(doc),
                      file.string());
  }
  HT_TRY(r.check_keys(doc, "",
                      {"$schema", "concurrency", "imageName", "buildManifestFileName", "resultsFileName",
                       "driftDetectionPolicy", "testRunner", "cloudProvider", "artifacts", "retries"}));
  Config c;
  c.file = file;
  auto from_file = [&](const char* key) { c.origins[key] = Origin::file; };

  if (doc.contains("cloudProvider")) {
    HT_TRY(parse_cloud_provider(r, doc["cloudProvider"], c.cloud_provider));
    from_file("cloudProvider");
  }
  if (doc.contains("concurrency")) {
    auto n = r.integer(doc["concurrency"], "concurrency", 1, kMaxConcurrency);
    if (!n.ok()) return n.error();
    c.concurrency = *n;
    from_file("concurrency");
  }
  if (doc.contains("imageName")) {
    auto s = r.string(doc["imageName"], "imageName");
    if (!s.ok()) return s.error();
    bool valid = std::all_of(s->begin(), s->end(), [](char ch) {
      return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-' || ch == '/';
    });
    if (!valid)
      return r.fail("imageName", "'" + *s + "' is not a valid repository name (lowercase letters, digits, . _ - /)");
    c.image_name = *s;
    from_file("imageName");
  }
  for (auto [key, target] : {std::pair{"buildManifestFileName", &c.build_manifest_file_name},
                             std::pair{"resultsFileName", &c.results_file_name}}) {
    if (!doc.contains(key)) continue;
    auto s = r.file_name(doc[key], key);
    if (!s.ok()) return s.error();
    *target = *s;
    from_file(key);
  }
  if (doc.contains("driftDetectionPolicy")) {
    auto s = r.string(doc["driftDetectionPolicy"], "driftDetectionPolicy");
    if (!s.ok()) return s.error();
    auto p = parse_drift(*s, [&](const std::string& what) { return r.fail("driftDetectionPolicy", what); });
    if (!p.ok()) return p.error();
    c.drift_detection_policy = *p;
    from_file("driftDetectionPolicy");
  }
  if (doc.contains("testRunner")) {
    HT_TRY(parse_test_runner(r, doc["testRunner"], c.test_runner));
    from_file("testRunner");
    if (doc["testRunner"].contains("config")) from_file("testRunner.config");
  }
  if (doc.contains("artifacts")) {
    auto s = r.string(doc["artifacts"], "artifacts");
    if (!s.ok()) return s.error();
    if (s->rfind("s3://", 0) == 0 && s->size() <= 5) return r.fail("artifacts", "'s3://' needs a bucket name");
    c.artifacts = *s;
    from_file("artifacts");
  }
  if (doc.contains("retries")) {
    auto n = r.integer(doc["retries"], "retries", 0, kMaxRetries);
    if (!n.ok()) return n.error();
    c.retries = *n;
    from_file("retries");
  }
  return c;
}

namespace {

Result<Config> read_config_file(const stdfs::path& path) {
  std::error_code ec;
  if (!stdfs::exists(path, ec)) {
    return make_error(ErrorKind::config, "file not found", path.string());
  }
  auto ext = path.extension().string();
  if (ext == ".js" || ext == ".mjs" || ext == ".cjs" || ext == ".ts" || ext == ".mts" || ext == ".cts") {
    auto text = evaluate_js_config(path);
    if (!text.ok()) return text.error();
    return parse_config(*text, path);
  }
  auto text = fs::read_file(path);
  if (!text.ok()) return make_error(ErrorKind::config, text.error().message, path.string());
  return parse_config(*text, path);
}

// Environment variables override the file; flags override both.
Status apply_env(Config& c) {
  auto env = [](const char* name) -> std::optional<std::string> {
    const char* v = std::getenv(name);
    if (v == nullptr || *v == '\0') return std::nullopt;
    return std::string(v);
  };
  auto env_error = [](const char* name, const std::string& what) {
    return make_error(ErrorKind::config, what, std::string("environment variable ") + name);
  };
  auto env_int = [&](const char* name, int min, int max) -> Result<std::optional<int>> {
    auto v = env(name);
    if (!v) return std::optional<int>();
    char* end = nullptr;
    long n = std::strtol(v->c_str(), &end, 10);
    if (end == v->c_str() || *end != '\0') return env_error(name, "'" + *v + "' is not an integer");
    if (n < min || n > max) return env_error(name, fmt::format("{} is out of range (allowed: {} to {})", n, min, max));
    return std::optional<int>(static_cast<int>(n));
  };
  auto conc = env_int("HYPERTEST_CONCURRENCY", 1, kMaxConcurrency);
  if (!conc.ok()) return conc.error();
  if (*conc) {
    c.concurrency = **conc;
    c.origins["concurrency"] = Origin::env;
  }
  auto retries = env_int("HYPERTEST_RETRIES", 0, kMaxRetries);
  if (!retries.ok()) return retries.error();
  if (*retries) {
    c.retries = **retries;
    c.origins["retries"] = Origin::env;
  }
  if (auto v = env("HYPERTEST_ARTIFACTS")) {
    c.artifacts = *v;
    c.origins["artifacts"] = Origin::env;
  }
  if (auto v = env("HYPERTEST_DRIFT_DETECTION_POLICY")) {
    auto p =
        parse_drift(*v, [&](const std::string& what) { return env_error("HYPERTEST_DRIFT_DETECTION_POLICY", what); });
    if (!p.ok()) return p.error();
    c.drift_detection_policy = *p;
    c.origins["driftDetectionPolicy"] = Origin::env;
  }
  return {};
}

}  // namespace

Result<Config> load_config(const ConfigOverrides& overrides) {
  Config c;
  stdfs::path cwd = stdfs::current_path();
  if (overrides.config_path) {
    stdfs::path p = stdfs::absolute(*overrides.config_path).lexically_normal();
    auto parsed = read_config_file(p);
    if (!parsed.ok()) return parsed.error();
    c = std::move(parsed).value();
    c.project_root = p.parent_path();
  } else {
    // The default file; a JS/TS file exported by users of the reference works too.
    c.project_root = cwd;
    for (const char* name : {"hypertest.config.json", "hypertest.config.js", "hypertest.config.mjs",
                             "hypertest.config.cjs", "hypertest.config.ts"}) {
      std::error_code ec;
      if (!stdfs::exists(cwd / name, ec)) continue;
      auto parsed = read_config_file(cwd / name);
      if (!parsed.ok()) return parsed.error();
      c = std::move(parsed).value();
      c.project_root = cwd;
      break;
    }
  }
  HT_TRY(apply_env(c));

  if (overrides.concurrency) {
    if (*overrides.concurrency < 1 || *overrides.concurrency > kMaxConcurrency) {
      return make_error(ErrorKind::usage,
                        fmt::format("{} is out of range (allowed: 1 to {})", *overrides.concurrency, kMaxConcurrency),
                        "flag --concurrency");
    }
    c.concurrency = *overrides.concurrency;
    c.origins["concurrency"] = Origin::flag;
  }
  if (overrides.retries) {
    if (*overrides.retries < 0 || *overrides.retries > kMaxRetries) {
      return make_error(ErrorKind::usage,
                        fmt::format("{} is out of range (allowed: 0 to {})", *overrides.retries, kMaxRetries),
                        "flag --retries");
    }
    c.retries = *overrides.retries;
    c.origins["retries"] = Origin::flag;
  }
  if (overrides.artifacts) {
    c.artifacts = *overrides.artifacts;
    c.origins["artifacts"] = Origin::flag;
  }

  // Like Playwright itself, find playwright.config.{ts,js,mts,mjs,cts,cjs} when the config
  // does not name one.
  if (c.origins.count("testRunner.config") == 0) {
    for (const char* name : {"playwright.config.ts", "playwright.config.js", "playwright.config.mts",
                             "playwright.config.mjs", "playwright.config.cts", "playwright.config.cjs"}) {
      std::error_code ec;
      if (stdfs::exists(c.project_root / name, ec)) {
        c.test_runner.config = name;
        break;
      }
    }
  }

  // Defaults that depend on the provider (SPEC §4).
  if (c.origins.count("concurrency") == 0) {
    c.concurrency = c.cloud_provider.is_aws() ? 30 : cpu_count();
    c.origins["concurrency"] = Origin::default_value;
  }
  if (c.artifacts.empty()) {
    c.artifacts = c.cloud_provider.is_aws() ? "s3://" + c.cloud_provider.aws.bucket_name : "hypertest-artifacts";
    c.origins["artifacts"] = Origin::default_value;
  }
  return c;
}

}  // namespace ht
