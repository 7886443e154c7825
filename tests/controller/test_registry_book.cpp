#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "registry_book.h"

using namespace darcy::devctl;
using nlohmann::json;

namespace {

json gcr_body() {
  return {{"url", "gcr.io"},
          {"isPublic", false},
          {"username", "_json_key"},
          {"password", R"({"type":"service_account","private_key":"-----BEGIN"})"},
          {"email", "ci@example.com"}};
}

std::int64_t created(RegistryBook& book, const json& body) {
  auto outcome = book.create(body);
  REQUIRE(std::holds_alternative<std::int64_t>(outcome));
  return std::get<std::int64_t>(outcome);
}

// A temporary directory, removed when the test passes.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "darcy-devctl.XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

NodePublicKey key_of(char fill) {
  NodePublicKey k{};
  k.fill(static_cast<unsigned char>(fill));
  return k;
}

}  // namespace

TEST_CASE("a new book holds the two seeded public registries", "[controller]") {
  RegistryBook book;
  const auto rows = book.registries();
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].id == 1);
  CHECK(rows[0].url == "registry.hub.docker.com");
  CHECK(rows[1].url == "from_cache");
  CHECK(rows[0].is_public);
  CHECK_FALSE(rows[1].carries_credentials());
}

TEST_CASE("registries get ids from 3 up and ids are never reused", "[controller]") {
  RegistryBook book;
  CHECK(created(book, gcr_body()) == 3);
  CHECK(created(book, gcr_body()) == 4);
  CHECK_FALSE(book.remove(4));
  CHECK(created(book, gcr_body()) == 5);
  REQUIRE(book.find(3));
  CHECK(book.find(3)->carries_credentials());
}

TEST_CASE("the seeded registries cannot be changed or deleted", "[controller]") {
  RegistryBook book;
  for (std::int64_t id : {1, 2}) {
    auto update_error = book.update(id, json{{"url", "evil.example"}});
    REQUIRE(update_error);
    CHECK(update_error->status == 400);
    auto remove_error = book.remove(id);
    REQUIRE(remove_error);
    CHECK(remove_error->status == 400);
    CHECK(remove_error->name == "ValidationError");
  }
  CHECK(book.find(1)->url == "registry.hub.docker.com");
  CHECK(book.remove(99)->status == 404);
}

TEST_CASE("a registry body with an unknown key, a wrong type or no password is refused",
          "[controller]") {
  RegistryBook book;
  auto with = [](const char* key, json value) {
    json b = gcr_body();
    b[key] = std::move(value);
    return b;
  };
  auto status_of = [&](const json& body) {
    auto outcome = book.create(body);
    REQUIRE(std::holds_alternative<ApiError>(outcome));
    return std::get<ApiError>(outcome).status;
  };
  CHECK(status_of(with("colour", "blue")) == 400);
  CHECK(status_of(with("isPublic", "no")) == 400);
  CHECK(status_of(with("password", "")) == 400);
  CHECK(status_of(with("url", "")) == 400);
  CHECK(status_of(with("requiresCert", true)) == 400);
  CHECK(book.registries().size() == 2);
}

TEST_CASE("the list ETag changes with every row, password and node key change", "[controller]") {
  RegistryBook book;
  const auto empty = book.list_etag(std::nullopt);
  CHECK(empty.front() == '"');
  CHECK(empty == book.list_etag(std::nullopt));
  const auto id = created(book, gcr_body());
  const auto one = book.list_etag(std::nullopt);
  CHECK(one != empty);
  REQUIRE_FALSE(book.update(id, json{{"password", "rotated"}}));
  const auto rotated = book.list_etag(std::nullopt);
  CHECK(rotated != one);
  CHECK(book.list_etag(key_of(1)) != rotated);
  CHECK(book.list_etag(key_of(1)) != book.list_etag(key_of(2)));
}

TEST_CASE("provisioning keys are single use and issue a working agent token", "[controller]") {
  RegistryBook book;
  auto uuid_outcome = book.add_node(json{{"name", "edge-1"}});
  REQUIRE(std::holds_alternative<std::string>(uuid_outcome));
  const auto uuid = std::get<std::string>(uuid_outcome);
  const auto now = RegistryBook::Clock::now();
  auto key = std::get<ProvisioningKey>(book.new_provisioning_key(uuid, now));
  const json body = {{"type", 1}, {"key", key.key}};
  auto agent = book.provision(body, now);
  REQUIRE(std::holds_alternative<ProvisionedAgent>(agent));
  const auto token = std::get<ProvisionedAgent>(agent).token;
  REQUIRE(book.node_for_token(token));
  CHECK(book.node_for_token(token)->uuid == uuid);
  CHECK(std::get<ApiError>(book.provision(body, now)).status == 404);  // used up
  CHECK_FALSE(book.node_for_token(token + "x"));
  CHECK_FALSE(book.node_for_token(""));

  auto late = std::get<ProvisioningKey>(book.new_provisioning_key(uuid, now));
  CHECK(std::holds_alternative<ApiError>(book.provision(
      json{{"type", 1}, {"key", late.key}}, now + RegistryBook::kProvisioningKeyLifetime)));
  CHECK(std::get<ApiError>(book.new_provisioning_key("no-such-node", now)).status == 404);
}

TEST_CASE("the state file keeps registries, nodes and ETags across a restart", "[controller]") {
  TempDir dir;
  const auto path = (dir.path / "state.json").string();
  std::string token = "0123456789abcdef";
  std::string etag;
  {
    RegistryBook book(path);
    REQUIRE_FALSE(book.load());
    CHECK(created(book, gcr_body()) == 3);
    REQUIRE_FALSE(book.adopt_agent_token(token));
    REQUIRE_FALSE(book.set_node_key(book.node_for_token(token)->uuid, key_of(7)));
    etag = book.list_etag(key_of(7));
  }
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  RegistryBook again(path);
  REQUIRE_FALSE(again.load());
  REQUIRE(again.find(3));
  CHECK(again.find(3)->password == gcr_body()["password"]);
  REQUIRE(again.node_for_token(token));
  CHECK(again.node_for_token(token)->node_key == key_of(7));
  CHECK(again.list_etag(key_of(7)) == etag);
  CHECK(created(again, gcr_body()) == 4);
}

TEST_CASE("a corrupt state file is an error naming it", "[controller]") {
  TempDir dir;
  const auto path = (dir.path / "state.json").string();
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    REQUIRE(f != nullptr);
    std::fputs("{\"format\":", f);
    std::fclose(f);
  }
  RegistryBook book(path);
  auto error = book.load();
  REQUIRE(error);
  CHECK(error->find(path) != std::string::npos);
}
