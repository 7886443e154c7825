// VaultStore: entry matching, freshness, grace and single-flight, with a fake
// Fetcher (the seam for darcy-fetch) and a fixed clock.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <functional>
#include <map>
#include <sstream>

#include "helper/vault_store.h"
#include "support/faulty_file_system.h"
#include "support/temp_dir.h"
#include "vault/vault.h"

using namespace darcy;
using namespace darcy::helper;
using darcy::testing::FaultyFileSystem;
using darcy::testing::FixedClock;
using darcy::testing::TempDir;
using vault::Entry;
using vault::Source;

namespace {

constexpr std::int64_t kStart = 1'700'000'000;

// Counts calls and runs a chosen action, like darcy-fetch would.
class FakeFetcher : public Fetcher {
 public:
  std::function<Status(std::int64_t)> on_registry = [](std::int64_t) { return Ok(); };
  std::function<Status()> on_sync = [] { return Ok(); };
  int registry_calls = 0;
  int sync_calls = 0;

  Status fetch_registry(std::int64_t id) override {
    ++registry_calls;
    return on_registry(id);
  }
  Status sync() override {
    ++sync_calls;
    return on_sync();
  }
};

struct Fixture {
  TempDir tmp;
  FaultyFileSystem fs;
  FixedClock clock{kStart};
  std::string dir = tmp / "vault";
  vault::Vault vault = vault::Vault::init(fs, clock, dir).value();
  FakeFetcher fetcher;
  std::ostringstream warnings;
  std::string log_path = tmp / "events.log";
  EventLog log{"docker-credential-darcy", LogLevel::kDebug, log_path, &warnings};

  VaultStore store(bool with_controller = true, std::vector<KeyPin> pins = {}) {
    VaultStoreOptions o;
    o.vault_dir = dir;
    o.pins = std::move(pins);
    o.ttl = 300;
    o.grace = 3600;
    o.fetcher = with_controller ? &fetcher : nullptr;
    o.log = &log;
    return VaultStore(fs, clock, std::move(o));
  }

  // A controller entry as darcy-fetch writes it.
  void put(std::int64_t id, const std::string& url, const std::string& user,
           const std::string& secret, std::int64_t fetched_at, bool is_public = false) {
    Entry e;
    e.id = id;
    e.url = url;
    e.key = url;
    e.username = user;
    e.is_public = is_public;
    e.source = Source::kController;
    e.fetched_at = fetched_at;
    if (!user.empty()) e.sealed = vault::seal_credential(vault.public_key(), id, url, user, secret);
    REQUIRE(vault.update([&](vault::Index& index) -> Status {
                   std::erase_if(index.entries, [&](const Entry& x) {
                     return x.source == Source::kController && x.id == id;
                   });
                   index.entries.push_back(e);
                   return Ok();
                 }).ok());
  }

  void mark_synced(std::int64_t at) {
    REQUIRE(vault.update([&](vault::Index& index) -> Status {
                   index.synced_at = at;
                   return Ok();
                 }).ok());
  }
};

std::string secret_of(const Result<Credentials>& r) {
  REQUIRE(r.ok());
  return std::string(view(r->secret));
}

}  // namespace

TEST_CASE("a fresh controller entry is answered without touching the network") {
  Fixture f;
  f.put(3, "gcr.io", "_json_key", "key-3", kStart - 10);
  auto store = f.store();
  auto creds = store.get("gcr.io");
  CHECK(secret_of(creds) == "key-3");
  CHECK(creds->server_url == "gcr.io");
  CHECK(creds->username == "_json_key");
  CHECK(f.fetcher.registry_calls == 0);
  CHECK(f.fetcher.sync_calls == 0);
}

TEST_CASE("get of an unknown host with a fresh index answers not-found without the network") {
  Fixture f;
  f.mark_synced(kStart - 5);
  auto store = f.store();
  auto r = store.get("quay.io");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().is_not_found());
  CHECK(f.fetcher.sync_calls == 0);
}

TEST_CASE("get of an unknown host with a stale index syncs the list once") {
  Fixture f;
  f.fetcher.on_sync = [&] {
    f.put(4, "quay.io", "robot", "key-4", f.clock.now());
    f.mark_synced(f.clock.now());
    return Ok();
  };
  auto store = f.store();
  CHECK(secret_of(store.get("https://quay.io/v2/")) == "key-4");
  CHECK(f.fetcher.sync_calls == 1);
  auto again = store.get("ghcr.io");
  CHECK(again.error().is_not_found());
  CHECK(f.fetcher.sync_calls == 1);
}

TEST_CASE("a stale entry is refreshed by its registry ID") {
  Fixture f;
  f.put(3, "gcr.io", "_json_key", "old", kStart - 400);
  std::int64_t asked = 0;
  f.fetcher.on_registry = [&](std::int64_t id) {
    asked = id;
    f.put(3, "gcr.io", "_json_key", "new", f.clock.now());
    return Ok();
  };
  auto store = f.store();
  CHECK(secret_of(store.get("gcr.io")) == "new");
  CHECK(asked == 3);
  CHECK(f.fetcher.registry_calls == 1);
  CHECK(f.fetcher.sync_calls == 0);
}

TEST_CASE("ttl expiry: an entry turns stale exactly when it is ttl seconds old") {
  Fixture f;
  f.put(3, "gcr.io", "u", "p", kStart);
  auto store = f.store();
  f.clock.advance(299);
  CHECK(store.get("gcr.io").ok());
  CHECK(f.fetcher.registry_calls == 0);
  f.clock.advance(1);
  f.fetcher.on_registry = [&](std::int64_t) {
    f.put(3, "gcr.io", "u", "p", f.clock.now());
    return Ok();
  };
  CHECK(store.get("gcr.io").ok());
  CHECK(f.fetcher.registry_calls == 1);
}

TEST_CASE("a controller outage within grace serves the cached entry with a warning naming why") {
  Fixture f;
  f.put(3, "gcr.io", "u", "cached", kStart - 3 * 3600 / 4);
  f.fetcher.on_registry = [](std::int64_t) {
    return Error::Unavailable("cannot reach the controller: connection failed");
  };
  auto store = f.store();
  CHECK(secret_of(store.get("gcr.io")) == "cached");
  CHECK_THAT(f.warnings.str(), Catch::Contains("cached 45m ago") &&
                                   Catch::Contains("connection failed"));
}

TEST_CASE("a controller outage past grace is an error that is not the not-found answer") {
  Fixture f;
  f.put(3, "gcr.io", "u", "cached", kStart - 2 * 3600);
  f.fetcher.on_registry = [](std::int64_t) { return Error::Unavailable("timed out"); };
  auto store = f.store();
  auto r = store.get("gcr.io");
  REQUIRE_FALSE(r.ok());
  CHECK_FALSE(r.error().is_not_found());
  CHECK_THAT(r.error().message(), Catch::Contains("grace") && Catch::Contains("timed out"));
}

TEST_CASE("an unknown host with the controller down and no index is an error, not not-found") {
  Fixture f;
  f.fetcher.on_sync = [] { return Error::Unavailable("connection refused"); };
  auto store = f.store();
  auto r = store.get("gcr.io");
  REQUIRE_FALSE(r.ok());
  CHECK_FALSE(r.error().is_not_found());
  CHECK_THAT(r.error().message(), Catch::Contains("none are cached"));
}

TEST_CASE("an unknown host with the controller down and an index within grace is not-found") {
  Fixture f;
  f.mark_synced(kStart - 600);
  f.fetcher.on_sync = [] { return Error::Unavailable("connection refused"); };
  auto store = f.store();
  auto r = store.get("gcr.io");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().is_not_found());
  CHECK_THAT(f.warnings.str(), Catch::Contains("connection refused"));
}

TEST_CASE("a registry deleted on the controller answers not-found after the refresh") {
  Fixture f;
  f.put(3, "gcr.io", "u", "p", kStart - 400);
  f.fetcher.on_registry = [&](std::int64_t id) {
    return f.vault.update([&](vault::Index& index) -> Status {
      std::erase_if(index.entries, [&](const Entry& e) { return e.id == id; });
      return Ok();
    });
  };
  auto store = f.store();
  CHECK(store.get("gcr.io").error().is_not_found());
}

TEST_CASE("public entries, entries without a user name and the local cache answer not-found") {
  Fixture f;
  f.put(1, "docker.io", "", "", kStart);
  f.put(2, "from_cache", "", "", kStart);
  f.put(5, "public.example.com", "anon", "x", kStart, /*is_public=*/true);
  f.mark_synced(kStart);
  auto store = f.store();
  CHECK(store.get("https://index.docker.io/v1/").error().is_not_found());
  CHECK(store.get("from_cache").error().is_not_found());
  CHECK(store.get("public.example.com").error().is_not_found());
  CHECK(f.fetcher.registry_calls + f.fetcher.sync_calls == 0);
}

TEST_CASE("several entries for one host: a pin wins, else the lowest ID; a stored entry beats both") {
  Fixture f;
  f.put(7, "gcr.io", "seven", "p7", kStart);
  f.put(4, "gcr.io", "four", "p4", kStart);
  {
    auto store = f.store();
    CHECK(secret_of(store.get("gcr.io")) == "p4");
  }
  {
    auto store = f.store(true, {{"gcr.io", 7}});
    CHECK(secret_of(store.get("gcr.io")) == "p7");
  }
  auto store = f.store();
  Credentials local{"gcr.io", "me", SecureString("mine")};
  REQUIRE(store.add(local).ok());
  CHECK(secret_of(store.get("gcr.io")) == "mine");
  auto listed = store.list();
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 1);
  CHECK((*listed)[0] == std::pair<std::string, std::string>("gcr.io", "me"));
}

TEST_CASE("erase of a controller entry drops only its cached secret, so the next get refetches") {
  Fixture f;
  f.put(3, "gcr.io", "u", "p", kStart);
  auto store = f.store();
  REQUIRE(store.erase("gcr.io").ok());
  auto index = f.vault.load();
  REQUIRE(index.ok());
  REQUIRE(index->entries.size() == 1);
  CHECK(index->entries[0].sealed.empty());
  f.fetcher.on_registry = [&](std::int64_t) {
    f.put(3, "gcr.io", "u", "again", f.clock.now());
    return Ok();
  };
  CHECK(secret_of(store.get("gcr.io")) == "again");
  CHECK(f.fetcher.registry_calls == 1);
  CHECK(store.erase("quay.io").error().is_not_found());
}

TEST_CASE("store is refused with a clear message when allow-store is off") {
  Fixture f;
  VaultStoreOptions o;
  o.vault_dir = f.dir;
  o.allow_store = false;
  VaultStore store(f.fs, f.clock, o);
  auto s = store.add({"gcr.io", "u", SecureString("p")});
  REQUIRE_FALSE(s.ok());
  CHECK_THAT(s.error().message(), Catch::Contains("allow-store = false"));
}

TEST_CASE("without a controller, cached controller entries are still served") {
  Fixture f;
  f.put(3, "gcr.io", "u", "p", kStart - 10 * 86400);
  auto store = f.store(/*with_controller=*/false);
  CHECK(secret_of(store.get("gcr.io")) == "p");
  CHECK(store.get("quay.io").error().is_not_found());
}

TEST_CASE("list and get agree: every listed server URL is answerable") {
  Fixture f;
  f.put(3, "gcr.io", "_json_key", "a", kStart);
  f.put(4, "registry.example.com:5000", "ci", "b", kStart);
  f.put(1, "registry.hub.docker.com", "", "", kStart);
  auto store = f.store();
  REQUIRE(store.add({"https://index.docker.io/v1/", "hubuser", SecureString("c")}).ok());
  auto listed = store.list();
  REQUIRE(listed.ok());
  CHECK(listed->size() == 3);
  for (const auto& [url, user] : *listed) {
    INFO(url);
    auto creds = store.get(url);
    REQUIRE(creds.ok());
    CHECK(creds->username == user);
  }
}

TEST_CASE("a refreshed copy that does not open is refused and the previous copy kept") {
  Fixture f;
  f.put(3, "gcr.io", "u", "good", kStart - 400);
  const std::string good_sealed = f.vault.load()->entries[0].sealed;
  const vault::NodeKey other = vault::NodeKey::generate();
  f.fetcher.on_registry = [&](std::int64_t) {
    return f.vault.update([&](vault::Index& index) -> Status {
      index.entries[0].sealed = vault::seal_credential(other.public_key(), 3, "gcr.io", "u", "x");
      index.entries[0].fetched_at = f.clock.now();
      return Ok();
    });
  };
  auto store = f.store();
  CHECK(secret_of(store.get("gcr.io")) == "good");
  CHECK_THAT(f.warnings.str(), Catch::Contains("new copy was refused"));
  CHECK(f.vault.load()->entries[0].sealed == good_sealed);
  CHECK(f.vault.load()->entries[0].fetched_at == kStart - 400);
}

TEST_CASE("a fresh entry that does not open is fetched again once before failing") {
  Fixture f;
  f.put(3, "gcr.io", "u", "good", kStart);
  const vault::NodeKey other = vault::NodeKey::generate();
  REQUIRE(f.vault.update([&](vault::Index& index) -> Status {
                   index.entries[0].sealed =
                       vault::seal_credential(other.public_key(), 3, "gcr.io", "u", "x");
                   return Ok();
                 }).ok());
  auto store = f.store();
  SECTION("the refetch repairs it") {
    f.fetcher.on_registry = [&](std::int64_t) {
      f.put(3, "gcr.io", "u", "repaired", f.clock.now());
      return Ok();
    };
    CHECK(secret_of(store.get("gcr.io")) == "repaired");
  }
  SECTION("the refetch brings the same bad copy") {
    auto r = store.get("gcr.io");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code() == ErrorCode::kTampered);
  }
  CHECK(f.fetcher.registry_calls == 1);
}

TEST_CASE("list answers with the same entry get would choose, for every key") {
  Fixture f;
  // Several entries per key, in an order that is not by ID; a pin; a local entry.
  f.put(9, "a.io", "nine", "p", kStart);
  f.put(5, "a.io", "five", "p", kStart);
  f.put(7, "b.io", "seven", "p", kStart);
  f.put(3, "b.io", "three", "p", kStart);
  f.put(2, "c.io", "cache", "p", kStart);
  f.put(8, "d.io", "eight", "p", kStart);
  f.put(6, "d.io", "six", "p", kStart);
  auto store = f.store(true, {{"b.io", 7}});
  REQUIRE(store.add({"d.io", "mine", SecureString("m")}).ok());
  auto listed = store.list();
  REQUIRE(listed.ok());
  std::map<std::string, std::string> got(listed->begin(), listed->end());
  CHECK(got == std::map<std::string, std::string>{
                   {"a.io", "five"}, {"b.io", "seven"}, {"d.io", "mine"}});
  for (const auto& [url, user] : got) CHECK(store.get(url)->username == user);
}

TEST_CASE("every action refuses an unsafe node key, also those that unseal nothing") {
  Fixture f;
  f.put(3, "gcr.io", "u", "p", kStart);
  f.mark_synced(kStart);
  ::chmod((f.dir + "/node.key").c_str(), 0644);
  auto store = f.store();
  auto listed = store.list();
  REQUIRE_FALSE(listed.ok());
  CHECK(listed.error().code() == ErrorCode::kPermission);
  CHECK(store.get("unknown.example.com").error().code() == ErrorCode::kPermission);
  CHECK(store.erase("gcr.io").error().code() == ErrorCode::kPermission);
  CHECK(f.vault.load()->entries[0].sealed.size() > 0);
}
