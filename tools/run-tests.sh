#!/usr/bin/env bash
# Installs dependencies, builds shoptalk and runs every test with ctest. The build options the
# suite needs are forced (a build dir configured otherwise before, e.g. by hand, is switched
# back); extra cmake args come last and win. A run that finds no tests fails.
# Usage: tools/run-tests.sh [BUILD_DIR] [extra cmake args...]
set -euo pipefail
cd "$(dirname "$0")/.."
"$PWD/tools/install-deps.sh"
build_dir="${1:-build}"
shift || true
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DSHOPTALK_WERROR=ON \
  -DSHOPTALK_BUILD_TESTS=ON -DSHOPTALK_BUILD_TOOLS=ON -DSHOPTALK_BUILD_BENCH=ON "$@"
cmake --build "$build_dir" -j"$(nproc)"
ctest --test-dir "$build_dir" --output-on-failure --no-tests=error -j"$(nproc)"
