// Tests of the credential-helper protocol handler (helper/protocol.h) against
// the in-memory store. Each reply is pinned byte for byte: clients compare
// error texts exactly and parse stdout as JSON.
#include "helper/protocol.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstddef>
#include <istream>
#include <ostream>
#include <regex>
#include <sstream>
#include <streambuf>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "helper/memory_store.h"

namespace darcy::helper {
namespace {

using testing::MemoryStore;
using Op = MemoryStore::Op;

struct Reply {
  int exit_code;
  std::string out;
};

Reply run(CredentialStore& store, const std::vector<std::string>& args, std::istream& in) {
  std::ostringstream out;
  const int code = serve(args, in, out, store);
  return {code, out.str()};
}

Reply run(CredentialStore& store, const std::vector<std::string>& args,
          const std::string& input = "") {
  std::istringstream in(input);
  return run(store, args, in);
}

std::string line(std::string_view text) { return std::string(text) + "\n"; }

// True if `out` is one newline-terminated line.
bool is_one_line(const std::string& out) {
  return !out.empty() && out.back() == '\n' && std::count(out.begin(), out.end(), '\n') == 1 &&
         out.find('\r') == std::string::npos;
}

std::string store_body(const std::string& server_url, const std::string& username,
                       const std::string& secret) {
  return nlohmann::json{{"ServerURL", server_url}, {"Username", username}, {"Secret", secret}}
             .dump() +
         "\n";
}

// A stream buffer that records whether anyone tried to read from it.
class WatchedStreambuf : public std::streambuf {
 public:
  int reads() const { return reads_; }

 protected:
  int_type underflow() override {
    ++reads_;
    return traits_type::eof();
  }
  std::streamsize xsgetn(char_type*, std::streamsize) override {
    ++reads_;
    return 0;
  }
  std::streamsize showmanyc() override {
    ++reads_;
    return -1;
  }

 private:
  int reads_ = 0;
};

// A stream buffer that never ends and counts the bytes it hands out.
class EndlessStreambuf : public std::streambuf {
 public:
  EndlessStreambuf() { std::fill(std::begin(chunk_), std::end(chunk_), 'a'); }
  std::size_t served() const { return served_; }

 protected:
  int_type underflow() override {
    setg(chunk_, chunk_, chunk_ + sizeof chunk_);
    served_ += sizeof chunk_;
    return traits_type::to_int_type(chunk_[0]);
  }

 private:
  char chunk_[4096];
  std::size_t served_ = 0;
};

// A store that answers for "https://host" what it holds under "host", as
// the vault's URL matching does: `get` must still echo what was asked.
class SchemeStrippingStore : public CredentialStore {
 public:
  explicit SchemeStrippingStore(MemoryStore& inner) : inner_(inner) {}
  Status add(const Credentials& creds) override { return inner_.add(creds); }
  Status erase(std::string_view server_url) override { return inner_.erase(strip(server_url)); }
  Result<Credentials> get(std::string_view server_url) override {
    return inner_.get(strip(server_url));
  }
  Result<std::vector<std::pair<std::string, std::string>>> list() override { return inner_.list(); }

 private:
  static std::string_view strip(std::string_view url) {
    constexpr std::string_view kScheme = "https://";
    if (url.substr(0, kScheme.size()) == kScheme) url.remove_prefix(kScheme.size());
    return url;
  }
  MemoryStore& inner_;
};

// ---------------------------------------------------------------- invocation

TEST_CASE("no arguments print the usage line on stdout and exit 1", "[protocol]") {
  MemoryStore store;
  const Reply r = run(store, {});
  CHECK(r.exit_code == 1);
  CHECK(r.out == "Usage: docker-credential-darcy <store|get|erase|list|version>\n");
  CHECK(store.total_calls() == 0);
}

TEST_CASE("two or more arguments print the usage line and exit 1", "[protocol]") {
  MemoryStore store;
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"get", "gcr.io"}, {"store", "extra", "more"}, {"-v", "get"}}) {
    const Reply r = run(store, args, "gcr.io");
    CHECK(r.exit_code == 1);
    CHECK(r.out == line(kUsage));
  }
  CHECK(store.total_calls() == 0);
}

TEST_CASE("version, -v and --version print the version line and exit 0", "[protocol]") {
  MemoryStore store;
  REQUIRE(std::regex_match(std::string(kVersion), std::regex(R"([0-9]+\.[0-9]+\.[0-9]+.*)")));
  const std::string expected = "docker-credential-darcy (darcy) " + std::string(kVersion) + "\n";
  for (const std::string arg : {"-v", "--version", "version"}) {
    WatchedStreambuf buf;
    std::istream in(&buf);
    const Reply r = run(store, {arg}, in);
    CHECK(r.exit_code == 0);
    CHECK(r.out == expected);
    CHECK(buf.reads() == 0);
  }
  CHECK(kVersionLine == std::string_view(expected).substr(0, expected.size() - 1));
}

TEST_CASE("help via -h and --help prints the usage line and exits 0", "[protocol]") {
  MemoryStore store;
  for (const std::string arg : {"-h", "--help"}) {
    const Reply r = run(store, {arg});
    CHECK(r.exit_code == 0);
    CHECK(r.out == "Usage: docker-credential-darcy <store|get|erase|list|version>\n");
  }
}

TEST_CASE("an unknown action is named in the error and exits 1 without reading stdin",
          "[protocol]") {
  MemoryStore store;
  WatchedStreambuf buf;
  std::istream in(&buf);
  const Reply r = run(store, {"fetch"}, in);
  CHECK(r.exit_code == 1);
  CHECK(r.out == "docker-credential-darcy: unknown action: fetch\n");
  CHECK(buf.reads() == 0);
  CHECK(store.total_calls() == 0);

  // Case matters, and a newline in the argument cannot split the reply.
  CHECK(run(store, {"GET"}).out == "docker-credential-darcy: unknown action: GET\n");
  const Reply odd = run(store, {"ge\nt"});
  CHECK(odd.exit_code == 1);
  CHECK(is_one_line(odd.out));
}

TEST_CASE("is_protocol_action accepts the five actions and nothing else", "[protocol]") {
  for (const char* action : {"get", "store", "erase", "list", "version"}) {
    CHECK(is_protocol_action(action));
  }
  for (const char* other :
       {"", "-v", "--version", "-h", "--help", "GET", "get ", "delete", "add"}) {
    CHECK_FALSE(is_protocol_action(other));
  }
}

// ----------------------------------------------------------------------- get

TEST_CASE("get prints the credentials as compact JSON with keys in protocol order",
          "[protocol][get]") {
  MemoryStore store;
  store.put("127.0.0.1:5443", "alice", "pa55word");
  const Reply r = run(store, {"get"}, "127.0.0.1:5443");
  CHECK(r.exit_code == 0);
  CHECK(r.out == R"({"ServerURL":"127.0.0.1:5443","Username":"alice","Secret":"pa55word"})"
                 "\n");
  CHECK(store.last_server_url() == "127.0.0.1:5443");
}

TEST_CASE("get trims surrounding whitespace and a typed newline from the server URL",
          "[protocol][get]") {
  MemoryStore store;
  store.put("gcr.io", "_json_key", "k");
  for (const std::string input : {"gcr.io\n", "  gcr.io \r\n", "\tgcr.io\v\f", "\n\ngcr.io"}) {
    const Reply r = run(store, {"get"}, input);
    CHECK(r.exit_code == 0);
    CHECK(r.out == R"({"ServerURL":"gcr.io","Username":"_json_key","Secret":"k"})"
                   "\n");
    CHECK(store.last_server_url() == "gcr.io");
  }
}

TEST_CASE("get echoes the server URL it was asked for, not the one the store holds",
          "[protocol][get]") {
  MemoryStore inner;
  inner.put("registry.example", "bob", "s");
  SchemeStrippingStore store(inner);
  const Reply r = run(store, {"get"}, "https://registry.example\n");
  CHECK(r.exit_code == 0);
  CHECK(r.out == R"({"ServerURL":"https://registry.example","Username":"bob","Secret":"s"})"
                 "\n");
}

TEST_CASE("get of a host with nothing stored prints exactly the not-found text",
          "[protocol][get]") {
  MemoryStore store;
  store.put("gcr.io", "u", "s");
  const Reply r = run(store, {"get"}, "quay.io");
  CHECK(r.exit_code == 1);
  CHECK(r.out == "credentials not found in native keychain\n");
  CHECK(r.out == line(kErrCredentialsNotFound));
  CHECK(store.calls(Op::kGet) == 1);
}

TEST_CASE("get of empty or whitespace-only input reports the missing server URL",
          "[protocol][get]") {
  MemoryStore store;
  for (const std::string input : {"", "\n", "  \t\r\n "}) {
    const Reply r = run(store, {"get"}, input);
    CHECK(r.exit_code == 1);
    CHECK(r.out == "no credentials server URL\n");
  }
  CHECK(store.total_calls() == 0);
}

TEST_CASE("get from a failing store prints that error and never the not-found text",
          "[protocol][get]") {
  MemoryStore store;
  store.put("gcr.io", "u", "s");
  store.fail(Op::kGet, Error::Unavailable("controller at https://10.0.0.1:51121 unreachable "
                                          "and nothing cached for gcr.io"));
  Reply r = run(store, {"get"}, "gcr.io");
  CHECK(r.exit_code == 1);
  CHECK(r.out ==
        "controller at https://10.0.0.1:51121 unreachable and nothing cached for gcr.io\n");

  // A message over several lines is folded into one.
  store.fail(Op::kGet, Error::Tampered("vault entry for gcr.io failed authentication\n"
                                       "restore the vault from a backup\r\n"));
  r = run(store, {"get"}, "gcr.io");
  CHECK(r.exit_code == 1);
  CHECK(r.out == "vault entry for gcr.io failed authentication restore the vault from a backup\n");

  // Even a failure whose message happens to read as not-found must not pass
  // for one, and an empty message still yields a line.
  store.fail(Op::kGet, Error::IOError(std::string(kErrCredentialsNotFound)));
  r = run(store, {"get"}, "gcr.io");
  CHECK(r.exit_code == 1);
  CHECK(is_one_line(r.out));
  CHECK(r.out != line(kErrCredentialsNotFound));
  store.fail(Op::kGet, Error::IOError(""));
  r = run(store, {"get"}, "gcr.io");
  CHECK(r.exit_code == 1);
  CHECK(is_one_line(r.out));
  CHECK(r.out.size() > 1);
}

// --------------------------------------------------------------------- store

TEST_CASE("store saves the credentials, prints nothing, and get returns them",
          "[protocol][store]") {
  MemoryStore store;
  const Reply r = run(store, {"store"},
                      R"({"ServerURL":"127.0.0.1:5443","Username":"alice","Secret":"pw"})"
                      "\n");
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  REQUIRE(store.entries().size() == 1);
  CHECK(store.entries()[0].server_url == "127.0.0.1:5443");
  CHECK(store.entries()[0].username == "alice");
  CHECK(view(store.entries()[0].secret) == "pw");
  CHECK(run(store, {"get"}, "127.0.0.1:5443").out ==
        R"({"ServerURL":"127.0.0.1:5443","Username":"alice","Secret":"pw"})"
        "\n");
}

TEST_CASE("store matches keys ignoring case", "[protocol][store]") {
  MemoryStore store;
  const Reply r = run(store, {"store"}, R"({"serverurl":"gcr.io","USERNAME":"u","sEcReT":"s"})");
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  const Credentials* c = store.find("gcr.io");
  REQUIRE(c != nullptr);
  CHECK(c->username == "u");
  CHECK(view(c->secret) == "s");
}

TEST_CASE("an exact-case key wins over a differently cased duplicate", "[protocol][store]") {
  MemoryStore store;
  // "USERNAME" sorts before "Username"; the exact spelling still wins.
  const Reply r =
      run(store, {"store"},
          R"({"ServerURL":"gcr.io","USERNAME":"other","Username":"exact","Secret":""})");
  CHECK(r.exit_code == 0);
  REQUIRE(store.find("gcr.io") != nullptr);
  CHECK(store.find("gcr.io")->username == "exact");
}

TEST_CASE("store ignores unknown keys of any type", "[protocol][store]") {
  MemoryStore store;
  const Reply r =
      run(store, {"store"},
          R"({"Extra":1,"ServerURL":"gcr.io","Nested":{"Secret":5,"a":[true,null]},"Username":"u",)"
          R"("Secret":"s","Email":"x@example.com"})");
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  REQUIRE(store.find("gcr.io") != nullptr);
  CHECK(view(store.find("gcr.io")->secret) == "s");
}

TEST_CASE("an identity token stored under the escaped username <token> comes back unchanged",
          "[protocol][store]") {
  MemoryStore store;
  const std::string token =
      "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlLWJ5dGVz_-+/=";
  const Reply stored = run(store, {"store"},
                           R"({"ServerURL":"https://index.docker.io/v1/",)"
                           R"("Username":"\u003ctoken\u003e","Secret":")" +
                               token + "\"}\n");
  CHECK(stored.exit_code == 0);
  CHECK(stored.out.empty());
  const Credentials* c = store.find("https://index.docker.io/v1/");
  REQUIRE(c != nullptr);
  CHECK(c->username == "<token>");
  CHECK(view(c->secret) == token);

  const Reply got = run(store, {"get"}, "https://index.docker.io/v1/");
  CHECK(got.exit_code == 0);
  const auto parsed = nlohmann::json::parse(got.out);
  CHECK(parsed.at("Username") == "<token>");
  CHECK(parsed.at("Secret") == token);
}

TEST_CASE("store with an empty or missing ServerURL reports the missing server URL",
          "[protocol][store]") {
  MemoryStore store;
  for (const std::string body :
       {R"({"ServerURL":"","Username":"u","Secret":"s"})", R"({"Username":"u","Secret":"s"})",
        R"({"ServerURL":null,"Username":"u","Secret":"s"})",
        R"({"ServerURL":"","Username":"","Secret":""})"}) {
    const Reply r = run(store, {"store"}, body);
    CHECK(r.exit_code == 1);
    CHECK(r.out == "no credentials server URL\n");
  }
  CHECK(store.calls(Op::kAdd) == 0);
}

TEST_CASE("store with an empty or missing Username reports the missing username",
          "[protocol][store]") {
  MemoryStore store;
  for (const std::string body : {R"({"ServerURL":"gcr.io","Username":"","Secret":"s"})",
                                 R"({"ServerURL":"gcr.io","Secret":"s"})",
                                 R"({"ServerURL":"gcr.io","Username":null,"Secret":"s"})"}) {
    const Reply r = run(store, {"store"}, body);
    CHECK(r.exit_code == 1);
    CHECK(r.out == "no credentials username\n");
  }
  CHECK(store.calls(Op::kAdd) == 0);
}

TEST_CASE("store accepts an empty, null or missing Secret", "[protocol][store]") {
  MemoryStore store;
  for (const std::string body : {R"({"ServerURL":"a","Username":"u","Secret":""})",
                                 R"({"ServerURL":"b","Username":"u","Secret":null})",
                                 R"({"ServerURL":"c","Username":"u"})"}) {
    const Reply r = run(store, {"store"}, body);
    CHECK(r.exit_code == 0);
    CHECK(r.out.empty());
  }
  CHECK(store.entries().size() == 3);
  CHECK(run(store, {"get"}, "a").out == R"({"ServerURL":"a","Username":"u","Secret":""})"
                                        "\n");
}

TEST_CASE("store rejects malformed JSON with one line that does not quote the secret",
          "[protocol][store]") {
  MemoryStore store;
  const std::string secret = "S3cr3tValue";
  const std::string prefix = R"({"ServerURL":"gcr.io","Username":"u","Secret":)";
  for (const std::string& body : std::vector<std::string>{
           prefix + "\"" + secret,                 // unterminated string
           prefix + "\"" + secret + "\"",          // unterminated object
           prefix + secret + "}",                  // bare word
           prefix + "'" + secret + "'}",           // single quotes
           prefix + "\"" + secret + "\"}}",        // trailing garbage
           prefix + "\"" + secret + "\\x\"}",      // invalid escape
           prefix + "\"" + secret + "\n\"}",       // raw control character
           prefix + "\"" + secret + "\\ud800\"}",  // lone surrogate
           "{\"Secret\":\"" + secret + "\"} " + secret,
           "",
           "\n",
       }) {
    const Reply r = run(store, {"store"}, body);
    CHECK(r.exit_code == 1);
    CHECK(is_one_line(r.out));
    CHECK(r.out.rfind("invalid credentials JSON: ", 0) == 0);
    CHECK(r.out.find(secret) == std::string::npos);
  }
  CHECK(store.calls(Op::kAdd) == 0);
}

TEST_CASE("store rejects a JSON document that is not an object", "[protocol][store]") {
  MemoryStore store;
  for (const std::string body :
       {R"(["gcr.io","u","S3cr3t"])", R"("S3cr3t")", "42", "null", "true"}) {
    const Reply r = run(store, {"store"}, body);
    CHECK(r.exit_code == 1);
    CHECK(r.out ==
          "invalid credentials JSON: expected an object with ServerURL, Username and Secret\n");
  }
  CHECK(store.calls(Op::kAdd) == 0);
}

TEST_CASE("store rejects a non-string field, naming the field and not the value",
          "[protocol][store]") {
  MemoryStore store;
  struct Case {
    std::string body;
    std::string expected;
  };
  for (const Case& c : std::vector<Case>{
           {R"({"ServerURL":"gcr.io","Username":"u","Secret":123456789})",
            "invalid credentials JSON: the value of \"Secret\" is not a string\n"},
           {R"({"ServerURL":"gcr.io","Username":"u","secret":{"k":"S3cr3t"}})",
            "invalid credentials JSON: the value of \"Secret\" is not a string\n"},
           {R"({"ServerURL":"gcr.io","Username":["S3cr3t"],"Secret":"s"})",
            "invalid credentials JSON: the value of \"Username\" is not a string\n"},
           {R"({"ServerURL":true,"Username":"u","Secret":"s"})",
            "invalid credentials JSON: the value of \"ServerURL\" is not a string\n"},
       }) {
    const Reply r = run(store, {"store"}, c.body);
    CHECK(r.exit_code == 1);
    CHECK(r.out == c.expected);
    CHECK(r.out.find("123456789") == std::string::npos);
    CHECK(r.out.find("S3cr3t") == std::string::npos);
  }
  CHECK(store.calls(Op::kAdd) == 0);
}

TEST_CASE("store decodes \\u escapes, including surrogate pairs", "[protocol][store]") {
  const auto creds =
      parse_credentials(R"({"ServerURL":"r\u00e9gistry.example","Username":"\u003ctoken\u003e",)"
                        R"("Secret":"a\u0026b\ud83d\ude00\"\\\/\n"})");
  REQUIRE(creds.ok());
  CHECK(creds->server_url == "r\xc3\xa9gistry.example");
  CHECK(creds->username == "<token>");
  CHECK(view(creds->secret) == "a&b\xf0\x9f\x98\x80\"\\/\n");
}

TEST_CASE("store into a failing store prints that error", "[protocol][store]") {
  MemoryStore store;
  store.fail(Op::kAdd, Error::Permission("vault directory is writable by other users; "
                                         "run chmod 700 on it"));
  const Reply r = run(store, {"store"}, R"({"ServerURL":"gcr.io","Username":"u","Secret":"s"})");
  CHECK(r.exit_code == 1);
  CHECK(r.out == "vault directory is writable by other users; run chmod 700 on it\n");
}

TEST_CASE("a not-found answer to store is a failure, not the not-found text", "[protocol][store]") {
  MemoryStore store;
  store.fail(Op::kAdd, Error::NotFound("vault directory does not exist"));
  const Reply r = run(store, {"store"}, R"({"ServerURL":"gcr.io","Username":"u","Secret":"s"})");
  CHECK(r.exit_code == 1);
  CHECK(r.out == "vault directory does not exist\n");
}

TEST_CASE("a deeply nested unknown value is parsed without exhausting the stack",
          "[protocol][store]") {
  MemoryStore store;
  const std::string head = R"({"ServerURL":"gcr.io","Username":"u","Secret":"s","deep":)";
  const std::size_t depth = (kMaxInputBytes - head.size() - 1) / 2;  // as deep as fits
  const std::string body = head + std::string(depth, '[') + std::string(depth, ']') + "}";
  REQUIRE(body.size() <= kMaxInputBytes);
  const Reply r = run(store, {"store"}, body);
  CHECK(r.exit_code == 0);
  CHECK(store.find("gcr.io") != nullptr);
}

// ---------------------------------------------------------------- input size

TEST_CASE("input larger than the limit is refused with an error naming the limit",
          "[protocol][limits]") {
  REQUIRE(kMaxInputBytes == 1048576);
  MemoryStore store;
  const std::string expected = "input too large: more than 1048576 bytes\n";

  std::string body = R"({"ServerURL":"gcr.io","Username":"u","Secret":")";
  body += std::string(kMaxInputBytes + 1 - body.size() - 2, 'x') + "\"}";
  REQUIRE(body.size() == kMaxInputBytes + 1);
  Reply r = run(store, {"store"}, body);
  CHECK(r.exit_code == 1);
  CHECK(r.out == expected);

  const std::string url = "gcr.io" + std::string(kMaxInputBytes + 1 - 6, ' ');
  REQUIRE(url.size() == kMaxInputBytes + 1);
  r = run(store, {"get"}, url);
  CHECK(r.exit_code == 1);
  CHECK(r.out == expected);
  r = run(store, {"erase"}, url);
  CHECK(r.exit_code == 1);
  CHECK(r.out == expected);
  CHECK(store.total_calls() == 0);
}

TEST_CASE("input of exactly the limit is accepted", "[protocol][limits]") {
  MemoryStore store;
  std::string body = R"({"ServerURL":"gcr.io","Username":"u","Secret":")";
  const std::size_t secret_size = kMaxInputBytes - body.size() - 2;
  body += std::string(secret_size, 'x') + "\"}";
  REQUIRE(body.size() == kMaxInputBytes);
  Reply r = run(store, {"store"}, body);
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  REQUIRE(store.find("gcr.io") != nullptr);
  CHECK(store.find("gcr.io")->secret.size() == secret_size);

  const std::string url = "gcr.io" + std::string(kMaxInputBytes - 6, '\n');
  REQUIRE(url.size() == kMaxInputBytes);
  r = run(store, {"get"}, url);
  CHECK(r.exit_code == 0);
  CHECK(r.out == R"({"ServerURL":"gcr.io","Username":"u","Secret":")" +
                     std::string(secret_size, 'x') + "\"}\n");
}

TEST_CASE("an endless input is refused after reading little more than the limit",
          "[protocol][limits]") {
  EndlessStreambuf buf;
  std::istream in(&buf);
  const auto input = read_input(in);
  REQUIRE_FALSE(input.ok());
  CHECK(input.error().code() == ErrorCode::kInvalidInput);
  CHECK(input.error().message() == "input too large: more than 1048576 bytes");
  // Not one read past the byte that shows the limit is exceeded (the stream
  // buffer hands out 4 KiB at a time).
  CHECK(buf.served() <= kMaxInputBytes + 4096);

  std::istringstream small("0123456789");
  CHECK(read_input(small, 10).ok());
  std::istringstream over("0123456789A");
  CHECK_FALSE(read_input(over, 10).ok());
}

TEST_CASE("a 64 KiB secret round-trips through store and get", "[protocol][limits]") {
  MemoryStore store;
  std::string secret(64 * 1024, '\0');
  for (std::size_t i = 0; i < secret.size(); ++i) {
    secret[i] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[i % 64];
  }
  CHECK(run(store, {"store"}, store_body("gcr.io", "u", secret)).exit_code == 0);
  const Reply r = run(store, {"get"}, "gcr.io");
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == R"({"ServerURL":"gcr.io","Username":"u","Secret":")" + secret + "\"}\n");
}

TEST_CASE("a GCR _json_key secret with quotes, newlines and unicode round-trips",
          "[protocol][limits]") {
  MemoryStore store;
  std::string private_key = "-----BEGIN PRIVATE KEY-----\n";
  for (int i = 0; i < 26; ++i) {
    private_key += "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n";
  }
  private_key += "-----END PRIVATE KEY-----\n";
  const nlohmann::json key_file = {
      {"type", "service_account"},
      {"project_id", "edge-fleet-prod"},
      {"private_key_id", "4f1c2b7e9d0a8c6b5e3f1a2d4c6b8e0f9a7c5d3b"},
      {"private_key", private_key},
      {"client_email", "puller@edge-fleet-prod.iam.gserviceaccount.com"},
      {"client_id", "104729384756102938475"},
      {"auth_uri", "https://accounts.google.com/o/oauth2/auth"},
      {"token_uri", "https://oauth2.googleapis.com/token"},
      {"description", "Zugang für Knoten \"Süd\" — 日本 <edge> & more"},
  };
  const std::string secret = key_file.dump(2);  // multi-line, quotes, UTF-8
  REQUIRE(secret.size() > 2000);
  REQUIRE(secret.size() < 3000);
  REQUIRE(secret.find('\n') != std::string::npos);

  // docker login sends the key file as the password, JSON-escaped like Go does.
  std::string body = store_body("gcr.io", "_json_key", secret);
  CHECK(run(store, {"store"}, body).exit_code == 0);
  REQUIRE(store.find("gcr.io") != nullptr);
  CHECK(view(store.find("gcr.io")->secret) == secret);

  const Reply r = run(store, {"get"}, "gcr.io");
  REQUIRE(r.exit_code == 0);
  CHECK(is_one_line(r.out));
  const auto parsed = nlohmann::json::parse(r.out);
  CHECK(parsed.at("Username") == "_json_key");
  CHECK(parsed.at("Secret") == secret);
  CHECK(nlohmann::json::parse(parsed.at("Secret").get<std::string>()) == key_file);
}

// --------------------------------------------------------------------- erase

TEST_CASE("erase removes the entry and prints nothing", "[protocol][erase]") {
  MemoryStore store;
  store.put("gcr.io", "u", "s");
  store.put("quay.io", "v", "t");
  const Reply r = run(store, {"erase"}, "gcr.io\n");
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  CHECK(store.last_server_url() == "gcr.io");
  CHECK(store.find("gcr.io") == nullptr);
  CHECK(store.find("quay.io") != nullptr);
  CHECK(run(store, {"get"}, "gcr.io").out == line(kErrCredentialsNotFound));
}

TEST_CASE("erase of a host with nothing stored prints exactly the not-found text",
          "[protocol][erase]") {
  MemoryStore store;
  store.put("gcr.io", "u", "s");
  const Reply r = run(store, {"erase"}, "https://gcr.io");
  CHECK(r.exit_code == 1);
  CHECK(r.out == "credentials not found in native keychain\n");
  CHECK(store.entries().size() == 1);
}

TEST_CASE("erase of empty input reports the missing server URL", "[protocol][erase]") {
  MemoryStore store;
  const Reply r = run(store, {"erase"}, " \n");
  CHECK(r.exit_code == 1);
  CHECK(r.out == "no credentials server URL\n");
  CHECK(store.total_calls() == 0);
}

TEST_CASE("erase from a failing store prints that error, not the not-found text",
          "[protocol][erase]") {
  MemoryStore store;
  store.put("gcr.io", "u", "s");
  store.fail(Op::kErase, Error::Locked("vault is locked by another process"));
  const Reply r = run(store, {"erase"}, "gcr.io");
  CHECK(r.exit_code == 1);
  CHECK(r.out == "vault is locked by another process\n");
}

// ---------------------------------------------------------------------- list

TEST_CASE("list of an empty store prints {} and a newline", "[protocol][list]") {
  MemoryStore store;
  const Reply r = run(store, {"list"}, "unused");
  CHECK(r.exit_code == 0);
  CHECK(r.out == "{}\n");
}

TEST_CASE("list prints server URL to username for every entry, in store order",
          "[protocol][list]") {
  MemoryStore store;
  store.put("quay.io", "robot+ci", "s1");
  store.put("127.0.0.1:5443", "alice", "s2");
  store.put("https://index.docker.io/v1/", "<token>", "s3");
  const Reply r = run(store, {"list"}, "unused");
  CHECK(r.exit_code == 0);
  CHECK(r.out == R"({"quay.io":"robot+ci","127.0.0.1:5443":"alice",)"
                 R"("https://index.docker.io/v1/":"<token>"})"
                 "\n");
  CHECK(r.out.find("s1") == std::string::npos);
  CHECK(store.calls(Op::kGet) == 0);
}

TEST_CASE("list does not read stdin at all", "[protocol][list]") {
  MemoryStore store;
  store.put("gcr.io", "u", "s");
  WatchedStreambuf buf;
  std::istream in(&buf);
  const Reply r = run(store, {"list"}, in);
  CHECK(r.exit_code == 0);
  CHECK(r.out == R"({"gcr.io":"u"})"
                 "\n");
  CHECK(buf.reads() == 0);

  // Whatever clients send is ignored, however large.
  const Reply big = run(store, {"list"}, std::string(kMaxInputBytes * 2, 'u'));
  CHECK(big.exit_code == 0);
  CHECK(big.out == r.out);
}

TEST_CASE("list from a failing store prints that error; a not-found answer lists as empty",
          "[protocol][list]") {
  MemoryStore store;
  store.put("gcr.io", "u", "s");
  store.fail(Op::kList, Error::Corruption("vault index is not valid JSON"));
  Reply r = run(store, {"list"});
  CHECK(r.exit_code == 1);
  CHECK(r.out == "vault index is not valid JSON\n");

  store.fail(Op::kList, Error::NotFound("no vault yet"));
  r = run(store, {"list"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "{}\n");
}

TEST_CASE("fail_all makes every action report the chosen error", "[protocol]") {
  MemoryStore store;
  store.put("gcr.io", "u", "s");
  store.fail_all(Error::Unavailable("controller unreachable"));
  CHECK(run(store, {"get"}, "gcr.io").out == "controller unreachable\n");
  CHECK(run(store, {"erase"}, "gcr.io").out == "controller unreachable\n");
  CHECK(run(store, {"list"}).out == "controller unreachable\n");
  CHECK(run(store, {"store"}, store_body("a", "b", "c")).out == "controller unreachable\n");
  store.clear_failures();
  CHECK(run(store, {"get"}, "gcr.io").exit_code == 0);
}

// ------------------------------------------------------------------ escaping

TEST_CASE("quotes, backslashes and control characters in output round-trip through a JSON parser",
          "[protocol][escaping]") {
  MemoryStore store;
  std::string nasty = "q\"b\\s/ \x7f unicode: \xc3\xa9\xe2\x80\xa8 ctl:";
  for (char c = 1; c < 0x20; ++c) nasty.push_back(c);
  nasty.push_back('\0');
  nasty += "end";
  const std::string url = "host/\"quoted\"\\path";

  REQUIRE(run(store, {"store"}, store_body(url, nasty, nasty + "secret")).exit_code == 0);
  const Reply got = run(store, {"get"}, url);
  REQUIRE(got.exit_code == 0);
  CHECK(is_one_line(got.out));
  const auto parsed = nlohmann::json::parse(got.out);
  CHECK(parsed.size() == 3);
  CHECK(parsed.at("ServerURL") == url);
  CHECK(parsed.at("Username") == nasty);
  CHECK(parsed.at("Secret") == nasty + "secret");
  // Compact, in protocol key order.
  CHECK(got.out.rfind(R"({"ServerURL":"host/\"quoted\"\\path","Username":"q\"b\\s/ )", 0) == 0);

  const Reply listed = run(store, {"list"});
  REQUIRE(listed.exit_code == 0);
  CHECK(is_one_line(listed.out));
  CHECK(nlohmann::json::parse(listed.out) == nlohmann::json{{url, nasty}});
}

// ------------------------------------------------------------------- streams

TEST_CASE("a reply that cannot be written gives exit code 1", "[protocol]") {
  MemoryStore store;
  store.put("gcr.io", "u", "s");
  std::istringstream in("gcr.io");
  std::ostringstream out;
  out.setstate(std::ios::badbit);
  CHECK(serve({"get"}, in, out, store) == 1);
}

}  // namespace
}  // namespace darcy::helper

TEST_CASE("a store body with a NUL byte is refused, whatever follows it") {
  const std::string body =
      std::string(R"({"ServerURL":"a.example.com","Username":"u","Secret":"s"})") + '\0' +
      " trailing garbage";
  auto creds = darcy::helper::parse_credentials(body);
  REQUIRE_FALSE(creds.ok());
  CHECK_THAT(creds.error().message(), Catch::Contains("NUL byte at byte 58"));
}
