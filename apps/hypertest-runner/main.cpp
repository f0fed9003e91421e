// hypertest-runner: the function-side entrypoint (Lambda custom runtime loop).
#include "runner/runner_main.hpp"

int main(int argc, char** argv) { return ht::runner::runner_main(argc, argv); }
