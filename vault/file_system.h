// FileSystem: the vault's only way to touch files, so tests can swap in one
// that fails a chosen call (full disk, failed rename, failed fsync) and check
// that nothing is lost. RealFileSystem is the POSIX implementation.
//
// Files are opened with O_NOFOLLOW and O_CLOEXEC; new files and directories get
// their final mode at creation (never create-then-chmod).
//
// Thread safety: RealFileSystem is stateless and thread safe.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "vault/result.h"
#include "vault/secure_memory.h"

namespace darcy::vault {

struct FileInfo {
  bool exists = false;
  bool is_dir = false;
  bool is_symlink = false;
  bool is_regular = false;
  mode_t mode = 0;  // permission bits only
  uid_t owner = 0;
  std::int64_t size = 0;
};

// An open file descriptor, closed on destruction. Move-only.
class FileHandle {
 public:
  FileHandle() = default;
  explicit FileHandle(int fd) : fd_(fd) {}
  FileHandle(FileHandle&& o) noexcept : fd_(o.release()) {}
  FileHandle& operator=(FileHandle&& o) noexcept;
  FileHandle(const FileHandle&) = delete;
  FileHandle& operator=(const FileHandle&) = delete;
  ~FileHandle();

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_ = -1;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // lstat(2): never follows a symlink. A missing path is ok() with exists=false.
  virtual Result<FileInfo> stat(const std::string& path) = 0;
  // Reads a whole regular file (not through a symlink), up to max_bytes.
  virtual Result<std::string> read_file(const std::string& path, std::size_t max_bytes) = 0;
  // As read_file, into guarded memory, for key files.
  virtual Result<SecureString> read_secret_file(const std::string& path, std::size_t max_bytes) = 0;
  // mkdir(2) with the given mode (before umask is irrelevant: the mode is forced).
  virtual Status make_dir(const std::string& path, mode_t mode) = 0;

  // The steps of an atomic replace, exposed one by one so each can fail in tests.
  // Creates a new uniquely named file in `dir` with `mode`; its path goes to *path.
  virtual Result<FileHandle> create_temp(const std::string& dir, std::string_view prefix,
                                         mode_t mode, std::string* path) = 0;
  virtual Status write_all(const FileHandle& file, std::string_view data) = 0;
  virtual Status sync(const FileHandle& file) = 0;
  virtual Status rename(const std::string& from, const std::string& to) = 0;
  virtual Status sync_dir(const std::string& dir) = 0;
  virtual Status remove(const std::string& path) = 0;
  // The names in `dir` (without "." and "..").
  virtual Result<std::vector<std::string>> list_dir(const std::string& dir) = 0;

  // Opens (creating with mode 0600) `path` and takes an exclusive flock on it,
  // waiting for other holders. The lock is released when the handle closes.
  virtual Result<FileHandle> lock_exclusive(const std::string& path) = 0;
};

class RealFileSystem : public FileSystem {
 public:
  Result<FileInfo> stat(const std::string& path) override;
  Result<std::string> read_file(const std::string& path, std::size_t max_bytes) override;
  Result<SecureString> read_secret_file(const std::string& path, std::size_t max_bytes) override;
  Status make_dir(const std::string& path, mode_t mode) override;
  Result<FileHandle> create_temp(const std::string& dir, std::string_view prefix, mode_t mode,
                                 std::string* path) override;
  Status write_all(const FileHandle& file, std::string_view data) override;
  Status sync(const FileHandle& file) override;
  Status rename(const std::string& from, const std::string& to) override;
  Status sync_dir(const std::string& dir) override;
  Status remove(const std::string& path) override;
  Result<std::vector<std::string>> list_dir(const std::string& dir) override;
  Result<FileHandle> lock_exclusive(const std::string& path) override;
};

// Writes `data` to `path` atomically: a temp file with `mode` in the same
// directory, written, fsynced, renamed over `path`, then the directory fsynced.
// On any failure the temp file is removed and `path` is left as it was.
Status write_file_atomic(FileSystem& fs, const std::string& path, std::string_view data,
                         mode_t mode);

// Refuses (kPermission, naming the path and the fix, as ssh does) a file that
// is a symlink, owned by another user, or accessible by group or others.
Status check_private_file(const std::string& path, const FileInfo& info);

// Checks that `dir` exists and is a directory owned by the caller with no
// group/world access; kPermission otherwise (kNotFound if missing).
Status check_private_dir(FileSystem& fs, const std::string& dir);

// The directory part of `path` ("." if none).
std::string parent_dir(const std::string& path);

}  // namespace darcy::vault
