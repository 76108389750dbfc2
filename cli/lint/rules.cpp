// The rules that run on a config that loaded. One function per rule; the table below is their registry.
#include <algorithm>
#include <optional>
#include <set>

#include "cli/lint/lint.hpp"
#include "emulator/server/contract.hpp"

namespace apigw::lint {
namespace {

using diag::Severity;

void add(diag::Diagnostics& out, const Rule& rule, const model::Config& cfg, doc::Mark mark, std::string path,
         std::string message) {
  out.push_back({rule.severity, rule.id, cfg.file, mark, std::move(path), std::move(message)});
}

bool is_local_host(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0 || host.ends_with(".localhost");
}

// Every target of a backend (`url`, or each of `urls`: requests go round-robin, so one plain target is enough).
void upstream_plain_http(const model::Config& cfg, const Rule& self, diag::Diagnostics& out) {
  for (const auto& b : cfg.backends) {
    const std::vector<model::Url>& targets = b.urls.empty() ? std::vector<model::Url>{b.url} : b.urls;
    for (size_t i = 0; i < targets.size(); ++i) {
      const model::Url& u = targets[i];
      if (u.scheme != "http" || is_local_host(u.host)) continue;
      doc::Mark mark = i < b.url_marks.size() ? b.url_marks[i] : b.mark;
      if (targets.size() == 1) {
        // at the url; the path stays the backend's, as before, so baseline fingerprints still match
        add(out, self, cfg, mark, "backends." + b.name,
            "backend '" + b.name + "' is plain http to a non-local host (" + u.host +
                "); traffic and credentials travel unencrypted");
        continue;
      }
      std::string item = "urls[" + std::to_string(i) + "]";
      add(out, self, cfg, mark, "backends." + b.name + "." + item,
          "backend '" + b.name + "': target " + item + " is plain http to a non-local host (" + u.host +
              "); traffic and credentials travel unencrypted");
    }
  }
}

// AWS REST APIs cap integration timeouts at 29 s; longer ones are a portability and latency smell.
void upstream_timeout_high(const model::Config& cfg, const Rule& self, diag::Diagnostics& out) {
  for (const auto& b : cfg.backends)
    if (b.timeout > std::chrono::seconds(29))
      add(out, self, cfg, b.mark, "backends." + b.name,
          "backend '" + b.name + "' has a timeout over 29s, the longest AWS API Gateway REST APIs allow");
}

void mock_body_without_content(const model::Config& cfg, const Rule& self, diag::Diagnostics& out) {
  for (const auto& r : cfg.routes)
    if (r.mock && (r.mock->status == 204 || r.mock->status == 304 || r.mock->status < 200) && !r.mock->body.empty())
      add(out, self, cfg, r.mark, r.key_path + ".mock",
          "status " + std::to_string(r.mock->status) + " has no body in HTTP; the mock's body is never sent");
}

std::string what_is_missing(const model::AuthScheme& a) {
  switch (a.type) {
    case model::AuthScheme::Type::ApiKey: return "no 'keys' are listed, so any non-empty key is accepted";
    case model::AuthScheme::Type::Basic: return "no 'users' are listed, so any user name and password are accepted";
    case model::AuthScheme::Type::Bearer: return "type bearer only checks that a token is present";
    case model::AuthScheme::Type::Jwt: return "no 'secret' is set, so token signatures are not verified";
  }
  return "";
}

void auth_accepts_anything(const model::Config& cfg, const Rule& self, diag::Diagnostics& out) {
  for (const auto& a : cfg.auth)
    if (a.accepts_anything()) add(out, self, cfg, a.mark, "auth." + a.name, "auth scheme '" + a.name + "': " + what_is_missing(a));
}

// Writes without authentication are how test data gets overwritten by strangers once a gateway is public.
void write_without_auth(const model::Config& cfg, const Rule& self, diag::Diagnostics& out) {
  if (cfg.auth.empty()) return;  // a config with no auth at all is a deliberate choice (a local mock)
  for (const auto& r : cfg.routes) {
    if (!r.auth.empty()) continue;
    for (const auto& m : r.methods)
      if (m == "POST" || m == "PUT" || m == "PATCH" || m == "DELETE" || m == "ANY") {
        add(out, self, cfg, r.mark, r.key_path, m + " " + r.path.text + " changes data and requires no auth");
        break;
      }
  }
}

// With credentials the gateway echoes the caller's origin (browsers refuse "*" there), so "*" + credentials lets
// every website call the API with its visitors' cookies and Authorization headers.
void cors_any_origin_credentials(const model::Config& cfg, const Rule& self, diag::Diagnostics& out) {
  std::set<const model::CorsPolicy*> seen;  // routes share the policy they inherit; report it once, where it is written
  for (const auto& r : cfg.routes) {
    const model::CorsPolicy* cors = r.cors.get();
    if (!cors || !cors->credentials || !seen.insert(cors).second) continue;
    if (std::find(cors->origins.begin(), cors->origins.end(), "*") == cors->origins.end()) continue;
    std::string where = cors->from == "route" ? r.key_path + ".cors"
                        : cors->from == "policies" ? "policies.cors"
                                                  : "groups." + cors->from.substr(6) + ".cors";
    add(out, self, cfg, cors->mark, where,
        "CORS allows any origin (\"*\") together with credentials: every website can call the API with its visitors' "
        "cookies and Authorization headers");
  }
}

void route_no_routes(const model::Config& cfg, const Rule& self, diag::Diagnostics& out) {
  if (cfg.routes.empty()) add(out, self, cfg, {1, 1}, "routes", "the config has no routes; every request will get 404");
}

// serve links routes to operations with Contracts::build; lint asks it the same question so the two never disagree.
// Its other findings (the spec does not load) are the spec's own, which lint reports when it lints the spec.
void route_operation_exists(const model::Config& cfg, const Rule& self, diag::Diagnostics& out) {
  if (std::none_of(cfg.routes.begin(), cfg.routes.end(), [](const auto& r) { return !r.operation.empty(); })) return;
  diag::Diagnostics found;
  server::Contracts::build(cfg, found);
  for (auto& d : found)
    if (d.path.ends_with(".operation") && d.message.rfind("no operation", 0) == 0)
      out.push_back({self.severity, self.id, d.file, d.mark, std::move(d.path), std::move(d.message)});
}

}  // namespace

// Categories: "config" (the file format), "gateway" (what the gateway will do), "openapi-structure" and
// "openapi-practice" (cli/lint/openapi_rules.cpp).
const std::vector<Rule>& config_rules() {
  static const std::vector<Rule> rules = {
      {"upstream-plain-http", Severity::Warn, "gateway", Ruleset::Recommended, "Backends on non-local hosts use https",
       "Use an https:// URL, or keep plain http for hosts on loopback only.", upstream_plain_http},
      {"upstream-timeout-high", Severity::Warn, "gateway", Ruleset::Recommended, "Backend timeouts stay within 29 s",
       "Lower the backend's timeout to 29s or less, or move the slow work off the request path.", upstream_timeout_high},
      {"mock-body-without-content", Severity::Warn, "gateway", Ruleset::Recommended,
       "Mocks with 1xx, 204 or 304 statuses have no body", "Remove the body, or use a status that carries one (200).",
       mock_body_without_content},
      {"auth-accepts-anything", Severity::Warn, "gateway", Ruleset::Recommended,
       "Auth schemes have something to check credentials against",
       "List 'keys' (api_key) or 'users' (basic), or set 'secret' (jwt), from ${ENV} values.", auth_accepts_anything},
      {"write-without-auth", Severity::Warn, "gateway", Ruleset::Recommended,
       "Routes that change data require auth when the config defines auth",
       "Add an auth requirement to the route (auth: [scheme-name]).", write_without_auth},
      {"cors-any-origin-credentials", Severity::Warn, "gateway", Ruleset::Recommended,
       "CORS does not allow any origin together with credentials",
       "List the origins that may call with credentials (https://app.example.com, https://*.example.com), or drop "
       "credentials: true.",
       cors_any_origin_credentials},
      {"config-no-routes", Severity::Warn, "gateway", Ruleset::Recommended, "A config has at least one route",
       "Add a route under 'routes'.", route_no_routes},
      {"route-operation-exists", Severity::Error, "gateway", Ruleset::Recommended,
       "A route's operation names an operation of the config's OpenAPI document",
       "Name an operationId, or 'METHOD /path' exactly as the spec writes the path (see the suggestion).",
       route_operation_exists},
  };
  return rules;
}

const std::vector<Rule>& catalogue() {
  static const std::vector<Rule> all = [] {
    // The loaders' findings: always reported (a ruleset cannot turn them off; a lint config's `rules:` can).
    auto loader = [](const char* id, Severity severity, const char* category, const char* description,
                     const char* fix) { return Rule{id, severity, category, Ruleset::Recommended, description, fix}; };
    std::vector<Rule> out = {
        loader("config-syntax", Severity::Error, "config",
               "The file is valid YAML or JSON (UTF-8, within nesting and size limits)",
               "Fix the syntax at the location given."),
        loader("config-duplicate-key", Severity::Error, "config", "A mapping has each key once",
               "Remove or merge the repeated key."),
        loader("config-schema", Severity::Error, "config", "Values have the type and form the config format expects",
               "See docs/config.md for the key's type; durations look like 250ms, sizes like 10MB."),
        loader("config-unknown-key", Severity::Error, "config", "Only known keys (or x- extensions) are used",
               "Use the suggested key, or prefix your own annotations with x-."),
        loader("config-duplicate-route", Severity::Error, "gateway",
               "Route ids are unique and no two routes match the same method and path",
               "Rename the id, or remove one of the routes."),
        loader("config-reference", Severity::Error, "gateway",
               "Routes name backends that exist and the openapi file exists",
               "Define the backend under 'backends', or fix the name."),
        loader("config-env", Severity::Warn, "config", "Every ${VAR} is set (or has a :-default)",
               "Export the variable, or write ${VAR:-default}."),
        loader("openapi-syntax", Severity::Error, "openapi-structure", "The OpenAPI document is valid YAML or JSON",
               "Fix the syntax at the location given."),
        loader("openapi-duplicate-key", Severity::Error, "openapi-structure",
               "A mapping in the OpenAPI document has each key once", "Remove or merge the repeated key."),
        loader("openapi-structure", Severity::Error, "openapi-structure",
               "The document declares a supported OpenAPI version and has paths",
               "Use swagger: \"2.0\" or openapi: 3.0.x / 3.1.x, and add a paths object."),
        loader("openapi-ref", Severity::Error, "openapi-structure", "Every $ref resolves (files, JSON pointers)",
               "Fix the file name or the pointer."),
        loader("openapi-remote-ref", Severity::Error, "openapi-structure", "No $ref points to the network",
               "Download the referenced file next to the spec, or bundle the spec into one file."),
        loader("openapi-ref-cycle", Severity::Error, "openapi-structure",
               "References reach a value (no $ref cycle without content)",
               "Point one of the references at the actual object."),
        loader("lint-config", Severity::Error, "config",
               "The lint config (.apigw-lint.yaml) is valid: known rule ids, severities and rulesets; ignores with reasons",
               "Fix the entry at the location given; see docs/lint.md for the format."),
    };
    for (const auto& r : config_rules()) out.push_back(r);
    for (const auto& r : openapi_rules()) out.push_back(r);
    for (const auto& r : target_rules()) out.push_back(r);
    return out;
  }();
  return all;
}

const Rule* find_rule(const std::string& id) {
  for (const auto& r : catalogue())
    if (id == r.id) return &r;
  return nullptr;
}

}  // namespace apigw::lint
