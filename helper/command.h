// Operator commands of docker-credential-darcy (init, enroll, sync,
// registries, configure-docker): each is a function from a CommandContext to
// an exit code, listed in one table (cli.cc). Operator commands print results
// on `out` and errors on `err` (unlike protocol actions, whose errors go to
// stdout), exit 0 on success and 1 on failure, and answer `--help`.
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "helper/config.h"
#include "vault/clock.h"
#include "vault/file_system.h"

namespace darcy::helper {

struct CommandContext {
  const std::vector<std::string>& args;  // args[0] is the command's name
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
  vault::FileSystem& fs;
  const vault::Clock& clock;
  const Environment& env;
  std::string self_path;  // this executable, to find darcy-fetch beside it
};

struct Command {
  std::string_view name;
  std::string_view summary;
  int (*run)(CommandContext&);
};

// True if any argument after the command name is -h or --help.
bool wants_help(const std::vector<std::string>& args);

// For commands whose only flag is --json: sets `json`; on any other argument
// prints "docker-credential-darcy <command>: unknown argument ..." on ctx.err
// and returns false.
bool parse_json_flag(CommandContext& ctx, bool& json);

// Loads the configuration; on failure prints "docker-credential-darcy: <error>" on ctx.err.
Result<Config> load_config_or_report(CommandContext& ctx);

int run_init(CommandContext& ctx);
int run_enroll(CommandContext& ctx);
int run_sync(CommandContext& ctx);
int run_registries(CommandContext& ctx);
int run_configure_docker(CommandContext& ctx);
int run_doctor(CommandContext& ctx);

}  // namespace darcy::helper
