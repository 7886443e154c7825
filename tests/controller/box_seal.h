// libsodium primitives the dev controller needs: sealed boxes to a node's X25519 public
// key, base64 (standard alphabet, padded), random tokens and keyed content hashes.
// Every function is thread-safe once init_sodium() has returned true.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace darcy::devctl {

inline constexpr std::size_t kNodeKeyBytes = 32;  // crypto_box_PUBLICKEYBYTES
using NodePublicKey = std::array<unsigned char, kNodeKeyBytes>;

// Initialises libsodium; false if it cannot (the process should then stop).
[[nodiscard]] bool init_sodium();

// Standard base64 with padding, as the node-key and sealed fields use.
[[nodiscard]] std::string base64_encode(std::string_view bytes);
// Decodes standard base64 (padding required); nullopt on anything else.
[[nodiscard]] std::optional<std::string> base64_decode(std::string_view text);

// Parses the body value of PUT /api/v3/agent/node-key: base64 of exactly 32 bytes, not
// all zero. nullopt when it is not such a key.
[[nodiscard]] std::optional<NodePublicKey> parse_node_public_key(std::string_view base64);

// crypto_box_seal(plaintext) to `recipient`, base64-encoded.
[[nodiscard]] std::string seal_to(const NodePublicKey& recipient, std::string_view plaintext);
// Seals to a fresh random key nobody holds (the `wrongSealKey` fault).
[[nodiscard]] std::string seal_to_random_key(std::string_view plaintext);

// `bytes` random bytes as lowercase hex.
[[nodiscard]] std::string random_hex(std::size_t bytes);
// A random RFC 4122 version-4 UUID string.
[[nodiscard]] std::string random_uuid();

// Keyed BLAKE2b-128 of `content` as lowercase hex. `key` must be 32 bytes.
[[nodiscard]] std::string keyed_hash_hex(std::string_view key, std::string_view content);

// Constant-time equality for secrets (tokens, passwords).
[[nodiscard]] bool secret_equal(std::string_view a, std::string_view b);

}  // namespace darcy::devctl
