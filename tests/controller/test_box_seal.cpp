#include <catch2/catch.hpp>

#include <sodium.h>

#include "box_seal.h"

using namespace darcy::devctl;

TEST_CASE("base64 is the standard padded alphabet and round-trips", "[controller]") {
  CHECK(base64_encode("\xfb\xff") == "+/8=");
  CHECK(base64_decode("+/8=") == std::string("\xfb\xff"));
  CHECK_FALSE(base64_decode("-_8="));  // URL-safe alphabet refused
  CHECK_FALSE(base64_decode("+/8"));   // padding required
  CHECK_FALSE(base64_decode("+/8= "));
}

TEST_CASE("a node public key is base64 of 32 non-zero bytes", "[controller]") {
  CHECK(parse_node_public_key(base64_encode(std::string(32, '\x01'))));
  CHECK_FALSE(parse_node_public_key(base64_encode(std::string(32, '\0'))));
  CHECK_FALSE(parse_node_public_key(base64_encode(std::string(31, '\x01'))));
  CHECK_FALSE(parse_node_public_key(base64_encode(std::string(33, '\x01'))));
  CHECK_FALSE(parse_node_public_key("not base64!"));
}

TEST_CASE("a sealed blob opens with the node secret key and with no other", "[controller]") {
  NodePublicKey pk{};
  unsigned char sk[crypto_box_SECRETKEYBYTES];
  crypto_box_keypair(pk.data(), sk);
  const std::string plaintext = R"({"id":3,"url":"gcr.io","username":"_json_key","password":"p"})";

  auto open = [&](const std::string& sealed_b64) -> std::optional<std::string> {
    auto sealed = base64_decode(sealed_b64);
    REQUIRE(sealed);
    std::string out(sealed->size() - crypto_box_SEALBYTES, '\0');
    if (crypto_box_seal_open(reinterpret_cast<unsigned char*>(out.data()),
                             reinterpret_cast<const unsigned char*>(sealed->data()), sealed->size(),
                             pk.data(), sk) != 0) {
      return std::nullopt;
    }
    return out;
  };
  CHECK(open(seal_to(pk, plaintext)) == plaintext);
  CHECK_FALSE(open(seal_to_random_key(plaintext)));

  auto tampered = *base64_decode(seal_to(pk, plaintext));
  tampered[tampered.size() / 2] = static_cast<char>(tampered[tampered.size() / 2] ^ 1);
  CHECK_FALSE(open(base64_encode(tampered)));
}

TEST_CASE("tokens and uuids are random and well formed", "[controller]") {
  CHECK(random_hex(32).size() == 64);
  CHECK(random_hex(32) != random_hex(32));
  const auto uuid = random_uuid();
  REQUIRE(uuid.size() == 36);
  CHECK(uuid[8] == '-');
  CHECK(uuid[14] == '4');
}
