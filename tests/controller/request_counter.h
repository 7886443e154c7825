// RequestCounter: how many requests each endpoint got, keyed "METHOD /route/{id}", for
// GET /_dev/stats. Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

namespace darcy::devctl {

class RequestCounter {
 public:
  void count(const std::string& key) {
    std::lock_guard lock(mu_);
    ++counts_[key];
  }
  void reset() {
    std::lock_guard lock(mu_);
    counts_.clear();
  }
  [[nodiscard]] nlohmann::json to_json() const {
    std::lock_guard lock(mu_);
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [key, n] : counts_) out[key] = n;
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, long long> counts_;
};

}  // namespace darcy::devctl
