#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "vault/secure_memory.h"

int main(int argc, char* argv[]) {
  if (!darcy::harden_process()) return 2;
  return Catch::Session().run(argc, argv);
}
