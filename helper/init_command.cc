// `docker-credential-darcy init`: creates the vault and node key.
#include <ostream>

#include "helper/command.h"
#include "vault/vault.h"

namespace darcy::helper {

int run_init(CommandContext& ctx) {
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
  auto config = load_config_or_report(ctx);
  if (!config) return 1;
  auto v = vault::Vault::init(ctx.fs, ctx.clock, config->vault_dir);
  if (!v) {
    ctx.err << "docker-credential-darcy: " << v.error().message() << "\n";
    return 1;
  }
  ctx.out << "vault: " << v->dir() << "\n"
          << "node public key: " << vault::public_key_base64(v->public_key()) << "\n";
  return 0;
}

}  // namespace darcy::helper
