#!/usr/bin/env bash
# Start, stop and watch a local network made by `silk network init` (docs/network.md).
#
#   tools/network.sh start DIR [NODE...]   start every node (or the named ones) in the background;
#                                          logs in DIR/nodes/<node>/silkd.log, pid in silkd.pid;
#                                          waits until each answers /v1/chain
#   tools/network.sh stop DIR [NODE...]    SIGTERM, wait for a clean stop (SIGKILL after 20 s)
#   tools/network.sh kill DIR NODE...      SIGKILL (a crash, for fault drills)
#   tools/network.sh status DIR            one line per node: height, block hash, mempool, pid
#   tools/network.sh watch DIR             status every second until Ctrl-C
#
# SILKD and SILK name the binaries (default: build/silkd next to this script's repository, and the
# silk on PATH, else build/silk). An https network (rpc.tls, network init's default) is read as its first
# organisation's auditor (`silk network env`), checking each node against DIR/cas.pem.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SILKD="${SILKD:-$ROOT/build/silkd}"
SILK="${SILK:-$(command -v silk || echo "$ROOT/build/silk")}"

usage() { sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[ $# -ge 2 ] || usage
CMD="$1"; DIR="$2"; shift 2
[ -f "$DIR/network.json" ] || { echo "network.sh: $DIR/network.json not found (silk network init --dir $DIR)" >&2; exit 1; }

# name rpc_url, one node per line
nodes() {
  python3 - "$DIR/network.json" <<'PY'
import json, sys
for n in json.load(open(sys.argv[1]))["nodes"]:
    print(n["name"], n["rpc_url"])
PY
}
selected() {  # node names given on the command line, or all
  if [ $# -gt 0 ]; then printf '%s\n' "$@"; else nodes | cut -d' ' -f1; fi
}
url_of() { nodes | awk -v n="$1" '$1 == n { print $2 }'; }
pid_of() {
  local f="$DIR/nodes/$1/silkd.pid"
  [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && cat "$f"
  return 0
}
TLS_ENV=""  # `silk network env --json` of an https network
if nodes | grep -q ' https://'; then
  TLS_ENV="$("$SILK" --json network env --dir "$DIR")" || { echo "network.sh: $SILK network env --dir $DIR failed" >&2; exit 1; }
fi
status_json() {
  python3 - "$1" "$TLS_ENV" <<'PY' 2>/dev/null || true
import json, ssl, sys, urllib.request
url, env = sys.argv[1], json.loads(sys.argv[2] or "{}")
ctx = None
if url.startswith("https://"):
    ctx = ssl.create_default_context(cafile=env["SILK_CA"])
    ctx.check_hostname = False  # node certificates name the node, not an address
    ctx.load_cert_chain(env["SILK_TLS_CERT"], env["SILK_TLS_KEY"])
with urllib.request.urlopen(url + "/v1/chain", timeout=1, context=ctx) as r:
    print(r.read().decode())
PY
}

case "$CMD" in
  start)
    [ -x "$SILKD" ] || { echo "network.sh: $SILKD not found; build first (tools/setup.sh release)" >&2; exit 1; }
    for n in $(selected "$@"); do
      [ -d "$DIR/nodes/$n" ] || { echo "network.sh: no node $n in $DIR" >&2; exit 1; }
      if [ -n "$(pid_of "$n")" ]; then echo "$n already running (pid $(pid_of "$n"))"; continue; fi
      "$SILKD" --config "$DIR/nodes/$n/node.json" >>"$DIR/nodes/$n/silkd.log" 2>&1 &
      echo $! >"$DIR/nodes/$n/silkd.pid"
    done
    for n in $(selected "$@"); do
      url="$(url_of "$n")"
      for _ in $(seq 1 200); do
        [ -n "$(status_json "$url")" ] && break
        if [ -z "$(pid_of "$n")" ]; then
          echo "network.sh: $n exited; the end of its log:" >&2; tail -n 20 "$DIR/nodes/$n/silkd.log" >&2; exit 1
        fi
        sleep 0.1
      done
      echo "$n started (pid $(pid_of "$n"), rpc $url)"
    done
    ;;
  stop|kill)
    sig=TERM; [ "$CMD" = kill ] && sig=KILL
    for n in $(selected "$@"); do
      pid="$(pid_of "$n")"
      [ -n "$pid" ] || { rm -f "$DIR/nodes/$n/silkd.pid"; continue; }
      kill -"$sig" "$pid" 2>/dev/null || true
      for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
      rm -f "$DIR/nodes/$n/silkd.pid"
      echo "$n stopped ($sig)"
    done
    ;;
  status|watch)
    show() {
      printf '%-8s %-8s %8s  %-16s %8s  %s\n' node state height block mempool pid
      nodes | while read -r n url; do
        s="$(status_json "$url")"
        if [ -z "$s" ]; then
          printf '%-8s %-8s %8s  %-16s %8s  %s\n' "$n" down - - - "$(pid_of "$n")"
        else
          python3 - "$n" "$(pid_of "$n")" "$s" <<'PY'
import json, sys
n, pid, s = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
print("%-8s %-8s %8d  %-16s %8d  %s" % (n, "up", s["height"], s["block_hash"][:16],
                                       s["mempool"]["size"], pid))
PY
        fi
      done
    }
    if [ "$CMD" = status ]; then show; else
      while true; do clear 2>/dev/null || true; date; show; sleep 1; done
    fi
    ;;
  *) usage ;;
esac
