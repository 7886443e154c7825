#include <catch2/catch.hpp>

#include "helper/fetch/controller_client.h"
#include "helper/fetch/fake_http_client.h"

using namespace darcy;
using namespace darcy::fetch;
using darcy::testing::FakeHttpClient;

namespace {

const char* kRow3 =
    R"({"id":3,"url":"gcr.io","isPublic":false,"isSecure":true,"certificate":"",)"
    R"("requiresCert":false,"username":"_json_key","userEmail":"ops@example.com",)"
    R"("password":"{\"private_key\":\"k\"}"})";

}  // namespace

TEST_CASE("a list with plain passwords parses every field") {
  FakeHttpClient http;
  http.answer(200, std::string(R"({"registries":[)") + kRow3 +
                       R"(,{"id":1,"url":"registry.hub.docker.com","isPublic":true,)"
                       R"("username":"","userEmail":""}]})",
              "\"e1\"");
  ControllerClient client(http);
  auto list = client.list_registries("");
  REQUIRE(list.ok());
  CHECK_FALSE(list->not_modified);
  CHECK(list->etag == "\"e1\"");
  REQUIRE(list->rows.size() == 2);
  const RegistryRow& r = list->rows[0];
  CHECK(r.id == 3);
  CHECK(r.url == "gcr.io");
  CHECK(r.username == "_json_key");
  CHECK(r.email == "ops@example.com");
  CHECK(r.has_password);
  CHECK(view(r.password) == R"({"private_key":"k"})");
  CHECK(list->rows[1].is_public);
  CHECK_FALSE(list->rows[1].has_password);
  REQUIRE(http.requests().size() == 1);
  CHECK(http.requests()[0].path == "/api/v3/agent/registries");
  CHECK(http.requests()[0].headers.empty());
}

TEST_CASE("the stored ETag is sent as If-None-Match and 304 means not modified") {
  FakeHttpClient http;
  http.answer(304, "");
  ControllerClient client(http);
  auto list = client.list_registries("\"e1\"");
  REQUIRE(list.ok());
  CHECK(list->not_modified);
  REQUIRE(http.requests()[0].headers.size() == 1);
  CHECK(http.requests()[0].headers[0] ==
        std::pair<std::string, std::string>("If-None-Match", "\"e1\""));
}

TEST_CASE("a registry is fetched by its ID, and 404 means it was deleted") {
  FakeHttpClient http;
  http.answer(200, kRow3);
  http.answer(404, R"({"name":"NotFoundError","message":"Invalid Registry Id"})");
  ControllerClient client(http);
  auto row = client.get_registry(3);
  REQUIRE(row.ok());
  CHECK(row->id == 3);
  CHECK(http.requests()[0].path == "/api/v3/agent/registries/3");
  auto gone = client.get_registry(9);
  REQUIRE_FALSE(gone.ok());
  CHECK(gone.error().is_not_found());
}

TEST_CASE("a controller that answers for another ID than asked is refused") {
  FakeHttpClient http;
  http.answer(200, kRow3);
  ControllerClient client(http);
  auto row = client.get_registry(4);
  REQUIRE_FALSE(row.ok());
  CHECK_THAT(row.error().message(), Catch::Contains("registry 3 instead"));
}

TEST_CASE("401 says the agent token was refused, with the controller's message") {
  FakeHttpClient http;
  http.answer(401, R"({"name":"AuthenticationError","message":"Invalid token"})");
  ControllerClient client(http);
  auto list = client.list_registries("");
  REQUIRE_FALSE(list.ok());
  CHECK(list.error().code() == ErrorCode::kPermission);
  CHECK_THAT(list.error().message(),
             Catch::Contains("401") && Catch::Contains("Invalid token") &&
                 Catch::Contains("token was refused"));
}

TEST_CASE("bad answers from the controller are errors that say what was wrong") {
  const auto [status, body, expected] = GENERATE(table<long, std::string, std::string>({
      {500, R"({"name":"InternalServerError","message":"db down"})", "HTTP 500"},
      {503, "<html>busy</html>", "HTTP 503"},
      {200, "<html>not json</html>", "not valid JSON"},
      {200, R"({"registries":[{"id":3,"url":"gcr.io")", "not valid JSON"},
      {200, "", "not valid JSON"},
      {200, "[]", "not a JSON object"},
      {200, R"({"items":[]})", "no \"registries\" array"},
      {200, R"({"registries":[{"url":"gcr.io"}]})", "no positive integer id"},
      {200, R"({"registries":[{"id":"3","url":"gcr.io"}]})", "no positive integer id"},
      {200, R"({"registries":[{"id":0,"url":"gcr.io"}]})", "no positive integer id"},
      {200, R"({"registries":[{"id":3}]})", "has no url"},
      {200, R"({"registries":[{"id":3,"url":""}]})", "has no url"},
      {200, R"({"registries":[{"id":3,"url":"gcr.io","username":5}]})", "username"},
      {200, R"({"registries":[{"id":3,"url":"gcr.io","isPublic":"no"}]})", "isPublic"},
      {200, R"({"registries":[{"id":3,"url":"gcr.io","password":7}]})", "password"},
      {200, R"({"registries":[{"id":3,"url":"gcr.io","sealed":"!!"}]})", "sealed"},
      {200, R"({"registries":[{"id":3,"url":"gcr.io","sealed":"c2hvcnQ="}]})", "sealed"},
      {200, R"({"registries":[{"id":3,"url":"a"},{"id":3,"url":"b"}]})", "listed twice"},
  }));
  FakeHttpClient http;
  http.answer(status, body);
  ControllerClient client(http);
  auto list = client.list_registries("");
  INFO(body);
  REQUIRE_FALSE(list.ok());
  CHECK_FALSE(list.error().is_not_found());
  CHECK_THAT(list.error().message(), Catch::Contains(expected));
}

TEST_CASE("a transport failure keeps its reason and names the request") {
  FakeHttpClient http;
  http.fail(Error::Unavailable("cannot reach the controller at https://c: timed out"));
  ControllerClient client(http);
  auto list = client.list_registries("");
  REQUIRE_FALSE(list.ok());
  CHECK_THAT(list.error().message(),
             Catch::Contains("GET /api/v3/agent/registries") && Catch::Contains("timed out"));
}

TEST_CASE("enroll sends the node public key as base64 JSON with PUT") {
  FakeHttpClient http;
  http.answer(204, "");
  ControllerClient client(http);
  vault::PublicKey pk{};
  pk[0] = 1;
  REQUIRE(client.put_node_key(pk).ok());
  const auto& req = http.requests()[0];
  CHECK(req.method == "PUT");
  CHECK(req.path == "/api/v3/agent/node-key");
  CHECK(req.body == R"({"publicKey":"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="})");
}

TEST_CASE("a password is never echoed in a parse error") {
  FakeHttpClient http;
  http.answer(200, R"({"registries":[{"id":3,"url":"gcr.io","password":"SUPERSECRET","isPublic":1}]})");
  ControllerClient client(http);
  auto list = client.list_registries("");
  REQUIRE_FALSE(list.ok());
  CHECK_THAT(list.error().message(), !Catch::Contains("SUPERSECRET"));
}
