#include "vault/node_key.h"

#include <sodium.h>
#include <unistd.h>

#include <cstring>

namespace darcy::vault {
namespace {

constexpr std::string_view kKeyHeader = "darcy-node-key v1 x25519\n";
constexpr std::string_view kPubHeader = "darcy-node-pub v1 x25519\n";
constexpr std::size_t kMaxKeyFileBytes = 4096;

std::string join(const std::string& dir, std::string_view file) {
  return dir + "/" + std::string(file);
}

// Splits "a\nb\n" into views of its lines; false unless it ends with '\n'.
bool split_lines(std::string_view text, std::vector<std::string_view>& lines) {
  while (!text.empty()) {
    const auto nl = text.find('\n');
    if (nl == std::string_view::npos) return false;
    lines.push_back(text.substr(0, nl));
    text.remove_prefix(nl + 1);
  }
  return true;
}

}  // namespace

std::string public_key_base64(const PublicKey& pk) {
  return base64_encode({reinterpret_cast<const char*>(pk.data()), pk.size()});
}

bool parse_public_key(std::string_view base64, PublicKey& out) {
  std::string raw;
  if (!base64_decode(base64, raw) || raw.size() != out.size()) return false;
  std::memcpy(out.data(), raw.data(), out.size());
  return true;
}

std::string seal_to(const PublicKey& recipient, std::string_view plaintext) {
  std::string sealed(plaintext.size() + crypto_box_SEALBYTES, '\0');
  crypto_box_seal(reinterpret_cast<unsigned char*>(sealed.data()),
                  reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
                  recipient.data());
  return base64_encode(sealed);
}

NodeKey NodeKey::generate() {
  NodeKey key;
  key.secret_key_.resize(kSecretKeyBytes);
  crypto_box_keypair(key.public_key_.data(),
                     reinterpret_cast<unsigned char*>(key.secret_key_.data()));
  return key;
}

Result<NodeKey> NodeKey::from_secret(std::string_view secret_key) {
  if (secret_key.size() != kSecretKeyBytes) {
    return Error::InvalidInput("a node secret key is 32 bytes");
  }
  NodeKey key;
  key.secret_key_.assign(secret_key.data(), secret_key.size());
  crypto_scalarmult_base(key.public_key_.data(),
                         reinterpret_cast<const unsigned char*>(key.secret_key_.data()));
  return key;
}

Result<NodeKey> NodeKey::load(FileSystem& fs, const std::string& dir) {
  const std::string path = join(dir, kNodeKeyFile);
  auto info = fs.stat(path);
  if (!info) return std::move(info).error();
  if (!info->exists) {
    return Error::NotFound(path + " does not exist. Fix: run 'docker-credential-darcy init'");
  }
  DARCY_TRY(check_private_file(path, *info));
  auto text = fs.read_secret_file(path, kMaxKeyFileBytes);
  if (!text) return std::move(text).error();
  const std::string_view body = view(*text);
  std::vector<std::string_view> lines;
  if (body.substr(0, kKeyHeader.size()) != kKeyHeader ||
      !split_lines(body.substr(kKeyHeader.size()), lines) || lines.size() != 2) {
    return Error::Corruption(path + " is not a darcy node key (expected the header '" +
                             std::string(kKeyHeader.substr(0, kKeyHeader.size() - 1)) +
                             "' and two base64 lines)");
  }
  PublicKey pk{};
  SecureString sk;
  if (!parse_public_key(lines[0], pk) || !base64_decode(lines[1], sk) ||
      sk.size() != kSecretKeyBytes) {
    return Error::Corruption(path + " holds a malformed key");
  }
  // The public half is taken as written: deriving it costs an X25519 scalar
  // multiplication, as much as the unseal itself, on every get. A mismatch
  // still cannot unseal anything; verify() checks it where time does not matter.
  NodeKey key;
  key.public_key_ = pk;
  key.secret_key_ = std::move(sk);
  return key;
}

Status NodeKey::verify(const std::string& path) const {
  PublicKey derived{};
  crypto_scalarmult_base(derived.data(), reinterpret_cast<const unsigned char*>(secret_key_.data()));
  if (sodium_memcmp(derived.data(), public_key_.data(), derived.size()) != 0) {
    return Error::Corruption(path + ": the public key does not belong to the secret key");
  }
  return Ok();
}

Result<PublicKey> NodeKey::load_public(FileSystem& fs, const std::string& dir) {
  const std::string path = join(dir, kNodePubFile);
  auto text = fs.read_file(path, kMaxKeyFileBytes);
  if (!text) {
    if (text.error().is_not_found()) {
      return Error::NotFound(path + " does not exist. Fix: run 'docker-credential-darcy init'");
    }
    return std::move(text).error();
  }
  std::vector<std::string_view> lines;
  PublicKey pk{};
  const std::string_view body = *text;
  if (body.substr(0, kPubHeader.size()) != kPubHeader ||
      !split_lines(body.substr(kPubHeader.size()), lines) || lines.size() != 1 ||
      !parse_public_key(lines[0], pk)) {
    return Error::Corruption(path + " is not a darcy node public key");
  }
  return pk;
}

Status NodeKey::save(FileSystem& fs, const std::string& dir) const {
  SecureString key_text(kKeyHeader);
  key_text.append(public_key_base64(public_key_)).push_back('\n');
  const std::string_view sk = view(secret_key_);
  SecureString sk_b64(sodium_base64_encoded_len(sk.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(sk_b64.data(), sk_b64.size(), reinterpret_cast<const unsigned char*>(sk.data()),
                    sk.size(), sodium_base64_VARIANT_ORIGINAL);
  sk_b64.resize(std::strlen(sk_b64.c_str()));
  key_text.append(sk_b64).push_back('\n');
  // node.key first: a node.key without node.pub is repaired by the next init
  // (node.pub is derived from it); a node.pub without node.key would have
  // darcy-fetch seal secrets to a key nobody holds.
  DARCY_TRY(write_file_atomic(fs, join(dir, kNodeKeyFile), view(key_text), 0600));
  std::string pub_text(kPubHeader);
  pub_text.append(public_key_base64(public_key_)).push_back('\n');
  return write_file_atomic(fs, join(dir, kNodePubFile), pub_text, 0644);
}

Result<SecureString> NodeKey::unseal(std::string_view sealed_base64) const {
  std::string sealed;
  if (!base64_decode(sealed_base64, sealed) || sealed.size() < crypto_box_SEALBYTES) {
    return Error::Tampered("the sealed secret is not valid base64 of a sealed box");
  }
  SecureString plain(sealed.size() - crypto_box_SEALBYTES, '\0');
  if (crypto_box_seal_open(reinterpret_cast<unsigned char*>(plain.data()),
                           reinterpret_cast<const unsigned char*>(sealed.data()), sealed.size(),
                           public_key_.data(),
                           reinterpret_cast<const unsigned char*>(secret_key_.data())) != 0) {
    return Error::Tampered(
        "the sealed secret does not open with this node's key (sealed for another node, or "
        "altered)");
  }
  return plain;
}

}  // namespace darcy::vault
