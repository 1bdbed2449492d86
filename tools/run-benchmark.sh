#!/usr/bin/env bash
# The main job: builds shoptalk and runs the tier-1 benchmark (Qwen3-0.6B shape, Q4_K_M, random
# weights made by `shoptalk synth` and cached in .cache/; no download), with the peak memory
# checked against the tier's 1 GB budget. Shares build/ with tools/run-tests.sh (either may run
# first): it forces only the options it needs and builds the benchmark and the command-line tools.
# Usage: tools/run-benchmark.sh [extra shoptalk-bench flags, e.g. --tier all -p 512 -n 128 -r 5]
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DSHOPTALK_BUILD_BENCH=ON -DSHOPTALK_BUILD_TOOLS=ON \
  > /dev/null
cmake --build build -j"$(nproc)" --target shoptalk_bench shoptalk_cli shoptalk_diagnose
(($#)) || set -- -p 512 -n 128 -r 3
build/bench/shoptalk-bench --tier 1 --cache-dir .cache -t "$(nproc)" "$@"
