#include "emulator/server/proxy.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

#include "emulator/util/text.hpp"

namespace apigw::server {

namespace {

using Clock = std::chrono::steady_clock;

// Idle keep-alive connections kept per origin. Busy ones are bounded by the server's worker threads (each holds at
// most one while it proxies); this bounds what stays open between bursts.
constexpr size_t k_max_idle = 64;
// Pools and backends remembered across reloads before the unused ones are dropped.
constexpr size_t k_max_entries = 256;

// One upstream origin: its idle connections and its passive health.
struct Upstream {
  Upstream(std::string o, bool v) : origin(std::move(o)), verify(v) {}
  const std::string origin;  // "https://host:443"
  const bool verify;         // certificate verification (tls_verify)
  std::atomic<Clock::rep> down_until{0};  // skipped until then, after it failed to connect or timed out
  std::mutex mutex;
  std::vector<std::unique_ptr<httplib::Client>> idle;
};

// A backend's targets (in `urls` order) and its round-robin position.
struct BackendState {
  std::vector<std::shared_ptr<Upstream>> targets;
  std::atomic<size_t> next{0};
};

// Process-wide and keyed by what the state depends on (origins, verification), so a reload (Server::swap builds a new
// Gateway) keeps warm connections and health, and two gateways never mix backends that differ.
class Registry {
 public:
  std::shared_ptr<BackendState> backend(const model::Backend& b) {
    std::string key = b.name;
    key += b.tls_verify ? "\n+" : "\n-";
    for (const auto& t : b.urls_text) (key += '\n') += t;
    std::lock_guard lock(mutex_);
    if (auto it = backends_.find(key); it != backends_.end()) return it->second;
    if (backends_.size() >= k_max_entries) prune();
    auto state = std::make_shared<BackendState>();
    for (const auto& u : b.urls) {
      std::string origin = u.origin();
      auto& slot = upstreams_[origin + (b.tls_verify ? " +" : " -")];
      if (!slot) slot = std::make_shared<Upstream>(origin, b.tls_verify);
      state->targets.push_back(slot);
    }
    backends_.emplace(std::move(key), state);
    return state;
  }

 private:
  // Drops what no request holds (a reload that removed a backend leaves its entry behind); an entry still in use by
  // the current config is recreated on its next request, cold.
  void prune() {
    std::erase_if(backends_, [](const auto& e) { return e.second.use_count() == 1; });
    std::erase_if(upstreams_, [](const auto& e) { return e.second.use_count() == 1; });
  }

  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<BackendState>> backends_;
  std::map<std::string, std::shared_ptr<Upstream>> upstreams_;
};

Registry& registry() {
  static Registry r;
  return r;
}

// An idle pooled connection, or a new client (it connects on its first request). A pool measured as fast as one
// client per worker thread per origin (bench/proxy.sh, within noise) and keeps fewer connections open.
std::unique_ptr<httplib::Client> checkout(Upstream& up) {
  {
    std::lock_guard lock(up.mutex);
    if (!up.idle.empty()) {
      auto client = std::move(up.idle.back());
      up.idle.pop_back();
      return client;
    }
  }
  auto client = std::make_unique<httplib::Client>(up.origin);
  client->set_keep_alive(true);
  client->set_decompress(false);  // bodies go through as the upstream encoded them
  client->enable_server_certificate_verification(up.verify);
  return client;
}

// A client whose request failed has closed its socket itself and reconnects on its next use, so it goes back too.
void checkin(Upstream& up, std::unique_ptr<httplib::Client> client) {
  std::lock_guard lock(up.mutex);
  if (up.idle.size() < k_max_idle) up.idle.push_back(std::move(client));
}

bool healthy(const Upstream& up, Clock::time_point now) {
  return up.down_until.load(std::memory_order_relaxed) <= now.time_since_epoch().count();
}

// The next target in round-robin order that is healthy and not tried yet by this request; else one not tried yet;
// else (every target tried) the round-robin one again.
size_t pick(BackendState& state, const std::vector<bool>& tried, Clock::time_point now) {
  size_t n = state.targets.size();
  if (n == 1) return 0;
  size_t start = state.next.fetch_add(1, std::memory_order_relaxed) % n;
  for (int pass = 0; pass < 2; ++pass)
    for (size_t i = 0; i < n; ++i) {
      size_t at = (start + i) % n;
      if (!tried[at] && (pass == 1 || healthy(*state.targets[at], now))) return at;
    }
  return start;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// Hop-by-hop headers (RFC 9110 section 7.6.1), plus Host and Content-Length, which the client side sets again.
bool is_hop_by_hop(std::string_view name) {
  static constexpr std::string_view k_hop[] = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
                                               "te", "trailer", "transfer-encoding", "upgrade", "host", "content-length"};
  for (auto h : k_hop)
    if (iequals(name, h)) return true;
  return false;
}

// The headers a message's Connection header names are hop-by-hop too ("Connection: close, X-Trace").
std::vector<std::string> connection_options(const httplib::Headers& headers) {
  std::vector<std::string> out;
  auto [from, to] = headers.equal_range("Connection");
  for (auto it = from; it != to; ++it) {
    std::string_view list = it->second;
    while (!list.empty()) {
      size_t comma = std::min(list.find(','), list.size());
      std::string_view token = list.substr(0, comma);
      list.remove_prefix(std::min(comma + 1, list.size()));
      while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) token.remove_prefix(1);
      while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
      if (!token.empty()) out.emplace_back(token);
    }
  }
  return out;
}

// Copies the end-to-end headers of `from`, leaving out `also_drop` (exact names, any letter case).
void copy_end_to_end(const httplib::Headers& from, httplib::Headers& to, std::initializer_list<std::string_view> also_drop) {
  auto named = connection_options(from);
  for (const auto& [k, v] : from) {
    if (is_hop_by_hop(k)) continue;
    if (std::any_of(named.begin(), named.end(), [&](const std::string& n) { return iequals(k, n); })) continue;
    if (std::any_of(also_drop.begin(), also_drop.end(), [&](std::string_view n) { return iequals(k, n); })) continue;
    to.emplace(k, v);
  }
}

// An RFC 7239 value: a token as is, anything else (IPv6, host:port) as a quoted string.
std::string forwarded_value(std::string_view v) {
  bool token = !v.empty() && std::all_of(v.begin(), v.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
  if (token) return std::string(v);
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + '"';
}

std::string render_upstream_path(const model::ProxyTarget& target, const std::string& base_path,
                                 std::string_view raw_path, const router::Params& params) {
  std::string path = base_path;
  if (!target.path) return path + std::string(raw_path);
  for (const auto& seg : target.path->segments) {
    path += '/';
    auto value = [&](const std::string& name) -> std::string {
      for (const auto& [k, v] : params)
        if (k == name) return v;
      return {};
    };
    switch (seg.kind) {
      case router::Segment::Kind::Literal: path += seg.literal; break;
      case router::Segment::Kind::Param: path += util::percent_encode_segment(value(seg.param)); break;
      case router::Segment::Kind::Mixed:
        path += seg.prefix + util::percent_encode_segment(value(seg.param)) + seg.suffix;
        break;
      case router::Segment::Kind::Greedy: {
        // Re-encode each segment of the captured rest, keeping its slashes.
        std::string rest = value(seg.param);
        size_t start = 0;
        while (true) {
          size_t slash = rest.find('/', start);
          path += util::percent_encode_segment(rest.substr(start, slash - start));
          if (slash == std::string::npos) break;
          path += '/';
          start = slash + 1;
        }
        break;
      }
    }
  }
  if (target.path->trailing_slash || target.path->segments.empty()) path += '/';
  return path;
}

// Methods a client may repeat without changing the outcome (RFC 9110 section 9.2.2); POST and PATCH are never retried.
bool is_idempotent(const std::string& method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "PUT" || method == "DELETE";
}

}  // namespace

void proxy(const Gateway& gw, const model::Route& route, const router::Params& params, std::string_view raw_path,
           const httplib::Request& req, httplib::Response& res, AccessRecord& record) {
  const auto& target = *route.proxy;
  const model::Backend* backend = gw.config().find_backend(target.backend);
  if (!backend || backend->urls.empty()) {  // the loader guarantees both; kept as a guard
    set_problem(res, 502, "Bad Gateway", "backend '" + target.backend + "' is not defined");
    return;
  }
  auto state = registry().backend(*backend);
  std::string_view query;
  if (auto q = req.target.find('?'); q != std::string::npos) query = std::string_view(req.target).substr(q);

  httplib::Request up;
  up.method = req.method;
  copy_end_to_end(req.headers, up.headers, {"x-forwarded-for", "forwarded"});
  std::string xff = req.get_header_value("X-Forwarded-For");
  up.headers.emplace("X-Forwarded-For", xff.empty() ? req.remote_addr : xff + ", " + req.remote_addr);
  const char* proto = req.ssl ? "https" : "http";
  up.headers.emplace("X-Forwarded-Proto", proto);
  std::string host = req.get_header_value("Host");
  if (!host.empty()) up.headers.emplace("X-Forwarded-Host", host);
  // RFC 7239 says the same in one header; an address with ':' (IPv6) is bracketed and quoted.
  std::string node = req.remote_addr.find(':') != std::string::npos ? "[" + req.remote_addr + "]" : req.remote_addr;
  std::string forwarded = "for=" + forwarded_value(node) + ";proto=" + proto;
  if (!host.empty()) forwarded += ";host=" + forwarded_value(host);
  std::string earlier = req.get_header_value("Forwarded");
  up.headers.emplace("Forwarded", earlier.empty() ? forwarded : earlier + ", " + forwarded);
  up.body = req.body;

  auto timeout = target.timeout.value_or(backend->timeout);
  int attempts = 1 + (is_idempotent(req.method) ? backend->retries : 0);
  std::vector<bool> tried(state->targets.size());
  auto start = Clock::now();
  for (int attempt = 0;; ++attempt) {
    auto now = Clock::now();
    size_t at = pick(*state, tried, now);
    tried[at] = true;
    Upstream& upstream = *state->targets[at];
    up.path = render_upstream_path(target, backend->urls[at].base_path, raw_path, params);
    up.path += query;

    auto client = checkout(upstream);
    client->set_connection_timeout(timeout);
    client->set_read_timeout(timeout);
    client->set_write_timeout(timeout);
    httplib::Result result = client->send(up);
    auto end = Clock::now();
    checkin(upstream, std::move(client));
    record.upstream_ms = std::chrono::duration<double, std::milli>(end - start).count();
    if (result) {
      res.status = result->status;
      copy_end_to_end(result->headers, res.headers, {});
      res.body = std::move(result->body);
      return;
    }

    // httplib reports a read timeout and a connection the upstream closed both as Read: the time taken tells them
    // apart. A stale keep-alive connection fails fast and is worth a retry; a timeout is not.
    auto err = result.error();
    bool connect_failed = err == httplib::Error::Connection || err == httplib::Error::ConnectionTimeout ||
                          err == httplib::Error::SSLConnection;
    bool timed_out = err == httplib::Error::ConnectionTimeout ||
                     ((err == httplib::Error::Read || err == httplib::Error::Write) && end - now >= timeout * 9 / 10);
    bool retryable = connect_failed || (!timed_out && (err == httplib::Error::Read || err == httplib::Error::Write));
    if ((connect_failed || timed_out) && backend->unhealthy_for.count() > 0)
      upstream.down_until.store((end + backend->unhealthy_for).time_since_epoch().count(), std::memory_order_relaxed);
    if (retryable && attempt + 1 < attempts) {
      // A short, growing pause, so a restarting upstream or a refused burst gets a moment.
      std::this_thread::sleep_for(std::chrono::milliseconds(10 << std::min(attempt, 4)));
      continue;
    }
    std::string what = httplib::to_string(err);
    std::string tries = attempt > 0 ? " after " + std::to_string(attempt + 1) + " attempts" : "";
    if (timed_out) {
      set_problem(res, 504, "Gateway Timeout",
                  "backend '" + backend->name + "' at " + upstream.origin + " did not answer within " +
                      util::format_duration(timeout) + " (" + what + ")" + tries);
    } else {
      if (err == httplib::Error::SSLServerVerification)
        what += ": its certificate is not trusted (for a development certificate, set tls_verify: false on the "
                "backend or run serve with --insecure-upstream)";
      set_problem(res, 502, "Bad Gateway", "backend '" + backend->name + "' at " + upstream.origin + ": " + what + tries);
    }
    return;
  }
}

}  // namespace apigw::server
