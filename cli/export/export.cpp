// apigw export: one builder per target over the same loaded config. Each builder reports what it drops or
// approximates through note(); docs/export.md lists the same per target.
#include "cli/export/export.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <memory>
#include <set>

#include <nlohmann/json.hpp>

#include "cli/import/importer.hpp"
#include "emulator/openapi/model.hpp"
#include "emulator/openapi/spec.hpp"
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

  // What no target expresses: emulator-only behaviour.
  void common_notes() {
    std::set<const model::CorsPolicy*> cors_noted;  // one note per policy, where it is written
    for (const auto& r : cfg_.routes) {
      if (r.cors && cors_noted.insert(r.cors.get()).second)
        note("export-unsupported", r.file, r.cors->mark, r.cors->from == "route" ? r.key_path + ".cors" : "cors",
             "CORS (" + r.cors->from + ") is not exported yet; configure it on the target (AWS: OPTIONS mock "
             "integrations or the HTTP API's cors setting; Azure: the cors policy; Kong: the cors plugin)");
      if (r.cache)
        unsupported(r, "cache",
                    "the response cache is not exported yet; set it on the target (AWS: the stage's cache cluster and "
                    "per-method caching; Azure: cache-lookup/cache-store; Kong: proxy-cache)");
      if (r.delay.count() > 0 || (r.mock && r.mock->delay.count() > 0))
        unsupported(r, "delay", "the route's delay is an emulator feature; not exported");
      if (!r.fault.empty()) unsupported(r, "fault", "fault '" + r.fault + "' is an emulator feature; not exported");
      if (!r.state.empty())
        approximated(r, "state",
                     "stateful mock '" + r.state + "' has no managed-gateway equivalent; exported as a mock that answers "
                     "501 (point the route at a real backend)");
      if (r.validate && validates_responses(*r.validate))
        unsupported(r, "validate", "response validation is not enforced by managed gateways; not exported");
      if (r.rate_limit)
        unsupported(r, "rate_limit",
                    "rate limits and quotas (from " + r.rate_limit->from + ") are not exported yet; set the "
                    "target's throttling for the deployed stage");
      for (const auto& alt : r.auth_claims)
        for (const auto& rules : alt)
          if (!rules.empty()) {
            unsupported(r, "auth", "claim requirements besides scopes are not exported; enforce them in the backend");
            break;
          }
    }
    for (const auto& p : cfg_.usage_plans)
      note("export-unsupported", cfg_.file, p.mark, "usage_plans." + p.name,
           "usage plan '" + p.name + "' is not exported yet; create it in the target (AWS: aws apigateway "
           "create-usage-plan) and attach the keys");
    if (validates_responses(cfg_.validate))
      note("export-unsupported", cfg_.file, {1, 1}, "validate",
           target_ + " does not validate responses; `validate: " +
               std::string(cfg_.validate == model::Validate::Both ? "both" : "response") + "` is exported as requests only");
    for (const auto& b : cfg_.backends) {
      if (b.lambda)
        note("export-unsupported", cfg_.file, b.mark, "backends." + b.name + ".lambda",
             "backend '" + b.name + "' is a Lambda function run locally, which the export has no URL for: point its "
             "routes' integrations at the deployed function in the target");
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
      op["x-amazon-apigateway-integration"] = integration;
      paths[r.path.text][method] = op;
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
    if (cfg_.limits.read_timeout != std::chrono::seconds(5) || cfg_.limits.write_timeout != std::chrono::seconds(5))
      note("export-unsupported", cfg_.file, {1, 1}, "limits", "client read/write timeouts are fixed by API Gateway; not exported");
    add_file("openapi.json", dump(doc));
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
    std::set<std::string> kept;
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
    if (spec_) note("export-unsupported", cfg_.file, cfg_.openapi_mark, "openapi",
                    "the linked spec's schemas are not copied into the Swagger 2.0 export; API Gateway (GCP) does not validate them");
    add_file("openapi.json", dump(doc));
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
      if (!rp.empty()) route["requestPolicies"] = rp;
      routes.push_back(route);
    }
    if (!policies.empty()) spec["requestPolicies"] = policies;
    spec["routes"] = routes;
    add_file("deployment.json", dump(spec));
  }

  // ---- Kong 3.x (decK) ----------------------------------------------------------------------------------------------

  void kong() {
    json doc;
    doc["_format_version"] = "3.0";
    json services = json::array();
    std::map<std::string, size_t> service_index;
    for (const auto& b : cfg_.backends) {
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
    json mock_routes = json::array();
    json consumers = json::array();
    std::map<std::string, std::string> plugin_of;  // scheme → plugin name
    for (const AuthScheme* a : used_auth()) {
      if (a->type == AuthScheme::Type::ApiKey) {
        plugin_of[a->name] = "key-auth";
        if (a->in == "cookie") auth_note("export-unsupported", *a, "key-auth reads headers and query parameters, not cookies");
        if (a->keys.empty()) auth_note("export-unsupported", *a, "the scheme lists no keys: add consumers with keyauth_credentials");
        for (size_t i = 0; i < a->keys.size(); ++i)
          consumers.push_back({{"username", a->name + "-key-" + std::to_string(i + 1)},
                               {"keyauth_credentials", json::array({{{"key", a->keys[i]}}})}});
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
      if (r.proxy) {
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
        mock_routes.push_back(route);
      }
    }
    // Services nothing routes to are still exported (decK keeps them); empty route lists are left out.
    for (auto& s : services)
      if (s["routes"].empty()) s.erase("routes");
    if (!services.empty()) doc["services"] = services;
    if (!mock_routes.empty()) doc["routes"] = mock_routes;
    if (!consumers.empty()) doc["consumers"] = consumers;
    add_file("kong.yaml", import::to_yaml(doc, "# Kong 3.x declarative config, generated by 'apigw export --target kong' from " +
                                                    std::filesystem::path(cfg_.file).filename().string() + ".\n# Apply it with: deck gateway sync kong.yaml\n"));
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
    if (!servers.empty()) doc["servers"] = servers;
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

  std::string azure_policy(const Route& r) {
    std::string in;
    auto line = [&](const std::string& s) { in += "    " + s + "\n"; };
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
           "  </inbound>\n  <backend>\n    <base />\n  </backend>\n  <outbound>\n    <base />\n  </outbound>\n"
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
