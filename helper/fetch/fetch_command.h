// darcy-fetch's command line: the one program that talks to the controller.
// docker-credential-darcy runs it for a missing or stale entry and for `sync`
// and `enroll`; operators may run it too. It reads node.pub, never node.key.
//
//   darcy-fetch sync           refresh every registry (If-None-Match)
//   darcy-fetch registry ID    refresh one registry by ID; 404 drops it
//   darcy-fetch enroll         upload node.pub to the controller
//   darcy-fetch status         check the controller; the vault is not touched
//
// Results go to `out`; errors to `err` as one line "darcy-fetch: <message>".
// Exit 0 on success, 1 on failure, 2 on a usage error.
//
// `status` is what `docker-credential-darcy doctor` runs. It sends
// GET /api/v3/status without a token (ioFog's status is public), then, if that
// got any HTTP answer, GET /api/v3/agent/registries with the token (no
// If-None-Match, so the rows come back), and prints one JSON object on one
// line of `out`, whatever happened:
//   reachable          true if /api/v3/status got an HTTP answer (TLS, CA and
//                      pin accepted); false on any transport failure
//   httpStatus         that answer's status, or null
//   tls                "ok" (https, verified), "none" (plain http), null if unreachable
//   date               its Date header as sent, or null
//   controllerVersion  versions.controller of its body, or null
//   error              the transport failure (DNS, connect, TLS, pin, timeout), or null
//   tokenAccepted      true if the list was answered 200, false if it was
//                      refused with 401/403, null if not asked or another failure
//   registries         the number of rows listed, or null
//   sealed             whether the controller seals passwords to this node:
//                      false if any row carries a plain "password" (a stock
//                      ioFog controller, or this node is not enrolled); true if
//                      rows carry credentials and all of them are "sealed"
//                      (enrolled); null if no row carries credentials (cannot tell)
//   probe              when sealed is true, the first sealed row as
//                      {"id","url","username","sealed"}, so that the holder of
//                      node.key can check that it opens (the controller seals to
//                      this node's key, not to an older one); else null
//   listError          why the list failed (token file, HTTP status, bad body), or null
// Plain passwords and the token are never printed. Exit 0 when the controller
// is reachable and accepted the token, else 1 with the first failure on `err`.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "helper/config.h"
#include "helper/fetch/http_client.h"
#include "vault/clock.h"
#include "vault/file_system.h"

namespace darcy::fetch {


// Runs darcy-fetch with `args` (without argv[0]). `http` may be null: then a
// CurlHttpClient is built from the configuration.
int run_fetch(const std::vector<std::string>& args, const helper::Environment& env,
              vault::FileSystem& fs, const vault::Clock& clock, HttpClient* http,
              std::ostream& out, std::ostream& err);

}  // namespace darcy::fetch
