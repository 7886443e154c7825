// Known-answer tests for the node key and the vault file format: fixed
// inputs, checked-in expected bytes (docs/vault-format.md).
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "support/faulty_file_system.h"
#include "support/files.h"
#include "support/temp_dir.h"
#include "vault/node_key.h"
#include "vault/vault.h"

using namespace darcy;
using namespace darcy::vault;
using darcy::testing::slurp;
using darcy::testing::TempDir;

namespace {

// RFC 7748 section 6.1: Alice's X25519 key pair.
std::string alice_secret() {
  std::string raw;
  REQUIRE(base64_decode("dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=", raw));
  return raw;
}
constexpr const char* kAlicePublic = "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=";

// Sealed once to Alice's public key; opens to kSealedPayload.
constexpr const char* kSealedBlob =
    "DI3khZBGMC864q0f7UOq4ryI78HNmagzKtVzvuDPmmiLhBak/98K4wGB1PLaT/6wZgOledPoFRwMbiLY8/Ey/jQkUOYlV0qFC2lzxnpbi5m3PsoL0+eENrHabw7VOqqIkHuyPYXYEOOztGxdMIAAWk0hDKNLrfC64emYxMJqxV+Y";
constexpr const char* kSealedPayload =
    R"({"id":3,"url":"gcr.io","username":"_json_key","password":"kat-secret \"quoted\""})";

}  // namespace

TEST_CASE("the node public key is derived as RFC 7748 says") {
  auto key = NodeKey::from_secret(alice_secret());
  REQUIRE(key.ok());
  CHECK(public_key_base64(key->public_key()) == kAlicePublic);
}

TEST_CASE("node.key and node.pub are written byte for byte as documented") {
  TempDir tmp;
  RealFileSystem fs;
  REQUIRE(NodeKey::from_secret(alice_secret())->save(fs, tmp.path()).ok());
  CHECK(slurp(tmp / "node.key") ==
        "darcy-node-key v1 x25519\n"
        "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=\n"
        "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=\n");
  CHECK(slurp(tmp / "node.pub") ==
        "darcy-node-pub v1 x25519\n"
        "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=\n");
  auto loaded = NodeKey::load(fs, tmp.path());
  REQUIRE(loaded.ok());
  CHECK(public_key_base64(loaded->public_key()) == kAlicePublic);
  auto pub = NodeKey::load_public(fs, tmp.path());
  REQUIRE(pub.ok());
  CHECK(*pub == loaded->public_key());
}

TEST_CASE("a checked-in sealed blob opens to its exact payload, and not after any byte flips") {
  auto key = NodeKey::from_secret(alice_secret());
  REQUIRE(key.ok());
  auto plain = key->unseal(kSealedBlob);
  REQUIRE(plain.ok());
  CHECK(view(*plain) == kSealedPayload);

  std::string raw;
  REQUIRE(base64_decode(kSealedBlob, raw));
  for (std::size_t i = 0; i < raw.size(); ++i) {
    std::string flipped = raw;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x80);
    INFO("flipped byte " << i);
    CHECK(key->unseal(base64_encode(flipped)).error().code() == ErrorCode::kTampered);
  }
  CHECK(key->unseal("not base64!").error().code() == ErrorCode::kTampered);
  CHECK(key->unseal("").error().code() == ErrorCode::kTampered);
}

TEST_CASE("a blob sealed to another node does not open") {
  auto alice = NodeKey::from_secret(alice_secret());
  const NodeKey other = NodeKey::generate();
  REQUIRE(alice.ok());
  const std::string sealed = seal_to(other.public_key(), "payload");
  CHECK(alice->unseal(sealed).error().code() == ErrorCode::kTampered);
  CHECK(view(*other.unseal(sealed)) == "payload");
}

TEST_CASE("malformed node key files are reported as corruption naming the file") {
  TempDir tmp;
  RealFileSystem fs;
  const std::string text = GENERATE(
      std::string("darcy-node-key v2 x25519\nAAAA\nAAAA\n"), std::string(""),
      std::string("darcy-node-key v1 x25519\nhSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=\n"),
      std::string("darcy-node-key v1 x25519\nhSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=\n"
                  "AAAA\n"));
  {
    std::ofstream out(tmp / "node.key", std::ios::binary);
    out << text;
  }
  ::chmod((tmp / "node.key").c_str(), 0600);
  auto key = NodeKey::load(fs, tmp.path());
  REQUIRE_FALSE(key.ok());
  CHECK(key.error().code() == ErrorCode::kCorruption);
  CHECK_THAT(key.error().message(), Catch::Contains(tmp / "node.key"));
}

TEST_CASE("vault.json is serialised byte for byte as documented") {
  auto key = NodeKey::from_secret(alice_secret());
  REQUIRE(key.ok());
  Index index;
  index.synced_at = 1700000000;
  index.etag = "\"abc\"";
  Entry e;
  e.id = 3;
  e.url = "gcr.io";
  e.key = "gcr.io";
  e.username = "_json_key";
  e.email = "ops@example.com";
  e.source = Source::kController;
  e.fetched_at = 1700000100;
  e.sealed = "c2VhbGVk";
  index.entries.push_back(e);
  const std::string text = serialize_index(index, key->public_key());
  CHECK(text ==
        R"({"entries":[{"email":"ops@example.com","fetchedAt":1700000100,"id":3,"key":"gcr.io",)"
        R"("public":false,"sealed":"c2VhbGVk","source":"controller","url":"gcr.io",)"
        R"("username":"_json_key"}],"format":"darcy-vault/1","index":{"etag":"\"abc\"",)"
        R"("syncedAt":1700000000},"nodePublicKey":"hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo="})"
        "\n");
  auto parsed = parse_index(text, "vault.json", key->public_key());
  REQUIRE(parsed.ok());
  CHECK(*parsed == index);
}

TEST_CASE("a node key whose public half does not belong to its secret is refused by init") {
  TempDir tmp;
  RealFileSystem fs;
  darcy::testing::FixedClock clock(1);
  const std::string dir = tmp / "vault";
  REQUIRE(Vault::init(fs, clock, dir).ok());
  {
    std::ofstream out(dir + "/node.key", std::ios::binary | std::ios::trunc);
    out << "darcy-node-key v1 x25519\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
           "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=\n";
  }
  auto key = NodeKey::load(fs, dir);
  REQUIRE(key.ok());
  CHECK(key->verify(dir + "/node.key").error().code() == ErrorCode::kCorruption);
  auto again = Vault::init(fs, clock, dir);
  REQUIRE_FALSE(again.ok());
  CHECK_THAT(again.error().message(), Catch::Contains("does not belong"));
  CHECK(NodeKey::from_secret(alice_secret())->verify("k").ok());
}
