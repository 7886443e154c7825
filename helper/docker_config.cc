#include "helper/docker_config.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "helper/server_key.h"

namespace darcy::helper {
namespace {

// ordered_json keeps the file's own key order, so an edit moves nothing.
using Json = nlohmann::ordered_json;

constexpr std::string_view kCredHelpersKey = "credHelpers";

bool is_blank(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

// "line L, column C" of the byte at `offset` (1-based, as editors count).
std::string position_of(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  std::size_t line = 1;
  std::size_t column = 1;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

Error not_a_docker_config(const std::string& path, const std::string& what) {
  return Error::Corruption(path + " " + what +
                           "; it was left unchanged. Fix the file (or move it away) and run "
                           "configure-docker again");
}

}  // namespace

std::vector<std::string> cred_helper_keys(std::string_view key) {
  if (is_docker_hub(key)) return {std::string(kDockerHubServerUrl), std::string(kDockerHubKey)};
  return {std::string(key)};
}

Result<std::string> docker_config_path(const Environment& env) {
  if (const std::string* dir = env.get("DOCKER_CONFIG"); dir != nullptr && !dir->empty()) {
    return *dir + "/config.json";
  }
  if (const std::string* home = env.get("HOME"); home != nullptr && !home->empty()) {
    return *home + "/.docker/config.json";
  }
  return Error::Config(
      "cannot find Docker's config.json: neither DOCKER_CONFIG nor HOME is set. Fix: set "
      "DOCKER_CONFIG to the directory holding config.json");
}

Result<CredHelperEdit> add_cred_helpers(std::string_view config_json, const std::string& path,
                                        const std::vector<std::string>& hosts,
                                        std::string_view helper) {
  Json config = Json::object();
  if (!is_blank(config_json)) {
    try {
      config = Json::parse(config_json);
    } catch (const Json::parse_error& e) {
      // e.what() quotes the text around the error, and auths holds passwords.
      return not_a_docker_config(path, "is not valid JSON (error at " +
                                           position_of(config_json, e.byte == 0 ? 0 : e.byte - 1) +
                                           ")");
    }
  }
  if (!config.is_object()) {
    return not_a_docker_config(path, "does not hold a JSON object");
  }
  const std::string credhelpers_key(kCredHelpersKey);
  const bool had_credhelpers = config.contains(credhelpers_key);
  if (!had_credhelpers) config[credhelpers_key] = Json::object();
  Json& helpers = config[credhelpers_key];
  if (!helpers.is_object()) {
    return not_a_docker_config(path, "has a \"credHelpers\" that is not a JSON object");
  }
  for (const auto& [host, value] : helpers.items()) {
    if (!value.is_string()) {
      return not_a_docker_config(
          path, "has a \"credHelpers\" entry for \"" + host + "\" that is not a string");
    }
  }

  CredHelperEdit edit;
  std::vector<std::string_view> seen;
  for (const std::string& host : hosts) {
    if (std::find(seen.begin(), seen.end(), host) != seen.end()) continue;
    seen.push_back(host);
    std::string previous;
    if (auto it = helpers.find(host); it != helpers.end()) {
      previous = it->get<std::string>();
      if (previous == helper) continue;
    }
    helpers[host] = std::string(helper);
    edit.changes.push_back({host, std::move(previous)});
  }
  if (!had_credhelpers && edit.changes.empty()) config.erase(credhelpers_key);
  try {
    edit.json = config.dump(1, '\t') + "\n";
  } catch (const Json::type_error&) {
    // Unreachable for parsed input (the parser checks UTF-8), but dump() may throw.
    return not_a_docker_config(path, "holds a string that is not valid UTF-8");
  }
  return edit;
}

std::string describe(const CredHelperChange& change, std::string_view helper) {
  if (change.previous.empty()) return change.host + ": added \"" + std::string(helper) + "\"";
  return change.host + ": was \"" + change.previous + "\", now \"" + std::string(helper) + "\"";
}

}  // namespace darcy::helper
