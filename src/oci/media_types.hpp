// Media types of the OCI image spec and of Docker's image manifest v2 schema 2, the two
// families a registry may serve (https://github.com/opencontainers/image-spec/blob/main/media-types.md,
// https://distribution.github.io/distribution/spec/manifest-v2-2/).
#pragma once

#include <string_view>

namespace ht::oci {

inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kOciConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view kOciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";

inline constexpr std::string_view kDockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kDockerConfig = "application/vnd.docker.container.image.v1+json";
inline constexpr std::string_view kDockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";

// Schema 1 manifests (signed or not) are refused with a clear error: Lambda cannot run them.
inline constexpr std::string_view kDockerManifestV1 = "application/vnd.docker.distribution.manifest.v1+json";
inline constexpr std::string_view kDockerManifestV1Signed = "application/vnd.docker.distribution.manifest.v1+prettyjws";

// The Accept header for reading a manifest by tag: all four types we understand.
inline constexpr std::string_view kManifestAccept =
    "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";

inline bool is_index_type(std::string_view t) { return t == kOciIndex || t == kDockerManifestList; }
inline bool is_image_manifest_type(std::string_view t) { return t == kOciManifest || t == kDockerManifest; }

}  // namespace ht::oci
