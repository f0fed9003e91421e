#include "commands/common.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <random>

#include <fmt/format.h>

#include "commands/cli.hpp"
#include "core/hash.hpp"
#include "core/log.hpp"
#include "core/subprocess.hpp"
#include "discovery/project_files.hpp"

namespace ht {

namespace stdfs = std::filesystem;

int exit_code_for(const Error& error) {
  switch (error.kind) {
    case ErrorKind::usage:
    case ErrorKind::config:
    case ErrorKind::drift:
      return kExitUsage;
    case ErrorKind::interrupted:
      return kExitInterrupted;
    default:
      return kExitFailed;
  }
}

int report_error(const Error& error) {
  std::string line = log::redact("hypertest: " + error.describe()) + "\n";
  (void)::write(STDERR_FILENO, line.data(), line.size());
  return exit_code_for(error);
}

std::string make_run_id() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::random_device rd;
  return fmt::format("{:04}{:02}{:02}-{:02}{:02}{:02}-{:06x}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec, rd() & 0xffffffU);
}

Result<std::unique_ptr<ArtifactStore>> open_artifact_store(const Config& config) {
  auto store = open_store(config.artifacts, config.project_root);
  if (!store.ok()) return store.error().with_context("artifacts " + config.artifacts);
  return store;
}

DiscoveryOptions discovery_options(const Config& config, const CommandOptions& options) {
  DiscoveryOptions d;
  d.project_root = config.project_root;
  d.playwright_config = config.test_runner.config;
  d.projects = options.projects.empty() ? config.test_runner.projects : options.projects;
  d.grep = options.grep;
  d.file_filters = options.file_filters;
  return d;
}

Result<ProjectFileSet> project_file_set(const Config& config) {
  ProjectFilesOptions o;
  o.extra_excludes = {"/" + config.results_file_name, "/" + config.build_manifest_file_name};
  // The CLI's own config steers the CLI, not the tests: editing concurrency or retries is
  // no drift and ships nothing.
  if (!config.file.empty()) {
    auto rel = config.file.lexically_normal().lexically_relative(config.project_root);
    if (!rel.empty() && *rel.begin() != "..") o.extra_excludes.push_back("/" + rel.generic_string());
  }
  // A local artifact store inside the project is output, not input.
  if (config.artifacts.rfind("s3://", 0) != 0) {
    stdfs::path a = config.artifacts.rfind("file://", 0) == 0 ? stdfs::path(config.artifacts.substr(7))
                                                              : stdfs::path(config.artifacts);
    if (a.is_relative()) a = config.project_root / a;
    auto rel = a.lexically_normal().lexically_relative(config.project_root);
    if (!rel.empty() && *rel.begin() != "..") o.extra_excludes.push_back("/" + rel.generic_string() + "/");
  }
  auto files = collect_project_files(config.project_root, o);
  if (!files.ok()) return files.error();
  auto hash = content_hash(config.project_root, *files);
  if (!hash.ok()) return hash.error();
  return ProjectFileSet{std::move(*files), std::move(*hash)};
}

stdfs::path find_runner_binary() {
  if (const char* env = std::getenv("HYPERTEST_RUNNER"); env != nullptr && *env != '\0') return env;
  std::error_code ec;
  stdfs::path self = stdfs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    stdfs::path sibling = self.parent_path() / "hypertest-runner";
    if (stdfs::exists(sibling, ec)) return sibling;
  }
  return find_executable("hypertest-runner");
}

}  // namespace ht
