#include "helper/server_key.h"

#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace darcy::helper {
namespace {

struct KeyCase {
  std::string_view input;
  std::string_view key;
};

// Every form a client or the controller may send, with the key it must give.
const std::vector<KeyCase>& key_cases() {
  static const std::vector<KeyCase> cases = {
      // Plain hosts, as the docker CLI sends them.
      {"gcr.io", "gcr.io"},
      {"GCR.IO", "gcr.io"},
      {"Registry.Example.COM", "registry.example.com"},
      {"localhost", "localhost"},
      {"my_registry.local", "my_registry.local"},
      {"127.0.0.1", "127.0.0.1"},
      {"127.0.0.1:5443", "127.0.0.1:5443"},
      {"registry.example.com:5000", "registry.example.com:5000"},
      {"HOST:5000/", "host:5000"},
      {"host:05000", "host:5000"},
      {"host:1", "host:1"},
      {"host:65535", "host:65535"},
      // Ports are never implied.
      {"host:443", "host:443"},
      {"https://host:443", "host:443"},
      {"http://host:80", "host:80"},
      // Schemes, in any case.
      {"https://gcr.io", "gcr.io"},
      {"http://gcr.io", "gcr.io"},
      {"HTTPS://Gcr.Io", "gcr.io"},
      {"HtTp://gcr.io:8080", "gcr.io:8080"},
      // Paths, queries, fragments and trailing slashes.
      {"https://gcr.io/v2/", "gcr.io"},
      {"gcr.io/", "gcr.io"},
      {"gcr.io//", "gcr.io"},
      {"gcr.io/project/image:tag", "gcr.io"},
      {"registry.example.com:5000/team/app:1.2.3", "registry.example.com:5000"},
      {"gcr.io/project/app@sha256:0123456789abcdef", "gcr.io"},
      {"https://host:5000/v2/_catalog?n=10", "host:5000"},
      {"host?token=x", "host"},
      {"host#fragment", "host"},
      {"https://host/path?x=http://other", "host"},
      {"host/path@with-at", "host"},
      // Surrounding whitespace, as typed in a shell.
      {"  gcr.io  ", "gcr.io"},
      {"gcr.io\n", "gcr.io"},
      {"\t https://gcr.io/v2/ \r\n", "gcr.io"},
      // IPv6 literals stay bracketed, hex lowercased.
      {"[::1]", "[::1]"},
      {"[::1]:5000", "[::1]:5000"},
      {"https://[::1]:5000/v2/", "[::1]:5000"},
      {"[2001:DB8::AB]:443", "[2001:db8::ab]:443"},
      {"[::ffff:127.0.0.1]:5000/repo", "[::ffff:127.0.0.1]:5000"},
      // Docker Hub aliases.
      {"docker.io", "docker.io"},
      {"index.docker.io", "docker.io"},
      {"registry-1.docker.io", "docker.io"},
      {"registry.hub.docker.com", "docker.io"},
      {"https://index.docker.io/v1/", "docker.io"},
      {"https://index.docker.io/v1", "docker.io"},
      {"http://index.docker.io/v1/", "docker.io"},
      {"https://registry-1.docker.io/v2/", "docker.io"},
      {"Registry.Hub.Docker.Com/library/ubuntu:22.04", "docker.io"},
      {"DOCKER.IO", "docker.io"},
      {"docker.io/library/alpine@sha256:abc", "docker.io"},
      // With an explicit port an alias is just another host.
      {"docker.io:443", "docker.io:443"},
      {"index.docker.io:5000", "index.docker.io:5000"},
  };
  return cases;
}

struct RejectCase {
  std::string_view input;
  std::string_view reason;  // a word the message must contain
};

const std::vector<RejectCase>& reject_cases() {
  static const std::vector<RejectCase> cases = {
      {"", "empty"},
      {"   \t\n", "empty"},
      {"ftp://gcr.io", "scheme"},
      {"file:///etc/passwd", "scheme"},
      {"ssh://host:22", "scheme"},
      {"gcr .io", "space"},
      {"https://gcr.io/a b", "space"},
      {"gcr\x01.io", "control"},
      {"gcr.io/\x7f", "control"},
      {"host:", "port"},
      {"host:abc", "port"},
      {"host:0", "port"},
      {"host:65536", "port"},
      {"host:99999999999999999999", "port"},
      {"host:-1", "port"},
      {"[::1]:", "port"},
      {"[::1]:x", "port"},
      {"[::1", "]"},
      {"::1]", "bracket"},
      {"host]", "bracket"},
      {"[::1]]:5000", "bracket"},
      {"[::1]x", "after"},
      {"[]", "empty"},
      {"[gcr.io]", "IPv6"},
      {"::1", "bracket"},
      {"fe80::1:5000", "bracket"},
      {"http://", "host"},
      {"https:///v2/", "host"},
      {"/v2/", "host"},
      {":5000", "host"},
      {"gcr!.io", "character"},
      {"gcr%2e.io", "character"},
      {"[::1%25eth0]", "character"},
  };
  return cases;
}

}  // namespace

TEST_CASE("every accepted server URL form normalises to its expected key", "[server_key]") {
  for (const KeyCase& c : key_cases()) {
    INFO("input: \"" << c.input << "\"");
    auto key = server_key(c.input);
    REQUIRE(key.ok());
    CHECK(*key == c.key);
  }
  CHECK(key_cases().size() >= 40);
}

TEST_CASE("normalising a key again gives the same key", "[server_key]") {
  for (const KeyCase& c : key_cases()) {
    INFO("key: \"" << c.key << "\"");
    auto again = server_key(c.key);
    REQUIRE(again.ok());
    CHECK(*again == c.key);
  }
}

TEST_CASE("malformed server URLs are rejected as invalid input naming the problem",
          "[server_key]") {
  for (const RejectCase& c : reject_cases()) {
    INFO("input: \"" << c.input << "\"");
    auto key = server_key(c.input);
    REQUIRE_FALSE(key.ok());
    CHECK(key.error().code() == ErrorCode::kInvalidInput);
    CHECK_THAT(key.error().message(), Catch::Contains(std::string(c.reason)));
  }
}

TEST_CASE("a server URL with user information is rejected without repeating it", "[server_key]") {
  struct Case {
    std::string_view input;
    std::string_view secret;
  };
  const std::vector<Case> cases = {
      {"user:hunter2@gcr.io", "hunter2"},
      {"https://user:hunter2@gcr.io/v2/", "hunter2"},
      {"http://alice:s3cr3tpw@[::1]:5000", "s3cr3tpw"},
      {"tok3nonly@registry.example.com", "tok3nonly"},
      {"HTTPS://bob:p%40ss@host", "p%40ss"},
      {"bob:pa ss@host", "pa ss"},
      {"bob:pa\x01ss@host", "pa\x01ss"},
  };
  for (const Case& c : cases) {
    INFO("input: \"" << c.input << "\"");
    auto key = server_key(c.input);
    REQUIRE_FALSE(key.ok());
    CHECK(key.error().code() == ErrorCode::kInvalidInput);
    CHECK_THAT(key.error().message(), Catch::Contains("user information"));
    CHECK_THAT(key.error().message(), !Catch::Contains(std::string(c.secret)));
    CHECK_THAT(key.error().message(), !Catch::Contains("bob"));
    CHECK_THAT(key.error().message(), !Catch::Contains("alice"));
  }
}

TEST_CASE("error messages never repeat the path or query of a server URL", "[server_key]") {
  auto key = server_key("host:99999/v2/?access_token=SECRETVALUE");
  REQUIRE_FALSE(key.ok());
  CHECK_THAT(key.error().message(), Catch::Contains("host:99999"));
  CHECK_THAT(key.error().message(), !Catch::Contains("SECRETVALUE"));
}

TEST_CASE("a server URL of exactly the length limit is accepted and one byte more is not",
          "[server_key]") {
  std::string at_limit = "gcr.io/" + std::string(kMaxServerUrlBytes - 7, 'a');
  REQUIRE(at_limit.size() == kMaxServerUrlBytes);
  auto key = server_key(at_limit);
  REQUIRE(key.ok());
  CHECK(*key == "gcr.io");

  auto too_long = server_key(at_limit + "a");
  REQUIRE_FALSE(too_long.ok());
  CHECK(too_long.error().code() == ErrorCode::kInvalidInput);
  CHECK_THAT(too_long.error().message(), Catch::Contains("1024"));
}

TEST_CASE("docker hub is recognised only by its key", "[server_key]") {
  CHECK(is_docker_hub(kDockerHubKey));
  CHECK(is_docker_hub("docker.io"));
  CHECK_FALSE(is_docker_hub("gcr.io"));
  CHECK_FALSE(is_docker_hub("docker.io:443"));
  CHECK_FALSE(is_docker_hub(""));
}

TEST_CASE("list reports docker hub as docker sends it and other keys as they are", "[server_key]") {
  CHECK(list_server_url(kDockerHubKey) == "https://index.docker.io/v1/");
  CHECK(list_server_url("gcr.io") == "gcr.io");
  CHECK(list_server_url("127.0.0.1:5443") == "127.0.0.1:5443");
  CHECK(list_server_url("[::1]:5000") == "[::1]:5000");
}

TEST_CASE("every server URL that list reports maps back to its key", "[server_key]") {
  for (const KeyCase& c : key_cases()) {
    INFO("key: \"" << c.key << "\"");
    auto back = server_key(list_server_url(c.key));
    REQUIRE(back.ok());
    CHECK(*back == c.key);
  }
}

}  // namespace darcy::helper
