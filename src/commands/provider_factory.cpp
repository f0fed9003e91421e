#include "commands/provider_factory.hpp"

#include "providers/aws/aws_provider.hpp"
#include "providers/local/local_provider.hpp"

namespace ht {

Result<std::unique_ptr<Provider>> make_provider(const Config& config) {
  if (config.cloud_provider.is_aws()) {
    auto settings = make_aws_provider_settings(config);
    if (!settings.ok()) return settings.error();
    return make_aws_provider(*settings);
  }
  return make_local_provider();
}

}  // namespace ht
