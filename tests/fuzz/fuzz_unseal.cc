// Fuzz target: opening sealed secrets (vault/node_key.h NodeKey::unseal,
// vault/vault.h Vault::unseal). The node key is fixed: the RFC 7748 test key
// of docs/vault-format.md.
//
// Input: byte 0 picks the check, the rest is its data.
//   byte 0 even: the rest is a `sealed` field as found in vault.json, any
//     bytes. NodeKey::unseal never crashes; it fails with kTampered unless the
//     bytes are base64 of a box sealed to the node key. The rest sealed to the
//     node key opens to itself; with one ciphertext byte flipped it is kTampered.
//   byte 0 odd: the rest is the plaintext of a sealed payload, sealed to the
//     node key and put in an index entry whose id, url and username byte 0
//     picks (bits 1-2, 3-4, 5-6). Vault::unseal answers the password exactly
//     when the payload is a JSON object whose integer id equals the entry's,
//     whose url and username strings equal the entry's and whose password is
//     a string — decided here with nlohmann::json — and kTampered otherwise.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "tests/fuzz/fuzz_check.h"
#include "vault/clock.h"
#include "vault/file_system.h"
#include "vault/node_key.h"
#include "vault/vault.h"

namespace {

using darcy::ErrorCode;
using darcy::Result;
using darcy::SecureString;
using darcy::Status;
using darcy::vault::FileHandle;
using darcy::vault::FileInfo;

constexpr std::string_view kSecretKey = "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=";
constexpr std::string_view kPublicKey = "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=";
constexpr std::string_view kDir = "/vault";

// A vault directory held in memory: node.key and node.pub of the fixed key,
// private and owned by this user. Nothing can be written.
class KeyOnlyFileSystem final : public darcy::vault::FileSystem {
 public:
  Result<FileInfo> stat(const std::string& path) override {
    FileInfo info;
    info.owner = ::geteuid();
    if (path == kDir) {
      info.exists = true;
      info.is_dir = true;
      info.mode = 0700;
    } else if (path == key_path() || path == pub_path()) {
      info.exists = true;
      info.is_regular = true;
      info.mode = path == key_path() ? 0600 : 0644;
    }
    return info;
  }
  Result<std::string> read_file(const std::string& path, std::size_t) override {
    if (path == pub_path()) return "darcy-node-pub v1 x25519\n" + std::string(kPublicKey) + "\n";
    return darcy::Error::NotFound(path + " does not exist");
  }
  Result<SecureString> read_secret_file(const std::string& path, std::size_t) override {
    if (path != key_path()) return darcy::Error::NotFound(path + " does not exist");
    SecureString text("darcy-node-key v1 x25519\n");
    text.append(kPublicKey).push_back('\n');
    text.append(kSecretKey).push_back('\n');
    return text;
  }
  Status make_dir(const std::string&, mode_t) override { return refused(); }
  Result<FileHandle> create_temp(const std::string&, std::string_view, mode_t,
                                 std::string*) override {
    return refused();
  }
  Status write_all(const FileHandle&, std::string_view) override { return refused(); }
  Status sync(const FileHandle&) override { return refused(); }
  Status rename(const std::string&, const std::string&) override { return refused(); }
  Status sync_dir(const std::string&) override { return refused(); }
  Status remove(const std::string&) override { return refused(); }
  Result<std::vector<std::string>> list_dir(const std::string&) override { return refused(); }
  Result<FileHandle> lock_exclusive(const std::string&) override { return refused(); }

 private:
  static std::string key_path() { return std::string(kDir) + "/node.key"; }
  static std::string pub_path() { return std::string(kDir) + "/node.pub"; }
  static darcy::Error refused() { return darcy::Error::IOError("read-only in the fuzz target"); }
};

class FixedClock final : public darcy::vault::Clock {
 public:
  std::int64_t now() const override { return 1700000000; }
};

const darcy::vault::NodeKey& node_key() {
  static const darcy::vault::NodeKey key = [] {
    SecureString secret;
    DARCY_FUZZ_CHECK(darcy::base64_decode(kSecretKey, secret), "the fixed secret key decodes");
    auto k = darcy::vault::NodeKey::from_secret(darcy::view(secret));
    DARCY_FUZZ_CHECK(k.ok(), "the fixed secret key is a key");
    DARCY_FUZZ_CHECK(darcy::vault::public_key_base64(k->public_key()) == kPublicKey,
                     "the fixed key pair is the RFC 7748 one");
    return std::move(k).value();
  }();
  return key;
}

const darcy::vault::Vault& vault() {
  static KeyOnlyFileSystem fs;
  static FixedClock clock;
  static const darcy::vault::Vault v = [] {
    auto opened = darcy::vault::Vault::open(fs, clock, std::string(kDir));
    DARCY_FUZZ_CHECK(opened.ok(), "the in-memory vault opens");
    return std::move(opened).value();
  }();
  return v;
}

void check_node_key_unseal(std::string_view bytes) {
  const darcy::vault::NodeKey& key = node_key();
  auto opened = key.unseal(bytes);
  if (!opened.ok()) {
    DARCY_FUZZ_CHECK(opened.error().code() == ErrorCode::kTampered,
                     "a sealed field that does not open is kTampered");
  } else {
    std::string raw;
    DARCY_FUZZ_CHECK(darcy::base64_decode(bytes, raw) &&
                         raw.size() == opened->size() + darcy::vault::kSealOverheadBytes,
                     "what opens is base64 of a box 48 bytes longer than its plaintext");
  }

  const std::string sealed = darcy::vault::seal_to(key.public_key(), bytes);
  auto round_trip = key.unseal(sealed);
  DARCY_FUZZ_CHECK(round_trip.ok() && darcy::view(*round_trip) == bytes,
                   "a sealed secret opens to itself");

  std::string raw;
  DARCY_FUZZ_CHECK(darcy::base64_decode(sealed, raw), "seal_to writes base64");
  DARCY_FUZZ_CHECK(raw.size() == bytes.size() + darcy::vault::kSealOverheadBytes,
                   "a sealed box is 48 bytes longer than its plaintext");
  const std::size_t flip = bytes.empty() ? 0 : static_cast<unsigned char>(bytes[0]) % raw.size();
  raw[flip] = static_cast<char>(raw[flip] ^ 0x01);
  auto altered = key.unseal(darcy::base64_encode(raw));
  DARCY_FUZZ_CHECK(!altered.ok() && altered.error().code() == ErrorCode::kTampered,
                   "a sealed secret with one bit flipped is kTampered");
}

// The entry fields byte 0 can pick. Negative and extreme ids are legal in
// vault.json (parse_index takes any int64).
constexpr std::int64_t kIds[] = {3, 0, -1, std::numeric_limits<std::int64_t>::max()};
constexpr std::string_view kUrls[] = {"gcr.io", "", "registry.example.com:5000/caf\xc3\xa9",
                                      "https://index.docker.io/v1/"};
constexpr std::string_view kUsernames[] = {"_json_key", "", "<token>", "al\"ice\\"};

// Whether `payload` names this entry, decided independently of vault.cc.
bool payload_matches(const nlohmann::json& payload, const darcy::vault::Entry& entry,
                     std::string* password) {
  if (!payload.is_object()) return false;
  const auto id = payload.find("id");
  const auto url = payload.find("url");
  const auto username = payload.find("username");
  const auto pw = payload.find("password");
  if (id == payload.end() || url == payload.end() || username == payload.end() ||
      pw == payload.end()) {
    return false;
  }
  bool id_equal = false;
  if (id->is_number_unsigned()) {
    id_equal = entry.id >= 0 && id->get<std::uint64_t>() == static_cast<std::uint64_t>(entry.id);
  } else if (id->is_number_integer()) {
    id_equal = id->get<std::int64_t>() == entry.id;
  }
  if (!id_equal || !url->is_string() || !username->is_string() || !pw->is_string()) return false;
  if (url->get<std::string>() != entry.url || username->get<std::string>() != entry.username) {
    return false;
  }
  *password = pw->get<std::string>();
  return true;
}

void check_vault_unseal(unsigned selector, std::string_view plaintext) {
  darcy::vault::Entry entry;
  entry.id = kIds[(selector >> 1) & 3];
  entry.url = std::string(kUrls[(selector >> 3) & 3]);
  entry.key = "gcr.io";
  entry.username = std::string(kUsernames[(selector >> 5) & 3]);
  entry.source = darcy::vault::Source::kController;
  entry.sealed = darcy::vault::seal_to(node_key().public_key(), plaintext);

  const nlohmann::json payload = nlohmann::json::parse(plaintext, nullptr, false);
  std::string password;
  // A payload with a NUL byte never opens (nlohmann would stop reading there).
  const bool should_open = plaintext.find('\0') == std::string_view::npos &&
                           !payload.is_discarded() && payload_matches(payload, entry, &password);

  auto credential = vault().unseal(entry);
  if (should_open) {
    DARCY_FUZZ_CHECK(credential.ok(), "a payload naming its entry opens");
    DARCY_FUZZ_CHECK(credential->id == entry.id && credential->url == entry.url &&
                         credential->username == entry.username,
                     "the credential is the entry's");
    DARCY_FUZZ_CHECK(darcy::view(credential->secret) == password,
                     "the secret is the payload's password");
  } else {
    DARCY_FUZZ_CHECK(!credential.ok(), "a payload not naming its entry never answers");
    DARCY_FUZZ_CHECK(credential.error().code() == ErrorCode::kTampered,
                     "a payload not naming its entry is kTampered");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  if ((data[0] & 1) == 0) {
    check_node_key_unseal(rest);
  } else {
    check_vault_unseal(data[0], rest);
  }
  return 0;
}
