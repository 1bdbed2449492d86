#!/usr/bin/env bash
# Counts the aarch64 instructions the ARM integer kernels execute in one run of a kernel
# microbenchmark under qemu-user: timings under emulation mean nothing, instruction counts are
# exact and repeatable (docs/kernels.md, "Instruction counts on ARM").
#
#   tools/count-arm-instructions.sh BENCH QEMU_CPU FILTER
#
# BENCH is an aarch64 shoptalk-kernel-bench, QEMU_CPU the emulated CPU (cortex-a53: neon,
# cortex-a76: dotprod, max: i8mm), FILTER a --benchmark_filter selecting one benchmark. Prints the
# benchmark's name, its iterations and the instructions executed inside the functions of
# kernels/arm/ that live in an anonymous namespace (the vec_dot/GEMM/prefill tiles and their
# drivers; not the activation quantization, which runs before the timed loop).
#
# How: qemu logs every translated block (-d in_asm) and every execution of one (-d exec, with
# nochain so chained blocks are logged too), only for addresses inside those functions (-dfilter,
# from nm; qemu-user maps a PIE executable at 0x5500000000). Needs qemu-user, the aarch64 binutils
# (tools/install-deps.sh --cross) and python3.
set -euo pipefail
if [[ $# -ne 3 ]]; then
  sed -n '6p' "$0" >&2
  exit 2
fi
bench=$1
cpu=$2
filter=$3
load_base=0x5500000000

ranges=$(aarch64-linux-gnu-nm -C -S "$bench" | python3 -c '
import sys
base = int(sys.argv[1], 16)
out = []
for line in sys.stdin:
    f = line.split(None, 3)
    if len(f) == 4 and f[2] in "tTwW" and "kernels::arm::(anonymous namespace)::" in f[3]:
        out.append("0x%x+0x%x" % (base + int(f[0], 16), int(f[1], 16)))
print(",".join(out))
' "$load_base")

count() {
  python3 -c '
import sys
size = {}
total = 0
unknown = 0
pc = None
block = False
for line in sys.stdin:
    if line.startswith("IN:"):
        block, pc = True, None
    elif block and line.startswith("0x"):
        addr = int(line.split(":", 1)[0], 16)
        if pc is None:
            pc = addr
            size[pc] = 0
        size[pc] += 1
    elif block and not line.strip():
        block = False
    elif line.startswith("Trace"):
        pc = int(line.split("/")[1], 16)
        if pc in size:
            total += size[pc]
        else:
            unknown += 1
print("instructions", total, "unknown_blocks", unknown)
'
}

SHOPTALK_KERNEL_BENCH_MACHINE=0 QEMU_CPU=$cpu qemu-aarch64 -L /usr/aarch64-linux-gnu \
  -d in_asm,exec,nochain -dfilter "$ranges" -D >(count >&2) \
  "$bench" --benchmark_filter="$filter" --benchmark_min_time=0.001 --benchmark_format=json |
  python3 -c '
import json, sys
for b in json.load(sys.stdin)["benchmarks"]:
    print(b["name"], "iterations", b["iterations"])
'
wait
