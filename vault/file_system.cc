#include "vault/file_system.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <memory>

#include <sodium.h>

#include "vault/clock.h"

namespace darcy {

Error Error::FromErrno(const std::string& what, int errnum) {
  ErrorCode code = ErrorCode::kIOError;
  if (errnum == EACCES || errnum == EPERM) code = ErrorCode::kPermission;
  if (errnum == ENOENT) code = ErrorCode::kNotFound;
  return {code, what + ": " + std::strerror(errnum)};
}

namespace vault {

std::int64_t SystemClock::now() const { return static_cast<std::int64_t>(std::time(nullptr)); }

FileHandle& FileHandle::operator=(FileHandle&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.release();
  }
  return *this;
}

FileHandle::~FileHandle() {
  if (fd_ >= 0) ::close(fd_);
}

std::string parent_dir(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

Result<FileInfo> RealFileSystem::stat(const std::string& path) {
  struct stat st {};
  FileInfo info;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return info;
    return Error::FromErrno("cannot stat " + path, errno);
  }
  info.exists = true;
  info.is_dir = S_ISDIR(st.st_mode);
  info.is_symlink = S_ISLNK(st.st_mode);
  info.is_regular = S_ISREG(st.st_mode);
  info.mode = st.st_mode & 07777;
  info.owner = st.st_uid;
  info.size = st.st_size;
  return info;
}

namespace {

Result<FileHandle> open_for_reading(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ELOOP) {
      return Error::Permission(path + " is a symbolic link; refusing to follow it. Replace it with "
                               "the file itself.");
    }
    return Error::FromErrno("cannot open " + path, errno);
  }
  return FileHandle(fd);
}

template <class S>
Result<S> read_all(const std::string& path, std::size_t max_bytes) {
  auto file = open_for_reading(path);
  if (!file) return std::move(file).error();
  struct stat st {};
  if (::fstat(file->get(), &st) != 0) return Error::FromErrno("cannot stat " + path, errno);
  if (!S_ISREG(st.st_mode)) return Error::IOError(path + " is not a regular file");
  if (static_cast<std::size_t>(st.st_size) > max_bytes) {
    return Error::Corruption(path + " is larger than " + std::to_string(max_bytes) + " bytes");
  }
  S data;
  data.resize(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (true) {
    if (done == data.size()) {
      // The file may have grown since fstat; read until EOF within the limit.
      if (data.size() >= max_bytes + 1) break;
      data.resize(std::min(max_bytes + 1, data.size() + 4096));
    }
    const ssize_t n = ::read(file->get(), data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::FromErrno("cannot read " + path, errno);
    }
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  if (done > max_bytes) {
    return Error::Corruption(path + " is larger than " + std::to_string(max_bytes) + " bytes");
  }
  data.resize(done);
  return data;
}

}  // namespace

Result<std::string> RealFileSystem::read_file(const std::string& path, std::size_t max_bytes) {
  return read_all<std::string>(path, max_bytes);
}

Result<SecureString> RealFileSystem::read_secret_file(const std::string& path,
                                                      std::size_t max_bytes) {
  return read_all<SecureString>(path, max_bytes);
}

Status RealFileSystem::make_dir(const std::string& path, mode_t mode) {
  const mode_t old = ::umask(0);
  const int rc = ::mkdir(path.c_str(), mode);
  const int err = errno;
  ::umask(old);
  if (rc != 0) return Error::FromErrno("cannot create directory " + path, err);
  return Ok();
}

Result<FileHandle> RealFileSystem::create_temp(const std::string& dir, std::string_view prefix,
                                               mode_t mode, std::string* path) {
  for (int attempt = 0; attempt < 16; ++attempt) {
    unsigned char rnd[8];
    randombytes_buf(rnd, sizeof rnd);
    char hex[sizeof rnd * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
    std::string candidate = dir + "/." + std::string(prefix) + ".tmp." + hex;
    const mode_t old = ::umask(0);
    const int fd =
        ::open(candidate.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    const int err = errno;
    ::umask(old);
    if (fd >= 0) {
      *path = std::move(candidate);
      return FileHandle(fd);
    }
    if (err != EEXIST) return Error::FromErrno("cannot create a temporary file in " + dir, err);
  }
  return Error::IOError("cannot create a unique temporary file in " + dir);
}

Status RealFileSystem::write_all(const FileHandle& file, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(file.get(), data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::FromErrno("write failed", errno);
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return Ok();
}

Status RealFileSystem::sync(const FileHandle& file) {
  if (::fsync(file.get()) != 0) return Error::FromErrno("fsync failed", errno);
  return Ok();
}

Status RealFileSystem::rename(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return Error::FromErrno("cannot rename " + from + " to " + to, errno);
  }
  return Ok();
}

Status RealFileSystem::sync_dir(const std::string& dir) {
  FileHandle fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return Error::FromErrno("cannot open directory " + dir, errno);
  if (::fsync(fd.get()) != 0) return Error::FromErrno("cannot fsync directory " + dir, errno);
  return Ok();
}

Status RealFileSystem::remove(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return Error::FromErrno("cannot remove " + path, errno);
  }
  return Ok();
}

Result<std::vector<std::string>> RealFileSystem::list_dir(const std::string& dir) {
  struct CloseDir {
    void operator()(DIR* d) const { ::closedir(d); }
  };
  std::unique_ptr<DIR, CloseDir> d(::opendir(dir.c_str()));
  if (!d) return Error::FromErrno("cannot list " + dir, errno);
  std::vector<std::string> names;
  while (const dirent* e = ::readdir(d.get())) {
    const std::string_view name = e->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  return names;
}

Result<FileHandle> RealFileSystem::lock_exclusive(const std::string& path) {
  const mode_t old = ::umask(0);
  FileHandle fd(::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
  const int err = errno;
  ::umask(old);
  if (!fd.valid()) return Error::FromErrno("cannot open lock file " + path, err);
  while (::flock(fd.get(), LOCK_EX) != 0) {
    if (errno != EINTR) return Error::FromErrno("cannot lock " + path, errno);
  }
  return fd;
}

Status write_file_atomic(FileSystem& fs, const std::string& path, std::string_view data,
                         mode_t mode) {
  const std::string dir = parent_dir(path);
  const std::string base = path.substr(path.find_last_of('/') + 1);
  std::string temp;
  auto file = fs.create_temp(dir, base, mode, &temp);
  if (!file) return std::move(file).error();
  auto fail = [&](Error e) -> Status {
    (void)fs.remove(temp);
    return e.with_context("cannot write " + path);
  };
  {
    const FileHandle handle = std::move(file).value();  // closed before the rename
    if (auto s = fs.write_all(handle, data); !s) return fail(std::move(s).error());
    if (auto s = fs.sync(handle); !s) return fail(std::move(s).error());
  }
  if (auto s = fs.rename(temp, path); !s) return fail(std::move(s).error());
  // The new file is in place; a failed directory fsync only weakens durability.
  if (auto s = fs.sync_dir(dir); !s) return std::move(s).error().with_context("cannot write " + path);
  return Ok();
}

}  // namespace vault
}  // namespace darcy

namespace darcy::vault {
namespace {
std::string octal_mode(mode_t mode) {
  char text[16];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode));
  return text;
}

Status check_owner_and_mode(const std::string& path, const FileInfo& info, const char* fix_mode) {
  if (info.is_symlink) {
    return Error::Permission(path + " is a symbolic link; refusing to follow it. Fix: replace it "
                             "with the real " + (info.is_dir ? "directory" : "file"));
  }
  const uid_t me = ::geteuid();
  if (info.owner != me) {
    return Error::Permission(path + " is owned by uid " + std::to_string(info.owner) +
                             ", not by this user (uid " + std::to_string(me) +
                             "); refusing to use it. Fix: chown " + std::to_string(me) + " " +
                             path);
  }
  if ((info.mode & 077) != 0) {
    return Error::Permission("permissions " + octal_mode(info.mode) + " for " + path +
                             " are too open: it must not be accessible by group or others. Fix: "
                             "chmod " + fix_mode + " " + path);
  }
  return Ok();
}
}  // namespace

Status check_private_file(const std::string& path, const FileInfo& info) {
  return check_owner_and_mode(path, info, "600");
}

Status check_private_dir(FileSystem& fs, const std::string& dir) {
  auto info = fs.stat(dir);
  if (!info) return std::move(info).error();
  if (!info->exists) return Error::NotFound("the vault directory " + dir + " does not exist");
  if (!info->is_dir && !info->is_symlink) return Error::IOError(dir + " is not a directory");
  return check_owner_and_mode(dir, *info, "700");
}

}  // namespace darcy::vault
