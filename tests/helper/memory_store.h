// MemoryStore: a CredentialStore held in a vector, for tests of code that
// only needs the abstract store (the protocol handler).
//
// Server URLs are matched exactly (no normalisation); list() gives entries in
// the order they were first added. Every call is counted and the argument of
// the last get/erase remembered, so tests can check what reached the store.
// fail(op, error) / fail_all(error) make operations return a chosen Error
// until clear_failures().
//
// Thread safety: none; one test at a time.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "helper/credential_store.h"
#include "vault/result.h"

namespace darcy::helper::testing {

class MemoryStore final : public CredentialStore {
 public:
  enum class Op : std::size_t { kAdd, kErase, kGet, kList };

  Status add(const Credentials& creds) override {
    ++calls_[index(Op::kAdd)];
    if (auto e = failure(Op::kAdd)) return *e;
    if (Credentials* found = find_mutable(creds.server_url)) {
      *found = creds;
    } else {
      entries_.push_back(creds);
    }
    return Ok();
  }

  Status erase(std::string_view server_url) override {
    ++calls_[index(Op::kErase)];
    last_server_url_ = std::string(server_url);
    if (auto e = failure(Op::kErase)) return *e;
    const auto it = std::find_if(entries_.begin(), entries_.end(),
                                 [&](const Credentials& c) { return c.server_url == server_url; });
    if (it == entries_.end())
      return Error::NotFound("nothing stored for " + std::string(server_url));
    entries_.erase(it);
    return Ok();
  }

  Result<Credentials> get(std::string_view server_url) override {
    ++calls_[index(Op::kGet)];
    last_server_url_ = std::string(server_url);
    if (auto e = failure(Op::kGet)) return *e;
    if (const Credentials* found = find(server_url)) return *found;
    return Error::NotFound("nothing stored for " + std::string(server_url));
  }

  Result<std::vector<std::pair<std::string, std::string>>> list() override {
    ++calls_[index(Op::kList)];
    if (auto e = failure(Op::kList)) return *e;
    std::vector<std::pair<std::string, std::string>> out;
    for (const Credentials& c : entries_) out.emplace_back(c.server_url, c.username);
    return out;
  }

  // Makes `op` return `error` until clear_failures().
  void fail(Op op, Error error) { failures_[index(op)] = std::move(error); }
  // Makes every operation return `error` until clear_failures().
  void fail_all(const Error& error) {
    for (auto& f : failures_) f = error;
  }
  void clear_failures() {
    for (auto& f : failures_) f.reset();
  }

  // Direct access for arranging and checking state without the protocol.
  void put(std::string server_url, std::string username, std::string_view secret) {
    Credentials c;
    c.server_url = std::move(server_url);
    c.username = std::move(username);
    c.secret.assign(secret.data(), secret.size());
    entries_.push_back(std::move(c));
  }
  const std::vector<Credentials>& entries() const { return entries_; }
  const Credentials* find(std::string_view server_url) const {
    const auto it = std::find_if(entries_.begin(), entries_.end(),
                                 [&](const Credentials& c) { return c.server_url == server_url; });
    return it == entries_.end() ? nullptr : &*it;
  }

  int calls(Op op) const { return calls_[index(op)]; }
  int total_calls() const { return calls_[0] + calls_[1] + calls_[2] + calls_[3]; }
  // The server URL of the last get or erase call ("" before any).
  const std::string& last_server_url() const { return last_server_url_; }

 private:
  static std::size_t index(Op op) { return static_cast<std::size_t>(op); }
  Credentials* find_mutable(std::string_view server_url) {
    const auto it = std::find_if(entries_.begin(), entries_.end(),
                                 [&](const Credentials& c) { return c.server_url == server_url; });
    return it == entries_.end() ? nullptr : &*it;
  }
  std::optional<Error> failure(Op op) const { return failures_[index(op)]; }

  std::vector<Credentials> entries_;
  std::array<std::optional<Error>, 4> failures_;
  std::array<int, 4> calls_{};
  std::string last_server_url_;
};

}  // namespace darcy::helper::testing
