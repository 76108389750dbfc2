// Proxy routes: forwarding a request to its backend over pooled keep-alive connections, with round-robin over the
// backend's targets, passive health, retries for idempotent methods and the forwarding headers.
#pragma once

#include <cstddef>
#include <string_view>

#include "emulator/model/config.hpp"
#include "emulator/router/router.hpp"
#include "emulator/server/gateway.hpp"

namespace httplib {
struct Request;
struct Response;
class ContentReader;
}  // namespace httplib

namespace apigw::server {

// Forwards `req` to the route's backend and fills `res` with its answer, or with a 502/504 problem when no target
// answered. Sets record.upstream_ms (every attempt included). Connection pools and target health are process-wide,
// keyed by origin, so they outlive config reloads and are shared by every Gateway.
void proxy(const Gateway& gw, const model::Route& route, const router::Params& params, std::string_view raw_path,
           const httplib::Request& req, httplib::Response& res, AccessRecord& record);

// Large bodies (docs/config.md#large-bodies). A body above this size (or chunked, size unknown) is streamed through
// a proxy route instead of being held in memory, when nothing needs it whole (no validation of that direction).
inline constexpr size_t k_stream_threshold = 1 << 20;
// Set on a Response that proxy() already wrote to the client itself: httplib's own write of it goes nowhere, and the
// server's error handler must neither fill nor log it.
inline constexpr const char* k_streamed_marker = "X-Apigw-Streamed";

// What the server and proxy() share about the exchange being handled on this thread, for streaming. The server puts
// one on its stack for every request (BodyStreamScope) and reads back the byte counts for the access log.
struct BodyStream {
  // Set when the server left a large request body unread for proxy() to forward as it arrives (else req.body has it).
  const httplib::ContentReader* reader = nullptr;
  bool consumed = false;        // the reader has been run (a body can be read once)
  bool read_failed = false;     // the client's body ended early or broke the size limit
  size_t max_body_size = 0;     // limits.max_body_size, enforced while streaming
  size_t request_bytes = 0;     // body bytes read from the client (streamed)
  bool response_streamed = false;  // proxy() wrote the response itself, straight to the client's connection
  size_t response_bytes = 0;       // body bytes it wrote
};
BodyStream* current_body_stream();
class BodyStreamScope {
 public:
  explicit BodyStreamScope(BodyStream* s);
  ~BodyStreamScope();
  BodyStreamScope(const BodyStreamScope&) = delete;
  BodyStreamScope& operator=(const BodyStreamScope&) = delete;

 private:
  BodyStream* previous_;
};

// Whether a request whose body is still unread should be streamed: a proxy route that does not validate requests,
// a body above k_stream_threshold (or chunked) and within `max_body_size`, not content-encoded.
bool should_stream_request(const Gateway& gw, const httplib::Request& req, size_t max_body_size);

}  // namespace apigw::server
