# Warnings and sanitizers shared by every target (the kernel levels' flags: kernels/isa_levels.cmake).

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
