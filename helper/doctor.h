// Doctor: the checks behind `docker-credential-darcy doctor`, the command an
// operator runs when a pull fails (DESIGN.md section 9). Each check looks at
// one thing (the config file, the vault's permissions, the node key, the
// token file, darcy-fetch, the controller, the index, Docker's config.json)
// and reports OK, WARN or FAIL with what it found and, for WARN and FAIL, the
// fix. Nothing is changed: the checks only read.
//
// The helper never talks to the network: the controller is checked by
// running `darcy-fetch status` (fetch_command.h describes its JSON line)
// through the StatusRunner seam, so tests can answer anything.
//
// No result ever holds a secret: not the agent token, not a registry
// password, not the user information of a URL, not a sealed blob.
//
// Thread safety: the functions are independent; each uses only what it is
// given.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "helper/config.h"
#include "helper/fetcher.h"
#include "helper/registry_match.h"
#include "vault/clock.h"
#include "vault/file_system.h"
#include "vault/result.h"
#include "vault/vault.h"

namespace darcy::helper {

enum class CheckStatus { kOk, kWarn, kFail };

// "OK", "WARN" or "FAIL".
std::string_view to_string(CheckStatus status);

struct CheckResult {
  std::string check;   // which check: "config", "vault-dir", "node-key", ...
  CheckStatus status = CheckStatus::kOk;
  std::string detail;  // what was found, one line
  std::string fix;     // for WARN and FAIL: what to do; empty for OK
};

// Clock skew against the controller's Date header: from kSkewWarnSeconds a
// WARN (log times disagree, ttl and grace are judged on a clock the
// controller does not share); from kSkewFailSeconds a FAIL (certificate
// validity and token expiry are judged wrongly: TLS may fail at any time).
inline constexpr std::int64_t kSkewWarnSeconds = 60;
inline constexpr std::int64_t kSkewFailSeconds = 3600;

// At most this many hosts or entries are named in one line; the rest are counted.
inline constexpr std::size_t kMaxNamesPerLine = 10;

// The parsed JSON line of `darcy-fetch status` (fetch_command.h).
struct ControllerReport {
  bool reachable = false;
  std::optional<long> http_status;
  std::string tls;                // "ok", "none" or empty
  std::string date;               // the Date header, or empty
  std::string controller_version;
  std::string error;              // transport failure, or empty
  std::optional<bool> token_accepted;
  std::optional<std::int64_t> registries;
  std::optional<bool> sealed;
  std::optional<vault::Entry> probe;  // a sealed row, as an entry to open
  std::string list_error;
};

// Parses the last line of `text` that is a JSON object; kInvalidInput if
// there is none or it lacks `reachable`.
Result<ControllerReport> parse_controller_report(std::string_view text);

// Parses an HTTP date in IMF-fixdate form ("Sun, 06 Nov 1994 08:49:37 GMT")
// to Unix seconds; nullopt for anything else.
std::optional<std::int64_t> parse_http_date(std::string_view date);

// `url` without user information (`https://user:pw@host/` -> `https://host/`).
std::string without_userinfo(std::string_view url);

// Runs `darcy-fetch status` and returns what it printed.
class StatusRunner {
 public:
  virtual ~StatusRunner() = default;
  virtual Result<FetchOutput> run_status() = 0;
};

// StatusRunner over the real darcy-fetch.
class ProcessStatusRunner : public StatusRunner {
 public:
  explicit ProcessStatusRunner(std::string fetch_path) : fetcher_(std::move(fetch_path)) {}
  Result<FetchOutput> run_status() override { return fetcher_.run_output({"status"}); }

 private:
  ProcessFetcher fetcher_;
};

// --- the checks, in the order doctor runs them ---------------------------

// "config": the file read (or that none was and defaults apply); a load_config
// error is a FAIL with its message. "controller-url": none configured is a
// WARN (a local store only); plain http a WARN.
std::vector<CheckResult> check_config(const Result<Config>& config, const Environment& env);

// "vault-dir" (exists, a directory, ours, 0700), "node-key" (present, 0600,
// its public half matches its secret half), "node-pub" (matches node.key).
std::vector<CheckResult> check_vault(vault::FileSystem& fs, const Config& config);

// "token-file": configured and readable by read_token (token_file.h), the
// same rules darcy-fetch applies. The token is read into guarded memory and
// dropped.
CheckResult check_token_file(vault::FileSystem& fs, const Config& config);

// "darcy-fetch": what ProcessFetcher::locate found.
CheckResult check_darcy_fetch(const Result<std::string>& located);

// "controller" (reachable over TLS with the configured CA and pin), "token"
// (the controller accepted it; left out when `token_file_ok` is false, as the
// token-file check already failed), "clock" (skew against the Date header),
// "enrollment" (whether the controller seals to this node's key: the probe is
// opened with `vault`'s node key; left out when `vault` is null), from one run
// of `darcy-fetch status`.
std::vector<CheckResult> check_controller(const Result<FetchOutput>& run, std::int64_t now,
                                          const vault::Vault* vault, bool token_file_ok);

// "index" (sync time against ttl), "entries" (cached controller secrets past
// ttl: WARN; past grace: FAIL), "duplicates" (several controller entries for
// one host and no pin), "pins" (a pin that names no entry of its host, or a
// host that does not normalise), "urls" (entries whose url does not
// normalise; the node's local cache, registry 2, is expected to).
// `controller` is whether a controller-url is configured (without one only
// entries stored by hand exist and nothing ages).
std::vector<CheckResult> check_index(const vault::Index& index, const Config& config,
                                     std::int64_t now, bool controller);

// "docker-config": Docker's config.json names "darcy" (in credHelpers, or as
// credsStore) for every host the vault answers with credentials; a WARN lists
// those it does not, and another the hosts it sends to darcy that no entry
// answers. The file's other content (auths holds passwords) is never shown.
std::vector<CheckResult> check_docker_config(vault::FileSystem& fs, const Environment& env,
                                             const vault::Index& index,
                                             const std::vector<KeyPin>& pins);

// Everything doctor needs from outside.
struct DoctorInputs {
  vault::FileSystem& fs;
  const vault::Clock& clock;
  const Environment& env;
  Result<std::string> fetch_path;  // ProcessFetcher::locate's answer
  StatusRunner* status = nullptr;  // null: the controller is not checked
};

// Runs every check that applies, in order. Checks that depend on something
// that failed (no config, no vault, no darcy-fetch) are left out: the failure
// before them says what to fix first.
std::vector<CheckResult> run_checks(DoctorInputs& inputs);

// True if any result is a FAIL.
bool any_failed(const std::vector<CheckResult>& results);

// One line per result: `STATUS  check  detail` and, for WARN and FAIL,
// ` Fix: <fix>`. Control characters are shown as '?'.
void print_results(std::ostream& out, const std::vector<CheckResult>& results);

// A JSON array of {"check","status","detail","fix"} (fix null for OK).
void print_results_json(std::ostream& out, const std::vector<CheckResult>& results);

}  // namespace darcy::helper
