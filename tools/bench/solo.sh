#!/usr/bin/env bash
# Solo throughput against the verify bound (DESIGN.md §7), in one run.
#
#   tools/bench/solo.sh [RESULTS_DIR]
#
# Builds nothing: uses $BIN_DIR/silk and $BIN_DIR/silkd (default: build/ of the
# repo; SILK=... and SILKD=... override each). Makes a temporary solo chain
# (silk init-solo --key-kdf fast), starts silkd on a free loopback port,
# measures `silk bench verify --nodes 1`, then `silk bench load` in a few
# closed-loop configurations and one open-loop run at half the best closed-loop
# rate, stops silkd and writes RESULTS_DIR/{summary.md, *.json, silkd.log}.
# Knobs (environment): TXS (20000), CONFIGS ("4:100 4:500 16:100 16:500",
# concurrency:batch), VERIFY_SECONDS (3), KEEP=1 keeps the chain folder.
set -euo pipefail

repo="$(cd "$(dirname "$0")/../.." && pwd)"
bin_dir="${BIN_DIR:-$repo/build}"
silk="${SILK:-$bin_dir/silk}"
silkd="${SILKD:-$bin_dir/silkd}"
txs="${TXS:-20000}"
configs="${CONFIGS:-4:100 4:500 16:100 16:500}"
verify_seconds="${VERIFY_SECONDS:-3}"
results="${1:-$repo/tools/bench/results/solo-$(date -u +%Y%m%d-%H%M%S)}"

for b in "$silk" "$silkd"; do
  [[ -x "$b" ]] || { echo "solo.sh: error: $b not found (build first, or set BIN_DIR/SILK/SILKD)" >&2; exit 1; }
done
command -v jq >/dev/null || { echo "solo.sh: error: jq is required" >&2; exit 1; }
mkdir -p "$results"

work="$(mktemp -d /tmp/silk-bench-solo-XXXXXX)"
silkd_pid=""
cleanup() {
  if [[ -n "$silkd_pid" ]] && kill -0 "$silkd_pid" 2>/dev/null; then
    kill -TERM "$silkd_pid" 2>/dev/null || true
    wait "$silkd_pid" 2>/dev/null || true
  fi
  [[ -f "$work/silkd.log" ]] && cp "$work/silkd.log" "$results/silkd.log"
  if [[ "${KEEP:-0}" == 1 ]]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
node="http://127.0.0.1:$port"
"$silk" init-solo --dir "$work/chain" --port "$port" --key-kdf fast >/dev/null
"$silkd" --config "$work/chain/node.json" >"$work/silkd.log" 2>&1 &
silkd_pid=$!
for _ in $(seq 1 200); do
  if curl -fsS "$node/v1/health" >/dev/null 2>&1; then break; fi
  kill -0 "$silkd_pid" 2>/dev/null || { echo "solo.sh: error: silkd exited:" >&2; tail -20 "$work/silkd.log" >&2; exit 1; }
  sleep 0.05
done
curl -fsS "$node/v1/health" >/dev/null || { echo "solo.sh: error: silkd not ready" >&2; exit 1; }

key=(--key "$work/chain/keys/client.key" --passphrase-file "$work/chain/keys/client.pass")

echo "== bench verify (nodes 1)" >&2
"$silk" --json bench verify --seconds "$verify_seconds" --nodes 1 >"$results/verify.json"
bound="$(jq '.verify_bound' "$results/verify.json")"
jq -c . "$results/verify.json" >&2

runs=()
best=0
for cfg in $configs; do
  c="${cfg%%:*}"; b="${cfg##*:}"
  name="load-c${c}-b${b}"
  echo "== bench load closed, concurrency $c, batch $b" >&2
  "$silk" --node "$node" --json bench load "${key[@]}" --txs "$txs" --concurrency "$c" --batch "$b" \
    >"$results/$name.json" || true
  jq -c . "$results/$name.json" >&2
  runs+=("$name")
  tps="$(jq '.tps // 0' "$results/$name.json")"
  best="$(jq -n --argjson a "$best" --argjson b "$tps" 'if $b > $a then $b else $a end')"
done

# Open loop at half the best closed-loop rate, with the first configuration.
first="${configs%% *}"
c="${first%%:*}"; b="${first##*:}"
rate="$(jq -n --argjson t "$best" '($t / 2) | floor | if . < 1 then 1 else . end')"
name="load-open-r${rate}-c${c}-b${b}"
echo "== bench load open at $rate txs/s, concurrency $c, batch $b" >&2
"$silk" --node "$node" --json bench load "${key[@]}" --txs "$txs" --concurrency "$c" --batch "$b" \
  --rate "$rate" >"$results/$name.json" || true
jq -c . "$results/$name.json" >&2
runs+=("$name")

# Block timings from silkd's log (one line per committed block).
grep -c "block committed" "$work/silkd.log" >"$results/blocks.count" 2>/dev/null || true

{
  echo "# Solo benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  echo "Machine: $(nproc) hardware threads, $(uname -srm). Client and node share these cores."
  echo
  echo "verify: $(jq '.per_core_verifies_per_s' "$results/verify.json") verifies/s on one core," \
       "$(jq '.all_cores_verifies_per_s' "$results/verify.json") on $(jq '.cores' "$results/verify.json") cores;" \
       "verify_bound (1 node) = $bound txs/s"
  echo
  echo "| run | mode | concurrency | batch | committed/txs | seconds | tps | tps / verify_bound | p50 ms | p90 ms | p99 ms | max ms |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
  for r in "${runs[@]}"; do
    jq -r --arg r "$r" --argjson bound "$bound" '
      "| \($r) | \(.mode)\(if .rate then " @ \(.rate)/s" else "" end) | \(.concurrency) | \(.batch) | \(.committed)/\(.txs) | \(.seconds) | \(.tps) | \((.tps / $bound * 1000 | round) / 10) % | \(.latency_ms.p50) | \(.latency_ms.p90) | \(.latency_ms.p99) | \(.latency_ms.max) |"
    ' "$results/$r.json" 2>/dev/null || echo "| $r | failed: see $r.json | | | | | | | | | | |"
  done
  echo
  echo "Best closed-loop solo_tps / verify_bound = $(jq -n --argjson t "$best" --argjson b "$bound" '($t / $b * 1000 | round) / 10') % (target >= 80 %)."
} >"$results/summary.md"

cat "$results/summary.md"
echo "results in $results" >&2
