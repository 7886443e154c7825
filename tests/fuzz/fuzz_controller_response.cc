// Fuzz target: the controller's registry bodies as darcy-fetch reads them
// (helper/fetch/controller_client.h, docs/controller-api.md). Input: a
// response body, as is.
//
// Invariants:
//   - parse_registry_list: failure is kInvalidInput with a short printable
//     message (it never quotes the body, which may hold passwords); success
//     gives rows with unique ids, each exactly what parse_registry_row makes
//     of the same element; the rows written back as a body parse to the same
//     rows;
//   - parse_registry_row, on the body parsed as a SecureJson: accepts exactly
//     the rows an independent reading of the API document accepts (object;
//     integer id 1..2^63-1; non-empty string url; username, userEmail null or
//     string; isPublic null or boolean; sealed null or base64 of at least 48
//     bytes; without sealed, password null or string) and copies the fields
//     as they are; a sealed row never carries a plain password.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "helper/fetch/controller_client.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using darcy::SecureJson;
using darcy::fetch::RegistryRow;

bool same_row(const RegistryRow& a, const RegistryRow& b) {
  return a.id == b.id && a.url == b.url && a.is_public == b.is_public &&
         a.username == b.username && a.email == b.email && a.has_password == b.has_password &&
         darcy::view(a.password) == darcy::view(b.password) && a.sealed == b.sealed;
}

void check_error_message(const darcy::Error& error) {
  DARCY_FUZZ_CHECK(error.code() == darcy::ErrorCode::kInvalidInput,
                   "a bad controller body is kInvalidInput");
  const std::string& m = error.message();
  DARCY_FUZZ_CHECK(!m.empty() && m.size() <= 120, "the message is short");
  for (char c : m) {
    const auto u = static_cast<unsigned char>(c);
    DARCY_FUZZ_CHECK(u >= 0x20 && u < 0x7f, "the message is printable ASCII, quoting nothing");
  }
}

void check_row_shape(const RegistryRow& r) {
  DARCY_FUZZ_CHECK(r.id >= 1, "a row's id is positive");
  DARCY_FUZZ_CHECK(!r.url.empty(), "a row has a url");
  if (!r.sealed.empty()) {
    std::string raw;
    DARCY_FUZZ_CHECK(darcy::base64_decode(r.sealed, raw) &&
                         raw.size() >= darcy::vault::kSealOverheadBytes,
                     "a sealed payload is base64 of a sealed box");
    DARCY_FUZZ_CHECK(!r.has_password, "a sealed row never carries a plain password");
  }
  if (!r.has_password) DARCY_FUZZ_CHECK(r.password.empty(), "no password unless has_password");
}

// The row the API document says `row` is, or nullopt if it must be refused.
std::optional<RegistryRow> expected_row(const nlohmann::json& row) {
  if (!row.is_object()) return std::nullopt;
  RegistryRow r;
  const auto id = row.find("id");
  if (id == row.end()) return std::nullopt;
  if (id->is_number_unsigned()) {
    const auto v = id->get<std::uint64_t>();
    if (v < 1 || v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return std::nullopt;
    }
    r.id = static_cast<std::int64_t>(v);
  } else if (id->is_number_integer()) {
    r.id = id->get<std::int64_t>();
    if (r.id < 1) return std::nullopt;
  } else {
    return std::nullopt;
  }
  auto optional_string = [&](const char* key, std::string& out) {
    const auto it = row.find(key);
    if (it == row.end() || it->is_null()) return true;
    if (!it->is_string()) return false;
    out = it->get<std::string>();
    return true;
  };
  const auto url = row.find("url");
  if (url == row.end() || !url->is_string() || url->get<std::string>().empty()) {
    return std::nullopt;
  }
  r.url = url->get<std::string>();
  if (!optional_string("username", r.username) || !optional_string("userEmail", r.email)) {
    return std::nullopt;
  }
  const auto pub = row.find("isPublic");
  if (pub != row.end() && !pub->is_null()) {
    if (!pub->is_boolean()) return std::nullopt;
    r.is_public = pub->get<bool>();
  }
  const auto sealed = row.find("sealed");
  if (sealed != row.end() && !sealed->is_null()) {
    if (!sealed->is_string()) return std::nullopt;
    r.sealed = sealed->get<std::string>();
    std::string raw;
    if (!darcy::base64_decode(r.sealed, raw) || raw.size() < darcy::vault::kSealOverheadBytes) {
      return std::nullopt;
    }
    return r;
  }
  const auto password = row.find("password");
  if (password != row.end() && !password->is_null()) {
    if (!password->is_string()) return std::nullopt;
    r.has_password = true;
    r.password.assign(password->get<std::string>());
  }
  return r;
}

// The body a controller would send for `rows`.
std::string body_of(const std::vector<RegistryRow>& rows) {
  nlohmann::json list = nlohmann::json::array();
  for (const RegistryRow& r : rows) {
    nlohmann::json row = {{"id", r.id},
                          {"url", r.url},
                          {"isPublic", r.is_public},
                          {"isSecure", true},
                          {"username", r.username},
                          {"userEmail", r.email}};
    if (!r.sealed.empty()) row["sealed"] = r.sealed;
    if (r.has_password) row["password"] = std::string(darcy::view(r.password));
    list.push_back(std::move(row));
  }
  return nlohmann::json{{"registries", std::move(list)}}.dump();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);

  auto rows = darcy::fetch::parse_registry_list(body);
  if (!rows.ok()) {
    check_error_message(rows.error());
  } else {
    for (std::size_t i = 0; i < rows->size(); ++i) {
      check_row_shape((*rows)[i]);
      for (std::size_t j = 0; j < i; ++j) {
        DARCY_FUZZ_CHECK((*rows)[j].id != (*rows)[i].id, "a list never holds an id twice");
      }
    }
    auto again = darcy::fetch::parse_registry_list(body_of(*rows));
    DARCY_FUZZ_CHECK(again.ok() && again->size() == rows->size(),
                     "a list written back from its rows parses");
    for (std::size_t i = 0; i < rows->size(); ++i) {
      DARCY_FUZZ_CHECK(same_row((*again)[i], (*rows)[i]), "rows written back read back equal");
    }
  }

  const SecureJson doc = SecureJson::parse(body.begin(), body.end(), nullptr, false);
  if (doc.is_discarded()) {
    DARCY_FUZZ_CHECK(!rows.ok(), "a body that is not JSON is refused");
    return 0;
  }
  const nlohmann::json plain = nlohmann::json::parse(body, nullptr, false);
  DARCY_FUZZ_CHECK(!plain.is_discarded(), "both JSON readers agree the body is JSON");

  auto row = darcy::fetch::parse_registry_row(doc);
  const std::optional<RegistryRow> expected = expected_row(plain);
  DARCY_FUZZ_CHECK(row.ok() == expected.has_value(),
                   "parse_registry_row accepts exactly the rows the API document allows");
  if (row.ok()) {
    check_row_shape(*row);
    DARCY_FUZZ_CHECK(same_row(*row, *expected), "a row's fields are copied as they are");
  } else {
    check_error_message(row.error());
  }

  // A list's rows are what parse_registry_row makes of each element.
  if (rows.ok()) {
    const SecureJson& list = doc.at("registries");
    DARCY_FUZZ_CHECK(list.size() == rows->size(), "every element is a row");
    std::size_t i = 0;
    for (const SecureJson& element : list) {
      auto one = darcy::fetch::parse_registry_row(element);
      DARCY_FUZZ_CHECK(one.ok() && same_row(*one, (*rows)[i]),
                       "a list row is what parse_registry_row makes of its element");
      ++i;
    }
  }
  return 0;
}
