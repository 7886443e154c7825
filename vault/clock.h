// Clock: the vault's source of time, a seam so tests can age entries.
#pragma once

#include <cstdint>

namespace darcy::vault {

class Clock {
 public:
  virtual ~Clock() = default;
  // Seconds since the Unix epoch.
  virtual std::int64_t now() const = 0;
};

class SystemClock : public Clock {
 public:
  std::int64_t now() const override;
};

}  // namespace darcy::vault
