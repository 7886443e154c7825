#include "helper/doctor.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <set>

#include "helper/docker_config.h"
#include "helper/server_key.h"
#include "helper/token_file.h"
#include "vault/node_key.h"

namespace darcy::helper {
namespace {

using vault::Entry;
using vault::Source;

constexpr std::string_view kInit = "run `docker-credential-darcy init`";
constexpr std::string_view kSync = "run `docker-credential-darcy sync` (a systemd timer keeps it fresh)";
constexpr std::string_view kEnroll = "run `docker-credential-darcy enroll`, then `docker-credential-darcy sync`";
constexpr std::string_view kConfigureDocker = "run `docker-credential-darcy configure-docker`";
constexpr std::size_t kMaxShownUrlBytes = 100;

CheckResult ok(std::string check, std::string detail) {
  return {std::move(check), CheckStatus::kOk, std::move(detail), {}};
}
CheckResult warn(std::string check, std::string detail, std::string fix) {
  return {std::move(check), CheckStatus::kWarn, std::move(detail), std::move(fix)};
}
CheckResult fail(std::string check, std::string detail, std::string fix) {
  return {std::move(check), CheckStatus::kFail, std::move(detail), std::move(fix)};
}

// Splits a message that ends in "Fix: ..." (as the vault's permission errors
// do) into what is wrong and the fix; `fallback` when it names none.
std::pair<std::string, std::string> split_fix(const std::string& message,
                                              std::string_view fallback) {
  const auto at = message.find("Fix: ");
  if (at == std::string::npos) return {message, std::string(fallback)};
  std::string detail = message.substr(0, at);
  while (!detail.empty() && (detail.back() == ' ' || detail.back() == '.')) detail.pop_back();
  return {detail, message.substr(at + 5)};
}

CheckResult fail_with(std::string check, const Error& error, std::string_view fallback_fix) {
  auto [detail, fix] = split_fix(error.message(), fallback_fix);
  return fail(std::move(check), std::move(detail), std::move(fix));
}

// 45s, 12m, 3h, 2d: the largest unit that fits, rounded down.
std::string age_text(std::int64_t seconds) {
  if (seconds < 0) seconds = 0;
  if (seconds < 60) return std::to_string(seconds) + "s";
  if (seconds < 3600) return std::to_string(seconds / 60) + "m";
  if (seconds < 86400) return std::to_string(seconds / 3600) + "h";
  return std::to_string(seconds / 86400) + "d";
}

// "a, b, c and 4 more".
std::string name_list(const std::vector<std::string>& names) {
  std::string out;
  const std::size_t shown = std::min(names.size(), kMaxNamesPerLine);
  for (std::size_t i = 0; i < shown; ++i) {
    if (i > 0) out += ", ";
    out += names[i];
  }
  if (names.size() > shown) out += " and " + std::to_string(names.size() - shown) + " more";
  return out;
}

// A URL from the controller or a file, fit to show: no user information, no
// control characters, not too long.
std::string shown_url(std::string_view url) {
  std::string out = without_userinfo(url);
  for (char& c : out) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = '?';
  }
  if (out.size() > kMaxShownUrlBytes) out = out.substr(0, kMaxShownUrlBytes) + "...";
  return out;
}

// Removes `user[:password]@` after every "://" in `text` (error messages may
// quote a URL as it was configured).
std::string redact_userinfo(std::string text) {
  std::size_t from = 0;
  while ((from = text.find("://", from)) != std::string::npos) {
    const std::size_t host = from + 3;
    std::size_t end = host;
    while (end < text.size() && text[end] != '/' && text[end] != ' ' && text[end] != '\'' &&
           text[end] != '"' && text[end] != '\t') {
      ++end;
    }
    const std::size_t at = text.rfind('@', end == 0 ? 0 : end - 1);
    if (at != std::string::npos && at >= host && at < end) text.erase(host, at + 1 - host);
    from = host;
  }
  return text;
}

// What is shown of a detail or fix: one line, no user information.
std::string printable(const std::string& text) {
  std::string out = redact_userinfo(text);
  for (char& c : out) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = '?';
  }
  return out;
}

std::string octal(mode_t mode) {
  std::string out = "0000";
  for (int i = 3; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = static_cast<char>('0' + (mode & 7));
    mode >>= 3;
  }
  return out;
}

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    const auto a = static_cast<unsigned char>(text[i]);
    if (std::tolower(a) != prefix[i]) return false;
  }
  return true;
}

// The fix for a transport failure, from the step darcy-fetch says failed
// (curl_http_client.cc words them).
std::string transport_fix(const std::string& error) {
  if (error.find("pin-sha256") != std::string::npos) {
    return "check pin-sha256: it must be the SHA-256 of the controller's current public key";
  }
  if (error.find("ca-file") != std::string::npos || error.find("certificate") != std::string::npos) {
    return "check ca-file: it must hold the CA that signed the controller's certificate, and "
           "controller-url must use the name or address on that certificate";
  }
  if (error.find("TLS") != std::string::npos) {
    return "check that controller-url points at the controller's HTTPS port";
  }
  if (error.find("insecure-http") != std::string::npos) {
    return "use an https:// controller-url (insecure-http = true is for development only)";
  }
  if (error.find("DNS") != std::string::npos) {
    return "check controller-url's host name and this node's DNS resolver";
  }
  return "check that the controller is running and that this node reaches controller-url "
         "(firewall, routes, connect-timeout)";
}

// The Unix day number of a civil date (proleptic Gregorian), after H. Hinnant.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool parse_digits(std::string_view text, std::size_t pos, std::size_t n, unsigned& out) {
  if (pos + n > text.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + static_cast<unsigned>(text[i] - '0');
  }
  return true;
}

}  // namespace

std::string_view to_string(CheckStatus status) {
  switch (status) {
    case CheckStatus::kOk: return "OK";
    case CheckStatus::kWarn: return "WARN";
    case CheckStatus::kFail: return "FAIL";
  }
  return "FAIL";
}

std::string without_userinfo(std::string_view url) {
  std::string out(url);
  const auto scheme = out.find("://");
  const std::size_t host = scheme == std::string::npos ? 0 : scheme + 3;
  const auto end = out.find_first_of("/?#", host);
  const auto at = out.rfind('@', end == std::string::npos ? std::string::npos : end);
  if (at != std::string::npos && at >= host && (end == std::string::npos || at < end)) {
    out.erase(host, at + 1 - host);
  }
  return out;
}

std::optional<std::int64_t> parse_http_date(std::string_view date) {
  // "Sun, 06 Nov 1994 08:49:37 GMT": 29 characters, fixed positions.
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (date.size() != 29 || date.substr(3, 2) != ", " || date[7] != ' ' || date[11] != ' ' ||
      date[16] != ' ' || date[19] != ':' || date[22] != ':' || date.substr(25) != " GMT") {
    return std::nullopt;
  }
  unsigned day = 0, year = 0, hour = 0, minute = 0, second = 0;
  if (!parse_digits(date, 5, 2, day) || !parse_digits(date, 12, 4, year) ||
      !parse_digits(date, 17, 2, hour) || !parse_digits(date, 20, 2, minute) ||
      !parse_digits(date, 23, 2, second)) {
    return std::nullopt;
  }
  const auto month = std::find(kMonths.begin(), kMonths.end(), date.substr(8, 3));
  if (month == kMonths.end() || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  const auto m = static_cast<unsigned>(month - kMonths.begin()) + 1;
  return days_from_civil(year, m, day) * 86400 + hour * 3600 + minute * 60 + second;
}

Result<ControllerReport> parse_controller_report(std::string_view text) {
  nlohmann::json doc;
  while (!text.empty()) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
    const auto nl = text.find_last_of('\n');
    const std::string_view line = nl == std::string_view::npos ? text : text.substr(nl + 1);
    doc = nlohmann::json::parse(line, nullptr, false);
    if (doc.is_object()) break;
    text = nl == std::string_view::npos ? std::string_view() : text.substr(0, nl);
  }
  if (!doc.is_object()) return Error::InvalidInput("darcy-fetch status printed no report");
  const auto reachable = doc.find("reachable");
  if (reachable == doc.end() || !reachable->is_boolean()) {
    return Error::InvalidInput("darcy-fetch status printed a report without \"reachable\"");
  }
  auto text_of = [&](const char* key) -> std::string {
    const auto it = doc.find(key);
    return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  auto bool_of = [&](const char* key) -> std::optional<bool> {
    const auto it = doc.find(key);
    if (it == doc.end() || !it->is_boolean()) return std::nullopt;
    return it->get<bool>();
  };
  ControllerReport report;
  report.reachable = reachable->get<bool>();
  if (const auto s = doc.find("httpStatus"); s != doc.end() && s->is_number_integer()) {
    report.http_status = s->get<long>();
  }
  report.tls = text_of("tls");
  report.date = text_of("date");
  report.controller_version = text_of("controllerVersion");
  report.error = text_of("error");
  report.token_accepted = bool_of("tokenAccepted");
  if (const auto r = doc.find("registries"); r != doc.end() && r->is_number_integer()) {
    report.registries = r->get<std::int64_t>();
  }
  report.sealed = bool_of("sealed");
  if (const auto p = doc.find("probe"); p != doc.end() && p->is_object()) {
    const auto id = p->find("id");
    const auto url = p->find("url");
    const auto user = p->find("username");
    const auto sealed = p->find("sealed");
    if (id != p->end() && id->is_number_integer() && url != p->end() && url->is_string() &&
        user != p->end() && user->is_string() && sealed != p->end() && sealed->is_string()) {
      Entry e;
      e.id = id->get<std::int64_t>();
      e.url = url->get<std::string>();
      e.username = user->get<std::string>();
      e.sealed = sealed->get<std::string>();
      e.source = Source::kController;
      report.probe = std::move(e);
    }
  }
  report.list_error = text_of("listError");
  return report;
}

std::vector<CheckResult> check_config(const Result<Config>& config, const Environment& env) {
  std::vector<CheckResult> results;
  std::string path;
  if (const std::string* named = env.get(kConfigPathVariable); named != nullptr && !named->empty()) {
    path = *named;
  } else {
    path = default_config_path(env);
  }
  const std::string where = path.empty() ? "the config file" : path;
  if (!config) {
    results.push_back(fail("config", config.error().message(),
                           "correct the setting named above in " + where + " or its DARCY_* "
                           "variable (docs/configuration.md lists every key)"));
    return results;
  }
  if (!config->source.empty()) {
    results.push_back(ok("config", "read " + config->source));
  } else {
    results.push_back(ok("config", "no config file" + (path.empty() ? "" : " at " + path) +
                                       ": every default applies"));
  }
  if (config->controller_url.empty()) {
    results.push_back(warn("controller-url",
                           "no controller-url: the helper is a sealed local store only and "
                           "fetches nothing",
                           "set controller-url, token-file and ca-file in " + where));
  } else if (starts_with_nocase(config->controller_url, "http://")) {
    results.push_back(warn("controller-url",
                           shown_url(config->controller_url) +
                               " is plain http: the agent token crosses the network unencrypted",
                           "use an https:// controller-url with ca-file, and drop insecure-http"));
  } else {
    results.push_back(ok("controller-url", shown_url(config->controller_url)));
  }
  return results;
}

std::vector<CheckResult> check_vault(vault::FileSystem& fs, const Config& config) {
  std::vector<CheckResult> results;
  const std::string& dir = config.vault_dir;
  if (auto s = vault::check_private_dir(fs, dir); !s) {
    if (s.error().is_not_found()) {
      results.push_back(fail("vault-dir", "the vault directory " + dir + " does not exist",
                             std::string(kInit)));
    } else {
      results.push_back(fail_with("vault-dir", s.error(), "chmod 700 " + dir));
    }
    return results;
  }
  auto info = fs.stat(dir);
  results.push_back(ok("vault-dir", dir + ": yours, mode " + (info ? octal(info->mode) : "?")));

  const std::string key_path = dir + "/" + std::string(vault::kNodeKeyFile);
  auto key = vault::NodeKey::load(fs, dir);
  if (!key) {
    results.push_back(fail_with("node-key", key.error(),
                                key.error().is_not_found()
                                    ? std::string(kInit)
                                    : "move the vault aside and " + std::string(kInit)));
    return results;
  }
  if (auto v = key->verify(key_path); !v) {
    results.push_back(fail("node-key", v.error().message(),
                           "the key is damaged: move the vault aside, run "
                           "`docker-credential-darcy init`, then `enroll` and `sync`"));
    return results;
  }
  results.push_back(ok("node-key", key_path + ": private, its public half matches its secret"));

  const std::string pub_path = dir + "/" + std::string(vault::kNodePubFile);
  auto pub = vault::NodeKey::load_public(fs, dir);
  if (!pub) {
    results.push_back(fail_with("node-pub", pub.error(),
                                std::string(kInit) + " (it rewrites node.pub from node.key)"));
  } else if (*pub != key->public_key()) {
    results.push_back(fail("node-pub",
                           pub_path + " does not match node.key: darcy-fetch would seal "
                                      "passwords to a key this node cannot open",
                           std::string(kInit) + " (it rewrites node.pub from node.key)"));
  } else {
    results.push_back(ok("node-pub", pub_path + " matches node.key (" +
                                         vault::public_key_base64(*pub) + ")"));
  }
  return results;
}

CheckResult check_token_file(vault::FileSystem& fs, const Config& config) {
  constexpr std::string_view kFix =
      "write this node's ioFog agent token into token-file, readable only by you (chmod 600)";
  const std::string& path = config.token_file;
  if (path.empty()) {
    return fail("token-file", "no token-file is configured: darcy-fetch cannot authenticate",
                "set token-file to the file holding the agent token (mode 0600)");
  }
  auto info = fs.stat(path);
  if (!info) return fail_with("token-file", info.error(), kFix);
  if (!info->exists) return fail("token-file", "token-file " + path + " does not exist",
                                 std::string(kFix));
  if (auto s = vault::check_private_file(path, *info); !s) {
    return fail_with("token-file", s.error(), "chmod 600 " + path);
  }
  auto token = read_token(fs, path);  // into guarded memory, dropped at once
  if (!token) return fail_with("token-file", token.error(), kFix);
  return ok("token-file", path + ": private, holds a token");
}

CheckResult check_darcy_fetch(const Result<std::string>& located) {
  if (!located) {
    return fail("darcy-fetch", located.error().message(),
                "install darcy-fetch beside docker-credential-darcy or in ../libexec/darcy/ "
                "(cmake --install does)");
  }
  return ok("darcy-fetch", *located);
}

std::vector<CheckResult> check_controller(const Result<FetchOutput>& run, std::int64_t now,
                                          const vault::Vault* vault, bool token_file_ok) {
  std::vector<CheckResult> results;
  if (!run) {
    results.push_back(fail("controller", "cannot run darcy-fetch status: " + run.error().message(),
                           "check that darcy-fetch is executable"));
    return results;
  }
  auto report = parse_controller_report(run->out);
  if (!report) {
    std::string why = run->err;
    while (!why.empty() && (why.back() == '\n' || why.back() == '\r')) why.pop_back();
    if (const auto nl = why.find_last_of('\n'); nl != std::string::npos) why.erase(0, nl + 1);
    constexpr std::string_view kPrefix = "darcy-fetch: ";
    if (why.rfind(kPrefix, 0) == 0) why.erase(0, kPrefix.size());
    if (run->exit_code == 2) {
      results.push_back(fail("controller",
                             "darcy-fetch does not know `status`: it is older than this helper",
                             "install darcy-fetch from the same release as docker-credential-darcy"));
    } else {
      results.push_back(fail("controller",
                             "darcy-fetch status failed (exit " + std::to_string(run->exit_code) +
                                 ")" + (why.empty() ? "" : ": " + why),
                             "correct what the message names; `darcy-fetch status` shows it too"));
    }
    return results;
  }

  if (!report->reachable) {
    results.push_back(fail("controller", report->error.empty() ? "the controller is unreachable"
                                                               : report->error,
                           transport_fix(report->error)));
    return results;
  }
  const std::string how = report->tls == "ok" ? "reachable over TLS, certificate verified"
                                              : "reachable over plain http";
  const std::string version =
      report->controller_version.empty() ? "" : ", controller " + report->controller_version;
  if (report->http_status.value_or(0) != 200) {
    results.push_back(warn("controller",
                           how + ", but GET /api/v3/status answered HTTP " +
                               std::to_string(report->http_status.value_or(0)),
                           "check that controller-url is the controller's API base URL"));
  } else {
    results.push_back(ok("controller", how + version));
  }

  if (token_file_ok) {
    if (report->token_accepted == true) {
      results.push_back(ok("token", "the controller accepted the agent token (" +
                                        std::to_string(report->registries.value_or(0)) +
                                        " registries listed)"));
    } else if (report->token_accepted == false) {
      results.push_back(fail("token", "the controller refused the agent token: " + report->list_error,
                             "write a valid agent token for this node into token-file (ioFog: "
                             "provision the agent again to get one)"));
    } else {
      results.push_back(fail("registry-list",
                             "the registry list failed: " +
                                 (report->list_error.empty() ? std::string("no answer")
                                                             : report->list_error),
                             "correct what the message names; `docker-credential-darcy sync` "
                             "shows the same error"));
    }
  }

  if (report->date.empty()) {
    results.push_back(warn("clock", "the controller sent no Date header: clock skew not measured",
                           "check this node's time synchronisation (chrony, systemd-timesyncd)"));
  } else if (auto controller_time = parse_http_date(report->date); !controller_time) {
    results.push_back(warn("clock", "the controller's Date header is not an HTTP date: " +
                                        shown_url(report->date),
                           "check this node's time synchronisation (chrony, systemd-timesyncd)"));
  } else {
    const std::int64_t skew = now - *controller_time;
    const std::int64_t size = std::llabs(skew);
    const std::string text = "this node's clock is " + std::to_string(size) + " s " +
                             (skew >= 0 ? "ahead of" : "behind") + " the controller's";
    constexpr std::string_view kClockFix =
        "synchronise this node's clock (chrony, systemd-timesyncd or ntpd)";
    if (size >= kSkewFailSeconds) {
      results.push_back(fail("clock", text, std::string(kClockFix)));
    } else if (size >= kSkewWarnSeconds) {
      results.push_back(warn("clock", text, std::string(kClockFix)));
    } else {
      results.push_back(ok("clock", "within " + std::to_string(size) +
                                        " s of the controller's Date header"));
    }
  }

  if (vault != nullptr && report->token_accepted == true) {
    if (report->sealed == false) {
      results.push_back(warn("enrollment",
                             "the controller sends plain passwords to this node (not enrolled, "
                             "or a stock ioFog controller); darcy-fetch seals them on arrival",
                             std::string(kEnroll)));
    } else if (report->sealed == true && report->probe) {
      auto opened = vault->unseal(*report->probe);  // the secret is dropped at once
      const std::string which = "registry " + std::to_string(report->probe->id);
      if (opened) {
        results.push_back(ok("enrollment", "the controller seals passwords to this node's key (" +
                                               which + " opens)"));
      } else {
        results.push_back(fail("enrollment",
                               "the controller's sealed copy of " + which +
                                   " does not open with this node's key: " +
                                   opened.error().message(),
                               std::string(kEnroll)));
      }
    } else if (report->sealed == true) {
      results.push_back(ok("enrollment", "the controller seals passwords to this node"));
    } else {
      results.push_back(ok("enrollment",
                           "cannot tell: no registry on the controller carries credentials"));
    }
  }
  return results;
}

std::vector<CheckResult> check_index(const vault::Index& index, const Config& config,
                                     std::int64_t now, bool controller) {
  std::vector<CheckResult> results;
  const std::string ttl = "ttl " + age_text(config.ttl);
  if (controller) {
    if (index.synced_at == 0) {
      results.push_back(warn("index", "the registry list was never synced", std::string(kSync)));
    } else if (now - index.synced_at >= config.ttl) {
      results.push_back(warn("index",
                             "the registry list was synced " + age_text(now - index.synced_at) +
                                 " ago, longer than " + ttl,
                             std::string(kSync)));
    } else {
      results.push_back(ok("index", "the registry list was synced " +
                                        age_text(now - index.synced_at) + " ago (" + ttl + ")"));
    }

    std::vector<std::string> past_ttl;
    std::vector<std::string> past_grace;
    std::size_t cached = 0;
    for (const Entry& e : index.entries) {
      if (e.source != Source::kController || e.sealed.empty() || !has_credentials(e)) continue;
      ++cached;
      const std::int64_t age = now - e.fetched_at;
      const std::string name = (e.key.empty() ? std::string("?") : e.key) + " (registry " +
                               std::to_string(e.id) + ", " + age_text(age) + ")";
      if (age >= config.grace) {
        past_grace.push_back(name);
      } else if (age >= config.ttl) {
        past_ttl.push_back(name);
      }
    }
    if (!past_grace.empty()) {
      results.push_back(fail("entries",
                             std::to_string(past_grace.size()) +
                                 " cached secrets are older than grace (" + age_text(config.grace) +
                                 "): with the controller away they are refused: " +
                                 name_list(past_grace),
                             std::string(kSync)));
    }
    if (!past_ttl.empty()) {
      results.push_back(warn("entries",
                             std::to_string(past_ttl.size()) + " cached secrets are older than " +
                                 ttl + " (the next pull asks the controller): " +
                                 name_list(past_ttl),
                             std::string(kSync)));
    }
    if (past_grace.empty() && past_ttl.empty()) {
      results.push_back(ok("entries", std::to_string(cached) + " cached secrets, all within " + ttl));
    }
  }

  std::vector<KeyPin> pins;
  for (const RegistryPin& pin : config.pins) {
    auto key = server_key(pin.host);
    if (!key) {
      results.push_back(warn("pins", "pin = " + shown_url(pin.host) + "=" + std::to_string(pin.id) +
                                         ": " + key.error().message(),
                             "write the pin's host as host[:port]"));
      continue;
    }
    pins.push_back({*key, pin.id});
    const bool names_entry = std::any_of(index.entries.begin(), index.entries.end(),
                                         [&](const Entry& e) {
                                           return e.source == Source::kController &&
                                                  e.key == *key && e.id == pin.id;
                                         });
    if (!names_entry && count_controller_entries(index, *key) > 0) {
      results.push_back(warn("pins",
                             "pin = " + *key + "=" + std::to_string(pin.id) + " names no registry of " +
                                 *key + ": the lowest ID answers instead",
                             "correct or remove that pin line"));
    }
  }

  // Hosts served by several controller entries, in key order.
  std::map<std::string, std::vector<std::int64_t>> by_key;
  for (const Entry& e : index.entries) {
    if (e.source != Source::kController || e.key.empty() || e.id == kLocalCacheRegistryId) continue;
    by_key[e.key].push_back(e.id);
  }
  bool duplicates = false;
  std::size_t pinned = 0;
  for (auto& item : by_key) {
    // Named references, not structured bindings: lambdas below capture them.
    const std::string& key = item.first;
    std::vector<std::int64_t>& ids = item.second;
    if (ids.size() < 2 || count_controller_entries(index, key) < 2) continue;
    std::sort(ids.begin(), ids.end());
    const Entry* answer = match_entry(index, key, pins);
    if (answer != nullptr && answer->source == Source::kLocal) continue;  // stored by hand: it wins
    const bool has_pin = std::any_of(pins.begin(), pins.end(), [&](const KeyPin& p) {
      return p.key == key && std::find(ids.begin(), ids.end(), p.id) != ids.end();
    });
    if (has_pin) {
      ++pinned;
      continue;
    }
    duplicates = true;
    std::vector<std::string> names;
    for (std::int64_t id : ids) names.push_back(std::to_string(id));
    results.push_back(warn("duplicates",
                           key + " is served by controller registries " + name_list(names) +
                               "; registry " +
                               std::to_string(answer != nullptr ? answer->id : ids.front()) +
                               " answers",
                           "add `pin = " + key + "=ID` to the config with the ID that should answer"));
  }
  if (!duplicates) {
    results.push_back(ok("duplicates", pinned == 0 ? "no host is served by two controller registries"
                                                   : "every host served by several controller "
                                                     "registries has a pin"));
  }

  std::vector<std::string> bad_urls;
  for (const Entry& e : index.entries) {
    if (e.source == Source::kController && e.key.empty() && e.id != kLocalCacheRegistryId) {
      bad_urls.push_back("registry " + std::to_string(e.id) + " (" + shown_url(e.url) + ")");
    }
  }
  if (bad_urls.empty()) {
    results.push_back(ok("urls", "every registry url names a host"));
  } else {
    results.push_back(warn("urls",
                           "these registry urls name no registry host, so they never answer: " +
                               name_list(bad_urls),
                           "correct the registry's url on the controller (host[:port], or a URL "
                           "such as https://host:port/)"));
  }
  return results;
}

std::vector<CheckResult> check_docker_config(vault::FileSystem& fs, const Environment& env,
                                             const vault::Index& index,
                                             const std::vector<KeyPin>& pins) {
  std::vector<CheckResult> results;
  const std::set<std::string> served = served_keys(index, pins);
  std::vector<std::string> wanted;  // credHelpers keys the served hosts need
  for (const std::string& key : served) {
    for (std::string& k : cred_helper_keys(key)) wanted.push_back(std::move(k));
  }
  auto path = docker_config_path(env);
  if (!path) {
    if (wanted.empty()) return results;
    results.push_back(fail_with("docker-config", path.error(), kConfigureDocker));
    results.back().status = CheckStatus::kWarn;
    return results;
  }
  auto info = fs.stat(*path);
  if (!info) {
    results.push_back(warn("docker-config", info.error().message(), "check " + *path));
    return results;
  }
  if (!info->exists) {
    if (wanted.empty()) {
      results.push_back(ok("docker-config", "no " + *path + ", and no registry with credentials "
                                                             "to route to darcy"));
    } else {
      results.push_back(warn("docker-config",
                             *path + " does not exist: Docker asks darcy for none of " +
                                 name_list(wanted),
                             std::string(kConfigureDocker)));
    }
    return results;
  }
  if (info->is_symlink) {
    results.push_back(warn("docker-config", *path + " is a symbolic link: not checked",
                           "set DOCKER_CONFIG to the directory holding the real config.json"));
    return results;
  }
  auto text = fs.read_file(*path, kMaxDockerConfigBytes);
  if (!text) {
    results.push_back(warn("docker-config", text.error().message(), "check " + *path));
    return results;
  }
  // The content is never shown: auths holds passwords.
  const nlohmann::json doc = nlohmann::json::parse(*text, nullptr, false);
  const bool blank = text->find_first_not_of(" \t\r\n") == std::string::npos;
  if (!blank && !doc.is_object()) {
    results.push_back(fail("docker-config", *path + " is not a JSON object: Docker cannot read it",
                           "repair or remove the file, then " + std::string(kConfigureDocker)));
    return results;
  }
  std::map<std::string, std::string> helpers;
  std::string creds_store;
  if (!blank) {
    if (const auto ch = doc.find("credHelpers"); ch != doc.end()) {
      if (!ch->is_object()) {
        results.push_back(fail("docker-config", *path + ": credHelpers is not a JSON object",
                               "repair the file, then " + std::string(kConfigureDocker)));
        return results;
      }
      for (const auto& [host, value] : ch->items()) {
        helpers[host] = value.is_string() ? value.get<std::string>() : std::string();
      }
    }
    if (const auto cs = doc.find("credsStore"); cs != doc.end() && cs->is_string()) {
      creds_store = cs->get<std::string>();
    }
  }

  std::vector<std::string> missing;
  for (const std::string& k : wanted) {
    const auto it = helpers.find(k);
    if (it != helpers.end()) {
      if (it->second != kCredHelperName) {
        missing.push_back(k + " (uses \"" + shown_url(it->second) + "\")");
      }
    } else if (creds_store != kCredHelperName) {
      missing.push_back(k);
    }
  }
  std::vector<std::string> unserved;
  for (const auto& [host, helper] : helpers) {
    if (helper != kCredHelperName) continue;
    auto key = server_key(host);
    if (!key) {
      unserved.push_back("an entry that names no registry host");
    } else if (served.count(*key) == 0) {
      unserved.push_back(host);
    }
  }
  if (!missing.empty()) {
    results.push_back(warn("docker-config",
                           *path + " does not send these registries to darcy: " +
                               name_list(missing),
                           std::string(kConfigureDocker)));
  }
  if (!unserved.empty()) {
    results.push_back(warn("docker-config",
                           *path + " sends to darcy hosts no vault entry serves (pulls from them "
                                   "are anonymous): " +
                               name_list(unserved),
                           "run `docker-credential-darcy sync` if they are new on the "
                           "controller, else remove them from credHelpers in " + *path));
  }
  if (missing.empty() && unserved.empty()) {
    results.push_back(ok("docker-config", *path + " sends all " + std::to_string(served.size()) +
                                              " registries the vault serves to darcy"));
  }
  return results;
}

std::vector<CheckResult> run_checks(DoctorInputs& in) {
  const Result<Config> config = load_config(in.env);
  std::vector<CheckResult> results = check_config(config, in.env);
  if (!config) {
    results.push_back(check_darcy_fetch(in.fetch_path));
    return results;
  }
  const bool controller = !config->controller_url.empty();
  auto append = [&](std::vector<CheckResult> more) {
    for (CheckResult& r : more) results.push_back(std::move(r));
  };

  std::vector<CheckResult> vault_results = check_vault(in.fs, *config);
  const bool vault_ok = std::none_of(vault_results.begin(), vault_results.end(),
                                     [](const CheckResult& r) {
                                       return r.status == CheckStatus::kFail;
                                     });
  const bool dir_ok = !vault_results.empty() && vault_results.front().status == CheckStatus::kOk;
  append(std::move(vault_results));

  std::optional<vault::Vault> v;
  if (dir_ok) {
    auto opened = vault::Vault::open(in.fs, in.clock, config->vault_dir);
    if (opened) v = std::move(opened).value();
  }

  if (controller) {
    CheckResult token = check_token_file(in.fs, *config);
    const bool token_ok = token.status != CheckStatus::kFail;
    results.push_back(std::move(token));
    results.push_back(check_darcy_fetch(in.fetch_path));
    if (in.fetch_path && in.status != nullptr) {
      auto run = in.status->run_status();
      append(check_controller(run, in.clock.now(), vault_ok && v ? &*v : nullptr, token_ok));
    }
  }

  if (v) {
    auto index = v->load();
    if (!index) {
      results.push_back(fail_with("index", index.error(),
                                  "move vault.json aside and run `docker-credential-darcy sync`"));
      return results;
    }
    append(check_index(*index, *config, in.clock.now(), controller));
    auto pins = key_pins(config->pins);
    append(check_docker_config(in.fs, in.env, *index, pins ? *pins : std::vector<KeyPin>{}));
  }
  return results;
}

bool any_failed(const std::vector<CheckResult>& results) {
  return std::any_of(results.begin(), results.end(),
                     [](const CheckResult& r) { return r.status == CheckStatus::kFail; });
}

void print_results(std::ostream& out, const std::vector<CheckResult>& results) {
  std::size_t width = 0;
  for (const CheckResult& r : results) width = std::max(width, r.check.size());
  std::array<std::size_t, 3> counts{};
  for (const CheckResult& r : results) {
    ++counts[static_cast<std::size_t>(r.status)];
    const std::string_view status = to_string(r.status);
    out << status << std::string(6 - status.size(), ' ') << r.check
        << std::string(width - r.check.size() + 2, ' ') << printable(r.detail);
    if (r.status != CheckStatus::kOk && !r.fix.empty()) out << ". Fix: " << printable(r.fix);
    out << "\n";
  }
  out << counts[0] << " OK, " << counts[1] << " WARN, " << counts[2] << " FAIL\n";
}

void print_results_json(std::ostream& out, const std::vector<CheckResult>& results) {
  nlohmann::ordered_json array = nlohmann::ordered_json::array();
  for (const CheckResult& r : results) {
    nlohmann::ordered_json row;
    row["check"] = r.check;
    row["status"] = std::string(to_string(r.status));
    row["detail"] = printable(r.detail);
    row["fix"] = r.status == CheckStatus::kOk || r.fix.empty() ? nlohmann::ordered_json(nullptr)
                                                               : nlohmann::ordered_json(printable(r.fix));
    array.push_back(std::move(row));
  }
  out << array.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
}

}  // namespace darcy::helper
