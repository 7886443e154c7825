#include <catch2/catch.hpp>

#include "helper/fetch/fake_http_client.h"
#include "helper/fetch/registry_sync.h"
#include "support/faulty_file_system.h"
#include "support/files.h"
#include "support/temp_dir.h"
#include "vault/vault.h"

#include <fstream>
#include <sstream>

using namespace darcy;
using namespace darcy::fetch;
using darcy::testing::FakeHttpClient;
using darcy::testing::FaultyFileSystem;
using darcy::testing::FixedClock;
using darcy::testing::slurp;
using darcy::testing::TempDir;

namespace {

std::string row(int id, const std::string& url, const std::string& user, const std::string& pw) {
  return R"({"id":)" + std::to_string(id) + R"(,"url":")" + url + R"(","isPublic":false,)" +
         R"("username":")" + user + R"(","userEmail":"","password":")" + pw + R"("})";
}

struct Fixture {
  TempDir tmp;
  FaultyFileSystem fs;
  FixedClock clock{1'700'000'000};
  vault::Vault vault = vault::Vault::init(fs, clock, tmp / "vault").value();
  vault::NodeKey key = vault::NodeKey::load(fs, tmp / "vault").value();
  FakeHttpClient http;
  ControllerClient client{http};
  RegistrySync sync{vault, client};

  std::string secret(const vault::Entry& e) {
    auto cred = vault.unseal(e);
    REQUIRE(cred.ok());
    return std::string(view(cred->secret));
  }
};

}  // namespace

TEST_CASE("a list sync seals plain passwords to the node and keeps local entries") {
  Fixture f;
  REQUIRE(f.vault.update([&](vault::Index& index) -> Status {
                   vault::Entry local;
                   local.url = local.key = "mine.example.com";
                   local.username = "me";
                   local.sealed = vault::seal_credential(f.vault.public_key(), 0, local.url,
                                                         local.username, "local-secret");
                   index.entries.push_back(local);
                   return Ok();
                 }).ok());
  f.http.answer(200,
                R"({"registries":[)" + row(3, "https://GCR.io/", "_json_key", "pw3") + "," +
                    R"({"id":2,"url":"from_cache","isPublic":true,"username":""}]})",
                "\"v1\"");
  auto report = f.sync.sync_all();
  REQUIRE(report.ok());
  CHECK(report->registries == 2);
  auto index = f.vault.load();
  REQUIRE(index.ok());
  CHECK(index->etag == "\"v1\"");
  CHECK(index->synced_at == f.clock.now());
  REQUIRE(index->entries.size() == 3);
  const vault::Entry* e3 = index->find(vault::Source::kController, 3);
  REQUIRE(e3 != nullptr);
  CHECK(e3->key == "gcr.io");
  CHECK(f.secret(*e3) == "pw3");
  CHECK(index->find(vault::Source::kLocal, 0) != nullptr);
  CHECK(slurp(f.tmp / "vault/vault.json").find("pw3") == std::string::npos);
}

TEST_CASE("a sealed row is stored as the controller sent it and opens on the node") {
  Fixture f;
  const std::string sealed =
      vault::seal_credential(f.vault.public_key(), 4, "quay.io", "robot", "pw4");
  f.http.answer(200, R"({"registries":[{"id":4,"url":"quay.io","username":"robot",)"
                     R"("userEmail":"","isPublic":false,"sealed":")" + sealed + R"("}]})");
  REQUIRE(f.sync.sync_all().ok());
  auto index = f.vault.load();
  const vault::Entry* e = index->find(vault::Source::kController, 4);
  REQUIRE(e != nullptr);
  CHECK(e->sealed == sealed);
  CHECK(f.secret(*e) == "pw4");
}

TEST_CASE("registries gone from the list are removed, and 304 confirms every entry") {
  Fixture f;
  f.http.answer(200, R"({"registries":[)" + row(3, "a.io", "u", "p") + "," +
                         row(4, "b.io", "u", "p") + "]}", "\"v1\"");
  REQUIRE(f.sync.sync_all().ok());
  f.clock.advance(100);
  f.http.answer(200, R"({"registries":[)" + row(4, "b.io", "u", "p") + "]}", "\"v2\"");
  auto report = f.sync.sync_all();
  REQUIRE(report.ok());
  CHECK(report->changed == 1);
  auto index = f.vault.load();
  REQUIRE(index->entries.size() == 1);
  CHECK(index->entries[0].id == 4);
  CHECK(f.http.requests().back().headers.at(0).second == "\"v1\"");

  f.clock.advance(100);
  f.http.answer(304, "");
  report = f.sync.sync_all();
  REQUIRE(report.ok());
  CHECK(report->not_modified);
  index = f.vault.load();
  CHECK(index->synced_at == f.clock.now());
  CHECK(index->entries[0].fetched_at == f.clock.now());
  CHECK(index->etag == "\"v2\"");
}

TEST_CASE("a failed or invalid controller answer leaves vault.json byte-identical") {
  Fixture f;
  f.http.answer(200, R"({"registries":[)" + row(3, "a.io", "u", "p") + "]}", "\"v1\"");
  REQUIRE(f.sync.sync_all().ok());
  const std::string before = slurp(f.tmp / "vault/vault.json");
  SECTION("garbage") { f.http.answer(200, "garbage"); }
  SECTION("truncated") { f.http.answer(200, R"({"registries":[{"id":3,"url":)"); }
  SECTION("server error") { f.http.answer(502, "bad gateway"); }
  SECTION("unauthorised") { f.http.answer(401, R"({"message":"no"})"); }
  SECTION("transport") { f.http.fail(Error::Unavailable("connection refused")); }
  f.clock.advance(50);
  CHECK_FALSE(f.sync.sync_all().ok());
  CHECK_FALSE(f.sync.sync_one(3).ok());
  CHECK(slurp(f.tmp / "vault/vault.json") == before);
}

TEST_CASE("a by-ID fetch updates one entry, follows a URL change, and 404 removes it") {
  Fixture f;
  f.http.answer(200, R"({"registries":[)" + row(3, "a.io", "u", "p") + "," +
                         row(4, "b.io", "u", "p") + "]}");
  REQUIRE(f.sync.sync_all().ok());
  f.clock.advance(10);
  f.http.answer(200, row(3, "new.example.com:5000", "u2", "p2"));
  REQUIRE(f.sync.sync_one(3).ok());
  auto index = f.vault.load();
  const vault::Entry* e = index->find(vault::Source::kController, 3);
  REQUIRE(e != nullptr);
  CHECK(e->key == "new.example.com:5000");
  CHECK(e->username == "u2");
  CHECK(e->fetched_at == f.clock.now());
  CHECK(f.secret(*e) == "p2");

  f.http.answer(404, R"({"name":"NotFoundError","message":"gone"})");
  REQUIRE(f.sync.sync_one(4).ok());
  index = f.vault.load();
  CHECK(index->find(vault::Source::kController, 4) == nullptr);
  CHECK(index->entries.size() == 1);
}
