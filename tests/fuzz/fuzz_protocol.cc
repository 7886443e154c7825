// Fuzz target: the credential-helper protocol, serve() (helper/protocol.h,
// docs/protocol.md), driven as Docker drives the helper.
//
// Input: byte 0 picks the run, the rest is stdin.
//   bits 0-1  action: get, store, erase, list
//   bits 2-4  how the store answers (StoreMode below): from memory, or every
//             call failing in a chosen way, or throwing
//   bit 5     stdin fails (its buffer throws) after half of the bytes
//
// Invariants, each checked against an independent reading of docs/protocol.md:
//   - the exit code is 0 or 1;
//   - exit 1: stdout is exactly one non-empty line ending in '\n';
//     get/list exit 0: exactly one line, a compact JSON object that decodes
//     to exactly what the store answered; store/erase exit 0: no output;
//   - the not-found text appears only for get/erase, and exactly when the
//     store answered kNotFound; any other error prints the store's message
//     folded to one line (prefixed if it would read as the not-found text);
//   - store: the body is parsed as documented (keys matched ignoring case,
//     exact spelling wins, null is absent), errors are the documented texts
//     and never quote the body; stored credentials come back from get;
//   - get/erase ask the store with the trimmed input; list never reads stdin.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <streambuf>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "helper/protocol.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/helper/memory_store.h"

namespace {

using darcy::Error;
using darcy::ErrorCode;
using darcy::Result;
using darcy::Status;
using darcy::helper::Credentials;
using darcy::helper::CredentialStore;
using darcy::helper::kErrCredentialsNotFound;
using darcy::helper::testing::MemoryStore;

enum class Action { kGet, kStore, kErase, kList };
constexpr const char* kActionNames[] = {"get", "store", "erase", "list"};

enum class StoreMode {
  kMemory,             // answers from a MemoryStore holding four entries
  kNotFound,           // every call: kNotFound, with a two-line message
  kReadsAsNotFound,    // every call: kIOError whose message folds to the not-found text
  kMultiLine,          // every call: kUnavailable with CR/LF inside and around
  kEmptyMessage,       // every call: kPermission with an empty message
  kAnyHost,            // get answers for any host, with hostile bytes in the answer
  kThrows,             // every call throws std::runtime_error
  kOutOfMemory,        // every call throws std::bad_alloc
};

constexpr std::string_view kWhitespace = " \t\n\v\f\r";

std::string_view trim(std::string_view s) {
  const std::size_t first = s.find_first_not_of(kWhitespace);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(kWhitespace) - first + 1);
}

// docs/protocol.md: line breaks (runs of CR/LF) become one space, the ends are
// trimmed, and an empty message is "unspecified error".
std::string folded(std::string_view message) {
  std::string line;
  bool in_break = false;
  for (char c : message) {
    const bool is_break = c == '\n' || c == '\r';
    if (is_break && !in_break) line.push_back(' ');
    if (!is_break) line.push_back(c);
    in_break = is_break;
  }
  line = std::string(trim(line));
  return line.empty() ? "unspecified error" : line;
}

std::string expected_error_line(const Error& error, bool not_found_allowed) {
  if (not_found_allowed && error.is_not_found()) return std::string(kErrCredentialsNotFound);
  std::string line = folded(error.message());
  if (line == kErrCredentialsNotFound) line = "credential store error: " + line;
  return line;
}

// A CredentialStore answering as StoreMode says; remembers its last answer.
class FuzzStore final : public CredentialStore {
 public:
  struct Answer {
    bool threw = false;
    std::string what;            // of the exception
    bool bad_alloc = false;
    std::optional<Error> error;  // unset: answered with a value
  };

  explicit FuzzStore(StoreMode mode) : mode_(mode) {
    memory_.put("registry.example.com", "alice", "s3cret");
    memory_.put("https://index.docker.io/v1/", "<token>", "eyJhbGciOiJSUzI1NiJ9.identity.token");
    memory_.put("gcr.io", "_json_key",
                "{\n  \"type\": \"service_account\",\n  \"private_key\": \"-----BEGIN\\n\"\n}");
    memory_.put("localhost:5000", "bob\x01\"\\/", std::string_view("caf\xc3\xa9 \0\x7f\xff\t", 10));
  }

  Status add(const Credentials& creds) override {
    added_.push_back(creds);
    if (auto e = injected()) return *e;
    return record(memory_.add(creds));
  }

  Status erase(std::string_view server_url) override {
    asked_.emplace_back(server_url);
    if (auto e = injected()) return *e;
    return record(memory_.erase(server_url));
  }

  Result<Credentials> get(std::string_view server_url) override {
    asked_.emplace_back(server_url);
    if (auto e = injected()) return *e;
    if (mode_ == StoreMode::kAnyHost) {
      Credentials c;
      c.server_url = std::string(server_url);
      c.username = std::string("any\x1fuser\xfe\"", 11);
      c.secret.assign("\b\f\n\r\t\\\"\x7f");
      c.secret.append(server_url.data(), server_url.size());
      answer_ = Answer{};
      got_ = c;
      return c;
    }
    Result<Credentials> r = memory_.get(server_url);
    if (r.ok()) {
      answer_ = Answer{};
      got_ = *r;
      return r;
    }
    answer_ = Answer{false, "", false, r.error()};
    return r;
  }

  Result<std::vector<std::pair<std::string, std::string>>> list() override {
    ++list_calls_;
    if (auto e = injected()) return *e;
    auto r = memory_.list();
    if (r.ok() && mode_ == StoreMode::kAnyHost) {
      r->emplace_back(std::string("ctl\x01\x1f\"\\", 7), std::string("\xc3\x28 invalid utf-8", 16));
    }
    if (r.ok()) listed_ = *r;
    answer_ = Answer{};
    return r;
  }

  int calls() const { return static_cast<int>(added_.size() + asked_.size()) + list_calls_; }
  const std::vector<Credentials>& added() const { return added_; }
  const std::vector<std::string>& asked() const { return asked_; }
  const Answer& answer() const { return answer_; }
  const Credentials& got() const { return got_; }
  const std::vector<std::pair<std::string, std::string>>& listed() const { return listed_; }

 private:
  Status record(Status s) {
    answer_ = s.ok() ? Answer{} : Answer{false, "", false, s.error()};
    return s;
  }

  // The failure every call of this mode answers, if any; throws for the
  // throwing modes.
  std::optional<Error> injected() {
    std::optional<Error> e;
    switch (mode_) {
      case StoreMode::kMemory:
      case StoreMode::kAnyHost:
        return std::nullopt;
      case StoreMode::kNotFound:
        e = Error::NotFound("nothing stored\nfor this host");
        break;
      case StoreMode::kReadsAsNotFound:
        e = Error::IOError("\r\ncredentials not found in native keychain\n");
        break;
      case StoreMode::kMultiLine:
        e = Error::Unavailable("controller unreachable:\r\n  connection refused\n\nno cache\r");
        break;
      case StoreMode::kEmptyMessage:
        e = Error::Permission("");
        break;
      case StoreMode::kThrows:
        answer_ = Answer{true, "store\nexploded", false, std::nullopt};
        throw std::runtime_error("store\nexploded");
      case StoreMode::kOutOfMemory:
        answer_ = Answer{true, "", true, std::nullopt};
        throw std::bad_alloc();
    }
    answer_ = Answer{false, "", false, e};
    return e;
  }

  StoreMode mode_;
  MemoryStore memory_;
  std::vector<Credentials> added_;
  std::vector<std::string> asked_;
  int list_calls_ = 0;
  Answer answer_;
  Credentials got_;
  std::vector<std::pair<std::string, std::string>> listed_;
};

// A stream buffer that hands out the first half of its bytes, then throws, as
// a stdin whose read fails midway.
class FailingBuf final : public std::streambuf {
 public:
  explicit FailingBuf(std::string_view bytes) : bytes_(bytes.substr(0, bytes.size() / 2)) {}

 protected:
  int_type underflow() override {
    if (pos_ >= bytes_.size()) throw std::runtime_error("read failed");
    return traits_type::to_int_type(bytes_[pos_]);
  }
  int_type uflow() override {
    const int_type c = underflow();
    ++pos_;
    return c;
  }

 private:
  std::string bytes_;
  std::size_t pos_ = 0;
};

// Decodes one JSON string literal at the front of `s` the way a strict JSON
// reader would, except that bytes >= 0x80 are taken as they are (the helper
// echoes input bytes unchanged). False on anything a JSON reader would refuse,
// in particular an unescaped control character.
bool take_json_string(std::string_view& s, std::string& out) {
  out.clear();
  if (s.empty() || s.front() != '"') return false;
  s.remove_prefix(1);
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  while (!s.empty()) {
    const char c = s.front();
    s.remove_prefix(1);
    if (c == '"') return true;
    if (static_cast<unsigned char>(c) < 0x20) return false;
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    if (s.empty()) return false;
    const char e = s.front();
    s.remove_prefix(1);
    switch (e) {
      case '"': out.push_back('"'); break;
      case '\\': out.push_back('\\'); break;
      case '/': out.push_back('/'); break;
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      case 'u': {
        if (s.size() < 4) return false;
        int value = 0;
        for (int i = 0; i < 4; ++i) {
          const int d = hex(s[static_cast<std::size_t>(i)]);
          if (d < 0) return false;
          value = value * 16 + d;
        }
        s.remove_prefix(4);
        // The helper escapes only control characters, so \u00XX is all it writes.
        if (value >= 0x80) return false;
        out.push_back(static_cast<char>(value));
        break;
      }
      default:
        return false;
    }
  }
  return false;
}

bool take(std::string_view& s, std::string_view literal) {
  if (s.substr(0, literal.size()) != literal) return false;
  s.remove_prefix(literal.size());
  return true;
}

bool is_valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    if (c < 0x80) {
      n = 0;
    } else if ((c & 0xE0) == 0xC0 && c >= 0xC2) {
      n = 1;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
    } else if ((c & 0xF8) == 0xF0 && c <= 0xF4) {
      n = 3;
    } else {
      return false;
    }
    if (n > 0 && i + n >= s.size()) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    // Overlong three/four-byte forms and surrogates are not UTF-8.
    if (n == 2) {
      const auto c1 = static_cast<unsigned char>(s[i + 1]);
      if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 >= 0xA0)) return false;
    }
    if (n == 3) {
      const auto c1 = static_cast<unsigned char>(s[i + 1]);
      if ((c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 >= 0x90)) return false;
    }
    i += n + 1;
  }
  return true;
}

// The one-line checks every reply gets, by exit code.
void check_shape(int rc, const std::string& reply, Action action) {
  DARCY_FUZZ_CHECK(rc == 0 || rc == 1, "the exit code is 0 or 1");
  const bool silent_success = rc == 0 && (action == Action::kStore || action == Action::kErase);
  if (silent_success) {
    DARCY_FUZZ_CHECK(reply.empty(), "store and erase print nothing on success");
    return;
  }
  DARCY_FUZZ_CHECK(reply.size() >= 2, "the reply is one non-empty line");
  DARCY_FUZZ_CHECK(reply.back() == '\n', "the reply ends in a newline");
  DARCY_FUZZ_CHECK(reply.find('\n') == reply.size() - 1, "the reply is exactly one line");
  if (rc == 1) {
    DARCY_FUZZ_CHECK(reply.find('\r') == std::string::npos, "an error line holds no CR");
  }
}

// The error line that must follow a store call that failed or threw.
std::string expected_failure_line(const FuzzStore::Answer& answer, bool not_found_allowed) {
  if (answer.bad_alloc) return "out of memory";
  if (answer.threw) return folded("internal error: " + answer.what);
  return expected_error_line(*answer.error, not_found_allowed);
}

void check_get_reply(std::string_view reply, std::string_view server_url,
                     const Credentials& creds) {
  std::string_view rest = reply;
  std::string url, username, secret;
  DARCY_FUZZ_CHECK(take(rest, "{\"ServerURL\":") && take_json_string(rest, url) &&
                       take(rest, ",\"Username\":") && take_json_string(rest, username) &&
                       take(rest, ",\"Secret\":") && take_json_string(rest, secret) &&
                       take(rest, "}\n") && rest.empty(),
                   "get prints one compact JSON object with ServerURL, Username, Secret");
  DARCY_FUZZ_CHECK(url == server_url, "ServerURL echoes the trimmed input");
  DARCY_FUZZ_CHECK(username == creds.username, "Username is the stored username");
  DARCY_FUZZ_CHECK(secret == darcy::view(creds.secret), "Secret is the stored secret");
  if (is_valid_utf8(reply)) {
    const auto doc = nlohmann::json::parse(reply, nullptr, false);
    DARCY_FUZZ_CHECK(!doc.is_discarded() && doc.is_object() && doc.size() == 3 &&
                         doc.contains("ServerURL") && doc.contains("Username") &&
                         doc.contains("Secret"),
                     "a UTF-8 get reply is valid JSON with the three keys");
    DARCY_FUZZ_CHECK(doc.at("ServerURL") == url && doc.at("Username") == username &&
                         doc.at("Secret") == secret,
                     "a JSON reader sees the same three values");
  }
}

void check_list_reply(std::string_view reply,
                      const std::vector<std::pair<std::string, std::string>>& entries) {
  std::string_view rest = reply;
  DARCY_FUZZ_CHECK(take(rest, "{"), "list prints a JSON object");
  for (std::size_t i = 0; i < entries.size(); ++i) {
    std::string key, value;
    DARCY_FUZZ_CHECK((i == 0 || take(rest, ",")) && take_json_string(rest, key) &&
                         take(rest, ":") && take_json_string(rest, value),
                     "list prints \"url\":\"username\" pairs separated by commas");
    DARCY_FUZZ_CHECK(key == entries[i].first && value == entries[i].second,
                     "list prints the store's entries in the store's order");
  }
  DARCY_FUZZ_CHECK(take(rest, "}\n") && rest.empty(), "list ends with }\\n");
}

// What the store body must parse to, read independently with nlohmann::json:
// either the exact error line or the credentials.
struct ExpectedStore {
  std::optional<std::string> error;
  bool error_is_syntax = false;  // "syntax error at byte N" or "out of range"
  Credentials creds;
};

ExpectedStore expected_store(std::string_view body) {
  ExpectedStore x;
  if (trim(body).empty()) {
    x.error = "invalid credentials JSON: no input";
    return x;
  }
  // A NUL byte is refused by position (nlohmann would stop reading there).
  if (const auto nul = body.find('\0'); nul != std::string_view::npos) {
    x.error = "invalid credentials JSON: a NUL byte at byte " + std::to_string(nul + 1);
    return x;
  }
  const nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded()) {
    x.error_is_syntax = true;
    return x;
  }
  if (!doc.is_object()) {
    x.error = "invalid credentials JSON: expected an object with ServerURL, Username and Secret";
    return x;
  }
  auto lower = [](std::string s) {
    for (char& c : s) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return s;
  };
  // The exact spelling, else the first (in key order) that matches ignoring case.
  auto find = [&](const std::string& name) -> const nlohmann::json* {
    const auto exact = doc.find(name);
    if (exact != doc.end()) return &*exact;
    for (auto it = doc.begin(); it != doc.end(); ++it) {
      if (lower(it.key()) == lower(name)) return &it.value();
    }
    return nullptr;
  };
  std::string values[3];
  bool present[3] = {false, false, false};
  const char* names[3] = {"ServerURL", "Username", "Secret"};
  for (int i = 0; i < 3; ++i) {
    const nlohmann::json* v = find(names[i]);
    if (v == nullptr || v->is_null()) continue;
    if (!v->is_string()) {
      x.error = std::string("invalid credentials JSON: the value of \"") + names[i] +
                "\" is not a string";
      return x;
    }
    present[i] = true;
    values[i] = v->get<std::string>();
  }
  if (!present[0] || values[0].empty()) {
    x.error = std::string(darcy::helper::kErrMissingServerURL);
  } else if (!present[1] || values[1].empty()) {
    x.error = std::string(darcy::helper::kErrMissingUsername);
  }
  x.creds.server_url = values[0];
  x.creds.username = values[1];
  x.creds.secret.assign(values[2]);
  return x;
}

bool is_syntax_error_line(std::string_view line) {
  if (line == "invalid credentials JSON: a value is out of range") return true;
  std::string_view rest = line;
  if (!take(rest, "invalid credentials JSON: syntax error at byte ") || rest.empty()) return false;
  for (char c : rest) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

int run(Action action, bool failing_stdin, std::string_view input,
        FuzzStore& store, std::string& reply) {
  const std::vector<std::string> args = {kActionNames[static_cast<int>(action)]};
  std::ostringstream out;
  int rc = 0;
  if (failing_stdin) {
    FailingBuf buf(input);
    std::istream in(&buf);
    rc = darcy::helper::serve(args, in, out, store);
  } else {
    std::istringstream in{std::string(input)};
    rc = darcy::helper::serve(args, in, out, store);
    if (action == Action::kList) {
      DARCY_FUZZ_CHECK(in.tellg() == 0, "list never reads stdin");
    }
  }
  reply = out.str();
  return rc;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto action = static_cast<Action>(data[0] & 3);
  const auto mode = static_cast<StoreMode>((data[0] >> 2) & 7);
  const bool failing_stdin = (data[0] & 0x20) != 0;
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);

  FuzzStore store(mode);
  std::string reply;
  const int rc = run(action, failing_stdin, input, store, reply);
  check_shape(rc, reply, action);
  const std::string line = rc == 1 ? reply.substr(0, reply.size() - 1) : std::string();
  const bool not_found_text = rc == 1 && line == kErrCredentialsNotFound;
  const FuzzStore::Answer& answer = store.answer();

  if (not_found_text) {
    DARCY_FUZZ_CHECK(action == Action::kGet || action == Action::kErase,
                     "only get and erase may print the not-found text");
    DARCY_FUZZ_CHECK(answer.error && answer.error->is_not_found(),
                     "the not-found text only follows a kNotFound answer of the store");
  }

  // Reading stdin: an oversized or failing stream, or an empty URL, ends the
  // action before the store is asked. A failing stdin delivers half the bytes.
  const bool reads_stdin = action != Action::kList;
  const std::size_t readable = failing_stdin ? input.size() / 2 : input.size();
  if (reads_stdin && readable > darcy::helper::kMaxInputBytes) {
    DARCY_FUZZ_CHECK(rc == 1 && line == "input too large: more than 1048576 bytes" &&
                         store.calls() == 0,
                     "oversized stdin is refused before the store is asked");
    return 0;
  }
  if (reads_stdin && failing_stdin) {
    DARCY_FUZZ_CHECK(rc == 1 && line == "cannot read the input" && store.calls() == 0,
                     "a failing stdin is an I/O error and never reaches the store");
    return 0;
  }

  switch (action) {
    case Action::kGet:
    case Action::kErase: {
      const std::string_view url = trim(input);
      if (url.empty()) {
        DARCY_FUZZ_CHECK(rc == 1 && line == darcy::helper::kErrMissingServerURL,
                         "an empty server URL is 'no credentials server URL'");
        DARCY_FUZZ_CHECK(store.calls() == 0, "an empty server URL never reaches the store");
        break;
      }
      DARCY_FUZZ_CHECK(store.calls() == 1 && store.asked().size() == 1 && store.asked()[0] == url,
                       "the store is asked once, with the trimmed server URL");
      if (answer.threw || answer.error) {
        DARCY_FUZZ_CHECK(rc == 1, "a failed store call exits 1");
        DARCY_FUZZ_CHECK(line == expected_failure_line(answer, /*not_found_allowed=*/true),
                         "the error line is the store's message folded to one line");
        break;
      }
      DARCY_FUZZ_CHECK(rc == 0, "a store answer exits 0");
      if (action == Action::kGet) {
        check_get_reply(reply, url, store.got());
      } else if (mode == StoreMode::kMemory) {
        // The entry is gone: a second get of the same URL is not found.
        std::string again;
        const int rc2 = run(Action::kGet, false, url, store, again);
        DARCY_FUZZ_CHECK(rc2 == 1 && again == std::string(kErrCredentialsNotFound) + "\n",
                         "get after a successful erase is not found");
      }
      break;
    }
    case Action::kStore: {
      const ExpectedStore x = expected_store(input);
      if (x.error_is_syntax) {
        DARCY_FUZZ_CHECK(rc == 1 && is_syntax_error_line(line),
                         "malformed JSON is a syntax error naming only a byte offset");
        DARCY_FUZZ_CHECK(store.calls() == 0, "malformed JSON never reaches the store");
        break;
      }
      if (x.error) {
        DARCY_FUZZ_CHECK(rc == 1 && line == *x.error,
                         "a store body is refused with the documented text");
        DARCY_FUZZ_CHECK(store.calls() == 0, "a refused store body never reaches the store");
        break;
      }
      DARCY_FUZZ_CHECK(store.added().size() == 1 && store.calls() == 1,
                       "a valid store body is added once");
      const Credentials& added = store.added()[0];
      DARCY_FUZZ_CHECK(added.server_url == x.creds.server_url &&
                           added.username == x.creds.username &&
                           darcy::view(added.secret) == darcy::view(x.creds.secret),
                       "the store receives exactly the ServerURL, Username and Secret sent");
      if (answer.threw || answer.error) {
        DARCY_FUZZ_CHECK(rc == 1 && line == expected_failure_line(answer, false),
                         "a failed add prints the store's message, never the not-found text");
        break;
      }
      DARCY_FUZZ_CHECK(rc == 0, "a successful store exits 0");
      if (mode == StoreMode::kMemory && trim(added.server_url) == added.server_url) {
        std::string again;
        const int rc2 = run(Action::kGet, false, added.server_url, store, again);
        DARCY_FUZZ_CHECK(rc2 == 0, "get finds what store stored");
        check_get_reply(again, added.server_url, x.creds);
      }
      break;
    }
    case Action::kList: {
      DARCY_FUZZ_CHECK(store.calls() == 1, "list asks the store once");
      if (answer.threw || (answer.error && !answer.error->is_not_found())) {
        DARCY_FUZZ_CHECK(rc == 1 && line == expected_failure_line(answer, false),
                         "a failed list prints the store's message, never the not-found text");
        break;
      }
      DARCY_FUZZ_CHECK(rc == 0, "list succeeds unless the store fails");
      if (answer.error) {
        DARCY_FUZZ_CHECK(reply == "{}\n", "a store with nothing found lists as {}");
      } else {
        check_list_reply(reply, store.listed());
      }
      break;
    }
  }
  return 0;
}
