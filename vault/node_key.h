// NodeKey: the node's X25519 key pair. Every secret in the vault is sealed
// (crypto_box_seal) to the public half; only the holder of node.key can open it.
//
// On disk (see docs/vault-format.md):
//   node.key (0600)  "darcy-node-key v1 x25519\n" <base64 public> "\n" <base64 secret> "\n"
//   node.pub (0644)  "darcy-node-pub v1 x25519\n" <base64 public> "\n"
// The secret half is read straight into guarded memory and never copied out.
//
// Thread safety: immutable after construction.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "vault/file_system.h"
#include "vault/result.h"
#include "vault/secure_memory.h"

namespace darcy::vault {

inline constexpr std::size_t kPublicKeyBytes = 32;
inline constexpr std::size_t kSecretKeyBytes = 32;
inline constexpr std::size_t kSealOverheadBytes = 48;  // crypto_box_SEALBYTES

using PublicKey = std::array<unsigned char, kPublicKeyBytes>;

inline constexpr std::string_view kNodeKeyFile = "node.key";
inline constexpr std::string_view kNodePubFile = "node.pub";

std::string public_key_base64(const PublicKey& pk);
// Parses the base64 form of a public key; false if it is not 32 bytes of base64.
bool parse_public_key(std::string_view base64, PublicKey& out);

// Seals `plaintext` to `recipient` (crypto_box_seal) and returns base64.
std::string seal_to(const PublicKey& recipient, std::string_view plaintext);

class NodeKey {
 public:
  // Generates a new key pair in memory.
  static NodeKey generate();
  // Builds a key pair from a 32-byte secret key (known-answer tests).
  static Result<NodeKey> from_secret(std::string_view secret_key);

  // Reads node.key from `dir`. Refuses (kPermission) a key file that is a
  // symlink, not owned by the caller, or readable by group or others.
  static Result<NodeKey> load(FileSystem& fs, const std::string& dir);
  // Reads node.pub from `dir` (needs no secret; what darcy-fetch uses).
  static Result<PublicKey> load_public(FileSystem& fs, const std::string& dir);

  // Writes node.key (0600) and node.pub (0644) atomically into `dir`.
  Status save(FileSystem& fs, const std::string& dir) const;

  const PublicKey& public_key() const { return public_key_; }

  // Checks that the public key belongs to the secret key (load() does not, to
  // keep unsealing at one scalar multiplication). `path` names the key file in
  // the error.
  Status verify(const std::string& path) const;

  // Opens a base64 crypto_box_seal blob sealed to this key; the plaintext is
  // returned in guarded memory. kTampered if it does not authenticate.
  Result<SecureString> unseal(std::string_view sealed_base64) const;

 private:
  NodeKey() = default;
  PublicKey public_key_{};
  SecureString secret_key_;
};

}  // namespace darcy::vault
