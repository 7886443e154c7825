// darcy-fetch's command line: the one program that talks to the controller.
// docker-credential-darcy runs it for a missing or stale entry and for `sync`
// and `enroll`; operators may run it too. It reads node.pub, never node.key.
//
//   darcy-fetch sync           refresh every registry (If-None-Match)
//   darcy-fetch registry ID    refresh one registry by ID; 404 drops it
//   darcy-fetch enroll         upload node.pub to the controller
//
// Results go to `out`; errors to `err` as one line "darcy-fetch: <message>".
// Exit 0 on success, 1 on failure, 2 on a usage error.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "helper/config.h"
#include "helper/fetch/http_client.h"
#include "vault/clock.h"
#include "vault/file_system.h"

namespace darcy::fetch {

inline constexpr std::size_t kMaxTokenBytes = 64 * 1024;

// Reads the agent token from `path`: a private file (as node.key), trimmed of
// surrounding whitespace, not empty.
Result<SecureString> read_token(vault::FileSystem& fs, const std::string& path);

// Runs darcy-fetch with `args` (without argv[0]). `http` may be null: then a
// CurlHttpClient is built from the configuration.
int run_fetch(const std::vector<std::string>& args, const helper::Environment& env,
              vault::FileSystem& fs, const vault::Clock& clock, HttpClient* http,
              std::ostream& out, std::ostream& err);

}  // namespace darcy::fetch
