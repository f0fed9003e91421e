// `hypertest deploy`: discover -> hash -> (aws: build and push image, update function) ->
// write the manifest into the artifact store.
#pragma once

#include "commands/options.hpp"

namespace ht {

int run_deploy(const CommandOptions& options);

}  // namespace ht
