#include "oci/image_push.hpp"

#include "core/log.hpp"

namespace ht::oci {

namespace {

using Clock = std::chrono::steady_clock;

std::chrono::milliseconds since(Clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
}

}  // namespace

const char* to_string(BlobAction a) {
  switch (a) {
    case BlobAction::present:
      return "present";
    case BlobAction::mount:
      return "mount";
    case BlobAction::copy:
      return "copy";
    case BlobAction::upload:
      return "upload";
  }
  return "?";
}

Result<PushPlan> plan_push(RegistryClient& target, const std::string& source_registry, const PushRequest& request) {
  PushPlan plan;
  for (const auto& blob : request.blobs) {
    auto exists = target.blob_exists(request.repository, blob.descriptor.digest);
    if (!exists) return exists.error().with_context("plan push (" + blob.role + ")");
    PlannedBlob p{blob, BlobAction::upload};
    if (*exists) {
      p.action = BlobAction::present;
    } else if (!blob.source_repository.empty()) {
      p.action = source_registry == target.registry() ? BlobAction::mount : BlobAction::copy;
      if (p.action == BlobAction::copy) plan.bytes_to_upload += blob.descriptor.size;
    } else {
      plan.bytes_to_upload += blob.descriptor.size;
    }
    plan.blobs.push_back(std::move(p));
  }
  const std::string ref = request.tag.empty() ? request.manifest_digest : request.tag;
  auto current = target.head_manifest(request.repository, ref);
  if (!current) return current.error().with_context("plan push (manifest)");
  plan.manifest_present = current->has_value() && **current == request.manifest_digest;
  return plan;
}

Result<PushReport> execute_push(RegistryClient& target, RegistryClient& source, const PushPlan& plan,
                                const PushRequest& request, const PushObserver& observer) {
  const auto t0 = Clock::now();
  PushReport report;
  for (const auto& p : plan.blobs) {
    const auto tb = Clock::now();
    BlobReport br{p.blob.role, p.blob.descriptor.digest, p.action, p.blob.descriptor.size, 0, {}};
    if (observer) observer({PushEvent::Kind::blob_start, &br, 0, br.size});
    auto on_progress = [&](std::int64_t done, std::int64_t total) {
      if (observer) observer({PushEvent::Kind::blob_progress, &br, done, total});
    };
    const std::string ctx = "push " + p.blob.role + " " + p.blob.descriptor.digest;
    BlobAction action = p.action;
    if (action == BlobAction::mount) {
      auto mounted = target.mount_blob(request.repository, p.blob.descriptor.digest, p.blob.source_repository);
      if (!mounted) return mounted.error().with_context(ctx);
      if (*mounted) {
        ++report.blobs_mounted;
      } else {
        log::info("registry declined mounting {} from {}; copying it", p.blob.descriptor.digest,
                  p.blob.source_repository);
        action = BlobAction::copy;
      }
    }
    if (action == BlobAction::copy) {
      auto read_chunk = [&](std::int64_t offset, std::int64_t length) {
        return source.get_blob_range(p.blob.source_repository, p.blob.descriptor.digest, offset, length);
      };
      auto sent = target.upload_blob(request.repository, p.blob.descriptor.digest, p.blob.descriptor.size, read_chunk,
                                     on_progress);
      if (!sent) return sent.error().with_context(ctx);
      br.bytes_uploaded = *sent;
    } else if (action == BlobAction::upload) {
      auto sent =
          p.blob.file.empty()
              ? target.upload_blob_bytes(request.repository, p.blob.descriptor.digest, p.blob.bytes, on_progress)
              : target.upload_blob_file(request.repository, p.blob.descriptor.digest, p.blob.file, on_progress);
      if (!sent) return sent.error().with_context(ctx);
      br.bytes_uploaded = *sent;
    }
    if (action == BlobAction::copy || action == BlobAction::upload) ++report.blobs_uploaded;
    br.action = action;
    br.duration = since(tb);
    report.bytes_uploaded += br.bytes_uploaded;
    if (observer) observer({PushEvent::Kind::blob_done, &br, br.bytes_uploaded, br.size});
    report.blobs.push_back(br);
  }
  if (!plan.manifest_present) {
    const std::string ref = request.tag.empty() ? request.manifest_digest : request.tag;
    auto pushed = target.put_manifest(request.repository, ref, request.manifest_media_type, request.manifest_bytes);
    if (!pushed) return pushed.error().with_context("push manifest");
    report.manifest_pushed = true;
  }
  if (observer) observer({PushEvent::Kind::manifest_done, nullptr, 0, 0});
  report.duration = since(t0);
  return report;
}

}  // namespace ht::oci
