// Fault switches for tests: a FaultPlan says how the next matching requests misbehave
// (delay, dropped connection, forced status, broken bodies, sealing to the wrong key);
// FaultSwitch holds the active plan and hands it out request by request.
// FaultPlan is a value; FaultSwitch is thread-safe.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "api_error.h"

namespace darcy::devctl {

enum class BodyFault {
  kNone,       // the body the endpoint would send
  kGarbage,    // non-JSON text
  kTruncated,  // the real body cut in half, Content-Length of the whole
  kOversized,  // the real JSON padded beyond kOversizedBodyBytes
  kEmpty,      // a zero-length body
};

inline constexpr std::size_t kOversizedBodyBytes = 8u * 1024u * 1024u;  // 8 MiB

struct FaultPlan {
  int delay_ms = 0;
  int status = 0;  // 0: the endpoint's own status
  BodyFault body = BodyFault::kNone;
  bool drop = false;
  bool wrong_seal_key = false;
  std::string paths;  // substring of the request path; empty: every path
  int count = 0;      // requests left; 0: until cleared

  // Parses the PUT /_dev/faults body. Unknown keys, wrong types and out-of-range values
  // are ValidationErrors (a typo in a test should fail loudly, not inject nothing).
  [[nodiscard]] static Outcome<FaultPlan> parse(const nlohmann::json& body);
  [[nodiscard]] nlohmann::json to_json() const;
  // True for a request path this plan covers. /_dev/ paths are never covered.
  [[nodiscard]] bool covers(std::string_view path) const;
};

class FaultSwitch {
 public:
  void set(const FaultPlan& plan);
  void clear();
  [[nodiscard]] std::optional<FaultPlan> active() const;
  // The plan to apply to a request for `path`, if any; uses up one of a counted plan's
  // requests (the plan is cleared after its last one).
  [[nodiscard]] std::optional<FaultPlan> take(std::string_view path);

 private:
  mutable std::mutex mu_;
  std::optional<FaultPlan> plan_;
};

}  // namespace darcy::devctl
