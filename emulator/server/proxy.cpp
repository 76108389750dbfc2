#include "emulator/server/proxy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
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

// Hop-by-hop headers (RFC 9110 section 7.6.1), plus Host and Content-Length, which the client side sets again, and
// Expect: the gateway answered the client's 100-continue itself, and its client side does not wait for one.
bool is_hop_by_hop(std::string_view name) {
  static constexpr std::string_view k_hop[] = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
                                               "te", "trailer", "transfer-encoding", "upgrade", "host", "content-length",
                                               "expect"};
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
  for (const auto& header : from) {
    const std::string& k = header.first;  // not a structured binding: clang 14 cannot capture those in lambdas
    const std::string& v = header.second;
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

// The last segments of the request path whose decoded text, joined with '/', is `rest` (what a greedy parameter
// captured). Decoding never lengthens a segment's text, so the count is found from the decoded lengths alone.
std::optional<std::vector<std::string_view>> raw_tail(std::string_view raw_path, const std::string& rest) {
  std::vector<std::string_view> segments;
  for (size_t start = 0; start <= raw_path.size();) {
    size_t slash = raw_path.find('/', start);
    if (slash == std::string_view::npos) slash = raw_path.size();
    segments.push_back(raw_path.substr(start, slash - start));
    start = slash + 1;
  }
  std::string joined;
  for (size_t count = 1; count <= segments.size(); ++count) {
    std::string segment = router::percent_decode(segments[segments.size() - count]);
    joined = count == 1 ? segment : segment + "/" + joined;
    if (joined.size() > rest.size()) break;
    if (joined == rest)
      return std::vector<std::string_view>(segments.end() - static_cast<std::ptrdiff_t>(count), segments.end());
  }
  return std::nullopt;  // cannot happen for a path the router matched
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
        // The captured rest is decoded, so "a%2Fb" and "a/b" read the same there; the request's own segments tell
        // them apart, and an encoded slash must stay one (decoded, "..%2F..%2Fetc" would climb out of the prefix).
        std::string rest = value(seg.param);
        if (auto raw = raw_tail(raw_path, rest)) {
          for (size_t i = 0; i < raw->size(); ++i)
            path += (i ? "/" : "") + util::percent_encode_segment(router::percent_decode((*raw)[i]));
          break;
        }
        for (size_t start = 0, slash = 0; slash != std::string::npos; start = slash + 1) {
          slash = rest.find('/', start);
          path += (start ? "/" : "") + util::percent_encode_segment(rest.substr(start, slash - start));
        }
        break;
      }
    }
  }
  if (target.path->trailing_slash || target.path->segments.empty()) path += '/';
  return path;
}

// Methods a client may repeat without changing the outcome (RFC 9110 section 9.2.2). POST and PATCH are retried only
// when the connection could not be made, so the target never saw them.
bool is_idempotent(const std::string& method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "PUT" || method == "DELETE";
}


// --- Large bodies -----------------------------------------------------------------------------------------------

int port_of(const sockaddr_storage& a) {
  if (a.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(a).sin_port);
  if (a.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(a).sin6_port);
  return -1;
}

bool same_address(const sockaddr_storage& a, const std::string& text) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (a.ss_family == AF_INET) inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(a).sin_addr, buf, sizeof buf);
  else if (a.ss_family == AF_INET6) inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(a).sin6_addr, buf, sizeof buf);
  else return false;
  return text == buf;
}

// The client connection `req` arrived on, as fault.cpp finds it: httplib does not hand handlers the socket, and the
// one whose two ends are the request's addresses is it. Only large responses look (one scan of /proc/self/fd).
int downstream_socket(const httplib::Request& req) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
    int fd = std::atoi(entry.path().filename().c_str());
    sockaddr_storage peer{}, local{};
    socklen_t peer_len = sizeof peer, local_len = sizeof local;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0) continue;
    if (port_of(peer) != req.remote_port || !same_address(peer, req.remote_addr)) continue;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0) continue;
    if (port_of(local) == req.local_port) return fd;
  }
  return -1;
}

// Writes all of `data` to the client's socket, waiting at most `timeout` each time it is full (a slow client slows
// the upstream read down: nothing is queued in between). False when the client is gone or too slow.
bool send_all(int fd, std::string_view data, std::chrono::milliseconds timeout) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return false;
    pollfd p{fd, POLLOUT, 0};
    int ready = ::poll(&p, 1, static_cast<int>(std::max<std::chrono::milliseconds::rep>(1, timeout.count())));
    if (ready <= 0 || (p.revents & (POLLERR | POLLHUP | POLLNVAL))) return false;
  }
  return true;
}

// A response proxy() writes to the client itself, as the upstream sends it: the head once the body outgrows
// k_stream_threshold, then each piece, chunked when the upstream gave no length. The connection closes after it.
struct DownstreamWriter {
  int fd = -1;
  bool chunked = false;
  bool failed = false;
  size_t bytes = 0;
  std::chrono::milliseconds timeout{5000};
  std::string frame;  // the chunk being written, reused

  bool start(const httplib::Request& req, const httplib::Response& upstream, const std::string& buffered) {
    fd = downstream_socket(req);
    if (fd < 0) return false;
    std::string head = "HTTP/1.1 " + std::to_string(upstream.status) + " " +
                       (upstream.reason.empty() ? std::string("Status") : upstream.reason) + "\r\n";
    httplib::Headers headers;
    copy_end_to_end(upstream.headers, headers, {});
    for (const auto& h : headers) head += h.first + ": " + h.second + "\r\n";
    std::string length = upstream.get_header_value("Content-Length");
    bool http10 = req.version == "HTTP/1.0";
    if (!length.empty()) head += "Content-Length: " + length + "\r\n";
    else if (!http10) {
      chunked = true;
      head += "Transfer-Encoding: chunked\r\n";
    }
    head += "Connection: close\r\n\r\n";
    if (!send_all(fd, head, timeout)) failed = true;
    else write(buffered.data(), buffered.size());
    return true;
  }

  bool write(const char* data, size_t n) {
    if (failed) return false;
    if (n == 0) return true;
    bool ok;
    if (chunked) {  // one send per chunk: its size line, the data and its CRLF
      char size[24];
      int len = std::snprintf(size, sizeof size, "%zx\r\n", n);
      frame.assign(size, static_cast<size_t>(len)).append(data, n).append("\r\n");
      ok = send_all(fd, frame, timeout);
    } else {
      ok = send_all(fd, std::string_view(data, n), timeout);
    }
    if (!ok) return !(failed = true);
    bytes += n;
    return true;
  }

  // A complete body ends (the last chunk) and the client sees the end of the connection; an incomplete one is cut
  // off, so the client knows it is incomplete. Either way httplib's own answer then goes nowhere.
  void finish(bool complete) {
    if (complete && !failed && chunked) failed = !send_all(fd, "0\r\n\r\n", timeout);
    ::shutdown(fd, complete && !failed ? SHUT_WR : SHUT_RDWR);
  }
};

// The upstream's answer as it arrives: kept in `body` while small, then handed to a DownstreamWriter.
struct ResponseIn {
  const httplib::Request* req = nullptr;
  bool may_stream = false;
  std::string body;
  const httplib::Response* head = nullptr;  // the upstream's status and headers, valid during the exchange
  DownstreamWriter downstream;
  bool streaming = false;
  int status = 0;

  bool receive(const char* data, size_t n) {
    if (streaming) return downstream.write(data, n);
    if (body.size() + n <= k_stream_threshold || !may_stream || !head) {
      body.append(data, n);
      return true;
    }
    if (!downstream.start(*req, *head, body)) {  // the connection cannot be found: buffered, as before
      may_stream = false;
      body.append(data, n);
      return true;
    }
    streaming = true;
    status = head->status;
    std::string().swap(body);
    return downstream.write(data, n);
  }
};

thread_local BodyStream* t_body_stream = nullptr;

}  // namespace

BodyStream* current_body_stream() { return t_body_stream; }
BodyStreamScope::BodyStreamScope(BodyStream* s) : previous_(t_body_stream) { t_body_stream = s; }
BodyStreamScope::~BodyStreamScope() { t_body_stream = previous_; }

bool should_stream_request(const Gateway& gw, const httplib::Request& req, size_t max_body_size) {
  std::string length = req.get_header_value("Content-Length");
  if (length.empty()) {
    if (!req.has_header("Transfer-Encoding")) return false;  // no body
  } else {
    char* end = nullptr;
    unsigned long long n = std::strtoull(length.c_str(), &end, 10);
    // Too large bodies are refused (413) the usual way, before anything goes upstream.
    if (*end != '\0' || n <= k_stream_threshold || n > max_body_size) return false;
  }
  std::string encoding = req.get_header_value("Content-Encoding");
  if (!encoding.empty() && !iequals(encoding, "identity")) return false;  // the server would decode it
  std::string_view path = req.target;
  path = path.substr(0, path.find('?'));
  if (path.substr(0, k_admin_prefix.size()) == k_admin_prefix) return false;
  auto routed = gw.route_path(path);
  if (!routed) return false;
  auto match = gw.router().match(req.method, *routed);
  if (match.status != router::RouteMatch::Status::Found) return false;
  size_t index = static_cast<size_t>(match.route);
  const model::Route& route = gw.config().routes[index];
  if (!route.proxy || route.mock) return false;
  if (const model::Backend* b = gw.config().find_backend(route.proxy->backend); !b || b->lambda) return false;
  if (route.transform && !route.transform->request_body.empty()) return false;  // it rewrites the whole body
  return !(gw.contract(index) && model::validates_requests(route.validate.value_or(gw.config().validate)));
}

void proxy(const Gateway& gw, const model::Route& route, const router::Params& params, std::string_view raw_path,
           const httplib::Request& req, httplib::Response& res, AccessRecord& record) {
  const auto& target = *route.proxy;
  const model::Backend* backend = gw.config().find_backend(target.backend);
  if (!backend || backend->urls.empty()) {  // the loader guarantees both; kept as a guard
    set_problem(res, 502, "Bad Gateway", "backend '" + target.backend + "' is not defined");
    record.error = "INTEGRATION_FAILURE";
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
  // A large request body the server left unread goes upstream as it arrives, in this thread: each piece the client's
  // connection delivers is written to the upstream one (both block, so the slower side sets the pace). It can be read
  // once, so such a request is never retried.
  BodyStream* stream = current_body_stream();
  bool stream_request = stream && stream->reader && !stream->consumed;
  bool sink_failed = false;
  bool over_limit = false;
  if (stream_request) {
    std::string length = req.get_header_value("Content-Length");
    bool chunked = length.empty();
    if (chunked) {
      up.is_chunked_content_provider_ = true;
      up.headers.emplace("Transfer-Encoding", "chunked");
    } else {
      up.content_length_ = static_cast<size_t>(std::strtoull(length.c_str(), nullptr, 10));
    }
    up.content_provider_ = [stream, chunked, &sink_failed, &over_limit](size_t, size_t, httplib::DataSink& sink) {
      if (stream->consumed) return false;  // the body ended short of its Content-Length
      stream->consumed = true;
      bool ok = (*stream->reader)([&](const char* data, size_t n) {
        stream->request_bytes += n;
        if (stream->max_body_size && stream->request_bytes > stream->max_body_size) return !(over_limit = true);
        if (!sink.write(data, n)) return !(sink_failed = true);
        return true;
      });
      if (!ok) {
        stream->read_failed = !sink_failed;
        return false;
      }
      if (chunked) sink.done();
      return true;
    };
  } else {
    up.body = req.body;
  }

  // Responses are read into memory up to k_stream_threshold; a larger one (by its Content-Length, or as it grows when
  // the upstream gave none) is written straight to the client's connection from then on, when nothing needs the
  // whole body: plain HTTP downstream (TLS is httplib's, so HTTPS clients get it buffered), no response validation.
  // A response transform needs the head and the body before anything is sent.
  bool transforms_response = route.transform && !(route.transform->response_headers.empty() && route.transform->response_body.empty());
  bool may_stream_response = stream && !req.ssl && req.method != "HEAD" && !transforms_response;
  if (may_stream_response) {
    size_t index = static_cast<size_t>(&route - gw.config().routes.data());
    if (index < gw.config().routes.size() && gw.contract(index) &&
        model::validates_responses(route.validate.value_or(gw.config().validate)))
      may_stream_response = false;
  }
  ResponseIn in;
  in.req = &req;
  in.may_stream = may_stream_response;
  in.downstream.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(gw.config().limits.write_timeout);
  // One pointer each, so the std::functions need no allocation on the small-request path.
  up.response_handler = [p = &in](const httplib::Response& r) {
    p->head = &r;
    return true;
  };
  up.content_receiver = [p = &in](const char* data, size_t n, uint64_t, uint64_t) { return p->receive(data, n); };

  auto timeout = target.timeout.value_or(backend->timeout);
  int attempts = 1 + backend->retries;
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
    in.body.clear();
    in.head = nullptr;
    httplib::Result result = client->send(up);
    auto end = Clock::now();
    checkin(upstream, std::move(client));
    record.upstream_ms = std::chrono::duration<double, std::milli>(end - start).count();
    if (in.streaming) {
      // The client has the head and part of the body already: no retry and no problem document; a failure cuts the
      // connection, which is all a client can be told by then.
      in.downstream.finish(static_cast<bool>(result));
      stream->response_streamed = true;
      stream->response_bytes = in.downstream.bytes;
      res.status = in.status;
      res.set_header(k_streamed_marker, "1");
      return;
    }
    if (result) {
      res.status = result->status;
      copy_end_to_end(result->headers, res.headers, {});
      res.body = std::move(in.body);
      return;
    }
    if (stream_request && (stream->read_failed || over_limit)) {
      if (over_limit)
        set_problem(res, 413, "Payload Too Large",
                    "the request body is larger than limits.max_body_size (" + std::to_string(stream->max_body_size) + " bytes)");
      else
        set_problem(res, 400, "Bad Request", "the request body could not be read in full from the client");
      record.error = "DEFAULT_4XX";
      return;
    }

    // httplib reports a read timeout and a connection the upstream closed both as Read: the time taken tells them
    // apart. A stale keep-alive connection fails fast and is worth a retry; a timeout is not.
    auto err = result.error();
    bool connect_failed = err == httplib::Error::Connection || err == httplib::Error::ConnectionTimeout ||
                          err == httplib::Error::SSLConnection;
    bool timed_out = err == httplib::Error::ConnectionTimeout ||
                     ((err == httplib::Error::Read || err == httplib::Error::Write) && end - now >= timeout * 9 / 10);
    // A streamed request body can be read once: only a connection that never carried any of it may be tried again.
    bool retryable = stream_request ? connect_failed && !stream->consumed
                     : connect_failed || (is_idempotent(req.method) && !timed_out &&
                                          (err == httplib::Error::Read || err == httplib::Error::Write));
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
      record.error = "INTEGRATION_TIMEOUT";
    } else {
      if (err == httplib::Error::SSLServerVerification)
        what += ": its certificate is not trusted (for a development certificate, set tls_verify: false on the "
                "backend or run serve with --insecure-upstream)";
      set_problem(res, 502, "Bad Gateway", "backend '" + backend->name + "' at " + upstream.origin + ": " + what + tries);
      record.error = "INTEGRATION_FAILURE";
    }
    return;
  }
}

}  // namespace apigw::server
