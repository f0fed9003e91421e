// Image documents: descriptors, image manifests (OCI and Docker v2 schema 2), indexes /
// manifest lists, and the derivation of a new image (config + manifest) from a base image
// plus appended layers. Serialization is canonical (sorted keys, no whitespace), so the
// same inputs always give the same bytes and therefore the same digest.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace ht::oci {

struct Platform {
  std::string os;            // "linux"
  std::string architecture;  // "amd64"
  std::string variant;       // "" or e.g. "v8"
};

struct Descriptor {
  std::string media_type;
  std::string digest;  // "sha256:<hex>"
  std::int64_t size = 0;
  std::optional<Platform> platform;                // index entries only
  std::map<std::string, std::string> annotations;  // kept as given
};

// An image manifest of either family. `media_type` is the manifest's own type.
struct ImageManifest {
  std::string media_type;
  Descriptor config;
  std::vector<Descriptor> layers;
  std::map<std::string, std::string> annotations;
};

// An OCI index or a Docker manifest list.
struct ImageIndex {
  std::string media_type;
  std::vector<Descriptor> manifests;
};

// The media type of a manifest document: the Content-Type when it is one we know, else the
// document's own "mediaType", else inferred from its shape (OCI allows omitting it).
std::string detect_manifest_type(std::string_view body, std::string_view content_type);

// Parse errors are of kind `protocol`; schema 1 and unknown types are refused by name.
Result<ImageManifest> parse_manifest(std::string_view body, std::string_view media_type);
Result<ImageIndex> parse_index(std::string_view body, std::string_view media_type);

// Canonical JSON bytes of a manifest (the bytes that are pushed and digested).
std::string serialize_manifest(const ImageManifest& manifest);

// The index entry for os/architecture (variant ignored for amd64); attestation manifests
// (platform unknown/unknown) never match. Error (kind `config`) naming the platforms present
// when none matches.
Result<Descriptor> select_platform(const ImageIndex& index, std::string_view os = "linux",
                                   std::string_view architecture = "amd64");

// "sha256:<hex of SHA-256(data)>".
std::string digest_of(std::string_view data);

// A layer appended to the base image, with the history line that describes it.
struct AppendedLayer {
  Descriptor descriptor;   // media_type is filled in by derive_image to match the base's family
  std::string diff_id;     // "sha256:..." of the uncompressed tar
  std::string created_by;  // history "created_by", e.g. "hypertest: dependencies (package-lock.json sha256:...)"
};

struct ImageChanges {
  // Set (or replace) these variables in Config.Env, in this order after the base's others.
  std::vector<std::pair<std::string, std::string>> env;
  std::string working_dir;  // empty: keep the base's
  std::vector<AppendedLayer> layers;
  // Labels merged into Config.Labels.
  std::map<std::string, std::string> labels;
};

struct DerivedImage {
  std::string config;            // canonical JSON bytes of the new image config
  Descriptor config_descriptor;  // its digest and size, media type of the base's family
  ImageManifest manifest;        // base layers + appended layers
  std::string manifest_bytes;    // serialize_manifest(manifest)
  std::string manifest_digest;   // digest_of(manifest_bytes)
};

// Derives the new image from the base manifest and its config JSON. Keeps everything in the
// base config (entrypoint, cmd, labels, ...) and appends diff_ids and history entries without
// timestamps, so the result depends only on the inputs. Refuses a base that is not
// linux/amd64 (Lambda x86_64) or whose diff_ids do not match its layer count.
Result<DerivedImage> derive_image(const ImageManifest& base_manifest, std::string_view base_config,
                                  const ImageChanges& changes);

}  // namespace ht::oci
