// Tests of `darcy-fetch status` (fetch_command.h) and ControllerClient::get_status,
// against scripted HTTP answers: the JSON report for each outcome, and that
// neither a plain password nor the token is ever printed.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <deque>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "helper/fetch/controller_client.h"
#include "helper/fetch/fetch_command.h"
#include "support/faulty_file_system.h"
#include "support/temp_dir.h"
#include "vault/node_key.h"

using namespace darcy;
using namespace darcy::fetch;
using darcy::testing::FixedClock;
using darcy::testing::TempDir;

namespace {

constexpr const char* kDate = "Tue, 14 Nov 2023 22:13:20 GMT";

// Answers requests from a script, with Date headers.
class ScriptedHttp : public HttpClient {
 public:
  void answer(long status, const std::string& body, const std::string& date = kDate) {
    HttpResponse r;
    r.status = status;
    r.date = date;
    r.body = SecureString(body.data(), body.size());
    answers_.emplace_back(std::move(r));
  }
  void fail(Error e) { answers_.emplace_back(std::move(e)); }
  const std::vector<HttpRequest>& requests() const { return requests_; }

  Result<HttpResponse> send(const HttpRequest& request) override {
    requests_.push_back(request);
    if (answers_.empty()) return Error::Unavailable("no answer scripted");
    Result<HttpResponse> next = std::move(answers_.front());
    answers_.pop_front();
    return next;
  }

 private:
  std::deque<Result<HttpResponse>> answers_;
  std::vector<HttpRequest> requests_;
};

const char* kStatusBody =
    R"({"status":"online","statusType":"RUNNING","uptimeSec":5,"timestamp":1700000000000,)"
    R"("versions":{"controller":"3.0.0-darcy-dev","ecnViewer":"none"}})";

std::string sealed_blob() {
  return vault::seal_to(vault::NodeKey::generate().public_key(),
                        R"({"id":3,"url":"gcr.io","username":"u","password":"p"})");
}

struct StatusFixture {
  TempDir tmp;
  vault::RealFileSystem fs;
  FixedClock clock{1'700'000'000};
  helper::Environment env;
  ScriptedHttp http;
  std::ostringstream out;
  std::ostringstream err;

  StatusFixture() {
    std::ofstream(tmp / "helper.conf")
        << "controller-url = https://controller.example.com:51121\n"
        << "token-file = " << (tmp / "agent.token") << "\n"
        << "vault-dir = " << (tmp / "vault") << "\n";
    env.uid = ::getuid();
    env.vars["DARCY_CONFIG"] = tmp / "helper.conf";
  }

  int run() {
    out.str("");
    err.str("");
    return run_fetch({"status"}, env, fs, clock, &http, out, err);
  }

  nlohmann::json report() const {
    const std::string text = out.str();
    REQUIRE(!text.empty());
    REQUIRE(text.back() == '\n');
    REQUIRE(text.find('\n') == text.size() - 1);  // one line
    return nlohmann::json::parse(text);
  }
};

}  // namespace

TEST_CASE("get_status reads the status, the Date header and the controller version") {
  ScriptedHttp http;
  http.answer(200, kStatusBody);
  ControllerClient client(http);
  auto status = client.get_status();
  REQUIRE(status.ok());
  CHECK(status->http_status == 200);
  CHECK(status->date == kDate);
  CHECK(status->version == "3.0.0-darcy-dev");
  REQUIRE(http.requests().size() == 1);
  CHECK(http.requests()[0].method == "GET");
  CHECK(http.requests()[0].path == "/api/v3/status");
}

TEST_CASE("get_status takes any HTTP answer, and a body it cannot read leaves no version") {
  ScriptedHttp http;
  http.answer(404, "<html>not here</html>", "");
  auto status = ControllerClient(http).get_status();
  REQUIRE(status.ok());
  CHECK(status->http_status == 404);
  CHECK(status->date.empty());
  CHECK(status->version.empty());
}

TEST_CASE("get_status keeps the version short and printable") {
  ScriptedHttp http;
  http.answer(200, R"({"versions":{"controller":"1.0\n)" + std::string(100, 'x') + R"("}})");
  auto status = ControllerClient(http).get_status();
  REQUIRE(status.ok());
  CHECK(status->version.size() == 64);
  CHECK(status->version.substr(0, 4) == "1.0?");
}

TEST_CASE("get_status reports a transport failure as the HttpClient's error") {
  ScriptedHttp http;
  http.fail(Error::Unavailable("cannot reach the controller at https://c: DNS lookup failed"));
  auto status = ControllerClient(http).get_status();
  REQUIRE_FALSE(status.ok());
  CHECK_THAT(status.error().message(), Catch::Contains("GET /api/v3/status"));
  CHECK_THAT(status.error().message(), Catch::Contains("DNS lookup failed"));
}

TEST_CASE("status of a healthy enrolled node reports sealed with a probe and exits 0") {
  StatusFixture f;
  const std::string blob = sealed_blob();
  f.http.answer(200, kStatusBody);
  f.http.answer(200, R"({"registries":[{"id":1,"url":"registry.hub.docker.com","isPublic":true},)"
                     R"({"id":3,"url":"gcr.io","username":"u","sealed":")" + blob + R"("}]})");
  REQUIRE(f.run() == 0);
  CHECK(f.err.str().empty());
  const auto r = f.report();
  CHECK(r["reachable"] == true);
  CHECK(r["httpStatus"] == 200);
  CHECK(r["tls"] == "ok");
  CHECK(r["date"] == kDate);
  CHECK(r["controllerVersion"] == "3.0.0-darcy-dev");
  CHECK(r["error"].is_null());
  CHECK(r["tokenAccepted"] == true);
  CHECK(r["registries"] == 2);
  CHECK(r["sealed"] == true);
  CHECK(r["probe"] ==
        nlohmann::json({{"id", 3}, {"url", "gcr.io"}, {"username", "u"}, {"sealed", blob}}));
  CHECK(r["listError"].is_null());
  REQUIRE(f.http.requests().size() == 2);
  CHECK(f.http.requests()[0].path == "/api/v3/status");
  CHECK(f.http.requests()[1].path == "/api/v3/agent/registries");
  CHECK(f.http.requests()[1].headers.empty());  // no If-None-Match: the rows must come back
}

TEST_CASE("status says not sealed when a row carries a plain password, and never prints it") {
  StatusFixture f;
  f.http.answer(200, kStatusBody);
  f.http.answer(200, R"({"registries":[{"id":3,"url":"gcr.io","username":"u",)"
                     R"("password":"plain-secret-1234"}]})");
  REQUIRE(f.run() == 0);
  const auto r = f.report();
  CHECK(r["sealed"] == false);
  CHECK(r["probe"].is_null());
  CHECK(f.out.str().find("plain-secret-1234") == std::string::npos);
  CHECK(f.err.str().find("plain-secret-1234") == std::string::npos);
}

TEST_CASE("status cannot tell sealing when no row carries credentials") {
  StatusFixture f;
  f.http.answer(200, kStatusBody);
  f.http.answer(200, R"({"registries":[{"id":1,"url":"registry.hub.docker.com","isPublic":true}]})");
  REQUIRE(f.run() == 0);
  CHECK(f.report()["sealed"].is_null());
}

TEST_CASE("status of an unreachable controller reports the transport error and skips the list") {
  StatusFixture f;
  f.http.fail(Error::Unavailable("cannot reach the controller at https://controller.example.com:"
                                 "51121: TLS: the controller's certificate was not accepted"));
  REQUIRE(f.run() == 1);
  const auto r = f.report();
  CHECK(r["reachable"] == false);
  CHECK(r["tls"].is_null());
  CHECK(r["date"].is_null());
  CHECK_THAT(r["error"].get<std::string>(), Catch::Contains("certificate was not accepted"));
  CHECK(r["tokenAccepted"].is_null());
  CHECK(f.http.requests().size() == 1);
  CHECK_THAT(f.err.str(), Catch::StartsWith("darcy-fetch: "));
  CHECK_THAT(f.err.str(), Catch::Contains("certificate was not accepted"));
}

TEST_CASE("status of a refused token says so, with the controller's message") {
  StatusFixture f;
  f.http.answer(200, kStatusBody);
  f.http.answer(401, R"({"name":"AuthenticationError","message":"Unauthorized"})");
  REQUIRE(f.run() == 1);
  const auto r = f.report();
  CHECK(r["reachable"] == true);
  CHECK(r["tokenAccepted"] == false);
  CHECK_THAT(r["listError"].get<std::string>(), Catch::Contains("HTTP 401"));
  CHECK_THAT(f.err.str(), Catch::Contains("refused"));
}

TEST_CASE("status of a list that fails otherwise leaves tokenAccepted null") {
  StatusFixture f;
  f.http.answer(200, kStatusBody);
  f.http.answer(503, R"({"name":"InternalServerError","message":"injected fault"})");
  REQUIRE(f.run() == 1);
  const auto r = f.report();
  CHECK(r["tokenAccepted"].is_null());
  CHECK_THAT(r["listError"].get<std::string>(), Catch::Contains("HTTP 503"));
}

TEST_CASE("status asks the list even when /api/v3/status is not 200") {
  StatusFixture f;
  f.http.answer(404, R"({"name":"NotFoundError","message":"no"})", "");
  f.http.answer(200, R"({"registries":[]})");
  REQUIRE(f.run() == 0);
  const auto r = f.report();
  CHECK(r["httpStatus"] == 404);
  CHECK(r["date"].is_null());
  CHECK(r["tokenAccepted"] == true);
}

TEST_CASE("status needs no vault, but a controller-url") {
  StatusFixture f;
  f.http.answer(200, kStatusBody);
  f.http.answer(200, R"({"registries":[]})");
  REQUIRE(f.run() == 0);  // tmp/vault does not exist
  std::ofstream(f.tmp / "helper.conf", std::ios::trunc) << "vault-dir = " << (f.tmp / "v") << "\n";
  REQUIRE(f.run() == 1);
  CHECK(f.out.str().empty());
  CHECK_THAT(f.err.str(), Catch::Contains("no controller-url"));
}

TEST_CASE("status with the real HTTP client reports an unreadable token file in listError") {
  StatusFixture f;
  // Nothing listens on port 1 of loopback: the status request fails to connect.
  std::ofstream(f.tmp / "helper.conf", std::ios::trunc)
      << "controller-url = https://127.0.0.1:1\n"
      << "token-file = " << (f.tmp / "agent.token") << "\n"
      << "connect-timeout = 2\ntimeout = 2\n"
      << "vault-dir = " << (f.tmp / "vault") << "\n";
  std::ofstream(f.tmp / "agent.token") << "tok-abcdef-123\n";
  REQUIRE(::chmod((f.tmp / "agent.token").c_str(), 0644) == 0);
  f.out.str("");
  REQUIRE(run_fetch({"status"}, f.env, f.fs, f.clock, nullptr, f.out, f.err) == 1);
  const auto r = f.report();
  CHECK(r["reachable"] == false);
  CHECK_THAT(r["error"].get<std::string>(), Catch::Contains("connection failed"));
  CHECK_THAT(r["listError"].get<std::string>(), Catch::Contains("chmod 600"));
  CHECK(f.out.str().find("tok-abcdef-123") == std::string::npos);
  CHECK(f.err.str().find("tok-abcdef-123") == std::string::npos);
}

TEST_CASE("the usage names status") {
  StatusFixture f;
  std::ostringstream out, err;
  REQUIRE(run_fetch({"--help"}, f.env, f.fs, f.clock, &f.http, out, err) == 0);
  CHECK_THAT(out.str(), Catch::Contains("status"));
  REQUIRE(run_fetch({"status", "extra"}, f.env, f.fs, f.clock, &f.http, out, err) == 2);
}
