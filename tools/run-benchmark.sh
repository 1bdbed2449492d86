#!/usr/bin/env bash
# The main job: builds shoptalk and runs the tier-1 benchmark (Qwen3-0.6B shape, Q4_K_M, random
# weights made by `shoptalk synth` and cached in .cache/; no download), with the peak memory
# checked against the tier's 1 GB budget.
# Usage: tools/run-benchmark.sh [extra shoptalk-bench flags, e.g. --tier all -p 512 -n 128 -r 5]
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DSHOPTALK_BUILD_TESTS=OFF > /dev/null
cmake --build build -j"$(nproc)" --target shoptalk_bench
(($#)) || set -- -p 512 -n 128 -r 3
build/bench/shoptalk-bench --tier 1 --cache-dir .cache -t "$(nproc)" "$@"
