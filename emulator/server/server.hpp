// The only place that owns cpp-httplib's server: binds, runs the request handler on a growing thread pool (plain
// HTTP connections through connection.hpp's Listener), logs, stops.
#pragma once

#include <atomic>
#include <cstdio>
#include <memory>
#include <string>

#include "emulator/server/gateway.hpp"

namespace apigw::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;              // 0 picks a free port
  std::FILE* access_log = stdout;  // nullptr: no access log
  size_t threads = 0;           // threads kept ready (more start on demand); 0: a default from the core count
  size_t journal_size = 100;    // recent exchanges kept for GET /__apigw/journal (0: none)
  // TLS: PEM files, or a development certificate made in memory for localhost/127.0.0.1 (tls_self_signed).
  std::string tls_cert, tls_key;
  bool tls_self_signed = false;
};

class Server {
 public:
  Server(std::shared_ptr<const Gateway> gateway, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the listening socket, first raising the process's soft descriptor limit to its hard limit. Returns the
  // bound port, or -1 with a message in `error` (also for TLS files that cannot be read).
  int bind(std::string* error);
  bool tls() const;
  // Serves a new config from the next request on; requests in flight finish with the one they started with.
  void swap(std::shared_ptr<const Gateway> gateway);
  // Serves until stop(); in-flight requests finish before it returns.
  void run();
  // Safe from any thread.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace apigw::server
