#!/usr/bin/env bash
# The long deterministic-simulation soak: sim_consensus (tests/sim/main.cpp) over many seeds per
# engine, in chunks, stopping at the first failing seed and printing the command that replays it.
# It builds nothing: it runs BUILD_DIR/sim_consensus as it is. Meant to run in the background for
# hours (docs/reliability.md):
#
#   nohup nice -n 10 tools/soak.sh --seeds 10000 > soak.log 2>&1 &
#
# Usage: tools/soak.sh [--build-dir DIR] [--seeds N] [--first N] [--chunk N] [--engine raft|tbft]...
#   --build-dir  the folder holding sim_consensus (default build/ of the repository)
#   --seeds      seeds per engine (default 10000), from --first (default 1)
#   --chunk      seeds per sim_consensus run (default 500): progress is printed after each
#   --engine     one engine; repeatable (default: raft and tbft)
# Exit status: 0 when every seed passed, 1 at the first failure, 2 for a usage error.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="$ROOT/build"
SEEDS=10000
FIRST=1
CHUNK=500
ENGINES=()

usage() {  # exit status: the text on stdout for --help, on stderr after a mistake
  local text
  text="$(sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | grep '^#' | sed 's/^# \{0,1\}//')"
  if [[ "$1" -eq 0 ]]; then echo "$text"; else echo "$text" >&2; fi
  exit "$1"
}

positive() {  # name value
  [[ "$2" =~ ^[0-9]+$ && "$2" -gt 0 ]] || { echo "soak: $1 must be a positive integer, got '$2'" >&2; exit 2; }
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) BUILD="${2:?--build-dir needs a folder}"; shift 2 ;;
    --seeds) positive --seeds "${2:-}"; SEEDS="$2"; shift 2 ;;
    --first) positive --first "${2:-}"; FIRST="$2"; shift 2 ;;
    --chunk) positive --chunk "${2:-}"; CHUNK="$2"; shift 2 ;;
    --engine)
      case "${2:-}" in raft | tbft) ENGINES+=("$2") ;; *) echo "soak: --engine raft or tbft, got '${2:-}'" >&2; exit 2 ;; esac
      shift 2 ;;
    -h | --help) usage 0 ;;
    *) echo "soak: unknown argument '$1'" >&2; usage 2 ;;
  esac
done
[[ ${#ENGINES[@]} -gt 0 ]] || ENGINES=(raft tbft)

SIM="$(cd "$BUILD" 2> /dev/null && pwd)/sim_consensus" || SIM="$BUILD/sim_consensus"
if [[ ! -x "$SIM" ]]; then
  echo "soak: no sim_consensus in $BUILD (build it first: tools/setup.sh release)" >&2
  exit 2
fi

echo "soak: ${ENGINES[*]}: seeds $FIRST..$((FIRST + SEEDS - 1)) each, chunks of $CHUNK, $SIM"
started=$SECONDS
for engine in "${ENGINES[@]}"; do
  seed=$FIRST
  last=$((FIRST + SEEDS - 1))
  while [[ $seed -le $last ]]; do
    n=$((last - seed + 1))
    [[ $n -le $CHUNK ]] || n=$CHUNK
    out="$(mktemp)"
    if ! "$SIM" --engine "$engine" --first "$seed" --seeds "$n" > "$out" 2>&1; then
      # sim_consensus names the failing seed and its replay command itself; repeat them last.
      cat "$out"
      failed="$(sed -n "s/^$engine sim seed \([0-9]*\) FAILED.*/\1/p" "$out" | head -1)"
      rm -f "$out"
      if [[ -z "$failed" ]]; then
        echo "soak: FAIL $engine: sim_consensus exited without naming a seed (seeds $seed..$((seed + n - 1)))" >&2
        echo "replay: $SIM --engine $engine --first $seed --seeds $n" >&2
        exit 1
      fi
      echo "soak: FAIL $engine seed $failed (after $((SECONDS - started)) s)" >&2
      echo "replay: $SIM --engine $engine --seed $failed --verbose" >&2
      exit 1
    fi
    rm -f "$out"
    seed=$((seed + n))
    echo "soak: $engine $((seed - FIRST))/$SEEDS seeds passed ($((SECONDS - started)) s)"
  done
done
echo "soak: PASS ${ENGINES[*]}: $SEEDS seeds each from $FIRST in $((SECONDS - started)) s"
