# Reads the ISA level registry (kernels/isa_levels.cmake: the functions below are its vocabulary),
# adds the levels of the target architecture to shoptalk_kernels with their flags and generates
# the C++ registry dispatch and the tests iterate. The result for the rest of the build: global
# properties SHOPTALK_ISA_COMPILED_LEVELS (in registry order), SHOPTALK_ISA_<level>_FLAGS and
# SHOPTALK_ISA_<level>_QEMU_CPU (the qemu-user CPU model that runs the level and none above it on
# this architecture, if any).

# The architecture key a level names in ARCHS and FLAGS_<arch>: x86, aarch64, armv7 (32-bit ARM
# with NEON available) or armv6 (ARMv6 and older: VFP, no NEON).
if(SHOPTALK_CPU MATCHES "^(x86_64|amd64|i[3-6]86)$")
  set(SHOPTALK_ARCH x86)
elseif(SHOPTALK_CPU MATCHES "^(aarch64|arm64)$")
  set(SHOPTALK_ARCH aarch64)
elseif(SHOPTALK_CPU MATCHES "^armv[2-6]")
  set(SHOPTALK_ARCH armv6)
elseif(SHOPTALK_CPU MATCHES "^arm")
  set(SHOPTALK_ARCH armv7)
else()
  set(SHOPTALK_ARCH other)
endif()

set(SHOPTALK_ISA_LEVELS "")
set(SHOPTALK_ISA_FAMILIES "")

# shoptalk_isa_family(<name> [PREFIX <prefix>] [BASELINE <file>...])
macro(shoptalk_isa_family name)
  cmake_parse_arguments(FAMILY "" "PREFIX" "BASELINE" ${ARGN})
  list(APPEND SHOPTALK_ISA_FAMILIES ${name})
  set(SHOPTALK_ISA_FAMILY_${name}_PREFIX "${FAMILY_PREFIX}")
  set(SHOPTALK_ISA_FAMILY_${name}_BASELINE ${FAMILY_BASELINE})
  set(SHOPTALK_ISA_FAMILY_${name}_LEVELS "")
endmacro()

# shoptalk_isa_level(<name> FAMILY <family> [BASE <level>] [ARCHS <arch>...] [FLAGS <flag>...]
#                    [FLAGS_<arch> <flag>...] TABLE <getter> [CPU_CHECK <function> NEEDS <text>]
#                    [QEMU_CPU_<arch> <model>])
# (A macro, so the registry's variables land in the scope reading it: no semicolon in a text.)
macro(shoptalk_isa_level name)
  set(arch_keywords FLAGS_x86 FLAGS_aarch64 FLAGS_armv7 FLAGS_armv6)
  cmake_parse_arguments(LEVEL "" "FAMILY;BASE;TABLE;CPU_CHECK;NEEDS;QEMU_CPU_aarch64;QEMU_CPU_armv7"
                        "ARCHS;FLAGS;${arch_keywords}" ${ARGN})
  if(LEVEL_UNPARSED_ARGUMENTS OR NOT LEVEL_FAMILY OR NOT LEVEL_TABLE)
    message(FATAL_ERROR "ISA level ${name}: needs FAMILY and TABLE (got ${ARGN})")
  endif()
  if(LEVEL_CPU_CHECK AND NOT LEVEL_NEEDS)
    message(FATAL_ERROR "ISA level ${name}: a CPU_CHECK needs the NEEDS text of its error")
  endif()
  # BASE defaults to the registry's first level (scalar), which has none.
  if(NOT LEVEL_BASE AND SHOPTALK_ISA_LEVELS)
    list(GET SHOPTALK_ISA_LEVELS 0 LEVEL_BASE)
  endif()
  if(LEVEL_BASE AND NOT LEVEL_BASE IN_LIST SHOPTALK_ISA_LEVELS)
    message(FATAL_ERROR "ISA level ${name}: BASE ${LEVEL_BASE} is not a level listed before it")
  endif()
  list(APPEND SHOPTALK_ISA_LEVELS ${name})
  list(APPEND SHOPTALK_ISA_FAMILY_${LEVEL_FAMILY}_LEVELS ${name})
  foreach(field FAMILY TABLE CPU_CHECK NEEDS ARCHS BASE)
    set(SHOPTALK_ISA_${name}_${field} "${LEVEL_${field}}")
  endforeach()
  set(SHOPTALK_ISA_${name}_FLAGS ${LEVEL_FLAGS})
  if(DEFINED LEVEL_FLAGS_${SHOPTALK_ARCH})
    set(SHOPTALK_ISA_${name}_FLAGS ${LEVEL_FLAGS_${SHOPTALK_ARCH}})
  endif()
  set(SHOPTALK_ISA_${name}_QEMU_CPU "${LEVEL_QEMU_CPU_${SHOPTALK_ARCH}}")
endmacro()

# "avx_vnni" → "kAvxVnni": the Isa enumerator of a level.
function(shoptalk_isa_enumerator level out)
  string(REPLACE "_" ";" parts ${level})
  set(result k)
  foreach(part ${parts})
    string(SUBSTRING ${part} 0 1 head)
    string(SUBSTRING ${part} 1 -1 tail)
    string(TOUPPER ${head} head)
    string(APPEND result ${head}${tail})
  endforeach()
  set(${out} ${result} PARENT_SCOPE)
endfunction()

# Appends to the variable <out> the C++ declaration of a function the registry names relative to
# shoptalk::kernels ("x86::avx2_table", "scalar_kernels"), with the given return type.
function(shoptalk_isa_declare out type qualified)
  set(ns shoptalk::kernels)
  set(name ${qualified})
  string(FIND ${qualified} "::" cut REVERSE)
  if(cut GREATER -1)
    string(SUBSTRING ${qualified} 0 ${cut} inner)
    math(EXPR cut "${cut} + 2")
    string(SUBSTRING ${qualified} ${cut} -1 name)
    string(APPEND ns ::${inner})
  endif()
  set(${out} "${${out}}namespace ${ns} { ${type} ${name}(); }\n" PARENT_SCOPE)
endfunction()

# shoptalk_add_isa_levels(<target> <registry file> <generated dir>): the levels of SHOPTALK_ARCH
# (all of them with SHOPTALK_ISA=auto; else the pinned level and the levels it builds on), their
# sources and flags, and the generated registry.
function(shoptalk_add_isa_levels target registry generated_dir)
  include(${registry})
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${registry})

  # The levels to build.
  set(wanted "")
  if(SHOPTALK_ISA STREQUAL "auto")
    set(wanted ${SHOPTALK_ISA_LEVELS})
  elseif(SHOPTALK_ISA IN_LIST SHOPTALK_ISA_LEVELS)
    set(level ${SHOPTALK_ISA})
    while(level)
      list(APPEND wanted ${level})
      set(level ${SHOPTALK_ISA_${level}_BASE})
    endwhile()
  else()
    list(JOIN SHOPTALK_ISA_LEVELS ", " names)
    message(FATAL_ERROR "SHOPTALK_ISA=${SHOPTALK_ISA}: not auto or a kernel level (${names})")
  endif()
  set(compiled "")
  foreach(level ${SHOPTALK_ISA_LEVELS})
    set(archs ${SHOPTALK_ISA_${level}_ARCHS})
    if(level IN_LIST wanted AND (NOT archs OR SHOPTALK_ARCH IN_LIST archs))
      list(APPEND compiled ${level})
    endif()
  endforeach()
  if(NOT SHOPTALK_ISA STREQUAL "auto" AND NOT SHOPTALK_ISA IN_LIST compiled)
    message(FATAL_ERROR "SHOPTALK_ISA=${SHOPTALK_ISA}: that level is not built for ${SHOPTALK_CPU}")
  endif()

  # Sources: each family's folder. A file takes the flags of the level whose prefix it has (the
  # longest one), a BASELINE file none, any other file those of the family's first level. No
  # implicit FMA contraction in a family's files: the kernels write their FMAs explicitly, and
  # shared formulas (RoPE) then round like the scalar ones.
  foreach(family ${SHOPTALK_ISA_FAMILIES})
    set(levels "")
    foreach(level ${SHOPTALK_ISA_FAMILY_${family}_LEVELS})
      if(level IN_LIST compiled)
        list(APPEND levels ${level})
      endif()
    endforeach()
    if(NOT levels)
      continue()
    endif()
    list(GET SHOPTALK_ISA_FAMILY_${family}_LEVELS 0 first)
    set(prefix "${SHOPTALK_ISA_FAMILY_${family}_PREFIX}")
    file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${family}/*.cpp)
    foreach(source ${sources})
      get_filename_component(name ${source} NAME)
      set(owner ${first})
      set(owner_length 0)
      foreach(level ${SHOPTALK_ISA_FAMILY_${family}_LEVELS})
        string(LENGTH "${prefix}${level}_" length)
        string(FIND ${name} "${prefix}${level}_" at)
        if(at EQUAL 0 AND length GREATER owner_length)
          set(owner ${level})
          set(owner_length ${length})
        endif()
      endforeach()
      if(NOT owner IN_LIST levels)
        continue()
      endif()
      set(flags ${SHOPTALK_ISA_${owner}_FLAGS})
      if(name IN_LIST SHOPTALK_ISA_FAMILY_${family}_BASELINE)
        set(flags "")
      endif()
      target_sources(${target} PRIVATE ${source})
      if(NOT family STREQUAL "scalar")
        set_source_files_properties(${source} PROPERTIES COMPILE_OPTIONS "${flags};-ffp-contract=off")
      endif()
    endforeach()
  endforeach()
  # The tables of levels that may be left out are declared and built under these.
  foreach(level ${compiled})
    string(TOUPPER ${level} LEVEL)
    target_compile_definitions(${target} PRIVATE SHOPTALK_HAVE_${LEVEL}_KERNELS=1)
  endforeach()

  # The C++ registry: the Isa enum (every level), and one entry per level with its table and CPU
  # check when it is compiled in.
  set(enumerators "")
  set(declarations "")
  set(entries "")
  foreach(level ${SHOPTALK_ISA_LEVELS})
    shoptalk_isa_enumerator(${level} enumerator)
    list(APPEND enumerators ${enumerator})
    set(base ${SHOPTALK_ISA_${level}_BASE})
    if(NOT base)
      set(base ${level})
    endif()
    shoptalk_isa_enumerator(${base} base_enumerator)
    set(table nullptr)
    set(check nullptr)
    if(level IN_LIST compiled)
      shoptalk_isa_declare(declarations "const KernelTable&" ${SHOPTALK_ISA_${level}_TABLE})
      set(table "&${SHOPTALK_ISA_${level}_TABLE}")
      if(SHOPTALK_ISA_${level}_CPU_CHECK)
        shoptalk_isa_declare(declarations bool ${SHOPTALK_ISA_${level}_CPU_CHECK})
        set(check "&${SHOPTALK_ISA_${level}_CPU_CHECK}")
      endif()
    endif()
    string(REPLACE "\"" "\\\"" needs "${SHOPTALK_ISA_${level}_NEEDS}")
    string(APPEND entries "    {Isa::${enumerator}, \"${level}\", \"${SHOPTALK_ISA_${level}_FAMILY}\", "
                          "Isa::${base_enumerator}, ${table}, ${check},\n     \"${needs}\"},\n")
  endforeach()
  list(JOIN enumerators ", " enumerators)
  list(LENGTH SHOPTALK_ISA_LEVELS count)
  file(CONFIGURE OUTPUT ${generated_dir}/kernels/isa_levels.h @ONLY CONTENT
"// Generated by CMake from kernels/isa_levels.cmake, the ISA level registry: do not edit.
#pragma once

namespace shoptalk::kernels {

// Every kernel level of the registry, in its order (a family's levels worst first).
enum class Isa { ${enumerators} };
inline constexpr int kIsaCount = ${count};

}  // namespace shoptalk::kernels
")
  file(CONFIGURE OUTPUT ${generated_dir}/kernels/isa_levels.cpp @ONLY CONTENT
"// Generated by CMake from kernels/isa_levels.cmake, the ISA level registry, for this build's
// architecture (${SHOPTALK_CPU}) and SHOPTALK_ISA (${SHOPTALK_ISA}): do not edit.
#include \"kernels/level_table.h\"

${declarations}
namespace shoptalk::kernels {

const IsaEntry kIsaRegistry[kIsaCount] = {
${entries}};

}  // namespace shoptalk::kernels
")
  target_sources(${target} PRIVATE ${generated_dir}/kernels/isa_levels.cpp)
  target_include_directories(${target} PUBLIC $<BUILD_INTERFACE:${generated_dir}>)

  set_property(GLOBAL PROPERTY SHOPTALK_ISA_COMPILED_LEVELS ${compiled})
  foreach(level ${compiled})
    set_property(GLOBAL PROPERTY SHOPTALK_ISA_${level}_FLAGS ${SHOPTALK_ISA_${level}_FLAGS})
    set_property(GLOBAL PROPERTY SHOPTALK_ISA_${level}_QEMU_CPU ${SHOPTALK_ISA_${level}_QEMU_CPU})
  endforeach()
endfunction()
