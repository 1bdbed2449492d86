# Shared part of the Debian cross toolchain files: SHOPTALK_CROSS_TRIPLE, SHOPTALK_CROSS_PROCESSOR
# and SHOPTALK_CROSS_QEMU are set by the including file.
#
# Compilers: Debian's <triple>-gcc/g++ (tools/install-deps.sh --cross). Libraries: the target's own
# from its sysroot /usr/<triple> and from Debian multiarch /usr/lib/<triple> (e.g.
# libbenchmark-dev:arm64). Headers only from the host's /usr/include: Eigen, xsimd, Catch2 and CLI11
# are header-only and architecture-independent, so their CMake packages are found under / too.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR ${SHOPTALK_CROSS_PROCESSOR})

set(CMAKE_C_COMPILER ${SHOPTALK_CROSS_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${SHOPTALK_CROSS_TRIPLE}-g++)
set(CMAKE_LIBRARY_ARCHITECTURE ${SHOPTALK_CROSS_TRIPLE})

# Programs from the host, libraries and headers from the target sysroot first, then /: multiarch
# libraries live in /usr/lib/<triple> (found through CMAKE_LIBRARY_ARCHITECTURE), header-only
# packages' CMake configs in /usr/share and /usr/lib/cmake.
set(CMAKE_FIND_ROOT_PATH /usr/${SHOPTALK_CROSS_TRIPLE} /)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# ctest (and try_run) run target programs through qemu-user with the sysroot's dynamic loader and
# C/C++ runtime. LD_LIBRARY_PATH keeps the loader on the sysroot's libc even where Debian multiarch
# also installed the target's libc6 under /lib/<triple> (pulled in by libbenchmark-dev:<arch>): a
# loader and libc from two builds of glibc hang at the first thread.
find_program(SHOPTALK_QEMU ${SHOPTALK_CROSS_QEMU})
if(SHOPTALK_QEMU)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${SHOPTALK_QEMU} -L /usr/${SHOPTALK_CROSS_TRIPLE} -E
      LD_LIBRARY_PATH=/usr/${SHOPTALK_CROSS_TRIPLE}/lib)
endif()

# xsimd is header-only, but Debian installs its CMake package under the host's multiarch folder
# (/usr/lib/<host triple>/cmake/xsimd), which a search for the target architecture does not visit.
if(NOT xsimd_DIR)
  file(GLOB SHOPTALK_XSIMD_CONFIGS /usr/lib/*/cmake/xsimd/xsimdConfig.cmake)
  if(SHOPTALK_XSIMD_CONFIGS)
    list(GET SHOPTALK_XSIMD_CONFIGS 0 SHOPTALK_XSIMD_CONFIG)
    get_filename_component(xsimd_DIR ${SHOPTALK_XSIMD_CONFIG} DIRECTORY)
    set(xsimd_DIR ${xsimd_DIR} CACHE PATH "xsimd's CMake package (header-only, host copy)")
  endif()
endif()
