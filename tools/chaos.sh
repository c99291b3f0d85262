#!/usr/bin/env bash
# The chaos suite (docs/reliability.md): a 4-node tbft and a 3-node raft network of real silkd
# processes under load and seeded faults (partitions too), then the invariants. Builds nothing:
# it runs the silkd and silk of --bin-dir as they are. Runs as root: each node is started in a
# network namespace the run makes (and deletes), so that partitions can cut the links between them.
#
#   tools/chaos.sh --short [--seed S] [--bin-dir DIR]       a handful of faults each (CI)
#   tools/chaos.sh --long [--minutes N] [--seed S] [--report FILE] [--bin-dir DIR]
#                                                           random faults for N minutes (30)
# Also: --workdir DIR (where the run folder is made), --keep (keep it after a pass),
# --only tbft|raft, --kinds K1,K2,... (--long: draw only these fault kinds). The seed is printed
# first; a failure prints the run folder (node logs).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN_DIR="$ROOT/build"
ARGS=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --bin-dir) BIN_DIR="${2:?--bin-dir needs a folder}"; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | grep '^#' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) ARGS+=("$1"); shift ;;
  esac
done
exec python3 "$ROOT/tests/chaos/chaos.py" --bin-dir "$BIN_DIR" "${ARGS[@]}"
