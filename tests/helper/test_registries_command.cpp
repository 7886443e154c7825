// Tests of `docker-credential-darcy registries` (helper/registries_command.cc)
// against a real vault in a temporary directory, with a fixed clock so ages
// are exact.
#include <unistd.h>

#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "helper/command.h"
#include "helper/server_key.h"
#include "support/faulty_file_system.h"
#include "support/command_fixture.h"
#include "support/temp_dir.h"
#include "vault/vault.h"

namespace darcy::helper {
namespace {

using darcy::testing::FixedClock;
using darcy::testing::TempDir;

constexpr std::int64_t kNow = 1'700'000'000;

struct Row {
  std::int64_t id;
  std::string url;
  std::string username;
  std::string secret;  // empty: not cached (sealed is "")
  std::int64_t age = 0;
  std::string email;
  bool is_public = false;
};

// A vault, an empty config file and an environment naming both.
struct Fixture : darcy::testing::CommandFixture {
  Fixture() : CommandFixture(kNow) {}

  // Creates the vault and adds `rows` in the given order; returns every sealed blob.
  std::vector<std::string> add(const std::vector<Row>& rows) {
    auto v = vault::Vault::init(fs, clock, vault_dir);
    REQUIRE(v.ok());
    std::vector<std::string> sealed;
    REQUIRE(v->update([&](vault::Index& index) -> Status {
               for (const Row& r : rows) {
                 vault::Entry e;
                 e.id = r.id;
                 e.url = r.url;
                 e.key = server_key(r.url).value();
                 e.username = r.username;
                 e.email = r.email;
                 e.is_public = r.is_public;
                 e.source = r.id == 0 ? vault::Source::kLocal : vault::Source::kController;
                 if (!r.secret.empty()) {
                   e.fetched_at = kNow - r.age;
                   e.sealed =
                       vault::seal_credential(v->public_key(), r.id, r.url, r.username, r.secret);
                   sealed.push_back(e.sealed);
                 }
                 index.entries.push_back(e);
               }
               return Ok();
             }).ok());
    return sealed;
  }

  int run(std::vector<std::string> args) {
    args.insert(args.begin(), "registries");
    out.str("");
    err.str("");
    CommandContext ctx{args, in, out, err, fs, clock, env, ""};
    return run_registries(ctx);
  }
};

// A controller list as a node sees it, added out of order, with one entry
// stored by hand. Ages: 45 s, 3 h 5 min, 12 min 59 s, 2 days 1 hour.
const std::vector<Row> kRows = {
    {5, "quay.io", "quayuser", "quay-secret-5", 12 * 60 + 59, "", false},
    {0, "myreg.local:5000", "alice", "local-secret-0", 2 * 86400 + 3600, "", false},
    {3, "gcr.io", "_json_key", "{\"private_key\":\"gcr-secret-3\"}", 45, "ops@example.com", false},
    {1, "registry.hub.docker.com", "", "", 0, "", true},
    {4, "https://registry.example.com:5000/", "robot", "robot-secret-4", 3 * 3600 + 300, "", false},
    {2, "from_cache", "", "", 0, "", true},
};

}  // namespace

TEST_CASE("registries prints an aligned table in ID order with local entries last",
          "[registries]") {
  Fixture f;
  f.add(kRows);
  REQUIRE(f.run({}) == 0);
  CHECK(
      f.out.str() ==
      "ID  URL                                 USERNAME   EMAIL            PUBLIC  SOURCE      "
      "AGE\n"
      "1   registry.hub.docker.com             -          -                yes     controller  -\n"
      "2   from_cache                          -          -                yes     controller  -\n"
      "3   gcr.io                              _json_key  ops@example.com  no      controller  "
      "45s\n"
      "4   https://registry.example.com:5000/  robot      -                no      controller  3h\n"
      "5   quay.io                             quayuser   -                no      controller  "
      "12m\n"
      "0   myreg.local:5000                    alice      -                no      local       "
      "2d\n");
  CHECK(f.err.str().empty());
}

TEST_CASE("registries shows ages in the largest whole unit, rounded down", "[registries]") {
  Fixture f;
  f.add({{3, "gcr.io", "_json_key", "secret", 0, "", false}});
  const std::vector<std::pair<std::int64_t, std::string>> cases = {
      {0, "0s"},    {59, "59s"},    {60, "1m"},    {3599, "59m"},
      {3600, "1h"}, {86399, "23h"}, {86400, "1d"}, {40 * 86400 + 5, "40d"}};
  std::int64_t elapsed = 0;
  for (const auto& [age, text] : cases) {
    f.clock.advance(age - elapsed);
    elapsed = age;
    REQUIRE(f.run({}) == 0);
    std::string last_line = f.out.str();
    last_line.pop_back();
    last_line = last_line.substr(last_line.rfind('\n') + 1);
    INFO("age " << age);
    CHECK(last_line.substr(last_line.rfind(' ') + 1) == text);
  }
}

TEST_CASE("registries --json gives every documented field of every entry in table order",
          "[registries]") {
  Fixture f;
  f.add(kRows);
  REQUIRE(f.run({"--json"}) == 0);
  const auto rows = nlohmann::json::parse(f.out.str());
  REQUIRE(rows.is_array());
  REQUIRE(rows.size() == kRows.size());

  std::vector<std::int64_t> ids;
  for (const auto& row : rows) {
    std::set<std::string> keys;
    for (const auto& [k, value] : row.items()) keys.insert(k);
    CHECK(keys == std::set<std::string>{"id", "url", "key", "username", "email", "public", "source",
                                        "fetchedAt", "ageSeconds", "cached"});
    ids.push_back(row.at("id").get<std::int64_t>());
  }
  CHECK(ids == std::vector<std::int64_t>{1, 2, 3, 4, 5, 0});

  const auto& gcr = rows.at(2);
  CHECK(gcr.at("url") == "gcr.io");
  CHECK(gcr.at("key") == "gcr.io");
  CHECK(gcr.at("username") == "_json_key");
  CHECK(gcr.at("email") == "ops@example.com");
  CHECK(gcr.at("public") == false);
  CHECK(gcr.at("source") == "controller");
  CHECK(gcr.at("fetchedAt") == kNow - 45);
  CHECK(gcr.at("ageSeconds") == 45);
  CHECK(gcr.at("cached") == true);

  const auto& hub = rows.at(0);
  CHECK(hub.at("key") == std::string(kDockerHubKey));
  CHECK(hub.at("public") == true);
  CHECK(hub.at("cached") == false);
  CHECK(hub.at("ageSeconds").is_null());
  CHECK(hub.at("fetchedAt") == 0);

  const auto& local = rows.at(5);
  CHECK(local.at("source") == "local");
  CHECK(local.at("key") == "myreg.local:5000");
  CHECK(rows.at(3).at("key") == "registry.example.com:5000");
}

TEST_CASE("registries never prints a secret or a sealed blob, as a table or as JSON",
          "[registries]") {
  Fixture f;
  const std::vector<std::string> sealed = f.add(kRows);
  REQUIRE(sealed.size() == 4);
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{}, std::vector<std::string>{"--json"}}) {
    REQUIRE(f.run(args) == 0);
    const std::string all = f.out.str() + f.err.str();
    REQUIRE(all.find("gcr.io") != std::string::npos);  // the output is not empty
    for (const Row& r : kRows) {
      if (!r.secret.empty()) CHECK(all.find(r.secret) == std::string::npos);
    }
    CHECK(all.find("secret") == std::string::npos);
    for (const std::string& blob : sealed) {
      CHECK(all.find(blob.substr(0, 16)) == std::string::npos);
    }
  }
}

TEST_CASE("registries without a vault prints the header only and says to run init",
          "[registries]") {
  Fixture f;
  REQUIRE(f.run({}) == 0);
  CHECK(f.out.str() == "ID  URL  USERNAME  EMAIL  PUBLIC  SOURCE  AGE\n");
  CHECK(f.err.str().find("docker-credential-darcy init") != std::string::npos);
  CHECK(f.err.str().find(f.vault_dir) != std::string::npos);

  REQUIRE(f.run({"--json"}) == 0);
  CHECK(f.out.str() == "[]\n");
}

TEST_CASE("registries replaces control characters so each entry stays on one line",
          "[registries]") {
  Fixture f;
  f.add({{3, "gcr.io", "evil\x1b[2Juser", "secret", 10, "", false}});
  REQUIRE(f.run({}) == 0);
  CHECK(f.out.str().find('\x1b') == std::string::npos);
  CHECK(f.out.str().find("evil?[2Juser") != std::string::npos);
}

TEST_CASE("registries rejects an unknown flag on stderr with exit 1", "[registries]") {
  Fixture f;
  f.add(kRows);
  CHECK(f.run({"--jsn"}) == 1);
  CHECK(f.out.str().empty());
  CHECK(f.err.str().find("--jsn") != std::string::npos);
}

TEST_CASE("registries --help explains every column", "[registries]") {
  Fixture f;
  REQUIRE(f.run({"--help"}) == 0);
  for (const char* column :
       {"ID", "URL", "USERNAME", "EMAIL", "PUBLIC", "SOURCE", "AGE", "--json"}) {
    CHECK(f.out.str().find(std::string("\n  ") + column) != std::string::npos);
  }
}

TEST_CASE("registries reports a vault directory others can read and exits 1", "[registries]") {
  Fixture f;
  f.add(kRows);
  std::filesystem::permissions(f.vault_dir, std::filesystem::perms::group_read,
                               std::filesystem::perm_options::add);
  CHECK(f.run({}) == 1);
  CHECK(f.out.str().empty());
  CHECK(f.err.str().find(f.vault_dir) != std::string::npos);
}

}  // namespace darcy::helper
