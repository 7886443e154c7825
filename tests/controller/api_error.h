// ApiError: an error answer in the ioFog controller's shape, {"name":"…","message":"…"}
// with its HTTP status. Values only; thread-compatible.
#pragma once

#include <string>
#include <variant>

namespace darcy::devctl {

struct ApiError {
  int status = 500;
  std::string name;
  std::string message;

  static ApiError validation(std::string message);      // 400 ValidationError
  static ApiError authentication(std::string message);  // 401 AuthenticationError
  static ApiError not_found(std::string message);       // 404 NotFoundError
  static ApiError internal(std::string message);        // 500 InternalServerError
  // The error a bare status code stands for (used by the `status` fault switch).
  static ApiError for_status(int status, std::string message);

  // Compact JSON body: {"name":"…","message":"…"}.
  [[nodiscard]] std::string body() const;
};

// A value or the ioFog error that replaces it.
template <typename T>
using Outcome = std::variant<T, ApiError>;

}  // namespace darcy::devctl
