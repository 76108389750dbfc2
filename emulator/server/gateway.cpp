#include "emulator/server/gateway.hpp"

#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "emulator/server/auth.hpp"
#include "emulator/util/text.hpp"

namespace apigw::server {

Gateway::Gateway(model::Config config) : config_(std::move(config)) {
  nlohmann::ordered_json routes = nlohmann::ordered_json::array();
  for (size_t i = 0; i < config_.routes.size(); ++i) {
    const auto& r = config_.routes[i];
    for (const auto& m : r.methods) router_.add(r.path, m, static_cast<int>(i));
    nlohmann::ordered_json item = {{"id", r.id}, {"methods", r.methods}, {"path", r.path.text}};
    if (r.mock) item["mock"] = {{"status", r.mock->status}};
    if (r.proxy) item["proxy"] = {{"backend", r.proxy->backend}};
    routes.push_back(std::move(item));
  }
  routes_json_ = nlohmann::ordered_json({{"name", config_.name}, {"routes", routes}}).dump(2) + "\n";
}

std::string format_access_record(const AccessRecord& r) {
  using namespace std::chrono;
  auto t = system_clock::to_time_t(r.time);
  auto ms = duration_cast<milliseconds>(r.time.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char ts[64];
  std::snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  std::string line = "{\"time\":\"";
  line += ts;
  line += "\",\"method\":\"";
  util::append_json_escaped(line, r.method);
  line += "\",\"path\":\"";
  util::append_json_escaped(line, r.path);
  line += "\",\"route\":";
  if (r.route.empty()) {
    line += "null";
  } else {
    line += '"';
    util::append_json_escaped(line, r.route);
    line += '"';
  }
  char nums[160];
  std::snprintf(nums, sizeof nums, ",\"status\":%d,\"duration_ms\":%.3f,\"request_bytes\":%zu,\"bytes\":%zu", r.status,
                r.duration_ms, r.request_bytes, r.response_bytes);
  line += nums;
  if (r.upstream_ms >= 0) {
    std::snprintf(nums, sizeof nums, ",\"upstream_ms\":%.3f", r.upstream_ms);
    line += nums;
  }
  line += ",\"client\":\"";
  util::append_json_escaped(line, r.client);
  line += "\"}\n";
  return line;
}

void AccessLog::write(const AccessRecord& r) {
  std::string line = format_access_record(r);
  std::lock_guard lock(mutex_);
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

void AccessLog::flush() {
  std::lock_guard lock(mutex_);
  std::fflush(out_);
}

void set_problem(httplib::Response& res, int status, const std::string& title, const std::string& detail) {
  nlohmann::json body = {{"type", "about:blank"}, {"title", title}, {"status", status}, {"detail", detail}};
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/problem+json");
}

namespace {

bool is_hop_by_hop(const std::string& name) {
  static const char* const k_hop[] = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
                                      "te", "trailer", "transfer-encoding", "upgrade", "host", "content-length"};
  std::string lower = util::to_lower(name);
  for (const char* h : k_hop)
    if (lower == h) return true;
  return false;
}

std::string render_upstream_path(const model::ProxyTarget& target, const model::Backend& backend,
                                 std::string_view raw_path, const router::Params& params) {
  std::string path = backend.url.base_path;
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

void proxy(const Gateway& gw, const model::Route& route, const router::Params& params, std::string_view raw_path,
           const httplib::Request& req, httplib::Response& res, AccessRecord& record) {
  const auto& target = *route.proxy;
  const model::Backend* backend = gw.config().find_backend(target.backend);
  if (!backend) {  // the loader guarantees this; kept as a guard
    set_problem(res, 502, "Bad Gateway", "backend '" + target.backend + "' is not defined");
    return;
  }
  std::string path = render_upstream_path(target, *backend, raw_path, params);
  if (auto q = req.target.find('?'); q != std::string::npos) path += req.target.substr(q);

  httplib::Client client(backend->url.origin());
  auto timeout = target.timeout.value_or(backend->timeout);
  client.set_connection_timeout(timeout);
  client.set_read_timeout(timeout);
  client.set_write_timeout(timeout);
  client.set_decompress(false);

  httplib::Headers headers;
  for (const auto& [k, v] : req.headers)
    if (!is_hop_by_hop(k) && util::to_lower(k) != "x-forwarded-for") headers.emplace(k, v);
  std::string xff = req.get_header_value("X-Forwarded-For");
  headers.emplace("X-Forwarded-For", xff.empty() ? req.remote_addr : xff + ", " + req.remote_addr);
  headers.emplace("X-Forwarded-Proto", req.ssl ? "https" : "http");
  if (req.has_header("Host")) headers.emplace("X-Forwarded-Host", req.get_header_value("Host"));

  httplib::Request up;
  up.method = req.method;
  up.path = path;
  up.headers = std::move(headers);
  up.body = req.body;
  auto start = std::chrono::steady_clock::now();
  httplib::Result result = client.send(up);
  record.upstream_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (!result) {
    auto err = result.error();
    std::string what = httplib::to_string(err);
    if (err == httplib::Error::ConnectionTimeout || err == httplib::Error::Read)
      set_problem(res, 504, "Gateway Timeout",
                  "backend '" + backend->name + "' did not answer within " + util::format_duration(timeout) + " (" + what + ")");
    else
      set_problem(res, 502, "Bad Gateway", "backend '" + backend->name + "' at " + backend->url.origin() + ": " + what);
    return;
  }
  res.status = result->status;
  for (const auto& [k, v] : result->headers)
    if (!is_hop_by_hop(k)) res.headers.emplace(k, v);
  res.body = std::move(result->body);
}

void admin(const Gateway& gw, std::string_view what, const httplib::Request& req, httplib::Response& res) {
  if (req.method != "GET" && req.method != "HEAD") {
    set_problem(res, 405, "Method Not Allowed", "the admin API answers GET");
    res.set_header("Allow", "GET, HEAD");
  } else if (what == "health") {
    res.status = 200;
    res.set_content("{\"status\":\"ok\",\"routes\":" + std::to_string(gw.config().routes.size()) + "}", "application/json");
  } else if (what == "routes") {
    res.status = 200;
    res.set_content(gw.routes_json(), "application/json");
  } else {
    set_problem(res, 404, "Not Found", "no admin endpoint '" + std::string(what) + "' (try health or routes)");
  }
}

}  // namespace

void handle_request(const Gateway& gw, const httplib::Request& req, httplib::Response& res, AccessRecord& record) {
  std::string_view raw_path = req.target;
  if (auto q = raw_path.find('?'); q != std::string_view::npos) raw_path = raw_path.substr(0, q);
  record.method = req.method;
  record.path = std::string(raw_path);
  record.request_bytes = req.body.size();

  if (raw_path.substr(0, k_admin_prefix.size()) == k_admin_prefix) {
    admin(gw, raw_path.substr(k_admin_prefix.size()), req, res);
    record.route = "__apigw";
    record.status = res.status;
    record.response_bytes = res.body.size();
    return;
  }

  auto match = gw.router().match(req.method, raw_path);
  using Status = router::RouteMatch::Status;
  if (match.status == Status::NotFound) {
    set_problem(res, 404, "Not Found", "no route matches " + req.method + " " + std::string(raw_path));
  } else if (match.status == Status::MethodNotAllowed) {
    set_problem(res, 405, "Method Not Allowed",
                std::string(raw_path) + " does not accept " + req.method + " (it accepts " + match.allow + ")");
    res.set_header("Allow", match.allow);
  } else {
    const model::Route& route = gw.config().routes[static_cast<size_t>(match.route)];
    record.route = route.id;
    AuthOutcome auth = authorize(gw.config(), route, req, std::chrono::system_clock::now());
    if (!auth.ok) {
      set_problem(res, auth.status, auth.status == 403 ? "Forbidden" : "Unauthorized", auth.detail);
      if (!auth.www_authenticate.empty()) res.set_header("WWW-Authenticate", auth.www_authenticate);
    } else if (route.mock) {
      const auto& mock = *route.mock;
      if (mock.delay.count() > 0) std::this_thread::sleep_for(mock.delay);
      res.status = mock.status;
      for (const auto& [k, v] : mock.headers) res.headers.emplace(k, v);
      res.body = mock.body;
    } else if (route.proxy) {
      proxy(gw, route, match.params, raw_path, req, res, record);
    }
  }
  record.status = res.status;
  record.response_bytes = res.body.size();
}

}  // namespace apigw::server
