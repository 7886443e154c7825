// Fetcher: how docker-credential-darcy asks for fresh credentials. The helper
// never talks to the network itself; ProcessFetcher runs darcy-fetch (found
// beside this executable, or in ../libexec/darcy/) and waits for it. Tests
// swap in a fake.
//
// Thread safety: ProcessFetcher is stateless after construction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "vault/result.h"

namespace darcy::helper {

// What a darcy-fetch run printed and how it ended.
struct FetchOutput {
  int exit_code = 0;  // 128 + N if a signal N ended it
  std::string out;    // its stdout, at most ProcessFetcher::kMaxOutputBytes
  std::string err;    // its stderr, at most ProcessFetcher::kMaxOutputBytes
};

class Fetcher {
 public:
  virtual ~Fetcher() = default;
  // Refreshes one registry by ID (a deleted one is dropped from the vault).
  virtual Status fetch_registry(std::int64_t id) = 0;
  // Refreshes the whole registry list.
  virtual Status sync() = 0;
};

class ProcessFetcher : public Fetcher {
 public:
  explicit ProcessFetcher(std::string fetch_path) : path_(std::move(fetch_path)) {}

  // darcy-fetch beside `self_path`, else in `<dir of self>/../libexec/darcy/`;
  // kNotFound naming both places if neither exists.
  static Result<std::string> locate(const std::string& self_path);

  Status fetch_registry(std::int64_t id) override;
  Status sync() override;

  // Runs darcy-fetch with `args`, its stdout and stderr those of this process
  // (for the operator commands); returns its exit code, or -1 if it could not run.
  int run_attached(const std::vector<std::string>& args) const;

  // The most of each stream run_output keeps; the rest is read and dropped.
  static constexpr std::size_t kMaxOutputBytes = 64 * 1024;

  // Runs darcy-fetch with `args` and stdin from /dev/null, and returns what it
  // wrote on stdout and stderr with its exit code (for `doctor`, which reads
  // `darcy-fetch status`). Fails only if it could not be run.
  Result<FetchOutput> run_output(const std::vector<std::string>& args) const;

 private:
  // Runs darcy-fetch with stdout discarded (it must never reach the client)
  // and stderr captured into the error's message.
  Status run_captured(const std::vector<std::string>& args) const;

  std::string path_;
};

}  // namespace darcy::helper
