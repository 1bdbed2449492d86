# Cross-build for ARMv6 with VFP (Raspberry Pi Zero / Zero W and Pi 1: ARM1176JZF-S, an ARMv6KZ
# core, no NEON) with Debian's armel compiler, g++-arm-linux-gnueabi. Debian armel's baseline is
# ARMv5TE with soft float; -march=armv6kz -mfpu=vfp lets the compiler use the ARMv6 instructions
# (ARMv6K's LDREXD/STREXD make the 64-bit atomics inline, with no libatomic) and VFP for floating
# point, and -mfloat-abi=softfp keeps armel's calling convention (floats passed in integer
# registers), so armel's libstdc++ and libc link unchanged. The kernels are the scalar ones only:
# CMAKE_SYSTEM_PROCESSOR armv6 selects no SIMD level from the registry (kernels/isa_levels.cmake).
# The binaries also run on an ARMv7/ARMv8 CPU with VFP. See docs/cross-building.md.
set(SHOPTALK_CROSS_TRIPLE arm-linux-gnueabi)
set(SHOPTALK_CROSS_PROCESSOR armv6)
set(SHOPTALK_CROSS_QEMU qemu-arm)
set(CMAKE_C_FLAGS_INIT "-march=armv6kz -mfpu=vfp -mfloat-abi=softfp")
set(CMAKE_CXX_FLAGS_INIT "-march=armv6kz -mfpu=vfp -mfloat-abi=softfp")
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
