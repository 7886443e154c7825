// TempDir: a fresh directory (mode 0700) for one test. Removed when the test
// passes; kept, with its path printed, when the test fails by a REQUIRE
// (an exception in flight) so the files can be inspected.
#pragma once

#include <stdlib.h>
#include <sys/stat.h>

#include <exception>
#include <filesystem>
#include <iostream>
#include <string>

namespace darcy::testing {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "darcy-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    if (std::uncaught_exceptions() > 0) {
      std::cerr << "test files kept in " << path_ << "\n";
      return;
    }
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }

  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace darcy::testing
