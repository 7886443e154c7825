# Included by the top-level CMakeLists.txt before any target is defined. With
# DARCY_FUZZ every target is compiled with libFuzzer's coverage instrumentation
# plus AddressSanitizer and UBSan (any UB aborts, so the fuzzer sees it); the
# fuzz targets add -fsanitize=fuzzer when they link (CMakeLists.txt here).
# Without DARCY_FUZZ this file does nothing.
if(DARCY_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "DARCY_FUZZ needs clang: configure with CXX=clang++")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined
                      -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
