// Chooses the provider the config names (cloudProvider.type).
#pragma once

#include <memory>

#include "config/config.hpp"
#include "core/error.hpp"
#include "providers/provider.hpp"

namespace ht {

Result<std::unique_ptr<Provider>> make_provider(const Config& config);

}  // namespace ht
