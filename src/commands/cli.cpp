#include "commands/cli.hpp"

#include <unistd.h>

#include <functional>
#include <iostream>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "commands/common.hpp"
#include "commands/deploy.hpp"
#include "commands/doctor.hpp"
#include "commands/init.hpp"
#include "commands/invoke.hpp"
#include "commands/options.hpp"
#include "core/log.hpp"

namespace ht {

namespace {

struct Subcommand {
  const char* name;
  const char* help;
  std::function<int(const CommandOptions&)> run;
};

int doctor_command(const CommandOptions& options) {
  auto config = load_config(options.overrides);
  if (!config.ok()) return report_error(config.error());
  return run_doctor(*config, std::cout);
}

// The subcommands, one row each (SPEC §3).
const Subcommand kSubcommands[] = {
    {"init", "Write hypertest.config.json (prompts on a TTY, defaults otherwise)", run_init},
    {"deploy", "Discover the tests, build and push the image (aws), write the manifest", run_deploy},
    {"invoke", "Run the tests in parallel and write results and reports", run_invoke},
    {"doctor", "Check config, credentials, function, bucket, quota and Playwright", doctor_command},
};

}  // namespace

int run_cli(int argc, char** argv) {
  CLI::App app{"hypertest: run Playwright suites massively in parallel, on AWS Lambda or locally"};
  app.set_version_flag("--version", std::string(HYPERTEST_VERSION));
  app.require_subcommand(1);
  app.fallthrough();

  CommandOptions options;
  std::string config_path;
  int concurrency = 0;
  int retries = -1;
  std::string artifacts;
  app.add_option("--config", config_path, "Path to hypertest.config.json (or .js/.mjs)");
  app.add_option("--concurrency", concurrency, "Invocations in flight at once (overrides the config)");
  app.add_option("--retries", retries, "Retry failed tests up to N times (flaky when they then pass)");
  app.add_option("--artifacts", artifacts, "Artifact store: a folder or s3://bucket/prefix");
  app.add_flag("-q,--quiet", options.quiet, "Plain lines instead of the live view (automatic when not a TTY)");
  app.add_flag("-v,--verbose", options.verbose, "Log details to stderr (secrets are always redacted)");
  app.add_flag("--dry-run", options.dry_run, "Show what would happen; change nothing");

  std::string chosen;
  for (const auto& sub : kSubcommands) {
    CLI::App* cmd = app.add_subcommand(sub.name, sub.help);
    cmd->callback([&chosen, &sub] { chosen = sub.name; });
    if (std::string(sub.name) == "invoke" || std::string(sub.name) == "deploy") {
      cmd->add_option("-g,--grep", options.grep, "Only tests whose title matches this regular expression");
      cmd->add_option("--project", options.projects, "Only tests of this Playwright project (repeatable)");
      cmd->add_option("files", options.file_filters, "Only tests in files matching these filters");
    }
    if (std::string(sub.name) == "invoke") {
      cmd->add_flag("--no-html-report", options.no_html, "Skip merging the Playwright HTML report");
    }
    if (std::string(sub.name) == "init") {
      cmd->add_flag("--force", options.force, "Overwrite an existing config file");
    }
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }

  if (!config_path.empty()) options.overrides.config_path = config_path;
  if (app.count("--concurrency") > 0) options.overrides.concurrency = concurrency;
  if (app.count("--retries") > 0) options.overrides.retries = retries;
  if (!artifacts.empty()) options.overrides.artifacts = artifacts;
  if (::isatty(STDOUT_FILENO) == 0) options.quiet = true;
  log::set_level(options.verbose ? log::Level::debug : log::Level::warn);

  for (const auto& sub : kSubcommands) {
    if (chosen == sub.name) return sub.run(options);
  }
  return kExitUsage;
}

}  // namespace ht
