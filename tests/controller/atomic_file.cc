#include "atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

namespace darcy::devctl {

namespace {
std::string errno_text(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

std::string directory_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}
}  // namespace

std::optional<std::string> write_file_atomically(const std::string& path, std::string_view content,
                                                 mode_t mode) {
  std::string temp_name = path + ".tmp.XXXXXX";
  std::vector<char> temp(temp_name.begin(), temp_name.end());
  temp.push_back('\0');
  const int fd = ::mkstemp(temp.data());  // 0600 from creation
  if (fd < 0) return errno_text("cannot create a temporary file beside", path);
  const std::string temp_path(temp.data());

  auto fail = [&](const std::string& what) {
    std::string message = errno_text(what, path);
    ::close(fd);
    ::unlink(temp_path.c_str());
    return message;
  };

  std::size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("cannot write");
    }
    written += static_cast<std::size_t>(n);
  }
  if (mode != 0600 && ::fchmod(fd, mode) != 0) return fail("cannot set the mode of");
  if (::fsync(fd) != 0) return fail("cannot fsync");
  if (::close(fd) != 0) {
    std::string message = errno_text("cannot close", path);
    ::unlink(temp_path.c_str());
    return message;
  }
  if (::rename(temp_path.c_str(), path.c_str()) != 0) {
    std::string message = errno_text("cannot rename a temporary file onto", path);
    ::unlink(temp_path.c_str());
    return message;
  }
  const std::string dir = directory_of(path);
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return std::nullopt;
}

std::optional<std::string> read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return out.str();
}

}  // namespace darcy::devctl
