#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine: installs what is
# missing, builds two configurations — release (g++) and sanitize (clang with
# ASan + UBSan and libFuzzer instrumentation) — runs the unit and functional
# tests in release, the short chaos suite (tools/chaos.sh) against the release
# binaries, the unit tests under the sanitizers, then a 20 s smoke of each
# libFuzzer target (tools/fuzz.sh) from that same sanitize build.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JOBS="$(nproc)"

"$ROOT/tools/setup.sh" release
echo "== unit and functional tests (release)"
(cd "$ROOT/build" && ctest --output-on-failure -j"$JOBS" --timeout 900)
echo "== chaos suite, short (docs/reliability.md)"
"$ROOT/tools/chaos.sh" --short --bin-dir "$ROOT/build"

SILK_BUILD_TARGET="unit_tests fuzz" "$ROOT/tools/setup.sh" sanitize
echo "== unit tests under AddressSanitizer and UndefinedBehaviorSanitizer (clang)"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
(cd "$ROOT/build-fuzz" && ctest --output-on-failure -j"$JOBS" -L unit --timeout 900)

echo "== fuzz targets: a 20 s smoke each over their seed corpus (clang, ASan, UBSan)"
"$ROOT/tools/fuzz.sh" --seconds 20
