#!/usr/bin/env bash
# Installs the build tree into a temporary prefix, then builds tests/consumer against it twice:
# with find_package(shoptalk) and with pkg-config, and runs both on a model file.
# Usage: check.sh BUILD_DIR MODEL.gguf (a one-tensor qwen3 file)
set -euo pipefail
build_dir=$1
model=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build_dir" --prefix "$work/prefix" > /dev/null

cmake -S "$here" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$work/prefix" > /dev/null
cmake --build "$work/cmake-build" > /dev/null
expected="architecture=qwen3 tensors=1"
"$work/cmake-build/consumer" "$model" | grep -qx "$expected"
echo "find_package consumer: ok"

pc_dir=$(dirname "$(find "$work/prefix" -name shoptalk.pc | head -n 1)")
flags=$(PKG_CONFIG_PATH="$pc_dir" pkg-config --cflags --libs shoptalk)
# shellcheck disable=SC2086  # flags are a word list
c++ -std=c++17 "$here/consumer.cpp" -o "$work/consumer-pc" $flags
"$work/consumer-pc" "$model" | grep -qx "$expected"
echo "pkg-config consumer: ok"
