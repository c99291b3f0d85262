#!/usr/bin/env bash
# Installs the Debian 12 packages SilkLedger needs (only those missing), then
# configures and builds. Used by both README commands.
#
#   tools/setup.sh            release build in build/
#   tools/setup.sh debug      ASan + UBSan build in build-debug/
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODE="${1:-release}"

PACKAGES=(build-essential cmake ninja-build pkg-config git
          librocksdb-dev libsodium-dev libssl-dev libboost-dev nlohmann-json3-dev
          doctest-dev libspdlog-dev libcli11-dev python3 procps)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

JOBS="$(nproc)"
case "$MODE" in
  release) BUILD="$ROOT/build"; TYPE=Release ;;
  debug)   BUILD="$ROOT/build-debug"; TYPE=Debug ;;
  *) echo "setup: unknown mode '$MODE' (release or debug)" >&2; exit 2 ;;
esac

cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE="$TYPE" >/dev/null
echo "setup: building $TYPE in $BUILD with $JOBS jobs"
cmake --build "$BUILD" -j"$JOBS"
