#include "helper/config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <limits>
#include <optional>
#include <sstream>
#include <system_error>
#include <utility>

#include <boost/program_options/errors.hpp>
#include <boost/program_options/options_description.hpp>
#include <boost/program_options/parsers.hpp>
#include <boost/program_options/value_semantic.hpp>

extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace darcy::helper {
namespace {

namespace po = boost::program_options;

constexpr std::array<std::string_view, 14> kKeys = {
    "controller-url",  "token-file", "ca-file", "pin-sha256",
    "insecure-http",   "vault-dir",  "ttl",     "grace",
    "connect-timeout", "timeout",    "pin",     "allow-store",
    "log-level",       "log-file"};

// The only key that may be given more than once.
constexpr std::string_view kRepeatableKey = "pin";

// One value for a key and where it came from, for error messages:
// "config file <path> line <n>" or "environment variable DARCY_<KEY>".
struct Setting {
  std::string value;
  std::string where;
};

// Key -> its values in order; one value for every key but `pin`.
using Settings = std::map<std::string, std::vector<Setting>, std::less<>>;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::string lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && lowered(s.substr(0, prefix.size())) == prefix;
}

// A value quoted for an error message: non-printable bytes escaped, long
// values shortened, so a message stays one readable line.
std::string quoted(std::string_view value) {
  constexpr std::size_t kMaxShown = 200;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "'";
  for (std::size_t i = 0; i < value.size() && i < kMaxShown; ++i) {
    auto u = static_cast<unsigned char>(value[i]);
    if (u < 0x20 || u >= 0x7f || value[i] == '\'' || value[i] == '\\') {
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    } else {
      out += value[i];
    }
  }
  if (value.size() > kMaxShown) out += "...";
  return out + "'";
}

std::string env_name(std::string_view key) {
  std::string name = "DARCY_";
  for (char c : key) {
    if (c == '-') {
      name += '_';
    } else if (c >= 'a' && c <= 'z') {
      name += static_cast<char>(c - 'a' + 'A');
    } else {
      name += c;
    }
  }
  return name;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// " (did you mean 'vault-dir'?)" for a near miss of a known key, else "".
std::string suggestion(std::string_view unknown) {
  std::string dashed(unknown);
  std::replace(dashed.begin(), dashed.end(), '_', '-');
  dashed = lowered(dashed);
  for (std::string_view key : kKeys) {
    if (dashed == key || edit_distance(dashed, key) <= 2) {
      return " (did you mean '" + std::string(key) + "'?)";
    }
  }
  return "";
}

Error invalid(const Setting& s, std::string_view key, std::string_view reason) {
  return Error::Config(s.where + ": invalid " + std::string(key) + " " + quoted(s.value) + ": " +
                       std::string(reason));
}

// A line of the config file that holds `key = value`, as Boost's parser sees it.
struct KeyLine {
  int number = 0;
  std::string key;
};

struct FileLines {
  std::vector<KeyLine> key_lines;
  int first_syntax_error = 0;  // line number; 0 if none
  int first_section = 0;       // line number; 0 if none
};

// Finds the line of every key, so errors can name it; mirrors Boost's rules
// (a `#` starts a comment anywhere, surrounding blanks are dropped).
FileLines scan_lines(std::string_view text) {
  FileLines lines;
  int number = 0;
  while (!text.empty()) {
    ++number;
    std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    line = trim(line.substr(0, line.find('#')));
    if (line.empty()) continue;
    if (line.front() == '[') {
      if (lines.first_section == 0) lines.first_section = number;
      continue;
    }
    std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      if (lines.first_syntax_error == 0) lines.first_syntax_error = number;
      continue;
    }
    lines.key_lines.push_back({number, std::string(trim(line.substr(0, eq)))});
  }
  return lines;
}

std::string at_line(const std::string& path, int number) {
  return "config file " + path + " line " + std::to_string(number);
}

Result<Settings> parse_file(const std::string& path, const std::string& text) {
  FileLines lines = scan_lines(text);
  if (lines.first_section != 0) {
    return Error::Config(at_line(path, lines.first_section) +
                         ": sections ([name]) are not used; write plain 'key = value' lines");
  }

  po::options_description known;
  for (std::string_view key : kKeys) {
    if (key == kRepeatableKey) {
      known.add_options()(key.data(), po::value<std::vector<std::string>>()->composing());
    } else {
      known.add_options()(key.data(), po::value<std::string>());
    }
  }

  po::parsed_options parsed(&known);
  try {
    std::istringstream in(text);
    parsed = po::parse_config_file(in, known, /*allow_unregistered=*/false);
  } catch (const po::unknown_option& e) {
    std::string name = e.get_option_name();
    int number = 0;
    for (const KeyLine& line : lines.key_lines) {
      if (line.key == name) {
        number = line.number;
        break;
      }
    }
    std::string where = number != 0 ? at_line(path, number) : "config file " + path;
    if (name.empty()) return Error::Config(where + ": a line has '=' but no key before it");
    return Error::Config(where + ": unknown key " + quoted(name) + suggestion(name));
  } catch (const po::invalid_config_file_syntax&) {
    std::string where = lines.first_syntax_error != 0 ? at_line(path, lines.first_syntax_error)
                                                      : "config file " + path;
    return Error::Config(where + ": expected a 'key = value' line, a '#' comment or a blank line");
  } catch (const po::error& e) {
    return Error::Config("config file " + path + ": " + e.what());
  }

  // Boost yields one option per `key = value` line, in file order.
  bool lines_match = parsed.options.size() == lines.key_lines.size();
  Settings settings;
  for (std::size_t i = 0; i < parsed.options.size(); ++i) {
    const po::option& option = parsed.options[i];
    std::string where = lines_match && lines.key_lines[i].key == option.string_key
                            ? at_line(path, lines.key_lines[i].number)
                            : "config file " + path;
    std::string value = option.value.empty() ? std::string() : option.value.front();
    auto& values = settings[option.string_key];
    if (!values.empty() && option.string_key != kRepeatableKey) {
      return Error::Config(where + ": " + option.string_key + " is set more than once (first at " +
                           values.front().where + ")");
    }
    values.push_back({std::move(value), std::move(where)});
  }
  return settings;
}

// The file's text; nullopt if it does not exist.
Result<std::optional<std::string>> read_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT || err == ENOTDIR) return std::optional<std::string>();
    return Error::Config("cannot read config file " + path + ": " +
                         std::generic_category().message(err));
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};

  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    return Error::Config("cannot read config file " + path + ": " +
                         std::generic_category().message(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    return Error::Config("config file " + path + " is not a regular file");
  }
  std::string text;
  char buffer[8192];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::Config("cannot read config file " + path + ": " +
                           std::generic_category().message(errno));
    }
    if (n == 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
    if (text.size() > kMaxConfigBytes) {
      return Error::Config("config file " + path + " is larger than " +
                           std::to_string(kMaxConfigBytes) + " bytes");
    }
  }
  return std::optional<std::string>(std::move(text));
}

// Replaces the file's settings with DARCY_<KEY> variables that are set.
void apply_environment(const Environment& env, Settings& settings) {
  for (std::string_view key : kKeys) {
    std::string name = env_name(key);
    const std::string* value = env.get(name);
    if (value == nullptr || value->empty()) continue;
    std::vector<Setting> values;
    std::string where = "environment variable " + name;
    if (key == kRepeatableKey) {
      std::string_view rest = *value;
      while (!rest.empty()) {
        std::size_t comma = rest.find(',');
        std::string_view part = trim(rest.substr(0, comma));
        rest.remove_prefix(comma == std::string_view::npos ? rest.size() : comma + 1);
        if (!part.empty()) values.push_back({std::string(part), where});
      }
    } else {
      values.push_back({*value, where});
    }
    settings.insert_or_assign(std::string(key), std::move(values));
  }
}

// A whole, non-negative number that fits an int64; nullopt otherwise.
std::optional<std::int64_t> parse_count(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    int digit = c - '0';
    if (value > (std::numeric_limits<std::int64_t>::max() - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

std::optional<bool> parse_bool(std::string_view text) {
  std::string v = lowered(text);
  if (v == "true" || v == "yes" || v == "1" || v == "on") return true;
  if (v == "false" || v == "no" || v == "0" || v == "off") return false;
  return std::nullopt;
}

// Standard base64 of exactly 32 bytes: 43 characters and one '=' pad; the last
// character before the pad carries 4 bits, so its low 2 bits must be zero.
bool is_base64_sha256(std::string_view text) {
  constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  if (text.size() != 44 || text.back() != '=') return false;
  for (std::size_t i = 0; i < 43; ++i) {
    std::size_t index = kAlphabet.find(text[i]);
    if (index == std::string_view::npos) return false;
    if (i == 42 && (index & 3) != 0) return false;
  }
  return true;
}

bool has_control(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

// Sets one field of `config` from `s`; `s.value` is already trimmed.
Status apply(std::string_view key, const Setting& s, Config& config) {
  const std::string& v = s.value;
  if (has_control(v)) return invalid(s, key, "contains a control character");

  auto duration = [&](std::int64_t& field) -> Status {
    auto n = parse_count(v);
    if (!n) return invalid(s, key, "expected a whole number of seconds (0 or more, no unit)");
    field = *n;
    return Ok();
  };
  auto boolean = [&](bool& field) -> Status {
    auto b = parse_bool(v);
    if (!b) return invalid(s, key, "expected true, false, yes, no, on, off, 1 or 0");
    field = *b;
    return Ok();
  };
  auto path = [&](std::string& field) -> Status {
    field = v;  // empty: keep the default
    return Ok();
  };

  if (key == "controller-url") return path(config.controller_url);
  if (key == "token-file") return path(config.token_file);
  if (key == "ca-file") return path(config.ca_file);
  if (key == "vault-dir") return path(config.vault_dir);
  if (key == "log-file") return path(config.log_file);
  if (key == "insecure-http") return boolean(config.insecure_http);
  if (key == "allow-store") return boolean(config.allow_store);
  if (key == "ttl") return duration(config.ttl);
  if (key == "grace") return duration(config.grace);
  if (key == "connect-timeout") return duration(config.connect_timeout);
  if (key == "timeout") return duration(config.timeout);
  if (key == "log-level") {
    std::string level = lowered(v);
    if (level != "error" && level != "warn" && level != "info" && level != "debug") {
      return invalid(s, key, "expected error, warn, info or debug");
    }
    config.log_level = level;
    return Ok();
  }
  if (key == "pin-sha256") {
    std::string_view pin = v;
    if (starts_with_nocase(pin, "sha256//")) pin.remove_prefix(8);
    if (!pin.empty() && !is_base64_sha256(pin)) {
      return invalid(s, key,
                     "expected the base64 SHA-256 of the controller's public key (44 characters "
                     "ending in '='), optionally prefixed with 'sha256//'");
    }
    config.pin_sha256 = std::string(pin);
    return Ok();
  }
  if (key == "pin") {
    std::size_t eq = v.find('=');
    std::string_view host = trim(std::string_view(v).substr(0, eq));
    std::optional<std::int64_t> id;
    if (eq != std::string::npos) id = parse_count(trim(std::string_view(v).substr(eq + 1)));
    if (host.empty() || !id || *id <= 0) {
      return invalid(s, key, "expected host=id with a registry ID of 1 or more, e.g. gcr.io=7");
    }
    config.pins.push_back({std::string(host), *id});
    return Ok();
  }
  return Error::Config(s.where + ": unknown key " + quoted(key));
}

std::string non_empty_var(const Environment& env, std::string_view name) {
  const std::string* value = env.get(name);
  return value == nullptr ? std::string() : *value;
}

// An XDG base directory variable: used only if set to an absolute path.
std::string xdg_dir(const Environment& env, std::string_view name) {
  std::string dir = non_empty_var(env, name);
  return !dir.empty() && dir.front() == '/' ? dir : std::string();
}

}  // namespace

Environment Environment::current() {
  Environment env;
  env.uid = ::getuid();
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view text = *entry;
    std::size_t eq = text.find('=');
    if (eq == std::string_view::npos) continue;
    env.vars.emplace(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
  }
  return env;
}

const std::string* Environment::get(std::string_view name) const {
  auto it = vars.find(std::string(name));
  return it == vars.end() ? nullptr : &it->second;
}

std::string default_config_path(const Environment& env) {
  if (env.uid == 0) return std::string(kSystemConfigPath);
  if (std::string xdg = xdg_dir(env, "XDG_CONFIG_HOME"); !xdg.empty()) {
    return xdg + "/darcy/helper.conf";
  }
  if (std::string home = non_empty_var(env, "HOME"); !home.empty()) {
    return home + "/.config/darcy/helper.conf";
  }
  return "";
}

std::string default_vault_dir(const Environment& env) {
  if (env.uid == 0) return std::string(kSystemVaultDir);
  if (std::string xdg = xdg_dir(env, "XDG_STATE_HOME"); !xdg.empty()) return xdg + "/darcy";
  if (std::string home = non_empty_var(env, "HOME"); !home.empty()) {
    return home + "/.local/state/darcy";
  }
  return "";
}

Result<Config> load_config(const Environment& env) {
  Config config;
  std::string path = non_empty_var(env, kConfigPathVariable);
  bool required = !path.empty();
  if (!required) path = default_config_path(env);

  Settings settings;
  if (!path.empty()) {
    auto text = read_file(path);
    if (!text.ok()) return std::move(text).error();
    if (text->has_value()) {
      auto parsed = parse_file(path, **text);
      if (!parsed.ok()) return std::move(parsed).error();
      settings = std::move(*parsed);
      config.source = path;
    } else if (required) {
      return Error::Config("config file " + path + " (named by " +
                           std::string(kConfigPathVariable) + ") does not exist");
    }
  }
  apply_environment(env, settings);

  for (const auto& [key, values] : settings) {
    for (const Setting& setting : values) {
      Setting trimmed{std::string(trim(setting.value)), setting.where};
      DARCY_TRY(apply(key, trimmed, config));
    }
  }

  if (!config.controller_url.empty()) {
    const Setting& s = settings.find("controller-url")->second.back();
    if (starts_with_nocase(config.controller_url, "http://")) {
      if (!config.insecure_http) {
        return invalid(s, "controller-url",
                       "plain http:// sends the token unencrypted; use https://, or set "
                       "insecure-http = true to allow it");
      }
    } else if (!starts_with_nocase(config.controller_url, "https://")) {
      return invalid(s, "controller-url", "expected a URL starting with https://");
    }
    std::string_view rest =
        std::string_view(config.controller_url).substr(config.controller_url.find("://") + 3);
    if (rest.empty() || rest.front() == '/') {
      return invalid(s, "controller-url", "the URL has no host");
    }
  }

  if (config.vault_dir.empty()) {
    config.vault_dir = default_vault_dir(env);
    if (config.vault_dir.empty()) {
      return Error::Config(
          "cannot determine the vault directory: HOME and XDG_STATE_HOME are not set; set "
          "vault-dir in the config file or DARCY_VAULT_DIR");
    }
  }
  return config;
}

}  // namespace darcy::helper
