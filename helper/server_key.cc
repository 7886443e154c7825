#include "helper/server_key.h"

#include <array>
#include <cstdint>

namespace darcy::helper {
namespace {

constexpr std::array<std::string_view, 4> kDockerHubHosts = {
    "docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"};

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

bool is_control(char c) {
  auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

char to_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = to_lower(c);
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// RFC 3986 scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ).
bool is_scheme(std::string_view s) {
  if (s.empty() || !is_alpha(s.front())) return false;
  for (char c : s) {
    if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.') return false;
  }
  return true;
}

Error invalid(std::string_view what) {
  return Error::InvalidInput("invalid registry server URL: " + std::string(what));
}

// `authority` has passed the user-information and control-character checks,
// so it is safe to show.
Error invalid_host(std::string_view authority, std::string_view what) {
  return invalid("'" + std::string(authority) + "': " + std::string(what));
}

// Parses the text after a host's ':'; returns the port without leading zeros.
Result<std::string> parse_port(std::string_view authority, std::string_view port) {
  if (port.empty()) return invalid_host(authority, "the port after ':' is empty");
  std::uint32_t value = 0;
  for (char c : port) {
    if (!is_digit(c)) return invalid_host(authority, "the port is not a number");
    value = value * 10 + static_cast<std::uint32_t>(c - '0');
    if (value > 65535) return invalid_host(authority, "the port is above 65535");
  }
  if (value == 0) return invalid_host(authority, "the port is 0");
  return std::to_string(value);
}

}  // namespace

Result<std::string> server_key(std::string_view server_url) {
  if (server_url.size() > kMaxServerUrlBytes) {
    return invalid("longer than " + std::to_string(kMaxServerUrlBytes) + " bytes");
  }
  std::string_view rest = trim(server_url);
  if (rest.empty()) return invalid("it is empty");

  if (auto sep = rest.find("://");
      sep != std::string_view::npos && is_scheme(rest.substr(0, sep))) {
    std::string scheme = lowered(rest.substr(0, sep));
    if (scheme != "http" && scheme != "https") {
      return invalid("unsupported scheme '" + scheme + "' (only http:// and https://)");
    }
    rest.remove_prefix(sep + 3);
  }

  // The authority ends where the path, query or fragment begins.
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos) {
    return invalid("user information (user@host) is not allowed in a server URL");
  }
  for (char c : rest) {
    if (c == ' ' || is_control(c)) return invalid("it contains a space or control character");
  }
  if (authority.empty()) return invalid("it has no host");

  std::string host;
  std::string_view port_text;
  bool has_port = false;
  if (authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) {
      return invalid_host(authority, "'[' without a closing ']'");
    }
    std::string_view literal = authority.substr(1, close - 1);
    if (literal.empty()) return invalid_host(authority, "the IPv6 address is empty");
    if (literal.find(':') == std::string_view::npos) {
      return invalid_host(authority, "brackets hold something that is not an IPv6 address");
    }
    for (char c : literal) {
      if (!is_hex(c) && c != ':' && c != '.') {
        return invalid_host(authority, "bad character in the IPv6 address");
      }
    }
    host = "[" + lowered(literal) + "]";
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return invalid_host(authority, after.find_first_of("[]") != std::string_view::npos
                                           ? "unbalanced brackets"
                                           : "unexpected text after ']'");
      }
      has_port = true;
      port_text = after.substr(1);
    }
  } else {
    if (authority.find_first_of("[]") != std::string_view::npos) {
      return invalid_host(authority, "unbalanced brackets");
    }
    std::string_view name = authority;
    if (auto colon = authority.find(':'); colon != std::string_view::npos) {
      name = authority.substr(0, colon);
      port_text = authority.substr(colon + 1);
      has_port = true;
      if (port_text.find(':') != std::string_view::npos) {
        return invalid_host(authority, "an IPv6 address must be written in brackets ([::1]:5000)");
      }
    }
    if (name.empty()) return invalid_host(authority, "it has no host");
    for (char c : name) {
      if (!is_alpha(c) && !is_digit(c) && c != '.' && c != '-' && c != '_') {
        return invalid_host(authority, "bad character in the host name");
      }
    }
    host = lowered(name);
  }

  if (!has_port) {
    for (std::string_view alias : kDockerHubHosts) {
      if (host == alias) return std::string(kDockerHubKey);
    }
    return host;
  }
  auto port = parse_port(authority, port_text);
  if (!port.ok()) return std::move(port).error();
  return host + ":" + *port;
}

bool is_docker_hub(std::string_view key) { return key == kDockerHubKey; }

std::string list_server_url(std::string_view key) {
  return std::string(is_docker_hub(key) ? kDockerHubServerUrl : key);
}

}  // namespace darcy::helper
