// The artifact store in S3 ("s3://bucket/prefix"), over aws/s3_client.
#pragma once

#include <memory>
#include <string>

#include "store/artifact_store.hpp"

namespace ht {

// Opens an S3 store with credentials, region and endpoint from the standard chain
// (aws/credentials). When no region is configured anywhere, or `region_hint` is empty and
// the bucket lives elsewhere, the bucket's own region is used (HeadBucket's
// x-amz-bucket-region). Keys map to "{prefix}/{key}". Safe to use from several threads
// (calls are serialized).
Result<std::unique_ptr<ArtifactStore>> open_s3_store(const std::string& uri);
Result<std::unique_ptr<ArtifactStore>> open_s3_store(const std::string& uri, const std::string& region_hint);

}  // namespace ht
