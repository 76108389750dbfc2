// The response cache (a route's `cache:`), in the filter chain after validation and before the answer: GET and HEAD
// answers are kept per route, under a key of method, path and the query parameters and headers the policy names,
// for the policy's ttl (shorter when the answer's Cache-Control says so), in a least-recently-used list of at most
// max_entries. Process-wide, shared by every worker thread, kept across reloads. docs/config.md#cache.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "emulator/model/config.hpp"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace apigw::policy {

using CacheTime = std::chrono::system_clock::time_point;

struct CachedAnswer {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  CacheTime stored;
};

// The key a request is kept under on a route with `cache` (empty for methods that are never cached).
std::string cache_key(const model::CachePolicy& cache, const httplib::Request& req, std::string_view path);

// True when the request asks to skip the cache (Cache-Control: max-age=0 or no-cache) and may: `authorized` says
// whether it passed the route's auth requirements (a route without any has none to pass).
bool cache_refresh(const model::CachePolicy& cache, const httplib::Request& req, bool authorized);

// A fresh answer kept for `route` under `key`, or nothing.
std::optional<CachedAnswer> cache_lookup(const std::string& route, const std::string& key, CacheTime now);

// Keeps `res` when it may be kept: a 2xx (or 301, 404, 410) answer to a GET with its whole body in memory, no
// Set-Cookie, no Cache-Control no-store, no-cache or private; max-age or s-maxage shorter than the ttl shortens it.
// A HEAD reads the GET's entry but never writes it (its answer has no body).
void cache_store(const model::CachePolicy& cache, const std::string& route, const std::string& key,
                 const std::string& method, const httplib::Response& res, CacheTime now);

// Empties every route's cache (DELETE /__apigw/cache).
void cache_clear();

}  // namespace apigw::policy
