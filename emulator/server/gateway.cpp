#include "emulator/server/gateway.hpp"

#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "emulator/server/auth.hpp"
#include "emulator/util/text.hpp"

namespace apigw::server {

Gateway::Gateway(model::Config config, std::shared_ptr<const Contracts> contracts)
    : config_(std::move(config)), contracts_(std::move(contracts)) {
  nlohmann::ordered_json routes = nlohmann::ordered_json::array();
  for (size_t i = 0; i < config_.routes.size(); ++i) {
    const auto& r = config_.routes[i];
    for (const auto& m : r.methods) router_.add(r.path, m, static_cast<int>(i));
    nlohmann::ordered_json item = {{"id", r.id}, {"methods", r.methods}, {"path", r.path.text}};
    if (!r.operation.empty()) item["operation"] = r.operation;
    if (r.mock) item["mock"] = {{"status", r.mock->status}};
    if (r.proxy) item["proxy"] = {{"backend", r.proxy->backend}};
    else if (!r.mock && contract(i)) item["mock"] = "openapi";
    routes.push_back(std::move(item));
  }
  // Spec-linked routes also answer under the path of the spec's first server URL, as clients configured with the full
  // server URL call them; the config's own routes win any collision.
  std::string base = contracts_ ? contracts_->base_path() : "";
  for (size_t i = 0; i < config_.routes.size() && !base.empty(); ++i) {
    const auto& r = config_.routes[i];
    if (!contract(i) || r.path.text.rfind(base + "/", 0) == 0) continue;
    auto alias = router::parse_template(base + (r.path.text == "/" ? "" : r.path.text), nullptr);
    if (!alias) continue;
    for (const auto& m : r.methods) {
      int existing = router_.add(*alias, m, static_cast<int>(i));
      if (existing >= 0 && existing != static_cast<int>(i))
        warnings_.push_back(m + " " + alias->text + " (route '" + r.id + "' under the server path " + base +
                            ") collides with route '" + config_.routes[static_cast<size_t>(existing)].id +
                            "', which keeps it");
    }
  }
  routes_json_ = nlohmann::ordered_json({{"name", config_.name}, {"routes", routes}}).dump(2) + "\n";

  static const char* const k_validate[] = {"request", "response", "both", "off"};
  nlohmann::ordered_json backends = nlohmann::ordered_json::object();
  for (const auto& b : config_.backends)
    backends[b.name] = {{"url", b.url_text}, {"timeout", util::format_duration(b.timeout)}};
  nlohmann::ordered_json auth = nlohmann::ordered_json::object();
  static const char* const k_auth[] = {"api_key", "basic", "bearer", "jwt"};
  for (const auto& a : config_.auth) {
    nlohmann::ordered_json item = {{"type", k_auth[static_cast<int>(a.type)]}};
    if (a.type == model::AuthScheme::Type::ApiKey) {
      item["in"] = a.in;
      item["name"] = a.param_name;
      item["keys"] = std::to_string(a.keys.size()) + " (values not shown)";
    }
    if (a.type == model::AuthScheme::Type::Basic) item["users"] = std::to_string(a.users.size()) + " (not shown)";
    if (a.type == model::AuthScheme::Type::Jwt) {
      item["secret"] = a.secret.empty() ? "none" : "set (not shown)";
      if (!a.issuer.empty()) item["issuer"] = a.issuer;
      if (!a.audiences.empty()) item["audiences"] = a.audiences;
    }
    auth[a.name] = std::move(item);
  }
  nlohmann::ordered_json effective = {
      {"apigw", config_.version},
      {"name", config_.name},
      {"file", config_.file},
      {"openapi", config_.openapi},
      {"validate", k_validate[static_cast<int>(config_.validate)]},
      {"listen", config_.listen_host + ":" + std::to_string(config_.listen_port)},
      {"limits",
       {{"max_body_size", config_.limits.max_body_size},
        {"read_timeout", util::format_duration(config_.limits.read_timeout)},
        {"write_timeout", util::format_duration(config_.limits.write_timeout)},
        {"keep_alive_timeout", util::format_duration(config_.limits.keep_alive_timeout)}}},
      {"backends", backends},
      {"auth", auth},
      {"server_base_path", contracts_ ? contracts_->base_path() : ""},
      {"routes", routes}};
  config_json_ = effective.dump(2) + "\n";
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
  if (r.violations > 0) line += ",\"violations\":" + std::to_string(r.violations);
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
  } else if (what == "config") {
    res.status = 200;
    res.set_content(gw.config_json(), "application/json");
  } else {
    set_problem(res, 404, "Not Found",
                "no admin endpoint '" + std::string(what) + "' (try health, routes, config, metrics or journal)");
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
    const Contract* contract = gw.contract(static_cast<size_t>(match.route));
    model::Validate validate = route.validate.value_or(gw.config().validate);
    record.route = route.id;
    AuthOutcome auth = authorize(gw.config(), route, req, std::chrono::system_clock::now());
    RequestVerdict verdict;
    if (auth.ok && contract && model::validates_requests(validate)) verdict = contract->check_request(req, match.params);
    record.violations = verdict.violations.size();
    if (record.violations) record.violation_detail = violations_header(verdict.violations);
    if (!auth.ok) {
      set_problem(res, auth.status, auth.status == 403 ? "Forbidden" : "Unauthorized", auth.detail);
      if (!auth.www_authenticate.empty()) res.set_header("WWW-Authenticate", auth.www_authenticate);
    } else if (verdict.status && (route.mock || route.proxy)) {
      set_violations_problem(res, verdict, route.operation);
    } else if (verdict.status) {
      contract->respond(req, res, &verdict);
    } else if (route.mock) {
      const auto& mock = *route.mock;
      if (mock.delay.count() > 0) std::this_thread::sleep_for(mock.delay);
      res.status = mock.status;
      for (const auto& [k, v] : mock.headers) res.headers.emplace(k, v);
      res.body = mock.body;
    } else if (route.proxy) {
      proxy(gw, route, match.params, raw_path, req, res, record);
      if (contract && model::validates_responses(validate) && res.status < 500) {
        auto found = contract->check_response(res.status, res.get_header_value("Content-Type"), res.body);
        if (!found.empty()) res.set_header("x-apigw-violations", violations_header(found));
        record.violations += found.size();
        if (!found.empty()) record.violation_detail = violations_header(found);
      }
    } else if (contract) {
      contract->respond(req, res);
    }
  }
  record.status = res.status;
  record.response_bytes = res.body.size();
}

}  // namespace apigw::server
