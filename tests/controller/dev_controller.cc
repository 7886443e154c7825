#include "dev_controller.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <cctype>
#include <cstdlib>
#include <ctime>
#include <thread>

#include "box_seal.h"

namespace darcy::devctl {

namespace {

using nlohmann::json;
using nlohmann::ordered_json;

// Set by the dispatcher when it drops a connection; read and cleared by the logger, which
// httplib calls on the same worker thread after its (failed) write.
thread_local bool t_dropped = false;

constexpr const char* kJson = "application/json";
constexpr const char* kControllerVersion = "3.0.0-darcy-dev";

std::string http_date(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  const auto n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return {buf, n};
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Turns "/api/v3/registries/{id}" into a regex; {id} is digits, {uuid} one path segment.
std::regex route_regex(const std::string& name) {
  std::string re;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (name.compare(i, 4, "{id}") == 0) {
      re += "([0-9]{1,18})";
      i += 3;
    } else if (name.compare(i, 6, "{uuid}") == 0) {
      re += "([^/]+)";
      i += 5;
    } else if (std::isalnum(static_cast<unsigned char>(name[i])) || name[i] == '/') {
      re += name[i];
    } else {
      re += '\\';
      re += name[i];
    }
  }
  return std::regex(re);
}

// Paths go to the log with anything unprintable replaced.
std::string printable(const std::string& s) {
  std::string out = s.substr(0, 200);
  for (auto& c : out) {
    if (!std::isprint(static_cast<unsigned char>(c))) c = '?';
  }
  return out;
}

std::optional<ApiError> parse_json_body(const httplib::Request& req, json& out) {
  out = json::parse(req.body, nullptr, false);
  if (out.is_discarded()) return ApiError::validation("request body is not valid JSON");
  return std::nullopt;
}

ordered_json user_row(const Registry& r) {
  return {{"id", r.id},
          {"url", r.url},
          {"isPublic", r.is_public},
          {"isSecure", r.is_secure},
          {"certificate", r.certificate},
          {"requiresCert", r.requires_cert},
          {"username", r.username},
          {"userEmail", r.email}};
}

// The agent's view of a row: credentials sealed to the node key when it has one, in
// plain text (like a stock ioFog controller) when it has none.
ordered_json agent_row(const Registry& r, const std::optional<NodePublicKey>& node_key,
                       bool wrong_seal_key) {
  ordered_json row = user_row(r);
  if (!r.carries_credentials()) return row;
  if (!node_key) {
    row["password"] = r.password;
    return row;
  }
  const ordered_json plaintext = {
      {"id", r.id}, {"url", r.url}, {"username", r.username}, {"password", r.password}};
  const std::string text = plaintext.dump();
  row["sealed"] = wrong_seal_key ? seal_to_random_key(text) : seal_to(*node_key, text);
  return row;
}

bool etag_matches(const std::string& if_none_match, const std::string& etag) {
  std::size_t start = 0;
  while (start <= if_none_match.size()) {
    auto end = if_none_match.find(',', start);
    if (end == std::string::npos) end = if_none_match.size();
    std::string candidate = if_none_match.substr(start, end - start);
    const auto first = candidate.find_first_not_of(" \t");
    const auto last = candidate.find_last_not_of(" \t");
    candidate = first == std::string::npos ? "" : candidate.substr(first, last - first + 1);
    if (candidate.starts_with("W/")) candidate = candidate.substr(2);  // weak comparison
    if (candidate == "*" || candidate == etag) return true;
    start = end + 1;
  }
  return false;
}

std::optional<std::int64_t> id_from(const std::smatch& match) {
  std::int64_t id = 0;
  for (const char c : match[1].str()) id = id * 10 + (c - '0');  // {1,18} digits: no overflow
  return id;
}

bool sockaddr_matches(const sockaddr_storage& ss, const std::string& addr, int port) {
  char text[INET6_ADDRSTRLEN] = {};
  int actual_port = -1;
  if (ss.ss_family == AF_INET) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &sin->sin_addr, text, sizeof text);
    actual_port = ntohs(sin->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof text);
    actual_port = ntohs(sin6->sin6_port);
  } else {
    return false;
  }
  return actual_port == port && (addr.empty() || addr == text);
}

}  // namespace

bool drop_connection(const httplib::Request& req) {
  if (req.ssl != nullptr) {
    const int fd = SSL_get_fd(req.ssl);
    return fd >= 0 && ::shutdown(fd, SHUT_RDWR) == 0;
  }
  // Plain HTTP: httplib 0.11 does not hand the socket to handlers, so find the one whose
  // local and peer addresses are this request's (a TCP connection is unique by them).
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return false;
  bool dropped = false;
  while (const dirent* entry = ::readdir(dir)) {
    char* end = nullptr;
    const long fd = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0') continue;
    sockaddr_storage local{};
    sockaddr_storage peer{};
    socklen_t local_len = sizeof local;
    socklen_t peer_len = sizeof peer;
    const int sock = static_cast<int>(fd);
    if (::getsockname(sock, reinterpret_cast<sockaddr*>(&local), &local_len) != 0) continue;
    if (::getpeername(sock, reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0) continue;
    if (sockaddr_matches(local, "", req.local_port) &&
        sockaddr_matches(peer, req.remote_addr, req.remote_port)) {
      dropped = ::shutdown(sock, SHUT_RDWR) == 0;
      break;
    }
  }
  ::closedir(dir);
  return dropped;
}

DevController::DevController(AdminCredentials admin, RegistryBook& book, std::ostream& log)
    : admin_(std::move(admin)), book_(book), log_(log) {
  auto add = [this](const char* method, const char* name, Access access, Handler handler) {
    routes_.push_back({method, name, route_regex(name), access, std::move(handler)});
  };
  add("POST", "/api/v3/user/login", Access::kAnyone, &DevController::login);
  add("POST", "/api/v3/user/logout", Access::kUser, &DevController::logout);
  add("GET", "/api/v3/status", Access::kAnyone, &DevController::status);
  add("GET", "/api/v3/registries", Access::kUser, &DevController::list_registries);
  add("POST", "/api/v3/registries", Access::kUser, &DevController::create_registry);
  add("PATCH", "/api/v3/registries/{id}", Access::kUser, &DevController::update_registry);
  add("DELETE", "/api/v3/registries/{id}", Access::kUser, &DevController::delete_registry);
  add("POST", "/api/v3/iofog", Access::kUser, &DevController::add_node);
  add("GET", "/api/v3/iofog/{uuid}/provisioning-key", Access::kUser,
      &DevController::provisioning_key);
  add("POST", "/api/v3/agent/provision", Access::kAnyone, &DevController::provision);
  add("GET", "/api/v3/agent/registries", Access::kAgent, &DevController::agent_registries);
  add("GET", "/api/v3/agent/registries/{id}", Access::kAgent, &DevController::agent_registry);
  add("PUT", "/api/v3/agent/node-key", Access::kAgent, &DevController::put_node_key);
  // The admin endpoints: the only user is the admin, so a user access token is the
  // admin token.
  add("PUT", "/_dev/faults", Access::kUser, &DevController::put_faults);
  add("GET", "/_dev/faults", Access::kUser, &DevController::get_faults);
  add("DELETE", "/_dev/faults", Access::kUser, &DevController::delete_faults);
  add("GET", "/_dev/stats", Access::kUser, &DevController::get_stats);
  add("DELETE", "/_dev/stats", Access::kUser, &DevController::delete_stats);
}

void DevController::attach(httplib::Server& server) {
  auto handler = [this](const httplib::Request& req, httplib::Response& res) {
    dispatch(req, res);
  };
  server.Get(".*", handler);
  server.Post(".*", handler);
  server.Put(".*", handler);
  server.Patch(".*", handler);
  server.Delete(".*", handler);
  server.set_payload_max_length(1024 * 1024);
  server.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        send(error_reply(ApiError::internal("internal error")), BodyFault::kNone, res);
      });
  server.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    const std::string outcome = t_dropped ? "dropped" : std::to_string(res.status);
    t_dropped = false;
    const std::string line = req.method + " " + printable(req.path) + " " + outcome + "\n";
    std::lock_guard lock(log_mu_);
    log_ << line << std::flush;
  });
}

const DevController::Route* DevController::find_route(const httplib::Request& req,
                                                      std::smatch& match) const {
  const std::string method = req.method == "HEAD" ? "GET" : req.method;
  for (const auto& route : routes_) {
    if (route.method == method && std::regex_match(req.path, match, route.pattern)) {
      return &route;
    }
  }
  return nullptr;
}

void DevController::dispatch(const httplib::Request& req, httplib::Response& res) {
  t_dropped = false;
  Call call{req, {}, std::nullopt};
  const Route* route = find_route(req, call.match);
  std::optional<FaultPlan> fault;
  if (!req.path.starts_with("/_dev/")) {
    counter_.count(req.method + " " + (route != nullptr ? route->name : std::string("(no route)")));
    fault = faults_.take(req.path);
  }
  const BodyFault body_fault = fault ? fault->body : BodyFault::kNone;
  if (fault && fault->delay_ms > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(fault->delay_ms));
  }
  if (fault && fault->drop) {
    t_dropped = drop_connection(req);
    if (t_dropped) {
      res.status = 500;
      return;
    }
    send(error_reply(ApiError::internal("drop fault: connection not found")), BodyFault::kNone,
         res);
    return;
  }
  if (fault && fault->status != 0) {
    Reply reply;
    if (fault->status == 204 || fault->status == 304 || fault->status < 200) {
      reply.status = fault->status;
    } else {
      reply = error_reply(ApiError::for_status(fault->status, "injected fault"));
    }
    send(std::move(reply), body_fault, res);
    return;
  }
  if (route == nullptr) {
    send(error_reply(ApiError::not_found("no endpoint " + req.method + " " + printable(req.path))),
         body_fault, res);
    return;
  }
  call.wrong_seal_key = fault && fault->wrong_seal_key;
  call.conditional = body_fault == BodyFault::kNone;
  if (auto error = authorize(route->access, call)) {
    send(error_reply(*error), body_fault, res);
    return;
  }
  send(route->handler(*this, call), body_fault, res);
}

bool DevController::is_user_token(const httplib::Request& req) const {
  std::string token = req.get_header_value("Authorization");
  if (token.size() > 7 &&
      (token.compare(0, 7, "Bearer ") == 0 || token.compare(0, 7, "bearer ") == 0)) {
    token = token.substr(7);
  }
  if (token.empty()) return false;
  std::lock_guard lock(sessions_mu_);
  for (const auto& session : sessions_) {
    if (secret_equal(session, token)) return true;
  }
  return false;
}

std::optional<ApiError> DevController::authorize(Access access, Call& call) const {
  switch (access) {
    case Access::kAnyone:
      return std::nullopt;
    case Access::kUser:
      if (is_user_token(call.req)) return std::nullopt;
      return ApiError::authentication("authorization failed: log in for an access token");
    case Access::kAgent:
      // ioFog agents send their token raw, without a scheme.
      call.agent = book_.node_for_token(call.req.get_header_value("Authorization"));
      if (call.agent) return std::nullopt;
      return ApiError::authentication("authorization failed: invalid or missing agent token");
  }
  return ApiError::internal("unknown access rule");
}

DevController::Reply DevController::error_reply(const ApiError& error) {
  return json_reply(error.status, error.body());
}

DevController::Reply DevController::json_reply(int status, const std::string& body) {
  Reply reply;
  reply.status = status;
  reply.body = body;
  return reply;
}

DevController::Reply DevController::apply_body_fault(Reply reply, BodyFault fault) {
  if (fault == BodyFault::kNone) return reply;
  if (reply.status == 204 || reply.status == 304) reply.status = 200;
  if (reply.body.empty()) reply.body = "{}";
  switch (fault) {
    case BodyFault::kGarbage:
      reply.body = "<html><body>garbage: this is not JSON {\"registries\":[</body></html>\n";
      break;
    case BodyFault::kEmpty:
      reply.body.clear();
      break;
    case BodyFault::kOversized: {
      json doc = json::parse(reply.body, nullptr, false);
      if (!doc.is_object()) doc = json{{"data", doc}};
      doc["padding"] = std::string(kOversizedBodyBytes + 1024, 'x');
      reply.body = doc.dump();
      break;
    }
    case BodyFault::kTruncated:  // done by send(), which knows the connection
    case BodyFault::kNone:
      break;
  }
  return reply;
}

void DevController::send(Reply reply, BodyFault fault, httplib::Response& res) {
  reply = apply_body_fault(std::move(reply), fault);
  res.status = reply.status;
  res.set_header("Date", http_date(std::time(nullptr)));
  for (const auto& [name, value] : reply.headers) res.set_header(name, value);
  if (reply.status == 204 || reply.status == 304) return;
  if (fault == BodyFault::kTruncated) {
    // Announce the whole body, send half of it, then fail the write: httplib closes the
    // connection, the client sees a short read.
    auto body = std::make_shared<std::string>(std::move(reply.body));
    res.set_content_provider(body->size(), kJson,
                             [body](std::size_t offset, std::size_t, httplib::DataSink& sink) {
                               const std::size_t half = body->size() / 2;
                               if (offset < half) sink.write(body->data() + offset, half - offset);
                               return false;
                             });
    return;
  }
  res.set_content(reply.body, kJson);
}

// --- user API ---------------------------------------------------------------------------

DevController::Reply DevController::login(Call& call) {
  json body;
  if (auto error = parse_json_body(call.req, body)) return error_reply(*error);
  if (!body.is_object() || !body.contains("email") || !body.contains("password") ||
      !body["email"].is_string() || !body["password"].is_string()) {
    return error_reply(ApiError::validation("'email' and 'password' (strings) are required"));
  }
  const bool ok = secret_equal(body["email"].get<std::string>(), admin_.email) &
                  secret_equal(body["password"].get<std::string>(), admin_.password);
  if (!ok) return error_reply(ApiError::authentication("Invalid credentials"));
  std::string token = random_hex(32);
  {
    std::lock_guard lock(sessions_mu_);
    sessions_.insert(token);
  }
  return json_reply(200, ordered_json{{"accessToken", token}}.dump());
}

DevController::Reply DevController::logout(Call& call) {
  std::string token = call.req.get_header_value("Authorization");
  if (token.starts_with("Bearer ") || token.starts_with("bearer ")) token = token.substr(7);
  std::lock_guard lock(sessions_mu_);
  sessions_.erase(token);
  return json_reply(204, "");
}

DevController::Reply DevController::status(Call&) {
  const auto uptime =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_)
          .count();
  const ordered_json body = {
      {"status", "online"},
      {"statusType", "RUNNING"},
      {"uptimeSec", uptime},
      {"timestamp", now_ms()},
      {"versions", {{"controller", kControllerVersion}, {"ecnViewer", "none"}}}};
  return json_reply(200, body.dump());
}

DevController::Reply DevController::list_registries(Call&) {
  ordered_json rows = ordered_json::array();
  for (const auto& r : book_.registries()) rows.push_back(user_row(r));
  return json_reply(200, ordered_json{{"registries", rows}}.dump());
}

DevController::Reply DevController::create_registry(Call& call) {
  json body;
  if (auto error = parse_json_body(call.req, body)) return error_reply(*error);
  auto outcome = book_.create(body);
  if (auto* error = std::get_if<ApiError>(&outcome)) return error_reply(*error);
  return json_reply(201, ordered_json{{"id", std::get<std::int64_t>(outcome)}}.dump());
}

DevController::Reply DevController::update_registry(Call& call) {
  json body;
  if (auto error = parse_json_body(call.req, body)) return error_reply(*error);
  if (auto error = book_.update(*id_from(call.match), body)) return error_reply(*error);
  return json_reply(204, "");
}

DevController::Reply DevController::delete_registry(Call& call) {
  if (auto error = book_.remove(*id_from(call.match))) return error_reply(*error);
  return json_reply(204, "");
}

DevController::Reply DevController::add_node(Call& call) {
  json body;
  if (auto error = parse_json_body(call.req, body)) return error_reply(*error);
  auto outcome = book_.add_node(body);
  if (auto* error = std::get_if<ApiError>(&outcome)) return error_reply(*error);
  return json_reply(201, ordered_json{{"uuid", std::get<std::string>(outcome)}}.dump());
}

DevController::Reply DevController::provisioning_key(Call& call) {
  auto outcome = book_.new_provisioning_key(call.match[1].str(), std::chrono::system_clock::now());
  if (auto* error = std::get_if<ApiError>(&outcome)) return error_reply(*error);
  const auto& key = std::get<ProvisioningKey>(outcome);
  return json_reply(200,
                    ordered_json{{"key", key.key}, {"expirationTime", key.expiration_ms}}.dump());
}

// --- agent API --------------------------------------------------------------------------

DevController::Reply DevController::provision(Call& call) {
  json body;
  if (auto error = parse_json_body(call.req, body)) return error_reply(*error);
  auto outcome = book_.provision(body, std::chrono::system_clock::now());
  if (auto* error = std::get_if<ApiError>(&outcome)) return error_reply(*error);
  const auto& agent = std::get<ProvisionedAgent>(outcome);
  return json_reply(200, ordered_json{{"uuid", agent.uuid}, {"token", agent.token}}.dump());
}

DevController::Reply DevController::agent_registries(Call& call) {
  const auto& node_key = call.agent->node_key;
  const std::string etag = book_.list_etag(node_key);
  if (call.conditional && call.req.has_header("If-None-Match") &&
      etag_matches(call.req.get_header_value("If-None-Match"), etag)) {
    Reply reply;
    reply.status = 304;
    reply.headers.emplace_back("ETag", etag);
    return reply;
  }
  ordered_json rows = ordered_json::array();
  for (const auto& r : book_.registries()) {
    rows.push_back(agent_row(r, node_key, call.wrong_seal_key));
  }
  Reply reply = json_reply(200, ordered_json{{"registries", rows}}.dump());
  reply.headers.emplace_back("ETag", etag);
  return reply;
}

DevController::Reply DevController::agent_registry(Call& call) {
  const auto id = *id_from(call.match);
  const auto registry = book_.find(id);
  if (!registry)
    return error_reply(ApiError::not_found("Invalid Registry Id " + std::to_string(id)));
  return json_reply(200, agent_row(*registry, call.agent->node_key, call.wrong_seal_key).dump());
}

DevController::Reply DevController::put_node_key(Call& call) {
  json body;
  if (auto error = parse_json_body(call.req, body)) return error_reply(*error);
  std::optional<NodePublicKey> key;
  if (body.is_object() && body.contains("publicKey") && body["publicKey"].is_string()) {
    key = parse_node_public_key(body["publicKey"].get<std::string>());
  }
  if (!key) {
    return error_reply(
        ApiError::validation("'publicKey' must be standard base64 of a 32-byte X25519 public key"));
  }
  if (auto error = book_.set_node_key(call.agent->uuid, *key)) return error_reply(*error);
  return json_reply(204, "");
}

// --- fault switches and counters --------------------------------------------------------

DevController::Reply DevController::put_faults(Call& call) {
  json body;
  if (auto error = parse_json_body(call.req, body)) return error_reply(*error);
  auto outcome = FaultPlan::parse(body);
  if (auto* error = std::get_if<ApiError>(&outcome)) return error_reply(*error);
  faults_.set(std::get<FaultPlan>(outcome));
  return json_reply(204, "");
}

DevController::Reply DevController::get_faults(Call&) {
  const auto plan = faults_.active();
  return json_reply(200, json{{"active", plan ? plan->to_json() : json(nullptr)}}.dump());
}

DevController::Reply DevController::delete_faults(Call&) {
  faults_.clear();
  return json_reply(204, "");
}

DevController::Reply DevController::get_stats(Call&) {
  return json_reply(200, counter_.to_json().dump());
}

DevController::Reply DevController::delete_stats(Call&) {
  counter_.reset();
  return json_reply(204, "");
}

}  // namespace darcy::devctl
