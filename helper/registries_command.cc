// `docker-credential-darcy registries`: lists the vault's registry entries as
// a table or as JSON (DESIGN.md section 9). It reads vault.json only: nothing
// is unsealed, and neither the sealed blobs nor any secret is ever printed.
#include <algorithm>
#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <tuple>
#include <vector>

#include "helper/command.h"
#include "vault/vault.h"

namespace darcy::helper {
namespace {

using vault::Entry;

constexpr std::string_view kPrefix = "docker-credential-darcy registries: ";

constexpr std::string_view kUsageText =
    "Usage: docker-credential-darcy registries [--json]\n"
    "\n"
    "Lists the registry entries in the vault, controller entries by ID and entries\n"
    "stored by hand last. Reads the vault's index only: nothing is unsealed.\n"
    "\n"
    "Columns:\n"
    "  ID        the controller's registry ID; 0 for an entry stored by hand\n"
    "  URL       the registry URL as the controller (or `store`) gave it\n"
    "  USERNAME  the registry user name (- if none: pulls are anonymous)\n"
    "  EMAIL     the controller's user email (- if none)\n"
    "  PUBLIC    yes if the registry is public: Docker pulls it anonymously\n"
    "  SOURCE    controller, or local for an entry stored by hand\n"
    "  AGE       time since the sealed secret was written (45s, 12m, 3h, 2d);\n"
    "            - if the secret is not cached on this node\n"
    "\n"
    "Options:\n"
    "  --json      print a JSON array of {id, url, key, username, email, public, source,\n"
    "              fetchedAt, ageSeconds, cached} instead (ageSeconds is null when\n"
    "              the secret is not cached)\n"
    "  -h, --help  show this help\n";

constexpr std::array<std::string_view, 7> kColumns = {"ID",     "URL",    "USERNAME", "EMAIL",
                                                      "PUBLIC", "SOURCE", "AGE"};

// Controller entries by ID, then entries stored by hand (ID 0), each by key.
std::vector<const Entry*> in_display_order(const vault::Index& index) {
  std::vector<const Entry*> entries;
  for (const Entry& e : index.entries) entries.push_back(&e);
  std::stable_sort(entries.begin(), entries.end(), [](const Entry* a, const Entry* b) {
    return std::make_tuple(a->id == 0, a->id, std::string_view(a->key)) <
           std::make_tuple(b->id == 0, b->id, std::string_view(b->key));
  });
  return entries;
}

bool is_cached(const Entry& e) { return !e.sealed.empty(); }

// Seconds since the secret was written; 0 if the clock is behind fetchedAt.
std::int64_t age_seconds(const Entry& e, std::int64_t now) {
  return std::max<std::int64_t>(0, now - e.fetched_at);
}

// 45s, 12m, 3h, 2d: the largest unit that fits, rounded down.
std::string format_age(std::int64_t seconds) {
  if (seconds < 60) return std::to_string(seconds) + "s";
  if (seconds < 3600) return std::to_string(seconds / 60) + "m";
  if (seconds < 86400) return std::to_string(seconds / 3600) + "h";
  return std::to_string(seconds / 86400) + "d";
}

// A field as shown in the table: "-" when empty, control characters (which
// could drive the terminal) as '?', so every row stays one line.
std::string cell(std::string_view value) {
  if (value.empty()) return "-";
  std::string out(value);
  for (char& c : out) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = '?';
  }
  return out;
}

void print_table(std::ostream& out, const std::vector<const Entry*>& entries, std::int64_t now) {
  std::vector<std::vector<std::string>> rows;
  rows.emplace_back(kColumns.begin(), kColumns.end());
  for (const Entry* e : entries) {
    rows.push_back({std::to_string(e->id), cell(e->url), cell(e->username), cell(e->email),
                    e->is_public ? "yes" : "no", std::string(vault::to_string(e->source)),
                    is_cached(*e) ? format_age(age_seconds(*e, now)) : "-"});
  }
  std::vector<std::size_t> widths(kColumns.size(), 0);
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(widths[i] - row[i].size() + 2, ' ');
    }
    out << line << "\n";
  }
}

void print_json(std::ostream& out, const std::vector<const Entry*>& entries, std::int64_t now) {
  nlohmann::ordered_json array = nlohmann::ordered_json::array();
  for (const Entry* e : entries) {
    nlohmann::ordered_json row;
    row["id"] = e->id;
    row["url"] = e->url;
    row["key"] = e->key;
    row["username"] = e->username;
    row["email"] = e->email;
    row["public"] = e->is_public;
    row["source"] = std::string(vault::to_string(e->source));
    row["fetchedAt"] = e->fetched_at;
    row["ageSeconds"] = is_cached(*e) ? nlohmann::ordered_json(age_seconds(*e, now))
                                      : nlohmann::ordered_json(nullptr);
    row["cached"] = is_cached(*e);
    array.push_back(std::move(row));
  }
  out << array.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
}

}  // namespace

int run_registries(CommandContext& ctx) {
  if (wants_help(ctx.args)) {
    ctx.out << kUsageText;
    return 0;
  }
  bool json = false;
  if (!parse_json_flag(ctx, json)) return 1;
  auto config = load_config_or_report(ctx);
  if (!config) return 1;

  std::vector<const Entry*> entries;
  vault::Index index;
  auto v = vault::Vault::open(ctx.fs, ctx.clock, config->vault_dir);
  if (!v) {
    if (!v.error().is_not_found()) {
      ctx.err << kPrefix << v.error().message() << "\n";
      return 1;
    }
    // No vault is an empty list, not a failure: scripts can run this anywhere.
    ctx.err << kPrefix << "no vault at " << config->vault_dir
            << " yet (not initialised). Fix: run `docker-credential-darcy init`\n";
  } else {
    auto loaded = v->load();
    if (!loaded) {
      ctx.err << kPrefix << loaded.error().message() << "\n";
      return 1;
    }
    index = std::move(loaded).value();
    entries = in_display_order(index);
    if (entries.empty()) ctx.err << kPrefix << "the vault at " << v->dir() << " has no entries\n";
  }

  const std::int64_t now = ctx.clock.now();
  if (json) {
    print_json(ctx.out, entries, now);
  } else {
    print_table(ctx.out, entries, now);
  }
  return 0;
}

}  // namespace darcy::helper
