// `docker-credential-darcy doctor`: runs the checks of doctor.h and prints
// one line per result (or a JSON array with --json). Exit 0 when nothing
// FAILs, 1 otherwise.
#include <optional>
#include <ostream>
#include <string>

#include "helper/command.h"
#include "helper/doctor.h"
#include "helper/fetcher.h"

namespace darcy::helper {
namespace {

constexpr std::string_view kUsageText =
    "Usage: docker-credential-darcy doctor [--json]\n"
    "\n"
    "Checks this node and prints one line per finding: OK, WARN or FAIL, what was\n"
    "checked, what was found and, for WARN and FAIL, the fix. Changes nothing.\n"
    "\n"
    "Checks:\n"
    "  config          the config file is found and valid; a controller-url is set\n"
    "  vault-dir       the vault directory exists, is yours and has mode 0700\n"
    "  node-key        node.key is present, private and consistent\n"
    "  node-pub        node.pub matches node.key\n"
    "  token-file      the agent token file is present, private and not empty\n"
    "  darcy-fetch     darcy-fetch is installed where the helper looks for it\n"
    "  controller      the controller answers over TLS with the configured CA and pin\n"
    "  token           the controller accepts the agent token\n"
    "  clock           this node's clock against the controller's Date header\n"
    "  enrollment      the controller seals passwords to this node's key\n"
    "  index           the registry list was synced within ttl\n"
    "  entries         cached secrets older than ttl (WARN) or grace (FAIL)\n"
    "  duplicates      a host served by several controller registries without a pin\n"
    "  pins            a pin that names no registry of its host\n"
    "  urls            registry urls that name no host\n"
    "  docker-config   Docker's config.json sends every served registry to darcy\n"
    "Checks that need something that failed before them are left out.\n"
    "No line ever shows the agent token, a password or a URL's user information.\n"
    "\n"
    "Options:\n"
    "  --json      print a JSON array of {check, status, detail, fix} instead\n"
    "              (fix is null for OK)\n"
    "  -h, --help  show this help\n"
    "\n"
    "Exit status: 0 when no check FAILs, 1 otherwise.\n";

}  // namespace

int run_doctor(CommandContext& ctx) {
  if (wants_help(ctx.args)) {
    ctx.out << kUsageText;
    return 0;
  }
  bool json = false;
  if (!parse_json_flag(ctx, json)) return 1;
  Result<std::string> fetch_path = ProcessFetcher::locate(ctx.self_path);
  std::optional<ProcessStatusRunner> runner;
  if (fetch_path) runner.emplace(*fetch_path);
  DoctorInputs inputs{ctx.fs, ctx.clock, ctx.env, fetch_path, runner ? &*runner : nullptr};
  const std::vector<CheckResult> results = run_checks(inputs);
  if (json) {
    print_results_json(ctx.out, results);
  } else {
    print_results(ctx.out, results);
  }
  return any_failed(results) ? 1 : 0;
}

}  // namespace darcy::helper
