// Idempotent, content-addressed push of one image: HEAD every blob, mount base layers from
// the base repository when it lives on the same registry, copy them when it does not,
// upload our own blobs (chunked), and PUT the manifest last — only when the tag does not
// already name this exact digest. An unchanged image therefore pushes nothing at all.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "oci/image.hpp"
#include "oci/registry_client.hpp"

namespace ht::oci {

struct PushBlob {
  std::string role;               // for humans: "base layer 3/7", "dependencies", "tests", "config"
  Descriptor descriptor;          // digest + size
  std::filesystem::path file;     // our layer on disk, or
  std::string bytes;              // our blob in memory (the config), or
  std::string source_repository;  // a base layer: the repository (on the source registry) that has it
};

struct PushRequest {
  std::string repository;  // target repository on the target registry
  std::string tag;         // tag to point at the manifest; empty: push by digest only
  std::vector<PushBlob> blobs;
  std::string manifest_media_type;
  std::string manifest_bytes;
  std::string manifest_digest;
};

enum class BlobAction {
  present,  // the target repository has it: nothing to send
  mount,    // cross-repository mount on the same registry (falls back to copy if declined)
  copy,     // read from the source registry, upload to the target
  upload,   // our own blob, uploaded from disk/memory
};
const char* to_string(BlobAction a);

struct PlannedBlob {
  PushBlob blob;
  BlobAction action = BlobAction::upload;
};

struct PushPlan {
  std::vector<PlannedBlob> blobs;
  bool manifest_present = false;     // the tag (or digest) already names manifest_digest
  std::int64_t bytes_to_upload = 0;  // upload + copy sizes (mounts send nothing)
};

// Read-only: HEAD requests only. Safe for --dry-run.
Result<PushPlan> plan_push(RegistryClient& target, const std::string& source_registry, const PushRequest& request);

struct BlobReport {
  std::string role;
  std::string digest;
  BlobAction action = BlobAction::present;  // what actually happened (a declined mount reports copy)
  std::int64_t size = 0;
  std::int64_t bytes_uploaded = 0;
  std::chrono::milliseconds duration{0};
};

struct PushReport {
  std::vector<BlobReport> blobs;
  bool manifest_pushed = false;
  int blobs_uploaded = 0;  // upload + copy
  int blobs_mounted = 0;
  std::int64_t bytes_uploaded = 0;
  std::chrono::milliseconds duration{0};
};

struct PushEvent {
  enum class Kind { blob_start, blob_progress, blob_done, manifest_done } kind = Kind::blob_start;
  const BlobReport* blob = nullptr;  // blob_* events
  std::int64_t done = 0;             // blob_progress: bytes sent so far
  std::int64_t total = 0;
};
using PushObserver = std::function<void(const PushEvent&)>;

// Executes a plan made by plan_push. `source` is the client for the base image's registry
// (may be the same object as `target`).
Result<PushReport> execute_push(RegistryClient& target, RegistryClient& source, const PushPlan& plan,
                                const PushRequest& request, const PushObserver& observer = {});

}  // namespace ht::oci
