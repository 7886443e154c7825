#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "box_seal.h"

int main(int argc, char* argv[]) {
  if (!darcy::devctl::init_sodium()) return 2;
  return Catch::Session().run(argc, argv);
}
