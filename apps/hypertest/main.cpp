// hypertest: the CLI. Thin: parse arguments, call the library, map errors to exit codes.
#include "commands/cli.hpp"

int main(int argc, char** argv) { return ht::run_cli(argc, argv); }
