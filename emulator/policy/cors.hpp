// CORS, the first policy of a route's chain: the gateway answers a browser's preflight itself (before auth: a
// preflight carries no credentials) and adds the Access-Control-* headers to every answer of a route with a policy,
// errors included, so a script can read why it was refused. docs/config.md#cors.
#pragma once

#include <string>
#include <string_view>

#include "emulator/model/config.hpp"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace apigw::policy {

// True when `origin` (the request's Origin header) is one the policy lists: exactly (scheme, host and port, compared
// case-insensitively), "*", or a "https://*.example.com" pattern, which takes any subdomain but not the bare domain.
bool cors_origin_allowed(const model::CorsPolicy& cors, std::string_view origin);

// A preflight is an OPTIONS request with Origin and Access-Control-Request-Method.
bool is_preflight(const httplib::Request& req);

// Answers a preflight for `route` (the route that serves the requested method): 204 with the Access-Control-Allow-*
// headers when the origin, method and headers are allowed, and returns "". Otherwise returns which one is not (the
// caller answers 403 with it), having set only `Vary`.
std::string answer_preflight(const model::Route& route, const httplib::Request& req, httplib::Response& res);

// Adds Access-Control-Allow-Origin (and -Credentials, -Expose-Headers) to an answer when the request's origin is
// allowed, and `Vary: Origin` whenever the answer depends on it.
void add_cors_headers(const model::CorsPolicy& cors, const httplib::Request& req, httplib::Response& res);

}  // namespace apigw::policy
