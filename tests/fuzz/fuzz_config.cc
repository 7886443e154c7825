// Fuzz target: load_config() of an INI file (helper/config.h,
// docs/configuration.md). Input: the file's bytes. They are written to a file
// in a private temporary directory, named by DARCY_CONFIG, with a fixed HOME
// and a non-root uid and no other variable set.
//
// Invariants:
//   - load_config never throws (Boost.Program_options exceptions must be
//     caught where the file is parsed);
//   - failure: kConfig, and the message names the config file;
//   - success: every value is validated — no control character in any
//     string, controller-url empty or https:// (http:// only with
//     insecure-http) with a host, a known log-level, pins `host=id` with
//     id >= 1, pin-sha256 empty or 44 base64 characters, durations >= 0, a
//     vault directory — and writing the Config back as an INI file and
//     loading that gives the same Config.
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>

#include "helper/config.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using darcy::helper::Config;
using darcy::helper::Environment;

// A private directory for the config file, removed at exit.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "darcy-fuzz-XXXXXX").string();
    DARCY_FUZZ_CHECK(::mkdtemp(pattern.data()) != nullptr, "a temporary directory is made");
    dir_ = pattern;
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string file(std::string_view name) const { return dir_ + "/" + std::string(name); }

 private:
  std::string dir_;
};

const ScratchDir& scratch() {
  static const ScratchDir dir;
  return dir;
}

void write_file(const std::string& path, std::string_view bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  DARCY_FUZZ_CHECK(fd >= 0, "the config file can be written");
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    DARCY_FUZZ_CHECK(n > 0, "the config file can be written");
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
}

Environment environment_for(const std::string& path) {
  Environment env;
  env.uid = 1000;
  env.vars["DARCY_CONFIG"] = path;
  env.vars["HOME"] = "/home/darcy";
  return env;
}

// Runs load_config, trapping on an exception.
darcy::Result<Config> load(const std::string& path) {
  try {
    return darcy::helper::load_config(environment_for(path));
  } catch (...) {
    DARCY_FUZZ_CHECK(false, "load_config never throws");
  }
  __builtin_trap();
}

bool has_control(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return true;
  }
  return false;
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

void check_valid(const Config& c, const std::string& path) {
  for (const std::string* s : {&c.controller_url, &c.token_file, &c.ca_file, &c.pin_sha256,
                               &c.vault_dir, &c.log_level, &c.log_file}) {
    DARCY_FUZZ_CHECK(!has_control(*s), "no setting holds a control character");
  }
  if (!c.controller_url.empty()) {
    const bool https = starts_with_nocase(c.controller_url, "https://");
    const bool http = starts_with_nocase(c.controller_url, "http://");
    DARCY_FUZZ_CHECK(https || (http && c.insecure_http),
                     "controller-url is https://, or http:// with insecure-http");
    const std::string_view rest =
        std::string_view(c.controller_url).substr(c.controller_url.find("://") + 3);
    DARCY_FUZZ_CHECK(!rest.empty() && rest.front() != '/', "controller-url has a host");
  }
  DARCY_FUZZ_CHECK(c.log_level == "error" || c.log_level == "warn" || c.log_level == "info" ||
                       c.log_level == "debug",
                   "log-level is error, warn, info or debug");
  for (const auto& pin : c.pins) {
    DARCY_FUZZ_CHECK(!pin.host.empty() && pin.id >= 1, "a pin is host=id with id >= 1");
    DARCY_FUZZ_CHECK(!has_control(pin.host), "a pin's host holds no control character");
  }
  DARCY_FUZZ_CHECK(c.pin_sha256.empty() ||
                       (c.pin_sha256.size() == 44 && c.pin_sha256.back() == '='),
                   "pin-sha256 is empty or 44 base64 characters");
  DARCY_FUZZ_CHECK(c.ttl >= 0 && c.grace >= 0 && c.connect_timeout >= 0 && c.timeout >= 0,
                   "durations are not negative");
  DARCY_FUZZ_CHECK(!c.vault_dir.empty(), "the vault directory is always known");
  DARCY_FUZZ_CHECK(c.source == path, "source names the file read");
}

// `c` as a config file a person could have written.
std::string ini_of(const Config& c) {
  std::string text = "# written back by the fuzz target\n";
  auto line = [&](std::string_view key, std::string_view value) {
    text.append(key).append(" = ").append(value).push_back('\n');
  };
  line("controller-url", c.controller_url);
  line("token-file", c.token_file);
  line("ca-file", c.ca_file);
  line("pin-sha256", c.pin_sha256);
  line("insecure-http", c.insecure_http ? "true" : "false");
  line("vault-dir", c.vault_dir);
  line("ttl", std::to_string(c.ttl));
  line("grace", std::to_string(c.grace));
  line("connect-timeout", std::to_string(c.connect_timeout));
  line("timeout", std::to_string(c.timeout));
  for (const auto& pin : c.pins) line("pin", pin.host + "=" + std::to_string(pin.id));
  line("allow-store", c.allow_store ? "yes" : "no");
  line("log-level", c.log_level);
  line("log-file", c.log_file);
  return text;
}

bool same_settings(const Config& a, const Config& b) {
  return a.controller_url == b.controller_url && a.token_file == b.token_file &&
         a.ca_file == b.ca_file && a.pin_sha256 == b.pin_sha256 &&
         a.insecure_http == b.insecure_http && a.vault_dir == b.vault_dir && a.ttl == b.ttl &&
         a.grace == b.grace && a.connect_timeout == b.connect_timeout &&
         a.timeout == b.timeout && a.pins == b.pins && a.allow_store == b.allow_store &&
         a.log_level == b.log_level && a.log_file == b.log_file;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = scratch().file("helper.conf");
  write_file(path, std::string_view(reinterpret_cast<const char*>(data), size));

  auto config = load(path);
  if (!config.ok()) {
    DARCY_FUZZ_CHECK(config.error().code() == darcy::ErrorCode::kConfig,
                     "a bad config file is kConfig");
    DARCY_FUZZ_CHECK(config.error().message().find(path) != std::string::npos,
                     "the message names the config file");
    return 0;
  }
  check_valid(*config, path);

  const std::string again_path = scratch().file("written-back.conf");
  write_file(again_path, ini_of(*config));
  auto again = load(again_path);
  DARCY_FUZZ_CHECK(again.ok(), "a config written back from a valid one loads");
  DARCY_FUZZ_CHECK(same_settings(*again, *config), "a config written back loads the same");
  return 0;
}
