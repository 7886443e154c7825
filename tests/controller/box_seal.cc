#include "box_seal.h"

#include <sodium.h>

#include <vector>

namespace darcy::devctl {

namespace {
const unsigned char* bytes_of(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
}  // namespace

bool init_sodium() { return sodium_init() >= 0; }

std::string base64_encode(std::string_view bytes) {
  const std::size_t size = sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  std::string out(size, '\0');
  sodium_bin2base64(out.data(), out.size(), bytes_of(bytes), bytes.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.resize(size - 1);  // drop the terminating NUL
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  std::string out(text.size() / 4 * 3 + 3, '\0');
  std::size_t length = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &length, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size()) {
    return std::nullopt;
  }
  out.resize(length);
  return out;
}

std::optional<NodePublicKey> parse_node_public_key(std::string_view base64) {
  auto raw = base64_decode(base64);
  if (!raw || raw->size() != kNodeKeyBytes) return std::nullopt;
  NodePublicKey key{};
  for (std::size_t i = 0; i < kNodeKeyBytes; ++i) key[i] = static_cast<unsigned char>((*raw)[i]);
  if (sodium_is_zero(key.data(), key.size())) return std::nullopt;
  return key;
}

std::string seal_to(const NodePublicKey& recipient, std::string_view plaintext) {
  std::string sealed(plaintext.size() + crypto_box_SEALBYTES, '\0');
  if (crypto_box_seal(reinterpret_cast<unsigned char*>(sealed.data()), bytes_of(plaintext),
                      plaintext.size(), recipient.data()) != 0) {
    return {};
  }
  return base64_encode(sealed);
}

std::string seal_to_random_key(std::string_view plaintext) {
  NodePublicKey pk{};
  std::array<unsigned char, crypto_box_SECRETKEYBYTES> sk{};
  crypto_box_keypair(pk.data(), sk.data());
  sodium_memzero(sk.data(), sk.size());
  return seal_to(pk, plaintext);
}

std::string random_hex(std::size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  randombytes_buf(raw.data(), raw.size());
  std::string hex(bytes * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), raw.data(), raw.size());
  hex.pop_back();
  return hex;
}

std::string random_uuid() {
  std::array<unsigned char, 16> b{};
  randombytes_buf(b.data(), b.size());
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  std::string hex(33, '\0');
  sodium_bin2hex(hex.data(), hex.size(), b.data(), b.size());
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

std::string keyed_hash_hex(std::string_view key, std::string_view content) {
  std::array<unsigned char, 16> out{};
  crypto_generichash(out.data(), out.size(), bytes_of(content), content.size(), bytes_of(key),
                     key.size());
  std::string hex(out.size() * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), out.data(), out.size());
  hex.pop_back();
  return hex;
}

bool secret_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace darcy::devctl
