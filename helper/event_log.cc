#include "helper/event_log.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <ctime>
#include <ostream>

namespace darcy::helper {
namespace {

constexpr std::string_view kLevelNames[] = {"error", "warn", "info", "debug"};

// A logfmt value: bare when safe, else quoted with \" and \\ escaped; control
// characters become '?' so an event stays on one line.
void append_value(std::string& out, std::string_view value) {
  bool quote = value.empty();
  for (char c : value) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
      quote = true;
    }
  }
  if (!quote) {
    out.append(value);
    return;
  }
  out.push_back('"');
  for (char c : value) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      out.push_back('?');
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

void append_field(std::string& out, std::string_view key, std::string_view value) {
  out.push_back(' ');
  out.append(key);
  out.push_back('=');
  append_value(out, value);
}

}  // namespace

std::optional<LogLevel> parse_log_level(std::string_view text) {
  for (std::size_t i = 0; i < std::size(kLevelNames); ++i) {
    if (text == kLevelNames[i]) return static_cast<LogLevel>(i);
  }
  return std::nullopt;
}

EventLog::EventLog(std::string program, LogLevel level, std::string path,
                   std::ostream* stderr_sink, std::int64_t max_bytes)
    : program_(std::move(program)),
      level_(level),
      path_(std::move(path)),
      stderr_(stderr_sink),
      max_bytes_(max_bytes) {}

std::string EventLog::format(const LogEvent& e, std::int64_t unix_time) const {
  char stamp[32];
  const std::time_t t = static_cast<std::time_t>(unix_time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
  std::string line = "time=";
  line.append(stamp);
  append_field(line, "level", kLevelNames[static_cast<int>(e.level)]);
  append_field(line, "prog", program_);
  append_field(line, "pid", std::to_string(::getpid()));
  if (!e.action.empty()) append_field(line, "action", e.action);
  if (!e.host.empty()) append_field(line, "host", e.host);
  if (e.registry >= 0) append_field(line, "registry", std::to_string(e.registry));
  if (!e.outcome.empty()) append_field(line, "outcome", e.outcome);
  if (e.duration_ms >= 0) {
    char ms[32];
    std::snprintf(ms, sizeof ms, "%.1f", e.duration_ms);
    append_field(line, "duration_ms", ms);
  }
  if (!e.message.empty()) append_field(line, "msg", e.message);
  return line;
}

void EventLog::write(const LogEvent& event) {
  if (event.level > level_ || path_.empty() || file_failed_) return;
  if (auto s = append(format(event, static_cast<std::int64_t>(std::time(nullptr))) + "\n"); !s) {
    file_failed_ = true;
    if (stderr_ != nullptr) {
      *stderr_ << program_ << ": cannot write the log: " << s.error().message() << "\n";
    }
  }
}

void EventLog::warn(std::string action, std::string host, std::string message) {
  LogEvent e;
  e.level = LogLevel::kWarn;
  e.action = std::move(action);
  e.host = std::move(host);
  e.outcome = "warning";
  e.message = std::move(message);
  if (level_ >= LogLevel::kWarn && stderr_ != nullptr) {
    *stderr_ << program_ << ": " << e.message << "\n";
  }
  write(e);
}

Status EventLog::append(const std::string& line) {
  const mode_t old = ::umask(077);
  int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  ::umask(old);
  if (fd < 0) return Error::FromErrno("cannot open " + path_, errno);
  struct stat st {};
  if (::fstat(fd, &st) == 0 && st.st_size + static_cast<off_t>(line.size()) > max_bytes_) {
    // Rotate under the file's lock; whoever gets it first renames, the others
    // find the path already points to a new, small file.
    ::flock(fd, LOCK_EX);
    struct stat now {};
    if (::stat(path_.c_str(), &now) == 0 && now.st_ino == st.st_ino && now.st_dev == st.st_dev) {
      ::rename(path_.c_str(), (path_ + ".1").c_str());
    }
    ::flock(fd, LOCK_UN);
    ::close(fd);
    const mode_t again = ::umask(077);
    fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    ::umask(again);
    if (fd < 0) return Error::FromErrno("cannot open " + path_, errno);
  }
  const ssize_t n = ::write(fd, line.data(), line.size());
  const int err = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(line.size())) return Error::FromErrno("cannot write " + path_, err);
  return Ok();
}

}  // namespace darcy::helper
