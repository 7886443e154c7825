// FaultyFileSystem: the real file system, except that a chosen operation
// fails on its Nth call from now, like leveldb's ErrorEnv. Used to prove that
// a failed write at any step leaves the previous vault intact.
#pragma once

#include <cerrno>
#include <string>

#include "vault/clock.h"
#include "vault/file_system.h"

namespace darcy::testing {

enum class FsOp { kCreateTemp, kWrite, kSync, kRename, kSyncDir, kLock };

class FaultyFileSystem : public vault::FileSystem {
 public:
  // Makes the `nth` (1-based) call of `op` from now fail with `errnum`.
  void fail(FsOp op, int nth = 1, int errnum = ENOSPC) {
    op_ = op;
    countdown_ = nth;
    errnum_ = errnum;
  }
  void clear() { countdown_ = 0; }
  int calls(FsOp op) const { return calls_[static_cast<int>(op)]; }

  Result<vault::FileInfo> stat(const std::string& p) override { return real_.stat(p); }
  Result<std::string> read_file(const std::string& p, std::size_t max) override {
    return real_.read_file(p, max);
  }
  Result<SecureString> read_secret_file(const std::string& p, std::size_t max) override {
    return real_.read_secret_file(p, max);
  }
  Status make_dir(const std::string& p, mode_t mode) override { return real_.make_dir(p, mode); }
  Result<vault::FileHandle> create_temp(const std::string& dir, std::string_view prefix,
                                        mode_t mode, std::string* path) override {
    if (trip(FsOp::kCreateTemp)) return injected("create_temp");
    return real_.create_temp(dir, prefix, mode, path);
  }
  Status write_all(const vault::FileHandle& f, std::string_view data) override {
    if (trip(FsOp::kWrite)) {
      // A full disk writes part of the data before failing.
      (void)real_.write_all(f, data.substr(0, data.size() / 2));
      return injected("write");
    }
    return real_.write_all(f, data);
  }
  Status sync(const vault::FileHandle& f) override {
    if (trip(FsOp::kSync)) return injected("fsync");
    return real_.sync(f);
  }
  Status rename(const std::string& from, const std::string& to) override {
    if (trip(FsOp::kRename)) return injected("rename");
    return real_.rename(from, to);
  }
  Status sync_dir(const std::string& dir) override {
    if (trip(FsOp::kSyncDir)) return injected("fsync dir");
    return real_.sync_dir(dir);
  }
  Status remove(const std::string& p) override { return real_.remove(p); }
  Result<std::vector<std::string>> list_dir(const std::string& dir) override {
    return real_.list_dir(dir);
  }
  Result<vault::FileHandle> lock_exclusive(const std::string& p) override {
    if (trip(FsOp::kLock)) return injected("lock");
    return real_.lock_exclusive(p);
  }

 private:
  bool trip(FsOp op) {
    ++calls_[static_cast<int>(op)];
    if (countdown_ == 0 || op != op_) return false;
    return --countdown_ == 0;
  }
  Error injected(const std::string& what) const {
    return Error::FromErrno("injected " + what + " failure", errnum_);
  }

  vault::RealFileSystem real_;
  FsOp op_ = FsOp::kWrite;
  int countdown_ = 0;
  int errnum_ = ENOSPC;
  int calls_[6] = {};
};

class FixedClock : public vault::Clock {
 public:
  explicit FixedClock(std::int64_t t) : t_(t) {}
  std::int64_t now() const override { return t_; }
  void advance(std::int64_t seconds) { t_ += seconds; }

 private:
  std::int64_t t_;
};

}  // namespace darcy::testing
