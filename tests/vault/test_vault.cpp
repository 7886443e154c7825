#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <atomic>
#include <thread>

#include "support/faulty_file_system.h"
#include "support/files.h"
#include "support/temp_dir.h"
#include "vault/vault.h"

using namespace darcy;
using namespace darcy::vault;
using darcy::testing::FaultyFileSystem;
using darcy::testing::FixedClock;
using darcy::testing::FsOp;
using darcy::testing::slurp;
using darcy::testing::TempDir;

namespace {

mode_t mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

Entry make_entry(const Vault& v, std::int64_t id, const std::string& url,
                 const std::string& username, const std::string& secret) {
  Entry e;
  e.id = id;
  e.url = url;
  e.key = url;
  e.username = username;
  e.source = id == 0 ? Source::kLocal : Source::kController;
  e.fetched_at = 1000;
  e.sealed = seal_credential(v.public_key(), id, url, username, secret);
  return e;
}

Status add(Vault& v, const Entry& e) {
  return v.update([&](Index& index) -> Status {
    index.entries.push_back(e);
    return Ok();
  });
}

std::size_t temp_files_in(const std::string& dir) {
  std::size_t n = 0;
  for (const auto& f : std::filesystem::directory_iterator(dir)) {
    if (f.path().filename().string().find(".tmp.") != std::string::npos) ++n;
  }
  return n;
}

struct Fixture {
  TempDir tmp;
  FaultyFileSystem fs;
  FixedClock clock{1'700'000'000};
  std::string dir = tmp / "vault";
  Vault vault = Vault::init(fs, clock, dir).value();
};

}  // namespace

TEST_CASE("init creates a private vault directory and key files with the documented modes") {
  Fixture f;
  CHECK(mode_of(f.dir) == 0700);
  CHECK(mode_of(f.dir + "/node.key") == 0600);
  CHECK(mode_of(f.dir + "/node.pub") == 0644);
  CHECK(slurp(f.dir + "/node.pub").rfind("darcy-node-pub v1 x25519\n", 0) == 0);
  CHECK(slurp(f.dir + "/node.key").rfind("darcy-node-key v1 x25519\n", 0) == 0);
}

TEST_CASE("init run twice keeps the same node key") {
  Fixture f;
  const std::string key_before = slurp(f.dir + "/node.key");
  auto again = Vault::init(f.fs, f.clock, f.dir);
  REQUIRE(again.ok());
  CHECK(again->public_key() == f.vault.public_key());
  CHECK(slurp(f.dir + "/node.key") == key_before);
}

TEST_CASE("init creates missing parent directories privately") {
  TempDir tmp;
  RealFileSystem fs;
  FixedClock clock(1);
  auto v = Vault::init(fs, clock, tmp / "a/b/vault");
  REQUIRE(v.ok());
  CHECK(mode_of(tmp / "a") == 0700);
  CHECK(mode_of(tmp / "a/b/vault") == 0700);
}

TEST_CASE("a missing vault.json is an empty index") {
  Fixture f;
  auto index = f.vault.load();
  REQUIRE(index.ok());
  CHECK(index->entries.empty());
  CHECK(index->synced_at == 0);
}

TEST_CASE("an entry unseals to exactly the credentials that were sealed") {
  Fixture f;
  const std::string secret = "{\"type\":\"service_account\",\"private_key\":\"-----BEGIN\\n\"}";
  REQUIRE(add(f.vault, make_entry(f.vault, 3, "gcr.io", "_json_key", secret)).ok());
  CHECK(mode_of(f.dir + "/vault.json") == 0600);
  auto index = f.vault.load();
  REQUIRE(index.ok());
  REQUIRE(index->entries.size() == 1);
  auto cred = f.vault.unseal(index->entries[0]);
  REQUIRE(cred.ok());
  CHECK(cred->id == 3);
  CHECK(cred->url == "gcr.io");
  CHECK(cred->username == "_json_key");
  CHECK(view(cred->secret) == secret);
  CHECK(slurp(f.dir + "/vault.json").find("service_account") == std::string::npos);
}

TEST_CASE("flipping any byte of a sealed entry makes unsealing fail as tampering") {
  Fixture f;
  const Entry e = make_entry(f.vault, 5, "registry.example.com:5000", "ci", "hunter2");
  std::string raw;
  REQUIRE(base64_decode(e.sealed, raw));
  for (std::size_t i = 0; i < raw.size(); ++i) {
    std::string flipped = raw;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x01);
    Entry bad = e;
    bad.sealed = base64_encode(flipped);
    auto cred = f.vault.unseal(bad);
    INFO("flipped byte " << i);
    REQUIRE_FALSE(cred.ok());
    CHECK(cred.error().code() == ErrorCode::kTampered);
  }
  CHECK(f.vault.unseal(e).ok());
}

TEST_CASE("an index row that points at another entry's secret is detected as tampering") {
  Fixture f;
  const Entry a = make_entry(f.vault, 3, "gcr.io", "_json_key", "secret-a");
  Entry b = make_entry(f.vault, 4, "quay.io", "robot", "secret-b");
  SECTION("sealed blob swapped") { b.sealed = a.sealed; }
  SECTION("username edited") { b.username = "_json_key"; b.sealed = a.sealed; }
  SECTION("url edited") { b.url = "evil.example.com"; }
  SECTION("id edited") { b.id = 7; }
  SECTION("username alone edited") { b.username = "admin"; }
  auto cred = f.vault.unseal(b);
  REQUIRE_FALSE(cred.ok());
  CHECK(cred.error().code() == ErrorCode::kTampered);
}

TEST_CASE("a corrupt vault.json is reported naming the file and left as it was") {
  Fixture f;
  const std::string path = f.dir + "/vault.json";
  const std::string garbage = GENERATE(std::string("{\"format\":\"darcy-vault/1\",\"entr"),
                                       std::string("not json at all"), std::string("[]"),
                                       std::string("{\"format\":\"darcy-vault/9\"}"),
                                       std::string(""));
  {
    std::ofstream out(path, std::ios::binary);
    out << garbage;
  }
  ::chmod(path.c_str(), 0600);
  auto index = f.vault.load();
  REQUIRE_FALSE(index.ok());
  CHECK(index.error().code() == ErrorCode::kCorruption);
  CHECK_THAT(index.error().message(), Catch::Contains(path));
  auto status = add(f.vault, make_entry(f.vault, 3, "gcr.io", "u", "p"));
  CHECK_FALSE(status.ok());
  CHECK(slurp(path) == garbage);
}

TEST_CASE("a vault.json written for another node key is refused clearly") {
  Fixture f;
  REQUIRE(add(f.vault, make_entry(f.vault, 3, "gcr.io", "u", "p")).ok());
  std::filesystem::remove(f.dir + "/node.key");
  std::filesystem::remove(f.dir + "/node.pub");
  auto fresh = Vault::init(f.fs, f.clock, f.dir);
  REQUIRE(fresh.ok());
  auto index = fresh->load();
  REQUIRE_FALSE(index.ok());
  CHECK_THAT(index.error().message(), Catch::Contains("another node key"));
}

TEST_CASE("a vault directory open to group or others is refused with the fix") {
  Fixture f;
  const mode_t bad = GENERATE(0750, 0705, 0777, 0710);
  ::chmod(f.dir.c_str(), bad);
  auto v = Vault::open(f.fs, f.clock, f.dir);
  REQUIRE_FALSE(v.ok());
  CHECK(v.error().code() == ErrorCode::kPermission);
  CHECK_THAT(v.error().message(), Catch::Contains(f.dir) && Catch::Contains("chmod 700"));
}

TEST_CASE("a node key readable by group or others is refused with the fix") {
  Fixture f;
  REQUIRE(add(f.vault, make_entry(f.vault, 3, "gcr.io", "u", "p")).ok());
  const std::string key = f.dir + "/node.key";
  ::chmod(key.c_str(), GENERATE(0640, 0604, 0644, 0660));
  auto index = f.vault.load();
  REQUIRE(index.ok());
  auto cred = f.vault.unseal(index->entries[0]);
  REQUIRE_FALSE(cred.ok());
  CHECK(cred.error().code() == ErrorCode::kPermission);
  CHECK_THAT(cred.error().message(), Catch::Contains(key) && Catch::Contains("chmod 600"));
}

TEST_CASE("vault files owned by another user are refused") {
  if (::geteuid() != 0) {
    WARN("needs root to chown; skipped");
    return;
  }
  Fixture f;
  REQUIRE(add(f.vault, make_entry(f.vault, 3, "gcr.io", "u", "p")).ok());
  SECTION("the key") {
    const std::string key = f.dir + "/node.key";
    REQUIRE(::chown(key.c_str(), 65534, 65534) == 0);
    auto cred = f.vault.unseal(f.vault.load()->entries[0]);
    REQUIRE_FALSE(cred.ok());
    CHECK_THAT(cred.error().message(), Catch::Contains("chown") && Catch::Contains(key));
  }
  SECTION("the directory") {
    REQUIRE(::chown(f.dir.c_str(), 65534, 65534) == 0);
    auto v = Vault::open(f.fs, f.clock, f.dir);
    REQUIRE_FALSE(v.ok());
    CHECK(v.error().code() == ErrorCode::kPermission);
  }
  SECTION("vault.json") {
    REQUIRE(::chown((f.dir + "/vault.json").c_str(), 65534, 65534) == 0);
    auto index = f.vault.load();
    REQUIRE_FALSE(index.ok());
    CHECK(index.error().code() == ErrorCode::kPermission);
  }
}

TEST_CASE("a symlinked vault.json or node.key is refused") {
  Fixture f;
  REQUIRE(add(f.vault, make_entry(f.vault, 3, "gcr.io", "u", "p")).ok());
  const std::string which = GENERATE(std::string("vault.json"), std::string("node.key"));
  const std::string path = f.dir + "/" + which;
  std::filesystem::rename(path, f.tmp / "elsewhere");
  std::filesystem::create_symlink(f.tmp / "elsewhere", path);
  auto index = f.vault.load();
  Result<Credential> cred = Error::IOError("unset");
  if (index.ok()) cred = f.vault.unseal(index->entries[0]);
  const Error& e = index.ok() ? cred.error() : index.error();
  REQUIRE((!index.ok() || !cred.ok()));
  CHECK(e.code() == ErrorCode::kPermission);
  CHECK_THAT(e.message(), Catch::Contains("symbolic link") && Catch::Contains(path));
}

TEST_CASE("a failed step of a write leaves the previous vault intact and no temp file behind") {
  Fixture f;
  REQUIRE(add(f.vault, make_entry(f.vault, 3, "gcr.io", "u", "old")).ok());
  const std::string before = slurp(f.dir + "/vault.json");
  const FsOp op = GENERATE(FsOp::kCreateTemp, FsOp::kWrite, FsOp::kSync, FsOp::kRename,
                           FsOp::kLock);
  f.fs.fail(op);
  auto status = add(f.vault, make_entry(f.vault, 4, "quay.io", "u", "new"));
  REQUIRE_FALSE(status.ok());
  CHECK_THAT(status.error().message(), Catch::Contains("injected"));
  CHECK(slurp(f.dir + "/vault.json") == before);
  CHECK(temp_files_in(f.dir) == 0);
  auto index = f.vault.load();
  REQUIRE(index.ok());
  REQUIRE(index->entries.size() == 1);
  CHECK(view(f.vault.unseal(index->entries[0])->secret) == "old");
}

TEST_CASE("a failed directory fsync is reported after the new file is in place") {
  Fixture f;
  f.fs.fail(FsOp::kSyncDir);
  auto status = add(f.vault, make_entry(f.vault, 3, "gcr.io", "u", "p"));
  CHECK_FALSE(status.ok());
  auto index = f.vault.load();
  REQUIRE(index.ok());
  CHECK(index->entries.size() == 1);
}

TEST_CASE("an update that fails or changes nothing writes nothing") {
  Fixture f;
  REQUIRE(add(f.vault, make_entry(f.vault, 3, "gcr.io", "u", "p")).ok());
  const int renames = f.fs.calls(FsOp::kRename);
  auto failed = f.vault.update([](Index& index) -> Status {
    index.entries.clear();
    return Error::InvalidInput("no");
  });
  CHECK_FALSE(failed.ok());
  auto same = f.vault.update([](Index&) -> Status { return Ok(); });
  CHECK(same.ok());
  CHECK(f.fs.calls(FsOp::kRename) == renames);
  CHECK(f.vault.load()->entries.size() == 1);
}

TEST_CASE("concurrent writers in one process lose no update") {
  Fixture f;
  constexpr int kThreads = 8;
  constexpr int kEach = 10;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      RealFileSystem fs;
      auto v = Vault::open(fs, f.clock, f.dir);
      if (!v) {
        ++failures;
        return;
      }
      for (int i = 0; i < kEach; ++i) {
        const int id = 100 + t * kEach + i;
        if (!add(*v, make_entry(*v, id, "r" + std::to_string(id), "u", "p")).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(failures == 0);
  auto index = f.vault.load();
  REQUIRE(index.ok());
  CHECK(index->entries.size() == kThreads * kEach);
}

TEST_CASE("temp files left by a writer that died are removed by the next write") {
  Fixture f;
  for (const char* name : {"/.vault.json.tmp.dead1", "/.vault.json.tmp.dead2"}) {
    std::ofstream(f.dir + name) << "stale copy";
  }
  REQUIRE(temp_files_in(f.dir) == 2);
  REQUIRE(add(f.vault, make_entry(f.vault, 3, "gcr.io", "u", "p")).ok());
  CHECK(temp_files_in(f.dir) == 0);
}

TEST_CASE("a key write that dies after node.key leaves a vault that init repairs") {
  TempDir tmp;
  FaultyFileSystem fs;
  FixedClock clock(1);
  const std::string dir = tmp / "vault";
  // The second rename of the first init is node.pub's: node.key is in place.
  fs.fail(FsOp::kRename, 2);
  REQUIRE_FALSE(Vault::init(fs, clock, dir).ok());
  CHECK(std::filesystem::exists(dir + "/node.key"));
  CHECK_FALSE(std::filesystem::exists(dir + "/node.pub"));
  auto repaired = Vault::init(fs, clock, dir);
  REQUIRE(repaired.ok());
  auto key = NodeKey::load(fs, dir);
  REQUIRE(key.ok());
  CHECK(repaired->public_key() == key->public_key());
}

TEST_CASE("a node.key whose halves disagree is reported as a broken key, not a tampered entry") {
  Fixture f;
  REQUIRE(add(f.vault, make_entry(f.vault, 3, "gcr.io", "u", "p")).ok());
  const std::string key_path = f.dir + "/node.key";
  std::string text = slurp(key_path);
  const auto second_line = text.find('\n') + 1;
  text.replace(second_line, 44, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
  std::ofstream(key_path, std::ios::trunc) << text;
  auto fresh = Vault::open(f.fs, f.clock, f.dir);
  REQUIRE(fresh.ok());
  auto cred = fresh->unseal(fresh->load()->entries[0]);
  REQUIRE_FALSE(cred.ok());
  CHECK(cred.error().code() == ErrorCode::kCorruption);
  CHECK_THAT(cred.error().message(), Catch::Contains(key_path) && Catch::Contains("does not belong"));
}
