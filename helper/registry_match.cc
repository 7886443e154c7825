#include "helper/registry_match.h"

#include "helper/server_key.h"

namespace darcy::helper {

using vault::Entry;
using vault::Source;

Result<std::vector<KeyPin>> key_pins(const std::vector<RegistryPin>& pins) {
  std::vector<KeyPin> keys;
  for (const RegistryPin& pin : pins) {
    auto key = server_key(pin.host);
    if (!key) return std::move(key).error().with_context("pin = " + pin.host);
    keys.push_back({*key, pin.id});
  }
  return keys;
}

const Entry* match_entry(const vault::Index& index, std::string_view key,
                         const std::vector<KeyPin>& pins) {
  std::int64_t pinned = 0;
  for (const KeyPin& pin : pins) {
    if (pin.key == key) pinned = pin.id;
  }
  const Entry* best = nullptr;
  const Entry* pin_match = nullptr;
  for (const Entry& e : index.entries) {
    if (e.key != key) continue;
    if (e.source == Source::kLocal) return &e;
    if (e.id == kLocalCacheRegistryId) continue;
    if (pinned != 0 && e.id == pinned) pin_match = &e;
    if (best == nullptr || e.id < best->id) best = &e;
  }
  return pin_match != nullptr ? pin_match : best;
}

std::set<std::string> served_keys(const vault::Index& index, const std::vector<KeyPin>& pins) {
  std::set<std::string> keys;
  for (const Entry& e : index.entries) {
    if (e.key.empty() || keys.count(e.key) != 0) continue;
    const Entry* answer = match_entry(index, e.key, pins);
    if (answer != nullptr && has_credentials(*answer)) keys.insert(e.key);
  }
  return keys;
}

bool has_credentials(const Entry& entry) { return !entry.is_public && !entry.username.empty(); }

std::size_t count_controller_entries(const vault::Index& index, std::string_view key) {
  std::size_t n = 0;
  for (const Entry& e : index.entries) {
    if (e.source == Source::kController && e.id != kLocalCacheRegistryId && e.key == key) ++n;
  }
  return n;
}

}  // namespace darcy::helper
