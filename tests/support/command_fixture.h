// CommandFixture: what an operator-command test needs: a temp dir with an
// empty helper config, a vault directory and DOCKER_CONFIG in it, an
// environment naming them, the real file system, a fixed clock and captured
// streams.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

#include "helper/config.h"
#include "support/faulty_file_system.h"
#include "support/temp_dir.h"
#include "vault/file_system.h"

namespace darcy::testing {

struct CommandFixture {
  explicit CommandFixture(std::int64_t now) : clock(now) {
    std::ofstream(tmp / "helper.conf").close();
    env.uid = ::getuid();
    env.vars["DARCY_CONFIG"] = tmp / "helper.conf";
    env.vars["DARCY_VAULT_DIR"] = vault_dir;
    env.vars["DOCKER_CONFIG"] = docker_dir;
  }

  TempDir tmp;
  vault::RealFileSystem fs;
  FixedClock clock;
  helper::Environment env;
  std::string vault_dir = tmp / "vault";
  std::string docker_dir = tmp / "docker";
  std::istringstream in;
  std::ostringstream out;
  std::ostringstream err;
};

}  // namespace darcy::testing
