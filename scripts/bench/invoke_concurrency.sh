#!/usr/bin/env bash
# Concurrency benchmark of the aws provider (a benchmark, not a test): N invocations at
# `concurrency` against tests/fixtures/aws/invoke_fixture.py answering every Invoke after
# 1 s. Reports makespan / ideal, the peak number of requests in flight as the fixture counted
# it (must equal the concurrency), CPU time per invocation and peak RSS of the client.
#
#   scripts/bench/invoke_concurrency.sh [BENCH_BINARY] [RUNS]
#
# BENCH_BINARY defaults to build/invoke_bench (cmake --build build --target invoke_bench);
# RUNS (default 3) repetitions per case, the median is reported. Keep it brief on shared
# machines: one case is 2-10 s of mostly idle waiting.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
bench=${1:-$root/build/invoke_bench}
runs=${2:-3}
[[ -x "$bench" ]] || { echo "no benchmark binary at $bench (cmake --build build --target invoke_bench)" >&2; exit 2; }

work=$(mktemp -d)
fixture_pid=""
cleanup() {
  if [[ -n "$fixture_pid" ]]; then kill "$fixture_pid" 2>/dev/null || true; wait "$fixture_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

start_fixture() {
  rm -f "$work/port"
  python3 "$root/tests/fixtures/aws/invoke_fixture.py" --port-file "$work/port" --delay 1 2>"$work/fixture.log" &
  fixture_pid=$!
  for _ in $(seq 100); do [[ -s "$work/port" ]] && break; sleep 0.05; done
  [[ -s "$work/port" ]] || { echo "fixture did not start" >&2; cat "$work/fixture.log" >&2; exit 1; }
}
stop_fixture() { kill "$fixture_pid" 2>/dev/null || true; wait "$fixture_pid" 2>/dev/null || true; fixture_pid=""; }

printf '%-12s %-11s %-10s %-8s %-7s %-13s %-13s %-14s %-9s\n' invocations concurrency makespan_s ideal_s ratio peak_fixture peak_client cpu_ms_per_inv rss_mb
for case in "2000 1000" "10000 1000"; do
  read -r n c <<<"$case"
  results=()
  for _ in $(seq "$runs"); do
    start_fixture   # fresh fixture per run: its peak counter is per run
    port=$(cat "$work/port")
    line=$("$bench" --endpoint "http://127.0.0.1:$port" --invocations "$n" --concurrency "$c" --delay 1)
    peak=$(python3 -c "import json,urllib.request; print(json.load(urllib.request.urlopen('http://127.0.0.1:$port/fixture/stats'))['peak_in_flight'])")
    stop_fixture
    results+=("$(python3 -c "import json,sys; d=json.loads(sys.argv[1]); d['peak_fixture']=int(sys.argv[2]); print(json.dumps(d))" "$line" "$peak")")
  done
  python3 - "${results[@]}" <<'PY'
import json, statistics, sys
rs = [json.loads(a) for a in sys.argv[1:]]
rs.sort(key=lambda d: d["makespan_s"])
m = rs[len(rs) // 2]  # median by makespan
bad = [r for r in rs if r["errors"] or r["peak_fixture"] != r["concurrency"]]
spans = ", ".join("%.2f" % r["makespan_s"] for r in rs)
print("%-12d %-11d %-10.2f %-8.1f %-7.2f %-13d %-13d %-14.3f %-9.1f  (median of %d; makespans %s)" % (
    m["invocations"], m["concurrency"], m["makespan_s"], m["ideal_s"], m["ratio"], m["peak_fixture"],
    m["client_peak_in_flight"], m["cpu_ms_per_invocation"], m["peak_rss_mb"], len(rs), spans))
if bad:
    print(f"  WARNING: {len(bad)} run(s) with errors or a peak below the concurrency", file=sys.stderr)
PY
done
