# The library's layers (formats → kernels → engine, and synth on top of engine), each a static
# target of its own. The build enforces the layering: a layer's sources compile against an include
# root of its own, <build>/layers/<layer>, that holds symbolic links to the folders and public
# headers of that layer and of the layers below it, and nothing else (the source root is not on the
# include path). An include that runs back up the layers names a file that is not there: a build
# error. tests/layers checks it.

set(SHOPTALK_LAYERS_DIR ${PROJECT_BINARY_DIR}/layers)
# Headers generated at configure time (the ISA level registry): on the include path of the
# kernels layer and those above it.
set(SHOPTALK_GENERATED_DIR ${PROJECT_BINARY_DIR}/generated)
# What the tests, fuzzers and kernel benchmarks include internal headers from: the source root and
# the generated headers.
set(SHOPTALK_INTERNAL_INCLUDE_DIRS ${PROJECT_SOURCE_DIR} ${SHOPTALK_GENERATED_DIR})

# shoptalk_add_layer(<layer> [BELOW <lower layer>] OWNS <path>...): the static library
# shoptalk_<layer> (sources added by the caller) with its include root. Paths are relative to the
# source root; include/<p> is linked as <p> (the public headers keep their <shoptalk/...> names).
# The root is rebuilt at every configure from the paths of <lower layer>'s root and <path>...
function(shoptalk_add_layer layer)
  cmake_parse_arguments(ARG "" "BELOW" "OWNS" ${ARGN})
  set(paths ${ARG_OWNS})
  if(ARG_BELOW)
    get_property(below GLOBAL PROPERTY SHOPTALK_LAYER_PATHS_${ARG_BELOW})
    list(PREPEND paths ${below})
  endif()
  set_property(GLOBAL PROPERTY SHOPTALK_LAYER_PATHS_${layer} ${paths})

  set(root ${SHOPTALK_LAYERS_DIR}/${layer})
  file(REMOVE_RECURSE ${root})
  foreach(path ${paths})
    string(REGEX REPLACE "^include/" "" link ${path})
    if(NOT EXISTS ${PROJECT_SOURCE_DIR}/${path})
      message(FATAL_ERROR "layer ${layer}: '${path}' does not exist")
    endif()
    # A path inside one already linked would write through that link into the source tree.
    get_filename_component(parent ${root}/${link} DIRECTORY)
    set(dir ${root}/${link})
    while(NOT dir STREQUAL root)
      if(IS_SYMLINK ${dir})
        message(FATAL_ERROR "layer ${layer}: '${path}' overlaps another path of its include root")
      endif()
      get_filename_component(dir ${dir} DIRECTORY)
    endwhile()
    file(MAKE_DIRECTORY ${parent})
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/${path} ${root}/${link} SYMBOLIC)
  endforeach()

  set(target shoptalk_${layer})
  add_library(${target} STATIC)
  target_include_directories(${target} PUBLIC $<BUILD_INTERFACE:${root}>)
  # xsimd is header-only: used without becoming part of any exported link interface (a consumer
  # of libshoptalk.a does not need it; Debian's xsimd target would also drag in a non-existent
  # libxtl).
  target_include_directories(${target} SYSTEM PRIVATE
    $<TARGET_PROPERTY:xsimd,INTERFACE_INCLUDE_DIRECTORIES>)
  shoptalk_set_warnings(${target})
  if(SHOPTALK_NO_EXCEPTIONS)
    target_compile_options(${target} PRIVATE -fno-exceptions)
  endif()
  # ARM's base ISA has scalar FMA, which GCC would contract a*b+c into everywhere: the reference
  # code and the engine then round like on x86-64 (no FMA at its baseline) only with contraction
  # off for every layer.
  if(SHOPTALK_CPU MATCHES "^(aarch64|arm64|arm.*)$")
    target_compile_options(${target} PRIVATE -ffp-contract=off)
  endif()
  # The objects also make libshoptalk.a, which can then go into a shared object.
  set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE ON)
endfunction()
