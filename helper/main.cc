// docker-credential-darcy: the Docker credential helper for Darcy Cloud nodes.
#include <iostream>
#include <string>
#include <vector>

#include "helper/cli.h"
#include "vault/secure_memory.h"

int main(int argc, char* argv[]) {
  if (!darcy::harden_process()) {
    std::cout << "cannot initialise libsodium\n";
    return 1;
  }
  return darcy::helper::run(std::vector<std::string>(argv + 1, argv + argc), std::cin, std::cout,
                            std::cerr);
}
