#include "deploy/deploy_aws.hpp"

#include <chrono>

#include <fmt/format.h>

#include "aws/ecr_client.hpp"
#include "aws/lambda_client.hpp"
#include "core/clock.hpp"
#include "core/fs.hpp"
#include "core/log.hpp"
#include "deploy/project_image.hpp"
#include "discovery/project_files.hpp"
#include "oci/reference.hpp"
#include "store/artifact_store.hpp"
#include "ui/events.hpp"
#include "ui/plain_reporter.hpp"

namespace ht::deploy {

namespace {

using Clock = std::chrono::steady_clock;

std::int64_t ms_since(Clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
}

class Progress {
 public:
  explicit Progress(ui::EventSink* sink) : sink_(sink) {}
  void step(std::string name, std::string detail, std::int64_t bytes = -1, std::int64_t ms = -1) const {
    log::debug("deploy: {} {}", name, detail);
    if (sink_ != nullptr) sink_->on_event(ui::DeployStep{std::move(name), std::move(detail), bytes, ms});
  }
  void warn(std::string text) const {
    if (sink_ != nullptr) {
      sink_->on_event(ui::Message{ui::Level::warn, std::move(text)});
    } else {
      log::warn("{}", text);
    }
  }

 private:
  ui::EventSink* sink_;
};

bool is_ecr_registry(const std::string& host) {
  return host.find(".dkr.ecr.") != std::string::npos && host.find(".amazonaws.com") != std::string::npos;
}

// Adds what to do about the usual setup mistakes to registry errors.
Error explain_registry_error(Error e, const std::string& repository) {
  if (e.service_code == "NAME_UNKNOWN") {
    e.message += " (create the ECR repository \"" + repository +
                 "\": infra/cloudformation.yaml, or `aws ecr create-repository --repository-name " + repository + "`)";
  } else if (e.http_status == 401 || e.http_status == 403 || e.service_code == "DENIED" ||
             e.service_code == "UNAUTHORIZED") {
    e.message += " (the CLI's IAM user needs the ECR push permissions in infra/hypertest-cli-policy.json)";
  }
  return e;
}

}  // namespace

Result<DeployResult> deploy_aws(const DeployInputs& in) {
  const Config& cfg = in.config;
  const AwsProviderConfig& aws_cfg = cfg.cloud_provider.aws;
  const Progress progress(in.events);
  DeployResult result;
  result.dry_run = in.dry_run;
  if (!cfg.cloud_provider.is_aws()) {
    return make_error(ErrorKind::config, "deploy_aws needs cloudProvider.type \"aws\"", "cloudProvider");
  }
  for (const auto& [name, value] : {std::pair<const char*, const std::string*>{"baseImage", &aws_cfg.base_image},
                                    {"ecrRegistry", &aws_cfg.ecr_registry},
                                    {"functionName", &aws_cfg.function_name}}) {
    if (value->empty()) return make_error(ErrorKind::config, "missing", std::string("cloudProvider.") + name);
  }
  if (!in.dry_run && in.store == nullptr) return make_error(ErrorKind::internal, "no artifact store", "deploy");
  const std::string repository = cfg.image_name;
  auto target_ref = oci::parse_reference(aws_cfg.ecr_registry + "/" + repository);
  if (!target_ref) return target_ref.error().with_context("imageName / cloudProvider.ecrRegistry");
  auto base_ref = oci::parse_reference(aws_cfg.base_image);
  if (!base_ref) return base_ref.error().with_context("cloudProvider.baseImage");

  // 1. The function must exist and take images; fail before building anything.
  auto t0 = Clock::now();
  auto lambda = aws::LambdaClient::from_environment(aws_cfg.region);
  if (!lambda) return lambda.error().with_context("deploy");
  auto function = lambda->get_function(aws_cfg.function_name);
  if (!function) return function.error().with_context("deploy: function " + aws_cfg.function_name);
  if (!function->package_type.empty() && function->package_type != "Image") {
    return make_error(ErrorKind::config,
                      "function " + aws_cfg.function_name + " has PackageType " + function->package_type +
                          "; hypertest needs an Image function (see infra/cloudformation.yaml)",
                      "cloudProvider.functionName");
  }
  progress.step(
      "function",
      aws_cfg.function_name + " (" + function->package_type + ", " + std::to_string(function->memory_size_mb) + " MB)",
      -1, ms_since(t0));

  // 2. Registry credentials: ECR's token, unless given.
  t0 = Clock::now();
  std::optional<oci::RegistryCredentials> creds = in.registry_credentials;
  if (!creds) {
    auto ecr = aws::EcrClient::from_environment(aws_cfg.region);
    if (!ecr) return ecr.error().with_context("deploy");
    auto token = ecr->get_authorization_token();
    if (!token) return token.error().with_context("deploy: ECR GetAuthorizationToken");
    creds = oci::RegistryCredentials{token->username, token->password};
  }
  log::add_secret(creds->password);
  oci::RegistryClient target(target_ref->registry, creds, in.registry_options);
  std::optional<oci::RegistryClient> other_source;
  if (base_ref->registry != target_ref->registry) {
    // Another ECR registry takes the same token if the principal may read it; others are
    // read anonymously (or with a bearer token the registry hands out).
    other_source.emplace(base_ref->registry, is_ecr_registry(base_ref->registry) ? creds : std::nullopt,
                         in.registry_options);
  }
  oci::RegistryClient& source = other_source ? *other_source : target;
  if (auto ping = target.ping(); !ping) return ping.error().with_context("deploy: registry " + target_ref->registry);
  progress.step("login", target_ref->registry, -1, ms_since(t0));

  // 3. The suite's files and hash.
  t0 = Clock::now();
  std::vector<std::string> files = in.project_files;
  std::string test_dir_hash = in.test_dir_hash;
  if (files.empty()) {
    ProjectFilesOptions o;
    o.extra_excludes = {"/" + cfg.results_file_name, "/" + cfg.build_manifest_file_name};
    auto collected = collect_project_files(cfg.project_root, o);
    if (!collected) return collected.error().with_context("deploy: project files");
    files = std::move(*collected);
    auto hash = content_hash(cfg.project_root, files);
    if (!hash) return hash.error().with_context("deploy: hash");
    test_dir_hash = *hash;
    progress.step("hash", fmt::format("{} files, {}", files.size(), test_dir_hash.substr(0, 12)), -1, ms_since(t0));
  }

  // 4. The base image.
  t0 = Clock::now();
  auto base = read_base_image(source, *base_ref);
  if (!base) return base.error().with_context("deploy");
  result.base_digest = base->manifest_digest;
  std::int64_t base_bytes = 0;
  for (const auto& l : base->manifest.layers) base_bytes += l.size;
  progress.step(
      "base",
      fmt::format("{} ({} layers, {})", base_ref->str(), base->manifest.layers.size(), ui::format_bytes(base_bytes)),
      -1, ms_since(t0));
  if (!base->playwright_version.empty() && !in.playwright_version.empty() &&
      base->playwright_version != in.playwright_version) {
    progress.warn("the base image's browsers belong to Playwright " + base->playwright_version +
                  " but the project uses @playwright/test " + in.playwright_version +
                  "; rebuild the base image with PLAYWRIGHT_VERSION=" + in.playwright_version +
                  " (docs/base-image.md)");
  }

  // 5. Layers, config, manifest.
  t0 = Clock::now();
  fs::TempDir work("hypertest-deploy-");
  if (work.path().empty()) return make_error(ErrorKind::io, "cannot create a temporary directory", "deploy");
  ProjectImageInputs pin;
  pin.project_root = cfg.project_root;
  pin.project_files = files;
  pin.playwright_config = cfg.test_runner.config;
  pin.test_dir_hash = test_dir_hash;
  pin.work_dir = work.path();
  if (in.use_layer_cache) pin.cache_dir = in.layer_cache_dir.empty() ? default_layer_cache_dir() : in.layer_cache_dir;
  auto layers = build_project_layers(pin);
  if (!layers) return layers.error().with_context("deploy: build");
  auto image = derive_project_image(*base, *layers, pin);
  if (!image) return image.error().with_context("deploy: build");
  result.dependencies_from_cache = layers->dependencies_from_cache;
  result.dependencies_size = layers->dependencies ? layers->dependencies->size : 0;
  result.tests_size = layers->tests.size;
  result.image_digest = image->manifest_digest;
  result.image_uri = target_ref->registry + "/" + repository + "@" + image->manifest_digest;
  progress.step("build",
                fmt::format("dependencies {}{}, tests {} ({} files) -> {}",
                            layers->dependencies ? ui::format_bytes(layers->dependencies->size) : "none",
                            layers->dependencies_from_cache ? " (cached)" : "", ui::format_bytes(layers->tests.size),
                            files.size(), image->manifest_digest.substr(0, 19)),
                -1, ms_since(t0));

  result.manifest.provider = "aws";
  result.manifest.image_uri = result.image_uri;
  result.manifest.image_digest = result.image_digest;
  result.manifest.test_dir_hash = test_dir_hash;
  result.manifest.playwright_version = in.playwright_version;
  result.manifest.created_at = iso8601_now();
  result.manifest.tests = in.tests;

  // 6. Plan (HEAD only), then push unless dry run.
  t0 = Clock::now();
  oci::PushRequest request = make_push_request(*base, *layers, *image, repository, in.tag);
  auto plan = oci::plan_push(target, base_ref->registry, request);
  if (!plan) return explain_registry_error(plan.error(), repository).with_context("deploy: plan push");
  result.plan = *plan;
  int to_send = 0;
  for (const auto& p : plan->blobs) to_send += p.action == oci::BlobAction::present ? 0 : 1;
  // Sizes travel in `bytes` (the UI formats them), not in the detail text.
  progress.step("plan",
                fmt::format("{} blobs, {} to send, manifest {}", plan->blobs.size(), to_send,
                            plan->manifest_present ? "present" : "to push"),
                plan->bytes_to_upload, ms_since(t0));
  if (in.dry_run) {
    for (const auto& p : plan->blobs) {
      progress.step(
          "plan",
          fmt::format("{}: {} {}", p.blob.role, oci::to_string(p.action), p.blob.descriptor.digest.substr(0, 19)),
          p.blob.descriptor.size);
    }
    progress.step("plan", "dry run: would push " + result.image_uri + ", write " + cfg.build_manifest_file_name +
                              " and update " + aws_cfg.function_name);
    return result;
  }

  t0 = Clock::now();
  auto observer = [&](const oci::PushEvent& e) {
    if (e.kind == oci::PushEvent::Kind::blob_done && e.blob->action != oci::BlobAction::present) {
      progress.step("push", fmt::format("{} {}", e.blob->role, oci::to_string(e.blob->action)), e.blob->bytes_uploaded,
                    e.blob->duration.count());
    }
  };
  auto pushed = oci::execute_push(target, source, *plan, request, observer);
  if (!pushed) return explain_registry_error(pushed.error(), repository).with_context("deploy: push");
  result.push = *pushed;
  progress.step("push",
                fmt::format("done: {} uploaded, {} mounted, {} present; manifest {}", pushed->blobs_uploaded,
                            pushed->blobs_mounted,
                            pushed->blobs.size() - static_cast<size_t>(pushed->blobs_uploaded + pushed->blobs_mounted),
                            pushed->manifest_pushed ? "pushed" : "unchanged"),
                pushed->bytes_uploaded, ms_since(t0));

  // 7. The manifest, before the function moves (SPEC §3 order); a failed update afterwards
  //    shows up as image drift on the next invoke.
  t0 = Clock::now();
  auto saved = save_manifest(*in.store, cfg.build_manifest_file_name, result.manifest);
  if (!saved) return saved.error().with_context("deploy");
  progress.step("manifest", in.store->uri_of(cfg.build_manifest_file_name), -1, ms_since(t0));

  // 8. Point the function at the digest and wait.
  t0 = Clock::now();
  const bool already = function->image_uri == result.image_uri || function->resolved_image_uri == result.image_uri;
  if (already && (function->last_update_status.empty() || function->last_update_status == "Successful")) {
    progress.step("update", aws_cfg.function_name + " already runs " + image->manifest_digest.substr(0, 19), -1,
                  ms_since(t0));
    return result;
  }
  auto updated = lambda->update_function_code_image(aws_cfg.function_name, result.image_uri);
  if (!updated) return updated.error().with_context("deploy: UpdateFunctionCode");
  progress.step("update", aws_cfg.function_name + " -> " + result.image_uri, -1, ms_since(t0));
  t0 = Clock::now();
  auto waited =
      lambda->wait_until_updated(aws_cfg.function_name, std::chrono::seconds(aws_cfg.lambda_update_max_wait_time));
  if (!waited) return waited.error().with_context("deploy: wait for " + aws_cfg.function_name);
  result.function_updated = true;
  progress.step("wait",
                "LastUpdateStatus " +
                    (waited->last_update_status.empty() ? std::string("Successful") : waited->last_update_status),
                -1, ms_since(t0));
  return result;
}

}  // namespace ht::deploy
