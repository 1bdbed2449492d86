# `cmake --install`: libshoptalk.a, the public headers, a CMake package (find_package(shoptalk))
# and a pkg-config file. Consumers need only the C++ standard library and threads; the exported
# target requires C++17 of them (the public headers use std::variant and std::optional).
include(CMakePackageConfigHelpers)

install(TARGETS shoptalk EXPORT shoptalkTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/shoptalk
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h" PATTERN "*.hpp")

# xsimd is header-only and private: the exported target must not ask consumers for it (Eigen is
# the tests' alone).
set(SHOPTALK_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/shoptalk)
install(EXPORT shoptalkTargets NAMESPACE shoptalk:: DESTINATION ${SHOPTALK_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/shoptalkConfig.cmake.in
  ${PROJECT_BINARY_DIR}/shoptalkConfig.cmake INSTALL_DESTINATION ${SHOPTALK_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/shoptalkConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/shoptalkConfig.cmake
              ${PROJECT_BINARY_DIR}/shoptalkConfigVersion.cmake
        DESTINATION ${SHOPTALK_CMAKE_DIR})

# What a C link of libshoptalk.a lacks: the libraries the C++ driver adds beyond the C driver's
# (libstdc++ and libm with GCC, libc++ with clang's), and threads.
set(SHOPTALK_PC_LIBS_PRIVATE "")
foreach(lib IN LISTS CMAKE_CXX_IMPLICIT_LINK_LIBRARIES)
  if(NOT lib IN_LIST CMAKE_C_IMPLICIT_LINK_LIBRARIES AND NOT "-l${lib}" IN_LIST SHOPTALK_PC_LIBS_PRIVATE)
    list(APPEND SHOPTALK_PC_LIBS_PRIVATE "-l${lib}")
  endif()
endforeach()
list(APPEND SHOPTALK_PC_LIBS_PRIVATE -pthread)
list(JOIN SHOPTALK_PC_LIBS_PRIVATE " " SHOPTALK_PC_LIBS_PRIVATE)
file(RELATIVE_PATH SHOPTALK_PC_TO_PREFIX /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
configure_file(${PROJECT_SOURCE_DIR}/cmake/shoptalk.pc.in ${PROJECT_BINARY_DIR}/shoptalk.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/shoptalk.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
