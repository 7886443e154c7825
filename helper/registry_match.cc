#include "helper/registry_match.h"

#include <unordered_map>

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

namespace {

// True if `candidate` answers for its key rather than `current` (same key),
// by match_entry's rules: a local entry first, then the pinned ID, then the
// lowest ID; the local cache never.
bool answers_before(const Entry& candidate, const Entry* current, std::int64_t pinned) {
  if (candidate.source != Source::kLocal && candidate.id == kLocalCacheRegistryId) return false;
  if (current == nullptr) return true;
  if (current->source == Source::kLocal) return false;
  if (candidate.source == Source::kLocal) return true;
  if (pinned != 0 && (current->id == pinned) != (candidate.id == pinned)) {
    return candidate.id == pinned;
  }
  return candidate.id < current->id;
}

}  // namespace

std::vector<const Entry*> answering_entries(const vault::Index& index,
                                            const std::vector<KeyPin>& pins) {
  std::unordered_map<std::string_view, std::int64_t> pinned;
  for (const KeyPin& pin : pins) pinned[pin.key] = pin.id;
  std::unordered_map<std::string_view, std::size_t> slot;  // key -> position in `out`
  std::vector<const Entry*> out;
  slot.reserve(index.entries.size());
  for (const Entry& e : index.entries) {
    auto [it, fresh] = slot.try_emplace(e.key, out.size());
    if (fresh) out.push_back(nullptr);
    const Entry*& current = out[it->second];
    const auto pin = pinned.find(e.key);
    if (answers_before(e, current, pin == pinned.end() ? 0 : pin->second)) current = &e;
  }
  std::erase(out, nullptr);
  return out;
}

std::set<std::string> served_keys(const vault::Index& index, const std::vector<KeyPin>& pins) {
  std::set<std::string> keys;
  for (const Entry* e : answering_entries(index, pins)) {
    if (!e->key.empty() && has_credentials(*e)) keys.insert(e->key);
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
