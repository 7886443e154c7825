// DevController: the HTTP face of the dev controller. It routes every request of an
// httplib::Server through one dispatcher that counts it, applies the active fault plan,
// checks the caller (user access token, agent token or admin) and answers in the shapes
// of the ioFog v3 API plus the Darcy extensions (agent registry by id, node key, sealed
// credentials). See README.md for every endpoint.
//
// FOR DEVELOPMENT AND TESTS ONLY. Never logs passwords, tokens, bodies or sealed blobs:
// one line per request (method, path, status) goes to the log stream.
//
// Thread-safe: handlers run on httplib's worker threads; shared state is locked.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <ostream>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <httplib.h>

#include "fault_plan.h"
#include "registry_book.h"
#include "request_counter.h"

namespace darcy::devctl {

struct AdminCredentials {
  std::string email;
  std::string password;
};

class DevController {
 public:
  DevController(AdminCredentials admin, RegistryBook& book, std::ostream& log);
  DevController(const DevController&) = delete;
  DevController& operator=(const DevController&) = delete;

  // Routes all of `server`'s requests here and installs the request logger.
  void attach(httplib::Server& server);

 private:
  enum class Access { kAnyone, kUser, kAgent };

  struct Call {
    const httplib::Request& req;
    std::smatch match;
    std::optional<Node> agent;
    bool wrong_seal_key = false;
    bool conditional = true;  // false while a body fault is active
  };

  struct Reply {
    int status = 200;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
  };

  using Handler = std::function<Reply(DevController&, Call&)>;
  struct Route {
    std::string method;
    std::string name;  // "/api/v3/registries/{id}", as counted in /_dev/stats
    std::regex pattern;
    Access access;
    Handler handler;
  };

  void dispatch(const httplib::Request& req, httplib::Response& res);
  [[nodiscard]] const Route* find_route(const httplib::Request& req, std::smatch& match) const;
  [[nodiscard]] std::optional<ApiError> authorize(Access access, Call& call) const;
  [[nodiscard]] bool is_user_token(const httplib::Request& req) const;

  static Reply error_reply(const ApiError& error);
  static Reply json_reply(int status, const std::string& body);
  static Reply apply_body_fault(Reply reply, BodyFault fault);
  static void send(Reply reply, BodyFault fault, httplib::Response& res);

  Reply login(Call& call);
  Reply logout(Call& call);
  Reply status(Call& call);
  Reply list_registries(Call& call);
  Reply create_registry(Call& call);
  Reply update_registry(Call& call);
  Reply delete_registry(Call& call);
  Reply add_node(Call& call);
  Reply provisioning_key(Call& call);
  Reply provision(Call& call);
  Reply agent_registries(Call& call);
  Reply agent_registry(Call& call);
  Reply put_node_key(Call& call);
  Reply put_faults(Call& call);
  Reply get_faults(Call& call);
  Reply delete_faults(Call& call);
  Reply get_stats(Call& call);
  Reply delete_stats(Call& call);

  AdminCredentials admin_;
  RegistryBook& book_;
  std::ostream& log_;
  std::mutex log_mu_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::vector<Route> routes_;
  FaultSwitch faults_;
  RequestCounter counter_;
  mutable std::mutex sessions_mu_;
  std::set<std::string> sessions_;  // user access tokens
};

// Closes the connection `req` arrived on without answering: shutdown(2) of its socket,
// found through the TLS session or, for plain HTTP, by matching the connection's
// addresses among this process's sockets. httplib then fails to write and closes it.
// False if the socket could not be found.
bool drop_connection(const httplib::Request& req);

}  // namespace darcy::devctl
