#include "helper/fetch/fetch_command.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cctype>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>

#include "helper/event_log.h"
#include "helper/token_file.h"
#include "helper/fetch/controller_client.h"
#include "helper/fetch/curl_http_client.h"
#include "helper/fetch/registry_sync.h"
#include "vault/vault.h"

namespace darcy::fetch {
namespace {

constexpr std::string_view kUsage =
    "Usage: darcy-fetch <sync | registry ID | enroll | status>\n"
    "\n"
    "Talks to the Darcy controller and writes sealed entries into the vault.\n"
    "  sync          refresh every registry now (uses the stored ETag)\n"
    "  registry ID   refresh one registry by its ID; a deleted one is dropped\n"
    "  enroll        upload this node's public key (node.pub)\n"
    "  status        check the controller (reachable, TLS, Date, token, sealing);\n"
    "                one JSON line on stdout, the vault untouched\n"
    "Settings come from the helper's configuration (controller-url, token-file,\n"
    "ca-file, pin-sha256, insecure-http, connect-timeout, timeout, vault-dir).\n";

int fail(std::ostream& err, const Error& e) {
  std::string line = e.message();
  std::replace(line.begin(), line.end(), '\n', ' ');
  err << "darcy-fetch: " << line << "\n";
  return 1;
}

bool parse_id(const std::string& text, std::int64_t& id) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  return ec == std::errc() && end == text.data() + text.size() && id > 0;
}

std::unique_ptr<CurlHttpClient> make_curl_client(const helper::Config& config,
                                                 SecureString token) {
  CurlOptions options;
  options.base_url = config.controller_url;
  options.ca_file = config.ca_file;
  options.pin_sha256 = config.pin_sha256;
  options.allow_http = config.insecure_http;
  options.connect_timeout = config.connect_timeout;
  options.timeout = config.timeout;
  options.max_body_bytes = kMaxResponseBytes;
  return std::make_unique<CurlHttpClient>(std::move(options), std::move(token));
}

nlohmann::ordered_json text_or_null(const std::string& text) {
  return text.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(text);
}

// `darcy-fetch status`: the report described in fetch_command.h.
int run_status(const helper::Config& config, vault::FileSystem& fs, HttpClient* http,
               std::ostream& out, std::ostream& err) {
  std::unique_ptr<CurlHttpClient> anonymous;
  std::unique_ptr<CurlHttpClient> with_token;
  HttpClient* status_http = http;
  HttpClient* list_http = http;
  std::string token_error;
  if (http == nullptr) {
    // ioFog's status endpoint is public: it gets no Authorization header
    // (libcurl sends no header for an empty value).
    anonymous = make_curl_client(config, SecureString());
    status_http = anonymous.get();
    if (config.token_file.empty()) {
      token_error = "no token-file is configured";
    } else if (auto token = helper::read_token(fs, config.token_file); !token) {
      token_error = token.error().message();
    } else {
      with_token = make_curl_client(config, std::move(token).value());
      list_http = with_token.get();
    }
  }

  nlohmann::ordered_json report;
  std::string first_error;
  auto status = ControllerClient(*status_http).get_status();
  const bool reachable = status.ok();
  const bool https = config.controller_url.size() >= 8 &&
                     std::equal(config.controller_url.begin(), config.controller_url.begin() + 8,
                                "https://", [](char a, char b) {
                                  return std::tolower(static_cast<unsigned char>(a)) == b;
                                });
  report["reachable"] = reachable;
  report["httpStatus"] = reachable ? nlohmann::ordered_json(status->http_status) : nullptr;
  report["tls"] = !reachable ? nlohmann::ordered_json(nullptr)
                             : nlohmann::ordered_json(https ? "ok" : "none");
  report["date"] = reachable ? text_or_null(status->date) : nullptr;
  report["controllerVersion"] = reachable ? text_or_null(status->version) : nullptr;
  report["error"] = reachable ? nlohmann::ordered_json(nullptr)
                              : nlohmann::ordered_json(status.error().message());
  if (!reachable) first_error = status.error().message();

  nlohmann::ordered_json token_accepted = nullptr;
  nlohmann::ordered_json registries = nullptr;
  nlohmann::ordered_json sealed = nullptr;
  nlohmann::ordered_json probe = nullptr;
  std::string list_error = token_error;
  if (reachable && token_error.empty()) {
    auto list = ControllerClient(*list_http).list_registries("");
    if (list) {
      token_accepted = true;
      registries = list->rows.size();
      for (const RegistryRow& row : list->rows) {
        if (row.has_password) {
          sealed = false;
          probe = nullptr;
          break;
        }
        if (!row.sealed.empty() && sealed.is_null()) {
          sealed = true;
          probe = {{"id", row.id}, {"url", row.url}, {"username", row.username},
                   {"sealed", row.sealed}};
        }
      }
    } else {
      if (list.error().code() == ErrorCode::kPermission) token_accepted = false;
      list_error = list.error().message();
    }
  }
  if (first_error.empty()) first_error = list_error;
  report["tokenAccepted"] = token_accepted;
  report["registries"] = registries;
  report["sealed"] = sealed;
  report["probe"] = probe;
  report["listError"] = text_or_null(list_error);
  out << report.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
  if (!first_error.empty()) return fail(err, Error::Unavailable(first_error));
  return 0;
}

}  // namespace

int run_fetch(const std::vector<std::string>& args, const helper::Environment& env,
              vault::FileSystem& fs, const vault::Clock& clock, HttpClient* http,
              std::ostream& out, std::ostream& err) {
  if (args.size() == 1 && (args[0] == "-h" || args[0] == "--help")) {
    out << kUsage;
    return 0;
  }
  if (args.size() == 1 && (args[0] == "-v" || args[0] == "--version")) {
    out << "darcy-fetch " DARCY_VERSION "\n";
    return 0;
  }
  std::int64_t id = 0;
  const bool ok_args = (args.size() == 1 && (args[0] == "sync" || args[0] == "enroll" ||
                                              args[0] == "status")) ||
                       (args.size() == 2 && args[0] == "registry" && parse_id(args[1], id));
  if (!ok_args) {
    err << kUsage;
    return 2;
  }

  auto config = helper::load_config(env);
  if (!config) return fail(err, config.error());
  if (config->controller_url.empty()) {
    return fail(err, Error::Config("no controller-url is configured"));
  }
  if (args[0] == "status") return run_status(*config, fs, http, out, err);
  if (config->token_file.empty()) return fail(err, Error::Config("no token-file is configured"));
  auto v = vault::Vault::open(fs, clock, config->vault_dir);
  if (!v) return fail(err, v.error());

  std::unique_ptr<CurlHttpClient> curl;
  if (http == nullptr) {
    auto token = helper::read_token(fs, config->token_file);
    if (!token) return fail(err, token.error());
    CurlOptions options;
    options.base_url = config->controller_url;
    options.ca_file = config->ca_file;
    options.pin_sha256 = config->pin_sha256;
    options.allow_http = config->insecure_http;
    options.connect_timeout = config->connect_timeout;
    options.timeout = config->timeout;
    options.max_body_bytes = kMaxResponseBytes;
    curl = std::make_unique<CurlHttpClient>(std::move(options), std::move(token).value());
    http = curl.get();
  }
  ControllerClient client(*http);

  if (args[0] == "enroll") {
    if (auto s = client.put_node_key(v->public_key()); !s) return fail(err, s.error());
    out << "enrolled: the controller now seals credentials to "
        << vault::public_key_base64(v->public_key()) << "\n";
    return 0;
  }
  RegistrySync sync(*v, client);
  const auto started = std::chrono::steady_clock::now();
  auto report = args[0] == "sync" ? sync.sync_all() : sync.sync_one(id);
  // One event per controller round trip; err stays free for the caller.
  helper::EventLog log("darcy-fetch",
                       helper::parse_log_level(config->log_level).value_or(helper::LogLevel::kWarn),
                       config->log_file, nullptr);
  helper::LogEvent event;
  event.action = args[0] == "sync" ? "sync" : "fetch";
  event.registry = args[0] == "sync" ? -1 : id;
  event.duration_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  if (report) {
    event.outcome = report->not_modified ? "not-modified" : "ok";
    event.message = std::to_string(report->registries) + " registries, " +
                    std::to_string(report->changed) + " changed";
  } else {
    event.level = helper::LogLevel::kError;
    event.outcome = "error";
    event.message = report.error().message();
  }
  log.write(event);
  if (!report) return fail(err, report.error());
  if (args[0] == "sync") {
    if (report->not_modified) {
      out << "registries unchanged (" << report->registries << " registries)\n";
    } else {
      out << "synced " << report->registries << " registries (" << report->changed
          << " changed)\n";
    }
  } else {
    out << "registry " << id << (report->registries == 0 ? " removed" : " refreshed") << "\n";
  }
  return 0;
}

}  // namespace darcy::fetch
