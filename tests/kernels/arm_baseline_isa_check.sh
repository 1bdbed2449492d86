#!/usr/bin/env bash
# One aarch64 binary must run on an ARMv8.0 CPU (Cortex-A53/A72): no instruction beyond ARMv8.0 may
# run before dispatch has checked HWCAP. Disassembles the library and a linked test program and
# fails on ARMv8.1+ instructions (dotprod, i8mm, bf16, LSE atomics, RCpc loads) anywhere except in
# the dispatched objects arm_<level>_* of the LEVELs given (the registry's levels built with flags
# of their own: dotprod, i8mm), and there only in their own functions (the level's namespace or
# internal linkage), never in an inline function the linker could pick for everyone. Calls to
# libgcc's outline atomics (__aarch64_ldadd4_acq_rel, ...) are fine: they check the CPU themselves.
# Usage: arm_baseline_isa_check.sh OBJDUMP LIBSHOPTALK.a PROGRAM LEVEL...
set -euo pipefail
objdump=$1
library=$2
program=$3
shift 3
levels=$(IFS='|'; echo "$*")

forbidden='^(sdot|udot|usdot|sudot|smmla|ummla|usmmla|bfmmla|bfdot|bfcvtn2?|bfmlal[bt]|ldapr[bh]?|(ld(add|clr|eor|set|smax|smin|umax|umin)|swp|cas)(a|al|l)?[bh]?|caspa?l?)$'

# Prints "object<TAB>function<TAB>mnemonic" for every forbidden instruction.
scan() {
  "$objdump" -d -C --no-show-raw-insn "$1" | awk -v re="$forbidden" '
    /^In archive/ { next }
    /: +file format/ { object = $1; sub(/:$/, "", object); next }
    /^[0-9a-f]+ <.*>:$/ { fn = $0; sub(/^[0-9a-f]+ </, "", fn); sub(/>:$/, "", fn); next }
    /^ +[0-9a-f]+:\t/ {
      split($0, part, "\t")
      if (part[2] ~ re) printf "%s\t%s\t%s\n", object, fn, part[2]
    }'
}

# A function of a dispatched object is its own when it is in the level namespace or in an anonymous
# namespace (internal linkage: never shared with another object).
own_function="(shoptalk::kernels::arm::($levels)::|\\(anonymous namespace\\))"
# libgcc's outline atomics, linked into programs: they pick LSE or LL/SC at run time.
outline_atomic='^__aarch64_(ldadd|ldclr|ldeor|ldset|swp|cas)'

failures=0
report() {
  echo "$1"
  failures=$((failures + 1))
}

lib_hits=$(scan "$library")
while IFS=$'\t' read -r object fn insn; do
  [[ -z "$object" ]] && continue
  if [[ "$object" =~ arm_($levels)_ ]]; then
    [[ "$fn" =~ $own_function ]] || report "$object: '$insn' in shared function $fn"
  else
    report "$object: '$insn' in $fn (object not dispatched)"
  fi
done <<< "$lib_hits"

while IFS=$'\t' read -r _ fn insn; do
  [[ -z "$fn" ]] && continue
  [[ "$fn" =~ $own_function || "$fn" =~ $outline_atomic ]] ||
    report "$(basename "$program"): '$insn' in $fn"
done <<< "$(scan "$program")"

# The check has teeth: the dispatched objects do contain the instructions it looks for.
for want in sdot smmla; do
  grep -q $'\t'"$want"'$' <<< "$lib_hits" || report "no '$want' in the dispatched objects at all"
done

if ((failures)); then
  echo "FAILED: $failures instruction(s) beyond ARMv8.0 outside the dispatched kernels"
  exit 1
fi
echo "ok: only the arm_<level>_* kernels of $* use instructions beyond ARMv8.0"
