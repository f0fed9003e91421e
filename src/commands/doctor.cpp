#include "commands/doctor.hpp"

#include <nlohmann/json.hpp>

#include "aws/ecr_client.hpp"
#include "aws/lambda_client.hpp"
#include "aws/s3_client.hpp"
#include "aws/service_quotas_client.hpp"
#include "aws/sts_client.hpp"
#include "core/fs.hpp"
#include "core/log.hpp"

namespace ht {

namespace {

constexpr int kMinMemoryMb = 2048;
constexpr int kMinTimeoutS = 300;

enum class Verdict { ok, warn, fail };

class Report {
 public:
  explicit Report(std::ostream& out) : out_(out) {}
  void line(Verdict v, const std::string& check, const std::string& detail) {
    static constexpr const char* kTags[] = {"ok  ", "warn", "FAIL"};
    out_ << kTags[static_cast<int>(v)] << " " << check << ": " << log::redact(detail) << "\n";
    if (v == Verdict::fail) failed_ = true;
  }
  [[nodiscard]] bool failed() const { return failed_; }

 private:
  std::ostream& out_;
  bool failed_ = false;
};

// "AKIA…WXYZ": enough to recognise a key, never the whole id.
std::string masked(const std::string& key_id) {
  if (key_id.size() <= 8) return "****";
  return key_id.substr(0, 4) + "…" + key_id.substr(key_id.size() - 4);
}

std::string short_error(const Error& e) {
  std::string s = e.message;
  if (!e.service_code.empty())
    s += " (" + e.service_code + ")";
  else if (e.http_status != 0)
    s += " (HTTP " + std::to_string(e.http_status) + ")";
  return s;
}

void check_playwright(const Config& config, Report& r) {
  const auto pkg = config.project_root / "node_modules" / "@playwright" / "test" / "package.json";
  auto text = fs::read_file(pkg);
  if (!text.ok()) {
    r.line(Verdict::fail, "playwright",
           "@playwright/test not installed in " + config.project_root.string() +
               " (run `npm install -D @playwright/test` there)");
    return;
  }
  auto j = nlohmann::json::parse(*text, nullptr, false);
  std::string version = j.is_object() ? j.value("version", "") : "";
  std::string detail = "@playwright/test " + (version.empty() ? std::string("(unknown version)") : version);
  const auto cfg = config.project_root / config.test_runner.config;
  std::error_code ec;
  if (!std::filesystem::exists(cfg, ec)) {
    r.line(Verdict::warn, "playwright", detail + "; config " + cfg.string() + " not found");
    return;
  }
  r.line(Verdict::ok, "playwright", detail + ", config " + config.test_runner.config);
}

std::string artifacts_bucket(const Config& config) {
  if (config.artifacts.rfind("s3://", 0) == 0) {
    auto loc = aws::parse_s3_uri(config.artifacts);
    if (loc.ok()) return loc->bucket;
  }
  return config.cloud_provider.is_aws() ? config.cloud_provider.aws.bucket_name : "";
}

}  // namespace

int run_doctor(const Config& config, std::ostream& out, const aws::ChainOptions& chain) {
  Report r(out);
  const bool aws = config.cloud_provider.is_aws();
  const auto& a = config.cloud_provider.aws;
  {
    std::string where = config.file.empty() ? std::string("defaults (no config file)") : config.file.string();
    std::string missing;
    if (aws && a.function_name.empty()) missing += " cloudProvider.functionName";
    if (aws && a.bucket_name.empty() && config.artifacts.rfind("s3://", 0) != 0) missing += " cloudProvider.bucketName";
    if (!missing.empty()) {
      r.line(Verdict::fail, "config", where + ": missing" + missing);
    } else {
      r.line(Verdict::ok, "config",
             where + " (provider " + config.cloud_provider.type + ", concurrency " +
                 std::to_string(config.concurrency) + ")");
    }
  }
  check_playwright(config, r);

  const std::string bucket = artifacts_bucket(config);
  if (!aws && bucket.empty()) return r.failed() ? 1 : 0;

  // Credentials and region: without them nothing below can work.
  auto creds = aws::resolve_credentials(chain);
  if (!creds.ok()) {
    r.line(Verdict::fail, "credentials", creds.error().message);
  } else {
    r.line(
        Verdict::ok, "credentials",
        creds->source + " (" + masked(creds->access_key_id) + (creds->session_token.empty() ? "" : ", session") + ")");
  }
  auto region = aws::resolve_region(aws ? a.region : std::string(), chain);
  if (!region.ok()) {
    r.line(Verdict::fail, "region", region.error().message);
  } else {
    r.line(Verdict::ok, "region",
           *region + " (from " + aws::region_source(aws ? a.region : std::string(), chain) + ")");
  }
  if (!creds.ok() || !region.ok()) return 1;

  auto client_config = [&](std::string_view service) {
    aws::ClientConfig c;
    c.credentials = *creds;
    c.region = *region;
    c.endpoint = aws::resolve_endpoint(service, *region, chain.env);
    c.custom_endpoint = aws::has_custom_endpoint(service, chain.env);
    c.retry.max_attempts = 2;  // a probe, not a workload
    return c;
  };

  {
    aws::StsClient sts(client_config("sts"));
    auto id = sts.get_caller_identity();
    if (id.ok()) {
      r.line(Verdict::ok, "identity", id->arn + " (account " + id->account + ")");
    } else {
      r.line(Verdict::fail, "identity", "the credentials do not work: " + short_error(id.error()));
    }
  }

  if (aws && !a.function_name.empty()) {
    aws::LambdaClient lambda(client_config("lambda"));
    auto f = lambda.get_function(a.function_name);
    if (!f.ok()) {
      const bool missing = f.error().service_code == "ResourceNotFoundException";
      r.line(Verdict::fail, "function",
             missing ? a.function_name + " not found in " + *region + " (ResourceNotFoundException)"
                     : a.function_name + ": " + short_error(f.error()));
    } else if (f->package_type != "Image") {
      r.line(Verdict::fail, "function",
             a.function_name + " is a " + f->package_type + " function; hypertest needs a container-image function");
    } else {
      std::string detail = a.function_name + ": image function, memory " + std::to_string(f->memory_size_mb) +
                           " MB, timeout " + std::to_string(f->timeout_s) + " s" +
                           (f->state.empty() ? "" : ", state " + f->state);
      std::string warnings;
      if (f->memory_size_mb < kMinMemoryMb) {
        warnings += "; memory below " + std::to_string(kMinMemoryMb) + " MB (Chromium needs room)";
      }
      if (f->timeout_s < kMinTimeoutS) {
        warnings += "; timeout below " + std::to_string(kMinTimeoutS) + " s (long tests may be cut off)";
      }
      r.line(warnings.empty() ? Verdict::ok : Verdict::warn, "function", detail + warnings);
    }
  }

  if (!bucket.empty()) {
    aws::S3Client s3(client_config("s3"));
    auto st = s3.head_bucket(bucket);
    if (st.ok()) {
      r.line(Verdict::ok, "bucket", bucket + " reachable");
    } else {
      r.line(Verdict::fail, "bucket", bucket + ": " + short_error(st.error()));
    }
  }

  if (aws && !config.image_name.empty()) {
    aws::EcrClient ecr(client_config("ecr"));
    auto repo = ecr.describe_repository(config.image_name);
    if (repo.ok()) {
      r.line(Verdict::ok, "repository", repo->uri.empty() ? repo->name : repo->uri);
    } else if (repo.error().service_code == "RepositoryNotFoundException") {
      r.line(Verdict::fail, "repository",
             config.image_name + " not found in ECR (" + *region +
                 "); create it with `aws ecr create-repository "
                 "--repository-name " +
                 config.image_name + "`");
    } else {
      r.line(Verdict::warn, "repository", config.image_name + ": " + short_error(repo.error()));
    }
  }

  if (aws) {
    aws::ServiceQuotasClient sq(client_config("service-quotas"));
    auto q = sq.get_service_quota("lambda", aws::kLambdaConcurrencyQuotaCode);
    if (!q.ok() && q.error().service_code == "NoSuchResourceException") {
      // No applied value on the account: the default applies.
      auto d = sq.get_default_quota("lambda", aws::kLambdaConcurrencyQuotaCode);
      if (d.ok()) q = std::move(d);
    }
    if (!q.ok()) {
      r.line(Verdict::warn, "quota",
             std::string("cannot read Lambda concurrent executions (") + aws::kLambdaConcurrencyQuotaCode +
                 "): " + short_error(q.error()));
    } else {
      const auto value = static_cast<long long>(q->value);
      std::string detail = "Lambda concurrent executions " + std::to_string(value) + ", concurrency " +
                           std::to_string(config.concurrency);
      if (q->value < config.concurrency) {
        r.line(Verdict::warn, "quota", detail + ": invocations beyond the quota will be throttled");
      } else {
        r.line(Verdict::ok, "quota", detail);
      }
    }
  }
  return r.failed() ? 1 : 0;
}

}  // namespace ht
