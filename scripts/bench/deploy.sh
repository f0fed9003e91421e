#!/usr/bin/env bash
# Deploy benchmark (a benchmark, not a test): `hypertest deploy` of examples/basic on the aws
# provider against the local registry (docker-registry standing in for ECR) and moto_server
# (ECR token, S3, Lambda), in three situations:
#   first    a new repository and an empty layer cache (node_modules is compressed and sent)
#   noop     the same suite again (must send nothing)
#   onefile  one spec file edited (must send the tests layer and the config only)
# For each: wall time of the whole command, and what the REGISTRY received (completed blob
# uploads in its access log, their sizes from its storage), next to what the CLI reported.
#
#   scripts/bench/deploy.sh [ROUNDS]
#
# ROUNDS (default 3) repetitions of the three steps (each round a fresh repository and
# cache); medians are reported. HT_BUILD_DIR (default build/) holds the hypertest binary.
# Peers: started here (scripts/peers/registry.sh, moto.sh) unless HT_REGISTRY_ADDR and
# HT_MOTO_ENDPOINT are already set (as under scripts/test.sh).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
build=${HT_BUILD_DIR:-$root/build}
hypertest=$build/hypertest
rounds=${1:-3}
[[ -x "$hypertest" ]] || { echo "no hypertest binary at $hypertest (cmake --build build)" >&2; exit 2; }
[[ -d "$root/examples/basic/node_modules" ]] || { echo "run npm ci in examples/basic first" >&2; exit 2; }

state=$(mktemp -d /tmp/hypertest-bench-deploy.XXXXXX)
started=()
cleanup() {
  for peer in "${started[@]}"; do "$root/scripts/peers/$peer.sh" stop "$state/$peer" >/dev/null 2>&1 || true; done
  rm -rf "$state"
}
trap cleanup EXIT INT TERM

start_peer() {
  local peer=$1 out
  mkdir -p "$state/$peer"
  out=$("$root/scripts/peers/$peer.sh" start "$state/$peer")
  started+=("$peer")
  while IFS='=' read -r key value; do [[ -n "$key" ]] && export "$key=$value"; done <<<"$out"
}
[[ -n "${HT_REGISTRY_ADDR:-}" ]] || start_peer registry
[[ -n "${HT_MOTO_ENDPOINT:-}" ]] || start_peer moto

# AWS for the CLI: moto; Lambda on the instance that does not check signatures (moto cannot
# verify bodiless GETs such as GetFunction, see scripts/peers/moto.sh).
export AWS_ACCESS_KEY_ID=$HT_MOTO_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY=$HT_MOTO_SECRET_ACCESS_KEY
export AWS_REGION=$HT_MOTO_REGION AWS_ENDPOINT_URL=$HT_MOTO_ENDPOINT AWS_ENDPOINT_URL_LAMBDA=$HT_MOTO_NOAUTH_ENDPOINT
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
unset AWS_SESSION_TOKEN AWS_PROFILE
awsm() { aws --region "$AWS_REGION" --output json "$@"; }

bucket=hypertest-bench-$$
function=hypertest-bench-$$
awsm --endpoint-url "$HT_MOTO_ENDPOINT" s3api create-bucket --bucket "$bucket" >/dev/null
awsm --endpoint-url "$HT_MOTO_NOAUTH_ENDPOINT" lambda create-function --function-name "$function" \
  --package-type Image --code "ImageUri=$HT_REGISTRY_BASE_IMAGE_V2S2" --role "$HT_MOTO_LAMBDA_ROLE" \
  --memory-size 2048 --timeout 300 >/dev/null

project=$state/project
cp -a "$root/examples/basic" "$project"
rm -f "$project/hypertest.config.json" "$project/hypertest.manifest.json"
spec=$project/tests/home.spec.ts
cp "$spec" "$state/spec.orig"
registry_dir=$(dirname "$HT_REGISTRY_LOG")

write_config() {  # $1: repository
  cat >"$project/hypertest.config.json" <<JSON
{
  "imageName": "$1",
  "testRunner": {"type": "playwright", "config": "playwright.config.ts"},
  "cloudProvider": {
    "type": "aws",
    "region": "$AWS_REGION",
    "baseImage": "$HT_REGISTRY_BASE_IMAGE",
    "ecrRegistry": "$HT_REGISTRY_ADDR",
    "functionName": "$function",
    "bucketName": "$bucket",
    "lambdaUpdateMaxWaitTime": 60
  }
}
JSON
}

# Completed blob uploads for $2 in the registry log after byte $1: "count bytes".
registry_uploads() {
  python3 - "$HT_REGISTRY_LOG" "$1" "$2" "$registry_dir/data" <<'PY'
import os, re, sys
log, mark, repo, data = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
pat = re.compile(r'"PUT /v2/' + re.escape(repo) + r'/blobs/uploads/[^ ]*[?&]digest=sha256%3A([0-9a-f]{64})[^ ]* HTTP/1\.1" 201 ')
n = size = 0
with open(log, "rb") as f:
    f.seek(mark)
    for line in f.read().decode("utf-8", "replace").splitlines():
        m = pat.search(line)
        if m:
            n += 1
            size += os.path.getsize(os.path.join(data, "docker/registry/v2/blobs/sha256", m.group(1)[:2], m.group(1), "data"))
print(n, size)
PY
}

results=$state/results.tsv
: >"$results"
run_deploy() {  # $1: scenario, $2: repository, $3: cache dir
  local mark t0 t1 out reported
  mark=$(stat -c %s "$HT_REGISTRY_LOG")
  t0=$(date +%s%N)
  if ! XDG_CACHE_HOME=$3 "$hypertest" deploy --quiet --config "$project/hypertest.config.json" >"$state/out.txt" 2>&1; then
    echo "hypertest deploy failed ($1):" >&2
    cat "$state/out.txt" >&2
    exit 1
  fi
  cp "$state/out.txt" "$state/last-$1.txt"
  t1=$(date +%s%N)
  read -r count bytes < <(registry_uploads "$mark" "$2")
  reported=$(grep -o '^\[deploy\] push done:.*' "$state/out.txt" | head -n 1 || true)
  printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$(( (t1 - t0) / 1000000 ))" "$count" "$bytes" "$reported" >>"$results"
}

for r in $(seq "$rounds"); do
  repo=bench-r$r-$$
  cache=$state/cache-$r
  write_config "$repo"
  cp "$state/spec.orig" "$spec"
  run_deploy first "$repo" "$cache"
  run_deploy noop "$repo" "$cache"
  printf '\n// bench round %s: one edited file\n' "$r" >>"$spec"
  run_deploy onefile "$repo" "$cache"
done

echo "examples/basic: $(grep -o '^\[deploy\] hash [0-9]* files' "$state/last-first.txt" | grep -o '[0-9]* files' || echo '? files')" \
     "in the tests layer, node_modules $(du -sh "$project/node_modules" | cut -f1); $rounds rounds; medians"
python3 - "$results" <<'PY'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
print(f"{'scenario':<9} {'wall_ms':>8} {'min_ms':>7} {'max_ms':>7} {'blob_uploads':>12} {'bytes_uploaded':>14}  cli reported")
for s in ("first", "noop", "onefile"):
    rs = [r for r in rows if r[0] == s]
    ms = [int(r[1]) for r in rs]
    print(f"{s:<9} {int(statistics.median(ms)):>8} {min(ms):>7} {max(ms):>7} {int(statistics.median(int(r[2]) for r in rs)):>12} "
          f"{int(statistics.median(int(r[3]) for r in rs)):>14}  {rs[-1][4]}")
PY
for s in first noop onefile; do
  echo
  echo "--- $s, last round (the CLI's own lines)"
  grep '^\[deploy\]' "$state/last-$s.txt" || true
done
