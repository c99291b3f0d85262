#!/usr/bin/env bash
# Issue 7 in one go: SilkLedger solo, raft-3 and tbft-4 against their verify
# bounds, and raft-3 against a 3-member etcd cluster, on this machine, by the
# same load generator (`silk bench load` / `silk bench etcd`, one closed loop).
#
#   tools/bench/run.sh [RESULTS_DIR]
#
# Builds nothing: uses $BIN_DIR/silk and $BIN_DIR/silkd (BIN_DIR defaults to
# build/ of the repository; SILK=... and SILKD=... override each).
# Installs etcd-server and gnuplot-nox with apt-get when they are missing
# (as root, or through sudo). Everything listens on 127.0.0.1, on ports above
# 20000 found free at run time; chains and etcd data live in a temporary
# folder that is removed at the end (KEEP=1 keeps it). Every silkd and etcd
# started here is stopped on exit, whatever the exit.
#
# For each setup, in this order: solo (1 node), raft-3, tbft-4, etcd-3:
#   - silk bench verify --nodes N   (verify_bound for N nodes on these cores)
#   - silk bench load               (TXS txs, CONCURRENCY clients, BATCH per POST, closed loop)
#   - tbft-4 also an open loop at half its target load (25 % of its
#     verify_bound) when it carries that, else at half its closed-loop rate
#   - etcd-3: silk bench etcd with one put per POST /v3/kv/put (the baseline)
#     and with BATCH puts per POST /v3/kv/txn (batched like silk), values the
#     size of one of silk's txs
# RESULTS_DIR (default tools/bench/results/<UTC time>/) gets every run's
# JSON, the silkd and etcd logs, blocks.md (block sizes and build/store times
# from the "block committed" log lines), summary.md and plot.png.
#
# Solo also runs `silk bench history` (HISTORY_VERSIONS, 1000, versions of one
# key, then 500 timed GET /v1/history pages of 100 and of 10; HISTORY=0 skips).
# Once solo's node is stopped, its whole chain is re-verified from genesis with
# `silk --json audit verify-chain --data-dir` (DESIGN.md §7: >= 80 % of the solo
# verify_bound): verify-chain.json has the audit's output plus txs, seconds,
# txs_per_s and its ratio to the solo verify_bound; VERIFY_CHAIN=0 skips.
#
# Knobs (environment): TXS (20000), CONCURRENCY (8), BATCH (100),
# VERIFY_SECONDS (2), SETUPS ("solo raft3 tbft4 etcd3"), KEEP=1.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bin_dir="${BIN_DIR:-$repo/build}"
silk="${SILK:-$bin_dir/silk}"
silkd="${SILKD:-$bin_dir/silkd}"
txs="${TXS:-20000}"
concurrency="${CONCURRENCY:-8}"
batch="${BATCH:-100}"
verify_seconds="${VERIFY_SECONDS:-2}"
setups="${SETUPS:-solo raft3 tbft4 etcd3}"
results="${1:-$repo/tools/bench/results/$(date -u +%Y%m%d-%H%M%S)}"

say() { echo "run.sh: $*" >&2; }
die() { echo "run.sh: error: $*" >&2; exit 1; }

# ---- install step (this script's own needs; not tools/setup.sh) ----
need_pkgs=()
command -v etcd >/dev/null || need_pkgs+=(etcd-server)
command -v gnuplot >/dev/null || need_pkgs+=(gnuplot-nox)
if [[ ${#need_pkgs[@]} -gt 0 ]]; then
  say "installing ${need_pkgs[*]}"
  if [[ $(id -u) -eq 0 ]]; then sudo=(); elif command -v sudo >/dev/null; then sudo=(sudo); else
    die "${need_pkgs[*]} missing and not root: apt-get install ${need_pkgs[*]}"
  fi
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y --no-install-recommends \
    "${need_pkgs[@]}" >/dev/null || die "apt-get install ${need_pkgs[*]} failed"
fi
for tool in jq curl python3 etcd gnuplot; do
  command -v "$tool" >/dev/null || die "$tool is required"
done
for b in "$silk" "$silkd"; do
  [[ -x "$b" ]] || die "$b not found (build first, or set BIN_DIR/SILK/SILKD)"
done
"$silk" bench etcd --help >/dev/null 2>&1 || die "$silk has no 'bench etcd' (rebuild it)"
[[ "$txs" =~ ^[0-9]+$ && "$concurrency" =~ ^[0-9]+$ && "$batch" =~ ^[0-9]+$ ]] ||
  die "TXS, CONCURRENCY and BATCH must be whole numbers"
((batch <= 128)) || die "BATCH must be at most 128 (etcd's --max-txn-ops)"

mkdir -p "$results"
work="$(mktemp -d /tmp/silk-bench-run-XXXXXX)"

# ---- cleanup: every silkd network and etcd member started here ----
networks=()   # network folders started with tools/network.sh
etcd_pids=()
child=""      # the silk command running now (see run)
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  [[ -n "$child" ]] && kill -TERM "$child" 2>/dev/null || true
  for d in "${networks[@]}"; do
    SILKD="$silkd" "$repo/tools/network.sh" stop "$d" >/dev/null 2>&1 || true
  done
  for p in "${etcd_pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${etcd_pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
  done
  if [[ "${KEEP:-0}" == 1 ]]; then say "kept $work"; else rm -rf "$work"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A base port B above 20000 with B..B+n-1 all free on 127.0.0.1 (and not in
# `taken`, the ports handed out earlier in this run).
taken=" "
free_range() {
  local n="$1" base
  base="$(python3 - "$n" "$taken" <<'PY'
import random, socket, sys
n, taken = int(sys.argv[1]), set(int(p) for p in sys.argv[2].split())
for _ in range(500):
    b = random.randrange(20000, 60000 - n)
    ports = range(b, b + n)
    if any(p in taken or p in (7645, 8645) for p in ports):
        continue
    ok = True
    for p in ports:
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", p))
        except OSError:
            ok = False
        finally:
            s.close()
        if not ok:
            break
    if ok:
        print(b)
        sys.exit(0)
sys.exit(1)
PY
)" || die "no $n free consecutive ports above 20000"
  for ((i = 0; i < n; i++)); do taken+="$((base + i)) "; done
  echo "$base"
}

# Runs "$@" in the background and waits for it, so that a signal to this
# script interrupts the wait at once (and cleanup stops the command) instead
# of waiting for a long bench to finish.
run() {
  local rc=0
  "$@" &
  child=$!
  wait "$child" || rc=$?
  child=""
  return "$rc"
}

machine_load() { cut -d' ' -f1-3 /proc/loadavg; }

# ---- one SilkLedger setup ----
# silk_setup NAME CONSENSUS NODES
silk_setup() {
  local name="$1" consensus="$2" n="$3" dir="$work/$1" rpc p2p url key pass
  say "== $name: $consensus, $n node(s) (load average $(machine_load))"
  rpc="$(free_range "$n")"; p2p="$(free_range "$n")"
  "$silk" network init --dir "$dir" --consensus "$consensus" --nodes "$n" --port "$rpc" \
    --p2p-port "$p2p" --key-kdf fast >"$results/$name-init.txt" 2>&1 ||
    { cat "$results/$name-init.txt" >&2; die "$name: silk network init failed"; }
  networks+=("$dir")
  SILKD="$silkd" "$repo/tools/network.sh" start "$dir" >&2 ||
    die "$name: the network did not start (logs in $dir/nodes/*/silkd.log)"
  url="$(jq -r '.nodes[0].rpc_url' "$dir/network.json")"
  key="$dir/orgs/org1/users/client.key"; pass="$dir/orgs/org1/users/client.pass"
  [[ -f "$key" && -f "$pass" ]] || die "$name: no client identity at $key"

  # Raft/tbft: wait until a block can be made (a leader is elected).
  for _ in $(seq 1 100); do
    [[ "$(curl -fsS "$url/v1/health" 2>/dev/null | jq -r '.status // empty' 2>/dev/null)" != "" ]] && break
    sleep 0.1
  done

  run "$silk" --json bench verify --seconds "$verify_seconds" --nodes "$n" >"$results/$name-verify.json" ||
    die "$name: bench verify failed"
  say "$name verify: $(jq -c . "$results/$name-verify.json")"

  echo "$(machine_load)" >"$results/$name-load.avg"
  run "$silk" --node "$url" --json bench load --key "$key" --passphrase-file "$pass" --txs "$txs" \
    --concurrency "$concurrency" --batch "$batch" >"$results/$name.json" ||
    say "$name: some txs did not commit (see $name.json)"
  jq -e '.tps' "$results/$name.json" >/dev/null 2>&1 || die "$name: bench load gave no result"
  say "$name load: $(jq -c '{tps, committed, failed, latency_ms, errors}' "$results/$name.json")"

  if [[ "$name" == solo && "${HISTORY:-1}" == 1 ]]; then
    # A key with HISTORY_VERSIONS versions, then timed GET /v1/history pages.
    say "== $name history: ${HISTORY_VERSIONS:-1000} versions of one key"
    run "$silk" --node "$url" --json bench history --key "$dir/orgs/org1/users/admin.key" \
      --passphrase-file "$dir/orgs/org1/users/admin.pass" --versions "${HISTORY_VERSIONS:-1000}" \
      --page 100 --reads 500 >"$results/history.json" || say "$name history: see history.json"
    say "$name history: $(jq -c '{versions, page, latency_ms, mean_value_bytes, max_value_bytes}' "$results/history.json" 2>/dev/null)"
    run "$silk" --node "$url" --json bench history --key "$dir/orgs/org1/users/admin.key" \
      --passphrase-file "$dir/orgs/org1/users/admin.pass" --versions 1 --page 10 --reads 500 \
      >"$results/history-page10.json" || true
  fi

  if [[ "$name" == tbft4 ]]; then
    # The latency target's load: half of 50 % of verify_bound, so 25 %,
    # whenever the node carries that rate (below 90 % of its closed-loop
    # rate); else half its closed-loop rate.
    local rate
    rate="$(jq -n --slurpfile v "$results/$name-verify.json" --slurpfile l "$results/$name.json" '
      ($v[0].verify_bound * 0.25) as $q | ($l[0].tps) as $t
      | (if $q <= $t * 0.9 then $q else $t * 0.5 end) | floor | if . < 1 then 1 else . end')"
    local open_txs=$((txs / 2 > 0 ? txs / 2 : 1))
    say "== $name open loop at $rate txs/s"
    run "$silk" --node "$url" --json bench load --key "$key" --passphrase-file "$pass" --txs "$open_txs" \
      --concurrency "$concurrency" --batch "$batch" --rate "$rate" >"$results/$name-open.json" ||
      say "$name open: some txs did not commit"
    say "$name open: $(jq -c '{tps, rate, latency_ms}' "$results/$name-open.json")"
  fi

  SILKD="$silkd" "$repo/tools/network.sh" stop "$dir" >&2 || true
  for node in "$dir"/nodes/*/; do
    cp "$node/silkd.log" "$results/$name-$(basename "$node").log" 2>/dev/null || true
  done

  if [[ "$name" == solo && "${VERIFY_CHAIN:-1}" == 1 ]]; then
    verify_chain "$dir"
  fi
}

# Re-verifies a stopped network's node1 chain from genesis (silk audit
# verify-chain), and writes verify-chain.json: the audit's JSON plus "txs",
# "seconds" (the audit's own duration), "wall_seconds" (the whole command,
# opening the store included), "txs_per_s", "verify_bound" (solo's, measured
# earlier in this run) and "of_verify_bound" (txs_per_s / verify_bound).
verify_chain() {
  local dir="$1" data genesis t0 t1 rc=0
  data="$dir/$(jq -r '.nodes[0].data_dir' "$dir/network.json")"
  genesis="$dir/$(jq -r '.genesis' "$dir/network.json")"
  [[ -d "$data" && -f "$genesis" ]] || { say "verify-chain: no data folder $data or genesis $genesis"; return 0; }
  say "== solo verify-chain: $data (load average $(machine_load))"
  t0="$(date +%s.%N)"
  run "$silk" --json audit verify-chain --data-dir "$data" --genesis "$genesis" \
    >"$results/verify-chain-audit.json" 2>"$results/verify-chain-audit.err" || rc=$?
  t1="$(date +%s.%N)"
  if ! jq -e '.txs_checked' "$results/verify-chain-audit.json" >/dev/null 2>&1; then
    say "verify-chain: the audit did not run: $(cat "$results/verify-chain-audit.err")"
    return 0
  fi
  ((rc == 0)) || say "verify-chain: the chain differs (exit $rc): $(head -c 300 "$results/verify-chain-audit.err")"
  jq --slurpfile v "$results/solo-verify.json" --argjson wall "$(jq -n "$t1 - $t0")" '
    . + {txs: .txs_checked, seconds: (.duration_ms / 1000), wall_seconds: $wall,
         txs_per_s: (if .duration_ms > 0 then .txs_checked * 1000 / .duration_ms else 0 end),
         verify_bound: $v[0].verify_bound}
      | . + {of_verify_bound: (if .verify_bound > 0 then .txs_per_s / .verify_bound else null end)}
  ' "$results/verify-chain-audit.json" >"$results/verify-chain.json" ||
    die "verify-chain: cannot write verify-chain.json"
  rm -f "$results/verify-chain-audit.json"
  say "solo verify-chain: $(jq -c '{ok, txs, blocks_checked, seconds, wall_seconds, txs_per_s, verify_bound, of_verify_bound, signature_threads}' "$results/verify-chain.json")"
}

# ---- etcd-3 ----
etcd_setup() {
  local name=etcd3 cbase pbase cluster="" i value_bytes url
  say "== $name: etcd $(etcd --version | head -1 | awk '{print $3}'), 3 members (load average $(machine_load))"
  cbase="$(free_range 3)"; pbase="$(free_range 3)"
  for i in 1 2 3; do cluster+="${cluster:+,}m$i=http://127.0.0.1:$((pbase + i - 1))"; done
  for i in 1 2 3; do
    local c=$((cbase + i - 1)) p=$((pbase + i - 1))
    mkdir -p "$work/etcd/m$i"
    etcd --name "m$i" --data-dir "$work/etcd/m$i" \
      --listen-client-urls "http://127.0.0.1:$c" --advertise-client-urls "http://127.0.0.1:$c" \
      --listen-peer-urls "http://127.0.0.1:$p" --initial-advertise-peer-urls "http://127.0.0.1:$p" \
      --initial-cluster "$cluster" --initial-cluster-state new \
      --initial-cluster-token "silk-bench-$$" --logger zap --log-level warn \
      >"$results/$name-m$i.log" 2>&1 &
    etcd_pids+=($!)
  done
  for i in 1 2 3; do
    local c=$((cbase + i - 1)) ok=0
    for _ in $(seq 1 150); do
      if curl -fsS "http://127.0.0.1:$c/health" 2>/dev/null | grep -q '"health":"true"'; then ok=1; break; fi
      kill -0 "${etcd_pids[$((i - 1))]}" 2>/dev/null || { tail -20 "$results/$name-m$i.log" >&2; die "etcd m$i exited"; }
      sleep 0.2
    done
    ((ok)) || { tail -20 "$results/$name-m$i.log" >&2; die "etcd m$i not healthy after 30 s"; }
  done
  url="http://127.0.0.1:$cbase"

  # Puts the size of one of silk's txs (from the raft-3 run when there was one).
  value_bytes=0
  for f in raft3 solo tbft4; do
    if [[ -f "$results/$f.json" ]]; then value_bytes="$(jq '.tx_bytes // 0' "$results/$f.json")"; break; fi
  done

  echo "$(machine_load)" >"$results/$name-load.avg"
  run "$silk" --json bench etcd --endpoint "$url" --puts "$txs" --concurrency "$concurrency" --batch 1 \
    --value-bytes "$value_bytes" >"$results/$name.json" || say "$name: some puts failed"
  jq -e '.tps' "$results/$name.json" >/dev/null 2>&1 || die "$name: bench etcd gave no result"
  say "$name kv/put: $(jq -c '{tps, committed, failed, latency_ms, value_bytes}' "$results/$name.json")"
  run "$silk" --json bench etcd --endpoint "$url" --puts "$txs" --concurrency "$concurrency" \
    --batch "$batch" --value-bytes "$value_bytes" >"$results/$name-txn.json" ||
    say "$name-txn: some puts failed"
  say "$name kv/txn: $(jq -c '{tps, committed, failed, latency_ms}' "$results/$name-txn.json")"

  for p in "${etcd_pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${etcd_pids[@]}"; do wait "$p" 2>/dev/null || true; done
  etcd_pids=()
}

started="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
load_before="$(machine_load)"
for s in $setups; do
  case "$s" in
    solo) silk_setup solo solo 1 ;;
    raft3) silk_setup raft3 raft 3 ;;
    tbft4) silk_setup tbft4 tbft 4 ;;
    etcd3) etcd_setup ;;
    *) die "unknown setup '$s' (solo, raft3, tbft4, etcd3)" ;;
  esac
done
load_after="$(machine_load)"

# ---- block sizes and timings from the "block committed" lines ----
{
  echo "| log | blocks | txs/block | build_ms/block | store_ms/block | build µs/tx | store µs/tx |"
  echo "|---|---|---|---|---|---|---|"
  for log in "$results"/*-node*.log; do
    [[ -f "$log" ]] || continue
    awk -v name="$(basename "$log" .log)" '
      /block committed/ && / txs=/ {
        for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
        if (f["txs"] > 0) { n++; t += f["txs"]; b += f["build_ms"]; s += f["store_ms"] }
      }
      END {
        if (n == 0) { printf "| %s | 0 | | | | | |\n", name; exit }
        printf "| %s | %d | %.0f | %.1f | %.1f | %.0f | %.0f |\n", name, n, t / n, b / n, s / n,
               b * 1000 / t, s * 1000 / t
      }' "$log"
  done
} >"$results/blocks.md"

# ---- summary.md ----
setup_rows() {  # name label json verify-json
  local name="$1" label="$2" f="$results/$3" v="${4:+$results/$4}"
  [[ -f "$f" ]] || return 0
  local bound=null
  [[ -n "$v" && -f "$v" ]] && bound="$(jq '.verify_bound' "$v")"
  jq -r --arg setup "$label" --argjson bound "$bound" --arg load "$(cat "$results/$name-load.avg" 2>/dev/null)" '
    "| \($setup) | \(.mode)\(if .rate then " @ \(.rate)/s" else "" end) | \(.committed)/\(.txs // .puts) | \(.tps) | \(.latency_ms.p50) | \(.latency_ms.p90) | \(.latency_ms.p99) | \(if $bound == null then "–" else "\($bound)" end) | \(if $bound == null then "–" else "\((.tps / $bound * 1000 | round) / 10) %" end) | \($load) |"
  ' "$f"
}
ratio() {  # a.json b.json -> a.tps / b.tps
  [[ -f "$results/$1" && -f "$results/$2" ]] || { echo "–"; return; }
  jq -n --slurpfile a "$results/$1" --slurpfile b "$results/$2" \
    'if $b[0].tps > 0 then ($a[0].tps / $b[0].tps * 100 | round) / 100 else "–" end'
}
pct_of_bound() {  # run.json verify.json
  [[ -f "$results/$1" && -f "$results/$2" ]] || { echo "–"; return; }
  jq -n --slurpfile a "$results/$1" --slurpfile v "$results/$2" \
    '($a[0].tps / $v[0].verify_bound * 1000 | round) / 10'
}
verdict() {  # a jq condition over the figures; "–" stands for a figure not measured
  if [[ "$1" == *–* || "$1" == *null* ]]; then echo "not measured"
  elif jq -n "$1" 2>/dev/null | grep -q true; then echo "**met**"
  else echo "**not met**"; fi
}

solo_pct="$(pct_of_bound solo.json solo-verify.json)"
tbft_pct="$(pct_of_bound tbft4.json tbft4-verify.json)"
raft_etcd="$(ratio raft3.json etcd3.json)"
raft_etcd_txn="$(ratio raft3.json etcd3-txn.json)"
tbft_open_p99="$(jq '.latency_ms.p99' "$results/tbft4-open.json" 2>/dev/null || echo "–")"
tbft_open_rate="$(jq '.rate' "$results/tbft4-open.json" 2>/dev/null || echo "–")"
tbft_quarter="$(jq '.verify_bound * 0.25 | floor' "$results/tbft4-verify.json" 2>/dev/null || echo "–")"

{
  echo "# SilkLedger vs verify_bound and etcd, $started"
  echo
  echo "Machine: $(nproc) hardware threads, $(uname -srm); client, nodes and etcd members share them."
  echo "Load average (1/5/15 min) before the run: $load_before; after: $load_after."
  echo "Same load generator for every setup: $txs txs (puts), $concurrency clients, closed loop,"
  echo "$batch txs per POST /v1/txs with wait=true (etcd: one put per POST /v3/kv/put, and"
  echo "$batch puts per POST /v3/kv/txn). Latency is submit-to-commit as the client sees it: the"
  echo "POST answers when its txs are committed (etcd: when the put is committed and applied)."
  echo "Binaries: $silk, $silkd; etcd $(etcd --version | head -1 | awk '{print $3}')."
  echo
  echo "| setup | mode | committed | txs/s | p50 ms | p90 ms | p99 ms | verify_bound | of verify_bound | load avg at start |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  setup_rows solo "solo (1 node)" solo.json solo-verify.json
  setup_rows raft3 "raft-3" raft3.json raft3-verify.json
  setup_rows tbft4 "tbft-4" tbft4.json tbft4-verify.json
  setup_rows tbft4 "tbft-4 open loop" tbft4-open.json tbft4-verify.json
  setup_rows etcd3 "etcd-3 kv/put" etcd3.json
  setup_rows etcd3 "etcd-3 kv/txn ×$batch" etcd3-txn.json
  if [[ -f "$results/verify-chain.json" ]]; then
    jq -r --arg load "$(cat "$results/solo-load.avg" 2>/dev/null)" '
      "| solo chain re-verification | audit verify-chain, \(.signature_threads // "?") signature threads | \(.txs) txs, \(.blocks_checked) blocks\(if .ok then "" else " (DIFFERS)" end) | \(.txs_per_s | round) | – | – | – | \(.verify_bound) | \((.of_verify_bound * 1000 | round) / 10) % | \($load) |"
    ' "$results/verify-chain.json"
  fi
  echo
  echo "| target (DESIGN.md §7) | measured | |"
  echo "|---|---|---|"
  echo "| solo ≥ 80 % of verify_bound | $solo_pct % | $(verdict "$solo_pct >= 80") |"
  echo "| raft-3 ≥ 2× etcd-3 writes/s | $raft_etcd× (kv/put); $raft_etcd_txn× (kv/txn ×$batch) | $(verdict "$raft_etcd >= 2") |"
  echo "| tbft-4 ≥ 50 % of verify_bound | $tbft_pct % | $(verdict "$tbft_pct >= 50") |"
  echo "| tbft-4 p99 ≤ 1 s at half that load ($tbft_quarter txs/s) | p99 $tbft_open_p99 ms at $tbft_open_rate txs/s | $(verdict "$tbft_open_p99 <= 1000 and $tbft_open_rate >= $tbft_quarter") |"
  if [[ -f "$results/verify-chain.json" ]]; then
    vc_pct="$(jq '(.of_verify_bound * 1000 | round) / 10' "$results/verify-chain.json")"
    [[ "$(jq '.ok' "$results/verify-chain.json")" == true ]] || vc_pct="–"
    echo "| full chain re-verification ≥ 80 % of verify_bound (solo chain, $(jq '.txs' "$results/verify-chain.json") txs) | $vc_pct % ($(jq '.txs_per_s | round' "$results/verify-chain.json") txs/s over $(jq '.seconds * 100 | round / 100' "$results/verify-chain.json") s) | $(verdict "$vc_pct >= 80") |"
  fi
  if [[ -f "$results/history.json" ]]; then
    hp99="$(jq '.latency_ms.p99' "$results/history.json")"
    echo "| key history p99 ≤ 5 ms ($(jq '.versions' "$results/history.json") versions, pages of 100; solo) | p99 $hp99 ms (p50 $(jq '.latency_ms.p50' "$results/history.json")); pages of 10: p99 $(jq '.latency_ms.p99' "$results/history-page10.json" 2>/dev/null) ms | $(verdict "$hp99 <= 5") |"
  fi
  echo
  echo "Blocks (from each node's \"block committed\" lines):"
  echo
  cat "$results/blocks.md"
  echo
  echo "![throughput and latency per setup](plot.png)"
} >"$results/summary.md"

# ---- plot.png ----
{
  for pair in "solo:solo" "raft-3:raft3" "tbft-4:tbft4" "tbft-4-open:tbft4-open" "etcd-3-put:etcd3" "etcd-3-txn:etcd3-txn"; do
    label="${pair%%:*}"; f="$results/${pair##*:}.json"
    [[ -f "$f" ]] && jq -r --arg l "$label" '"\"\($l)\" \(.tps) \(.latency_ms.p50) \(.latency_ms.p90) \(.latency_ms.p99)"' "$f"
  done
} >"$results/plot.dat"
if [[ -s "$results/plot.dat" ]]; then
  gnuplot <<GP || say "gnuplot failed; no plot.png"
set terminal png size 1100,460
set output "$results/plot.png"
set multiplot layout 1,2 title "SilkLedger vs etcd, $started ($txs txs, $concurrency clients, batch $batch)"
set style data histograms
set style fill solid 0.8 border -1
set boxwidth 0.8
set xtics rotate by -30
set grid ytics
set key off
set title "throughput (committed txs or puts / s)"
set yrange [0:*]
plot "$results/plot.dat" using 2:xtic(1) lc rgb "#3366aa"
set key top left
set style histogram clustered gap 1
set title "submit-to-commit latency (ms)"
set yrange [*:*]
set logscale y
plot "$results/plot.dat" using 3:xtic(1) title "p50" lc rgb "#66aa33", \
     "" using 4 title "p90" lc rgb "#ddaa22", \
     "" using 5 title "p99" lc rgb "#cc3333"
unset multiplot
GP
fi

cat "$results/summary.md"
say "results in $results"
