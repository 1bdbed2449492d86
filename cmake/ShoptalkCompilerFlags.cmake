# Warnings, sanitizers and per-ISA flags shared by every target.

function(shoptalk_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra)
  if(SHOPTALK_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

if(SHOPTALK_SANITIZE)
  add_compile_options(-fsanitize=${SHOPTALK_SANITIZE} -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${SHOPTALK_SANITIZE})
endif()

# Compiler flags that enable one kernel ISA level in a translation unit.
set(SHOPTALK_FLAGS_avx2 -mavx2 -mfma -mf16c -mbmi2)
set(SHOPTALK_FLAGS_avx_vnni -mavx2 -mfma -mf16c -mbmi2 -mavxvnni)
set(SHOPTALK_FLAGS_avx512 -mavx512f -mavx512bw -mavx512vl -mavx512vnni -mfma -mf16c -mbmi2)
set(SHOPTALK_FLAGS_neon "")
set(SHOPTALK_FLAGS_dotprod -march=armv8.2-a+dotprod+fp16)
set(SHOPTALK_FLAGS_i8mm -march=armv8.2-a+dotprod+fp16+i8mm)
