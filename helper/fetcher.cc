#include "helper/fetcher.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

extern char** environ;

namespace darcy::helper {
namespace {

constexpr std::size_t kMaxErrorBytes = 4096;

std::string dir_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

bool is_executable(const std::string& path) { return ::access(path.c_str(), X_OK) == 0; }

std::vector<char*> make_argv(const std::string& path, const std::vector<std::string>& args) {
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(path.c_str()));
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  return argv;
}

int wait_for(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

}  // namespace

Result<std::string> ProcessFetcher::locate(const std::string& self_path) {
  const std::string dir = dir_of(self_path);
  const std::string beside = dir + "/darcy-fetch";
  if (is_executable(beside)) return beside;
  const std::string libexec = dir + "/../libexec/darcy/darcy-fetch";
  if (is_executable(libexec)) return libexec;
  return Error::NotFound("darcy-fetch is not installed: looked for " + beside + " and " + libexec);
}

Status ProcessFetcher::fetch_registry(std::int64_t id) {
  return run_captured({"registry", std::to_string(id)});
}

Status ProcessFetcher::sync() { return run_captured({"sync"}); }

int ProcessFetcher::run_attached(const std::vector<std::string>& args) const {
  std::vector<char*> argv = make_argv(path_, args);
  pid_t pid = 0;
  if (::posix_spawn(&pid, path_.c_str(), nullptr, nullptr, argv.data(), environ) != 0) return -1;
  return wait_for(pid);
}

Status ProcessFetcher::run_captured(const std::vector<std::string>& args) const {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return Error::FromErrno("cannot create a pipe", errno);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
  std::vector<char*> argv = make_argv(path_, args);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, path_.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  if (rc != 0) {
    ::close(pipe_fds[0]);
    return Error::FromErrno("cannot run " + path_, rc);
  }
  std::string output;
  char buf[1024];
  while (true) {
    const ssize_t n = ::read(pipe_fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (output.size() < kMaxErrorBytes) output.append(buf, static_cast<std::size_t>(n));
  }
  ::close(pipe_fds[0]);
  const int exit_code = wait_for(pid);
  if (exit_code == 0) return Ok();
  // darcy-fetch writes one line "darcy-fetch: <message>"; keep its last line.
  while (!output.empty() && (output.back() == '\n' || output.back() == '\r')) output.pop_back();
  const auto nl = output.find_last_of('\n');
  if (nl != std::string::npos) output.erase(0, nl + 1);
  constexpr std::string_view kPrefix = "darcy-fetch: ";
  if (output.rfind(kPrefix, 0) == 0) output.erase(0, kPrefix.size());
  if (output.empty()) output = "darcy-fetch exited with status " + std::to_string(exit_code);
  return Error::Unavailable(output);
}

Result<FetchOutput> ProcessFetcher::run_output(const std::vector<std::string>& args) const {
  int out_fds[2];
  int err_fds[2];
  if (::pipe2(out_fds, O_CLOEXEC) != 0) return Error::FromErrno("cannot create a pipe", errno);
  if (::pipe2(err_fds, O_CLOEXEC) != 0) {
    const int e = errno;
    ::close(out_fds[0]);
    ::close(out_fds[1]);
    return Error::FromErrno("cannot create a pipe", e);
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_fds[1], STDERR_FILENO);
  std::vector<char*> argv = make_argv(path_, args);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, path_.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out_fds[1]);
  ::close(err_fds[1]);
  if (rc != 0) {
    ::close(out_fds[0]);
    ::close(err_fds[0]);
    return Error::FromErrno("cannot run " + path_, rc);
  }
  // Both pipes are drained together: a child that fills one while we wait on
  // the other would never finish.
  FetchOutput result;
  pollfd fds[2] = {{out_fds[0], POLLIN, 0}, {err_fds[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_count = 2;
  char buf[4096];
  while (open_count > 0) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_count;
        continue;
      }
      std::string& sink = *sinks[i];
      if (sink.size() < kMaxOutputBytes) {
        sink.append(buf, std::min(static_cast<std::size_t>(n), kMaxOutputBytes - sink.size()));
      }
    }
  }
  for (const pollfd& p : fds) {
    if (p.fd >= 0) ::close(p.fd);
  }
  result.exit_code = wait_for(pid);
  if (result.exit_code < 0) return Error::FromErrno("cannot wait for " + path_, errno);
  return result;
}

}  // namespace darcy::helper
