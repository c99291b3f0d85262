#!/usr/bin/env bash
# Installs the Debian 12 packages SilkLedger needs (only those missing), then
# configures and builds. Used by both README commands.
#
#   tools/setup.sh            release build in build/
#   tools/setup.sh debug      ASan + UBSan build with g++ in build-debug/ (for gdb)
#   tools/setup.sh sanitize   ASan + UBSan build with clang in build-fuzz/, every library also
#                             instrumented for libFuzzer: the one build in which tools/test.sh runs
#                             the unit tests under the sanitizers and tools/fuzz.sh its fuzz targets
#
# SILK_BUILD_TARGET="a b": build only those targets.
# SILK_SETUP_TEST_TOOLS=0: install only what the build and the demo need, not the tests' tools.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODE="${1:-release}"

# What building silkd and silk, tools/network.sh and the demo need.
PACKAGES=(build-essential cmake ninja-build pkg-config git
          librocksdb-dev libsodium-dev libssl-dev libboost-dev nlohmann-json3-dev
          doctest-dev libspdlog-dev libcli11-dev libqrencode-dev libpng-dev python3 procps
          openssl curl)
# What only the tests use. SILK_SETUP_TEST_TOOLS=0 (tools/demo.sh) skips these and the npm
# packages below, so that a newcomer's first command fetches nothing it does not run.
TEST_PACKAGES=(chromium zbar-tools)  # the explorer's browser test (tests/functional/test_explorer.py):
                                     # chromium, and zbarimg to read back `silk doc qr`'s codes
TEST_PACKAGES+=(zsh)  # tests/functional/test_completion.py runs `silk completion zsh` in a real zsh
TEST_PACKAGES+=(prometheus)  # promtool: tests/functional/test_metrics.py checks GET /metrics with it
TEST_PACKAGES+=(systemd)  # systemd-analyze: tests/functional/test_package.py verifies the .deb's unit
TEST_PACKAGES+=(iproute2)  # `ip netns`, `ip rule`: the chaos suite's partitions (tests/chaos/netns.py)
# Node.js and npm drive that test (playwright-core); any install of them will do.
if ! command -v node >/dev/null 2>&1; then TEST_PACKAGES+=(nodejs); fi
if ! command -v npm >/dev/null 2>&1; then TEST_PACKAGES+=(npm); fi
TEST_TOOLS="${SILK_SETUP_TEST_TOOLS:-1}"
if [ "$TEST_TOOLS" != 0 ]; then PACKAGES+=("${TEST_PACKAGES[@]}"); fi

# shellcheck source=tools/lib/install.sh
source "$ROOT/tools/lib/install.sh"
install_missing "${PACKAGES[@]}"

# The explorer test's npm packages, in .cache/explorer-test (git-ignored, with its npm cache):
# playwright-core (no bundled browser: it drives Debian's chromium) and axe-core (the
# accessibility rules it runs in the page). Test-only: the explorer itself uses no package.
# Skipped when those versions are there, and with SILK_SETUP_TEST_TOOLS=0.
PLAYWRIGHT_VERSION=1.58.0
AXE_VERSION=4.10.3
PLAYWRIGHT_DIR="$ROOT/.cache/explorer-test"
version_in() {
  node -p "try { require('$PLAYWRIGHT_DIR/node_modules/$1/package.json').version } catch (e) { '' }" 2>/dev/null || true
}
if [ "$TEST_TOOLS" != 0 ] && { [ "$(version_in playwright-core)" != "$PLAYWRIGHT_VERSION" ] ||
                              [ "$(version_in axe-core)" != "$AXE_VERSION" ]; }; then
  echo "setup: installing playwright-core@$PLAYWRIGHT_VERSION and axe-core@$AXE_VERSION in $PLAYWRIGHT_DIR"
  mkdir -p "$PLAYWRIGHT_DIR"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-save --no-audit --no-fund --loglevel=error \
    --prefix "$PLAYWRIGHT_DIR" --cache "$PLAYWRIGHT_DIR/.npm-cache" \
    "playwright-core@$PLAYWRIGHT_VERSION" "axe-core@$AXE_VERSION" >/dev/null
fi

JOBS="$(nproc)"
EXTRA=()
case "$MODE" in
  release)  BUILD="$ROOT/build"; TYPE=Release ;;
  debug)    BUILD="$ROOT/build-debug"; TYPE=Debug ;;
  sanitize) BUILD="$ROOT/build-fuzz"; TYPE=RelWithDebInfo
            install_missing clang libclang-rt-14-dev
            # -O1 with line tables: sanitizer reports with file:line, and about half the
            # compile time of -O2 -g over the whole tree.
            EXTRA=(-DCMAKE_CXX_COMPILER=clang++ -DSILK_FUZZ=ON
                   "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only") ;;
  *) echo "setup: unknown mode '$MODE' (release, debug or sanitize)" >&2; exit 2 ;;
esac

cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE="$TYPE" "${EXTRA[@]}" >/dev/null
echo "setup: building $TYPE in $BUILD with $JOBS jobs"
read -r -a TARGETS <<<"${SILK_BUILD_TARGET:-}"
cmake --build "$BUILD" -j"$JOBS" ${TARGETS[@]:+--target "${TARGETS[@]}"}
