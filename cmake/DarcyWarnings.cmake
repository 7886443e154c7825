# darcy::warnings: the project's warning set, as an INTERFACE target every
# first-party target links. DARCY_WERROR turns them into errors (the test build).
add_library(darcy_warnings INTERFACE)
add_library(darcy::warnings ALIAS darcy_warnings)
target_compile_options(darcy_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
  -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
  -Wnull-dereference -Wimplicit-fallthrough -Wformat=2
  $<$<BOOL:${DARCY_WERROR}>:-Werror>)
