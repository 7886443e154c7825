// `docker-credential-darcy enroll` and `sync`: operator commands that hand the
// network work to darcy-fetch, with its output shown to the operator.
#include <ostream>

#include "helper/command.h"
#include "helper/fetcher.h"
#include "vault/vault.h"

namespace darcy::helper {
namespace {

int run_darcy_fetch(CommandContext& ctx, const std::vector<std::string>& args) {
  auto path = ProcessFetcher::locate(ctx.self_path);
  if (!path) {
    ctx.err << "docker-credential-darcy: " << path.error().message() << "\n";
    return 1;
  }
  const int rc = ProcessFetcher(*path).run_attached(args);
  if (rc < 0) {
    ctx.err << "docker-credential-darcy: cannot run " << *path << "\n";
    return 1;
  }
  return rc == 0 ? 0 : 1;
}

// Creates the vault and node key if missing (darcy-fetch never does: it must
// not hold the secret key). Reports and returns false on failure.
bool ensure_vault(CommandContext& ctx) {
  auto config = load_config_or_report(ctx);
  if (!config) return false;
  auto v = vault::Vault::init(ctx.fs, ctx.clock, config->vault_dir);
  if (!v) ctx.err << "docker-credential-darcy: " << v.error().message() << "\n";
  return v.ok();
}

}  // namespace

int run_enroll(CommandContext& ctx) {
  if (wants_help(ctx.args)) {
    ctx.out << "Usage: docker-credential-darcy enroll\n\n"
               "Creates the vault and node key if needed (as init), then uploads the node's\n"
               "public key to the controller (PUT /api/v3/agent/node-key). From then on the\n"
               "controller seals every registry password to this node.\n";
    return 0;
  }
  if (ctx.args.size() != 1) {
    ctx.err << "docker-credential-darcy enroll: takes no arguments\n";
    return 1;
  }
  if (!ensure_vault(ctx)) return 1;
  ctx.out.flush();
  return run_darcy_fetch(ctx, {"enroll"});
}

int run_sync(CommandContext& ctx) {
  if (wants_help(ctx.args)) {
    ctx.out << "Usage: docker-credential-darcy sync\n\n"
               "Creates the vault if needed (as init), then fetches every registry's\n"
               "credentials from the controller now and seals them\n"
               "into the vault (the stored ETag makes an unchanged list cheap). Meant for a\n"
               "systemd timer, so that pulls rarely wait for the controller.\n";
    return 0;
  }
  if (ctx.args.size() != 1) {
    ctx.err << "docker-credential-darcy sync: takes no arguments\n";
    return 1;
  }
  // The first run of a sync timer on a new node creates the vault, as get does.
  if (!ensure_vault(ctx)) return 1;
  ctx.out.flush();
  return run_darcy_fetch(ctx, {"sync"});
}

}  // namespace darcy::helper
