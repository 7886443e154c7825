// Tests of `docker-credential-darcy doctor` (helper/doctor.h, doctor_command.cc):
// each check's OK, WARN and FAIL against a real vault in a temporary directory,
// a fixed clock, and a scripted `darcy-fetch status` (a fake StatusRunner, or
// a shell script standing in for darcy-fetch for the command itself).
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "helper/command.h"
#include "helper/doctor.h"
#include "helper/server_key.h"
#include "support/faulty_file_system.h"
#include "support/temp_dir.h"
#include "vault/node_key.h"
#include "vault/vault.h"

namespace darcy::helper {
namespace {

using darcy::testing::FixedClock;
using darcy::testing::TempDir;

constexpr std::int64_t kNow = 1'700'000'000;
constexpr std::string_view kToken = "agent-token-6f1c0d2e9b";
constexpr std::string_view kPassword = "registry-password-77aa";

std::string http_date(std::int64_t t) {
  const time_t tt = static_cast<time_t>(t);
  struct tm tm {};
  gmtime_r(&tt, &tm);
  char buf[64];
  const std::size_t n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return std::string(buf, n);
}

void write_file(const std::string& path, const std::string& text, mode_t mode) {
  std::ofstream(path, std::ios::trunc) << text;
  REQUIRE(::chmod(path.c_str(), mode) == 0);
}

// Answers run_status() with a scripted darcy-fetch run.
class FakeStatusRunner : public StatusRunner {
 public:
  Result<FetchOutput> answer = Error::Unavailable("nothing scripted");
  int calls = 0;
  Result<FetchOutput> run_status() override {
    ++calls;
    return answer;
  }
};

struct Row {
  std::int64_t id;
  std::string url;
  std::string username = "user";
  std::int64_t age = 10;  // seconds since fetched
  bool cached = true;
  bool is_public = false;
};

// A healthy node: config, vault, token file, Docker config; a controller
// report that everything is fine.
struct Fixture {
  TempDir tmp;
  vault::RealFileSystem fs;
  FixedClock clock{kNow};
  Environment env;
  std::string conf = tmp / "helper.conf";
  std::string vault_dir = tmp / "vault";
  std::string token = tmp / "agent.token";
  std::string docker = tmp / "docker";
  FakeStatusRunner runner;
  nlohmann::json report;

  Fixture() {
    env.uid = ::getuid();
    env.vars["DARCY_CONFIG"] = conf;
    env.vars["DOCKER_CONFIG"] = docker;
    env.vars["HOME"] = tmp / "home";
    write_config("");
    write_file(token, std::string(kToken) + "\n", 0600);
    REQUIRE(vault::Vault::init(fs, clock, vault_dir).ok());
    std::filesystem::create_directories(docker);
    report = {{"reachable", true},    {"httpStatus", 200},       {"tls", "ok"},
              {"date", http_date(kNow)}, {"controllerVersion", "3.0.0"},
              {"error", nullptr},     {"tokenAccepted", true},   {"registries", 3},
              {"sealed", nullptr},    {"probe", nullptr},        {"listError", nullptr}};
  }

  void write_config(const std::string& extra) {
    write_file(conf,
               "controller-url = https://controller.example.com:51121\n"
               "token-file = " + token + "\n"
               "vault-dir = " + vault_dir + "\n"
               "ttl = 300\n"
               "grace = 86400\n" + extra,
               0644);
  }

  vault::Vault open_vault() { return vault::Vault::open(fs, clock, vault_dir).value(); }

  void add(const std::vector<Row>& rows, std::int64_t synced_age = 5) {
    auto v = open_vault();
    REQUIRE(v.update([&](vault::Index& index) -> Status {
               index.synced_at = kNow - synced_age;
               for (const Row& r : rows) {
                 vault::Entry e;
                 e.id = r.id;
                 e.url = r.url;
                 auto key = server_key(r.url);
                 e.key = key ? *key : "";
                 e.username = r.username;
                 e.is_public = r.is_public;
                 e.source = r.id == 0 ? vault::Source::kLocal : vault::Source::kController;
                 e.fetched_at = kNow - r.age;
                 if (r.cached && !r.username.empty()) {
                   e.sealed = vault::seal_credential(v.public_key(), r.id, r.url, r.username,
                                                     kPassword);
                 }
                 index.entries.push_back(e);
               }
               return Ok();
             }).ok());
  }

  void docker_config(const std::string& json) { write_file(docker + "/config.json", json, 0600); }

  std::vector<CheckResult> run() {
    runner.answer = FetchOutput{0, report.dump() + "\n", ""};
    DoctorInputs in{fs, clock, env, Result<std::string>(std::string("/opt/darcy/darcy-fetch")),
                    &runner};
    return run_checks(in);
  }
};

// The results of one check.
std::vector<CheckResult> of(const std::vector<CheckResult>& results, const std::string& check) {
  std::vector<CheckResult> out;
  for (const CheckResult& r : results) {
    if (r.check == check) out.push_back(r);
  }
  return out;
}

// The one result of `check`, which must exist.
CheckResult one(const std::vector<CheckResult>& results, const std::string& check) {
  const auto found = of(results, check);
  INFO("check " << check);
  REQUIRE(found.size() == 1);
  return found.front();
}

std::string text_of(const std::vector<CheckResult>& results) {
  std::ostringstream out;
  print_results(out, results);
  return out.str();
}

const std::vector<Row> kHealthy = {
    {1, "registry.hub.docker.com", "", 10, false, true},
    {2, "from_cache", "", 10, false, true},
    {3, "gcr.io", "_json_key"},
    {4, "registry.example.com:5000", "robot"},
};

const char* kHealthyDocker =
    R"({"auths":{"other.io":{"auth":"c2VjcmV0LWluLWF1dGhz"}},)"
    R"("credHelpers":{"gcr.io":"darcy","registry.example.com:5000":"darcy"}})";

}  // namespace

TEST_CASE("a healthy node passes every check", "[doctor]") {
  Fixture f;
  f.add(kHealthy);
  f.docker_config(kHealthyDocker);
  const auto results = f.run();
  INFO(text_of(results));
  CHECK_FALSE(any_failed(results));
  for (const CheckResult& r : results) {
    CHECK(r.status == CheckStatus::kOk);
    CHECK(r.fix.empty());
  }
  for (const char* check : {"config", "controller-url", "vault-dir", "node-key", "node-pub",
                            "token-file", "darcy-fetch", "controller", "token", "clock",
                            "enrollment", "index", "entries", "duplicates", "urls",
                            "docker-config"}) {
    CHECK(of(results, check).size() == 1);
  }
  CHECK(f.runner.calls == 1);
  CHECK_THAT(one(results, "config").detail, Catch::Contains(f.conf));
}

TEST_CASE("a config error is a FAIL with load_config's message and nothing else runs",
          "[doctor]") {
  Fixture f;
  f.write_config("colour = blue\n");
  const auto results = f.run();
  const CheckResult config = one(results, "config");
  CHECK(config.status == CheckStatus::kFail);
  CHECK_THAT(config.detail, Catch::Contains("colour"));
  CHECK_THAT(config.fix, Catch::Contains(f.conf));
  CHECK(of(results, "vault-dir").empty());
  CHECK(f.runner.calls == 0);
  CHECK(any_failed(results));
}

TEST_CASE("a missing DARCY_CONFIG file is a FAIL", "[doctor]") {
  Fixture f;
  f.env.vars["DARCY_CONFIG"] = f.tmp / "nope.conf";
  CHECK(one(f.run(), "config").status == CheckStatus::kFail);
}

TEST_CASE("no controller-url warns that the helper is a local store and skips the controller",
          "[doctor]") {
  Fixture f;
  write_file(f.conf, "vault-dir = " + f.vault_dir + "\n", 0644);
  f.add({{0, "myreg.local:5000", "alice"}});
  const auto results = f.run();
  const CheckResult url = one(results, "controller-url");
  CHECK(url.status == CheckStatus::kWarn);
  CHECK_THAT(url.fix, Catch::Contains("controller-url"));
  CHECK(of(results, "token-file").empty());
  CHECK(of(results, "index").empty());
  CHECK(f.runner.calls == 0);
  CHECK_FALSE(any_failed(results));
}

TEST_CASE("a missing vault directory is a FAIL whose fix is init", "[doctor]") {
  Fixture f;
  f.env.vars["DARCY_VAULT_DIR"] = f.tmp / "no-vault";
  const auto results = f.run();
  const CheckResult dir = one(results, "vault-dir");
  CHECK(dir.status == CheckStatus::kFail);
  CHECK_THAT(dir.fix, Catch::Contains("docker-credential-darcy init"));
  CHECK(of(results, "node-key").empty());
  CHECK(of(results, "index").empty());
  CHECK(of(results, "enrollment").empty());
}

TEST_CASE("a vault directory others can read is a FAIL whose fix is chmod 700", "[doctor]") {
  Fixture f;
  REQUIRE(::chmod(f.vault_dir.c_str(), 0755) == 0);
  const auto results = f.run();
  const CheckResult dir = one(results, "vault-dir");
  CHECK(dir.status == CheckStatus::kFail);
  CHECK_THAT(dir.detail, Catch::Contains("0755"));
  CHECK(dir.fix == "chmod 700 " + f.vault_dir);
  CHECK(any_failed(results));
}

TEST_CASE("a node key others can read is a FAIL whose fix is chmod 600", "[doctor]") {
  Fixture f;
  const std::string key = f.vault_dir + "/node.key";
  REQUIRE(::chmod(key.c_str(), 0644) == 0);
  const auto results = f.run();
  const CheckResult node_key = one(results, "node-key");
  CHECK(node_key.status == CheckStatus::kFail);
  CHECK(node_key.fix == "chmod 600 " + key);
  // Without a usable key the controller's sealing cannot be checked.
  CHECK(of(results, "enrollment").empty());
}

TEST_CASE("a node key whose halves disagree is a FAIL", "[doctor]") {
  Fixture f;
  const std::string key = f.vault_dir + "/node.key";
  std::ifstream in(key);
  std::string header, pub, secret;
  std::getline(in, header);
  std::getline(in, pub);
  std::getline(in, secret);
  const std::string other = vault::public_key_base64(vault::NodeKey::generate().public_key());
  write_file(key, header + "\n" + other + "\n" + secret + "\n", 0600);
  const CheckResult node_key = one(f.run(), "node-key");
  CHECK(node_key.status == CheckStatus::kFail);
  CHECK_THAT(node_key.detail, Catch::Contains("does not belong"));
}

TEST_CASE("a node.pub of another key is a FAIL whose fix is init", "[doctor]") {
  Fixture f;
  REQUIRE(vault::NodeKey::generate().save(f.fs, f.tmp / "").ok());  // a stray key pair
  std::filesystem::copy_file(f.tmp / "node.pub", f.vault_dir + "/node.pub",
                             std::filesystem::copy_options::overwrite_existing);
  const CheckResult pub = one(f.run(), "node-pub");
  CHECK(pub.status == CheckStatus::kFail);
  CHECK_THAT(pub.fix, Catch::Contains("init"));
}

TEST_CASE("the token file must exist, be private and hold a token; it is never shown",
          "[doctor]") {
  Fixture f;
  SECTION("missing") {
    std::filesystem::remove(f.token);
    const CheckResult t = one(f.run(), "token-file");
    CHECK(t.status == CheckStatus::kFail);
    CHECK_THAT(t.detail, Catch::Contains("does not exist"));
  }
  SECTION("readable by others") {
    REQUIRE(::chmod(f.token.c_str(), 0644) == 0);
    const auto results = f.run();
    const CheckResult t = one(results, "token-file");
    CHECK(t.status == CheckStatus::kFail);
    CHECK(t.fix == "chmod 600 " + f.token);
    // The controller's token check would only repeat the failure.
    CHECK(of(results, "token").empty());
    CHECK(of(results, "controller").size() == 1);
  }
  SECTION("empty") {
    write_file(f.token, " \n", 0600);
    CHECK_THAT(one(f.run(), "token-file").detail, Catch::Contains("empty"));
  }
  SECTION("not configured") {
    write_file(f.conf, "controller-url = https://c.example.com\nvault-dir = " + f.vault_dir + "\n",
               0644);
    CHECK(one(f.run(), "token-file").status == CheckStatus::kFail);
  }
  SECTION("present") {
    const auto results = f.run();
    CHECK(one(results, "token-file").status == CheckStatus::kOk);
    std::ostringstream json;
    print_results_json(json, results);
    CHECK(text_of(results).find(kToken) == std::string::npos);
    CHECK(json.str().find(kToken) == std::string::npos);
  }
}

TEST_CASE("a missing darcy-fetch is a FAIL and the controller is not checked", "[doctor]") {
  Fixture f;
  DoctorInputs in{f.fs, f.clock, f.env,
                  Result<std::string>(Error::NotFound("darcy-fetch is not installed: looked for "
                                                      "/x/darcy-fetch and /x/../libexec/darcy/darcy-fetch")),
                  &f.runner};
  const auto results = run_checks(in);
  const CheckResult fetch = one(results, "darcy-fetch");
  CHECK(fetch.status == CheckStatus::kFail);
  CHECK_THAT(fetch.detail, Catch::Contains("not installed"));
  CHECK_THAT(fetch.fix, Catch::Contains("libexec/darcy"));
  CHECK(of(results, "controller").empty());
  CHECK(f.runner.calls == 0);
}

TEST_CASE("an unreachable controller is a FAIL with darcy-fetch's reason and a fit fix",
          "[doctor]") {
  Fixture f;
  f.report["reachable"] = false;
  f.report["httpStatus"] = nullptr;
  f.report["tls"] = nullptr;
  f.report["date"] = nullptr;
  f.report["tokenAccepted"] = nullptr;
  SECTION("a certificate from another CA") {
    f.report["error"] =
        "GET /api/v3/status: cannot reach the controller at https://c.example.com: TLS: the "
        "controller's certificate was not accepted (check ca-file)";
    const auto results = f.run();
    const CheckResult c = one(results, "controller");
    CHECK(c.status == CheckStatus::kFail);
    CHECK_THAT(c.detail, Catch::Contains("certificate was not accepted"));
    CHECK_THAT(c.fix, Catch::Contains("ca-file"));
    CHECK(of(results, "token").empty());
    CHECK(of(results, "clock").empty());
  }
  SECTION("a connection refused") {
    f.report["error"] = "GET /api/v3/status: cannot reach the controller at "
                        "https://c.example.com: connection failed (Connection refused)";
    const CheckResult c = one(f.run(), "controller");
    CHECK(c.status == CheckStatus::kFail);
    CHECK_THAT(c.detail, Catch::Contains("connection failed"));
    CHECK_THAT(c.fix, Catch::Contains("running"));
    CHECK_THAT(c.detail, !Catch::Contains("not found"));
  }
  SECTION("a DNS failure") {
    f.report["error"] = "cannot reach the controller at https://c.example.com: DNS lookup failed";
    CHECK_THAT(one(f.run(), "controller").fix, Catch::Contains("DNS"));
  }
  SECTION("a wrong pin") {
    f.report["error"] = "TLS: the controller's public key does not match pin-sha256";
    CHECK_THAT(one(f.run(), "controller").fix, Catch::Contains("pin-sha256"));
  }
}

TEST_CASE("a refused token is a FAIL and another list failure is reported as such", "[doctor]") {
  Fixture f;
  SECTION("401") {
    f.report["tokenAccepted"] = false;
    f.report["listError"] =
        "the controller answered HTTP 401 to GET /api/v3/agent/registries. The agent token was "
        "refused";
    const CheckResult t = one(f.run(), "token");
    CHECK(t.status == CheckStatus::kFail);
    CHECK_THAT(t.detail, Catch::Contains("refused"));
    CHECK_THAT(t.fix, Catch::Contains("token-file"));
  }
  SECTION("503") {
    f.report["tokenAccepted"] = nullptr;
    f.report["listError"] = "the controller answered HTTP 503 to GET /api/v3/agent/registries";
    const auto results = f.run();
    CHECK(of(results, "token").empty());
    const CheckResult list = one(results, "registry-list");
    CHECK(list.status == CheckStatus::kFail);
    CHECK_THAT(list.detail, Catch::Contains("HTTP 503"));
  }
}

TEST_CASE("darcy-fetch status that prints no report is a FAIL with its message", "[doctor]") {
  Fixture f;
  DoctorInputs in{f.fs, f.clock, f.env, Result<std::string>(std::string("/x/darcy-fetch")),
                  &f.runner};
  SECTION("an old darcy-fetch without status") {
    f.runner.answer = FetchOutput{2, "", "Usage: darcy-fetch <sync | registry ID | enroll>\n"};
    const CheckResult c = one(run_checks(in), "controller");
    CHECK(c.status == CheckStatus::kFail);
    CHECK_THAT(c.detail, Catch::Contains("older"));
  }
  SECTION("a configuration darcy-fetch refuses") {
    f.runner.answer = FetchOutput{1, "", "darcy-fetch: the vault is locked\n"};
    const CheckResult c = one(run_checks(in), "controller");
    CHECK(c.status == CheckStatus::kFail);
    CHECK_THAT(c.detail, Catch::EndsWith("the vault is locked"));
  }
  SECTION("it cannot run") {
    f.runner.answer = Error::IOError("cannot run /x/darcy-fetch: Permission denied");
    CHECK_THAT(one(run_checks(in), "controller").detail, Catch::Contains("Permission denied"));
  }
}

TEST_CASE("a status answer other than 200 warns", "[doctor]") {
  Fixture f;
  f.report["httpStatus"] = 404;
  const CheckResult c = one(f.run(), "controller");
  CHECK(c.status == CheckStatus::kWarn);
  CHECK_THAT(c.detail, Catch::Contains("HTTP 404"));
}

TEST_CASE("clock skew against the Date header: OK, WARN from a minute, FAIL from an hour",
          "[doctor]") {
  Fixture f;
  struct Case {
    std::int64_t controller_offset;
    CheckStatus expected;
    const char* words;
  };
  for (const Case& c : {Case{-30, CheckStatus::kOk, "within 30 s"},
                        Case{-120, CheckStatus::kWarn, "120 s ahead of"},
                        Case{120, CheckStatus::kWarn, "120 s behind"},
                        Case{-2 * 3600, CheckStatus::kFail, "7200 s ahead of"}}) {
    f.report["date"] = http_date(kNow + c.controller_offset);
    const CheckResult clock = one(f.run(), "clock");
    INFO(clock.detail);
    CHECK(clock.status == c.expected);
    CHECK_THAT(clock.detail, Catch::Contains(c.words));
  }
  f.report["date"] = nullptr;
  CHECK(one(f.run(), "clock").status == CheckStatus::kWarn);
  f.report["date"] = "yesterday";
  CHECK(one(f.run(), "clock").status == CheckStatus::kWarn);
}

TEST_CASE("enrollment: a probe that opens is OK, one sealed to another key FAILs, plain warns",
          "[doctor]") {
  Fixture f;
  f.add(kHealthy);
  f.docker_config(kHealthyDocker);
  const vault::PublicKey node = f.open_vault().public_key();
  const vault::PublicKey stranger = vault::NodeKey::generate().public_key();
  auto probe = [&](const vault::PublicKey& to, std::int64_t id, const std::string& url) {
    return nlohmann::json{{"id", 3},
                          {"url", "gcr.io"},
                          {"username", "_json_key"},
                          {"sealed", vault::seal_credential(to, id, url, "_json_key", kPassword)}};
  };
  f.report["sealed"] = true;
  SECTION("sealed to this node") {
    f.report["probe"] = probe(node, 3, "gcr.io");
    const CheckResult e = one(f.run(), "enrollment");
    CHECK(e.status == CheckStatus::kOk);
    CHECK_THAT(e.detail, Catch::Contains("registry 3 opens"));
  }
  SECTION("sealed to another key") {
    f.report["probe"] = probe(stranger, 3, "gcr.io");
    const auto results = f.run();
    const CheckResult e = one(results, "enrollment");
    CHECK(e.status == CheckStatus::kFail);
    CHECK_THAT(e.fix, Catch::Contains("enroll"));
    CHECK(text_of(results).find(kPassword) == std::string::npos);
  }
  SECTION("sealed for another registry's row") {
    f.report["probe"] = probe(node, 4, "registry.example.com:5000");
    CHECK(one(f.run(), "enrollment").status == CheckStatus::kFail);
  }
  SECTION("plain passwords") {
    f.report["sealed"] = false;
    const CheckResult e = one(f.run(), "enrollment");
    CHECK(e.status == CheckStatus::kWarn);
    CHECK_THAT(e.fix, Catch::Contains("docker-credential-darcy enroll"));
  }
  SECTION("no registry carries credentials") {
    f.report["sealed"] = nullptr;
    CHECK_THAT(one(f.run(), "enrollment").detail, Catch::Contains("cannot tell"));
  }
}

TEST_CASE("index age and entries past ttl warn, entries past grace fail", "[doctor]") {
  Fixture f;
  f.docker_config(kHealthyDocker);
  SECTION("never synced") {
    f.add({}, kNow);
    CHECK(one(f.run(), "index").status == CheckStatus::kWarn);
  }
  SECTION("synced longer ago than ttl") {
    f.add(kHealthy, 301);
    const CheckResult index = one(f.run(), "index");
    CHECK(index.status == CheckStatus::kWarn);
    CHECK_THAT(index.fix, Catch::Contains("docker-credential-darcy sync"));
  }
  SECTION("entries past ttl and past grace") {
    f.add({{3, "gcr.io", "_json_key", 600}, {4, "registry.example.com:5000", "robot", 90000}});
    const auto results = f.run();
    const auto entries = of(results, "entries");
    REQUIRE(entries.size() == 2);
    CHECK(entries[0].status == CheckStatus::kFail);
    CHECK_THAT(entries[0].detail, Catch::Contains("registry.example.com:5000 (registry 4, 1d)"));
    CHECK(entries[1].status == CheckStatus::kWarn);
    CHECK_THAT(entries[1].detail, Catch::Contains("gcr.io (registry 3, 10m)"));
    CHECK_THAT(entries[1].fix, Catch::Contains("sync"));
    CHECK(any_failed(results));
  }
  SECTION("many stale entries are counted, not all named") {
    std::vector<Row> rows;
    for (int i = 0; i < 25; ++i) {
      rows.push_back({10 + i, "r" + std::to_string(i) + ".example.com", "u", 600});
    }
    f.add(rows);
    const CheckResult entries = one(f.run(), "entries");
    CHECK_THAT(entries.detail, Catch::Contains("and 15 more"));
  }
}

TEST_CASE("several controller entries for one host without a pin warn, naming ids and the pin",
          "[doctor]") {
  Fixture f;
  f.add({{3, "gcr.io", "a"}, {4, "https://gcr.io/", "b"}, {5, "quay.io", "c"}});
  f.docker_config(R"({"credHelpers":{"gcr.io":"darcy","quay.io":"darcy"}})");
  SECTION("no pin") {
    const auto results = f.run();
    const CheckResult d = one(results, "duplicates");
    CHECK(d.status == CheckStatus::kWarn);
    CHECK_THAT(d.detail, Catch::Contains("gcr.io is served by controller registries 3, 4"));
    CHECK_THAT(d.detail, Catch::Contains("registry 3 answers"));
    CHECK(d.fix == "add `pin = gcr.io=ID` to the config with the ID that should answer");
    CHECK_FALSE(any_failed(results));
  }
  SECTION("a pin settles it") {
    f.write_config("pin = GCR.io=4\n");
    const auto results = f.run();
    CHECK(one(results, "duplicates").status == CheckStatus::kOk);
    CHECK(of(results, "pins").empty());
  }
  SECTION("a pin naming no registry of its host") {
    f.write_config("pin = gcr.io=9\n");
    const auto results = f.run();
    CHECK(one(results, "duplicates").status == CheckStatus::kWarn);
    const CheckResult pin = one(results, "pins");
    CHECK(pin.status == CheckStatus::kWarn);
    CHECK_THAT(pin.detail, Catch::Contains("gcr.io=9"));
  }
}

TEST_CASE("a registry url that does not normalise warns, without its user information",
          "[doctor]") {
  Fixture f;
  f.add({{2, "from_cache", "", 10, false, true},
         {3, "gcr.io", "_json_key"},
         {6, "https://bob:hunter2@bad host/", "u"}});
  f.docker_config(R"({"credHelpers":{"gcr.io":"darcy"}})");
  const auto results = f.run();
  const CheckResult urls = one(results, "urls");
  CHECK(urls.status == CheckStatus::kWarn);
  CHECK_THAT(urls.detail, Catch::Contains("registry 6"));
  CHECK_THAT(urls.detail, !Catch::Contains("registry 2"));
  CHECK(text_of(results).find("hunter2") == std::string::npos);
}

TEST_CASE("Docker's config.json must send every served host to darcy and no other", "[doctor]") {
  Fixture f;
  f.add({{1, "registry.hub.docker.com", "hubuser"},
         {3, "gcr.io", "_json_key"},
         {4, "registry.example.com:5000", "robot"},
         {5, "public.example.com", "", 10, false, true}});
  SECTION("a host missing and one naming another helper") {
    f.docker_config(
        R"({"credHelpers":{"gcr.io":"gcloud","https://index.docker.io/v1/":"darcy","docker.io":"darcy"}})");
    const auto results = f.run();
    const CheckResult d = one(results, "docker-config");
    CHECK(d.status == CheckStatus::kWarn);
    CHECK_THAT(d.detail, Catch::Contains("gcr.io (uses \"gcloud\")"));
    CHECK_THAT(d.detail, Catch::Contains("registry.example.com:5000"));
    CHECK_THAT(d.detail, !Catch::Contains("public.example.com"));
    CHECK(d.fix == "run `docker-credential-darcy configure-docker`");
  }
  SECTION("Docker Hub needs both keys") {
    f.docker_config(
        R"({"credHelpers":{"gcr.io":"darcy","registry.example.com:5000":"darcy","docker.io":"darcy"}})");
    CHECK_THAT(one(f.run(), "docker-config").detail,
               Catch::Contains("https://index.docker.io/v1/"));
  }
  SECTION("a host sent to darcy that no entry serves") {
    f.docker_config(R"({"credsStore":"darcy","credHelpers":{"old.example.com":"darcy"}})");
    const CheckResult d = one(f.run(), "docker-config");
    CHECK(d.status == CheckStatus::kWarn);
    CHECK_THAT(d.detail, Catch::Contains("old.example.com"));
    CHECK_THAT(d.fix, Catch::Contains("remove"));
  }
  SECTION("credsStore darcy covers every host") {
    f.docker_config(R"({"credsStore":"darcy"})");
    CHECK(one(f.run(), "docker-config").status == CheckStatus::kOk);
  }
  SECTION("no config.json") {
    const CheckResult d = one(f.run(), "docker-config");
    CHECK(d.status == CheckStatus::kWarn);
    CHECK_THAT(d.detail, Catch::Contains("does not exist"));
  }
  SECTION("a config.json that is not JSON fails without showing its content") {
    f.docker_config(R"({"auths":{"x":{"auth":"cGFzc3dvcmQtaW4tZmlsZQ=="}}, oops)");
    const auto results = f.run();
    CHECK(one(results, "docker-config").status == CheckStatus::kFail);
    CHECK(text_of(results).find("cGFzc3dvcmQtaW4tZmlsZQ") == std::string::npos);
  }
}

TEST_CASE("parse_http_date reads IMF-fixdate and nothing else", "[doctor]") {
  CHECK(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == 784111777);
  CHECK(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT") == 0);
  CHECK(parse_http_date("Tue, 14 Nov 2023 22:13:20 GMT") == kNow);
  CHECK(parse_http_date("Thu, 29 Feb 2024 12:00:00 GMT") == 1709208000);
  CHECK_FALSE(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"));
  CHECK_FALSE(parse_http_date("Sun, 06 Nov 1994 08:49:37 UTC"));
  CHECK_FALSE(parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT"));
  CHECK_FALSE(parse_http_date("Sun, 06 Nov 1994 25:49:37 GMT"));
  CHECK_FALSE(parse_http_date(""));
}

TEST_CASE("without_userinfo drops user and password from a URL", "[doctor]") {
  CHECK(without_userinfo("https://u:p@host:5000/path@x") == "https://host:5000/path@x");
  CHECK(without_userinfo("https://host/") == "https://host/");
  CHECK(without_userinfo("u:p@host") == "host");
}

TEST_CASE("parse_controller_report reads the last JSON line and refuses none", "[doctor]") {
  auto report = parse_controller_report(
      "noise\n"
      R"({"reachable":true,"httpStatus":200,"tls":"ok","date":"d","tokenAccepted":false,)"
      R"("registries":null,"sealed":true,"probe":{"id":3,"url":"gcr.io","username":"u",)"
      R"("sealed":"AAAA"},"listError":"no"})"
      "\n");
  REQUIRE(report.ok());
  CHECK(report->reachable);
  CHECK(report->http_status == 200);
  CHECK(report->token_accepted == false);
  CHECK_FALSE(report->registries);
  REQUIRE(report->probe);
  CHECK(report->probe->id == 3);
  CHECK(report->list_error == "no");
  CHECK_FALSE(parse_controller_report("").ok());
  CHECK_FALSE(parse_controller_report("{\"other\":1}\n").ok());
}

// The command itself, with a shell script standing in for darcy-fetch beside
// the helper (it prints a fixed report), so ProcessFetcher::run_output runs too.
struct CommandFixture : Fixture {
  std::string bin = tmp / "bin";
  std::istringstream in;
  std::ostringstream out;
  std::ostringstream err;

  CommandFixture() { std::filesystem::create_directories(bin); }

  void fake_darcy_fetch(const std::string& stdout_text, int exit_code) {
    write_file(bin + "/report.txt", stdout_text, 0600);
    write_file(bin + "/darcy-fetch",
               "#!/bin/sh\n[ \"$1\" = status ] || exit 2\ncat \"$(dirname \"$0\")/report.txt\"\n"
               "echo 'darcy-fetch: scripted' >&2\nexit " + std::to_string(exit_code) + "\n",
               0700);
  }

  int command(std::vector<std::string> args) {
    args.insert(args.begin(), "doctor");
    out.str("");
    err.str("");
    CommandContext ctx{args, in, out, err, fs, clock, env, bin + "/docker-credential-darcy"};
    return run_doctor(ctx);
  }
};

TEST_CASE("doctor exits 0 on a healthy node and prints one OK line per check", "[doctor]") {
  CommandFixture f;
  f.add(kHealthy);
  f.docker_config(kHealthyDocker);
  f.fake_darcy_fetch(f.report.dump() + "\n", 0);
  REQUIRE(f.command({}) == 0);
  const std::string text = f.out.str();
  INFO(text);
  CHECK(text.find("\nWARN  ") == std::string::npos);
  CHECK(text.find("\nFAIL  ") == std::string::npos);
  CHECK_THAT(text, Catch::StartsWith("OK    config "));
  CHECK_THAT(text, Catch::Contains("\nOK    darcy-fetch     " + f.bin + "/darcy-fetch\n"));
  CHECK_THAT(text, Catch::EndsWith("16 OK, 0 WARN, 0 FAIL\n"));
  CHECK(f.err.str().empty());
}

TEST_CASE("doctor exits 1 when a check fails and shows the fix on the same line", "[doctor]") {
  CommandFixture f;
  f.add(kHealthy);
  f.docker_config(kHealthyDocker);
  nlohmann::json report = f.report;
  report["reachable"] = false;
  report["error"] = "cannot reach the controller at https://controller.example.com:51121: "
                    "connection failed (Connection refused)";
  f.fake_darcy_fetch(report.dump() + "\n", 1);
  REQUIRE(f.command({}) == 1);
  CHECK_THAT(f.out.str(),
             Catch::Contains("\nFAIL  controller      cannot reach the controller at "
                             "https://controller.example.com:51121: connection failed "
                             "(Connection refused). Fix: check that the controller is running"));
}

TEST_CASE("doctor --json prints an array of {check, status, detail, fix}", "[doctor]") {
  CommandFixture f;
  f.add(kHealthy);
  f.docker_config(R"({"credHelpers":{"gcr.io":"darcy"}})");
  f.fake_darcy_fetch(f.report.dump() + "\n", 0);
  REQUIRE(f.command({"--json"}) == 0);
  const auto doc = nlohmann::json::parse(f.out.str());
  REQUIRE(doc.is_array());
  REQUIRE(doc.size() == 16);
  bool warned = false;
  for (const auto& row : doc) {
    REQUIRE(row.is_object());
    CHECK(row.size() == 4);
    CHECK(row["check"].is_string());
    CHECK(row["detail"].is_string());
    const std::string status = row["status"].get<std::string>();
    CHECK((status == "OK" || status == "WARN" || status == "FAIL"));
    if (status == "OK") {
      CHECK(row["fix"].is_null());
    } else {
      CHECK(row["fix"].is_string());
    }
    if (row["check"] == "docker-config") {
      warned = true;
      CHECK(status == "WARN");
      CHECK_THAT(row["detail"].get<std::string>(), Catch::Contains("registry.example.com:5000"));
    }
  }
  CHECK(warned);
}

TEST_CASE("doctor without darcy-fetch beside it fails the darcy-fetch check", "[doctor]") {
  CommandFixture f;
  f.add(kHealthy);
  f.docker_config(kHealthyDocker);
  REQUIRE(f.command({}) == 1);
  CHECK_THAT(f.out.str(), Catch::Contains("FAIL  darcy-fetch"));
  CHECK(f.out.str().find("controller  ") == std::string::npos);
}

TEST_CASE("doctor answers --help and refuses unknown arguments", "[doctor]") {
  CommandFixture f;
  REQUIRE(f.command({"--help"}) == 0);
  CHECK_THAT(f.out.str(), Catch::StartsWith("Usage: docker-credential-darcy doctor [--json]"));
  REQUIRE(f.command({"--yaml"}) == 1);
  CHECK_THAT(f.err.str(), Catch::Contains("unknown argument '--yaml'"));
}

TEST_CASE("doctor never prints URL user information from a config error", "[doctor]") {
  CommandFixture f;
  write_file(f.conf, "controller-url = http://ops:s3cr3t-pw@controller.example.com\n", 0644);
  REQUIRE(f.command({}) == 1);
  CHECK_THAT(f.out.str(), Catch::Contains("FAIL  config"));
  CHECK(f.out.str().find("s3cr3t-pw") == std::string::npos);
  REQUIRE(f.command({"--json"}) == 1);
  CHECK(f.out.str().find("s3cr3t-pw") == std::string::npos);
}

}  // namespace darcy::helper
