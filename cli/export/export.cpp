// apigw export: one builder per target over the same loaded config. Each builder reports what it drops or
// approximates through note(); docs/export.md lists the same per target.
#include "cli/export/export.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/import/importer.hpp"
#include "emulator/openapi/model.hpp"
#include "emulator/openapi/spec.hpp"
#include "emulator/policy/credentials.hpp"
#include "emulator/util/text.hpp"

namespace apigw::exporter {
namespace {

using json = nlohmann::ordered_json;
using model::AuthScheme;
using model::Config;
using model::Route;
using router::Segment;
using util::xml_escape;

int64_t millis(model::Duration d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); }

// "https://host[:port]" with the port only when it is not the scheme's default.
std::string origin(const model::Url& u) {
  std::string host = u.host.find(':') != std::string::npos ? "[" + u.host + "]" : u.host;
  bool default_port = (u.scheme == "http" && u.port == 80) || (u.scheme == "https" && u.port == 443);
  return u.scheme + "://" + host + (default_port ? "" : ":" + std::to_string(u.port));
}

// The template with greedy {name+} written {name} (how integrations name the captured value).
std::string plain_params(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+' && i + 1 < text.size() && text[i + 1] == '}') continue;
    out += text[i];
  }
  return out;
}

std::string status_reason(int status) {
  static const std::map<int, std::string> reasons = {
      {200, "OK"}, {201, "Created"}, {202, "Accepted"}, {204, "No Content"}, {301, "Moved Permanently"},
      {302, "Found"}, {304, "Not Modified"}, {400, "Bad Request"}, {401, "Unauthorized"}, {403, "Forbidden"},
      {404, "Not Found"}, {405, "Method Not Allowed"}, {409, "Conflict"}, {422, "Unprocessable Entity"},
      {429, "Too Many Requests"}, {500, "Internal Server Error"}, {501, "Not Implemented"}, {502, "Bad Gateway"},
      {503, "Service Unavailable"}, {504, "Gateway Timeout"}};
  auto it = reasons.find(status);
  return it == reasons.end() ? "Response " + std::to_string(status) : it->second;
}

std::string lower(std::string s) { return util::to_lower(s); }

// The deployed function a lambda backend stands for: its ARN as written, else one built from the name (`function`,
// else the backend's) with REGION and ACCOUNT_ID for the user to fill in. `region` is the ARN's, or "REGION".
struct LambdaFunction {
  std::string arn;
  std::string region;
  bool placeholders = false;
};

LambdaFunction lambda_function(const model::Backend& b) {
  const std::string& written = b.lambda->function.empty() ? b.name : b.lambda->function;
  LambdaFunction f;
  if (written.rfind("arn:", 0) == 0) {  // arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]
    f.arn = written;
    size_t start = 0;
    for (int field = 0; field < 3 && start != std::string::npos; ++field) {
      start = written.find(':', start);
      if (start != std::string::npos) ++start;
    }
    size_t end = start == std::string::npos ? start : written.find(':', start);
    f.region = end == std::string::npos ? "" : written.substr(start, end - start);
  }
  if (f.region.empty()) {
    f.arn = "arn:aws:lambda:REGION:ACCOUNT_ID:function:" + written;
    f.region = "REGION";
    f.placeholders = true;
  }
  return f;
}

std::string join(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

class Exporter {
 public:
  Exporter(const Config& cfg, std::string target) : cfg_(cfg), target_(std::move(target)) { load_spec(); }

  Result run() {
    common_notes();
    if (target_ == "aws-rest") aws(false);
    else if (target_ == "aws-http") aws(true);
    else if (target_ == "gcp") gcp();
    else if (target_ == "oci") oci();
    else if (target_ == "kong") kong();
    else if (target_ == "azure") azure();
    return std::move(result_);
  }

 private:
  const Config& cfg_;
  std::string target_;
  Result result_;
  std::shared_ptr<openapi::Spec> spec_;
  openapi::Model model_;
  std::set<std::string> noted_;

  // ---- findings -------------------------------------------------------------------------------------------------

  void note(const std::string& rule, const std::string& file, doc::Mark mark, const std::string& path,
            const std::string& message) {
    std::string m = target_ + ": " + message;
    if (!noted_.insert(path + "\n" + m).second) return;
    result_.findings.push_back({diag::Severity::Warn, rule, file.empty() ? cfg_.file : file, mark, path, m});
  }
  void unsupported(const Route& r, const std::string& what, const std::string& message) {
    note("export-unsupported", r.file, r.mark, r.key_path + (what.empty() ? "" : "." + what), message);
  }
  void approximated(const Route& r, const std::string& what, const std::string& message) {
    note("export-approximated", r.file, r.mark, r.key_path + (what.empty() ? "" : "." + what), message);
  }
  void auth_note(const std::string& rule, const AuthScheme& a, const std::string& message) {
    note(rule, cfg_.file, a.mark, "auth." + a.name, "auth scheme '" + a.name + "': " + message);
  }

  // ---- CORS, rate limits, usage plans and the response cache: shared pieces ---------------------------------------

  // Where a route's policy is written (it may be inherited): "routes[3].cors", "groups.web.cors", "policies.cors".
  static std::string policy_path(const Route& r, const std::string& from, const std::string& key) {
    if (from.rfind("group ", 0) == 0) return "groups." + from.substr(6) + "." + key;
    if (from == "policies") return "policies." + key;
    return r.key_path + "." + key;
  }
  void cors_note(const std::string& rule, const Route& r, const std::string& message) {
    note(rule, r.file, r.cors->mark, policy_path(r, r.cors->from, "cors"), "CORS: " + message);
  }
  void limit_note(const std::string& rule, const Route& r, const std::string& message) {
    note(rule, r.file, r.mark, policy_path(r, r.rate_limit->from, "rate_limit"),
         "rate limit (per " + per_name(r.rate_limit->per) + ", from " + r.rate_limit->from + "): " + message);
  }
  void cache_note(const std::string& rule, const Route& r, const std::string& message) {
    note(rule, r.file, r.cache->mark, policy_path(r, r.cache->from, "cache"), "response cache of route '" + r.id + "': " + message);
  }
  void plan_note(const std::string& rule, const model::UsagePlan& p, const std::string& message) {
    note(rule, cfg_.file, p.mark, "usage_plans." + p.name, "usage plan '" + p.name + "': " + message);
  }

  static std::string per_name(model::RateLimit::Per per) {
    switch (per) {
      case model::RateLimit::Per::Key: return "key";
      case model::RateLimit::Per::Ip: return "ip";
      case model::RateLimit::Per::Route: return "route";
      case model::RateLimit::Per::Global: return "global";
    }
    return "route";
  }
  static std::string period_name(model::Quota::Period p) {
    return p == model::Quota::Period::Day ? "day" : p == model::Quota::Period::Week ? "week" : "month";
  }
  static int64_t seconds_of(model::Duration d) { return std::chrono::duration_cast<std::chrono::seconds>(d).count(); }
  static std::string number(double value) {
    std::ostringstream out;
    out << value;
    return out.str();
  }
  static std::string describe(const model::Throttle& t) {
    return number(t.rate) + " per second, bursts of " + std::to_string(t.burst);
  }
  static std::string describe(const model::Quota& q) {
    return std::to_string(q.limit) + " requests per " + period_name(q.period);
  }
  // "https://*.example.com": any subdomain, which targets that compare origins exactly cannot say.
  static bool wildcard_subdomain(const std::string& origin) { return origin != "*" && origin.find('*') != std::string::npos; }

  // The methods a preflight may ask for: the policy's, else those of the routes it applies to (ANY: every method).
  static std::vector<std::string> cors_methods(const model::CorsPolicy& c, const std::vector<const Route*>& routes) {
    if (!c.methods.empty()) return c.methods;
    std::vector<std::string> out;
    auto add = [&](const std::string& m) {
      if (std::find(out.begin(), out.end(), m) == out.end()) out.push_back(m);
    };
    for (const Route* r : routes)
      for (const auto& m : r->methods)
        if (m == "ANY")
          for (const char* each : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"}) add(each);
        else add(m);
    return out;
  }

  static bool same_cors(const model::CorsPolicy& a, const model::CorsPolicy& b) {
    return a.origins == b.origins && a.methods == b.methods && a.headers == b.headers &&
           a.expose_headers == b.expose_headers && a.credentials == b.credentials && a.max_age == b.max_age;
  }

  // For targets that set CORS once for the whole API: the first route's policy, with a finding for each route it
  // does not fit. `methods` gets what the preflight allows for every route under it.
  const model::CorsPolicy* api_cors(std::vector<std::string>& methods) {
    const model::CorsPolicy* api = nullptr;
    for (const auto& r : cfg_.routes)
      if (r.cors) {
        api = r.cors.get();
        break;
      }
    if (!api) return nullptr;
    std::vector<const Route*> routes;
    for (const auto& r : cfg_.routes) {
      routes.push_back(&r);
      if (!r.cors)
        approximated(r, "cors",
                     target_ + " sets CORS once for the whole API: route '" + r.id + "' has none but gets the API's (from " +
                         api->from + ")");
      else if (!same_cors(*r.cors, *api))
        cors_note("export-approximated", r,
                  target_ + " sets CORS once for the whole API: route '" + r.id + "' gets the policy from " + api->from +
                      " in place of its own");
    }
    methods = cors_methods(*api, routes);
    return api;
  }

  // What no target expresses: emulator-only behaviour.
  void common_notes() {
    for (const auto& r : cfg_.routes) {
      if (r.delay.count() > 0 || (r.mock && r.mock->delay.count() > 0))
        unsupported(r, "delay", "the route's delay is an emulator feature; not exported");
      if (!r.fault.empty()) unsupported(r, "fault", "fault '" + r.fault + "' is an emulator feature; not exported");
      if (!r.state.empty())
        approximated(r, "state",
                     "stateful mock '" + r.state + "' has no managed-gateway equivalent; exported as a mock that answers "
                     "501 (point the route at a real backend)");
      if (r.validate && validates_responses(*r.validate))
        unsupported(r, "validate", "response validation is not enforced by managed gateways; not exported");
      for (const auto& alt : r.auth_claims)
        for (const auto& rules : alt)
          if (!rules.empty()) {
            unsupported(r, "auth", "claim requirements besides scopes are not exported; enforce them in the backend");
            break;
          }
    }
    std::set<const model::TransformPolicy*> transform_noted;  // one note per policy, where it is written
    for (const auto& r : cfg_.routes)
      if (r.transform && transform_noted.insert(r.transform.get()).second)
        note("export-unsupported", r.file, r.transform->mark,
             policy_path(r, r.transform->from, "transform"),
             "transform (from " + r.transform->from + ") is not exported; set the target's mapping yourself (AWS REST: "
             "integration requestParameters and mapping templates; Azure: set-header, set-query-parameter, set-body; "
             "Kong: request-transformer and response-transformer)");
    if (target_ != "aws-rest")
      for (const auto& g : cfg_.gateway_responses)
        note("export-unsupported", cfg_.file, g.mark, "gateway_responses." + g.type,
             "gateway response " + g.type + " is not exported: " + target_ + " has no per-error-type answers of its own "
             "(aws-rest does)");
    if (!cfg_.stages.empty() && target_ != "aws-rest" && target_ != "aws-http")
      note("export-approximated", cfg_.file, cfg_.stages.front().mark, "stages",
           target_ + " has no stage variables; the URLs and mocks carry the values of stage '" + cfg_.stage + "'");
    if (validates_responses(cfg_.validate))
      note("export-unsupported", cfg_.file, {1, 1}, "validate",
           target_ + " does not validate responses; `validate: " +
               std::string(cfg_.validate == model::Validate::Both ? "both" : "response") + "` is exported as requests only");
    for (const auto& b : cfg_.backends) {
      if (b.lambda && target_ != "aws-rest" && target_ != "aws-http" && target_ != "kong")
        note("export-unsupported", cfg_.file, b.mark, "backends." + b.name + ".lambda",
             "backend '" + b.name + "' is a Lambda function, which " + target_ +
                 " cannot invoke: its routes point nowhere; put an HTTP endpoint in front of the function");
      else if (b.lambda && lambda_function(b).placeholders)
        note("export-approximated", cfg_.file, b.lambda->function.empty() ? b.mark : b.lambda->function_mark,
             "backends." + b.name + ".lambda.function",
             "backend '" + b.name + "': the function is known by name only; replace REGION and ACCOUNT_ID in its ARN "
             "(or write the ARN in lambda.function)");
      if (b.urls.size() > 1)
        note("export-approximated", cfg_.file, b.mark, "backends." + b.name + ".urls",
             "backend '" + b.name + "' has " + std::to_string(b.urls.size()) +
                 " targets; the export sends everything to the first (" + origin(b.url) + b.url.base_path + ")" +
                 (target_ == "kong" ? "" : "; put a load balancer in front of them"));
      if (b.retries != 1 && target_ != "kong")
        note("export-unsupported", cfg_.file, b.mark, "backends." + b.name + ".retries",
             "backend '" + b.name + "': retries are not configurable; not exported");
    }
  }

  // ---- the linked OpenAPI document -------------------------------------------------------------------------------

  void load_spec() {
    if (cfg_.openapi.empty()) return;
    diag::Diagnostics ignored;
    auto spec = openapi::Spec::load(cfg_.openapi, ignored);
    if (!spec) {
      note("export-unsupported", cfg_.file, cfg_.openapi_mark, "openapi",
           "the OpenAPI document " + cfg_.openapi + " cannot be loaded; operations are exported without its schemas");
      return;
    }
    spec_ = std::move(spec);
    model_ = openapi::normalize(*spec_);
  }

  const openapi::Operation* operation_of(const Route& r) const {
    if (!spec_ || r.operation.empty()) return nullptr;
    for (const auto& op : model_.operations) {
      if (!op.operation_id.empty() && op.operation_id == r.operation) return &op;
      std::string method = op.method == "x-amazon-apigateway-any-method" ? "ANY" : util::to_upper(op.method);
      if (method + " " + op.path == r.operation) return &op;
    }
    return nullptr;
  }

  // Follows $refs within the document ("#/..."); a $ref to another file is reported and left out.
  bool external_refs(const json& j) const {
    if (j.is_object()) {
      if (auto it = j.find("$ref"); it != j.end() && it->is_string() && it->get<std::string>().rfind("#", 0) != 0)
        return true;
      for (const auto& [k, v] : j.items())
        if (external_refs(v)) return true;
    } else if (j.is_array()) {
      for (const auto& v : j)
        if (external_refs(v)) return true;
    }
    return false;
  }

  // components of the linked 3.x document besides securitySchemes (what copied operations $ref).
  json spec_components() {
    json out = json::object();
    if (!spec_ || spec_->version() == openapi::Version::Swagger2) return out;
    if (const doc::Node* c = spec_->root().find("components"))
      for (const auto& m : c->members()) {
        if (m.key == "securitySchemes") continue;
        json value = json::parse(m.value.to_json().dump());
        if (external_refs(value)) {
          note("export-unsupported", cfg_.file, cfg_.openapi_mark, "openapi",
               "components." + m.key + " of " + cfg_.openapi +
                   " $refs other files; not exported (bundle the spec into one file first)");
          continue;
        }
        out[m.key] = std::move(value);
      }
    return out;
  }

  // The example body of the operation's first 2xx response, for routes mocked from the spec.
  std::optional<std::pair<int, std::string>> spec_mock(const Route& r) const {
    const openapi::Operation* op = operation_of(r);
    if (!op) return std::nullopt;
    for (const auto& resp : op->responses) {
      if (resp.code.size() != 3 || resp.code[0] != '2' || !std::isdigit(static_cast<unsigned char>(resp.code[1])))
        continue;
      std::string body;
      for (const auto& mt : resp.content)
        if (!mt.examples.empty() && mt.examples.front().value) {
          body = mt.examples.front().value.node->to_json().dump();
          break;
        }
      return std::make_pair(std::stoi(resp.code), body);
    }
    return std::nullopt;
  }

  // ---- shared pieces ----------------------------------------------------------------------------------------------

  // What a mock-like route answers: its mock, the spec's example, or 501 for stateful routes.
  model::MockResponse answer(const Route& r) {
    if (r.mock) return *r.mock;
    model::MockResponse m;
    if (!r.state.empty()) {
      m.status = 501;
      m.headers = {{"content-type", "application/json"}};
      m.body = R"({"message":"stateful mock not available in )" + target_ + R"("})";
      return m;
    }
    if (auto s = spec_mock(r)) {
      m.status = s->first;
      m.body = s->second;
      if (!m.body.empty()) m.headers = {{"content-type", "application/json"}};
      approximated(r, "operation",
                   "mocked from the spec: the export answers with the operation's first 2xx status and example" +
                       std::string(m.body.empty() ? " (it has none: empty body)" : "") +
                       ", not with generated data or per-request examples");
    } else {
      approximated(r, "operation", "mocked from the spec, whose operation could not be read; the export answers 200 with no body");
    }
    return m;
  }

  static std::string content_type(const model::MockResponse& m) {
    for (const auto& [k, v] : m.headers)
      if (lower(k) == "content-type") return v;
    return "application/json";
  }

  const model::Backend* backend_of(const Route& r) const { return r.proxy ? cfg_.find_backend(r.proxy->backend) : nullptr; }

  // Upstream path template (base path included) as the config writes it.
  std::string upstream_path(const Route& r) const {
    const model::Backend* b = backend_of(r);
    std::string path = r.proxy && r.proxy->path ? r.proxy->path->text : r.path.text;
    return (b ? b->url.base_path : "") + path;
  }
  std::vector<std::string> upstream_params(const Route& r) const {
    if (r.proxy && r.proxy->path) return r.proxy->path->param_names();
    return r.path.param_names();
  }
  model::Duration timeout_of(const Route& r) const {
    if (r.proxy && r.proxy->timeout) return *r.proxy->timeout;
    const model::Backend* b = backend_of(r);
    return b ? b->timeout : std::chrono::seconds(29);
  }

  // Every (route, method) the export writes as an operation, with its operationId: the route id, and for routes with
  // several methods the id plus the method for all but the first.
  struct Op {
    const Route* route;
    std::string method;  // upper case, or ANY
    std::string id;
  };
  std::vector<Op> operations() const {
    std::vector<Op> out;
    for (const auto& r : cfg_.routes)
      for (size_t i = 0; i < r.methods.size(); ++i)
        out.push_back({&r, r.methods[i], i == 0 ? r.id : r.id + "-" + lower(r.methods[i])});
    return out;
  }

  // The auth schemes some route requires, in config order.
  std::vector<const AuthScheme*> used_auth() const {
    std::set<std::string> names;
    for (const auto& r : cfg_.routes)
      for (const auto& alt : r.auth)
        for (const auto& [name, scopes] : alt) names.insert(name);
    std::vector<const AuthScheme*> out;
    for (const auto& a : cfg_.auth)
      if (names.count(a.name)) out.push_back(&a);
    return out;
  }

  // OpenAPI security for a route: the alternatives whose schemes the target kept.
  json security(const Route& r, const std::set<std::string>& kept) {
    json out = json::array();
    for (const auto& alt : r.auth) {
      json req = json::object();
      bool usable = true;
      for (const auto& [name, scopes] : alt) {
        if (!kept.count(name)) usable = false;
        req[name] = scopes;
      }
      if (usable) out.push_back(std::move(req));
      else
        unsupported(r, "auth",
                    "an auth alternative of route '" + r.id + "' uses a scheme " + target_ +
                        " cannot express; it is left out" +
                        (out.empty() && &alt == &r.auth.back() ? " and the route is exported WITHOUT authentication" : ""));
    }
    return out;
  }

  // Parameters for an operation: the linked operation's (3.x only), plus every path parameter it lacks.
  json parameters(const Route& r, bool swagger2) {
    json out = json::array();
    std::set<std::string> have;
    if (const openapi::Operation* op = operation_of(r); op && !swagger2 && spec_->version() != openapi::Version::Swagger2) {
      for (const auto& p : op->parameters) {
        if (!p.node) continue;
        json pj = json::parse(p.node.node->to_json().dump());
        if (external_refs(pj)) continue;
        out.push_back(pj);
        have.insert(p.in + ":" + p.name);
      }
    }
    for (auto& p : path_parameters(r, swagger2, have)) out.push_back(std::move(p));
    return out;
  }

  // The route's path parameters that `have` ("path:NAME") does not declare yet.
  static json path_parameters(const Route& r, bool swagger2, const std::set<std::string>& have = {}) {
    json out = json::array();
    for (const auto& s : r.path.segments) {
      if (s.kind == Segment::Kind::Literal || have.count("path:" + s.param)) continue;
      json p = {{"name", s.param}, {"in", "path"}, {"required", true}};
      if (swagger2) p["type"] = "string";
      else p["schema"] = {{"type", "string"}};
      out.push_back(p);
    }
    return out;
  }

  void add_file(std::string name, std::string text) { result_.files.push_back({std::move(name), std::move(text)}); }
  static std::string dump(const json& j) { return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n"; }

  // Every operation gets a summary (the portals list operations by it): the route's description, else "GET /pets".
  static std::string summary_of(const Route& r, const std::string& method) {
    return r.description.empty() ? method + " " + r.path.text : r.description;
  }

  json info() const {
    json i = {{"title", cfg_.name.empty() ? "api" : cfg_.name}, {"version", model_.api_version.empty() ? "1.0.0" : model_.api_version}};
    if (!cfg_.description.empty()) i["description"] = cfg_.description;
    return i;
  }

  // ---- AWS (REST and HTTP APIs) ---------------------------------------------------------------------------------

  void aws(bool http) {
    json doc;
    doc["openapi"] = "3.0.1";
    doc["info"] = info();
    // API Gateway takes the stage's URL from the deployment; a relative server keeps validators (redocly's
    // no-empty-servers) satisfied and imports as the root base path.
    doc["servers"] = json::array({{{"url", "/"}}});
    json paths = json::object();
    json schemes = json::object();
    std::set<std::string> kept;
    bool api_keys = false;
    for (const AuthScheme* a : used_auth()) {
      switch (a->type) {
        case AuthScheme::Type::ApiKey:
          if (http) {
            auth_note("export-unsupported", *a, "HTTP APIs have no API keys; routes that need it are exported without it");
            break;
          }
          schemes[a->name] = {{"type", "apiKey"}, {"name", "x-api-key"}, {"in", "header"}};
          if (a->in != "header" || lower(a->param_name) != "x-api-key")
            auth_note("export-approximated", *a,
                      "API Gateway reads API keys from the X-API-Key header only; the key in " + a->in + " '" +
                          a->param_name + "' is exported as X-API-Key");
          auth_note("export-unsupported", *a,
                    "key values are not part of an API definition: create them with `aws apigateway create-api-key` and "
                    "attach them to a usage plan for the deployed stage");
          kept.insert(a->name);
          api_keys = true;
          break;
        case AuthScheme::Type::Jwt:
        case AuthScheme::Type::Bearer:
          if (http) {
            if (a->type == AuthScheme::Type::Bearer) {
              auth_note("export-unsupported", *a, "opaque bearer tokens need a Lambda authorizer; not exported");
              break;
            }
            json jwt = {{"issuer", a->issuer}};
            jwt["audience"] = a->audiences;
            schemes[a->name] = {{"type", "oauth2"},
                                {"flows", json::object()},
                                {"x-amazon-apigateway-authorizer",
                                 {{"type", "jwt"}, {"jwtConfiguration", jwt}, {"identitySource", "$request.header.Authorization"}}}};
            kept.insert(a->name);
          } else {
            json authorizer = {{"type", "cognito_user_pools"},
                               {"providerARNs", json::array({"arn:aws:cognito-idp:REGION:ACCOUNT:userpool/POOL_ID"})}};
            schemes[a->name] = {{"type", "apiKey"}, {"name", "Authorization"}, {"in", "header"},
                                {"x-amazon-apigateway-authtype", "cognito_user_pools"},
                                {"x-amazon-apigateway-authorizer", authorizer}};
            auth_note("export-approximated", *a,
                      std::string(a->type == AuthScheme::Type::Jwt ? "JWT" : "bearer") +
                          " authentication is exported as a Cognito user pool authorizer: replace providerARNs with "
                          "your user pool's ARN" +
                          (a->issuer.empty() ? "" : " (issuer " + a->issuer + ")") +
                          ", or use a Lambda authorizer for other issuers");
            kept.insert(a->name);
          }
          if (!a->secret.empty())
            auth_note("export-unsupported", *a, "the HMAC secret is not exported; the authorizer verifies the issuer's keys");
          break;
        case AuthScheme::Type::Basic:
          auth_note("export-unsupported", *a,
                    "Basic authentication is not expressible in API Gateway " + std::string(http ? "HTTP" : "REST") +
                        " APIs; it needs a Lambda authorizer");
          break;
      }
    }
    bool validators = false;
    for (const Op& o : operations()) {
      const Route& r = *o.route;
      std::string method = o.method == "ANY" ? (http ? "x-amazon-apigateway-any-method" : "x-amazon-apigateway-any-method")
                                             : lower(o.method);
      json op;
      op["operationId"] = o.id;
      op["summary"] = summary_of(r, o.method);
      json params = parameters(r, false);
      if (!params.empty()) op["parameters"] = params;
      const openapi::Operation* linked = operation_of(r);
      if (linked && spec_->version() != openapi::Version::Swagger2)
        if (const doc::Node* body = linked->node.node->find("requestBody")) {
          json b = json::parse(body->to_json().dump());
          if (!external_refs(b)) op["requestBody"] = b;
        }
      json responses = json::object();
      if (linked && spec_->version() != openapi::Version::Swagger2)
        if (const doc::Node* rs = linked->node.node->find("responses")) {
          json rj = json::parse(rs->to_json().dump());
          if (!external_refs(rj)) responses = rj;
        }
      json integration;
      if (r.proxy) {
        const model::Backend* b = backend_of(r);
        if (!b) continue;
        if (b->lambda) {  // AWS_PROXY: the function gets the event serve builds locally; always invoked with POST
          LambdaFunction fn = lambda_function(*b);
          integration["type"] = "aws_proxy";
          integration["httpMethod"] = "POST";
          integration["uri"] = http ? fn.arn
                                    : "arn:aws:apigateway:" + fn.region + ":lambda:path/2015-03-31/functions/" + fn.arn +
                                          "/invocations";
          if (http)
            integration["payloadFormatVersion"] = b->lambda->format == model::Lambda::Format::V1 ? "1.0" : "2.0";
          else if (b->lambda->format == model::Lambda::Format::V2)
            approximated(r, "proxy", "REST APIs send Lambda proxy events in payload format 1.0; backend '" + b->name +
                                         "' is written for 2.0 (test it locally with payload_format: \"1.0\")");
          integration["timeoutInMillis"] = millis(timeout_of(r));
          if (responses.empty()) responses["default"] = {{"description", "Answered by Lambda function '" + b->name + "'"}};
        } else {
          integration["type"] = "http_proxy";
          integration["httpMethod"] = o.method == "ANY" ? "ANY" : o.method;
          integration["uri"] = origin(b->url) + plain_params(upstream_path(r));
          if (http) integration["payloadFormatVersion"] = "1.0";
          if (!http) {
            json rp = json::object();
            for (const auto& p : upstream_params(r)) rp["integration.request.path." + p] = "method.request.path." + p;
            if (!rp.empty()) integration["requestParameters"] = rp;
            integration["passthroughBehavior"] = "when_no_match";
          }
          integration["connectionType"] = "INTERNET";
          integration["timeoutInMillis"] = millis(timeout_of(r));
          if (!b->tls_verify) {
            if (http)
              note("export-unsupported", cfg_.file, b->mark, "backends." + b->name + ".tls_verify",
                   "backend '" + b->name + "': HTTP APIs always verify backend certificates; tls_verify: false is not exported");
            else
              integration["tlsConfig"] = {{"insecureSkipVerification", true}};
          }
          if (responses.empty()) responses["default"] = {{"description", "Proxied from backend '" + b->name + "'"}};
        }
        if (r.cors && !http)
          cors_note("export-approximated", r,
                    "the preflight is exported (an OPTIONS mock); answers of proxy routes carry "
                    "Access-Control-Allow-Origin only when the backend sends it");
      } else {
        model::MockResponse m = answer(r);
        std::string code = std::to_string(m.status);
        if (http) {  // lint stops mocks before this; stateful and spec-mocked routes end here
          unsupported(r, "", "route '" + r.id + "' has no backend; HTTP APIs have no mock integration: route not exported");
          continue;
        }
        integration["type"] = "mock";
        integration["requestTemplates"] = {{"application/json", "{\"statusCode\": " + code + "}"}};
        integration["passthroughBehavior"] = "when_no_match";
        json resp = {{"statusCode", code}};
        json rparams = json::object();
        json headers = json::object();
        for (const auto& [k, v] : m.headers) {
          if (lower(k) == "content-type") continue;
          std::string quoted = v;
          if (quoted.find('\'') != std::string::npos) {
            approximated(r, "mock.headers", "header " + k + ": single quotes cannot appear in a static mapping value; removed");
            quoted.erase(std::remove(quoted.begin(), quoted.end(), '\''), quoted.end());
          }
          rparams["method.response.header." + k] = "'" + quoted + "'";
          headers[k] = {{"schema", {{"type", "string"}}}};
        }
        if (r.cors && !http) {
          auto cors_header = [&](const std::string& name, const std::string& value) {
            rparams["method.response.header." + name] = "'" + value + "'";
            headers[name] = {{"schema", {{"type", "string"}}}};
          };
          cors_header("Access-Control-Allow-Origin", aws_origin(r));
          if (!r.cors->expose_headers.empty()) cors_header("Access-Control-Expose-Headers", join(r.cors->expose_headers, ","));
          if (r.cors->credentials) cors_header("Access-Control-Allow-Credentials", "true");
        }
        if (!rparams.empty()) resp["responseParameters"] = rparams;
        if (!m.body.empty()) {
          resp["responseTemplates"] = {{content_type(m), m.body}};
          if (m.body.find('$') != std::string::npos || m.body.find('#') != std::string::npos)
            approximated(r, "mock.body",
                         "the mock body contains '$' or '#', which API Gateway reads as Velocity template syntax; check "
                         "the response after deploying");
        }
        integration["responses"] = {{"default", resp}};
        json& mr = responses[code];
        if (!mr.contains("description")) mr["description"] = status_reason(m.status);
        if (!headers.empty()) {
          if (!mr.contains("headers")) mr["headers"] = json::object();
          for (const auto& [k, v] : headers.items()) mr["headers"][k] = v;
        }
        if (!m.body.empty() && !mr.contains("content"))
          mr["content"] = {{content_type(m), {{"schema", json::object()}}}};
      }
      op["responses"] = responses;
      if (!r.auth.empty()) {
        json sec = security(r, kept);
        if (!sec.empty()) op["security"] = sec;
      }
      if (!http && linked && validates_requests(r.validate.value_or(cfg_.validate))) {
        op["x-amazon-apigateway-request-validator"] = "all";
        validators = true;
      } else if (http && linked && validates_requests(r.validate.value_or(cfg_.validate))) {
        unsupported(r, "validate", "HTTP APIs do not validate requests; the operation's schemas are documentation only");
      }
      if (!http && r.cache && (o.method == "GET" || o.method == "HEAD" || o.method == "ANY")) {
        // API Gateway keys its cache on the method's declared parameters listed in cacheKeyParameters.
        json keys = json::array();
        auto key_parameter = [&](const std::string& in, const std::string& name, const std::string& source) {
          bool declared = false;
          for (const auto& p : op["parameters"]) declared = declared || (p["in"] == in && p["name"] == name);
          if (!declared) op["parameters"].push_back({{"name", name}, {"in", in}, {"required", false}, {"schema", {{"type", "string"}}}});
          keys.push_back("method.request." + source + "." + name);
          if (r.proxy) integration["requestParameters"]["integration.request." + source + "." + name] = "method.request." + source + "." + name;
        };
        for (const auto& q : r.cache->query) key_parameter("query", q, "querystring");
        for (const auto& h : r.cache->headers) key_parameter("header", h, "header");
        if (!keys.empty()) integration["cacheKeyParameters"] = keys;
      }
      op["x-amazon-apigateway-integration"] = integration;
      paths[r.path.text][method] = op;
    }
    const model::CorsPolicy* gateway_cors = nullptr;
    if (http) {
      std::vector<std::string> methods;
      if (const model::CorsPolicy* c = api_cors(methods)) {
        json cors = {{"allowOrigins", c->origins}, {"allowMethods", methods}};
        cors["allowHeaders"] = c->headers.empty() ? std::vector<std::string>{"*"} : c->headers;
        if (!c->expose_headers.empty()) cors["exposeHeaders"] = c->expose_headers;
        cors["allowCredentials"] = c->credentials;
        if (c->max_age) cors["maxAge"] = std::min<int64_t>(seconds_of(*c->max_age), 86400);
        doc["x-amazon-apigateway-cors"] = cors;
        for (const auto& r : cfg_.routes)
          if (r.cors.get() == c) {
            if (c->max_age && seconds_of(*c->max_age) > 86400)
              cors_note("export-approximated", r, "HTTP APIs cache preflights at most 86400 s; maxAge is cut to it");
            for (const auto& o : c->origins)
              if (wildcard_subdomain(o))
                cors_note("export-approximated", r,
                          "origin '" + o + "' is exported as written; HTTP APIs document exact origins or '*': list the "
                          "subdomains if the import refuses it");
            break;
          }
      }
    } else {
      // One OPTIONS mock per path that a route with CORS serves, unless the config routes OPTIONS there itself.
      std::vector<std::string> order;
      std::map<std::string, std::vector<const Route*>> by_path;
      for (const auto& r : cfg_.routes) {
        if (!r.cors) continue;
        if (!by_path.count(r.path.text)) order.push_back(r.path.text);
        by_path[r.path.text].push_back(&r);
        if (!gateway_cors) gateway_cors = r.cors.get();
      }
      for (const auto& path : order) {
        if (paths[path].contains("options")) {
          cors_note("export-unsupported", *by_path[path].front(),
                    "the config routes OPTIONS " + path + " itself; no preflight mock is exported there");
          continue;
        }
        paths[path]["options"] = aws_preflight(by_path[path]);
      }
    }
    doc["paths"] = paths;
    json components = spec_components();
    if (!schemes.empty()) components["securitySchemes"] = schemes;
    if (!components.empty()) doc["components"] = components;
    if (http) doc["x-amazon-apigateway-importexport-version"] = "1.0";
    if (api_keys) doc["x-amazon-apigateway-api-key-source"] = "HEADER";
    if (validators)
      doc["x-amazon-apigateway-request-validators"] = {
          {"all", {{"validateRequestBody", true}, {"validateRequestParameters", true}}}};
    if (gateway_cors) {
      // Errors API Gateway answers itself (a missing key, throttling) must be readable by the page too.
      const Route* first = nullptr;
      for (const auto& r : cfg_.routes)
        if (r.cors.get() == gateway_cors && !first) first = &r;
      json params = {{"gatewayresponse.header.Access-Control-Allow-Origin", "'" + aws_origin(*first) + "'"}};
      if (gateway_cors->credentials) params["gatewayresponse.header.Access-Control-Allow-Credentials"] = "'true'";
      doc["x-amazon-apigateway-gateway-responses"] = {{"DEFAULT_4XX", {{"responseParameters", params}}},
                                                       {"DEFAULT_5XX", {{"responseParameters", params}}}};
      for (const auto& r : cfg_.routes)
        if (r.cors && !same_cors(*r.cors, *gateway_cors)) {
          cors_note("export-approximated", r,
                    "gateway responses (DEFAULT_4XX/5XX) are set once per API, with the origin of the policy from " +
                        gateway_cors->from);
          break;
        }
    }
    if (!http) aws_gateway_responses(doc);
    else
      for (const auto& g : cfg_.gateway_responses)
        note("export-unsupported", cfg_.file, g.mark, "gateway_responses." + g.type,
             "HTTP APIs have no gateway responses; " + g.type + " is not exported (use a REST API)");
    if (cfg_.limits.read_timeout != std::chrono::seconds(5) || cfg_.limits.write_timeout != std::chrono::seconds(5))
      note("export-unsupported", cfg_.file, {1, 1}, "limits", "client read/write timeouts are fixed by API Gateway; not exported");
    add_file("openapi.json", dump(doc));
    json settings = http ? aws_http_settings() : aws_rest_settings();
    if (!cfg_.stages.empty()) {
      // create-deployment --stage-name NAME --variables k=v,... (REST) / create-stage --stage-variables (HTTP)
      for (const auto& st : cfg_.stages) {
        json variables = json::object();
        for (const auto& [k, v] : st.variables) variables[k] = v;
        json entry = {{"stageName", st.name}, {"variables", variables}};
        if (!st.description.empty()) entry["description"] = st.description;
        settings["stages"].push_back(entry);
      }
      note("export-approximated", cfg_.file, cfg_.stages.front().mark, "stages",
           "integration URLs carry stage '" + cfg_.stage + "''s variable values; aws-settings.json lists every stage's "
           "variables for create-deployment/create-stage");
    }
    if (!settings.empty()) result_.files.push_back({"aws-settings.json", dump(settings), true});
  }

  // AWS REST answers a preflight with one fixed Access-Control-Allow-Origin: the policy's only origin, else "*" when
  // listed, else its first exact origin (reported).
  std::string aws_origin(const Route& r) {
    const auto& origins = r.cors->origins;
    if (origins.size() == 1 && !wildcard_subdomain(origins[0])) {
      if (origins[0] == "*" && r.cors->credentials)
        cors_note("export-approximated", r, "browsers refuse Access-Control-Allow-Origin '*' with credentials");
      return origins[0];
    }
    std::string chosen;
    if (std::find(origins.begin(), origins.end(), "*") != origins.end()) chosen = "*";
    for (const auto& o : origins)
      if (chosen.empty() && !wildcard_subdomain(o)) chosen = o;
    if (chosen.empty()) chosen = "*";
    cors_note("export-approximated", r,
              "API Gateway REST APIs answer with one fixed Access-Control-Allow-Origin: '" + chosen + "' is exported for " +
                  join(origins, ", ") + " (to allow several origins or subdomains, echo the Origin from the backend or a "
                  "Lambda integration)");
    return chosen;
  }

  // The OPTIONS operation answering preflights for the routes with CORS on one path: a mock with static headers.
  json aws_preflight(const std::vector<const Route*>& routes) {
    const Route& first = *routes.front();
    const model::CorsPolicy& c = *first.cors;
    for (const Route* r : routes)
      if (!same_cors(*r->cors, c))
        cors_note("export-approximated", *r,
                  "one preflight answers for every method of " + r->path.text + "; it uses the policy of route '" +
                      first.id + "'");
    std::vector<std::string> methods = cors_methods(c, routes);
    if (std::find(methods.begin(), methods.end(), "OPTIONS") == methods.end()) methods.push_back("OPTIONS");
    json params = json::object();
    json headers = json::object();
    auto header = [&](const std::string& name, const std::string& value) {
      params["method.response.header." + name] = "'" + value + "'";
      headers[name] = {{"schema", {{"type", "string"}}}};
    };
    header("Access-Control-Allow-Origin", aws_origin(first));
    header("Access-Control-Allow-Methods", join(methods, ","));
    header("Access-Control-Allow-Headers", c.headers.empty() ? "*" : join(c.headers, ","));
    if (c.headers.empty())
      cors_note("export-approximated", first,
                "without `headers` the gateway echoes what a preflight asks; AWS answers Access-Control-Allow-Headers '*'" +
                    std::string(c.credentials ? ", which browsers read literally for requests with credentials: list the headers" : ""));
    if (c.credentials) header("Access-Control-Allow-Credentials", "true");
    if (c.max_age) header("Access-Control-Max-Age", std::to_string(seconds_of(*c.max_age)));
    json op;
    op["operationId"] = first.id + "-preflight";
    op["summary"] = "CORS preflight for " + first.path.text;
    json path_params = path_parameters(first, false);
    if (!path_params.empty()) op["parameters"] = path_params;
    op["responses"] = {{"200", {{"description", "CORS preflight"}, {"headers", headers}}}};
    op["x-amazon-apigateway-integration"] = {
        {"type", "mock"},
        {"requestTemplates", {{"application/json", "{\"statusCode\": 200}"}}},
        {"passthroughBehavior", "when_no_match"},
        {"responses", {{"default", {{"statusCode", "200"}, {"responseParameters", params}}}}}};
    return op;
  }

  static json aws_throttle(const model::Throttle& t) { return {{"burstLimit", t.burst}, {"rateLimit", t.rate}}; }

  // What a REST API's OpenAPI import cannot hold (usage plans, the stage's cache and throttling), in the shapes the
  // AWS CLI takes: each usagePlans item is the input of `aws apigateway create-usage-plan --cli-input-json`, and
  // stage.patchOperations that of `aws apigateway update-stage --patch-operations` (docs/export.md).
  // The config's gateway_responses as API Gateway's (the type names are AWS's, but for METHOD_NOT_ALLOWED): the
  // status, headers as responseParameters (static, or one request header / path / query parameter), the body as the
  // application/json template with $context variables in place of ${context...} and ${claims...}.
  void aws_gateway_responses(json& doc) {
    using Source = model::Template::Source;
    for (const auto& g : cfg_.gateway_responses) {
      std::string where = "gateway_responses." + g.type;
      auto dropped = [&](const std::string& what) {
        note("export-approximated", cfg_.file, g.mark, where, "gateway response " + g.type + ": " + what);
      };
      if (g.type == "METHOD_NOT_ALLOWED") {
        note("export-unsupported", cfg_.file, g.mark, where,
             "API Gateway has no gateway response for 405 (a method a path lacks is MISSING_AUTHENTICATION_TOKEN, 403); "
             "not exported");
        continue;
      }
      json& out = doc["x-amazon-apigateway-gateway-responses"][g.type];
      if (g.status) out["statusCode"] = std::to_string(*g.status);
      for (const auto& h : g.headers) {
        const auto& parts = h.value.parts;
        std::string key = "gatewayresponse.header." + h.name;
        bool literal = std::all_of(parts.begin(), parts.end(), [](const auto& p) { return p.source == Source::Text; });
        if (literal) {
          std::string text;
          for (const auto& p : parts) text += p.text;
          if (text.find('\'') != std::string::npos) {
            dropped("header " + h.name + ": single quotes cannot appear in a static value; not exported");
            continue;
          }
          out["responseParameters"][key] = "'" + text + "'";
        } else if (parts.size() == 1 && parts[0].source == Source::Header) {
          out["responseParameters"][key] = "method.request.header." + parts[0].text;
        } else if (parts.size() == 1 && parts[0].source == Source::Path) {
          out["responseParameters"][key] = "method.request.path." + parts[0].text;
        } else if (parts.size() == 1 && parts[0].source == Source::Query) {
          out["responseParameters"][key] = "method.request.querystring." + parts[0].text;
        } else {
          dropped("header " + h.name + " mixes text and request values, which a gateway response cannot; not exported");
        }
      }
      if (!g.body) continue;
      std::string body;
      for (const auto& p : g.body->parts) switch (p.source) {
          case Source::Text: body += p.text; break;
          case Source::ErrorMessage: body += "$context.error.message"; break;
          case Source::ErrorStatus:
            if (g.status) body += std::to_string(*g.status);
            else dropped("${context.error.status} has no API Gateway variable; left out of the body");
            break;
          case Source::RequestId: body += "$context.requestId"; break;
          case Source::Method: body += "$context.httpMethod"; break;
          case Source::RequestPath: body += "$context.path"; break;
          case Source::Claim: body += "$context.authorizer.claims." + p.text; break;
          case Source::Path:
          case Source::Query:
          case Source::Header:
            dropped("request values (" + p.text + ") in a body have no gateway response variable; left out");
            break;
        }
      out["responseTemplates"] = {{g.json_body ? "application/json" : "text/plain", body}};
    }
  }

  json aws_rest_settings() {
    json plans = json::array();
    for (const auto& p : cfg_.usage_plans) {
      json plan = {{"name", p.name}};
      if (!p.description.empty()) plan["description"] = p.description;
      json stage = {{"apiId", "REST_API_ID"}, {"stage", "STAGE_NAME"}};
      json per_method = json::object();
      for (const auto& [route_id, t] : p.route_throttle)
        for (const Op& o : operations())
          if (o.route->id == route_id) per_method[o.route->path.text + "/" + o.method] = aws_throttle(t);
      if (!per_method.empty()) stage["throttle"] = per_method;
      plan["apiStages"] = json::array({stage});
      if (p.throttle) plan["throttle"] = aws_throttle(*p.throttle);
      if (p.quota)
        plan["quota"] = {{"limit", p.quota->limit}, {"offset", p.quota->offset}, {"period", util::to_upper(period_name(p.quota->period))}};
      plans.push_back(plan);
    }
    json settings = json::array();
    std::optional<model::Throttle> stage_throttle;
    bool cache = false;
    for (const Op& o : operations()) {
      const Route& r = *o.route;
      json s = {{"resourcePath", r.path.text}, {"httpMethod", o.method}};
      if (r.cache && (o.method == "GET" || o.method == "HEAD" || o.method == "ANY")) {
        cache = true;
        int64_t ttl = seconds_of(r.cache->ttl);
        if (ttl > 3600) {
          cache_note("export-approximated", r, "API Gateway keeps answers at most 3600 s; the ttl of " + std::to_string(ttl) + " s is exported as 3600");
          ttl = 3600;
        }
        s["cachingEnabled"] = true;
        s["cacheTtlInSeconds"] = ttl;
        s["requireAuthorizationForCacheControl"] = r.cache->invalidation != model::CachePolicy::Invalidation::Anyone;
        s["unauthorizedCacheControlHeaderStrategy"] = "SUCCEED_WITHOUT_RESPONSE_HEADER";
        cache_note("export-approximated", r,
                   "API Gateway has one cache cluster per stage (0.5 GB exported) in place of max_entries and "
                   "max_entry_size, and lets callers with the IAM permission execute-api:InvalidateCache skip it" +
                       std::string(r.cache->invalidation == model::CachePolicy::Invalidation::Never ? " (invalidation: never has no equivalent)" : ""));
      }
      if (r.rate_limit && r.rate_limit->throttle) {
        const model::Throttle& t = *r.rate_limit->throttle;
        switch (r.rate_limit->per) {
          case model::RateLimit::Per::Ip:
            limit_note("export-unsupported", r, "API Gateway does not throttle per client IP; use an AWS WAF rate-based rule on the stage");
            break;
          case model::RateLimit::Per::Global:
            if (r.rate_limit->from == "policies") {
              stage_throttle = t;
              break;
            }
            limit_note("export-approximated", r, "exported as method throttling: counted per method, not once for the group");
            [[fallthrough]];
          case model::RateLimit::Per::Key:
            if (r.rate_limit->per == model::RateLimit::Per::Key)
              limit_note("export-approximated", r,
                         "exported as method throttling, for all callers together (per-key limits are usage plans: usage_plans)");
            [[fallthrough]];
          case model::RateLimit::Per::Route:
            s["throttlingBurstLimit"] = t.burst;
            s["throttlingRateLimit"] = t.rate;
            break;
        }
      }
      if (r.rate_limit && r.rate_limit->quota)
        limit_note("export-unsupported", r,
                   "API Gateway counts quotas only per API key, in usage plans; " + describe(*r.rate_limit->quota) + " is not exported");
      if (s.size() > 2) settings.push_back(s);
    }
    if (stage_throttle) {
      for (const auto& r : cfg_.routes)
        if (!r.rate_limit)
          approximated(r, "rate_limit", "the stage-wide throttle (from policies) applies to route '" + r.id + "' too");
      settings.insert(settings.begin(), json{{"resourcePath", "/*"}, {"httpMethod", "*"},
                                             {"throttlingBurstLimit", stage_throttle->burst},
                                             {"throttlingRateLimit", stage_throttle->rate}});
    }
    json out = json::object();
    if (!plans.empty()) out["usagePlans"] = plans;
    if (settings.empty()) return out;
    json stage = json::object();
    json patch = json::array();
    if (cache) {
      stage["cacheClusterEnabled"] = true;
      stage["cacheClusterSize"] = "0.5";
      patch.push_back({{"op", "replace"}, {"path", "/cacheClusterEnabled"}, {"value", "true"}});
      patch.push_back({{"op", "replace"}, {"path", "/cacheClusterSize"}, {"value", "0.5"}});
    }
    static const std::vector<std::pair<std::string, std::string>> patch_paths = {
        {"cachingEnabled", "caching/enabled"},
        {"cacheTtlInSeconds", "caching/ttlInSeconds"},
        {"requireAuthorizationForCacheControl", "caching/requireAuthorizationForCacheControl"},
        {"unauthorizedCacheControlHeaderStrategy", "caching/unauthorizedCacheControlHeaderStrategy"},
        {"throttlingBurstLimit", "throttling/burstLimit"},
        {"throttlingRateLimit", "throttling/rateLimit"}};
    for (const auto& s : settings) {
      // update-stage names a method "/RESOURCE/METHOD" with the resource's slashes written ~1; "/*/*" is every method.
      std::string resource = s["resourcePath"];
      std::string escaped;
      if (resource == "/*") escaped = "*";
      else
        for (char c : resource) escaped += c == '/' ? std::string("~1") : std::string(1, c);
      for (const auto& [key, path] : patch_paths)
        if (s.contains(key)) {
          const json& v = s[key];
          patch.push_back({{"op", "replace"},
                           {"path", "/" + escaped + "/" + s["httpMethod"].get<std::string>() + "/" + path},
                           {"value", v.is_string() ? v.get<std::string>() : v.dump()}});
        }
    }
    stage["methodSettings"] = settings;
    stage["patchOperations"] = patch;
    out["stage"] = stage;
    return out;
  }

  // HTTP APIs: throttling per route as the stage's RouteSettings (`aws apigatewayv2 update-stage --route-settings`);
  // no usage plans, quotas or cache.
  json aws_http_settings() {
    json routes = json::object();
    json out = json::object();
    for (const auto& p : cfg_.usage_plans)
      plan_note("export-unsupported", p, "HTTP APIs have no usage plans or API keys; not exported (use a REST API)");
    for (const Op& o : operations()) {
      const Route& r = *o.route;
      if (r.cache) cache_note("export-unsupported", r, "HTTP APIs have no response cache; not exported (use a REST API or CloudFront)");
      if (!r.rate_limit) continue;
      if (r.rate_limit->quota)
        limit_note("export-unsupported", r, "HTTP APIs have no quotas; " + describe(*r.rate_limit->quota) + " is not exported");
      if (!r.rate_limit->throttle) continue;
      const model::Throttle& t = *r.rate_limit->throttle;
      json limits = {{"ThrottlingBurstLimit", t.burst}, {"ThrottlingRateLimit", t.rate}};
      switch (r.rate_limit->per) {
        case model::RateLimit::Per::Ip:
          limit_note("export-unsupported", r, "HTTP APIs do not throttle per client IP (nor take AWS WAF); not exported");
          continue;
        case model::RateLimit::Per::Global:
          if (r.rate_limit->from == "policies") {
            out["DefaultRouteSettings"] = limits;
            continue;
          }
          limit_note("export-approximated", r, "exported as route throttling: counted per route, not once for the group");
          break;
        case model::RateLimit::Per::Key:
          limit_note("export-approximated", r, "exported as route throttling, for all callers together (HTTP APIs have no per-key limits)");
          break;
        case model::RateLimit::Per::Route: break;
      }
      routes[o.method + " " + r.path.text] = limits;
    }
    if (out.contains("DefaultRouteSettings"))
      for (const auto& r : cfg_.routes)
        if (!r.rate_limit)
          approximated(r, "rate_limit", "the stage's default route throttle (from policies) applies to route '" + r.id + "' too");
    if (!routes.empty()) out["RouteSettings"] = routes;
    return out.empty() ? out : json{{"stage", out}};
  }

  // ---- Google Cloud API Gateway (Swagger 2.0) ----------------------------------------------------------------------

  void gcp() {
    json doc;
    doc["swagger"] = "2.0";
    doc["info"] = info();
    doc["schemes"] = json::array({"https"});
    doc["produces"] = json::array({"application/json"});
    json paths = json::object();
    json defs = json::object();
    json metrics = json::array();
    json limits = json::array();
    std::set<std::string> kept;
    for (const auto& p : cfg_.usage_plans)
      plan_note("export-unsupported", p,
                "API Gateway (GCP) gives every consumer project the same quota limits (override them per project in the "
                "console); the plan is not exported");
    for (const auto& r : cfg_.routes)
      if (r.cors) {
        // API Gateway answers no preflight itself; allowCors lets OPTIONS through to the backend.
        doc["x-google-endpoints"] = json::array({{{"name", "GATEWAY_HOST"}, {"allowCors", true}}});
        cors_note("export-approximated", r,
                  "API Gateway (GCP) passes preflights (OPTIONS) to the backend with x-google-endpoints allowCors: the "
                  "backend must answer them and add the Access-Control-* headers; replace the name GATEWAY_HOST with the "
                  "gateway's host name");
        break;
      }
    for (const AuthScheme* a : used_auth()) {
      if (a->type == AuthScheme::Type::ApiKey) {
        bool query = a->in == "query";
        defs[a->name] = {{"type", "apiKey"}, {"name", query ? "key" : "x-api-key"}, {"in", query ? "query" : "header"}};
        if ((query && a->param_name != "key") || (!query && lower(a->param_name) != "x-api-key"))
          auth_note("export-approximated", *a,
                    "API Gateway (GCP) reads keys from the 'key' query parameter or the x-api-key header; '" +
                        a->param_name + "' is exported as " + (query ? "'key'" : "x-api-key"));
        auth_note("export-unsupported", *a,
                  "API keys are Google Cloud API keys: create them in the project (gcloud services api-keys create); "
                  "the config's key values are not exported");
        kept.insert(a->name);
      } else if (a->type == AuthScheme::Type::Jwt) {
        json d = {{"type", "oauth2"}, {"flow", "implicit"}, {"authorizationUrl", a->issuer.empty() ? std::string("https://localhost/authorize") : a->issuer},
                  {"x-google-issuer", a->issuer}};  // GCP ignores authorizationUrl; the meta-schema wants a URI
        std::string jwks = a->issuer.empty() ? "" : a->issuer + (a->issuer.back() == '/' ? "" : "/") + ".well-known/jwks.json";
        d["x-google-jwks_uri"] = jwks;
        auth_note("export-approximated", *a,
                  "x-google-jwks_uri is set to " + (jwks.empty() ? std::string("nothing (the scheme has no issuer)") : jwks) +
                      "; check it is where the issuer publishes its keys (local JWKS files and secrets are not exported)");
        if (!a->audiences.empty()) {
          std::string auds;
          for (const auto& x : a->audiences) auds += (auds.empty() ? "" : ",") + x;
          d["x-google-audiences"] = auds;
        }
        // Swagger 2.0 declares every scope an operation may require.
        json scopes = json::object();
        for (const auto& sc : a->scopes) scopes[sc] = "";
        for (const auto& r : cfg_.routes)
          for (const auto& alt : r.auth)
            for (const auto& [name, wanted] : alt)
              if (name == a->name)
                for (const auto& sc : wanted) scopes[sc] = "";
        d["scopes"] = scopes;
        defs[a->name] = d;
        kept.insert(a->name);
      } else {
        auth_note("export-unsupported", *a, "API Gateway (GCP) has no basic or bearer authentication; not exported");
      }
    }
    for (const Op& o : operations()) {
      const Route& r = *o.route;
      if (o.method == "ANY") {
        unsupported(r, "method", "Swagger 2.0 has no ANY method; exported as GET, POST, PUT, PATCH and DELETE");
      }
      std::vector<std::string> methods = o.method == "ANY" ? std::vector<std::string>{"GET", "POST", "PUT", "PATCH", "DELETE"}
                                                            : std::vector<std::string>{o.method};
      for (const auto& m : methods) {
        json op;
        op["operationId"] = o.method == "ANY" ? o.id + "-" + lower(m) : o.id;
        op["summary"] = summary_of(r, m);
        json params = parameters(r, true);
        if (!params.empty()) op["parameters"] = params;
        const model::Backend* b = backend_of(r);
        if (!b) {  // lint stops mocks before this; stateful and spec-mocked routes end here
          unsupported(r, "", "route '" + r.id + "' has no backend; API Gateway (GCP) needs an x-google-backend for "
                             "every operation: route not exported");
          continue;
        }
        json gb;
        std::string up = upstream_path(r);
        bool same_path = !(r.proxy->path) || r.proxy->path->text == r.path.text;
        if (same_path) {
          gb["address"] = origin(b->url) + b->url.base_path;
          gb["path_translation"] = "APPEND_PATH_TO_ADDRESS";
        } else {
          gb["address"] = origin(b->url) + plain_params(up);
          gb["path_translation"] = "CONSTANT_ADDRESS";
          if (!upstream_params(r).empty())
            approximated(r, "proxy.path",
                         "API Gateway (GCP) cannot put path parameters into a rewritten upstream path; with "
                         "CONSTANT_ADDRESS they are sent as query parameters instead");
        }
        gb["deadline"] = static_cast<double>(millis(timeout_of(r))) / 1000.0;
        if (!b->tls_verify)
          note("export-unsupported", cfg_.file, b->mark, "backends." + b->name + ".tls_verify",
               "backend '" + b->name + "': API Gateway (GCP) always verifies backend certificates; not exported");
        op["x-google-backend"] = gb;
        std::string metric = gcp_metric(r, metrics, limits);
        if (!metric.empty()) op["x-google-quota"] = {{"metricCosts", {{metric, 1}}}};
        op["responses"] = {{"default", {{"description", "Proxied from backend '" + b->name + "'"}}}};
        if (!r.auth.empty()) {
          json sec = security(r, kept);
          if (!sec.empty()) op["security"] = sec;
        }
        paths[plain_params(r.path.text)][lower(m)] = op;
      }
    }
    doc["paths"] = paths;
    if (!defs.empty()) doc["securityDefinitions"] = defs;
    if (!metrics.empty()) doc["x-google-management"] = {{"metrics", metrics}, {"quota", {{"limits", limits}}}};
    if (spec_) note("export-unsupported", cfg_.file, cfg_.openapi_mark, "openapi",
                    "the linked spec's schemas are not copied into the Swagger 2.0 export; API Gateway (GCP) does not validate them");
    add_file("openapi.json", dump(doc));
  }

  // GCP counts quotas per minute per consumer project (the caller's API key): a per-key throttle becomes a metric with
  // a per-minute limit, the route's operations cost 1 each. Returns that metric, or "" (what else is set is reported).
  std::string gcp_metric(const Route& r, json& metrics, json& limits) {
    if (r.cache)
      cache_note("export-unsupported", r, "API Gateway (GCP) has no response cache; not exported (put Cloud CDN or a cache in the backend)");
    if (!r.rate_limit) return "";
    if (r.rate_limit->quota)
      limit_note("export-unsupported", r,
                 "API Gateway (GCP) quotas are per-minute limits only; " + describe(*r.rate_limit->quota) + " is not exported");
    if (!r.rate_limit->throttle) return "";
    if (r.rate_limit->per != model::RateLimit::Per::Key) {
      limit_note("export-unsupported", r,
                 "API Gateway (GCP) counts quotas per consumer project (the caller's API key) only; not exported");
      return "";
    }
    std::string name;
    for (char c : "apigw-" + r.rate_limit->from + "-requests")
      name += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : '-';
    const model::Throttle& t = *r.rate_limit->throttle;
    auto per_minute = static_cast<int64_t>(std::ceil(t.rate * 60));
    bool known = false;
    for (const auto& m : metrics) known = known || m["name"] == name;
    if (!known) {
      metrics.push_back({{"name", name}, {"displayName", "Requests limited by the rate_limit of " + r.rate_limit->from},
                         {"valueType", "INT64"}, {"metricKind", "DELTA"}});
      limits.push_back({{"name", name + "-per-minute"}, {"metric", name}, {"unit", "1/min/{project}"},
                        {"values", {{"STANDARD", per_minute}}}});
    }
    limit_note("export-approximated", r,
               "counted per minute per consumer project (callers must send an API key): " + describe(t) + " is exported as " +
                   std::to_string(per_minute) + " per minute, without bursts");
    return name;
  }

  // ---- OCI API Gateway deployment specification ---------------------------------------------------------------------

  // OCI writes a wildcard parameter {name*} where AWS (and apigw) write the greedy {name+}.
  static std::string oci_path(const router::PathTemplate& t) {
    bool greedy = std::any_of(t.segments.begin(), t.segments.end(),
                              [](const Segment& s) { return s.kind == Segment::Kind::Greedy; });
    if (!greedy) return t.text;
    std::string out;
    for (const auto& s : t.segments) {
      out += "/";
      switch (s.kind) {
        case Segment::Kind::Literal: out += s.literal; break;
        case Segment::Kind::Mixed: out += s.prefix + "{" + s.param + "}" + s.suffix; break;
        case Segment::Kind::Param: out += "{" + s.param + "}"; break;
        case Segment::Kind::Greedy: out += "{" + s.param + "*}"; break;
      }
    }
    return out;
  }

  void oci() {
    json spec;
    json policies = json::object();
    const AuthScheme* jwt = nullptr;
    for (const AuthScheme* a : used_auth()) {
      if (a->type == AuthScheme::Type::Jwt && !jwt) {
        jwt = a;
      } else if (a->type == AuthScheme::Type::Jwt) {
        auth_note("export-unsupported", *a, "a deployment has one authentication policy; only '" + jwt->name + "' is exported");
      } else {
        auth_note("export-unsupported", *a,
                  std::string(a->type == AuthScheme::Type::ApiKey ? "API keys" : "basic and bearer authentication") +
                      " need a custom authorizer function (CUSTOM_AUTHENTICATION); not exported");
      }
    }
    bool any_public = false;
    for (const auto& r : cfg_.routes) any_public = any_public || r.auth.empty();
    if (jwt) {
      json a = {{"type", "JWT_AUTHENTICATION"}, {"tokenHeader", "Authorization"}, {"tokenAuthScheme", "Bearer"},
                {"isAnonymousAccessAllowed", any_public}};
      a["issuers"] = jwt->issuer.empty() ? json::array() : json::array({jwt->issuer});
      a["audiences"] = jwt->audiences;
      a["maxClockSkewInSeconds"] = std::chrono::duration_cast<std::chrono::seconds>(jwt->leeway).count();
      std::string jwks = jwt->issuer.empty() ? "" : jwt->issuer + (jwt->issuer.back() == '/' ? "" : "/") + ".well-known/jwks.json";
      a["publicKeys"] = {{"type", "REMOTE_JWKS"}, {"uri", jwks}, {"maxCacheDurationInHours", 1}, {"isSslVerifyDisabled", false}};
      auth_note("export-approximated", *jwt,
                "publicKeys is the issuer's JWKS at " + (jwks.empty() ? std::string("(no issuer: fill it in)") : jwks) +
                    "; local key files and HMAC secrets are not exported");
      policies["authentication"] = a;
    }
    json routes = json::array();
    for (const auto& r : cfg_.routes) {
      json route;
      route["path"] = oci_path(r.path);
      json methods = json::array();
      for (const auto& m : r.methods) methods.push_back(m);
      route["methods"] = methods;
      if (r.proxy) {
        const model::Backend* b = backend_of(r);
        if (!b) continue;
        std::string url = origin(b->url) + b->url.base_path;
        const router::PathTemplate& t = r.proxy->path ? *r.proxy->path : r.path;
        std::string out;
        for (const auto& s : t.segments) {
          out += "/";
          switch (s.kind) {
            case Segment::Kind::Literal: out += s.literal; break;
            case Segment::Kind::Mixed: out += s.prefix + "${request.path[" + s.param + "]}" + s.suffix; break;
            default: out += "${request.path[" + s.param + "]}"; break;
          }
        }
        if (t.segments.empty() || t.trailing_slash) out += "/";
        // OCI's limits: a connection within 75 s, reading and sending within 300 s.
        int64_t seconds = std::max<int64_t>(1, millis(timeout_of(r)) / 1000);
        if (seconds > 75)
          approximated(r, "proxy.timeout",
                       "connectTimeoutInSeconds is at most 75 (the read and send timeouts keep " +
                           std::to_string(std::min<int64_t>(seconds, 300)) + ")");
        if (seconds > 300)
          approximated(r, "proxy.timeout", "read and send timeouts are at most 300 s; " + std::to_string(seconds) +
                                               " s exported as 300");
        route["backend"] = {{"type", "HTTP_BACKEND"},
                            {"url", url + out},
                            {"connectTimeoutInSeconds", std::min<int64_t>(seconds, 75)},
                            {"readTimeoutInSeconds", std::min<int64_t>(seconds, 300)},
                            {"sendTimeoutInSeconds", std::min<int64_t>(seconds, 300)},
                            {"isSslVerifyDisabled", !b->tls_verify}};
      } else {
        model::MockResponse m = answer(r);
        json headers = json::array();
        bool has_type = false;
        for (const auto& [k, v] : m.headers) {
          headers.push_back({{"name", k}, {"value", v}});
          has_type = has_type || lower(k) == "content-type";
        }
        if (!has_type && !m.body.empty()) headers.push_back({{"name", "content-type"}, {"value", "application/json"}});
        json backend = {{"type", "STOCK_RESPONSE_BACKEND"}, {"status", m.status}};
        if (!m.body.empty()) backend["body"] = m.body;
        if (!headers.empty()) backend["headers"] = headers;
        route["backend"] = backend;
      }
      json rp = json::object();
      if (!r.auth.empty()) {
        std::set<std::string> scopes;
        bool jwt_route = false;
        for (const auto& alt : r.auth)
          for (const auto& [name, wanted] : alt)
            if (jwt && name == jwt->name) {
              jwt_route = true;
              scopes.insert(wanted.begin(), wanted.end());
            }
        if (!jwt_route) {
          unsupported(r, "auth", "route '" + r.id + "' requires only schemes OCI cannot express; exported WITHOUT authentication");
          rp["authorization"] = {{"type", "ANONYMOUS"}};
        } else if (scopes.empty()) {
          rp["authorization"] = {{"type", "AUTHENTICATION_ONLY"}};
        } else {
          rp["authorization"] = {{"type", "ANY_OF"}, {"allowedScope", json(std::vector<std::string>(scopes.begin(), scopes.end()))}};
        }
      } else if (jwt) {
        rp["authorization"] = {{"type", "ANONYMOUS"}};
      }
      if (r.cors) rp["cors"] = oci_cors(r);
      if (r.cache)
        cache_note("export-unsupported", r,
                   "OCI caches responses with a cache server set on the gateway and a responseCacheLookup route policy; "
                   "not exported");
      if (!rp.empty()) route["requestPolicies"] = rp;
      routes.push_back(route);
    }
    if (auto limiting = oci_rate_limiting()) policies["rateLimiting"] = *limiting;
    for (const auto& p : cfg_.usage_plans)
      plan_note("export-unsupported", p,
                "OCI usage plans, subscribers and their entitlements are separate resources (oci api-gateway usage-plan "
                "create); not exported");
    if (!policies.empty()) spec["requestPolicies"] = policies;
    spec["routes"] = routes;
    add_file("deployment.json", dump(spec));
  }

  json oci_cors(const Route& r) {
    const model::CorsPolicy& c = *r.cors;
    json cors = {{"allowedOrigins", c.origins}, {"allowedMethods", cors_methods(c, {&r})}};
    cors["allowedHeaders"] = c.headers.empty() ? std::vector<std::string>{"*"} : c.headers;
    if (!c.expose_headers.empty()) cors["exposedHeaders"] = c.expose_headers;
    cors["isAllowCredentialsEnabled"] = c.credentials;
    if (c.max_age) {
      int64_t seconds = seconds_of(*c.max_age);
      if (seconds > 86400) cors_note("export-approximated", r, "OCI caches preflights at most 86400 s; maxAgeInSeconds is cut to it");
      cors["maxAgeInSeconds"] = std::min<int64_t>(seconds, 86400);
    }
    return cors;
  }

  // OCI limits a whole deployment (per client IP or in total), in whole requests per second: the first throttle of the
  // config stands for all, and every route it does not describe exactly is reported.
  std::optional<json> oci_rate_limiting() {
    const Route* chosen = nullptr;
    for (const auto& r : cfg_.routes)
      if (r.rate_limit && r.rate_limit->throttle) {
        chosen = &r;
        break;
      }
    for (const auto& r : cfg_.routes)
      if (r.rate_limit && r.rate_limit->quota)
        limit_note("export-unsupported", r,
                   "OCI counts quotas in usage plans (separate resources); " + describe(*r.rate_limit->quota) + " is not exported");
    if (!chosen) return std::nullopt;
    const model::RateLimit& limit = *chosen->rate_limit;
    const model::Throttle& t = *limit.throttle;
    auto rate = std::clamp<int64_t>(static_cast<int64_t>(std::ceil(t.rate)), 1, 10000);
    bool per_ip = limit.per == model::RateLimit::Per::Ip;
    std::string scope = per_ip ? "per client IP" : "for the whole deployment";
    limit_note("export-approximated", *chosen,
               "OCI rate limiting is deployment-wide: " + describe(t) + " is exported as " + std::to_string(rate) +
                   " requests per second " + scope + " (rateKey " + (per_ip ? "CLIENT_IP" : "TOTAL") + "), without bursts");
    for (const auto& r : cfg_.routes) {
      if (!r.rate_limit || !r.rate_limit->throttle) {
        approximated(r, "rate_limit", "OCI rate limiting is deployment-wide: route '" + r.id + "' is limited too (" +
                                          std::to_string(rate) + " requests per second " + scope + ")");
        continue;
      }
      bool replaced = r.rate_limit->from != limit.from;
      bool wider = r.rate_limit->per == model::RateLimit::Per::Key || r.rate_limit->per == model::RateLimit::Per::Route ||
                   (r.rate_limit->per == model::RateLimit::Per::Global && r.rate_limit->from != "policies");
      if (replaced || wider)
        limit_note("export-approximated", r,
                   "OCI rate limiting is deployment-wide (per client IP or in total): a limit per " + per_name(r.rate_limit->per) +
                       (replaced ? " is replaced by the one from " + limit.from : " is exported as the deployment's"));
    }
    return json{{"rateInRequestsPerSecond", rate}, {"rateKey", per_ip ? "CLIENT_IP" : "TOTAL"}};
  }

  // ---- Kong 3.x (decK) ----------------------------------------------------------------------------------------------

  void kong() {
    json doc;
    doc["_format_version"] = "3.0";
    json services = json::array();
    std::map<std::string, size_t> service_index;
    for (const auto& b : cfg_.backends) {
      if (b.lambda) continue;  // its routes stand alone with the aws-lambda plugin
      json s = {{"name", b.name}, {"url", origin(b.url) + (b.url.base_path.empty() ? "/" : b.url.base_path)}};
      s["connect_timeout"] = millis(b.timeout);
      s["read_timeout"] = millis(b.timeout);
      s["write_timeout"] = millis(b.timeout);
      s["retries"] = b.retries;
      if (!b.tls_verify) s["tls_verify"] = false;
      s["routes"] = json::array();
      service_index[b.name] = services.size();
      services.push_back(s);
    }
    json standalone_routes = json::array();
    json consumers = json::array();
    std::map<std::string, std::string> plugin_of;  // scheme → plugin name
    for (const AuthScheme* a : used_auth()) {
      if (a->type == AuthScheme::Type::ApiKey) {
        plugin_of[a->name] = "key-auth";
        if (a->in == "cookie") auth_note("export-unsupported", *a, "key-auth reads headers and query parameters, not cookies");
        if (a->keys.empty()) auth_note("export-unsupported", *a, "the scheme lists no keys: add consumers with keyauth_credentials");
        for (size_t i = 0; i < a->keys.size(); ++i) {
          json consumer = {{"username", a->name + "-key-" + std::to_string(i + 1)},
                           {"keyauth_credentials", json::array({{{"key", a->keys[i]}}})}};
          // A key's usage plan: a rate-limiting plugin on its consumer (Kong OSS has no consumer-group limits).
          const model::UsagePlan* plan = nullptr;
          if (a->credentials && i < a->credentials->keys.size()) plan = cfg_.find_plan(a->credentials->keys[i].plan);
          if (plan) {
            json limits = kong_limits(plan->throttle, plan->quota, [&](const std::string& rule, const std::string& message) {
              plan_note(rule, *plan, message);
            });
            if (!limits.empty()) {
              limits["limit_by"] = "consumer";
              limits["policy"] = "local";
              consumer["plugins"] = json::array({{{"name", "rate-limiting"}, {"config", limits}}});
            }
          }
          consumers.push_back(consumer);
        }
      } else if (a->type == AuthScheme::Type::Basic) {
        plugin_of[a->name] = "basic-auth";
        for (const auto& [user, password] : a->users) {
          consumers.push_back({{"username", user}, {"basicauth_credentials", json::array({{{"username", user}, {"password", password}}})}});
          if (password.rfind("$", 0) == 0 || password.rfind("{SHA}", 0) == 0)
            auth_note("export-approximated", *a,
                      "user '" + user + "' has a password hash; Kong hashes the plain password itself, so set it again");
        }
      } else if (a->type == AuthScheme::Type::Jwt) {
        plugin_of[a->name] = "jwt";
        json secret = {{"key", a->issuer.empty() ? a->name : a->issuer}};
        if (!a->secret.empty()) {
          secret["algorithm"] = "HS256";
          secret["secret"] = a->secret;
        } else {
          secret["algorithm"] = "RS256";
          secret["rsa_public_key"] = "REPLACE WITH THE ISSUER'S PEM PUBLIC KEY";
          auth_note("export-approximated", *a,
                    "Kong's jwt plugin verifies RS256 with one PEM key per consumer; paste the issuer's public key into "
                    "rsa_public_key (JWKS files are not exported)");
        }
        consumers.push_back({{"username", a->name + "-issuer"}, {"jwt_secrets", json::array({secret})}});
        if (!a->audiences.empty() || !a->scopes.empty())
          auth_note("export-unsupported", *a, "Kong's jwt plugin checks the issuer (key claim) and exp only; audiences and scopes are not enforced");
      } else {
        auth_note("export-unsupported", *a, "opaque bearer tokens need a custom plugin (or the openid-connect Enterprise plugin); not exported");
      }
    }
    for (const auto& r : cfg_.routes) {
      json route = {{"name", r.id}};
      json methods = json::array();
      for (const auto& m : r.methods)
        if (m != "ANY") methods.push_back(m);
      // A preflight is an OPTIONS request: the route must take it for the cors plugin to answer.
      if (r.cors && !methods.empty() && std::find(methods.begin(), methods.end(), "OPTIONS") == methods.end())
        methods.push_back("OPTIONS");
      if (!methods.empty()) route["methods"] = methods;
      route["paths"] = json::array({kong_path(r.path)});
      route["strip_path"] = false;
      json plugins = json::array();
      if (!r.auth.empty()) {
        if (r.auth.size() > 1)
          approximated(r, "auth",
                       "Kong runs every auth plugin on a route (AND); the alternatives (OR) of route '" + r.id +
                           "' need an anonymous consumer on each plugin to behave as OR");
        std::set<std::string> added;
        for (const auto& alt : r.auth)
          for (const auto& [name, wanted] : alt) {
            auto it = plugin_of.find(name);
            if (it == plugin_of.end()) {
              unsupported(r, "auth", "scheme '" + name + "' has no Kong plugin here; not enforced on route '" + r.id + "'");
              continue;
            }
            if (!added.insert(it->second).second) continue;
            json p = {{"name", it->second}};
            const AuthScheme* a = cfg_.find_auth(name);
            if (it->second == "key-auth" && a)
              p["config"] = {{"key_names", json::array({a->param_name})}, {"key_in_header", a->in == "header"},
                             {"key_in_query", a->in == "query"}, {"hide_credentials", false}};
            if (it->second == "jwt") p["config"] = {{"key_claim_name", "iss"}, {"claims_to_verify", json::array({"exp"})}};
            plugins.push_back(p);
          }
      }
      kong_policies(r, plugins);
      const model::Backend* lambda_backend = r.proxy ? backend_of(r) : nullptr;
      if (lambda_backend && lambda_backend->lambda) {
        // Kong's aws-lambda plugin invokes the function with API Gateway's 1.0 event and reads its response object.
        LambdaFunction fn = lambda_function(*lambda_backend);
        std::string name = fn.arn.substr(fn.arn.rfind(":function:") + 10);
        json config = {{"function_name", fn.placeholders ? name : fn.arn},
                       {"awsgateway_compatible", true},
                       {"timeout", millis(timeout_of(r))}};
        if (!fn.placeholders) config["aws_region"] = fn.region;
        if (lambda_backend->lambda->format == model::Lambda::Format::V2)
          approximated(r, "proxy", "Kong's aws-lambda plugin sends API Gateway's payload format 1.0; backend '" +
                                       lambda_backend->name + "' is written for 2.0");
        plugins.push_back({{"name", "aws-lambda"}, {"config", config}});
        route["plugins"] = plugins;
        standalone_routes.push_back(route);
      } else if (r.proxy) {
        const model::Backend* b = backend_of(r);
        if (!b) continue;
        if (r.proxy->path && r.proxy->path->text != r.path.text) {
          std::string uri;
          for (const auto& s : r.proxy->path->segments) {
            uri += "/";
            if (s.kind == Segment::Kind::Literal) uri += s.literal;
            else if (s.kind == Segment::Kind::Mixed) uri += s.prefix + "$(uri_captures." + s.param + ")" + s.suffix;
            else uri += "$(uri_captures." + s.param + ")";
          }
          if (uri.empty() || r.proxy->path->trailing_slash) uri += "/";
          plugins.push_back({{"name", "request-transformer"}, {"config", {{"replace", {{"uri", b->url.base_path + uri}}}}}});
        }
        if (r.proxy->timeout)
          approximated(r, "proxy.timeout", "Kong sets timeouts per service; the route's timeout is not exported (the service has the backend's)");
        if (!plugins.empty()) route["plugins"] = plugins;
        services[service_index[b->name]]["routes"].push_back(route);
      } else {
        model::MockResponse m = answer(r);
        json cfg = {{"status_code", m.status}};
        if (!m.body.empty()) {
          cfg["body"] = m.body;
          cfg["content_type"] = content_type(m);
        }
        for (const auto& [k, v] : m.headers)
          if (lower(k) != "content-type") {
            approximated(r, "mock.headers", "request-termination cannot set response headers; header " + k + " is dropped");
          }
        plugins.push_back({{"name", "request-termination"}, {"config", cfg}});
        route["plugins"] = plugins;
        standalone_routes.push_back(route);
      }
    }
    // Services nothing routes to are still exported (decK keeps them); empty route lists are left out.
    for (auto& s : services)
      if (s["routes"].empty()) s.erase("routes");
    for (const auto& p : cfg_.usage_plans) {
      if (!p.route_throttle.empty())
        plan_note("export-unsupported", p,
                  "per-route throttles of a plan need a rate-limiting plugin scoped to both the consumer and the route; "
                  "not exported");
      if (!used_by_key(p.name))
        plan_note("export-unsupported", p, "no key of a key-auth scheme names the plan, so no consumer carries its limits");
    }
    if (!services.empty()) doc["services"] = services;
    if (!standalone_routes.empty()) doc["routes"] = standalone_routes;
    if (!consumers.empty()) doc["consumers"] = consumers;
    add_file("kong.yaml", import::to_yaml(doc, "# Kong 3.x declarative config, generated by 'apigw export --target kong' from " +
                                                    std::filesystem::path(cfg_.file).filename().string() + ".\n# Apply it with: deck gateway sync kong.yaml\n"));
  }

  bool used_by_key(const std::string& plan) const {
    for (const AuthScheme* a : used_auth())
      if (a->type == AuthScheme::Type::ApiKey && a->credentials)
        for (const auto& k : a->credentials->keys)
          if (k.plan == plan) return true;
    return false;
  }

  // Kong's rate-limiting counts fixed windows (second ... month), not a token bucket; what does not fit goes to `report`.
  static json kong_limits(const std::optional<model::Throttle>& throttle, const std::optional<model::Quota>& quota,
                          const std::function<void(const std::string&, const std::string&)>& report) {
    json config = json::object();
    if (throttle) {
      std::string window = throttle->rate >= 1 ? "second" : "minute";
      auto count = static_cast<int64_t>(std::ceil(throttle->rate * (throttle->rate >= 1 ? 1 : 60)));
      config[window] = count;
      report("export-approximated", "Kong counts fixed windows: " + describe(*throttle) + " is exported as " +
                                        std::to_string(count) + " per " + window + ", without bursts");
    }
    if (quota) {
      if (quota->period == model::Quota::Period::Week)
        report("export-unsupported", "Kong has no weekly window; " + describe(*quota) + " is not exported");
      else
        config[period_name(quota->period)] = quota->limit;
      if (quota->offset != 0) report("export-unsupported", "Kong has no quota offset; not exported");
    }
    return config;
  }

  // The route's CORS, rate limit and cache as Kong plugins.
  void kong_policies(const Route& r, json& plugins) {
    if (r.cors) {
      const model::CorsPolicy& c = *r.cors;
      json origins = json::array();
      for (const auto& o : c.origins) {
        if (!wildcard_subdomain(o)) {
          origins.push_back(o);
          continue;
        }
        // Kong reads an origin with regex characters as a regex matched against the whole Origin.
        std::string regex;
        for (char ch : o) regex += ch == '*' ? std::string("[^/]+") : ch == '.' ? std::string("\\.") : std::string(1, ch);
        origins.push_back(regex);
      }
      json config = {{"origins", origins}, {"methods", cors_methods(c, {&r})}};
      if (!c.headers.empty()) config["headers"] = c.headers;
      if (!c.expose_headers.empty()) config["exposed_headers"] = c.expose_headers;
      config["credentials"] = c.credentials;
      if (c.max_age) config["max_age"] = seconds_of(*c.max_age);
      config["preflight_continue"] = false;
      plugins.push_back({{"name", "cors"}, {"config", config}});
    }
    if (r.rate_limit) {
      json config = kong_limits(r.rate_limit->throttle, r.rate_limit->quota,
                                [&](const std::string& rule, const std::string& message) { limit_note(rule, r, message); });
      if (!config.empty()) {
        switch (r.rate_limit->per) {
          case model::RateLimit::Per::Key: config["limit_by"] = "consumer"; break;  // Kong falls back to the IP without one
          case model::RateLimit::Per::Ip: config["limit_by"] = "ip"; break;
          case model::RateLimit::Per::Global:
            limit_note("export-approximated", r, "Kong counts a route's plugin per route, not once for every route it applies to");
            [[fallthrough]];
          case model::RateLimit::Per::Route:
            config["limit_by"] = "service";
            if (!r.proxy) limit_note("export-approximated", r, "route '" + r.id + "' has no service, so Kong counts it per client IP");
            break;
        }
        config["policy"] = "local";
        plugins.push_back({{"name", "rate-limiting"}, {"config", config}});
        if (!cfg_.usage_plans.empty())
          limit_note("export-approximated", r,
                     "Kong runs one rate-limiting plugin per request, the most specific: a consumer's plan limits and this "
                     "route's do not add up");
      }
    }
    if (r.cache) {
      json config = {{"strategy", "memory"},
                     {"cache_ttl", seconds_of(r.cache->ttl)},
                     {"request_method", json::array({"GET", "HEAD"})},
                     {"response_code", json::array({200, 201, 202, 203, 204, 205, 206, 301, 404, 410})}};
      if (!r.cache->query.empty()) config["vary_query_params"] = r.cache->query;
      if (!r.cache->headers.empty()) config["vary_headers"] = r.cache->headers;
      plugins.push_back({{"name", "proxy-cache"}, {"config", config}});
      cache_note("export-approximated", r,
                 "proxy-cache keeps only the content types of its content_type list (text/plain and application/json by "
                 "default), in each node's memory without max_entries or max_entry_size, and ignores clients' "
                 "Cache-Control (purge it through the Admin API)");
    }
  }

  // ---- Azure API Management -----------------------------------------------------------------------------------------

  void azure() {
    json doc;
    doc["openapi"] = "3.0.1";
    doc["info"] = info();
    json servers = json::array();
    for (const auto& b : cfg_.backends) {
      servers.push_back({{"url", origin(b.url) + b.url.base_path}, {"description", "backend '" + b.name + "'"}});
      break;
    }
    // Mocks alone need no backend; a relative server keeps validators (redocly's no-empty-servers) satisfied.
    if (servers.empty()) servers.push_back({{"url", "/"}});
    doc["servers"] = servers;
    json paths = json::object();
    for (const AuthScheme* a : used_auth()) {
      if (a->type == AuthScheme::Type::Basic) {
        auth_note("export-approximated", *a,
                  "Basic authentication is checked with check-header for 'Authorization' values built from the users; "
                  "hashed passwords cannot be checked and are not exported");
      }
      if (a->type == AuthScheme::Type::Bearer)
        auth_note("export-unsupported", *a, "opaque bearer tokens need a policy that calls an introspection endpoint; only the header's presence is checked");
      if (a->type == AuthScheme::Type::ApiKey && a->keys.empty())
        auth_note("export-unsupported", *a, "the scheme lists no keys; check-header only requires the header (use APIM subscription keys instead)");
    }
    for (const auto& p : cfg_.usage_plans)
      plan_note("export-unsupported", p,
                "APIM sets per-key limits on products: create a product per plan with rate-limit and quota policies and "
                "subscribe the callers (APIM subscription keys replace the config's keys); not exported");
    for (const Op& o : operations()) {
      const Route& r = *o.route;
      if (o.method == "ANY") unsupported(r, "method", "OpenAPI has no ANY method; exported as GET, POST, PUT, PATCH and DELETE");
      std::vector<std::string> methods = o.method == "ANY" ? std::vector<std::string>{"GET", "POST", "PUT", "PATCH", "DELETE"}
                                                            : std::vector<std::string>{o.method};
      for (const auto& m : methods) {
        std::string id = o.method == "ANY" ? o.id + "-" + lower(m) : o.id;
        json op;
        op["operationId"] = id;
        op["summary"] = summary_of(r, m);
        json params = parameters(r, false);
        if (!params.empty()) op["parameters"] = params;
        op["responses"] = {{"default", {{"description", r.proxy ? "Proxied from backend '" + r.proxy->backend + "'" : "Mock response"}}}};
        paths[plain_params(r.path.text)][lower(m)] = op;
        add_file("policies/" + id + ".xml", azure_policy(r));
      }
    }
    doc["paths"] = paths;
    std::string openapi = dump(doc);
    json arm = azure_template(openapi);
    // The main document first, then the policies in operation order, then the template that deploys them all.
    result_.files.insert(result_.files.begin(), File{"openapi.json", std::move(openapi)});
    add_file("azuredeploy.json", dump(arm));
  }

  // An ARM template (deploymentTemplate 2019-04-01) that imports the OpenAPI document into an existing API
  // Management service as one API and sets each operation's policy from policies/ID.xml (the same texts, inlined):
  //   az deployment group create -g GROUP --template-file azuredeploy.json --parameters apimServiceName=NAME
  json azure_template(const std::string& openapi) const {
    // A string value that starts with '[' is an ARM expression; '[[' writes the bracket literally.
    auto literal = [](const std::string& text) { return !text.empty() && text[0] == '[' ? "[" + text : text; };
    std::string api_id;
    for (char c : cfg_.name.empty() ? std::string("api") : cfg_.name)
      api_id += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : '-';
    json api_properties = {{"displayName", cfg_.name.empty() ? "api" : cfg_.name},
                           {"path", "[parameters('apiPath')]"},
                           {"protocols", json::array({"https"})},
                           {"subscriptionRequired", false},
                           {"format", "openapi+json"},
                           {"value", literal(openapi)}};
    json resources = json::array();
    resources.push_back({{"type", "Microsoft.ApiManagement/service/apis"},
                         {"apiVersion", "2022-08-01"},
                         {"name", "[format('{0}/{1}', parameters('apimServiceName'), parameters('apiId'))]"},
                         {"properties", api_properties}});
    const std::string api_ref =
        "[resourceId('Microsoft.ApiManagement/service/apis', parameters('apimServiceName'), parameters('apiId'))]";
    for (const auto& f : result_.files) {
      if (f.name.rfind("policies/", 0) != 0) continue;
      std::string op_id = f.name.substr(9, f.name.size() - 9 - 4);  // policies/ID.xml
      resources.push_back(
          {{"type", "Microsoft.ApiManagement/service/apis/operations/policies"},
           {"apiVersion", "2022-08-01"},
           {"name", "[format('{0}/{1}/{2}/policy', parameters('apimServiceName'), parameters('apiId'), '" + op_id + "')]"},
           {"dependsOn", json::array({api_ref})},
           {"properties", {{"format", "rawxml"}, {"value", literal(f.text)}}}});
    }
    return {{"$schema", "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"},
            {"contentVersion", "1.0.0.0"},
            {"parameters",
             {{"apimServiceName", {{"type", "string"}, {"metadata", {{"description", "An existing API Management service"}}}}},
              {"apiId", {{"type", "string"}, {"defaultValue", api_id}}},
              {"apiPath", {{"type", "string"}, {"defaultValue", api_id}, {"metadata", {{"description", "The API's URL suffix"}}}}}}},
            {"resources", resources}};
  }

  // <cors>, as several lines to indent like the others.
  std::string azure_cors(const Route& r) {
    const model::CorsPolicy& c = *r.cors;
    std::string x = std::string("<cors allow-credentials=\"") + (c.credentials ? "true" : "false") + "\">\n";
    auto add = [&](const std::string& s) { x += "      " + s + "\n"; };
    add("<allowed-origins>");
    for (const auto& o : c.origins) {
      add("  <origin>" + xml_escape(o) + "</origin>");
      if (wildcard_subdomain(o))
        cors_note("export-approximated", r, "APIM compares origins exactly: '" + o + "' matches only itself; list the subdomains");
    }
    add("</allowed-origins>");
    add("<allowed-methods" + (c.max_age ? " preflight-result-max-age=\"" + std::to_string(seconds_of(*c.max_age)) + "\"" : std::string()) + ">");
    for (const auto& m : cors_methods(c, {&r})) add("  <method>" + xml_escape(m) + "</method>");
    add("</allowed-methods>");
    add("<allowed-headers>");
    for (const auto& h : c.headers.empty() ? std::vector<std::string>{"*"} : c.headers) add("  <header>" + xml_escape(h) + "</header>");
    add("</allowed-headers>");
    if (!c.expose_headers.empty()) {
      add("<expose-headers>");
      for (const auto& h : c.expose_headers) add("  <header>" + xml_escape(h) + "</header>");
      add("</expose-headers>");
    }
    cors_note("export-approximated", r,
              "the cors policy is exported in each operation's policy; APIM answers preflights (OPTIONS, which match no "
              "operation) from the API's policy, so copy it there too");
    return x + "    </cors>";
  }

  // rate-limit-by-key and quota-by-key, counted under a key that says for whom as the config's `per` does.
  std::string azure_limits(const Route& r) {
    const model::RateLimit& limit = *r.rate_limit;
    std::string key;
    switch (limit.per) {
      case model::RateLimit::Per::Key: {
        std::string header = "Authorization";
        for (const auto& alt : r.auth)
          for (const auto& [name, scopes] : alt)
            if (const AuthScheme* a = cfg_.find_auth(name); a && a->type == AuthScheme::Type::ApiKey && a->in == "header" && header == "Authorization")
              header = a->param_name;
        if (header == "Authorization")
          limit_note("export-approximated", r, "callers without an API key header are counted by their Authorization header");
        key = "@(context.Request.Headers.GetValueOrDefault(\"" + header + "\",\"\"))";
        break;
      }
      case model::RateLimit::Per::Ip: key = "@(context.Request.IpAddress)"; break;
      case model::RateLimit::Per::Route: key = "route-" + r.id; break;
      case model::RateLimit::Per::Global:
        for (char c : limit.from) key += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
        break;
    }
    std::string x;
    if (limit.throttle) {
      const model::Throttle& t = *limit.throttle;
      int64_t period = std::max<int64_t>(1, std::llround(static_cast<double>(t.burst) / t.rate));
      x += "<rate-limit-by-key calls=\"" + std::to_string(t.burst) + "\" renewal-period=\"" + std::to_string(period) +
           "\" counter-key=\"" + xml_escape(key) + "\" />";
      limit_note("export-approximated", r,
                 "APIM counts fixed windows: " + describe(t) + " is exported as " + std::to_string(t.burst) + " calls per " +
                     std::to_string(period) + " s");
    }
    if (limit.quota) {
      const model::Quota& q = *limit.quota;
      int64_t days = q.period == model::Quota::Period::Day ? 1 : q.period == model::Quota::Period::Week ? 7 : 30;
      if (!x.empty()) x += "\n    ";
      x += "<quota-by-key calls=\"" + std::to_string(q.limit) + "\" renewal-period=\"" + std::to_string(days * 86400) +
           "\" counter-key=\"" + xml_escape(key) + "\" />";
      limit_note("export-approximated", r,
                 "APIM quota periods run from the first call, not from calendar boundaries (a month is 30 days)" +
                     std::string(q.offset != 0 ? "; the quota offset is not exported" : ""));
    }
    return x;
  }

  std::string azure_policy(const Route& r) {
    std::string in;
    std::string out;
    auto line = [&](const std::string& s) { in += "    " + s + "\n"; };
    if (r.cors) line(azure_cors(r));  // first: a preflight carries no credentials
    if (!r.auth.empty()) {
      if (r.auth.size() > 1)
        approximated(r, "auth", "APIM policies run in sequence (AND); only the first auth alternative of route '" + r.id + "' is exported");
      for (const auto& [name, wanted] : r.auth.front()) {
        const AuthScheme* a = cfg_.find_auth(name);
        if (!a) continue;
        if (a->type == AuthScheme::Type::ApiKey) {
          if (a->in != "header") {
            approximated(r, "auth", "check-header reads headers; the key in " + a->in + " '" + a->param_name + "' is checked as a header");
          }
          std::string x = "<check-header name=\"" + xml_escape(a->param_name) +
                          "\" failed-check-httpcode=\"401\" failed-check-error-message=\"Unauthorized\" ignore-case=\"false\"";
          if (a->keys.empty()) line(x + " />");
          else {
            line(x + ">");
            for (const auto& k : a->keys) line("  <value>" + xml_escape(k) + "</value>");
            line("</check-header>");
          }
        } else if (a->type == AuthScheme::Type::Jwt) {
          line("<validate-jwt header-name=\"Authorization\" failed-validation-httpcode=\"401\" failed-validation-error-message=\"Unauthorized\" require-scheme=\"Bearer\" clock-skew=\"" +
               std::to_string(std::chrono::duration_cast<std::chrono::seconds>(a->leeway).count()) + "\">");
          if (!a->issuer.empty())
            line("  <openid-config url=\"" + xml_escape(a->issuer + (a->issuer.back() == '/' ? "" : "/") + ".well-known/openid-configuration") + "\" />");
          if (!a->secret.empty()) {
            line("  <issuer-signing-keys>");
            line("    <key>{{jwt-signing-key-" + xml_escape(a->name) + "}}</key>");
            line("  </issuer-signing-keys>");
            auth_note("export-approximated", *a,
                      "the HMAC secret goes into the named value jwt-signing-key-" + a->name + " (base64), not into the policy");
          }
          if (!a->audiences.empty()) {
            line("  <audiences>");
            for (const auto& x : a->audiences) line("    <audience>" + xml_escape(x) + "</audience>");
            line("  </audiences>");
          }
          if (!a->issuer.empty()) {
            line("  <issuers>");
            line("    <issuer>" + xml_escape(a->issuer) + "</issuer>");
            line("  </issuers>");
          }
          if (!wanted.empty()) {
            line("  <required-claims>");
            line("    <claim name=\"scope\" match=\"all\" separator=\" \">");
            for (const auto& s : wanted) line("      <value>" + xml_escape(s) + "</value>");
            line("    </claim>");
            line("  </required-claims>");
          }
          line("</validate-jwt>");
        } else {
          line("<check-header name=\"Authorization\" failed-check-httpcode=\"401\" failed-check-error-message=\"Unauthorized\" ignore-case=\"false\" />");
        }
      }
    }
    if (r.rate_limit) line(azure_limits(r));
    if (r.cache && std::any_of(r.methods.begin(), r.methods.end(), [](const std::string& m) { return m == "GET" || m == "ANY"; })) {
      line("<cache-lookup vary-by-developer=\"false\" vary-by-developer-groups=\"false\" downstream-caching-type=\"none\">");
      for (const auto& q : r.cache->query) line("  <vary-by-query-parameter>" + xml_escape(q) + "</vary-by-query-parameter>");
      for (const auto& h : r.cache->headers) line("  <vary-by-header>" + xml_escape(h) + "</vary-by-header>");
      line("</cache-lookup>");
      out += "    <cache-store duration=\"" + std::to_string(seconds_of(r.cache->ttl)) + "\" />\n";
      cache_note("export-approximated", r,
                 "APIM's cache has its own size and ignores clients' Cache-Control: max_entries, max_entry_size and "
                 "invalidation are not exported");
    } else if (r.cache) {
      cache_note("export-unsupported", r, "APIM caches answers to GET only; not exported for this route's methods");
    }
    if (r.proxy) {
      const model::Backend* b = backend_of(r);
      if (b) {
        line("<set-backend-service base-url=\"" + xml_escape(origin(b->url) + b->url.base_path) + "\" />");
        if (r.proxy->path && r.proxy->path->text != r.path.text)
          line("<rewrite-uri template=\"" + xml_escape(plain_params(r.proxy->path->text)) + "\" copy-unmatched-params=\"true\" />");
        if (!b->tls_verify)
          note("export-unsupported", cfg_.file, b->mark, "backends." + b->name + ".tls_verify",
               "backend '" + b->name + "': certificate checks are set on the APIM backend entity, not in policy; not exported");
      }
    } else {
      model::MockResponse m = answer(r);
      line("<return-response>");
      line("  <set-status code=\"" + std::to_string(m.status) + "\" reason=\"" + xml_escape(status_reason(m.status)) + "\" />");
      bool has_type = false;
      for (const auto& [k, v] : m.headers) {
        has_type = has_type || lower(k) == "content-type";
        line("  <set-header name=\"" + xml_escape(k) + "\" exists-action=\"override\">");
        line("    <value>" + xml_escape(v) + "</value>");
        line("  </set-header>");
      }
      if (!has_type && !m.body.empty())
        line("  <set-header name=\"content-type\" exists-action=\"override\">\n        <value>application/json</value>\n      </set-header>");
      if (!m.body.empty()) {
        if (m.body[0] == '@')
          approximated(r, "mock.body", "a body starting with '@' is read as a policy expression by APIM; check it after import");
        line("  <set-body>" + xml_escape(m.body) + "</set-body>");
      }
      line("</return-response>");
    }
    return "<policies>\n  <inbound>\n    <base />\n" + in +
           "  </inbound>\n  <backend>\n    <base />\n  </backend>\n  <outbound>\n    <base />\n" + out + "  </outbound>\n"
           "  <on-error>\n    <base />\n  </on-error>\n</policies>\n";
  }
};

}  // namespace

const std::vector<std::string>& target_names() {
  static const std::vector<std::string> names = {"aws-rest", "aws-http", "kong", "gcp", "oci", "azure"};
  return names;
}

std::string lint_target(const std::string& target) { return target == "kong" ? "" : target; }

Result export_config(const model::Config& cfg, const std::string& target) { return Exporter(cfg, target).run(); }


std::string kong_path(const router::PathTemplate& path) {
  auto regex_escape = [](const std::string& s) {
    std::string out;
    for (char c : s) {
      if (std::string_view(".^$*+?()[]{}|\\").find(c) != std::string_view::npos) out += '\\';
      out += c;
    }
    return out;
  };
  std::string out = "~";
  for (const auto& s : path.segments) {
    out += "/";
    switch (s.kind) {
      case Segment::Kind::Literal: out += regex_escape(s.literal); break;
      case Segment::Kind::Param: out += "(?<" + s.param + ">[^/]+)"; break;
      case Segment::Kind::Mixed: out += regex_escape(s.prefix) + "(?<" + s.param + ">[^/]+)" + regex_escape(s.suffix); break;
      case Segment::Kind::Greedy: out += "(?<" + s.param + ">.+)"; break;
    }
  }
  if (path.segments.empty() || path.trailing_slash) out += "/";
  out += "$";
  // Literal paths are regexes too: a plain Kong path is a prefix and would also match everything below it.
  return out;
}

}  // namespace apigw::exporter
