# The ISA level registry: the one list of kernel levels. The build reads it
# (cmake/ShoptalkIsaLevels.cmake) to compile the levels of the target architecture, each with its
# flags, and to generate the C++ registry (<build>/generated/kernels/isa_levels.h and .cpp) that
# dispatch, the API's isa_levels(), `shoptalk isa` (which CI's per-level test loop asks) and the
# kernel tests iterate. Adding a level is its kernel sources plus one entry here (docs/kernels.md).
#
# shoptalk_isa_family(<folder of kernels/> [PREFIX <p>] [BASELINE <file>...])
#   A family's sources are kernels/<folder>/*.cpp. <p><level>_*.cpp are a level's own, compiled
#   with its flags; BASELINE files (the CPU checks, tables built before any check) keep the
#   target's baseline flags; every other file is shared by the family's levels and compiled with
#   the flags of its first level.
#
# shoptalk_isa_level(<name> FAMILY <family> [BASE <level>] [ARCHS <arch>...]
#                    [FLAGS <flag>...] [FLAGS_<arch> <flag>...] TABLE <getter>
#                    [CPU_CHECK <function> NEEDS <text>] [QEMU_CPU_<arch> <model>])
#   <name>      the SHOPTALK_ISA spelling; the Isa enumerator is its camel case (avx_vnni: kAvxVnni)
#   BASE        the level it builds on (default scalar): building it pinned (-DSHOPTALK_ISA=<name>)
#               builds its BASE chain too, and a CPU that runs it must run its BASE
#   ARCHS       the architectures it is built for: x86, aarch64, armv7 (32-bit ARM that may have
#               NEON), armv6 (VFP, no NEON); all when absent
#   FLAGS       the compiler flags of its sources (FLAGS_<arch> instead on that architecture)
#   TABLE       its KernelTable getter, and CPU_CHECK the `bool ()` function saying this CPU runs
#               it (none: every CPU of its architectures does), relative to shoptalk::kernels;
#               NEEDS what the check looks for, the error's words when it fails
#   QEMU_CPU    a qemu-user CPU model that runs this level and none above it: the cross builds'
#               ctest reruns kernels_test on it expecting dispatch to pick this level
# Within a family, levels come worst first: dispatch picks the last level compiled in that the CPU
# runs.

shoptalk_isa_family(scalar)
shoptalk_isa_family(x86 BASELINE x86_cpu.cpp x86_table.cpp)
shoptalk_isa_family(arm PREFIX arm_ BASELINE arm_cpu.cpp)

shoptalk_isa_level(scalar FAMILY scalar TABLE scalar_kernels)

shoptalk_isa_level(avx2 FAMILY x86 ARCHS x86
  FLAGS -mavx2 -mfma -mf16c -mbmi2
  TABLE x86::avx2_table CPU_CHECK x86::cpu_has_avx2 NEEDS "AVX2, FMA, F16C and BMI2")
shoptalk_isa_level(avx_vnni FAMILY x86 BASE avx2 ARCHS x86
  FLAGS -mavx2 -mfma -mf16c -mbmi2 -mavxvnni
  TABLE x86::avx_vnni_table CPU_CHECK x86::cpu_has_avx_vnni
  NEEDS "AVX-VNNI ('avx_vnni' in /proc/cpuinfo) besides AVX2")
shoptalk_isa_level(avx512 FAMILY x86 BASE avx2 ARCHS x86
  FLAGS -mavx512f -mavx512bw -mavx512vl -mavx512vnni -mfma -mf16c -mbmi2
  TABLE x86::avx512_table CPU_CHECK x86::cpu_has_avx512
  NEEDS "AVX-512 F, BW, VL and VNNI ('avx512_vnni' in /proc/cpuinfo)")

# NEON is part of ARMv8.0 (nothing to add on aarch64); the 32-bit armhf baseline lacks it.
shoptalk_isa_level(neon FAMILY arm ARCHS aarch64 armv7 FLAGS_armv7 -mfpu=neon
  TABLE arm::neon_table CPU_CHECK arm::cpu_has_neon
  NEEDS "NEON (Advanced SIMD, 'neon' in /proc/cpuinfo)"
  QEMU_CPU_aarch64 cortex-a53 QEMU_CPU_armv7 cortex-a8)
shoptalk_isa_level(dotprod FAMILY arm BASE neon ARCHS aarch64
  FLAGS -march=armv8.2-a+dotprod+fp16
  TABLE arm::dotprod_table CPU_CHECK arm::cpu_has_dotprod
  NEEDS "the ARMv8.2 dot product instructions ('asimddp' in /proc/cpuinfo)"
  QEMU_CPU_aarch64 cortex-a76)
shoptalk_isa_level(i8mm FAMILY arm BASE dotprod ARCHS aarch64
  FLAGS -march=armv8.2-a+dotprod+fp16+i8mm
  TABLE arm::i8mm_table CPU_CHECK arm::cpu_has_i8mm
  NEEDS "the int8 matrix multiply instructions ('i8mm' in /proc/cpuinfo)"
  QEMU_CPU_aarch64 max)
