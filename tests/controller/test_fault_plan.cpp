#include <catch2/catch.hpp>

#include "fault_plan.h"

using darcy::devctl::ApiError;
using darcy::devctl::BodyFault;
using darcy::devctl::FaultPlan;
using darcy::devctl::FaultSwitch;
using nlohmann::json;

namespace {
FaultPlan parsed(const char* text) {
  auto outcome = FaultPlan::parse(json::parse(text));
  REQUIRE(std::holds_alternative<FaultPlan>(outcome));
  return std::get<FaultPlan>(outcome);
}
int error_status(const char* text) {
  auto outcome = FaultPlan::parse(json::parse(text));
  REQUIRE(std::holds_alternative<ApiError>(outcome));
  return std::get<ApiError>(outcome).status;
}
}  // namespace

TEST_CASE("a fault plan reads every switch", "[controller]") {
  const auto plan =
      parsed(R"({"delayMs":250,"status":503,"body":"truncated","drop":true,"wrongSealKey":true,)"
             R"("paths":"/agent/registries","count":2})");
  CHECK(plan.delay_ms == 250);
  CHECK(plan.status == 503);
  CHECK(plan.body == BodyFault::kTruncated);
  CHECK(plan.drop);
  CHECK(plan.wrong_seal_key);
  CHECK(plan.paths == "/agent/registries");
  CHECK(plan.count == 2);
  CHECK(plan.to_json()["body"] == "truncated");
}

TEST_CASE("a fault plan with a typo or a bad value is refused", "[controller]") {
  CHECK(error_status(R"({"dealyMs":5})") == 400);
  CHECK(error_status(R"({"body":"half"})") == 400);
  CHECK(error_status(R"({"status":42})") == 400);
  CHECK(error_status(R"({"status":"500"})") == 400);
  CHECK(error_status(R"({"count":-1})") == 400);
  CHECK(error_status(R"({"drop":1})") == 400);
  CHECK(error_status(R"([1])") == 400);
}

TEST_CASE("a counted fault applies to that many matching requests, then clears", "[controller]") {
  FaultSwitch faults;
  faults.set(parsed(R"({"status":500,"paths":"/agent/","count":2})"));
  CHECK_FALSE(faults.take("/api/v3/status"));
  CHECK(faults.take("/api/v3/agent/registries"));
  CHECK(faults.take("/api/v3/agent/registries/3"));
  CHECK_FALSE(faults.take("/api/v3/agent/registries"));
  CHECK_FALSE(faults.active());
}

TEST_CASE("an uncounted fault stays until cleared and never covers /_dev/", "[controller]") {
  FaultSwitch faults;
  faults.set(parsed(R"({"drop":true})"));
  for (int i = 0; i < 5; ++i) CHECK(faults.take("/api/v3/agent/registries"));
  CHECK_FALSE(faults.take("/_dev/faults"));
  faults.clear();
  CHECK_FALSE(faults.take("/api/v3/agent/registries"));
}
