// darcy-dev-controller: a dev ioFog controller for Darcy Cloud demos and tests.
// FOR DEVELOPMENT AND TESTS ONLY (see README.md).
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <memory>
#include <thread>

#include <httplib.h>

#include "atomic_file.h"
#include "box_seal.h"
#include "controller_options.h"
#include "dev_controller.h"
#include "registry_book.h"

namespace {

using namespace darcy::devctl;

constexpr const char* kName = "darcy-dev-controller";
constexpr std::size_t kWorkerThreads = 64;

std::string trimmed(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

int fail(const std::string& message) {
  std::cerr << kName << ": " << message << "\n";
  return 1;
}

// The admin password: from the flag, from a file, or generated and shown once.
std::optional<std::string> admin_password(const ControllerOptions& options, std::string& error) {
  if (!options.admin_password.empty()) return options.admin_password;
  if (!options.admin_password_file.empty()) {
    auto text = read_whole_file(options.admin_password_file);
    if (!text || trimmed(*text).empty()) {
      error = "cannot read a password from " + options.admin_password_file;
      return std::nullopt;
    }
    return trimmed(*text);
  }
  std::string generated = random_hex(12);
  std::cerr << kName << ": dev admin login " << options.admin_email << " / " << generated
            << " (generated; shown only now)\n";
  return generated;
}

// The pre-provisioned agent token: read from the file, or created there when missing.
std::optional<std::string> agent_token(const std::string& path, std::string& error) {
  if (::access(path.c_str(), F_OK) == 0) {
    auto text = read_whole_file(path);
    if (!text || trimmed(*text).empty()) {
      error = "cannot read an agent token from " + path;
      return std::nullopt;
    }
    return trimmed(*text);
  }
  std::string token = random_hex(32);
  if (auto write_error = write_file_atomically(path, token + "\n", 0600)) {
    error = *write_error;
    return std::nullopt;
  }
  std::cerr << kName << ": wrote a new agent token to " << path << "\n";
  return token;
}

int run(const ControllerOptions& options) {
  if (!init_sodium()) return fail("cannot initialise libsodium");

  RegistryBook book(options.state_file);
  if (auto error = book.load()) return fail(*error);

  std::string error;
  const auto password = admin_password(options, error);
  if (!password) return fail(error);
  if (!options.agent_token_file.empty()) {
    const auto token = agent_token(options.agent_token_file, error);
    if (!token) return fail(error);
    if (auto adopt_error = book.adopt_agent_token(*token)) return fail(adopt_error->message);
  }

  // Signals go to one thread that stops the server; block them before httplib starts
  // its worker threads so they inherit the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGUSR1);  // sent by main itself: "stop waiting"
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  std::unique_ptr<httplib::Server> server;
  const bool tls = !options.tls_cert.empty();
  if (tls) {
    auto ssl =
        std::make_unique<httplib::SSLServer>(options.tls_cert.c_str(), options.tls_key.c_str());
    if (!ssl->is_valid()) {
      return fail("cannot load TLS certificate " + options.tls_cert + " with key " +
                  options.tls_key);
    }
    server = std::move(ssl);
  } else {
    server = std::make_unique<httplib::Server>();
  }

  // One worker per connection: keep-alive clients each hold a worker, and tests run dozens
  // of clients at once.
  server->new_task_queue = [] { return new httplib::ThreadPool(kWorkerThreads); };
  DevController controller(AdminCredentials{options.admin_email, *password}, book, std::cerr);
  controller.attach(*server);

  int port = options.listen_port;
  if (port == 0) {
    port = server->bind_to_any_port(options.listen_host);
    if (port < 0) return fail("cannot listen on " + options.listen_host);
  } else if (!server->bind_to_port(options.listen_host, port)) {
    return fail("cannot listen on " + options.listen_host + ":" + std::to_string(port));
  }
  // Bound and listening: connections wait in the backlog until the accept loop runs, so
  // the port can be announced now.
  if (!options.port_file.empty()) {
    if (auto write_error =
            write_file_atomically(options.port_file, std::to_string(port) + "\n", 0644)) {
      return fail(*write_error);
    }
  }
  const std::string host = options.listen_host.find(':') != std::string::npos
                               ? "[" + options.listen_host + "]"
                               : options.listen_host;
  std::cerr << kName << ": listening on " << (tls ? "https" : "http") << "://" << host << ":"
            << port << " (FOR DEVELOPMENT AND TESTS ONLY)\n";

  std::atomic<bool> serving_done{false};
  std::thread signal_thread([&] {
    int signal_number = 0;
    sigwait(&signals, &signal_number);
    if (signal_number == SIGUSR1) return;
    std::cerr << kName << ": stopping on signal " << signal_number << "\n";
    // stop() is a no-op until the accept loop runs: repeat until it has ended.
    while (!serving_done.load()) {
      server->stop();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });

  const bool served = server->listen_after_bind();
  serving_done = true;
  pthread_kill(signal_thread.native_handle(), SIGUSR1);
  signal_thread.join();
  if (!served) return fail("the server stopped with an error");
  std::cerr << kName << ": stopped\n";
  return 0;
}

}  // namespace

int main(int argc, char* argv[]) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto parsed = parse_controller_options(args);
  if (auto* error = std::get_if<std::string>(&parsed)) {
    std::cerr << kName << ": " << *error << "\n" << controller_usage();
    return 2;
  }
  const auto& options = std::get<ControllerOptions>(parsed);
  if (options.help) {
    std::cout << controller_usage();
    return 0;
  }
  return run(options);
}
