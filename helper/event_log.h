// EventLog: one line per event, for operators (`log-level`, `log-file`).
//
// Lines are logfmt: `time=2026-12-04T16:59:01Z level=info prog=docker-credential-darcy
// pid=42 action=get host=gcr.io registry=3 outcome=ok duration_ms=0.8 msg="..."`.
// Callers never pass secrets, tokens or URLs with user information: hosts are
// server keys, messages are the project's own error texts (which never quote
// secrets). Values are quoted when they hold spaces or quotes, and control
// characters are replaced, so one event is always one line.
//
// Warnings also go to stderr (Docker shows them to the user); the log file,
// when configured, gets every event at or above `log-level`. The
// file is created 0600 and capped: when it passes `max_bytes` it is renamed
// to `<log-file>.1` (replacing the previous one) and a new file is started.
// Several processes may append to one file.
//
// Thread safety: not thread safe; one EventLog per process.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

#include "vault/result.h"

namespace darcy::helper {

enum class LogLevel { kError = 0, kWarn = 1, kInfo = 2, kDebug = 3 };

// Parses error/warn/info/debug.
std::optional<LogLevel> parse_log_level(std::string_view text);

struct LogEvent {
  LogLevel level = LogLevel::kInfo;
  std::string action;           // get, store, erase, list, fetch, sync, ...
  std::string host;             // a server key, never a raw URL
  std::int64_t registry = -1;   // registry ID; -1 when none
  std::string outcome;          // ok, not-found, stale, error, ...
  double duration_ms = -1;      // -1 when not measured
  std::string message;          // free text, never a secret
};

class EventLog {
 public:
  static constexpr std::int64_t kDefaultMaxBytes = 1024 * 1024;

  // `stderr_sink` may be null (tests). `path` empty: no file.
  EventLog(std::string program, LogLevel level, std::string path, std::ostream* stderr_sink,
           std::int64_t max_bytes = kDefaultMaxBytes);

  // Appends `event` to the log file if its level is enabled (never to stderr:
  // errors reach the user through the command's own output).
  void write(const LogEvent& event);
  // A warning for the user on stderr (unless log-level is error), also logged.
  void warn(std::string action, std::string host, std::string message);

  // The logfmt line for `event` at `unix_time` (no trailing newline).
  std::string format(const LogEvent& event, std::int64_t unix_time) const;

 private:
  Status append(const std::string& line);

  std::string program_;
  LogLevel level_;
  std::string path_;
  std::ostream* stderr_;
  std::int64_t max_bytes_;
  bool file_failed_ = false;  // report a broken log file once, then stay quiet
};

}  // namespace darcy::helper
