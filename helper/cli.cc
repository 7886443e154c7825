#include "helper/cli.h"

#include <unistd.h>

#include <array>
#include <climits>
#include <memory>
#include <iostream>
#include <string_view>

#include "helper/command.h"
#include "helper/config.h"
#include "helper/event_log.h"
#include "helper/fetcher.h"
#include "helper/protocol.h"
#include "helper/server_key.h"
#include "helper/vault_store.h"
#include "vault/clock.h"
#include "vault/file_system.h"

namespace darcy::helper {
namespace {

constexpr std::array kCommands = {
    Command{"init", "create the vault and node key (idempotent); print the public key", run_init},
    Command{"registries", "list the vault's registry entries (table or --json)", run_registries},
    Command{"configure-docker", "add credHelpers entries for darcy to Docker's config.json",
            run_configure_docker},
    Command{"enroll", "upload the node public key to the controller", run_enroll},
    Command{"sync", "fetch every registry's credentials from the controller now", run_sync},
    Command{"doctor", "check config, vault, key, token, controller and Docker's config", run_doctor},
};

// Answers every operation with the error that kept the real store from
// opening (a bad configuration), so `version` and usage still work and each
// action reports the cause on stdout as the protocol wants.
class UnavailableStore : public CredentialStore {
 public:
  explicit UnavailableStore(Error error) : error_(std::move(error)) {}
  Status add(const Credentials&) override { return error_; }
  Status erase(std::string_view) override { return error_; }
  Result<Credentials> get(std::string_view) override { return error_; }
  Result<std::vector<std::pair<std::string, std::string>>> list() override { return error_; }

 private:
  Error error_;
};

// Stands in for darcy-fetch when it cannot be found: every fetch fails with why.
class MissingFetcher : public Fetcher {
 public:
  explicit MissingFetcher(Error error) : error_(std::move(error)) {}
  Status fetch_registry(std::int64_t) override { return error_; }
  Status sync() override { return error_; }

 private:
  Error error_;
};

int run_protocol(CommandContext& ctx) {
  auto config = load_config(ctx.env);
  Result<std::vector<KeyPin>> pins = std::vector<KeyPin>{};
  if (config) pins = key_pins(config->pins);
  if (!config || !pins) {
    UnavailableStore store(config ? pins.error() : config.error());
    return serve(ctx.args, ctx.in, ctx.out, store);
  }
  std::unique_ptr<Fetcher> fetcher;
  if (!config->controller_url.empty()) {
    auto path = ProcessFetcher::locate(ctx.self_path);
    if (path) {
      fetcher = std::make_unique<ProcessFetcher>(*path);
    } else {
      fetcher = std::make_unique<MissingFetcher>(path.error());
    }
  }
  VaultStoreOptions options;
  options.vault_dir = config->vault_dir;
  options.allow_store = config->allow_store;
  options.pins = std::move(pins).value();
  options.ttl = config->ttl;
  options.grace = config->grace;
  options.fetcher = fetcher.get();
  EventLog log("docker-credential-darcy",
               parse_log_level(config->log_level).value_or(LogLevel::kWarn), config->log_file,
               &ctx.err);
  options.log = &log;
  VaultStore store(ctx.fs, ctx.clock, std::move(options));
  return serve(ctx.args, ctx.in, ctx.out, store);
}

std::string executable_path() {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return {};
  return std::string(buf, static_cast<std::size_t>(n));
}

}  // namespace

bool wants_help(const std::vector<std::string>& args) {
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "-h" || args[i] == "--help") return true;
  }
  return false;
}

bool parse_json_flag(CommandContext& ctx, bool& json) {
  json = false;
  for (std::size_t i = 1; i < ctx.args.size(); ++i) {
    if (ctx.args[i] != "--json") {
      ctx.err << "docker-credential-darcy " << ctx.args[0] << ": unknown argument '" << ctx.args[i]
              << "' (see --help)\n";
      return false;
    }
    json = true;
  }
  return true;
}

Result<Config> load_config_or_report(CommandContext& ctx) {
  auto config = load_config(ctx.env);
  if (!config) ctx.err << "docker-credential-darcy: " << config.error().message() << "\n";
  return config;
}

int run(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
        std::ostream& err) {
  vault::RealFileSystem fs;
  vault::SystemClock clock;
  const Environment env = Environment::current();
  CommandContext ctx{args, in, out, err, fs, clock, env, executable_path()};
  if (!args.empty()) {
    for (const Command& c : kCommands) {
      if (c.name == args[0]) return c.run(ctx);
    }
  }
  if (args.size() == 1 && (args[0] == "-h" || args[0] == "--help")) {
    // The protocol usage line first, as every credential helper prints it.
    out << kUsage << "\n\nOperator commands (each takes --help):\n";
    for (const Command& c : kCommands) {
      out << "  " << c.name << std::string(18 - c.name.size(), ' ') << c.summary << "\n";
    }
    return 0;
  }
  return run_protocol(ctx);
}

}  // namespace darcy::helper
