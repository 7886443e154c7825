// Fuzz target: parse_index(), the reader of vault.json (vault/vault.h,
// docs/vault-format.md). Input: the file's bytes. The node key is fixed (the
// RFC 7748 test key of docs/vault-format.md), so a file naming it can parse.
//
// Invariants:
//   - failure: kCorruption, and the message names the file;
//   - success: serialize_index() writes one line ending in '\n' that parses
//     back to an equal Index, and writing that again gives the same bytes
//     (the format is canonical); a file naming another node key is refused.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "tests/fuzz/fuzz_check.h"
#include "vault/node_key.h"
#include "vault/vault.h"

namespace {

using darcy::vault::Index;
using darcy::vault::PublicKey;

constexpr std::string_view kPath = "/vault/vault.json";

const PublicKey& node_public_key() {
  static const PublicKey key = [] {
    PublicKey pk{};
    const bool ok = darcy::vault::parse_public_key("hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=", pk);
    DARCY_FUZZ_CHECK(ok, "the fixed node public key parses");
    return pk;
  }();
  return key;
}

// Another node's key (the RFC 7748 section 6.1 peer key).
const PublicKey& other_public_key() {
  static const PublicKey key = [] {
    PublicKey pk{};
    const bool ok = darcy::vault::parse_public_key("3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08=", pk);
    DARCY_FUZZ_CHECK(ok, "the other public key parses");
    return pk;
  }();
  return key;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string path(kPath);
  auto index = darcy::vault::parse_index(text, path, node_public_key());
  // Differential: the index reader is a strict JSON parser of its own; it must
  // never accept what a general JSON parser calls invalid, and whatever it
  // accepts must have the same entries as a DOM parse reads.
  const nlohmann::json dom = nlohmann::json::parse(text, nullptr, false);
  if (index.ok()) {
    DARCY_FUZZ_CHECK(!dom.is_discarded(), "the reader accepts only valid JSON");
    DARCY_FUZZ_CHECK(dom.at("entries").size() == index->entries.size(),
                     "the reader sees as many entries as a DOM parse");
    for (std::size_t i = 0; i < index->entries.size(); ++i) {
      const auto& row = dom.at("entries").at(i);
      const auto& e = index->entries[i];
      DARCY_FUZZ_CHECK(row.at("url").get<std::string>() == e.url &&
                           row.at("key").get<std::string>() == e.key &&
                           row.at("username").get<std::string>() == e.username &&
                           row.at("sealed").get<std::string>() == e.sealed &&
                           row.at("id").get<std::int64_t>() == e.id,
                       "each entry reads as a DOM parse reads it");
    }
  } else if (!dom.is_discarded() && dom.is_object() &&
             text.find('\0') == std::string_view::npos) {
    // Valid JSON, refused: fine (wrong shape), but never called invalid JSON.
    // (nlohmann stops at a NUL byte, so text with one is not compared.)
    DARCY_FUZZ_CHECK(index.error().message().find("not valid JSON") == std::string::npos,
                     "valid JSON is never called invalid");
  }
  if (!index.ok()) {
    DARCY_FUZZ_CHECK(index.error().code() == darcy::ErrorCode::kCorruption,
                     "a vault.json that does not parse is kCorruption");
    DARCY_FUZZ_CHECK(index.error().message().rfind(path, 0) == 0,
                     "the message names the file");
    return 0;
  }

  const std::string written = darcy::vault::serialize_index(*index, node_public_key());
  DARCY_FUZZ_CHECK(!written.empty() && written.back() == '\n' &&
                       written.find('\n') == written.size() - 1,
                   "vault.json is written as one line ending in a newline");
  auto reread = darcy::vault::parse_index(written, path, node_public_key());
  DARCY_FUZZ_CHECK(reread.ok(), "what serialize_index writes, parse_index reads");
  DARCY_FUZZ_CHECK(*reread == *index, "a written index reads back equal");
  DARCY_FUZZ_CHECK(darcy::vault::serialize_index(*reread, node_public_key()) == written,
                   "writing an index is canonical");

  auto foreign = darcy::vault::parse_index(written, path, other_public_key());
  DARCY_FUZZ_CHECK(!foreign.ok() && foreign.error().code() == darcy::ErrorCode::kCorruption,
                   "an index sealed for another node key is refused");
  return 0;
}
