#!/usr/bin/env bash
# The libFuzzer targets of tests/fuzz (one per decoder of untrusted input, and the raft and tbft
# engines' messages): builds them with clang, ASan and UBSan in build-fuzz/ (installing clang and
# its runtime when missing), then runs each for a while over a copy of its corpus in
# tests/fuzz/corpus/<target>/, so the tree is never changed by a run.
#
#   tools/fuzz.sh                 each target for 20 s (the smoke tools/test.sh runs)
#   tools/fuzz.sh --seconds 600   longer
#   tools/fuzz.sh --merge         also merge what a run found into tests/fuzz/corpus (to commit)
#   tools/fuzz.sh fuzz_tx_decode  one target
# A crash stops the run, leaves the input in build-fuzz/crashes/ and exits 1.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECONDS_EACH=20
MERGE=0
TARGETS=()
while (($#)); do
  case "$1" in
    --seconds) SECONDS_EACH="$2"; shift 2 ;;
    --merge) MERGE=1; shift ;;
    fuzz_*) TARGETS+=("$1"); shift ;;
    *) echo "fuzz.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

BUILD="$ROOT/build-fuzz"
echo "fuzz: building the targets in $BUILD"
SILK_BUILD_TARGET=fuzz "$ROOT/tools/setup.sh" sanitize

if ((${#TARGETS[@]} == 0)); then
  for f in "$ROOT"/tests/fuzz/fuzz_*.cpp; do TARGETS+=("$(basename "$f" .cpp)"); done
fi
mkdir -p "$BUILD/crashes"
export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
status=0
for t in "${TARGETS[@]}"; do
  seeds="$ROOT/tests/fuzz/corpus/$t"
  work="$BUILD/corpus/$t"
  rm -rf "$work"
  mkdir -p "$work" "$seeds"
  cp -r "$seeds/." "$work/" 2>/dev/null || true
  echo "fuzz: $t for ${SECONDS_EACH}s ($(ls "$work" | wc -l) seed inputs)"
  if ! (cd "$BUILD/crashes" && "$BUILD/$t" "$work" -max_total_time="$SECONDS_EACH" -max_len=4096 \
        -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 >"$BUILD/$t.log" 2>&1); then
    echo "fuzz: $t FAILED; the input is in $BUILD/crashes/, the log in $BUILD/$t.log" >&2
    tail -30 "$BUILD/$t.log" >&2
    status=1
    continue
  fi
  grep -E "stat::number_of_executed_units|cov:" "$BUILD/$t.log" | tail -2 | sed "s/^/  /"
  if ((MERGE)); then
    "$BUILD/$t" -merge=1 "$seeds" "$work" >/dev/null 2>&1
    echo "  merged: $(ls "$seeds" | wc -l) inputs in tests/fuzz/corpus/$t"
  fi
done
exit $status
