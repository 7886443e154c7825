#include "helper/registry_match.h"

namespace darcy::helper {

using vault::Entry;
using vault::Source;

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

bool has_credentials(const Entry& entry) { return !entry.is_public && !entry.username.empty(); }

std::size_t count_controller_entries(const vault::Index& index, std::string_view key) {
  std::size_t n = 0;
  for (const Entry& e : index.entries) {
    if (e.source == Source::kController && e.id != kLocalCacheRegistryId && e.key == key) ++n;
  }
  return n;
}

}  // namespace darcy::helper
