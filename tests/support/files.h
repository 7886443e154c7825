// Small file helpers for tests.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

namespace darcy::testing {

// The whole file as bytes ("" if it cannot be read).
inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace darcy::testing
