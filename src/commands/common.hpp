// Pieces shared by the subcommands: loading the config for a command, opening the store,
// running discovery with the command's filters, mapping errors to exit codes.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "commands/options.hpp"
#include "config/config.hpp"
#include "core/error.hpp"
#include "discovery/discovery.hpp"
#include "store/artifact_store.hpp"

namespace ht {

// 2 for usage/config/drift errors, 130 for interrupted, 1 otherwise.
int exit_code_for(const Error& error);

// Prints "hypertest: <error>" on stderr (redacted) and returns exit_code_for(error).
int report_error(const Error& error);

// A new run id: UTC time plus randomness, sortable and safe as a folder name
// ("20261126-211136-3f9c2a").
std::string make_run_id();

Result<std::unique_ptr<ArtifactStore>> open_artifact_store(const Config& config);

DiscoveryOptions discovery_options(const Config& config, const CommandOptions& options);

// The files shipped in the image's tests layer and hashed into the manifest's testDirHash:
// the project tree minus outputs (the configured results and manifest names, a local
// artifact folder inside the project), hypertest's own config file, and .hypertestignore.
struct ProjectFileSet {
  std::vector<std::string> files;
  std::string hash;
};
Result<ProjectFileSet> project_file_set(const Config& config);

// $HYPERTEST_RUNNER, else hypertest-runner next to the running hypertest binary, else PATH.
std::filesystem::path find_runner_binary();

}  // namespace ht
