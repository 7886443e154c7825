#include "helper/fetch/controller_client.h"

#include <nlohmann/json.hpp>

namespace darcy::fetch {
namespace {

constexpr std::string_view kRegistriesPath = "/api/v3/agent/registries";
constexpr std::string_view kNodeKeyPath = "/api/v3/agent/node-key";
constexpr std::string_view kStatusPath = "/api/v3/status";
constexpr std::size_t kMaxVersionBytes = 64;

// A short, printable excerpt of the ioFog error message in `body`, if any.
std::string iofog_message(const SecureString& body) {
  const std::string_view text = view(body);
  const nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (!doc.is_object()) return {};
  const auto m = doc.find("message");
  if (m == doc.end() || !m->is_string()) return {};
  std::string out;
  for (char c : m->get_ref<const std::string&>()) {
    if (out.size() >= 200) {
      out += "...";
      break;
    }
    out.push_back(static_cast<unsigned char>(c) < 0x20 ? ' ' : c);
  }
  return out;
}

Error http_error(const HttpResponse& r, const std::string& what) {
  std::string message = "the controller answered HTTP " + std::to_string(r.status) + " to " + what;
  const std::string detail = iofog_message(r.body);
  if (!detail.empty()) message += ": " + detail;
  if (r.status == 401 || r.status == 403) {
    message += ". The agent token was refused; check token-file (the token may be wrong, "
               "expired, or for another controller)";
    return Error::Permission(message);
  }
  return Error::Unavailable(message);
}

Error invalid(const std::string& what, const std::string& why) {
  return Error::Unavailable("the controller sent an invalid response to " + what + ": " + why);
}

template <class It>
bool get_string(const SecureJson& obj, const char* key, std::string& out, bool required) {
  const It it = obj.find(key);
  if (it == obj.end() || it->is_null()) return !required;
  if (!it->is_string()) return false;
  out = std::string(view(it->template get_ref<const SecureString&>()));
  return true;
}

}  // namespace

Result<RegistryRow> parse_registry_row(const SecureJson& row) {
  using It = SecureJson::const_iterator;
  if (!row.is_object()) return Error::InvalidInput("a registry row is not a JSON object");
  RegistryRow r;
  const It id = row.find("id");
  if (id == row.end() || !id->is_number_integer() || id->get<std::int64_t>() < 1) {
    return Error::InvalidInput("a registry row has no positive integer id");
  }
  r.id = id->get<std::int64_t>();
  const std::string which = "registry " + std::to_string(r.id);
  if (!get_string<It>(row, "url", r.url, true) || r.url.empty()) {
    return Error::InvalidInput(which + " has no url");
  }
  if (!get_string<It>(row, "username", r.username, false)) {
    return Error::InvalidInput(which + ": username is not a string");
  }
  if (!get_string<It>(row, "userEmail", r.email, false)) {
    return Error::InvalidInput(which + ": userEmail is not a string");
  }
  const It pub = row.find("isPublic");
  if (pub != row.end() && !pub->is_null()) {
    if (!pub->is_boolean()) return Error::InvalidInput(which + ": isPublic is not a boolean");
    r.is_public = pub->get<bool>();
  }
  const It sealed = row.find("sealed");
  if (sealed != row.end() && !sealed->is_null()) {
    if (!sealed->is_string()) return Error::InvalidInput(which + ": sealed is not a string");
    r.sealed = std::string(view(sealed->get_ref<const SecureString&>()));
    std::string raw;
    if (!base64_decode(r.sealed, raw) || raw.size() < vault::kSealOverheadBytes) {
      return Error::InvalidInput(which + ": sealed is not base64 of a sealed box");
    }
  }
  const It password = row.find("password");
  if (r.sealed.empty() && password != row.end() && !password->is_null()) {
    if (!password->is_string()) return Error::InvalidInput(which + ": password is not a string");
    r.has_password = true;
    r.password = password->get_ref<const SecureString&>();
  }
  return r;
}

namespace {

// Parses a JSON body; a NUL byte (which would end nlohmann's parse early and
// hide what follows) makes it invalid.
SecureJson parse_body(std::string_view body) {
  if (body.find('\0') != std::string_view::npos) return SecureJson(SecureJson::value_t::discarded);
  return SecureJson::parse(body.begin(), body.end(), nullptr, false);
}

}  // namespace

Result<std::vector<RegistryRow>> parse_registry_list(std::string_view body) {
  const SecureJson doc = parse_body(body);
  if (doc.is_discarded()) return Error::InvalidInput("the body is not valid JSON");
  if (!doc.is_object()) return Error::InvalidInput("the body is not a JSON object");
  const auto list = doc.find("registries");
  if (list == doc.end() || !list->is_array()) {
    return Error::InvalidInput("the body has no \"registries\" array");
  }
  std::vector<RegistryRow> rows;
  rows.reserve(list->size());
  for (const SecureJson& row : *list) {
    auto r = parse_registry_row(row);
    if (!r) return std::move(r).error();
    for (const RegistryRow& seen : rows) {
      if (seen.id == r->id) {
        return Error::InvalidInput("registry " + std::to_string(r->id) + " is listed twice");
      }
    }
    rows.push_back(std::move(r).value());
  }
  return rows;
}

Result<RegistryList> ControllerClient::list_registries(std::string_view etag) {
  const std::string what = "GET " + std::string(kRegistriesPath);
  HttpRequest req;
  req.path = std::string(kRegistriesPath);
  if (!etag.empty()) req.headers.emplace_back("If-None-Match", std::string(etag));
  auto resp = http_.send(req);
  if (!resp) return std::move(resp).error().with_context(what);
  RegistryList list;
  if (resp->status == 304) {
    if (etag.empty()) return invalid(what, "304 Not Modified without If-None-Match");
    list.not_modified = true;
    list.etag = std::string(etag);
    return list;
  }
  if (resp->status != 200) return http_error(*resp, what);
  auto rows = parse_registry_list(view(resp->body));
  if (!rows) return invalid(what, rows.error().message());
  list.etag = resp->etag;
  list.rows = std::move(rows).value();
  return list;
}

Result<RegistryRow> ControllerClient::get_registry(std::int64_t id) {
  const std::string path = std::string(kRegistriesPath) + "/" + std::to_string(id);
  const std::string what = "GET " + path;
  HttpRequest req;
  req.path = path;
  auto resp = http_.send(req);
  if (!resp) return std::move(resp).error().with_context(what);
  if (resp->status == 404) {
    return Error::NotFound("registry " + std::to_string(id) + " does not exist on the controller");
  }
  if (resp->status != 200) return http_error(*resp, what);
  const std::string_view body = view(resp->body);
  const SecureJson doc = parse_body(body);
  if (doc.is_discarded()) return invalid(what, "the body is not valid JSON");
  auto row = parse_registry_row(doc);
  if (!row) return invalid(what, row.error().message());
  if (row->id != id) {
    return invalid(what, "it describes registry " + std::to_string(row->id) + " instead");
  }
  return row;
}

Status ControllerClient::put_node_key(const vault::PublicKey& key) {
  const std::string what = "PUT " + std::string(kNodeKeyPath);
  HttpRequest req;
  req.method = "PUT";
  req.path = std::string(kNodeKeyPath);
  req.headers.emplace_back("Content-Type", "application/json");
  req.body = nlohmann::json{{"publicKey", vault::public_key_base64(key)}}.dump();
  auto resp = http_.send(req);
  if (!resp) return std::move(resp).error().with_context(what);
  if (resp->status != 204 && resp->status != 200) return http_error(*resp, what);
  return Ok();
}

Result<ControllerStatus> ControllerClient::get_status() {
  const std::string what = "GET " + std::string(kStatusPath);
  HttpRequest req;
  req.path = std::string(kStatusPath);
  auto resp = http_.send(req);
  if (!resp) return std::move(resp).error().with_context(what);
  ControllerStatus status;
  status.http_status = resp->status;
  status.date = resp->date;
  const std::string_view body = view(resp->body);
  const nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_object()) {
    const auto versions = doc.find("versions");
    if (versions != doc.end() && versions->is_object()) {
      const auto controller = versions->find("controller");
      if (controller != versions->end() && controller->is_string()) {
        for (char c : controller->get_ref<const std::string&>()) {
          if (status.version.size() >= kMaxVersionBytes) break;
          const auto u = static_cast<unsigned char>(c);
          status.version.push_back(u < 0x20 || u >= 0x7f ? '?' : c);
        }
      }
    }
  }
  return status;
}

}  // namespace darcy::fetch
