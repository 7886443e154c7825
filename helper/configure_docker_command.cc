// `docker-credential-darcy configure-docker`: points Docker's credHelpers at
// this helper for every registry the vault can answer, or for the hosts named
// with --registries, keeping every other key of config.json (DESIGN.md
// section 9). The JSON editing lives in docker_config.h; this file finds the
// hosts and the file, and writes it atomically.
#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

#include "helper/command.h"
#include "helper/docker_config.h"
#include "helper/registry_match.h"
#include "helper/server_key.h"
#include "vault/vault.h"

namespace darcy::helper {
namespace {

constexpr std::string_view kPrefix = "docker-credential-darcy configure-docker: ";

constexpr std::string_view kUsageText =
    "Usage: docker-credential-darcy configure-docker [--registries HOST[,HOST...]] [--dry-run]\n"
    "\n"
    "Adds \"credHelpers\" entries naming \"darcy\" to Docker's config.json\n"
    "($DOCKER_CONFIG/config.json, else $HOME/.docker/config.json), so Docker asks this\n"
    "helper for those registries' credentials. Every other key of the file is kept as\n"
    "it is; an entry that named another helper is replaced and reported. The file is\n"
    "written atomically and keeps its mode (a new one is created with mode 0600, its\n"
    "directory with 0700). A file that is not a JSON object is left untouched.\n"
    "\n"
    "Without --registries, every registry the vault holds credentials for is added.\n"
    "Docker Hub is added under both keys clients look up: https://index.docker.io/v1/\n"
    "(docker) and docker.io (skopeo, podman, buildah).\n"
    "\n"
    "Options:\n"
    "  --registries HOSTS  comma-separated registries (server URLs or host[:port])\n"
    "                      instead of those in the vault\n"
    "  --dry-run           print the resulting config.json instead of writing it\n"
    "  -h, --help          show this help\n";

struct Options {
  bool dry_run = false;
  bool have_registries = false;
  std::vector<std::string> registries;  // as given, split at commas
};

void split_into(std::string_view list, std::vector<std::string>* out) {
  while (true) {
    const auto comma = list.find(',');
    out->emplace_back(list.substr(0, comma));
    if (comma == std::string_view::npos) return;
    list.remove_prefix(comma + 1);
  }
}

Result<Options> parse_options(const std::vector<std::string>& args) {
  Options options;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--dry-run") {
      options.dry_run = true;
    } else if (arg == "--registries") {
      if (i + 1 == args.size()) return Error::InvalidInput("--registries needs a list of hosts");
      options.have_registries = true;
      split_into(args[++i], &options.registries);
    } else if (arg.rfind("--registries=", 0) == 0) {
      options.have_registries = true;
      split_into(std::string_view(arg).substr(std::string_view("--registries=").size()),
                 &options.registries);
    } else {
      return Error::InvalidInput("unknown argument '" + arg + "' (see --help)");
    }
  }
  return options;
}

// The credHelpers keys for the hosts given with --registries.
Result<std::vector<std::string>> keys_of_registries(const std::vector<std::string>& registries) {
  std::vector<std::string> hosts;
  for (std::size_t i = 0; i < registries.size(); ++i) {
    auto key = server_key(registries[i]);
    if (!key) {
      // server_key's message names the host when it is safe to show.
      return Error::InvalidInput("--registries, host " + std::to_string(i + 1) + " of " +
                                 std::to_string(registries.size()) + ": " + key.error().message());
    }
    for (std::string& host : cred_helper_keys(*key)) hosts.push_back(std::move(host));
  }
  return hosts;
}

// The credHelpers keys of every registry the vault answers with credentials,
// in key order.
Result<std::vector<std::string>> keys_from_vault(CommandContext& ctx, const Config& config) {
  auto pins = key_pins(config.pins);
  if (!pins) return std::move(pins).error();
  auto v = vault::Vault::open(ctx.fs, ctx.clock, config.vault_dir);
  if (!v) {
    if (v.error().is_not_found()) {
      return Error::NotFound("there is no vault at " + config.vault_dir +
                             " yet, so no registry to add. Fix: run `docker-credential-darcy "
                             "init`, or name the hosts with --registries");
    }
    return std::move(v).error();
  }
  auto index = v->load();
  if (!index) return std::move(index).error();
  std::vector<std::string> hosts;
  for (const std::string& key : served_keys(*index, *pins)) {
    for (std::string& host : cred_helper_keys(key)) hosts.push_back(std::move(host));
  }
  return hosts;
}

// Creates `dir` and any missing ancestors with mode 0700, as docker does.
Status make_dirs(vault::FileSystem& fs, const std::string& dir) {
  auto info = fs.stat(dir);
  if (!info) return std::move(info).error();
  if (info->exists) {
    if (!info->is_dir) return Error::IOError(dir + " exists and is not a directory");
    return Ok();
  }
  const std::string parent = vault::parent_dir(dir);
  if (parent != dir && parent != "." && parent != "/") DARCY_TRY(make_dirs(fs, parent));
  auto made = fs.make_dir(dir, 0700);
  if (!made) {
    auto again = fs.stat(dir);  // another process may have created it meanwhile
    if (again && again->exists && again->is_dir) return Ok();
    return made;
  }
  return Ok();
}

struct ExistingFile {
  std::string text;    // empty if the file does not exist
  mode_t mode = 0600;  // the mode to write the new file with
};

Result<ExistingFile> read_existing(CommandContext& ctx, const std::string& path) {
  auto info = ctx.fs.stat(path);
  if (!info) return std::move(info).error();
  ExistingFile file;
  if (!info->exists) return file;
  if (info->is_symlink) {
    return Error::InvalidInput(path +
                               " is a symbolic link, which an atomic rewrite would "
                               "replace with a file. Fix: set DOCKER_CONFIG to the directory "
                               "holding the real config.json");
  }
  if (!info->is_regular) return Error::InvalidInput(path + " is not a regular file");
  if (info->owner != ctx.env.uid) {
    // Rewriting it would hand the file to us (often root) and lock its owner out.
    return Error::Permission(path + " is owned by uid " + std::to_string(info->owner) +
                             ", not by you (uid " + std::to_string(ctx.env.uid) +
                             "). Fix: run configure-docker as that user");
  }
  auto text = ctx.fs.read_file(path, kMaxDockerConfigBytes);
  if (!text) return std::move(text).error();
  file.text = std::move(text).value();
  file.mode = info->mode;
  return file;
}

int fail(CommandContext& ctx, const Error& error) {
  ctx.err << kPrefix << error.message() << "\n";
  return 1;
}

}  // namespace

int run_configure_docker(CommandContext& ctx) {
  if (wants_help(ctx.args)) {
    ctx.out << kUsageText;
    return 0;
  }
  auto options = parse_options(ctx.args);
  if (!options) return fail(ctx, options.error());
  auto path = docker_config_path(ctx.env);
  if (!path) return fail(ctx, path.error());

  std::vector<std::string> hosts;
  if (options->have_registries) {
    auto keys = keys_of_registries(options->registries);
    if (!keys) return fail(ctx, keys.error());
    hosts = std::move(keys).value();
  } else {
    auto config = load_config_or_report(ctx);
    if (!config) return 1;
    auto keys = keys_from_vault(ctx, *config);
    if (!keys) return fail(ctx, keys.error());
    hosts = std::move(keys).value();
  }

  auto existing = read_existing(ctx, *path);
  if (!existing) return fail(ctx, existing.error());
  auto edit = add_cred_helpers(existing->text, *path, hosts);
  if (!edit) return fail(ctx, edit.error());

  // With --dry-run stdout carries only the JSON, so the report goes to stderr.
  std::ostream& report = options->dry_run ? ctx.err : ctx.out;
  for (const CredHelperChange& change : edit->changes) report << describe(change) << "\n";
  if (edit->changes.empty()) {
    if (hosts.empty()) {
      report << "nothing to add: the vault holds no registry with credentials\n";
    } else {
      report << "nothing to add: every host already uses \"" << kCredHelperName << "\" in " << *path
             << "\n";
    }
  }
  if (options->dry_run) {
    ctx.out << edit->json;
    return 0;
  }
  if (edit->changes.empty()) return 0;

  if (auto made = make_dirs(ctx.fs, vault::parent_dir(*path)); !made) {
    return fail(ctx, made.error());
  }
  if (auto written = vault::write_file_atomic(ctx.fs, *path, edit->json, existing->mode);
      !written) {
    return fail(ctx, written.error());
  }
  ctx.out << "wrote " << *path << "\n";
  return 0;
}

}  // namespace darcy::helper
