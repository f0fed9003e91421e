#include "commands/deploy.hpp"

#include <chrono>

#include <fmt/format.h>

#include "commands/cli.hpp"
#include "commands/common.hpp"
#include "core/clock.hpp"
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
  if (config->cloud_provider.is_aws()) {
    return fail(make_error(ErrorKind::config, "deploy to aws is not available in this build", "cloudProvider"));
  }

  // Local provider: there is no image; the manifest freezes the test list and the content
  // hash of the working tree, so `invoke` can tell when the suite changed since deploy.
  auto t0 = Clock::now();
  auto discovered = discover_tests(discovery_options(*config, options));
  if (!discovered.ok()) return fail(discovered.error().with_context("discover tests"));
  sink->on_event(ui::DeployStep{"discover", fmt::format("{} tests", discovered->tests.size()), -1, ms_since(t0)});

  t0 = Clock::now();
  auto hash = project_content_hash(*config);
  if (!hash.ok()) return fail(hash.error().with_context("hash the project"));
  sink->on_event(ui::DeployStep{"hash", hash->substr(0, 12), -1, ms_since(t0)});

  Manifest m;
  m.provider = "local";
  m.test_dir_hash = *hash;
  m.playwright_version = discovered->playwright_version;
  m.created_at = iso8601_now();
  m.tests = std::move(discovered->tests);

  auto store = open_artifact_store(*config);
  if (!store.ok()) return fail(store.error());
  if (options.dry_run) {
    sink->on_event(ui::DeployStep{"manifest", "dry run: would write " + (*store)->uri_of(config->build_manifest_file_name), -1, -1});
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
