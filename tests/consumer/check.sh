#!/usr/bin/env bash
# Installs a build tree into a temporary prefix, then builds and runs three out-of-tree consumers
# against it, the ways firmware and application teams link shoptalk:
#   C99 with the C compiler driver and `pkg-config --static` (consumer.c, the C API),
#   C++14 with find_package(shoptalk) (the target raises the standard to the C++17 it needs),
#   C++17 with `pkg-config --cflags --libs` and the C++ driver (consumer.cpp).
# Usage: check.sh BUILD_DIR MODEL.gguf (a one-tensor qwen3 file) DEMO_MODEL.gguf (a loadable model)
# Cross builds set CMAKE_TOOLCHAIN_FILE, CC and CXX to their toolchain and SHOPTALK_EMULATOR to the
# command that runs a target program (e.g. "qemu-aarch64 -L /usr/aarch64-linux-gnu").
set -euo pipefail
build_dir=$1
model=$2
demo_model=$3
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck disable=SC2086  # $run is a word list (empty natively)
run=${SHOPTALK_EMULATOR:-}

cmake --install "$build_dir" --prefix "$work/prefix" > /dev/null
pc_dir=$(dirname "$(find "$work/prefix" -name shoptalk.pc | head -n 1)")
pc() { PKG_CONFIG_PATH="$pc_dir" pkg-config "$@" shoptalk; }

# shellcheck disable=SC2046  # pkg-config output is a word list
"${CC:-cc}" -std=c99 -Wall -Werror "$here/consumer.c" -o "$work/consumer-c" \
  $(pc --static --cflags --libs)
$run "$work/consumer-c" "$demo_model" | grep -qx "n_vocab=4096 tokens=8"
echo "C99 consumer (cc, pkg-config --static): ok"

expected="architecture=qwen3 tensors=1"
cmake -S "$here" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DCMAKE_CXX_STANDARD=14 > /dev/null
cmake --build "$work/cmake-build" > /dev/null
$run "$work/cmake-build/consumer" "$model" | grep -qx "$expected"
echo "C++14 consumer (find_package): ok"

# shellcheck disable=SC2046  # pkg-config output is a word list
"${CXX:-c++}" -std=c++17 "$here/consumer.cpp" -o "$work/consumer-pc" $(pc --cflags --libs)
$run "$work/consumer-pc" "$model" | grep -qx "$expected"
echo "C++17 consumer (pkg-config): ok"
