// What serve runs: a loaded config with its router, immutable once built and shared by every worker thread.
#pragma once

#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "emulator/model/config.hpp"
#include "emulator/router/router.hpp"
#include "emulator/server/contract.hpp"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace apigw::server {

class Gateway {
 public:
  // `contracts` links routes to their OpenAPI operations (Contracts::build); routes with one also answer under the
  // spec's server base path ("/v1/pets" as well as "/pets"), unless that collides with another route (see warnings()).
  explicit Gateway(model::Config config, std::shared_ptr<const Contracts> contracts = nullptr);
  const model::Config& config() const { return config_; }
  const router::Router& router() const { return router_; }
  const std::string& routes_json() const { return routes_json_; }
  const std::string& config_json() const { return config_json_; }
  const Contract* contract(size_t route) const { return contracts_ ? contracts_->for_route(route) : nullptr; }
  // What the constructor noticed and serve should print (base-path aliases that collide).
  const std::vector<std::string>& warnings() const { return warnings_; }
  // Query parameters that carry credentials (redacted in logs).
  const std::vector<std::string>& credential_params() const { return credential_params_; }
  // The path routes match for a request path: without the /STAGE prefix when the config serves its stage under one
  // (serve --stage-prefix); nullopt when the request is not under it.
  std::optional<std::string_view> route_path(std::string_view request_path) const;

 private:
  model::Config config_;
  std::shared_ptr<const Contracts> contracts_;
  router::Router router_;
  std::string routes_json_;  // GET /__apigw/routes, built once
  std::string config_json_;  // GET /__apigw/config: the effective config, secrets left out
  std::vector<std::string> warnings_;
  std::vector<std::string> credential_params_;
};

// One line of the access log.
struct AccessRecord {
  std::chrono::system_clock::time_point time;
  std::string method;
  std::string path;
  std::string route;  // route id, "" when none matched
  int status = 0;
  double duration_ms = 0;
  size_t request_bytes = 0;
  size_t response_bytes = 0;
  double upstream_ms = -1;  // proxy routes only
  size_t violations = 0;    // request or response checks that failed against the OpenAPI operation
  std::string violation_detail;  // the violations as JSON (the journal shows them; the access log only counts)
  const char* fault = nullptr;   // the fault injected instead of an answer (status 0 then)
  std::string query;             // the query string, credentials REDACTED
  std::string principal;         // who the auth policy let in: API key name, Basic user or JWT sub
  const char* limited = nullptr; // answered 429 by a rate limit ("rate") or a quota ("quota")
  const char* cache = nullptr;   // on a route with `cache`: "hit" or "miss"
  std::string stage;             // the stage served, "" when the config has none
  // The gateway's own error answer, by its gateway response type ("THROTTLED", "DEFAULT_4XX"...; docs/config.md#gateway-
  // responses); null for answers of the route's terminal.
  const char* error = nullptr;
  std::string warnings;  // transform values dropped (they would have put CR, LF or NUL in a header)
  std::string client;
};

std::string format_access_record(const AccessRecord& r);

// JSON lines to a FILE*, one write per line, safe from many threads.
class AccessLog {
 public:
  explicit AccessLog(std::FILE* out) : out_(out) {}
  void write(const AccessRecord& r);
  void flush();

 private:
  std::FILE* out_;
  std::mutex mutex_;
};

// Requests under this prefix are the emulator's own (health, routes), never routed to the config.
inline constexpr std::string_view k_admin_prefix = "/__apigw/";

// Answers one request: routing, then the route's mock or proxy. Fills `record` (except timing and client).
void handle_request(const Gateway& gw, const httplib::Request& req, httplib::Response& res, AccessRecord& record);

// An RFC 9457 problem document.
void set_problem(httplib::Response& res, int status, const std::string& title, const std::string& detail);

}  // namespace apigw::server
