#include "emulator/policy/cache.hpp"

#include <algorithm>
#include <list>
#include <mutex>
#include <unordered_map>

#include <httplib.h>

#include "emulator/util/text.hpp"

namespace apigw::policy {
namespace {

struct Entry {
  std::string key;
  CachedAnswer answer;
  CacheTime expires;
};

// One least-recently-used list per route: the front is the most recent.
struct RouteCache {
  std::list<Entry> entries;
  std::unordered_map<std::string, std::list<Entry>::iterator> index;
};

struct Store {
  std::mutex mutex;
  std::unordered_map<std::string, RouteCache> routes;
};

Store& store() {
  static Store s;
  return s;
}

// Headers that belong to one exchange, not to the answer kept: set again for each request (rate limits, CORS,
// framing) or meaningless when replayed.
bool per_exchange(std::string_view name) {
  std::string n = util::to_lower(name);
  return n.rfind("ratelimit-", 0) == 0 || n.rfind("access-control-", 0) == 0 || n == "vary" || n == "date" ||
         n == "connection" || n == "keep-alive" || n == "transfer-encoding" || n == "content-length" || n == "age" ||
         n == "x-cache" || n == "retry-after";
}

// The seconds of `directive=N` in a Cache-Control value, when present.
std::optional<long long> directive_seconds(const std::string& value, std::string_view directive) {
  std::string v = util::to_lower(value);
  for (size_t at = v.find(directive); at != std::string::npos; at = v.find(directive, at + 1)) {
    bool starts = at == 0 || v[at - 1] == ',' || v[at - 1] == ' ';
    size_t eq = at + directive.size();
    if (!starts || eq >= v.size() || v[eq] != '=') continue;
    long long n = 0;
    size_t i = eq + 1;
    bool digits = false;
    for (; i < v.size() && std::isdigit(static_cast<unsigned char>(v[i])); ++i, digits = true)
      n = std::min<long long>(n * 10 + (v[i] - '0'), 1LL << 40);
    if (digits) return n;
  }
  return std::nullopt;
}

bool has_directive(const std::string& value, std::string_view directive) {
  std::string v = util::to_lower(value);
  for (size_t at = v.find(directive); at != std::string::npos; at = v.find(directive, at + 1)) {
    bool starts = at == 0 || v[at - 1] == ',' || v[at - 1] == ' ';
    size_t end = at + directive.size();
    bool ends = end == v.size() || v[end] == ',' || v[end] == ' ' || v[end] == '=';
    if (starts && ends) return true;
  }
  return false;
}

void append_escaped(std::string& out, std::string_view part) {
  out += std::to_string(part.size());
  out += ':';
  out += part;
}

}  // namespace

std::string cache_key(const model::CachePolicy& cache, const httplib::Request& req, std::string_view path) {
  if (req.method != "GET" && req.method != "HEAD") return "";
  // Length-prefixed parts, so no value can pose as another part.
  std::string key;
  append_escaped(key, req.method == "HEAD" ? "GET" : req.method);  // a HEAD is answered from a kept GET and back
  append_escaped(key, path);
  for (const auto& name : cache.query) {
    auto range = req.params.equal_range(name);
    std::vector<std::string> values;
    for (auto it = range.first; it != range.second; ++it) values.push_back(it->second);
    std::sort(values.begin(), values.end());
    append_escaped(key, name);
    key += values.empty() ? "-" : std::to_string(values.size());
    for (const auto& v : values) append_escaped(key, v);
  }
  for (const auto& name : cache.headers) {
    append_escaped(key, name);
    if (req.has_header(name)) append_escaped(key, req.get_header_value(name));
    else key += '-';
  }
  return key;
}

bool cache_refresh(const model::CachePolicy& cache, const httplib::Request& req, bool authorized) {
  std::string cc = req.get_header_value("Cache-Control");
  if (cc.empty()) return false;
  auto max_age = directive_seconds(cc, "max-age");
  bool asks = (max_age && *max_age == 0) || has_directive(cc, "no-cache");
  if (!asks) return false;
  switch (cache.invalidation) {
    case model::CachePolicy::Invalidation::Anyone: return true;
    case model::CachePolicy::Invalidation::Authorized: return authorized;
    case model::CachePolicy::Invalidation::Never: return false;
  }
  return false;
}

std::optional<CachedAnswer> cache_lookup(const std::string& route, const std::string& key, CacheTime now) {
  Store& s = store();
  std::lock_guard lock(s.mutex);
  auto r = s.routes.find(route);
  if (r == s.routes.end()) return std::nullopt;
  auto it = r->second.index.find(key);
  if (it == r->second.index.end()) return std::nullopt;
  if (now >= it->second->expires) {
    r->second.entries.erase(it->second);
    r->second.index.erase(it);
    return std::nullopt;
  }
  r->second.entries.splice(r->second.entries.begin(), r->second.entries, it->second);
  return it->second->answer;
}

void cache_store(const model::CachePolicy& cache, const std::string& route, const std::string& key,
                 const std::string& method, const httplib::Response& res, CacheTime now) {
  if (key.empty() || res.content_provider_ || res.body.size() > cache.max_entry_size) return;
  if (method == "HEAD") return;  // a HEAD answer has no body: kept under the GET key it would empty later GETs
  bool status_ok = (res.status >= 200 && res.status < 300) || res.status == 301 || res.status == 404 || res.status == 410;
  if (!status_ok || res.has_header("Set-Cookie")) return;
  auto ttl = cache.ttl;
  std::string cc = res.get_header_value("Cache-Control");
  if (!cc.empty()) {
    if (has_directive(cc, "no-store") || has_directive(cc, "no-cache") || has_directive(cc, "private")) return;
    auto seconds = directive_seconds(cc, "s-maxage");
    if (!seconds) seconds = directive_seconds(cc, "max-age");
    if (seconds) {
      if (*seconds == 0) return;
      ttl = std::min<model::Duration>(ttl, std::chrono::seconds(*seconds));
    }
  }
  CachedAnswer answer;
  answer.status = res.status;
  answer.body = res.body;
  answer.stored = now;
  for (const auto& [name, value] : res.headers)
    if (!per_exchange(name)) answer.headers.emplace_back(name, value);
  Store& s = store();
  std::lock_guard lock(s.mutex);
  RouteCache& rc = s.routes[route];
  if (auto it = rc.index.find(key); it != rc.index.end()) {
    rc.entries.erase(it->second);
    rc.index.erase(it);
  }
  rc.entries.push_front({key, std::move(answer), now + ttl});
  rc.index[key] = rc.entries.begin();
  while (rc.entries.size() > cache.max_entries) {
    rc.index.erase(rc.entries.back().key);
    rc.entries.pop_back();
  }
}

void cache_clear() {
  Store& s = store();
  std::lock_guard lock(s.mutex);
  s.routes.clear();
}

}  // namespace apigw::policy
