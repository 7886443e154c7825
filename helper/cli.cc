#include "helper/cli.h"

#include <array>
#include <functional>
#include <iostream>
#include <string_view>

#include "helper/config.h"
#include "helper/protocol.h"
#include "helper/server_key.h"
#include "helper/vault_store.h"
#include "vault/clock.h"
#include "vault/file_system.h"
#include "vault/vault.h"

namespace darcy::helper {
namespace {

struct Context {
  const std::vector<std::string>& args;
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
  vault::RealFileSystem fs;
  vault::SystemClock clock;
};

Result<Config> load() {
  return load_config(Environment::current());
}

// Pins from the configuration, their hosts normalised to server keys.
Result<std::vector<KeyPin>> key_pins(const Config& config) {
  std::vector<KeyPin> pins;
  for (const RegistryPin& pin : config.pins) {
    auto key = server_key(pin.host);
    if (!key) return std::move(key).error().with_context("pin = " + pin.host);
    pins.push_back({*key, pin.id});
  }
  return pins;
}

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

Result<VaultStoreOptions> store_options() {
  auto config = load();
  if (!config) return std::move(config).error();
  auto pins = key_pins(*config);
  if (!pins) return std::move(pins).error();
  return VaultStoreOptions{config->vault_dir, config->allow_store, std::move(pins).value()};
}

int run_protocol(Context& ctx) {
  auto options = store_options();
  if (!options) {
    UnavailableStore store(std::move(options).error());
    return serve(ctx.args, ctx.in, ctx.out, store);
  }
  VaultStore store(ctx.fs, ctx.clock, std::move(options).value());
  return serve(ctx.args, ctx.in, ctx.out, store);
}

bool wants_help(const std::vector<std::string>& args) {
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "-h" || args[i] == "--help") return true;
  }
  return false;
}

int run_init(Context& ctx) {
  if (wants_help(ctx.args)) {
    ctx.out << "Usage: docker-credential-darcy init\n\n"
               "Creates the vault directory (mode 0700) and the node's X25519 key pair if they\n"
               "do not exist yet, and prints the node public key. Safe to run again: an\n"
               "existing key is kept.\n";
    return 0;
  }
  if (ctx.args.size() != 1) {
    ctx.err << "docker-credential-darcy init: takes no arguments\n";
    return 1;
  }
  auto config = load();
  if (!config) {
    ctx.err << "docker-credential-darcy: " << config.error().message() << "\n";
    return 1;
  }
  auto v = vault::Vault::init(ctx.fs, ctx.clock, config->vault_dir);
  if (!v) {
    ctx.err << "docker-credential-darcy: " << v.error().message() << "\n";
    return 1;
  }
  ctx.out << "vault: " << v->dir() << "\n"
          << "node public key: " << vault::public_key_base64(v->public_key()) << "\n";
  return 0;
}

struct Command {
  std::string_view name;
  std::string_view summary;
  std::function<int(Context&)> run;
};

const std::array<Command, 1>& operator_commands() {
  static const std::array<Command, 1> commands = {{
      {"init", "create the vault and node key (idempotent); print the public key", run_init},
  }};
  return commands;
}

}  // namespace

int run(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
        std::ostream& err) {
  Context ctx{args, in, out, err, {}, {}};
  if (!args.empty()) {
    for (const Command& c : operator_commands()) {
      if (c.name == args[0]) return c.run(ctx);
    }
  }
  if (args.size() == 1 && (args[0] == "-h" || args[0] == "--help")) {
    // The protocol usage line first, as every credential helper prints it.
    out << kUsage << "\n\nOperator commands:\n";
    for (const Command& c : operator_commands()) {
      out << "  " << c.name << std::string(12 - c.name.size(), ' ') << c.summary << "\n";
    }
    return 0;
  }
  return run_protocol(ctx);
}

}  // namespace darcy::helper
