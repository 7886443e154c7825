#include "fault_plan.h"

namespace darcy::devctl {

namespace {

using nlohmann::json;

std::optional<BodyFault> body_fault_named(const std::string& name) {
  if (name == "none") return BodyFault::kNone;
  if (name == "garbage") return BodyFault::kGarbage;
  if (name == "truncated") return BodyFault::kTruncated;
  if (name == "oversized") return BodyFault::kOversized;
  if (name == "empty") return BodyFault::kEmpty;
  return std::nullopt;
}

const char* body_fault_name(BodyFault fault) {
  switch (fault) {
    case BodyFault::kNone:
      return "none";
    case BodyFault::kGarbage:
      return "garbage";
    case BodyFault::kTruncated:
      return "truncated";
    case BodyFault::kOversized:
      return "oversized";
    case BodyFault::kEmpty:
      return "empty";
  }
  return "none";
}

std::optional<ApiError> read_int(const json& value, const std::string& key, int low, int high,
                                 int& out) {
  if (!value.is_number_integer()) return ApiError::validation("'" + key + "' must be an integer");
  const auto v = value.get<long long>();
  if (v < low || v > high) {
    return ApiError::validation("'" + key + "' must be between " + std::to_string(low) + " and " +
                                std::to_string(high));
  }
  out = static_cast<int>(v);
  return std::nullopt;
}

}  // namespace

Outcome<FaultPlan> FaultPlan::parse(const json& body) {
  if (!body.is_object()) return ApiError::validation("fault plan must be a JSON object");
  FaultPlan plan;
  for (const auto& [key, value] : body.items()) {
    std::optional<ApiError> error;
    if (key == "delayMs") {
      error = read_int(value, key, 0, 600000, plan.delay_ms);
    } else if (key == "status") {
      error = read_int(value, key, 0, 599, plan.status);
      if (!error && plan.status != 0 && plan.status < 100) {
        error = ApiError::validation("'status' must be 0 or an HTTP status code");
      }
    } else if (key == "count") {
      error = read_int(value, key, 0, 1000000, plan.count);
    } else if (key == "drop" || key == "wrongSealKey") {
      if (!value.is_boolean()) {
        error = ApiError::validation("'" + key + "' must be a boolean");
      } else {
        (key == "drop" ? plan.drop : plan.wrong_seal_key) = value.get<bool>();
      }
    } else if (key == "paths") {
      if (!value.is_string()) {
        error = ApiError::validation("'paths' must be a string");
      } else {
        plan.paths = value.get<std::string>();
      }
    } else if (key == "body") {
      const auto fault =
          value.is_string() ? body_fault_named(value.get<std::string>()) : std::nullopt;
      if (!fault) {
        error = ApiError::validation(
            "'body' must be one of none, garbage, truncated, oversized, empty");
      } else {
        plan.body = *fault;
      }
    } else {
      error = ApiError::validation("unknown fault switch '" + key + "'");
    }
    if (error) return *error;
  }
  return plan;
}

json FaultPlan::to_json() const {
  return {{"delayMs", delay_ms},
          {"status", status},
          {"body", body_fault_name(body)},
          {"drop", drop},
          {"wrongSealKey", wrong_seal_key},
          {"paths", paths},
          {"count", count}};
}

bool FaultPlan::covers(std::string_view path) const {
  if (path.starts_with("/_dev/")) return false;
  return paths.empty() || path.find(paths) != std::string_view::npos;
}

void FaultSwitch::set(const FaultPlan& plan) {
  std::lock_guard lock(mu_);
  plan_ = plan;
}

void FaultSwitch::clear() {
  std::lock_guard lock(mu_);
  plan_.reset();
}

std::optional<FaultPlan> FaultSwitch::active() const {
  std::lock_guard lock(mu_);
  return plan_;
}

std::optional<FaultPlan> FaultSwitch::take(std::string_view path) {
  std::lock_guard lock(mu_);
  if (!plan_ || !plan_->covers(path)) return std::nullopt;
  FaultPlan taken = *plan_;
  if (plan_->count > 0 && --plan_->count == 0) plan_.reset();
  return taken;
}

}  // namespace darcy::devctl
