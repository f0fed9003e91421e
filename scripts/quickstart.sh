#!/usr/bin/env bash
# The README's first command: set everything up, then run the example Playwright suite in
# parallel on the local provider (deploy writes the manifest; invoke runs the tests).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
./scripts/setup.sh

cd "$ROOT/examples/basic"
"$ROOT/build/hypertest" deploy
set +e
"$ROOT/build/hypertest" invoke
code=$?
set -e
echo
echo "Results: $ROOT/examples/basic/hypertest.results.json"
echo "Artifacts: $ROOT/examples/basic/hypertest-artifacts/<runId>/ (HTML report: npx playwright show-report hypertest-artifacts/<runId>/report)"
if [ "$code" = 1 ]; then
  # The example keeps one failing test on purpose, so a failure shows what it looks like.
  echo "(The example suite fails one test on purpose, in each of its two projects; hypertest exits 1 when any test fails.)"
  exit 0
fi
exit "$code"
