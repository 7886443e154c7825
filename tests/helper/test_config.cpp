#include "helper/config.h"

#include <unistd.h>

#include <catch2/catch.hpp>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace darcy::helper {
namespace {

namespace fs = std::filesystem;

// base64(SHA-256 of the empty string): a well-formed pin-sha256.
constexpr std::string_view kGoodPin = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";

// A fresh directory under the system temp directory, removed afterwards.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "darcy-config-test-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

  // Writes `text` to `name` under the directory, creating parents; returns its path.
  std::string write(const std::string& name, std::string_view text) const {
    fs::path file = fs::path(path_) / name;
    fs::create_directories(file.parent_path());
    std::ofstream out(file, std::ios::binary);
    out << text;
    out.close();
    REQUIRE(out.good());
    return file.string();
  }

 private:
  std::string path_;
};

// A non-root user whose home is `home` and who names `config` explicitly.
Environment user_env(const std::string& home, const std::string& config = "") {
  Environment env;
  env.uid = 1000;
  env.vars["HOME"] = home;
  if (!config.empty()) env.vars["DARCY_CONFIG"] = config;
  return env;
}

// Writes `text` to helper.conf in `dir` and loads it through DARCY_CONFIG, in
// `env` if given, else as a non-root user whose home is `dir`.
Result<Config> load_text(const TempDir& dir, std::string_view text, Environment* env = nullptr) {
  std::string path = dir.write("helper.conf", text);
  if (env == nullptr) return load_config(user_env(dir.path(), path));
  env->vars["DARCY_CONFIG"] = path;
  return load_config(*env);
}

}  // namespace

TEST_CASE("a config file sets every key, with comments and blank lines allowed", "[config]") {
  TempDir dir;
  std::string path = dir.write("helper.conf",
                               "# Darcy helper\n"
                               "\n"
                               "controller-url = https://controller.example.com:51121/api/v3\n"
                               "token-file = /etc/darcy/token\n"
                               "   ca-file=/etc/darcy/ca.pem   \n"
                               "pin-sha256 = 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
                               "insecure-http = no\n"
                               "\t# indented comment\n"
                               "vault-dir = /srv/darcy\n"
                               "ttl = 60 # one minute\n"
                               "grace = 86400\n"
                               "connect-timeout = 2\n"
                               "timeout = 0\n"
                               "pin = gcr.io=7\n"
                               "pin = Registry.Example.com:5000 = 12\n"
                               "allow-store = off\n"
                               "log-level = DEBUG\n"
                               "log-file = /var/log/darcy.log\n");
  auto config = load_config(user_env(dir.path(), path));
  REQUIRE(config.ok());
  CHECK(config->controller_url == "https://controller.example.com:51121/api/v3");
  CHECK(config->token_file == "/etc/darcy/token");
  CHECK(config->ca_file == "/etc/darcy/ca.pem");
  CHECK(config->pin_sha256 == kGoodPin);
  CHECK_FALSE(config->insecure_http);
  CHECK(config->vault_dir == "/srv/darcy");
  CHECK(config->ttl == 60);
  CHECK(config->grace == 86400);
  CHECK(config->connect_timeout == 2);
  CHECK(config->timeout == 0);
  REQUIRE(config->pins.size() == 2);
  CHECK(config->pins[0] == RegistryPin{"gcr.io", 7});
  CHECK(config->pins[1] == RegistryPin{"Registry.Example.com:5000", 12});
  CHECK_FALSE(config->allow_store);
  CHECK(config->log_level == "debug");
  CHECK(config->log_file == "/var/log/darcy.log");
  CHECK(config->source == path);
}

TEST_CASE("a config file with CRLF line endings reads like one with LF", "[config]") {
  TempDir dir;
  auto config = load_text(dir, "ttl = 42\r\nlog-level = info\r\npin = gcr.io=3\r\n");
  REQUIRE(config.ok());
  CHECK(config->ttl == 42);
  CHECK(config->log_level == "info");
  REQUIRE(config->pins.size() == 1);
  CHECK(config->pins[0] == RegistryPin{"gcr.io", 3});
}

TEST_CASE("environment variables override the config file", "[config]") {
  TempDir dir;
  Environment env = user_env(dir.path());
  env.vars["DARCY_TTL"] = "20";
  env.vars["DARCY_VAULT_DIR"] = "/from/env";
  env.vars["DARCY_CONTROLLER_URL"] = "https://env.example.com";
  env.vars["DARCY_CONNECT_TIMEOUT"] = "9";
  env.vars["DARCY_ALLOW_STORE"] = "false";
  env.vars["DARCY_PIN"] = "a.example.com=1, b.example.com=2,";
  env.vars["DARCY_PIN_SHA256"] = "sha256//" + std::string(kGoodPin);
  auto config = load_text(dir,
                          "ttl = 10\n"
                          "grace = 100\n"
                          "vault-dir = /from/file\n"
                          "controller-url = https://file.example.com\n"
                          "allow-store = true\n"
                          "pin = gcr.io=7\n",
                          &env);
  REQUIRE(config.ok());
  CHECK(config->ttl == 20);
  CHECK(config->grace == 100);  // not overridden
  CHECK(config->vault_dir == "/from/env");
  CHECK(config->controller_url == "https://env.example.com");
  CHECK(config->connect_timeout == 9);
  CHECK_FALSE(config->allow_store);
  REQUIRE(config->pins.size() == 2);
  CHECK(config->pins[0] == RegistryPin{"a.example.com", 1});
  CHECK(config->pins[1] == RegistryPin{"b.example.com", 2});
  CHECK(config->pin_sha256 == kGoodPin);
}

TEST_CASE("an empty environment variable leaves the file's value in place", "[config]") {
  TempDir dir;
  Environment env = user_env(dir.path());
  env.vars["DARCY_TTL"] = "";
  env.vars["DARCY_VAULT_DIR"] = "";
  auto config = load_text(dir, "ttl = 10\nvault-dir = /from/file\n", &env);
  REQUIRE(config.ok());
  CHECK(config->ttl == 10);
  CHECK(config->vault_dir == "/from/file");
}

TEST_CASE("an unknown key is rejected naming the key, the file and the line", "[config]") {
  TempDir dir;
  auto config = load_text(dir, "ttl = 5\n\ncolour = blue\n");
  REQUIRE_FALSE(config.ok());
  CHECK(config.error().code() == ErrorCode::kConfig);
  CHECK_THAT(config.error().message(), Catch::Contains("'colour'"));
  CHECK_THAT(config.error().message(), Catch::Contains(dir.path() + "/helper.conf line 3"));
}

TEST_CASE("an unknown key close to a known one gets a suggestion", "[config]") {
  TempDir dir;
  auto config = load_text(dir, "vault_dir = /srv/darcy\n");
  REQUIRE_FALSE(config.ok());
  CHECK_THAT(config.error().message(), Catch::Contains("'vault_dir'"));
  CHECK_THAT(config.error().message(), Catch::Contains("did you mean 'vault-dir'"));

  auto typo = load_text(dir, "log-levle = info\n");
  REQUIRE_FALSE(typo.ok());
  CHECK_THAT(typo.error().message(), Catch::Contains("did you mean 'log-level'"));
}

TEST_CASE("a line that is not key = value is rejected naming its line", "[config]") {
  TempDir dir;
  auto config = load_text(dir, "# comment\nttl = 5\njust some words\n");
  REQUIRE_FALSE(config.ok());
  CHECK(config.error().code() == ErrorCode::kConfig);
  CHECK_THAT(config.error().message(), Catch::Contains("helper.conf line 3"));
  CHECK_THAT(config.error().message(), Catch::Contains("key = value"));

  auto no_key = load_text(dir, "= 5\n");
  REQUIRE_FALSE(no_key.ok());
  CHECK(no_key.error().code() == ErrorCode::kConfig);
  CHECK_THAT(no_key.error().message(), Catch::Contains("line 1"));
}

TEST_CASE("sections are rejected since the file has none", "[config]") {
  TempDir dir;
  auto config = load_text(dir, "ttl = 5\n[helper]\ngrace = 5\n");
  REQUIRE_FALSE(config.ok());
  CHECK(config.error().code() == ErrorCode::kConfig);
  CHECK_THAT(config.error().message(), Catch::Contains("line 2"));
  CHECK_THAT(config.error().message(), Catch::Contains("section"));
}

TEST_CASE("a key given twice is an error but pin may repeat", "[config]") {
  TempDir dir;
  auto twice = load_text(dir, "ttl = 5\nttl = 6\n");
  REQUIRE_FALSE(twice.ok());
  CHECK(twice.error().code() == ErrorCode::kConfig);
  CHECK_THAT(twice.error().message(), Catch::Contains("ttl is set more than once"));
  CHECK_THAT(twice.error().message(), Catch::Contains("line 2"));
  CHECK_THAT(twice.error().message(), Catch::Contains("line 1"));

  auto pins = load_text(dir, "pin = a=1\npin = b=2\npin = c=3\n");
  REQUIRE(pins.ok());
  CHECK(pins->pins.size() == 3);
}

namespace {

struct BadValue {
  std::string key;
  std::string value;
  std::string reason;  // part of the message
};

const std::vector<BadValue>& bad_values() {
  static const std::vector<BadValue> cases = {
      {"ttl", "5m", "whole number of seconds"},
      {"ttl", "-1", "whole number of seconds"},
      {"ttl", "1.5", "whole number of seconds"},
      {"ttl", "+5", "whole number of seconds"},
      {"ttl", "9223372036854775808", "whole number of seconds"},
      {"ttl", "99999999999999999999999", "whole number of seconds"},
      {"grace", "7d", "whole number of seconds"},
      {"connect-timeout", "five", "whole number of seconds"},
      {"timeout", "0x10", "whole number of seconds"},
      {"insecure-http", "maybe", "true, false"},
      {"allow-store", "2", "true, false"},
      {"allow-store", "enabled", "true, false"},
      {"log-level", "verbose", "error, warn, info or debug"},
      {"log-level", "warning", "error, warn, info or debug"},
      {"pin", "gcr.io", "host=id"},
      {"pin", "gcr.io=0", "host=id"},
      {"pin", "gcr.io=-3", "host=id"},
      {"pin", "gcr.io=seven", "host=id"},
      {"pin", "=7", "host=id"},
      {"pin", "gcr.io=99999999999999999999", "host=id"},
      {"pin-sha256", "abc", "base64 SHA-256"},
      {"pin-sha256", "sha256//abc", "base64 SHA-256"},
      {"pin-sha256", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU", "base64 SHA-256"},
      {"pin-sha256", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV=", "base64 SHA-256"},
      {"pin-sha256", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSu!U=", "base64 SHA-256"},
      {"pin-sha256", "sha1//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", "base64 SHA-256"},
      {"controller-url", "ftp://controller.example.com", "https://"},
      {"controller-url", "controller.example.com", "https://"},
      {"controller-url", "https://", "no host"},
      {"controller-url", "https:///api", "no host"},
      {"controller-url", "http://controller.example.com", "insecure-http = true"},
  };
  return cases;
}

std::string env_var_for(const std::string& key) {
  std::string name = "DARCY_";
  for (char c : key) {
    name += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return name;
}

}  // namespace

TEST_CASE("each invalid value in the file is rejected naming the key, line and value", "[config]") {
  TempDir dir;
  for (const BadValue& c : bad_values()) {
    INFO(c.key << " = " << c.value);
    auto config = load_text(dir, "# settings\n" + c.key + " = " + c.value + "\n");
    REQUIRE_FALSE(config.ok());
    CHECK(config.error().code() == ErrorCode::kConfig);
    const std::string& message = config.error().message();
    CHECK_THAT(message, Catch::Contains(c.key));
    CHECK_THAT(message, Catch::Contains(dir.path() + "/helper.conf line 2"));
    CHECK_THAT(message, Catch::Contains("'" + c.value + "'"));
    CHECK_THAT(message, Catch::Contains(c.reason));
  }
}

TEST_CASE("each invalid value in the environment is rejected naming the variable and value",
          "[config]") {
  TempDir dir;
  for (const BadValue& c : bad_values()) {
    INFO(c.key << " = " << c.value);
    Environment env = user_env(dir.path());
    env.vars[env_var_for(c.key)] = c.value;
    auto config = load_config(env);
    REQUIRE_FALSE(config.ok());
    CHECK(config.error().code() == ErrorCode::kConfig);
    const std::string& message = config.error().message();
    CHECK_THAT(message, Catch::Contains("environment variable " + env_var_for(c.key)));
    CHECK_THAT(message, Catch::Contains("'" + c.value + "'"));
    CHECK_THAT(message, Catch::Contains(c.reason));
  }
}

TEST_CASE("an empty duration in the file is rejected", "[config]") {
  TempDir dir;
  auto config = load_text(dir, "ttl =\n");
  REQUIRE_FALSE(config.ok());
  CHECK_THAT(config.error().message(), Catch::Contains("invalid ttl ''"));
}

TEST_CASE("a plain http controller is allowed once insecure-http is true", "[config]") {
  TempDir dir;
  for (std::string yes : {"true", "yes", "1", "on", "TRUE"}) {
    INFO("insecure-http = " << yes);
    auto config =
        load_text(dir, "controller-url = http://127.0.0.1:51121\ninsecure-http = " + yes + "\n");
    REQUIRE(config.ok());
    CHECK(config->insecure_http);
    CHECK(config->controller_url == "http://127.0.0.1:51121");
  }

  Environment env = user_env(dir.path());
  env.vars["DARCY_INSECURE_HTTP"] = "yes";
  auto from_env = load_text(dir, "controller-url = http://127.0.0.1:51121\n", &env);
  REQUIRE(from_env.ok());
  CHECK(from_env->insecure_http);
}

TEST_CASE("booleans accept true, false, yes, no, on, off, 1 and 0", "[config]") {
  TempDir dir;
  const std::vector<std::pair<std::string, bool>> cases = {
      {"true", true},   {"yes", true}, {"on", true},   {"1", true},  {"Yes", true},
      {"false", false}, {"no", false}, {"off", false}, {"0", false}, {"OFF", false}};
  for (const auto& [text, expected] : cases) {
    INFO("allow-store = " << text);
    auto config = load_text(dir, "allow-store = " + text + "\n");
    REQUIRE(config.ok());
    CHECK(config->allow_store == expected);
  }
}

TEST_CASE("pin-sha256 in curl's sha256// form is stored as plain base64", "[config]") {
  TempDir dir;
  auto config = load_text(dir, "pin-sha256 = sha256//" + std::string(kGoodPin) + "\n");
  REQUIRE(config.ok());
  CHECK(config->pin_sha256 == kGoodPin);
}

TEST_CASE("defaults apply when nothing is configured", "[config]") {
  TempDir dir;
  auto config = load_config(user_env(dir.path()));
  REQUIRE(config.ok());
  CHECK(config->controller_url.empty());
  CHECK(config->token_file.empty());
  CHECK(config->ca_file.empty());
  CHECK(config->pin_sha256.empty());
  CHECK_FALSE(config->insecure_http);
  CHECK(config->ttl == 300);
  CHECK(config->grace == 604800);
  CHECK(config->connect_timeout == 5);
  CHECK(config->timeout == 30);
  CHECK(config->pins.empty());
  CHECK(config->allow_store);
  CHECK(config->log_level == "warn");
  CHECK(config->log_file.empty());
  CHECK(config->source.empty());
  CHECK(config->vault_dir == dir.path() + "/.local/state/darcy");
}

TEST_CASE("root reads the system config file and uses the system vault directory", "[config]") {
  Environment root;
  root.uid = 0;
  root.vars["HOME"] = "/home/admin";
  root.vars["XDG_CONFIG_HOME"] = "/home/admin/.xdg-config";
  root.vars["XDG_STATE_HOME"] = "/home/admin/.xdg-state";
  CHECK(default_config_path(root) == "/etc/darcy/helper.conf");
  CHECK(default_vault_dir(root) == "/var/lib/darcy");

  TempDir dir;
  auto config = load_text(dir, "ttl = 1\n", &root);
  REQUIRE(config.ok());
  CHECK(config->vault_dir == "/var/lib/darcy");
}

TEST_CASE("a non-root user's defaults follow XDG, then HOME", "[config]") {
  Environment env;
  env.uid = 1000;
  CHECK(default_config_path(env).empty());
  CHECK(default_vault_dir(env).empty());

  env.vars["HOME"] = "/home/ana";
  CHECK(default_config_path(env) == "/home/ana/.config/darcy/helper.conf");
  CHECK(default_vault_dir(env) == "/home/ana/.local/state/darcy");

  env.vars["XDG_CONFIG_HOME"] = "relative/config";
  env.vars["XDG_STATE_HOME"] = "relative/state";
  CHECK(default_config_path(env) == "/home/ana/.config/darcy/helper.conf");
  CHECK(default_vault_dir(env) == "/home/ana/.local/state/darcy");

  env.vars["XDG_CONFIG_HOME"] = "/xdg/config";
  env.vars["XDG_STATE_HOME"] = "/xdg/state";
  CHECK(default_config_path(env) == "/xdg/config/darcy/helper.conf");
  CHECK(default_vault_dir(env) == "/xdg/state/darcy");
}

TEST_CASE("the default config file is read from XDG_CONFIG_HOME or HOME", "[config]") {
  TempDir dir;
  std::string home_file = dir.write(".config/darcy/helper.conf", "ttl = 11\n");
  Environment env = user_env(dir.path());
  auto from_home = load_config(env);
  REQUIRE(from_home.ok());
  CHECK(from_home->ttl == 11);
  CHECK(from_home->source == home_file);

  std::string xdg_file = dir.write("xdg/darcy/helper.conf", "ttl = 22\n");
  env.vars["XDG_CONFIG_HOME"] = dir.path() + "/xdg";
  auto from_xdg = load_config(env);
  REQUIRE(from_xdg.ok());
  CHECK(from_xdg->ttl == 22);
  CHECK(from_xdg->source == xdg_file);
}

TEST_CASE("a missing default config file is fine and leaves source empty", "[config]") {
  TempDir dir;
  Environment env = user_env(dir.path());
  env.vars["XDG_CONFIG_HOME"] = dir.path() + "/nowhere";
  auto config = load_config(env);
  REQUIRE(config.ok());
  CHECK(config->source.empty());
  CHECK(config->ttl == 300);
}

TEST_CASE("DARCY_CONFIG naming a missing file is an error", "[config]") {
  TempDir dir;
  std::string missing = dir.path() + "/absent.conf";
  auto config = load_config(user_env(dir.path(), missing));
  REQUIRE_FALSE(config.ok());
  CHECK(config.error().code() == ErrorCode::kConfig);
  CHECK_THAT(config.error().message(), Catch::Contains(missing));
  CHECK_THAT(config.error().message(), Catch::Contains("DARCY_CONFIG"));
  CHECK_THAT(config.error().message(), Catch::Contains("does not exist"));
}

TEST_CASE("a config path that is a directory is an error", "[config]") {
  TempDir dir;
  auto config = load_config(user_env(dir.path(), dir.path()));
  REQUIRE_FALSE(config.ok());
  CHECK(config.error().code() == ErrorCode::kConfig);
  CHECK_THAT(config.error().message(), Catch::Contains(dir.path()));
}

TEST_CASE("without HOME, XDG_STATE_HOME or vault-dir the vault directory is a config error",
          "[config]") {
  Environment env;
  env.uid = 1000;
  auto config = load_config(env);
  REQUIRE_FALSE(config.ok());
  CHECK(config.error().code() == ErrorCode::kConfig);
  CHECK_THAT(config.error().message(), Catch::Contains("vault-dir"));
  CHECK_THAT(config.error().message(), Catch::Contains("DARCY_VAULT_DIR"));

  env.vars["DARCY_VAULT_DIR"] = "/srv/darcy";
  auto with_dir = load_config(env);
  REQUIRE(with_dir.ok());
  CHECK(with_dir->vault_dir == "/srv/darcy");
}

TEST_CASE("the current environment holds the process's variables and user", "[config]") {
  const char* name = "DARCY_CONFIG_TEST_PROBE";
  REQUIRE(::setenv(name, "a=b=c", 1) == 0);
  Environment env = Environment::current();
  ::unsetenv(name);
  const std::string* value = env.get(name);
  REQUIRE(value != nullptr);
  CHECK(*value == "a=b=c");
  CHECK(env.uid == ::getuid());
  CHECK(env.get("DARCY_CONFIG_TEST_PROBE_UNSET") == nullptr);
}

}  // namespace darcy::helper
