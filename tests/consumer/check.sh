#!/usr/bin/env bash
# Installs the build tree into a temporary prefix, then builds tests/consumer against it twice:
# with find_package(shoptalk) and with pkg-config, and runs both on a model file.
# Usage: check.sh BUILD_DIR MODEL.gguf (a one-tensor qwen3 file)
# Cross builds set CMAKE_TOOLCHAIN_FILE and CXX to their toolchain and SHOPTALK_EMULATOR to the
# command that runs a target program (e.g. "qemu-aarch64 -L /usr/aarch64-linux-gnu").
set -euo pipefail
build_dir=$1
model=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck disable=SC2086  # $run is a word list (empty natively)
run=${SHOPTALK_EMULATOR:-}

cmake --install "$build_dir" --prefix "$work/prefix" > /dev/null

cmake -S "$here" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$work/prefix" > /dev/null
cmake --build "$work/cmake-build" > /dev/null
expected="architecture=qwen3 tensors=1"
$run "$work/cmake-build/consumer" "$model" | grep -qx "$expected"
echo "find_package consumer: ok"

pc_dir=$(dirname "$(find "$work/prefix" -name shoptalk.pc | head -n 1)")
flags=$(PKG_CONFIG_PATH="$pc_dir" pkg-config --cflags --libs shoptalk)
# shellcheck disable=SC2086  # flags are a word list
"${CXX:-c++}" -std=c++17 "$here/consumer.cpp" -o "$work/consumer-pc" $flags
$run "$work/consumer-pc" "$model" | grep -qx "$expected"
echo "pkg-config consumer: ok"
