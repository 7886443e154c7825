#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "helper/event_log.h"
#include "helper/vault_store.h"
#include "support/faulty_file_system.h"
#include "support/files.h"
#include "support/temp_dir.h"
#include "vault/vault.h"

using namespace darcy;
using namespace darcy::helper;
using darcy::testing::slurp;
using darcy::testing::TempDir;

TEST_CASE("an event is one logfmt line with time, action, host, registry, outcome and duration") {
  EventLog log("docker-credential-darcy", LogLevel::kInfo, "", nullptr);
  LogEvent e;
  e.action = "get";
  e.host = "gcr.io";
  e.registry = 3;
  e.outcome = "ok";
  e.duration_ms = 1.25;
  e.message = "a \"quoted\" msg\nwith a newline";
  const std::string line = log.format(e, 1700000000);
  CHECK(line.rfind("time=2023-11-14T22:13:20Z level=info prog=docker-credential-darcy pid=", 0) == 0);
  CHECK_THAT(line, Catch::Contains(" action=get host=gcr.io registry=3 outcome=ok duration_ms=1.2"));
  CHECK_THAT(line, Catch::EndsWith(R"( msg="a \"quoted\" msg?with a newline")"));
  CHECK(line.find('\n') == std::string::npos);
}

TEST_CASE("log levels parse and filter what reaches the file") {
  CHECK(parse_log_level("debug") == LogLevel::kDebug);
  CHECK(parse_log_level("warn") == LogLevel::kWarn);
  CHECK_FALSE(parse_log_level("verbose").has_value());
  TempDir tmp;
  const std::string path = tmp / "darcy.log";
  EventLog log("x", LogLevel::kWarn, path, nullptr);
  LogEvent info;
  info.action = "get";
  log.write(info);
  CHECK_FALSE(std::filesystem::exists(path));
  LogEvent error;
  error.level = LogLevel::kError;
  error.action = "sync";
  error.message = "the controller answered HTTP 503";
  log.write(error);
  CHECK_THAT(slurp(path), Catch::Contains("level=error") && Catch::Contains("HTTP 503"));
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
}

TEST_CASE("warnings go to stderr and the log; log-level error silences stderr") {
  std::ostringstream err;
  EventLog log("docker-credential-darcy", LogLevel::kWarn, "", &err);
  log.warn("get", "gcr.io", "serving credentials cached 3h ago");
  CHECK(err.str() == "docker-credential-darcy: serving credentials cached 3h ago\n");
  std::ostringstream quiet;
  EventLog errors_only("docker-credential-darcy", LogLevel::kError, "", &quiet);
  errors_only.warn("get", "gcr.io", "serving credentials cached 3h ago");
  CHECK(quiet.str().empty());
}

TEST_CASE("the log file is capped: past the limit it moves to .1 and a new one starts") {
  TempDir tmp;
  const std::string path = tmp / "darcy.log";
  EventLog log("x", LogLevel::kInfo, path, nullptr, /*max_bytes=*/1000);
  LogEvent e;
  e.action = "get";
  e.message = std::string(100, 'm');
  for (int i = 0; i < 30; ++i) log.write(e);
  const auto size = std::filesystem::file_size(path);
  const auto rotated = std::filesystem::file_size(path + ".1");
  CHECK(size <= 1000);
  CHECK(rotated <= 1000);
  CHECK(rotated > 500);
  CHECK_FALSE(std::filesystem::exists(path + ".2"));
}

TEST_CASE("operations are logged with their registry and outcome, never with the secret") {
  TempDir tmp;
  vault::RealFileSystem fs;
  darcy::testing::FixedClock clock(1'700'000'000);
  const std::string path = tmp / "darcy.log";
  std::ostringstream err;
  EventLog log("docker-credential-darcy", LogLevel::kDebug, path, &err);
  VaultStoreOptions o;
  o.vault_dir = tmp / "vault";
  o.log = &log;
  VaultStore store(fs, clock, o);
  REQUIRE(store.add({"https://user:pw@x", "u", SecureString("S3CRET-VALUE")}).error().code() ==
          ErrorCode::kInvalidInput);
  REQUIRE(store.add({"gcr.io", "_json_key", SecureString("S3CRET-VALUE")}).ok());
  REQUIRE(store.get("gcr.io").ok());
  CHECK(store.get("quay.io").error().is_not_found());
  REQUIRE(store.list().ok());
  REQUIRE(store.erase("gcr.io").ok());
  const std::string text = slurp(path);
  CHECK_THAT(text, Catch::Contains("action=store host=gcr.io outcome=ok"));
  CHECK_THAT(text, Catch::Contains("action=get host=gcr.io registry=0 outcome=ok"));
  CHECK_THAT(text, Catch::Contains("action=get host=quay.io outcome=not-found"));
  CHECK_THAT(text, Catch::Contains("action=erase host=gcr.io outcome=ok"));
  CHECK_THAT(text, Catch::Contains("action=store outcome=error"));
  CHECK_THAT(text, !Catch::Contains("S3CRET") && !Catch::Contains("pw@"));
  CHECK(err.str().empty());
}
