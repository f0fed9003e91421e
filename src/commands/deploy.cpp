#include "commands/deploy.hpp"

#include <chrono>

#include <fmt/format.h>

#include "commands/cli.hpp"
#include "commands/common.hpp"
#include "core/clock.hpp"
#include "deploy/deploy_aws.hpp"
#include "manifest/manifest.hpp"
#include "ui/reporter.hpp"

namespace ht {

namespace {

using Clock = std::chrono::steady_clock;

std::int64_t ms_since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

}  // namespace

int run_deploy(const CommandOptions& options) {
  auto config = load_config(options.overrides);
  if (!config.ok()) return report_error(config.error());
  auto sink = ui::make_reporter(options.quiet);
  auto fail = [&](const Error& e) {
    sink->close();
    return report_error(e);
  };
  // Local provider: there is no image; the manifest freezes the test list and the content
  // hash of the working tree, so `invoke` can tell when the suite changed since deploy.
  // AWS: the same, plus the image built and pushed and the function pointed at it.
  auto t0 = Clock::now();
  auto discovered = discover_tests(discovery_options(*config, options));
  if (!discovered.ok()) return fail(discovered.error().with_context("discover tests"));
  sink->on_event(ui::DeployStep{"discover", fmt::format("{} tests", discovered->tests.size()), -1, ms_since(t0)});

  t0 = Clock::now();
  auto file_set = project_file_set(*config);
  if (!file_set.ok()) return fail(file_set.error().with_context("hash the project"));
  const std::string& hash = file_set->hash;
  sink->on_event(ui::DeployStep{"hash", fmt::format("{} files, {}", file_set->files.size(), hash.substr(0, 12)), -1,
                                ms_since(t0)});

  if (config->cloud_provider.is_aws()) {
    auto store = open_artifact_store(*config);
    if (!store.ok()) return fail(store.error());
    deploy::DeployInputs in;
    in.config = *config;
    in.tests = std::move(discovered->tests);
    in.playwright_version = discovered->playwright_version;
    in.project_files = file_set->files;
    in.test_dir_hash = hash;
    in.store = store->get();
    in.events = sink.get();
    in.dry_run = options.dry_run;
    auto deployed = deploy::deploy_aws(in);
    if (!deployed.ok()) return fail(deployed.error().with_context("deploy"));
    if (!deployed->dry_run) {
      sink->on_event(ui::DeployStep{"done", deployed->image_uri, -1, -1});
    }
    sink->close();
    return kExitOk;
  }

  Manifest m;
  m.provider = "local";
  m.test_dir_hash = hash;
  m.playwright_version = discovered->playwright_version;
  m.created_at = iso8601_now();
  m.tests = std::move(discovered->tests);

  auto store = open_artifact_store(*config);
  if (!store.ok()) return fail(store.error());
  if (options.dry_run) {
    sink->on_event(ui::DeployStep{
        "manifest", "dry run: would write " + (*store)->uri_of(config->build_manifest_file_name), -1, -1});
    sink->close();
    return kExitOk;
  }
  t0 = Clock::now();
  auto saved = save_manifest(**store, config->build_manifest_file_name, m);
  if (!saved.ok()) return fail(saved.error());
  sink->on_event(ui::DeployStep{"manifest", (*store)->uri_of(config->build_manifest_file_name), -1, ms_since(t0)});
  sink->close();
  return kExitOk;
}

}  // namespace ht
