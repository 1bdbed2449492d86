#!/usr/bin/env bash
# Installs the Debian packages shoptalk builds with (as root; uses sudo otherwise). Idempotent:
# packages already present are not reinstalled. Pass --cross to add the ARM cross toolchains + qemu.
set -euo pipefail
packages=(build-essential cmake pkg-config libeigen3-dev libxsimd-dev catch2 libcli11-dev
          libbenchmark-dev clang-14 unicode-data)
if [[ "${1:-}" == "--cross" ]]; then
  packages+=(g++-aarch64-linux-gnu g++-arm-linux-gnueabihf qemu-user binutils-aarch64-linux-gnu)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
