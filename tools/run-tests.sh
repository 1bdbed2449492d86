#!/usr/bin/env bash
# Installs dependencies, builds shoptalk and runs every test with ctest.
# Usage: tools/run-tests.sh [BUILD_DIR] [extra cmake args...]
set -euo pipefail
cd "$(dirname "$0")/.."
"$PWD/tools/install-deps.sh"
build_dir="${1:-build}"
shift || true
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DSHOPTALK_WERROR=ON "$@"
cmake --build "$build_dir" -j"$(nproc)"
ctest --test-dir "$build_dir" --output-on-failure -j"$(nproc)"
