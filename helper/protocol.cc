#include "helper/protocol.h"

#include <algorithm>
#include <array>
#include <exception>
#include <ios>
#include <istream>
#include <new>
#include <ostream>
#include <utility>

namespace darcy::helper {
namespace {

constexpr std::string_view kAsciiWhitespace = " \t\n\v\f\r";

std::string_view trim_ascii(std::string_view s) {
  const std::size_t first = s.find_first_not_of(kAsciiWhitespace);
  if (first == std::string_view::npos) return {};
  const std::size_t last = s.find_last_not_of(kAsciiWhitespace);
  return s.substr(first, last - first + 1);
}

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool ascii_iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return ascii_lower(x) == ascii_lower(y);
         });
}

// The message as one line: every run of CR/LF becomes one space, and the ends
// are trimmed. Never empty.
std::string one_line(std::string_view message) {
  std::string line;
  line.reserve(message.size());
  bool in_break = false;
  for (char c : message) {
    if (c == '\n' || c == '\r') {
      if (!in_break) line.push_back(' ');
      in_break = true;
    } else {
      line.push_back(c);
      in_break = false;
    }
  }
  line = std::string(trim_ascii(line));
  if (line.empty()) line = "unspecified error";
  return line;
}

// The line that reports `error` to the client. Only a not-found error of an
// action where clients look for it may read as the not-found text; any other
// error that happens to say the same is prefixed, so no client mistakes a
// failure for "no credentials".
std::string error_line(const Error& error, bool not_found_allowed) {
  if (not_found_allowed && error.is_not_found()) return std::string(kErrCredentialsNotFound);
  std::string line = one_line(error.message());
  if (line == kErrCredentialsNotFound) line = "credential store error: " + line;
  return line;
}

// Writes `bytes` and flushes; false if the stream failed.
bool write_reply(std::ostream& out, std::string_view bytes) {
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.flush();
  return static_cast<bool>(out);
}

int fail(std::ostream& out, const Error& error, bool not_found_allowed = false) {
  const std::string line = error_line(error, not_found_allowed) + "\n";
  write_reply(out, line);
  return 1;
}

// get and erase: stdin is the server URL; people typing it add a newline.
Result<std::string> read_server_url(std::istream& in) {
  Result<SecureString> input = read_input(in);
  if (!input.ok()) return std::move(input).error();
  const std::string_view url = trim_ascii(view(*input));
  if (url.empty()) return Error::InvalidInput(std::string(kErrMissingServerURL));
  return std::string(url);
}

int run_get(std::istream& in, std::ostream& out, CredentialStore& store) {
  Result<std::string> server_url = read_server_url(in);
  if (!server_url.ok()) return fail(out, server_url.error());
  Result<Credentials> creds = store.get(*server_url);
  if (!creds.ok()) return fail(out, creds.error(), /*not_found_allowed=*/true);

  // Built in guarded memory so the secret never sits in an ordinary string.
  SecureString reply;
  reply.append(R"({"ServerURL":)");
  append_json_string(reply, *server_url);
  reply.append(R"(,"Username":)");
  append_json_string(reply, creds->username);
  reply.append(R"(,"Secret":)");
  append_json_string(reply, view(creds->secret));
  reply.append("}\n");
  return write_reply(out, view(reply)) ? 0 : 1;
}

int run_store(std::istream& in, CredentialStore& store, std::ostream& out) {
  Result<SecureString> input = read_input(in);
  if (!input.ok()) return fail(out, input.error());
  Result<Credentials> creds = parse_credentials(view(*input));
  if (!creds.ok()) return fail(out, creds.error());
  Status added = store.add(*creds);
  if (!added.ok()) return fail(out, added.error());
  return 0;
}

int run_erase(std::istream& in, std::ostream& out, CredentialStore& store) {
  Result<std::string> server_url = read_server_url(in);
  if (!server_url.ok()) return fail(out, server_url.error());
  Status erased = store.erase(*server_url);
  if (!erased.ok()) return fail(out, erased.error(), /*not_found_allowed=*/true);
  return 0;
}

// Entries appear in the order the store lists them. A store with nothing in
// it (even one that answers kNotFound) lists as {}: list is never an error
// for want of entries.
int run_list(std::ostream& out, CredentialStore& store) {
  auto entries = store.list();
  if (!entries.ok() && !entries.error().is_not_found()) return fail(out, entries.error());
  SecureString reply = "{";
  if (entries.ok()) {
    bool first = true;
    for (const auto& [server_url, username] : *entries) {
      if (!first) reply.push_back(',');
      first = false;
      append_json_string(reply, server_url);
      reply.push_back(':');
      append_json_string(reply, username);
    }
  }
  reply.append("}\n");
  return write_reply(out, view(reply)) ? 0 : 1;
}

int print_line(std::ostream& out, std::string_view line, int exit_code) {
  std::string text(line);
  text.push_back('\n');
  return write_reply(out, text) ? exit_code : 1;
}

int serve_unguarded(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
                    CredentialStore& store) {
  if (args.size() != 1) return print_line(out, kUsage, 1);
  const std::string& action = args.front();
  if (action == "-v" || action == "--version" || action == "version") {
    return print_line(out, kVersionLine, 0);
  }
  if (action == "-h" || action == "--help") return print_line(out, kUsage, 0);
  if (action == "get") return run_get(in, out, store);
  if (action == "store") return run_store(in, store, out);
  if (action == "erase") return run_erase(in, out, store);
  if (action == "list") return run_list(out, store);
  return print_line(out, one_line(unknown_action_message(action)), 1);
}

// The three fields of the store body; `name` is the spelling that wins ties.
struct Field {
  std::string_view name;
  const SecureString* value = nullptr;
};

// Finds `field.name` among the keys of `object`, ignoring ASCII case; an
// exact-case key wins over other spellings. InvalidInput if the value is
// neither a string nor null.
Status find_field(const SecureJson& object, Field& field) {
  const SecureJson* match = nullptr;
  bool exact = false;
  for (auto it = object.begin(); it != object.end(); ++it) {
    const std::string_view key = view(it.key());
    if (key == field.name) {
      match = &it.value();
      exact = true;
    } else if (!exact && match == nullptr && ascii_iequal(key, field.name)) {
      match = &it.value();
    }
  }
  if (match == nullptr || match->is_null()) return Ok();
  if (!match->is_string()) {
    return Error::InvalidInput("invalid credentials JSON: the value of \"" +
                               std::string(field.name) + "\" is not a string");
  }
  field.value = match->get_ptr<const SecureString*>();
  return Ok();
}

}  // namespace

std::string unknown_action_message(std::string_view action) {
  return std::string(kProgramName) + ": unknown action: " + std::string(action);
}

bool is_protocol_action(std::string_view arg) {
  static constexpr std::array<std::string_view, 5> kActions = {"get", "store", "erase", "list",
                                                               "version"};
  return std::find(kActions.begin(), kActions.end(), arg) != kActions.end();
}

Result<SecureString> read_input(std::istream& in, std::size_t limit) {
  constexpr std::size_t kChunk = 1024;
  SecureString data;
  try {
    for (;;) {
      // Never ask for more than one byte past the limit.
      // Grows with the input: a get's server URL needs one small read.
      const std::size_t want = std::min(std::max(kChunk, data.size()), limit - data.size() + 1);
      const std::size_t old_size = data.size();
      data.resize(old_size + want);
      in.read(data.data() + old_size, static_cast<std::streamsize>(want));
      const auto got = static_cast<std::size_t>(in.gcount());
      data.resize(old_size + got);
      if (data.size() > limit) {
        return Error::InvalidInput("input too large: more than " + std::to_string(limit) +
                                   " bytes");
      }
      if (got < want) break;
    }
  } catch (const std::ios_base::failure&) {
    return Error::IOError("cannot read the input");
  }
  if (in.bad()) return Error::IOError("cannot read the input");
  return data;
}

Result<Credentials> parse_credentials(std::string_view json) {
  if (trim_ascii(json).empty()) return Error::InvalidInput("invalid credentials JSON: no input");
  // nlohmann's parser stops at a NUL byte and would ignore what follows it.
  if (const auto nul = json.find('\0'); nul != std::string_view::npos) {
    return Error::InvalidInput("invalid credentials JSON: a NUL byte at byte " +
                               std::to_string(nul + 1));
  }
  SecureJson doc;
  try {
    doc = SecureJson::parse(json.begin(), json.end());
  } catch (const SecureJson::parse_error& e) {
    // e.what() quotes the offending token, which may be the secret.
    return Error::InvalidInput("invalid credentials JSON: syntax error at byte " +
                               std::to_string(e.byte));
  } catch (const SecureJson::exception&) {
    return Error::InvalidInput("invalid credentials JSON: a value is out of range");
  }
  if (!doc.is_object()) {
    return Error::InvalidInput(
        "invalid credentials JSON: expected an object with ServerURL, Username and Secret");
  }
  Field server_url{"ServerURL"};
  Field username{"Username"};
  Field secret{"Secret"};
  DARCY_TRY(find_field(doc, server_url));
  DARCY_TRY(find_field(doc, username));
  DARCY_TRY(find_field(doc, secret));
  if (server_url.value == nullptr || server_url.value->empty()) {
    return Error::InvalidInput(std::string(kErrMissingServerURL));
  }
  if (username.value == nullptr || username.value->empty()) {
    return Error::InvalidInput(std::string(kErrMissingUsername));
  }
  Credentials creds;
  creds.server_url = std::string(view(*server_url.value));
  creds.username = std::string(view(*username.value));
  if (secret.value != nullptr) creds.secret = *secret.value;
  return creds;
}

int serve(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
          CredentialStore& store) {
  // No exception crosses this boundary; main() only returns the code.
  try {
    return serve_unguarded(args, in, out, store);
  } catch (const std::bad_alloc&) {
    try {
      return fail(out, Error::IOError("out of memory"));
    } catch (...) {
      return 1;
    }
  } catch (const std::exception& e) {
    try {
      return fail(out, Error::IOError(std::string("internal error: ") + e.what()));
    } catch (...) {
      return 1;
    }
  } catch (...) {
    try {
      return fail(out, Error::IOError("internal error"));
    } catch (...) {
      return 1;
    }
  }
}

}  // namespace darcy::helper
