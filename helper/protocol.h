// The Docker credential-helper protocol (docs/protocol.md), on streams and an
// abstract CredentialStore.
//
// serve() is everything docker-credential-darcy does between argv and the exit
// code: it picks the action, reads stdin, asks the store and writes the reply
// or one error line to stdout. It knows nothing about where credentials live;
// main() passes std::cin, std::cout and the vault-backed store, tests pass
// string streams and an in-memory store.
//
// The error texts below are part of the protocol: Docker and skopeo compare
// them byte for byte, so they live here as named constants that tests pin.
//
// Thread safety: serve() holds no state of its own; concurrent calls are as
// safe as the store and streams they are given.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "helper/credential_store.h"
#include "vault/result.h"
#include "vault/secure_memory.h"

#ifndef DARCY_VERSION
#define DARCY_VERSION "0.0.0"  // the build defines the project version
#endif

namespace darcy::helper {

inline constexpr std::string_view kProgramName = "docker-credential-darcy";
inline constexpr std::string_view kVersion = DARCY_VERSION;

// Printed for `version`, `-v` and `--version`.
inline constexpr std::string_view kVersionLine = "docker-credential-darcy (darcy) " DARCY_VERSION;
// Printed for a wrong argument count (exit 1) and for `-h`/`--help` (exit 0).
inline constexpr std::string_view kUsage =
    "Usage: docker-credential-darcy <store|get|erase|list|version>";
// `get`/`erase`: nothing maps to this host. Clients treat this text, and only
// this text, as "continue without credentials".
inline constexpr std::string_view kErrCredentialsNotFound =
    "credentials not found in native keychain";
inline constexpr std::string_view kErrMissingServerURL = "no credentials server URL";
inline constexpr std::string_view kErrMissingUsername = "no credentials username";

// The most stdin an action reads. Larger input is refused, not truncated.
inline constexpr std::size_t kMaxInputBytes = 1024 * 1024;

// "docker-credential-darcy: unknown action: <action>".
std::string unknown_action_message(std::string_view action);

// True for the five actions of the protocol: get, store, erase, list, version.
// (Not for the -v/--version/-h/--help flags.)
bool is_protocol_action(std::string_view arg);

// Reads all of `in` into guarded memory, at most `limit` bytes. Reads in
// chunks and stops after limit + 1 bytes, so an endless stream costs no more
// than that. InvalidInput ("input too large: more than <limit> bytes") when
// there is more; IOError when the stream fails.
Result<SecureString> read_input(std::istream& in, std::size_t limit = kMaxInputBytes);

// Parses the body of `store`: a JSON object whose keys ServerURL, Username
// and Secret are matched ignoring ASCII case (an exact-case key wins over a
// differently cased one); other keys are ignored, a null value counts as
// absent (as Go's encoding/json does). InvalidInput for malformed JSON, a
// non-object, a non-string field, an empty ServerURL (kErrMissingServerURL)
// or an empty Username (kErrMissingUsername); an empty Secret is valid.
// Error messages never quote the input, which holds the secret. The parsed
// document lives in guarded memory (SecureJson).
Result<Credentials> parse_credentials(std::string_view json);

// Runs the helper. `args` is argv without the program name. Writes the reply
// (or nothing, for store/erase) to `out` and returns 0, or writes one error
// line to `out` and returns 1; no other output, no other exit codes. Reads
// `in` only for get, store and erase.
int serve(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
          CredentialStore& store);

}  // namespace darcy::helper
