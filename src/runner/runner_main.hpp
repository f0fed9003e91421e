// Entry of hypertest-runner: the Lambda custom runtime loop (see runner/runtime_client.hpp).
#pragma once

namespace ht::runner {

int runner_main(int argc, char** argv);

}  // namespace ht::runner
