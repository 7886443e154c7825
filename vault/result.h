// Error and Result<T>: the one error type of the project.
//
// Every fallible function returns Result<T> (or Status = Result<void>); nothing
// throws across a library boundary. Only the outer edge (main) turns an Error
// into an exit code and a message. Error messages are complete sentences meant
// for the operator: they name the file, host or setting involved and, where
// there is one, the fix. They never contain a secret.
//
// Thread safety: plain values; safe to move between threads.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace darcy {

enum class ErrorCode {
  kNotFound,      // nothing maps to the key asked for (the protocol's not-found text)
  kInvalidInput,  // malformed input from a client, operator or peer
  kCorruption,    // a file on disk does not parse or has the wrong format
  kTampered,      // sealed data failed authentication or does not match its index entry
  kIOError,       // a system call failed
  kPermission,    // unsafe permissions or ownership; refused
  kUnavailable,   // a peer (controller, helper process) could not be reached or failed
  kConfig,        // configuration is missing or invalid
  kLocked,        // another process holds a lock we could not wait for
};

class [[nodiscard]] Error {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Error NotFound(std::string m) { return {ErrorCode::kNotFound, std::move(m)}; }
  static Error InvalidInput(std::string m) { return {ErrorCode::kInvalidInput, std::move(m)}; }
  static Error Corruption(std::string m) { return {ErrorCode::kCorruption, std::move(m)}; }
  static Error Tampered(std::string m) { return {ErrorCode::kTampered, std::move(m)}; }
  static Error IOError(std::string m) { return {ErrorCode::kIOError, std::move(m)}; }
  static Error Permission(std::string m) { return {ErrorCode::kPermission, std::move(m)}; }
  static Error Unavailable(std::string m) { return {ErrorCode::kUnavailable, std::move(m)}; }
  static Error Config(std::string m) { return {ErrorCode::kConfig, std::move(m)}; }
  static Error Locked(std::string m) { return {ErrorCode::kLocked, std::move(m)}; }
  // An I/O error whose message is "<what>: <strerror(errnum)>".
  static Error FromErrno(const std::string& what, int errnum);

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  bool is_not_found() const { return code_ == ErrorCode::kNotFound; }

  // Returns a copy whose message is "<context>: <message>".
  Error with_context(const std::string& context) const {
    return {code_, context + ": " + message_};
  }

 private:
  ErrorCode code_;
  std::string message_;
};

// Holds either a T or an Error. Access the value only after checking ok().
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const& { assert(!ok()); return std::get<1>(v_); }
  Error&& error() && { assert(!ok()); return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const& { assert(!ok_); return error_; }
  Error&& error() && { assert(!ok_); return std::move(error_); }

 private:
  Error error_{ErrorCode::kIOError, ""};
  bool ok_ = true;
};

using Status = Result<void>;

inline Status Ok() { return {}; }

}  // namespace darcy

// Propagates the error of a Result/Status expression to the caller.
#define DARCY_TRY(expr)                                     \
  do {                                                      \
    auto darcy_try_result_ = (expr);                        \
    if (!darcy_try_result_.ok()) return std::move(darcy_try_result_).error(); \
  } while (false)
