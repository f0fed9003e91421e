#!/usr/bin/env bash
# Format and lint check of our own code: clang-format (no diff allowed) and clang-tidy
# (.clang-tidy, warnings are errors) over src/ and apps/. Needs ./build (compile_commands.json).
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
mapfile -t formatted < <(git ls-files 'src/*.cpp' 'src/*.hpp' 'apps/*.cpp' 'tests/*.cpp' 'tests/*.hpp')
if ! clang-format --dry-run --Werror "${formatted[@]}"; then
  echo "lint: clang-format would change the files above (run: clang-format -i <files>)" >&2
  status=1
fi
mapfile -t sources < <(git ls-files 'src/*.cpp' 'apps/*.cpp')
if ! printf '%s\n' "${sources[@]}" | xargs -P "$(nproc)" -n 4 clang-tidy -p build --quiet; then
  echo "lint: clang-tidy found problems" >&2
  status=1
fi
exit $status
