// darcy-dev-seal-check: the node's side of sealing, for the dev controller's tests.
//   darcy-dev-seal-check keygen PUBLIC_FILE SECRET_FILE
//       makes an X25519 key pair; writes each key as standard base64 (secret file 0600).
//   darcy-dev-seal-check open PUBLIC_FILE SECRET_FILE < SEALED_BASE64
//       opens a sealed blob, checks it holds a JSON object with exactly the keys id
//       (integer), url, username, password (strings), and prints the plaintext unchanged.
// Exit 0 on success, 1 with a message on stderr otherwise.
#include <sodium.h>

#include <iostream>
#include <iterator>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "atomic_file.h"
#include "box_seal.h"

namespace {

using namespace darcy::devctl;

int fail(const std::string& message) {
  std::cerr << "darcy-dev-seal-check: " << message << "\n";
  return 1;
}

std::string trimmed(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

std::optional<std::string> read_key(const std::string& path, std::size_t size) {
  auto text = read_whole_file(path);
  if (!text) return std::nullopt;
  auto raw = base64_decode(trimmed(*text));
  if (!raw || raw->size() != size) return std::nullopt;
  return raw;
}

int keygen(const std::string& public_path, const std::string& secret_path) {
  unsigned char pk[crypto_box_PUBLICKEYBYTES];
  unsigned char sk[crypto_box_SECRETKEYBYTES];
  crypto_box_keypair(pk, sk);
  const std::string pk_text = base64_encode({reinterpret_cast<char*>(pk), sizeof pk});
  const std::string sk_text = base64_encode({reinterpret_cast<char*>(sk), sizeof sk});
  sodium_memzero(sk, sizeof sk);
  if (auto error = write_file_atomically(secret_path, sk_text + "\n", 0600)) return fail(*error);
  if (auto error = write_file_atomically(public_path, pk_text + "\n", 0644)) return fail(*error);
  return 0;
}

int open_sealed(const std::string& public_path, const std::string& secret_path) {
  const auto pk = read_key(public_path, crypto_box_PUBLICKEYBYTES);
  const auto sk = read_key(secret_path, crypto_box_SECRETKEYBYTES);
  if (!pk || !sk) return fail("cannot read the key pair");
  const std::string input{std::istreambuf_iterator<char>(std::cin), {}};
  const auto sealed = base64_decode(trimmed(input));
  if (!sealed) return fail("input is not standard padded base64");
  if (sealed->size() < crypto_box_SEALBYTES) return fail("sealed blob too short");
  std::string plain(sealed->size() - crypto_box_SEALBYTES, '\0');
  if (crypto_box_seal_open(reinterpret_cast<unsigned char*>(plain.data()),
                           reinterpret_cast<const unsigned char*>(sealed->data()), sealed->size(),
                           reinterpret_cast<const unsigned char*>(pk->data()),
                           reinterpret_cast<const unsigned char*>(sk->data())) != 0) {
    return fail("cannot open the sealed blob with this key pair");
  }
  const auto doc = nlohmann::json::parse(plain, nullptr, false);
  if (!doc.is_object()) return fail("plaintext is not a JSON object");
  std::set<std::string> keys;
  for (const auto& item : doc.items()) keys.insert(item.key());
  if (keys != std::set<std::string>{"id", "url", "username", "password"}) {
    return fail("plaintext must hold exactly id, url, username, password");
  }
  if (!doc["id"].is_number_integer() || !doc["url"].is_string() || !doc["username"].is_string() ||
      !doc["password"].is_string()) {
    return fail("plaintext fields have the wrong types");
  }
  std::cout << plain << "\n";
  return 0;
}

}  // namespace

int main(int argc, char* argv[]) {
  if (!init_sodium()) return fail("cannot initialise libsodium");
  const std::string command = argc > 1 ? argv[1] : "";
  if (argc == 4 && command == "keygen") return keygen(argv[2], argv[3]);
  if (argc == 4 && command == "open") return open_sealed(argv[2], argv[3]);
  return fail("usage: darcy-dev-seal-check keygen|open PUBLIC_FILE SECRET_FILE");
}
