#include "api_error.h"

#include <nlohmann/json.hpp>

namespace darcy::devctl {

ApiError ApiError::validation(std::string message) {
  return {400, "ValidationError", std::move(message)};
}
ApiError ApiError::authentication(std::string message) {
  return {401, "AuthenticationError", std::move(message)};
}
ApiError ApiError::not_found(std::string message) {
  return {404, "NotFoundError", std::move(message)};
}
ApiError ApiError::internal(std::string message) {
  return {500, "InternalServerError", std::move(message)};
}

ApiError ApiError::for_status(int status, std::string message) {
  switch (status) {
    case 400:
      return validation(std::move(message));
    case 401:
      return authentication(std::move(message));
    case 403:
      return {403, "ForbiddenError", std::move(message)};
    case 404:
      return not_found(std::move(message));
    default:
      break;
  }
  return {status, status >= 500 ? "InternalServerError" : "HttpError", std::move(message)};
}

std::string ApiError::body() const {
  nlohmann::ordered_json j;
  j["name"] = name;
  j["message"] = message;
  return j.dump();
}

}  // namespace darcy::devctl
