#include "emulator/policy/cors.hpp"

#include <algorithm>
#include <chrono>

#include <httplib.h>

#include "emulator/util/text.hpp"

namespace apigw::policy {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bool any_origin(const model::CorsPolicy& cors) {
  return std::find(cors.origins.begin(), cors.origins.end(), "*") != cors.origins.end();
}

// Request headers a browser sends without asking (the CORS-safelisted ones).
bool safelisted(std::string_view name) {
  return iequals(name, "accept") || iequals(name, "accept-language") || iequals(name, "content-language") ||
         iequals(name, "content-type");
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

// Adds `value` to the Vary header, keeping what is there.
void vary(httplib::Response& res, const std::string& value) {
  std::string current = res.get_header_value("Vary");
  res.set_header("Vary", current.empty() ? value : current + ", " + value);
}

std::vector<std::string> methods_of(const model::Route& route) {
  const model::CorsPolicy& cors = *route.cors;
  if (!cors.methods.empty()) return cors.methods;
  if (std::find(route.methods.begin(), route.methods.end(), "ANY") != route.methods.end())
    return {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
  return route.methods;
}

}  // namespace

bool cors_origin_allowed(const model::CorsPolicy& cors, std::string_view origin) {
  if (origin.empty() || origin == "null") return any_origin(cors);
  for (const auto& allowed : cors.origins) {
    if (allowed == "*" || iequals(allowed, origin)) return true;
    auto star = allowed.find("://*.");
    if (star == std::string::npos) continue;
    // https://*.example.com: the same scheme, then at least one label, then .example.com (port included in suffix)
    std::string_view scheme(allowed.data(), star + 3);
    std::string_view suffix(allowed.data() + star + 4, allowed.size() - star - 4);  // ".example.com[:port]"
    if (origin.size() <= scheme.size() + suffix.size() + 0 || !iequals(origin.substr(0, scheme.size()), scheme)) continue;
    std::string_view host = origin.substr(scheme.size());
    if (host.size() <= suffix.size() || !iequals(host.substr(host.size() - suffix.size()), suffix)) continue;
    std::string_view label = host.substr(0, host.size() - suffix.size());
    if (!label.empty() && label.find_first_of("/:") == std::string_view::npos) return true;
  }
  return false;
}

bool is_preflight(const httplib::Request& req) {
  return req.method == "OPTIONS" && req.has_header("Origin") && req.has_header("Access-Control-Request-Method");
}

std::string answer_preflight(const model::Route& route, const httplib::Request& req, httplib::Response& res) {
  const model::CorsPolicy& cors = *route.cors;
  std::string origin = req.get_header_value("Origin");
  std::string method = req.get_header_value("Access-Control-Request-Method");
  std::string asked = req.get_header_value("Access-Control-Request-Headers");
  vary(res, "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
  auto refuse = [&](const std::string& why) { return "CORS preflight refused by route '" + route.id + "': " + why; };
  if (!cors_origin_allowed(cors, origin))
    return refuse("origin '" + origin + "' is not allowed (allowed: " + join(cors.origins) + ")");
  std::vector<std::string> methods = methods_of(route);
  if (std::find(methods.begin(), methods.end(), util::to_upper(method)) == methods.end())
    return refuse("method '" + method + "' is not allowed (allowed: " + join(methods) + ")");
  std::vector<std::string> headers;  // what the browser asks for, lower case
  for (size_t start = 0; start < asked.size();) {
    size_t comma = asked.find(',', start);
    std::string name = trim(std::string_view(asked).substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (!name.empty()) headers.push_back(util::to_lower(name));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  bool any_header = cors.headers.empty() || std::find(cors.headers.begin(), cors.headers.end(), "*") != cors.headers.end();
  if (!any_header)
    for (const auto& h : headers)
      if (!safelisted(h) && std::find(cors.headers.begin(), cors.headers.end(), h) == cors.headers.end())
        return refuse("request header '" + h + "' is not allowed (allowed: " + join(cors.headers) + ")");
  res.status = 204;
  bool echo = cors.credentials || !any_origin(cors);
  res.set_header("Access-Control-Allow-Origin", echo ? origin : "*");
  if (cors.credentials) res.set_header("Access-Control-Allow-Credentials", "true");
  res.set_header("Access-Control-Allow-Methods", join(methods));
  if (!headers.empty()) res.set_header("Access-Control-Allow-Headers", any_header ? join(headers) : join(cors.headers));
  if (cors.max_age)
    res.set_header("Access-Control-Max-Age",
                   std::to_string(std::chrono::duration_cast<std::chrono::seconds>(*cors.max_age).count()));
  return "";
}

void add_cors_headers(const model::CorsPolicy& cors, const httplib::Request& req, httplib::Response& res) {
  bool echo = cors.credentials || !any_origin(cors);
  if (echo) vary(res, "Origin");
  std::string origin = req.get_header_value("Origin");
  if (origin.empty() || !cors_origin_allowed(cors, origin)) return;
  res.set_header("Access-Control-Allow-Origin", echo ? origin : "*");
  if (cors.credentials) res.set_header("Access-Control-Allow-Credentials", "true");
  if (!cors.expose_headers.empty()) res.set_header("Access-Control-Expose-Headers", join(cors.expose_headers));
}

}  // namespace apigw::policy
