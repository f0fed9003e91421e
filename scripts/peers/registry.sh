#!/usr/bin/env bash
# A local container registry standing in for ECR's Docker endpoint, for the image tests.
#   scripts/peers/registry.sh start DIR   start Debian's docker-registry (distribution 2.8) on
#                                         127.0.0.1:<free port> with filesystem storage in DIR
#                                         and htpasswd basic auth as ECR does it, push the
#                                         synthetic base image with skopeo, print KEY=VALUE lines
#   scripts/peers/registry.sh stop DIR    stop it
#
# Auth mirrors moto's ECR GetAuthorizationToken, which answers "AWS:<account>-auth-token"
# (moto/ecr/responses.py), so the password the CLI gets from moto works here.
# The access log (one line per request: method, path, status) goes to DIR/registry.log;
# tests count blob PATCH/PUT requests in it.
#
# Printed:
#   HT_REGISTRY_ADDR=127.0.0.1:PORT
#   HT_REGISTRY_LOG=DIR/registry.log
#   HT_REGISTRY_USER=AWS
#   HT_REGISTRY_PASSWORD=123456789012-auth-token
#   HT_REGISTRY_BASE_IMAGE=127.0.0.1:PORT/hypertest-base:multi       (OCI index: arm64 + amd64)
#   HT_REGISTRY_BASE_IMAGE_V2S2=127.0.0.1:PORT/hypertest-base:v2s2   (Docker v2 schema 2, amd64)
set -euo pipefail

cmd=${1:?usage: registry.sh start|stop DIR}
dir=${2:?usage: registry.sh start|stop DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
pidfile="$dir/registry.pid"
account=${HT_REGISTRY_ACCOUNT:-123456789012}
user=AWS
password="$account-auth-token"

case "$cmd" in
stop)
  if [[ -f "$pidfile" ]]; then
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$pidfile"
  fi
  exit 0
  ;;
start) ;;
*) echo "usage: registry.sh start|stop DIR" >&2; exit 2 ;;
esac

for tool in docker-registry htpasswd skopeo python3 curl; do
  command -v "$tool" >/dev/null || {
    echo "$tool not found (apt-get install -y docker-registry apache2-utils skopeo curl python3)" >&2
    exit 1
  }
done

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
addr="127.0.0.1:$port"
mkdir -p "$dir/data"
htpasswd -Bbn "$user" "$password" >"$dir/htpasswd"
cat >"$dir/config.yml" <<YAML
version: 0.1
log:
  level: info
  formatter: text
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: $addr
  secret: hypertest-local-registry
auth:
  htpasswd:
    realm: hypertest-registry
    path: $dir/htpasswd
YAML

setsid docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 &
echo $! >"$pidfile"

ready=0
for _ in $(seq 100); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://$addr/v2/" || true)
  if [[ "$code" == 401 ]]; then ready=1; break; fi
  sleep 0.1
done
if [[ $ready != 1 ]]; then
  echo "docker-registry did not start; log:" >&2
  cat "$dir/registry.log" >&2
  exit 1
fi

# The synthetic base image, pushed by skopeo (an independent client).
here=$(cd "$(dirname "$0")/../.." && pwd)
python3 "$here/tests/fixtures/oci/make_base_layout.py" "$dir/base-layout"
creds="$user:$password"
skopeo copy -q --all --dest-tls-verify=false --dest-creds "$creds" \
  "oci:$dir/base-layout:multi" "docker://$addr/hypertest-base:multi" >&2
skopeo copy -q --format v2s2 --dest-tls-verify=false --dest-creds "$creds" \
  "oci:$dir/base-layout:amd64" "docker://$addr/hypertest-base:v2s2" >&2

echo "HT_REGISTRY_ADDR=$addr"
echo "HT_REGISTRY_LOG=$dir/registry.log"
echo "HT_REGISTRY_USER=$user"
echo "HT_REGISTRY_PASSWORD=$password"
echo "HT_REGISTRY_BASE_IMAGE=$addr/hypertest-base:multi"
echo "HT_REGISTRY_BASE_IMAGE_V2S2=$addr/hypertest-base:v2s2"
