#include "store/s3_store.hpp"

namespace ht {

// Placeholder until the S3 client lands (issue 4): an S3 store is a clear error.
Result<std::unique_ptr<ArtifactStore>> open_s3_store(const std::string& uri) {
  return make_error(ErrorKind::config, "S3 artifact stores are not supported yet", "artifacts " + uri);
}

}  // namespace ht
