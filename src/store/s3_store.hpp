// The artifact store in S3 ("s3://bucket/prefix"), over aws/s3_client.
#pragma once

#include <memory>
#include <string>

#include "store/artifact_store.hpp"

namespace ht {

// Opens an S3 store with credentials and region from the standard chain (aws/credentials).
Result<std::unique_ptr<ArtifactStore>> open_s3_store(const std::string& uri);

}  // namespace ht
