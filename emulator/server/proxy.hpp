// Proxy routes: forwarding a request to its backend over pooled keep-alive connections, with round-robin over the
// backend's targets, passive health, retries for idempotent methods and the forwarding headers.
#pragma once

#include <string_view>

#include "emulator/model/config.hpp"
#include "emulator/router/router.hpp"
#include "emulator/server/gateway.hpp"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace apigw::server {

// Forwards `req` to the route's backend and fills `res` with its answer, or with a 502/504 problem when no target
// answered. Sets record.upstream_ms (every attempt included). Connection pools and target health are process-wide,
// keyed by origin, so they outlive config reloads and are shared by every Gateway.
void proxy(const Gateway& gw, const model::Route& route, const router::Params& params, std::string_view raw_path,
           const httplib::Request& req, httplib::Response& res, AccessRecord& record);

}  // namespace apigw::server
