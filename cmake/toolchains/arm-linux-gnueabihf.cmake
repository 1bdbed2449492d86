# Cross-build for 32-bit ARMv7-A hard-float Linux (Debian armhf: Raspberry Pi OS 32-bit, BeagleBone)
# with Debian's g++-arm-linux-gnueabihf. The library stays at the armhf baseline (ARMv7-A, VFPv3-D16,
# no NEON); the NEON kernels are compiled with -mfpu=neon in their own translation units and chosen
# at start-up when the CPU reports NEON. See docs/cross-building.md.
set(SHOPTALK_CROSS_TRIPLE arm-linux-gnueabihf)
set(SHOPTALK_CROSS_PROCESSOR armv7-a)
set(SHOPTALK_CROSS_QEMU qemu-arm)
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
