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
#   tools/fuzz.sh --jobs 1        one target at a time (default: one per core, each single-threaded)
# A crash leaves the input in build-fuzz/crashes/ and makes the run exit 1.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECONDS_EACH=20
MERGE=0
JOBS="$(nproc)"
TARGETS=()
while (($#)); do
  case "$1" in
    --seconds) SECONDS_EACH="$2"; shift 2 ;;
    --merge) MERGE=1; shift ;;
    --jobs) JOBS="$2"; shift 2 ;;
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
# One target: its summary (or its failure) printed in one piece when it ends.
run_one() {
  local t="$1" seeds="$ROOT/tests/fuzz/corpus/$1" work="$BUILD/corpus/$1" out
  rm -rf "$work"
  mkdir -p "$work" "$seeds"
  cp -r "$seeds/." "$work/" 2>/dev/null || true
  out="fuzz: $t for ${SECONDS_EACH}s ($(ls "$work" | wc -l) seed inputs)"
  if ! (cd "$BUILD/crashes" && "$BUILD/$t" "$work" -max_total_time="$SECONDS_EACH" -max_len=4096 \
        -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 >"$BUILD/$t.log" 2>&1); then
    { echo "$out"; echo "fuzz: $t FAILED; the input is in $BUILD/crashes/, the log in $BUILD/$t.log"
      tail -30 "$BUILD/$t.log"; } >&2
    return 1
  fi
  out+=$'\n'"$(grep -E "stat::number_of_executed_units|cov:" "$BUILD/$t.log" | tail -2 | sed "s/^/  /")"
  if ((MERGE)); then
    "$BUILD/$t" -merge=1 "$seeds" "$work" >/dev/null 2>&1
    out+=$'\n'"  merged: $(ls "$seeds" | wc -l) inputs in tests/fuzz/corpus/$t"
  fi
  echo "$out"
}
export -f run_one
export ROOT BUILD SECONDS_EACH MERGE
# xargs exits 123 when any target failed.
if printf '%s\n' "${TARGETS[@]}" | xargs -P "$JOBS" -I{} bash -c 'run_one "$1"' _ {}; then
  exit 0
fi
exit 1
