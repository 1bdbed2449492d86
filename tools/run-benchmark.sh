#!/usr/bin/env bash
# The main job: builds shoptalk, makes the tier-1 model (Qwen3-0.6B shape, Q4_K_M, random weights)
# with `shoptalk synth` (cached in .cache/), and benchmarks it with shoptalk-bench.
# Usage: tools/run-benchmark.sh [extra shoptalk-bench flags, e.g. -p 512 -n 128 -r 5]
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DSHOPTALK_BUILD_TESTS=OFF > /dev/null
cmake --build build -j"$(nproc)" --target shoptalk_cli shoptalk_bench
mkdir -p .cache
model=.cache/qwen3-0.6b-q4_k_m.gguf
[[ -f "$model" ]] || build/tools/shoptalk synth --preset qwen3-0.6b --quant q4_k_m -o "$model"
(($#)) || set -- -p 512 -n 128 -r 3
build/bench/shoptalk-bench -m "$model" -t "$(nproc)" "$@"
