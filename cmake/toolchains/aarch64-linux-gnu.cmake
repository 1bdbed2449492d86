# Cross-build for 64-bit ARM Linux (Raspberry Pi 4/5, Jetson, other Cortex-A boards) with Debian's
# g++-aarch64-linux-gnu. The kernels keep every translation unit at ARMv8.0 except the dispatched
# dotprod/i8mm ones, so one build runs on any aarch64 CPU. With qemu-user installed, ctest runs the
# tests under emulation; QEMU_CPU (cortex-a53, cortex-a72, cortex-a76, neoverse-n1, max) picks the
# emulated CPU and so the kernel level the dispatcher finds. See docs/cross-building.md.
set(SHOPTALK_CROSS_TRIPLE aarch64-linux-gnu)
set(SHOPTALK_CROSS_PROCESSOR aarch64)
set(SHOPTALK_CROSS_QEMU qemu-aarch64)
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
