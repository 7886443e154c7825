// ControllerOptions: the command line of darcy-dev-controller.
#pragma once

#include <string>
#include <variant>
#include <vector>

namespace darcy::devctl {

struct ControllerOptions {
  std::string listen_host = "127.0.0.1";
  int listen_port = 0;  // 0: the kernel picks a free port
  std::string port_file;
  std::string tls_cert;
  std::string tls_key;
  std::string state_file;
  std::string admin_email = "admin@darcy.local";
  std::string admin_password;       // empty: see admin_password_file, else generated
  std::string admin_password_file;  // keeps the password off the command line
  std::string agent_token_file;
  bool help = false;
};

// Usage text for --help and for errors.
[[nodiscard]] std::string controller_usage();

// Parses argv[1..] (`--flag value` or `--flag=value`). The error string says what is wrong.
// Refuses listen addresses that are not loopback, and a TLS certificate without a key.
[[nodiscard]] std::variant<ControllerOptions, std::string> parse_controller_options(
    const std::vector<std::string>& args);

// True for 127.0.0.0/8 and ::1.
[[nodiscard]] bool is_loopback_address(const std::string& host);

}  // namespace darcy::devctl
