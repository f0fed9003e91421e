#!/usr/bin/env bash
# Sets up everything hypertest needs on a fresh Debian 12 machine (as root, or with sudo):
# system packages (compiler, libraries, Chromium, ffmpeg, the test peers), the example
# suite's npm packages, Playwright's ffmpeg link for video, and the build in ./build.
# Idempotent: a second run only rebuilds what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi

# Build: compiler, CMake, libraries (Debian -dev packages).
PACKAGES=(build-essential cmake ninja-build pkg-config ccache clang-format clang-tidy
  libcurl4-openssl-dev libssl-dev zlib1g-dev libfmt-dev nlohmann-json3-dev libcli11-dev
  libarchive-dev libxml2-dev libgtest-dev libcpp-httplib-dev
  # Running suites: Debian's Chromium (Playwright's own browser download does not work
  # offline) and ffmpeg for Playwright's video recording.
  chromium ffmpeg
  # Test peers: a container registry, its htpasswd tool, and an independent image reader.
  docker-registry apache2-utils skopeo)
if ! command -v node >/dev/null 2>&1; then PACKAGES+=(nodejs npm); fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "[setup] installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Python-side peers of the tests (moto_server, the aws CLI, botocore, cfn-lint) come with
# this kind of machine; say so clearly when they do not.
for tool in moto_server aws cfn-lint python3; do
  command -v "$tool" >/dev/null 2>&1 || echo "[setup] warning: $tool not found (needed by the AWS tests)" >&2
done

# The example suite's npm packages (Playwright 1.65.1), from its lockfile.
install_npm() {
  local dir=$1
  if [ ! -d "$dir/node_modules/@playwright/test" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    echo "[setup] npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}
install_npm "$ROOT/examples/basic"

# Playwright records video with its own ffmpeg build, which cannot be downloaded here; it
# works with Debian's when linked where Playwright looks for it.
rev=$(node -e 'const b=require(process.argv[1]).browsers.find(x=>x.name==="ffmpeg"); process.stdout.write(b?b.revision:"")' \
  "$ROOT/examples/basic/node_modules/playwright-core/browsers.json" 2>/dev/null || true)
if [ -n "$rev" ]; then
  dir="${PLAYWRIGHT_BROWSERS_PATH:-$HOME/.cache/ms-playwright}/ffmpeg-$rev"
  mkdir -p "$dir"
  ln -sf /usr/bin/ffmpeg "$dir/ffmpeg-linux"
fi

# The build.
echo "[setup] building into ./build"
cmake -S "$ROOT" -B "$ROOT/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$ROOT/build" -j "$(nproc)"
echo "[setup] done: $ROOT/build/hypertest"
