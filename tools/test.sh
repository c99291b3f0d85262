#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine: installs what is
# missing, builds two configurations — release (g++) and sanitize (clang with
# ASan + UBSan and libFuzzer instrumentation) — runs the functional tests and
# the consensus simulations in release, the short chaos suite (tools/chaos.sh)
# against the release binaries, the unit tests under the sanitizers, then a
# 20 s smoke of each libFuzzer target (tools/fuzz.sh) from that same sanitize
# build. The unit tests run once, under the sanitizers (a stricter run than
# release's, and compiling them twice was a fifth of the time); `ctest -L unit`
# in build/ runs them in release too.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JOBS="$(nproc)"

SILK_BUILD_TARGET="silkd silk sim_consensus" "$ROOT/tools/setup.sh" release
echo "== functional tests and consensus simulations (release)"
(cd "$ROOT/build" && ctest --output-on-failure -j"$JOBS" --timeout 900 -E '^unit_')
echo "== chaos suite, short (docs/reliability.md)"
"$ROOT/tools/chaos.sh" --short --bin-dir "$ROOT/build"

SILK_BUILD_TARGET="unit_tests fuzz" "$ROOT/tools/setup.sh" sanitize
echo "== unit tests under AddressSanitizer and UndefinedBehaviorSanitizer (clang)"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
(cd "$ROOT/build-fuzz" && ctest --output-on-failure -j"$JOBS" -L unit --timeout 900)

echo "== fuzz targets: a 20 s smoke each over their seed corpus, one per core at a time (clang, ASan, UBSan)"
"$ROOT/tools/fuzz.sh" --seconds 20
