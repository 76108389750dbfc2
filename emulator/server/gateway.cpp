#include "emulator/server/gateway.hpp"

#include <algorithm>
#include <random>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "emulator/policy/auth.hpp"
#include "emulator/policy/cache.hpp"
#include "emulator/policy/clock.hpp"
#include "emulator/policy/cors.hpp"
#include "emulator/policy/ratelimit.hpp"
#include "emulator/policy/transform.hpp"
#include "emulator/policy/credentials.hpp"
#include "emulator/server/fault.hpp"
#include "emulator/server/lambda.hpp"
#include "emulator/server/state.hpp"
#include "emulator/server/proxy.hpp"
#include "emulator/util/text.hpp"

namespace apigw::server {

namespace {

// A gateway response value as written: request-time values as ${...}, a literal "${" as "$${". Environment variables
// were expanded at load; they may show here, as every client that gets the answer sees them anyway.
std::string template_text(const model::Template& value) {
  using Source = model::Template::Source;
  std::string text;
  for (const auto& part : value.parts) {
    switch (part.source) {
      case Source::Text:
        for (size_t at = 0; at < part.text.size(); ++at) {
          if (part.text.compare(at, 2, "${") == 0) text += '$';
          text += part.text[at];
        }
        continue;
      case Source::Path: text += "${path."; break;
      case Source::Query: text += "${query."; break;
      case Source::Header: text += "${header."; break;
      case Source::Claim: text += "${claims."; break;
      case Source::RequestId:
      case Source::Method:
      case Source::RequestPath:
      case Source::ErrorMessage:
      case Source::ErrorStatus: text += "${context."; break;
    }
    text += part.text + "}";
  }
  return text;
}

}  // namespace

Gateway::Gateway(model::Config config, std::shared_ptr<const Contracts> contracts)
    : config_(std::move(config)), contracts_(std::move(contracts)) {
  for (size_t i = 0; i < config_.routes.size(); ++i) {
    const auto& r = config_.routes[i];
    for (const auto& m : r.methods) {
      int existing = router_.add(r.path, m, static_cast<int>(i));
      if (existing >= 0)  // only when configs are merged: each config's loader refuses its own duplicates
        warnings_.push_back(m + " " + r.path.text + " (route '" + r.id + "' of " + r.file + ") is also route '" +
                            config_.routes[static_cast<size_t>(existing)].id + "' of " +
                            config_.routes[static_cast<size_t>(existing)].file + ", which keeps it");
    }
  }
  // Spec-linked routes also answer under the path of their spec's first server URL, as clients configured with the
  // full server URL call them; the config's own routes win any collision.
  std::vector<std::string> also_at(config_.routes.size());
  for (size_t i = 0; i < config_.routes.size(); ++i) {
    const auto& r = config_.routes[i];
    const Contract* c = contract(i);
    if (!c || c->base_path().empty() || r.path.text.rfind(c->base_path() + "/", 0) == 0) continue;
    auto alias = router::parse_template(c->base_path() + (r.path.text == "/" ? "" : r.path.text), nullptr);
    if (!alias) continue;
    for (const auto& m : r.methods) {
      int existing = router_.add(*alias, m, static_cast<int>(i));
      if (existing >= 0 && existing != static_cast<int>(i))
        warnings_.push_back(m + " " + alias->text + " (route '" + r.id + "' under the server path " + c->base_path() +
                            ") collides with route '" + config_.routes[static_cast<size_t>(existing)].id +
                            "', which keeps it");
      else
        also_at[i] = alias->text;
    }
  }
  nlohmann::ordered_json routes = nlohmann::ordered_json::array();
  for (size_t i = 0; i < config_.routes.size(); ++i) {
    const auto& r = config_.routes[i];
    nlohmann::ordered_json item = {{"id", r.id}, {"methods", r.methods}, {"path", r.path.text}};
    if (!also_at[i].empty()) item["also_at"] = also_at[i];
    if (!r.operation.empty()) item["operation"] = r.operation;
    if (!r.auth_from.empty()) {
      nlohmann::ordered_json reqs = nlohmann::ordered_json::array();
      for (const auto& alternative : r.auth) {
        nlohmann::ordered_json names = nlohmann::ordered_json::array();
        for (const auto& [scheme, scopes] : alternative) names.push_back(scheme);
        reqs.push_back(std::move(names));
      }
      item["auth"] = {{"from", r.auth_from}, {"requirements", std::move(reqs)}};
    }
    if (r.rate_limit) {
      static const char* const k_per[] = {"key", "ip", "route", "global"};
      item["rate_limit"] = {{"from", r.rate_limit->from}, {"per", k_per[static_cast<int>(r.rate_limit->per)]}};
    }
    if (r.transform) item["transform"] = {{"from", r.transform->from}};
    if (r.cors) item["cors"] = {{"from", r.cors->from}};
    if (r.cache)
      item["cache"] = {{"from", r.cache->from}, {"ttl_seconds", std::chrono::duration_cast<std::chrono::seconds>(r.cache->ttl).count()}};
    if (r.mock) item["mock"] = {{"status", r.mock->status}};
    if (r.proxy) item["proxy"] = {{"backend", r.proxy->backend}};
    else if (!r.state.empty()) item["state"] = r.state;
    else if (!r.mock && contract(i)) item["mock"] = "openapi";
    routes.push_back(std::move(item));
  }
  routes_json_ = nlohmann::ordered_json({{"name", config_.name}, {"routes", routes}}).dump(2) + "\n";

  static const char* const k_validate[] = {"request", "response", "both", "off"};
  nlohmann::ordered_json backends = nlohmann::ordered_json::object();
  for (const auto& b : config_.backends) {
    if (b.lambda) {
      nlohmann::ordered_json fn = {{"payload_format", b.lambda->format == model::Lambda::Format::V1 ? "1.0" : "2.0"},
                                   {"timeout", util::format_duration(b.lambda->timeout)}};
      if (b.lambda->url) fn["url"] = b.lambda->url_text;
      else fn["command"] = b.lambda->command;
      backends[b.name] = {{"lambda", std::move(fn)}, {"timeout", util::format_duration(b.timeout)}};
      continue;
    }
    backends[b.name] = {{"urls", b.urls_text},
                        {"timeout", util::format_duration(b.timeout)},
                        {"retries", b.retries},
                        {"unhealthy_for", util::format_duration(b.unhealthy_for)},
                        {"tls_verify", b.tls_verify}};
  }
  nlohmann::ordered_json auth = nlohmann::ordered_json::object();
  static const char* const k_auth[] = {"api_key", "basic", "bearer", "jwt"};
  for (const auto& a : config_.auth) {
    nlohmann::ordered_json item = {{"type", k_auth[static_cast<int>(a.type)]}};
    if (a.type == model::AuthScheme::Type::ApiKey) {
      item["in"] = a.in;
      item["name"] = a.param_name;
      nlohmann::ordered_json keys = nlohmann::ordered_json::array();  // names and plans; values never
      if (a.credentials)
        for (const auto& k : a.credentials->keys) {
          nlohmann::ordered_json key = {{"name", k.name}};
          if (!k.plan.empty()) key["plan"] = k.plan;
          keys.push_back(std::move(key));
        }
      item["keys"] = std::move(keys);
    }
    if (a.type == model::AuthScheme::Type::Basic) {
      nlohmann::ordered_json users = nlohmann::ordered_json::array();  // names; passwords and hashes never
      if (a.credentials)
        for (const auto& u : a.credentials->users) users.push_back(u.name);
      item["users"] = std::move(users);
    }
    if (a.type == model::AuthScheme::Type::Jwt) {
      item["secret"] = a.secret.empty() ? "none" : "set (not shown)";
      if (a.credentials) {
        nlohmann::ordered_json keys = nlohmann::ordered_json::array();
        for (const auto& k : a.credentials->jwt_keys.keys()) {
          if (k.kty == "oct") continue;
          nlohmann::ordered_json key = {{"kty", k.kty}};
          if (!k.kid.empty()) key["kid"] = k.kid;
          if (!k.crv.empty()) key["crv"] = k.crv;
          if (k.kty == "RSA") key["bits"] = k.bits;
          keys.push_back(std::move(key));
        }
        item["keys"] = std::move(keys);
        item["algorithms"] = a.credentials->verify.algorithms.empty() ? a.credentials->jwt_keys.algorithms()
                                                                      : a.credentials->verify.algorithms;
        if (!a.credentials->forward_claims.empty()) {
          nlohmann::ordered_json fwd = nlohmann::ordered_json::object();
          for (const auto& [claim, header] : a.credentials->forward_claims) fwd[claim] = header;
          item["forward_claims"] = std::move(fwd);
        }
      }
      if (!a.issuer.empty()) item["issuer"] = a.issuer;
      if (!a.audiences.empty()) item["audiences"] = a.audiences;
      item["leeway"] = util::format_duration(a.leeway);
    }
    if (!a.files.empty()) item["files"] = a.files;
    auth[a.name] = std::move(item);
  }
  static const char* const k_periods[] = {"day", "week", "month"};
  auto throttle_json = [](const model::Throttle& t) { return nlohmann::ordered_json{{"rate", t.rate}, {"burst", t.burst}}; };
  nlohmann::ordered_json plans = nlohmann::ordered_json::object();
  for (const auto& p : config_.usage_plans) {
    nlohmann::ordered_json item = nlohmann::ordered_json::object();
    if (p.throttle) item["throttle"] = throttle_json(*p.throttle);
    if (p.quota)
      item["quota"] = {{"limit", p.quota->limit},
                       {"period", k_periods[static_cast<int>(p.quota->period)]},
                       {"offset", p.quota->offset}};
    for (const auto& [route, t] : p.route_throttle) item["routes"][route] = throttle_json(t);
    plans[p.name] = std::move(item);
  }
  nlohmann::ordered_json gateway_responses = nlohmann::ordered_json::object();
  for (const auto& g : config_.gateway_responses) {
    nlohmann::ordered_json item = nlohmann::ordered_json::object();
    if (g.status) item["status"] = *g.status;
    for (const auto& h : g.headers) item["headers"][h.name] = template_text(h.value);
    // A body written as a YAML value was kept as JSON text, its placeholders inside strings: it parses back.
    if (g.body)
      item["body"] = g.json_body ? nlohmann::ordered_json::parse(template_text(*g.body))
                                 : nlohmann::ordered_json(template_text(*g.body));
    gateway_responses[g.type] = std::move(item);
  }
  nlohmann::ordered_json stages = nlohmann::ordered_json::object();
  for (const auto& st : config_.stages) {
    nlohmann::ordered_json variables = nlohmann::ordered_json::object();
    for (const auto& [name, value] : st.variables) variables[name] = value;
    stages[st.name] = {{"description", st.description}, {"variables", std::move(variables)}};
  }
  nlohmann::ordered_json effective = {
      {"apigw", config_.version},
      {"name", config_.name},
      {"file", config_.file},
      {"stage", config_.stage.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(config_.stage)},
      {"stage_prefix", config_.stage_prefix ? "/" + config_.stage : ""},
      {"stages", std::move(stages)},
      {"openapi", config_.openapi},
      {"validate", k_validate[static_cast<int>(config_.validate)]},
      {"listen", config_.listen_host + ":" + std::to_string(config_.listen_port)},
      {"limits",
       {{"max_body_size", config_.limits.max_body_size},
        {"read_timeout", util::format_duration(config_.limits.read_timeout)},
        {"write_timeout", util::format_duration(config_.limits.write_timeout)},
        {"keep_alive_timeout", util::format_duration(config_.limits.keep_alive_timeout)},
        {"header_timeout", util::format_duration(config_.limits.header_timeout)},
        {"max_request_line", config_.limits.max_request_line},
        {"max_header_size", config_.limits.max_header_size},
        {"max_connections", config_.limits.max_connections}}},
      {"backends", backends},
      {"auth", auth},
      {"usage_plans", plans},
      {"gateway_responses", std::move(gateway_responses)},
      {"routes", routes}};
  config_json_ = effective.dump(2) + "\n";
  credential_params_ = policy::credential_query_params(config_);
}

std::optional<std::string_view> Gateway::route_path(std::string_view request_path) const {
  if (!config_.stage_prefix) return request_path;
  std::string_view prefix = request_path.substr(0, config_.stage.size() + 1);
  if (request_path.size() <= config_.stage.size() || request_path[0] != '/' || prefix.substr(1) != config_.stage)
    return std::nullopt;
  std::string_view rest = request_path.substr(config_.stage.size() + 1);
  if (rest.empty()) return "/";
  if (rest[0] != '/') return std::nullopt;
  return rest;
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
  if (r.fault) line += std::string(",\"fault\":\"") + r.fault + "\"";
  if (!r.query.empty()) {
    line += ",\"query\":\"";
    util::append_json_escaped(line, r.query);
    line += '"';
  }
  if (!r.principal.empty()) {
    line += ",\"principal\":\"";
    util::append_json_escaped(line, r.principal);
    line += '"';
  }
  if (r.limited) line += std::string(",\"limited\":\"") + r.limited + "\"";
  if (r.cache) line += std::string(",\"cache\":\"") + r.cache + "\"";
  if (!r.stage.empty()) {
    line += ",\"stage\":\"";
    util::append_json_escaped(line, r.stage);
    line += '"';
  }
  if (r.error) line += std::string(",\"error\":\"") + r.error + "\"";
  if (!r.warnings.empty()) {
    line += ",\"warnings\":\"";
    util::append_json_escaped(line, r.warnings);
    line += '"';
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

std::string clock_json() {
  const policy::Clock& clock = policy::gateway_clock();
  nlohmann::ordered_json j = {{"now", policy::format_timestamp(clock.now())},
                      {"mode", clock.mode() == policy::Clock::Mode::Frozen ? "frozen" : "system"}};
  return j.dump() + "\n";
}

// POST /__apigw/clock {"advance": "1d"} or {"set": "2026-01-01T00:00:00Z"}; answers the clock as GET does.
void move_clock(const httplib::Request& req, httplib::Response& res) {
  auto body = nlohmann::json::parse(req.body, nullptr, false);
  const char* expected = "expected {\"advance\": \"1d\"} (a duration: ms, s, m, h, d) or {\"set\": \"2026-01-01T00:00:00Z\"}";
  if (!body.is_object() || body.size() != 1 || !(body.contains("advance") || body.contains("set")) ||
      !body.begin()->is_string()) {
    set_problem(res, 400, "Bad Request", expected);
    return;
  }
  std::string value = body.begin()->get<std::string>();
  if (body.contains("advance")) {
    std::string error;
    auto by = util::parse_duration(value, &error);
    if (!by) {
      set_problem(res, 400, "Bad Request", "advance: invalid duration '" + value + "': " + error);
      return;
    }
    policy::gateway_clock().advance(*by);
  } else {
    auto to = policy::parse_timestamp(value);
    if (!to) {
      set_problem(res, 400, "Bad Request", "set: invalid timestamp '" + value + "' (RFC 3339: 2026-01-01T00:00:00Z)");
      return;
    }
    policy::gateway_clock().set(*to);
  }
  res.status = 200;
  res.set_content(clock_json(), "application/json");
}

void admin(const Gateway& gw, std::string_view what, const httplib::Request& req, httplib::Response& res) {
  if (what == "clock" && req.method == "POST") {
    move_clock(req, res);
  } else if (what == "state" && req.method == "DELETE") {
    clear_state();
    res.status = 204;
  } else if (what == "cache" && req.method == "DELETE") {
    policy::cache_clear();
    res.status = 204;
  } else if (what == "cache") {
    set_problem(res, 405, "Method Not Allowed", "DELETE /__apigw/cache empties every route's response cache");
    res.set_header("Allow", "DELETE");
  } else if (req.method != "GET" && req.method != "HEAD") {
    set_problem(res, 405, "Method Not Allowed",
                "the admin API answers GET (and DELETE on state and cache, POST on clock)");
    res.set_header("Allow", what == "clock" ? "GET, HEAD, POST" : what == "state" ? "GET, HEAD, DELETE" : "GET, HEAD");
  } else if (what == "health") {
    res.status = 200;
    res.set_content("{\"status\":\"ok\",\"routes\":" + std::to_string(gw.config().routes.size()) + "}", "application/json");
  } else if (what == "routes") {
    res.status = 200;
    res.set_content(gw.routes_json(), "application/json");
  } else if (what == "state") {
    res.status = 200;
    res.set_content(state_json(), "application/json");
  } else if (what == "config") {
    res.status = 200;
    res.set_content(gw.config_json(), "application/json");
  } else if (what == "clock") {
    res.status = 200;
    res.set_content(clock_json(), "application/json");
  } else {
    set_problem(res, 404, "Not Found",
                "no admin endpoint '" + std::string(what) + "' (try health, routes, config, state, clock, metrics or journal)");
  }
}

}  // namespace

namespace {

double unit_random() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0, 1)(rng);
}

void wait(model::Duration d) {
  if (d.count() > 0) std::this_thread::sleep_for(d);
}

}  // namespace

void handle_request(const Gateway& gw, const httplib::Request& req, httplib::Response& res, AccessRecord& record) {
  std::string_view raw_path = req.target;
  if (auto q = raw_path.find('?'); q != std::string_view::npos) {
    // Credentials in the query (api keys, access_token) never reach the log or the journal.
    record.query = policy::redact_query(raw_path.substr(q + 1), gw.credential_params());
    raw_path = raw_path.substr(0, q);
  }
  record.method = req.method;
  record.path = std::string(raw_path);
  record.request_bytes = req.body.size();
  record.stage = gw.config().stage;

  if (raw_path.substr(0, k_admin_prefix.size()) == k_admin_prefix) {
    admin(gw, raw_path.substr(k_admin_prefix.size()), req, res);
    record.route = "__apigw";
    record.status = res.status;
    record.response_bytes = res.body.size();
    return;
  }

  std::optional<std::string_view> staged = gw.route_path(raw_path);
  if (!staged) {
    set_problem(res, 404, "Not Found",
                "no route matches " + req.method + " " + std::string(raw_path) + ": this gateway serves stage '" +
                    gw.config().stage + "' under /" + gw.config().stage);
    record.error = "RESOURCE_NOT_FOUND";
    policy::TemplateContext context{req, raw_path};
    policy::apply_gateway_response(gw.config(), record.error, context, res);
    record.status = res.status;
    record.response_bytes = res.body.size();
    return;
  }
  raw_path = *staged;

  // CORS comes first: a preflight is answered for the route that serves the method it asks about.
  if (policy::is_preflight(req)) {
    auto target = gw.router().match(req.get_header_value("Access-Control-Request-Method"), raw_path);
    if (target.status == router::RouteMatch::Status::Found) {
      const model::Route& route = gw.config().routes[static_cast<size_t>(target.route)];
      if (route.cors) {
        record.route = route.id;
        std::string refused = policy::answer_preflight(route, req, res);
        if (!refused.empty()) set_problem(res, 403, "Forbidden", refused);
        record.status = res.status;
        record.response_bytes = res.body.size();
        return;
      }
    }
  }

  auto match = gw.router().match(req.method, raw_path);
  using Status = router::RouteMatch::Status;
  // Outlives the route's block: gateway responses may read the claims the auth policy accepted.
  policy::AuthOutcome auth;
  policy::TemplateContext context{req, raw_path};
  if (router::has_dot_segment(raw_path)) {
    set_problem(res, 400, "Bad Request",
                "the path " + std::string(raw_path) + " has a '.' or '..' segment; the gateway does not resolve them "
                "(send the path they stand for)");
    record.error = "DEFAULT_4XX";
  } else if (match.status == Status::NotFound) {
    set_problem(res, 404, "Not Found", "no route matches " + req.method + " " + std::string(raw_path));
    record.error = "RESOURCE_NOT_FOUND";
  } else if (match.status == Status::MethodNotAllowed) {
    set_problem(res, 405, "Method Not Allowed",
                std::string(raw_path) + " does not accept " + req.method + " (it accepts " + match.allow + ")");
    res.set_header("Allow", match.allow);
    record.error = "METHOD_NOT_ALLOWED";
  } else {
    const model::Route& route = gw.config().routes[static_cast<size_t>(match.route)];
    const Contract* contract = gw.contract(static_cast<size_t>(match.route));
    model::Validate validate = route.validate.value_or(gw.config().validate);
    record.route = route.id;
    auto now = policy::gateway_clock().now();
    auth = policy::authorize(gw.config(), route, req, now);
    for (const auto& who : auth.principals) {
      if (!who.id.empty()) record.principal += (record.principal.empty() ? "" : ",") + who.id;
      if (!context.claims && who.claims.is_object()) context.claims = &who.claims;
    }
    context.params = &match.params;
    // Rate limits and quotas count only callers the auth policy let in: the key (and its plan) is known by now.
    policy::LimitVerdict limit;
    if (auth.ok) {
      std::string caller, plan;
      for (const auto& who : auth.principals) {
        if (caller.empty()) caller = who.id;
        if (plan.empty() && !who.plan.empty()) {
          caller = who.id;
          plan = who.plan;
        }
      }
      auto limits = policy::limits_for(gw.config(), route, caller, plan, req.remote_addr);
      if (!limits.empty()) limit = policy::limit_store().take(limits, now);
      if (limit.limit > 0) {  // draft-ietf-httpapi-ratelimit-headers, on every answer of a limited route
        res.set_header("RateLimit-Limit", std::to_string(limit.limit));
        res.set_header("RateLimit-Remaining", std::to_string(limit.remaining));
        res.set_header("RateLimit-Reset", std::to_string(limit.reset_seconds));
      }
    }
    bool admitted = auth.ok && limit.allowed;
    // Claims the authorizer forwards replace whatever the client sent under those header names.
    std::optional<httplib::Request> with_claims;
    if (admitted && route.proxy && !auth.strip_headers.empty()) {
      with_claims = req;
      for (const auto& name : auth.strip_headers) with_claims->headers.erase(name);
      for (const auto& [name, value] : auth.forward_headers) with_claims->headers.emplace(name, value);
    }
    // The request transform edits what the terminal gets; its templates read the request as the client sent it.
    if (admitted && route.transform) {
      if (!with_claims) with_claims = req;
      policy::transform_request(*route.transform, context, *with_claims);
    }
    const httplib::Request& upstream_request = with_claims ? *with_claims : req;
    RequestVerdict verdict;
    if (admitted && contract && model::validates_requests(validate)) verdict = contract->check_request(req, match.params);
    record.violations = verdict.violations.size();
    if (record.violations) record.violation_detail = violations_header(verdict.violations);
    Chaos chaos = read_chaos(req);
    if (!chaos.fault && !route.fault.empty() && (route.fault_rate >= 1 || unit_random() < route.fault_rate))
      chaos.fault = parse_fault(route.fault);
    if (admitted && chaos.error.empty()) {
      wait(route.delay + std::chrono::milliseconds(chaos.delay_ms));
      if (chaos.fault && inject_fault(*chaos.fault, req)) {
        record.fault = fault_name(*chaos.fault);
        record.status = 0;  // nothing (or nothing valid) was answered
        return;
      }
    }
    // The response cache, after validation: an admitted, valid GET or HEAD on a route with `cache`.
    std::string cache_key;
    std::optional<policy::CachedAnswer> cached;
    if (route.cache && admitted && chaos.error.empty() && !verdict.status) {
      cache_key = policy::cache_key(*route.cache, req, raw_path);
      if (!cache_key.empty() && !policy::cache_refresh(*route.cache, req, !route.auth.empty()))
        cached = policy::cache_lookup(route.id, cache_key, now);
    }
    if (!auth.ok) {
      set_problem(res, auth.status, auth.status == 403 ? "Forbidden" : "Unauthorized", auth.detail);
      for (const auto& challenge : auth.challenges)
        if (!challenge.empty()) res.headers.emplace("WWW-Authenticate", challenge);
      record.error = auth.status == 403 ? "ACCESS_DENIED" : "UNAUTHORIZED";
    } else if (!limit.allowed) {
      set_problem(res, 429, "Too Many Requests", limit.detail);
      res.set_header("Retry-After", std::to_string(limit.retry_after));
      record.limited = limit.reason;
      record.error = std::string_view(limit.reason) == "quota" ? "QUOTA_EXCEEDED" : "THROTTLED";
    } else if (!chaos.error.empty()) {
      set_problem(res, 422, "Unprocessable Entity", "bad Prefer or __ parameter: " + chaos.error);
      record.error = "DEFAULT_4XX";
    } else if (verdict.status) {
      if (route.mock || route.proxy || !route.state.empty())
        set_violations_problem(res, verdict, mismatch_detail("the request", route.operation, verdict.violations.size()));
      else
        contract->respond(req, res, &verdict);
      bool body_broken = std::any_of(verdict.violations.begin(), verdict.violations.end(),
                                     [](const Violation& v) { return v.location == "body"; });
      record.error = verdict.status == 415 || body_broken ? "BAD_REQUEST_BODY" : "BAD_REQUEST_PARAMETERS";
    } else if (cached) {
      res.status = cached->status;
      for (const auto& [name, value] : cached->headers) res.headers.emplace(name, value);
      res.body = std::move(cached->body);
      auto age = std::chrono::duration_cast<std::chrono::seconds>(now - cached->stored).count();
      res.set_header("Age", std::to_string(std::max<long long>(0, age)));
      res.set_header("X-Cache", "HIT");
      record.cache = "hit";
    } else if (route.mock) {
      const auto& mock = *route.mock;
      if (mock.delay.count() > 0) std::this_thread::sleep_for(mock.delay);
      res.status = mock.status;
      for (const auto& [k, v] : mock.headers) res.headers.emplace(k, v);
      res.body = mock.body;
    } else if (route.proxy || !route.state.empty()) {
      const model::Backend* backend = route.proxy ? gw.config().find_backend(route.proxy->backend) : nullptr;
      if (backend && backend->lambda) {
        const nlohmann::json* claims = nullptr;
        for (const auto& who : auth.principals)
          if (!claims && who.claims.is_object()) claims = &who.claims;
        invoke_lambda(gw, route, *backend, match.params, raw_path, upstream_request, claims, res, record);
      } else if (route.proxy) {
        proxy(gw, route, match.params, raw_path, upstream_request, res, record);
      } else {
        answer_stateful(route, match.params, raw_path, upstream_request, res);
      }
      if (contract && model::validates_responses(validate) && res.status < 500) {
        auto found = contract->check_response(res.status, res.get_header_value("Content-Type"), res.body);
        record.violations += found.size();
        if (!found.empty()) {
          record.violation_detail = violations_header(found);
          if (gw.config().fail_on_violations) {  // Prism's --errors: a response that breaks the contract fails
            res.headers.clear();
            RequestVerdict failed{502, std::move(found)};
            set_violations_problem(res, failed,
                                   mismatch_detail(route.proxy ? "the upstream's response" : "the stored item", route.operation, failed.violations.size()));
            record.error = "DEFAULT_5XX";
          } else {
            res.set_header("x-apigw-violations", record.violation_detail);
          }
        }
      }
    } else if (contract) {
      contract->respond(upstream_request, res);
    }
    if (!cache_key.empty() && !cached) {
      policy::cache_store(*route.cache, route.id, cache_key, req.method, res, now);
      res.set_header("X-Cache", "MISS");
      record.cache = "miss";
    }
    // After the cache: a stored answer is the terminal's own, transformed for each caller (claims, request ids).
    if (route.transform && !record.error && admitted) policy::transform_response(*route.transform, context, res);
  }
  if (record.error) policy::apply_gateway_response(gw.config(), record.error, context, res);
  // CORS headers go on every answer of a route with a policy, customised errors included.
  if (match.status == Status::Found) {
    const model::Route& route = gw.config().routes[static_cast<size_t>(match.route)];
    if (route.cors) policy::add_cors_headers(*route.cors, req, res);
  }
  record.warnings = std::move(context.warnings);
  record.status = res.status;
  record.response_bytes = res.body.size();
}

}  // namespace apigw::server
