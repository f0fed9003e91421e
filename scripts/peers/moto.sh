#!/usr/bin/env bash
# moto_server on 127.0.0.1 with SigV4 checking, for the AWS integration tests.
#   scripts/peers/moto.sh start DIR   start in the background, wait until ready, set up an IAM
#                                     user with an allow-all inline policy and an access key,
#                                     print KEY=VALUE lines to export
#   scripts/peers/moto.sh stop DIR    stop it
# After the setup calls (INITIAL_NO_AUTH_ACTION_COUNT) moto verifies every signature against
# the IAM keys created in it, so a wrong secret gets SignatureDoesNotMatch.
#
# A second instance WITHOUT signature checking (HT_MOTO_NOAUTH_ENDPOINT) serves the few calls
# moto cannot verify for any client, botocore included: bodiless GETs of JSON services such
# as Lambda GetFunction (moto hashes its request headers as the body) -- see
# tests/integration/lambda_moto_test.cpp.
set -euo pipefail

cmd=${1:?usage: moto.sh start|stop DIR}
dir=${2:?usage: moto.sh start|stop DIR}
mkdir -p "$dir"

stop_one() {
  local pidfile=$1
  if [[ -f "$pidfile" ]]; then
    local pid
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$pidfile"
  fi
}

case "$cmd" in
stop)
  stop_one "$dir/moto.pid"
  stop_one "$dir/moto-noauth.pid"
  exit 0
  ;;
start) ;;
*) echo "usage: moto.sh start|stop DIR" >&2; exit 2 ;;
esac

command -v moto_server >/dev/null || { echo "moto_server not found (pip install 'moto[server]')" >&2; exit 1; }
command -v aws >/dev/null || { echo "aws CLI not found (pip install awscli)" >&2; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_ready() {
  for _ in $(seq 150); do
    if python3 -c "import urllib.request; urllib.request.urlopen('$1/moto-api/', timeout=1)" 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  echo "moto_server at $1 did not start (see $dir)" >&2
  return 1
}
lambda_simple() {  # Lambda Invoke without Docker: answers come from queued responses
  python3 - "$1" <<'PY'
import json, sys, urllib.request
req = urllib.request.Request(sys.argv[1] + "/moto-api/config", data=json.dumps({"lambda": {"use_docker": False}}).encode(),
                             headers={"Content-Type": "application/json"}, method="POST")
urllib.request.urlopen(req, timeout=5).read()
PY
}

port=$(free_port)
endpoint="http://127.0.0.1:$port"
noauth_port=$(free_port)
noauth_endpoint="http://127.0.0.1:$noauth_port"
region=us-east-1

# The three IAM setup calls below are the only unauthenticated ones.
INITIAL_NO_AUTH_ACTION_COUNT=3 setsid moto_server -H 127.0.0.1 -p "$port" >"$dir/moto.log" 2>&1 &
echo $! >"$dir/moto.pid"
env -u INITIAL_NO_AUTH_ACTION_COUNT setsid moto_server -H 127.0.0.1 -p "$noauth_port" >"$dir/moto-noauth.log" 2>&1 &
echo $! >"$dir/moto-noauth.pid"
wait_ready "$endpoint"
wait_ready "$noauth_endpoint"

awsm() { aws --endpoint-url "$endpoint" --region "$region" --output json "$@"; }

export AWS_ACCESS_KEY_ID=setup AWS_SECRET_ACCESS_KEY=setup AWS_DEFAULT_REGION=$region
unset AWS_SESSION_TOKEN AWS_PROFILE
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
awsm iam create-user --user-name hypertest >/dev/null
awsm iam put-user-policy --user-name hypertest --policy-name allow-all \
  --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}' >/dev/null
keys=$(awsm iam create-access-key --user-name hypertest)
key_id=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["AccessKey"]["AccessKeyId"])' <<<"$keys")
secret=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["AccessKey"]["SecretAccessKey"])' <<<"$keys")

# From here on every call is signed with the new key and verified.
export AWS_ACCESS_KEY_ID=$key_id AWS_SECRET_ACCESS_KEY=$secret
lambda_trust='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
role=$(awsm iam create-role --role-name hypertest-lambda --assume-role-policy-document "$lambda_trust" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["Role"]["Arn"])')
# A role the test user may assume (profiles with role_arn + source_profile).
assume_role=$(awsm iam create-role --role-name hypertest-deployer --assume-role-policy-document \
  '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["Role"]["Arn"])')
lambda_simple "$endpoint"
# The unchecked instance needs the Lambda execution role too.
aws --endpoint-url "$noauth_endpoint" --region "$region" iam create-role --role-name hypertest-lambda \
  --assume-role-policy-document "$lambda_trust" >/dev/null
lambda_simple "$noauth_endpoint"

echo "HT_MOTO_ENDPOINT=$endpoint"
echo "HT_MOTO_REGION=$region"
echo "HT_MOTO_ACCESS_KEY_ID=$key_id"
echo "HT_MOTO_SECRET_ACCESS_KEY=$secret"
echo "HT_MOTO_LAMBDA_ROLE=$role"
echo "HT_MOTO_ASSUME_ROLE=$assume_role"
echo "HT_MOTO_NOAUTH_ENDPOINT=$noauth_endpoint"
