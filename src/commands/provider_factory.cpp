#include "commands/provider_factory.hpp"

#include "providers/local/local_provider.hpp"

namespace ht {

Result<std::unique_ptr<Provider>> make_provider(const Config& config) {
  if (config.cloud_provider.is_aws()) {
    return make_error(ErrorKind::config, "the aws provider is not available in this build", "cloudProvider");
  }
  return make_local_provider();
}

}  // namespace ht
