#include "controller_options.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace darcy::devctl {

std::string controller_usage() {
  return "Usage: darcy-dev-controller [--listen 127.0.0.1:PORT] [--port-file PATH]\n"
         "         [--tls-cert PEM --tls-key PEM] [--state-file PATH]\n"
         "         [--admin-email EMAIL] [--admin-password PASSWORD | --admin-password-file PATH]\n"
         "         [--agent-token-file PATH]\n"
         "A dev ioFog controller for Darcy Cloud tests. FOR DEVELOPMENT AND TESTS ONLY.\n"
         "PORT 0 picks a free port (see --port-file). Loopback addresses only.\n";
}

bool is_loopback_address(const std::string& host) {
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    return std::memcmp(&v6, &in6addr_loopback, sizeof v6) == 0;
  }
  return false;
}

namespace {

std::variant<ControllerOptions, std::string> parse_listen(const std::string& value,
                                                          ControllerOptions options) {
  std::string host;
  std::string port;
  if (value.starts_with("[")) {
    const auto close = value.find("]:");
    if (close == std::string::npos) return "--listen: expected [IPV6]:PORT, got '" + value + "'";
    host = value.substr(1, close - 1);
    port = value.substr(close + 2);
  } else {
    const auto colon = value.rfind(':');
    if (colon == std::string::npos) return "--listen: expected HOST:PORT, got '" + value + "'";
    host = value.substr(0, colon);
    port = value.substr(colon + 1);
  }
  if (host == "localhost") host = "127.0.0.1";
  int number = -1;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
  if (ec != std::errc{} || end != port.data() + port.size() || number < 0 || number > 65535) {
    return "--listen: bad port '" + port + "'";
  }
  if (!is_loopback_address(host)) {
    return "--listen: refusing to listen on '" + host +
           "': the dev controller serves plain-text secrets and listens on loopback only";
  }
  options.listen_host = host;
  options.listen_port = number;
  return options;
}

}  // namespace

std::variant<ControllerOptions, std::string> parse_controller_options(
    const std::vector<std::string>& args) {
  ControllerOptions options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::string value;
    bool has_value = false;
    if (const auto eq = flag.find('='); flag.starts_with("--") && eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
      has_value = true;
    }
    if (flag == "--help" || flag == "-h") {
      options.help = true;
      continue;
    }
    std::string* target = nullptr;
    if (flag == "--port-file") target = &options.port_file;
    if (flag == "--tls-cert") target = &options.tls_cert;
    if (flag == "--tls-key") target = &options.tls_key;
    if (flag == "--state-file") target = &options.state_file;
    if (flag == "--admin-email") target = &options.admin_email;
    if (flag == "--admin-password") target = &options.admin_password;
    if (flag == "--admin-password-file") target = &options.admin_password_file;
    if (flag == "--agent-token-file") target = &options.agent_token_file;
    const bool is_listen = flag == "--listen";
    if (target == nullptr && !is_listen) return "unknown option '" + flag + "'";
    if (!has_value) {
      if (i + 1 >= args.size()) return "option " + flag + " needs a value";
      value = args[++i];
    }
    if (value.empty()) return "option " + flag + " needs a non-empty value";
    if (is_listen) {
      auto parsed = parse_listen(value, options);
      if (auto* error = std::get_if<std::string>(&parsed)) return *error;
      options = std::get<ControllerOptions>(parsed);
    } else {
      *target = value;
    }
  }
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    return "--tls-cert and --tls-key go together";
  }
  if (!options.admin_password.empty() && !options.admin_password_file.empty()) {
    return "give --admin-password or --admin-password-file, not both";
  }
  return options;
}

}  // namespace darcy::devctl
