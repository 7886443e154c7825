# darcy::sanitizers: ASan + UBSan when DARCY_SANITIZE is on, nothing otherwise.
add_library(darcy_sanitizers INTERFACE)
add_library(darcy::sanitizers ALIAS darcy_sanitizers)
if(DARCY_SANITIZE)
  set(_darcy_san -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_compile_options(darcy_sanitizers INTERFACE ${_darcy_san})
  target_link_options(darcy_sanitizers INTERFACE ${_darcy_san})
endif()
