// darcy-fetch: fetches registry credentials from the Darcy controller into the vault.
#include <iostream>
#include <string>
#include <vector>

#include "helper/fetch/fetch_command.h"
#include "vault/secure_memory.h"

int main(int argc, char* argv[]) {
  if (!darcy::harden_process()) {
    std::cerr << "darcy-fetch: cannot initialise libsodium\n";
    return 1;
  }
  darcy::vault::RealFileSystem fs;
  darcy::vault::SystemClock clock;
  return darcy::fetch::run_fetch(std::vector<std::string>(argv + 1, argv + argc),
                                 darcy::helper::Environment::current(), fs, clock, nullptr,
                                 std::cout, std::cerr);
}
