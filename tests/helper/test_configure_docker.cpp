// Tests of `docker-credential-darcy configure-docker` and the config.json
// editing beneath it (helper/docker_config.h), against real files in a
// temporary directory and a real vault.
#include "helper/docker_config.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "helper/command.h"
#include "helper/server_key.h"
#include "support/faulty_file_system.h"
#include "support/files.h"
#include "support/command_fixture.h"
#include "support/temp_dir.h"
#include "vault/vault.h"

namespace darcy::helper {
namespace {

using darcy::testing::FixedClock;
using darcy::testing::slurp;
using darcy::testing::TempDir;
using Json = nlohmann::ordered_json;

constexpr std::int64_t kNow = 1'700'000'000;

void spit(const std::string& path, const std::string& text, mode_t mode = 0600) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
  }
  REQUIRE(::chmod(path.c_str(), mode) == 0);
}

mode_t mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

bool exists(const std::string& path) { return std::filesystem::exists(path); }

// A config.json with keys configure-docker must keep exactly, including a
// stored password, a credsStore and an object it knows nothing about.
const std::string kBusyConfig = R"({
	"auths": {
		"old.example.com": {
			"auth": "dXNlcjpodW50ZXIy"
		}
	},
	"credsStore": "desktop",
	"proxies": {
		"default": {
			"httpProxy": "http://proxy.example.com:3128"
		}
	},
	"x-vendor": {
		"nested": {
			"list": [1, 2.5, "three", null, true],
			"big": 12345678901234,
			"empty": {}
		}
	}
}
)";

// An empty config file, a vault directory and DOCKER_CONFIG, all in one temp dir.
struct Fixture : darcy::testing::CommandFixture {
  Fixture() : CommandFixture(kNow) {}
  std::string config_json = docker_dir + "/config.json";

  // A vault as a node sees it: Docker Hub with credentials, a private
  // registry and one on a port, the local cache, a public registry and an
  // entry stored by hand.
  void add_node_entries() {
    auto v = vault::Vault::init(fs, clock, vault_dir);
    REQUIRE(v.ok());
    struct Row {
      std::int64_t id;
      std::string url;
      std::string username;
      bool is_public;
    };
    const std::vector<Row> rows = {
        {1, "registry.hub.docker.com", "dhuser", false},
        {2, "from_cache", "", true},
        {3, "gcr.io", "_json_key", false},
        {4, "https://registry.example.com:5000/v2/", "robot", false},
        {6, "quay.io", "anon", true},
        {0, "local.example.com", "alice", false},
    };
    REQUIRE(v->update([&](vault::Index& index) -> Status {
               for (const Row& r : rows) {
                 vault::Entry e;
                 e.id = r.id;
                 e.url = r.url;
                 e.key = server_key(r.url).value();
                 e.username = r.username;
                 e.is_public = r.is_public;
                 e.source = r.id == 0 ? vault::Source::kLocal : vault::Source::kController;
                 e.fetched_at = kNow;
                 e.sealed = vault::seal_credential(v->public_key(), r.id, r.url, r.username,
                                                   "pw-" + std::to_string(r.id));
                 index.entries.push_back(e);
               }
               return Ok();
             }).ok());
  }

  int run(std::vector<std::string> args) {
    args.insert(args.begin(), "configure-docker");
    out.str("");
    err.str("");
    CommandContext ctx{args, in, out, err, fs, clock, env, ""};
    return run_configure_docker(ctx);
  }

  Json written() const { return Json::parse(slurp(config_json)); }
};

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("configure-docker adds every host the vault answers and keeps every other key",
          "[configure-docker]") {
  Fixture f;
  f.add_node_entries();
  spit(f.config_json, kBusyConfig, 0640);

  REQUIRE(f.run({}) == 0);
  const Json after = f.written();
  CHECK(after.at("credHelpers") == Json{{"https://index.docker.io/v1/", "darcy"},
                                        {"docker.io", "darcy"},
                                        {"gcr.io", "darcy"},
                                        {"local.example.com", "darcy"},
                                        {"registry.example.com:5000", "darcy"}});
  Json rest = after;
  rest.erase("credHelpers");
  CHECK(rest == Json::parse(kBusyConfig));
  CHECK(after.at("x-vendor").at("nested").at("big").get<std::int64_t>() == 12345678901234);

  // The file's own keys keep their order; credHelpers comes last.
  std::vector<std::string> keys;
  for (const auto& [k, value] : after.items()) keys.push_back(k);
  CHECK(keys ==
        std::vector<std::string>{"auths", "credsStore", "proxies", "x-vendor", "credHelpers"});
  CHECK(mode_of(f.config_json) == 0640);
  CHECK(contains(f.out.str(), "registry.example.com:5000: added \"darcy\"\n"));
  CHECK(contains(f.out.str(), "https://index.docker.io/v1/: added \"darcy\"\n"));
  CHECK(contains(f.out.str(), "wrote " + f.config_json));
  CHECK_FALSE(contains(f.out.str(), "quay.io"));
  CHECK_FALSE(contains(f.out.str(), "from_cache"));
  CHECK(f.err.str().empty());
}

TEST_CASE("configure-docker replaces another helper's entry and reports what it was",
          "[configure-docker]") {
  Fixture f;
  spit(f.config_json, R"({"credHelpers": {"gcr.io": "gcloud", "123.dkr.ecr.aws": "ecr-login"}})");

  REQUIRE(f.run({"--registries", "gcr.io,https://Registry.Example.com:5000/v2/"}) == 0);
  CHECK(contains(f.out.str(), "gcr.io: was \"gcloud\", now \"darcy\"\n"));
  CHECK(contains(f.out.str(), "registry.example.com:5000: added \"darcy\"\n"));
  CHECK(f.written().at("credHelpers") == Json{{"gcr.io", "darcy"},
                                              {"123.dkr.ecr.aws", "ecr-login"},
                                              {"registry.example.com:5000", "darcy"}});
}

TEST_CASE("configure-docker creates a missing config.json with mode 0600 in a 0700 directory",
          "[configure-docker]") {
  Fixture f;
  f.docker_dir = f.tmp / "home/.docker";
  f.config_json = f.docker_dir + "/config.json";
  f.env.vars.erase("DOCKER_CONFIG");
  f.env.vars["HOME"] = f.tmp / "home";

  REQUIRE(f.run({"--registries=docker.io,registry.example.com:5000"}) == 0);
  CHECK(mode_of(f.config_json) == 0600);
  CHECK(mode_of(f.docker_dir) == 0700);
  CHECK(mode_of(f.tmp / "home") == 0700);
  CHECK(slurp(f.config_json) ==
        "{\n"
        "\t\"credHelpers\": {\n"
        "\t\t\"https://index.docker.io/v1/\": \"darcy\",\n"
        "\t\t\"docker.io\": \"darcy\",\n"
        "\t\t\"registry.example.com:5000\": \"darcy\"\n"
        "\t}\n"
        "}\n");
}

TEST_CASE(
    "configure-docker refuses a config.json that is not a JSON object and leaves it as it was",
    "[configure-docker]") {
  const std::string bad =
      GENERATE(as<std::string>{}, R"({"auths": {"x": {"auth": "c2VjcmV0cGFzcw=="}},, "a": 1})",
               "[\"gcr.io\"]\n", R"({"credHelpers": ["gcr.io"]})",
               R"({"credHelpers": {"gcr.io": 7}})", "{\"auths\": {}");
  Fixture f;
  spit(f.config_json, bad, 0644);

  CHECK(f.run({"--registries", "gcr.io"}) == 1);
  CHECK(slurp(f.config_json) == bad);
  CHECK(mode_of(f.config_json) == 0644);
  CHECK(contains(f.err.str(), f.config_json));
  CHECK(contains(f.err.str(), "left unchanged"));
  CHECK_FALSE(contains(f.err.str(), "c2VjcmV0"));
  CHECK(f.out.str().empty());
  CHECK(std::distance(std::filesystem::directory_iterator(f.docker_dir),
                      std::filesystem::directory_iterator()) == 1);
}

TEST_CASE("configure-docker names a host of --registries that is not a registry",
          "[configure-docker]") {
  Fixture f;
  CHECK(f.run({"--registries", "gcr.io,gcr.io:99999"}) == 1);
  CHECK(contains(f.err.str(), "host 2 of 2"));
  CHECK(contains(f.err.str(), "gcr.io:99999"));
  CHECK_FALSE(exists(f.config_json));

  CHECK(f.run({"--registries", "gcr.io,,quay.io"}) == 1);
  CHECK(contains(f.err.str(), "host 2 of 3"));
  CHECK_FALSE(exists(f.config_json));
}

TEST_CASE("configure-docker run twice says the second time that there is nothing to add",
          "[configure-docker]") {
  Fixture f;
  f.add_node_entries();
  spit(f.config_json, kBusyConfig);
  REQUIRE(f.run({}) == 0);
  const std::string first = slurp(f.config_json);

  REQUIRE(f.run({}) == 0);
  CHECK(contains(f.out.str(), "nothing to add"));
  CHECK_FALSE(contains(f.out.str(), "added"));
  CHECK_FALSE(contains(f.out.str(), "wrote"));
  CHECK(slurp(f.config_json) == first);
}

TEST_CASE("configure-docker --dry-run prints the new config.json and writes nothing",
          "[configure-docker]") {
  Fixture f;
  SECTION("over an existing file") {
    spit(f.config_json, kBusyConfig);
    REQUIRE(f.run({"--dry-run", "--registries", "gcr.io"}) == 0);
    CHECK(slurp(f.config_json) == kBusyConfig);
    const Json printed = Json::parse(f.out.str());
    CHECK(printed.at("credHelpers") == Json{{"gcr.io", "darcy"}});
    CHECK(printed.at("credsStore") == "desktop");
    CHECK(contains(f.err.str(), "gcr.io: added \"darcy\""));
  }
  SECTION("without a file") {
    REQUIRE(f.run({"--registries", "gcr.io", "--dry-run"}) == 0);
    CHECK(Json::parse(f.out.str()) == Json{{"credHelpers", {{"gcr.io", "darcy"}}}});
    CHECK_FALSE(exists(f.docker_dir));
  }
}

TEST_CASE("configure-docker without a vault or --registries says how to make one",
          "[configure-docker]") {
  Fixture f;
  CHECK(f.run({}) == 1);
  CHECK(contains(f.err.str(), "docker-credential-darcy init"));
  CHECK(contains(f.err.str(), "--registries"));
  CHECK_FALSE(exists(f.config_json));
}

TEST_CASE("configure-docker refuses a symbolic link to config.json and leaves it",
          "[configure-docker]") {
  Fixture f;
  spit(f.tmp / "real.json", "{}");
  std::filesystem::create_directories(f.docker_dir);
  std::filesystem::create_symlink(f.tmp / "real.json", f.config_json);
  CHECK(f.run({"--registries", "gcr.io"}) == 1);
  CHECK(contains(f.err.str(), "symbolic link"));
  CHECK(std::filesystem::is_symlink(f.config_json));
  CHECK(slurp(f.tmp / "real.json") == "{}");
}

TEST_CASE("configure-docker rejects an unknown argument and --help describes the options",
          "[configure-docker]") {
  Fixture f;
  CHECK(f.run({"--registry", "gcr.io"}) == 1);
  CHECK(contains(f.err.str(), "--registry"));
  CHECK(f.run({"--registries"}) == 1);
  REQUIRE(f.run({"--help"}) == 0);
  CHECK(contains(f.out.str(), "--registries"));
  CHECK(contains(f.out.str(), "--dry-run"));
}

TEST_CASE("add_cred_helpers treats an empty file as an empty config and ignores repeated hosts",
          "[docker-config]") {
  auto edit = add_cred_helpers(" \n", "config.json", {"gcr.io", "gcr.io", "quay.io"});
  REQUIRE(edit.ok());
  CHECK(edit->changes == std::vector<CredHelperChange>{{"gcr.io", ""}, {"quay.io", ""}});
  CHECK(Json::parse(edit->json) ==
        Json{{"credHelpers", {{"gcr.io", "darcy"}, {"quay.io", "darcy"}}}});
}

TEST_CASE("add_cred_helpers with nothing to change reports no change and adds no key",
          "[docker-config]") {
  auto edit = add_cred_helpers(R"({"auths":{}})", "config.json", {});
  REQUIRE(edit.ok());
  CHECK(edit->changes.empty());
  CHECK(Json::parse(edit->json) == Json{{"auths", Json::object()}});
}

TEST_CASE("add_cred_helpers gives the line and column of a syntax error", "[docker-config]") {
  auto edit = add_cred_helpers("{\n  \"a\": 1,\n  oops\n}", "/x/config.json", {"gcr.io"});
  REQUIRE_FALSE(edit.ok());
  CHECK(edit.error().code() == ErrorCode::kCorruption);
  CHECK(contains(edit.error().message(), "/x/config.json is not valid JSON"));
  CHECK(contains(edit.error().message(), "line 3, column 3"));
}

TEST_CASE("Docker Hub gets the key docker looks up and the one containers/image looks up",
          "[docker-config]") {
  CHECK(cred_helper_keys(kDockerHubKey) ==
        std::vector<std::string>{"https://index.docker.io/v1/", "docker.io"});
  CHECK(cred_helper_keys("registry.example.com:5000") ==
        std::vector<std::string>{"registry.example.com:5000"});
}

TEST_CASE("Docker's config.json is under DOCKER_CONFIG, else under HOME/.docker",
          "[docker-config]") {
  Environment env;
  CHECK_FALSE(docker_config_path(env).ok());
  env.vars["HOME"] = "/home/u";
  CHECK(docker_config_path(env).value() == "/home/u/.docker/config.json");
  env.vars["DOCKER_CONFIG"] = "/etc/docker-client";
  CHECK(docker_config_path(env).value() == "/etc/docker-client/config.json");
}

}  // namespace darcy::helper
