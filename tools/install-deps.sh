#!/usr/bin/env bash
# Installs the Debian packages shoptalk builds with (as root; uses sudo otherwise). Idempotent:
# packages already present are not reinstalled. Pass --cross to add the ARM cross toolchains
# (aarch64, armhf, and armel for ARMv6), qemu and, through Debian multiarch (arm64, armhf), Google
# Benchmark for the ARM microbenchmarks; if the multiarch packages cannot be installed the ARM
# builds go on without the benchmarks (docs/cross-building.md).
set -euo pipefail
packages=(build-essential cmake pkg-config libeigen3-dev libxsimd-dev catch2 libcli11-dev
          libbenchmark-dev clang-14 unicode-data nlohmann-json3-dev json-schema-test-suite)
cross=0
if [[ "${1:-}" == "--cross" ]]; then
  cross=1
  packages+=(g++-aarch64-linux-gnu g++-arm-linux-gnueabihf g++-arm-linux-gnueabi qemu-user
             binutils-aarch64-linux-gnu)
fi
sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
missing=()
for p in "${packages[@]}"; do
  installed "$p" || missing+=("$p")
done
if ((${#missing[@]})); then
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if ((cross)); then
  multiarch=()
  for arch in arm64 armhf; do
    installed "libbenchmark-dev:$arch" || multiarch+=("libbenchmark-dev:$arch")
  done
  if ((${#multiarch[@]})); then
    $sudo dpkg --add-architecture arm64
    $sudo dpkg --add-architecture armhf
    # A mirror that lacks (or is mid-sync on) an ARM index makes update fail: install what it can.
    $sudo apt-get update -qq || true
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
      "${multiarch[@]}" ||
      echo "install-deps: no Google Benchmark for ARM; cross builds skip the microbenchmarks" >&2
  fi
fi
