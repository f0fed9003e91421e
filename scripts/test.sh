#!/usr/bin/env bash
# The README's second command and what CI runs: set up, start the real peers the tests talk
# to (moto_server, docker-registry) on 127.0.0.1, run every test with CTest, stop the peers.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
./scripts/setup.sh

STATE=$(mktemp -d /tmp/hypertest-peers.XXXXXX)
started=()
cleanup() {
  for peer in "${started[@]}"; do "$ROOT/scripts/peers/$peer.sh" stop "$STATE/$peer" || true; done
  rm -rf "$STATE"
}
trap cleanup EXIT INT TERM

for script in "$ROOT"/scripts/peers/*.sh; do
  [ -e "$script" ] || continue
  peer=$(basename "$script" .sh)
  mkdir -p "$STATE/$peer"
  echo "[test] starting $peer"
  out=$("$script" start "$STATE/$peer")
  started+=("$peer")
  while IFS='=' read -r key value; do
    [ -n "$key" ] && export "$key=$value"
  done <<< "$out"
done

cd "$ROOT/build"
ctest --output-on-failure -j 2 "$@"
