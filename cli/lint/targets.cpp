// Provider compatibility (`apigw lint --target NAME`): what each cloud gateway's import rejects or silently ignores,
// and its quotas, checked on gateway configs and OpenAPI documents alike. One rule per provider; each finding starts
// with the provider's --target name and says which limit it breaks. The limits and their sources are in each rule's
// `details` (shown by --explain) and come from ../shared/reference/lint.md.
#include <algorithm>
#include <cctype>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "cli/lint/openapi.hpp"
#include "emulator/schema/source.hpp"
#include "emulator/util/text.hpp"

namespace apigw::lint {
namespace {

using diag::Severity;
using doc::Node;
using model::AuthScheme;
using std::chrono::milliseconds;
using std::chrono::seconds;

// What the provider does with the construct: an import that fails (or a quota hit) is the rule's severity; something
// imported but silently not enforced is at most a warning, since the API still deploys.
enum class Effect { Rejects, Ignores };

void report(diag::Diagnostics& out, const Rule& self, Effect effect, const std::string& file, doc::Mark mark,
            std::string path, const std::string& message) {
  Severity s = effect == Effect::Rejects ? self.severity : std::min(self.severity, Severity::Warn);
  out.push_back({s, self.id, file, mark, std::move(path), std::string(self.target) + ": " + message});
}

std::string duration_text(model::Duration d) {
  auto ms = std::chrono::duration_cast<milliseconds>(d).count();
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + "s" : std::to_string(ms) + "ms";
}

// ---- gateway configs ----------------------------------------------------------------------------------------------

// Every integration timeout the config sets: each backend's, and each route's override.
template <class Visit>
void each_timeout(const model::Config& cfg, const Visit& visit) {
  for (const auto& b : cfg.backends)
    visit(b.timeout, b.mark, "backends." + b.name + ".timeout", "backend '" + b.name + "'");
  for (const auto& r : cfg.routes)
    if (r.proxy && r.proxy->timeout)
      visit(*r.proxy->timeout, r.mark, r.key_path + ".proxy.timeout", "route " + r.key_path);
}

void timeouts_within(const model::Config& cfg, const Rule& self, model::Duration min, model::Duration max,
                     const std::string& product, diag::Diagnostics& out) {
  each_timeout(cfg, [&](model::Duration t, doc::Mark mark, const std::string& path, const std::string& who) {
    if (t > max)
      report(out, self, Effect::Rejects, cfg.file, mark, path,
             who + ": integration timeout " + duration_text(t) + " exceeds " + product + "'s " + duration_text(max) +
                 " maximum");
    else if (t < min)
      report(out, self, Effect::Rejects, cfg.file, mark, path,
             who + ": integration timeout " + duration_text(t) + " is below " + product + "'s " + duration_text(min) +
                 " minimum");
  });
}

void body_within(const model::Config& cfg, const Rule& self, uint64_t max, const std::string& limit,
                 diag::Diagnostics& out) {
  if (cfg.limits.max_body_size > max)
    report(out, self, Effect::Rejects, cfg.file, {1, 1}, "limits.max_body_size",
           "limits.max_body_size of " + std::to_string(cfg.limits.max_body_size) + " bytes exceeds the " + limit);
}

// Greedy {name+} is API Gateway's syntax (AWS); the other gateways have none, or spell it differently.
void no_greedy(const model::Config& cfg, const Rule& self, const std::string& instead, diag::Diagnostics& out) {
  for (const auto& r : cfg.routes)
    for (const auto& s : r.path.segments)
      if (s.kind == router::Segment::Kind::Greedy)
        report(out, self, Effect::Rejects, cfg.file, r.mark, r.key_path + ".path",
               "greedy path parameter {" + s.param + "+} in " + r.path.text + " is AWS syntax; " + instead);
}

void no_partial_segments(const model::Config& cfg, const Rule& self, const std::string& product,
                         diag::Diagnostics& out) {
  for (const auto& r : cfg.routes)
    for (const auto& s : r.path.segments)
      if (s.kind == router::Segment::Kind::Mixed)
        report(out, self, Effect::Rejects, cfg.file, r.mark, r.key_path + ".path",
               "path parameter {" + s.param + "} in " + r.path.text + " shares its segment with text; " + product +
                   " needs a parameter to fill a whole segment");
}

const char* type_name(AuthScheme::Type t) {
  switch (t) {
    case AuthScheme::Type::ApiKey:
      return "api_key";
    case AuthScheme::Type::Basic:
      return "basic";
    case AuthScheme::Type::Bearer:
      return "bearer";
    case AuthScheme::Type::Jwt:
      return "jwt";
  }
  return "";
}

// The auth schemes some route requires: a scheme no route uses never reaches the provider.
std::vector<const AuthScheme*> used_auth(const model::Config& cfg) {
  std::set<std::string> names;
  for (const auto& r : cfg.routes)
    for (const auto& alternative : r.auth)
      for (const auto& [name, scopes] : alternative) names.insert(name);
  std::vector<const AuthScheme*> out;
  for (const auto& a : cfg.auth)
    if (names.count(a.name)) out.push_back(&a);
  return out;
}

void aws_rest_config(const model::Config& cfg, const Rule& self, diag::Diagnostics& out) {
  timeouts_within(cfg, self, milliseconds(50), seconds(29), "API Gateway REST", out);
  body_within(cfg, self, 10 * 1024 * 1024, "10 MB payload quota of API Gateway REST", out);
  std::set<std::string> resources;  // every path prefix is a resource
  for (const auto& r : cfg.routes) {
    std::string prefix;
    for (const auto& s : r.path.segments) {
      prefix += "/" + (s.kind == router::Segment::Kind::Literal ? s.literal : std::string("{}"));
      resources.insert(prefix);
      if (s.kind == router::Segment::Kind::Mixed)
        report(out, self, Effect::Rejects, cfg.file, r.mark, r.key_path + ".path",
               "path parameter {" + s.param + "} in " + r.path.text +
                   " shares its segment with text; API Gateway REST needs a parameter to fill a whole segment");
      if (s.kind == router::Segment::Kind::Literal &&
          !std::all_of(s.literal.begin(), s.literal.end(),
                       [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == ','; }))
        report(out, self, Effect::Rejects, cfg.file, r.mark, r.key_path + ".path",
               "path segment '" + s.literal + "' of " + r.path.text +
                   " has characters API Gateway REST does not take in a resource (letters, digits, - . _ , only)");
    }
    if (r.path.text == "/ping" || r.path.text == "/sping")
      report(out, self, Effect::Rejects, cfg.file, r.mark, r.key_path + ".path",
             r.path.text + " is reserved by API Gateway REST for its health check");
  }
  if (resources.size() > 300)
    report(out, self, Effect::Rejects, cfg.file, {1, 1}, "routes",
           std::to_string(resources.size()) + " resources (path prefixes) exceed API Gateway REST's 300 per API");
  size_t authorizers = 0;
  for (const AuthScheme* a : used_auth(cfg)) {
    if (a->type == AuthScheme::Type::ApiKey && a->in == "header" && util::to_lower(a->param_name) == "x-api-key") continue;
    ++authorizers;
    std::string what =
        a->type == AuthScheme::Type::ApiKey
            ? "API keys are read from the X-API-Key header only; a key in " + a->in + " '" + a->param_name + "'"
            : std::string(type_name(a->type)) + " authentication";
    report(out, self, Effect::Ignores, cfg.file, a->mark, "auth." + a->name,
           "auth scheme '" + a->name + "': " + what + " needs a Lambda authorizer" +
               (a->type == AuthScheme::Type::Jwt ? " (or Cognito)" : "") + " in API Gateway REST");
  }
  if (authorizers > 10)
    report(out, self, Effect::Rejects, cfg.file, {1, 1}, "auth",
           std::to_string(authorizers) + " authorizers exceed API Gateway REST's 10 per API");
}

void aws_http_config(const model::Config& cfg, const Rule& self, diag::Diagnostics& out) {
  timeouts_within(cfg, self, milliseconds(50), seconds(30), "API Gateway HTTP", out);
  body_within(cfg, self, 10 * 1024 * 1024, "10 MB payload quota of API Gateway HTTP APIs", out);
  size_t routes = 0;
  for (const auto& r : cfg.routes) {
    routes += r.methods.size();
    if (r.mock)
      report(
          out, self, Effect::Rejects, cfg.file, r.mark, r.key_path + ".mock",
          "route " + r.key_path + " is a mock; HTTP APIs have no mock integration (Lambda proxy and HTTP proxy only)");
  }
  if (routes > 300)
    report(out, self, Effect::Rejects, cfg.file, {1, 1}, "routes",
           std::to_string(routes) + " routes (method + path) exceed API Gateway HTTP's 300 per API");
  for (const AuthScheme* a : used_auth(cfg)) {
    std::string at = "auth." + a->name, name = "auth scheme '" + a->name + "': ";
    switch (a->type) {
      case AuthScheme::Type::ApiKey:
        report(out, self, Effect::Rejects, cfg.file, a->mark, at,
               name + "HTTP APIs have no API keys (JWT, Lambda and IAM authorizers only)");
        break;
      case AuthScheme::Type::Basic:
      case AuthScheme::Type::Bearer:
        report(out, self, Effect::Ignores, cfg.file, a->mark, at,
               name + type_name(a->type) + " authentication needs a Lambda authorizer in HTTP APIs");
        break;
      case AuthScheme::Type::Jwt:
        if (a->issuer.empty() || a->audiences.empty())
          report(out, self, Effect::Rejects, cfg.file, a->mark, at,
                 name + "an HTTP API JWT authorizer needs an issuer (whose JWKS verifies tokens) and audiences");
        if (!a->secret.empty())
          report(
              out, self, Effect::Ignores, cfg.file, a->mark, at,
              name +
                  "HTTP API JWT authorizers verify RSA signatures from the issuer's JWKS; an HMAC secret is not used");
        break;
    }
  }
}

// API Management turns operation names into ids: lower case, runs of other characters to '-', 76 characters.
std::string azure_operation_id(const std::string& name) {
  std::string out;
  for (unsigned char c : name) {
    if (std::isalnum(c))
      out += static_cast<char>(std::tolower(c));
    else if (out.empty() || out.back() != '-')
      out += '-';
  }
  return out.substr(0, 76);
}

void azure_config(const model::Config& cfg, const Rule& self, diag::Diagnostics& out) {
  no_greedy(cfg, self, "API Management has no greedy parameter of that form", out);
  std::map<std::string, const model::Route*> ids;
  for (const auto& r : cfg.routes) {
    std::map<std::string, std::string> params;  // lower-cased → as written
    for (const auto& p : r.path.param_names()) {
      auto [it, fresh] = params.emplace(util::to_lower(p), p);
      if (!fresh)
        report(out, self, Effect::Rejects, cfg.file, r.mark, r.key_path + ".path",
               "path parameters {" + it->second + "} and {" + p + "} of " + r.path.text +
                   " are the same name to API Management, which compares them case-insensitively");
    }
    if (r.id.empty()) continue;
    auto [it, fresh] = ids.emplace(azure_operation_id(r.id), &r);
    if (!fresh && it->second->id != r.id)
      report(out, self, Effect::Ignores, cfg.file, r.mark, r.key_path + ".id",
             "route ids '" + it->second->id + "' and '" + r.id + "' both become operation '" + it->first +
                 "' in API Management (lower case, other characters to '-'); the second is renamed with a -1 suffix");
  }
}

void gcp_config(const model::Config& cfg, const Rule& self, diag::Diagnostics& out) {
  no_greedy(cfg, self, "API Gateway (GCP) does not take it", out);
  no_partial_segments(cfg, self, "API Gateway (GCP)", out);
  body_within(cfg, self, 32 * 1024 * 1024, "32 MB request size of API Gateway (GCP)", out);
  for (const auto& r : cfg.routes) {
    if (r.mock)
      report(out, self, Effect::Rejects, cfg.file, r.mark, r.key_path + ".mock",
             "route " + r.key_path +
                 " is a mock; API Gateway (GCP) has no mock responses, every operation needs an "
                 "x-google-backend");
    bool api_key_alone = false, scopes = false;
    for (const auto& alternative : r.auth) {
      size_t jwts = 0;
      for (const auto& [name, wanted] : alternative) {
        const AuthScheme* a = cfg.find_auth(name);
        if (!a) continue;
        if (a->type == AuthScheme::Type::ApiKey && r.auth.size() > 1) api_key_alone = true;
        if (a->type == AuthScheme::Type::Jwt) ++jwts;
        if (!wanted.empty()) scopes = true;
      }
      if (jwts > 1)
        report(out, self, Effect::Rejects, cfg.file, r.mark, r.key_path + ".auth",
               "route " + r.key_path + " requires two JWT schemes together; API Gateway (GCP) cannot AND two of them");
    }
    if (api_key_alone)
      report(out, self, Effect::Rejects, cfg.file, r.mark, r.key_path + ".auth",
             "route " + r.key_path +
                 " accepts an API key OR another scheme; API Gateway (GCP) does not support an API "
                 "key as one of several alternatives");
    if (scopes)
      report(out, self, Effect::Ignores, cfg.file, r.mark, r.key_path + ".auth",
             "route " + r.key_path + " requires scopes; API Gateway (GCP) accepts but does not enforce them");
  }
  for (const AuthScheme* a : used_auth(cfg))
    if (a->type == AuthScheme::Type::Basic || a->type == AuthScheme::Type::Bearer)
      report(out, self, Effect::Rejects, cfg.file, a->mark, "auth." + a->name,
             "auth scheme '" + a->name + "': API Gateway (GCP) has no " + type_name(a->type) +
                 " authentication (API keys and JWT only)");
}

// A config's greedy {name+} is fine: `apigw export --target oci` writes it as OCI's wildcard {name*}.
void oci_config(const model::Config& cfg, const Rule& self, diag::Diagnostics& out) {
  std::set<std::string> paths;  // an OCI route is a path with its methods
  for (const auto& r : cfg.routes) {
    paths.insert(r.path.shape());
    // Stock responses: a body of at most 5 KB, at most 50 headers (OCI's documented limits).
    if (r.mock && r.mock->body.size() > 5120)
      report(out, self, Effect::Rejects, cfg.file, r.mark, r.key_path + ".mock.body",
             "mock body of " + std::to_string(r.mock->body.size()) +
                 " bytes exceeds OCI API Gateway's 5 KB for a stock response");
    if (r.mock && r.mock->headers.size() > 50)
      report(out, self, Effect::Rejects, cfg.file, r.mark, r.key_path + ".mock.headers",
             std::to_string(r.mock->headers.size()) + " mock headers exceed OCI API Gateway's 50 for a stock response");
    if (r.path.text.size() > 2000)
      report(out, self, Effect::Rejects, cfg.file, r.mark, r.key_path + ".path",
             "path of " + std::to_string(r.path.text.size()) + " characters exceeds OCI API Gateway's 2000 per route");
  }
  if (paths.size() > 50)
    report(out, self, Effect::Rejects, cfg.file, {1, 1}, "routes",
           std::to_string(paths.size()) + " route paths exceed OCI API Gateway's 50 routes per deployment");
  for (const AuthScheme* a : used_auth(cfg))
    if (a->type != AuthScheme::Type::Jwt)
      report(out, self, Effect::Ignores, cfg.file, a->mark, "auth." + a->name,
             "auth scheme '" + a->name + "': OCI API Gateway validates JWTs itself; " + type_name(a->type) +
                 " authentication needs a custom authorizer function");
}

// ---- OpenAPI documents --------------------------------------------------------------------------------------------

const Node* version_node(const OpenApiInput& in) {
  const Node& root = in.spec->root();
  const Node* v = root.find("openapi");
  return v ? v : root.find("swagger");
}

void version_rejected(const OpenApiInput& in, const Rule& self, const std::string& product, const std::string& takes,
                      diag::Diagnostics& out) {
  const Node* v = version_node(in);
  std::string at = in.spec->root().find("openapi") ? "/openapi" : "/swagger";
  report(out, self, Effect::Rejects, in.file, v ? v->mark : doc::Mark{1, 1}, at,
         (in.spec->version() == openapi::Version::Swagger2 ? "Swagger " : "OpenAPI ") + in.spec->version_text() +
             " is not accepted by " + product + "'s import (" + takes + ")");
}

struct PathKey {
  const doc::Member* member;
  std::vector<std::string> segments;  // without the leading "/"
};

std::vector<PathKey> path_keys(const OpenApiInput& in) {
  std::vector<PathKey> out;
  const Node* paths = in.spec->root().find("paths");
  if (!paths || !paths->is_object()) return out;
  for (const auto& m : paths->members()) {
    if (m.key.empty() || m.key[0] != '/') continue;
    PathKey k{&m, {}};
    for (size_t i = 1; i <= m.key.size();) {
      size_t end = std::min(m.key.find('/', i), m.key.size());
      k.segments.push_back(m.key.substr(i, end - i));
      i = end + 1;
    }
    out.push_back(std::move(k));
  }
  return out;
}

bool has_brace(const std::string& s) { return s.find('{') != std::string::npos; }
bool whole_param(const std::string& s) {
  return s.size() > 2 && s.front() == '{' && s.back() == '}' && s.find('{', 1) == std::string::npos;
}
bool greedy(const std::string& s) { return whole_param(s) && s[s.size() - 2] == '+'; }

void spec_no_partial_segments(const OpenApiInput& in, const Rule& self, const std::string& product,
                              diag::Diagnostics& out) {
  for (const auto& k : path_keys(in))
    for (const auto& s : k.segments)
      if (has_brace(s) && !whole_param(s)) {
        report(out, self, Effect::Rejects, in.file, k.member->key_mark, pointer({"paths", k.member->key}),
               "path '" + k.member->key + "': segment '" + s + "' mixes a parameter with text; " + product +
                   " needs a parameter to fill a whole segment");
        break;
      }
}

void spec_no_greedy(const OpenApiInput& in, const Rule& self, const std::string& instead, diag::Diagnostics& out) {
  for (const auto& k : path_keys(in))
    for (const auto& s : k.segments)
      if (greedy(s))
        report(out, self, Effect::Rejects, in.file, k.member->key_mark, pointer({"paths", k.member->key}),
               "path '" + k.member->key + "': greedy parameter " + s + " is AWS syntax; " + instead);
}

// The first $ref in the root document that leaves it (another file), with its pointer.
template <class Visit>
void each_node(const Node& n, std::vector<std::string>& at, const Visit& visit) {
  if (!visit(n, at)) return;
  if (n.is_object()) {
    for (const auto& m : n.members()) {
      at.push_back(m.key);
      each_node(m.value, at, visit);
      at.pop_back();
    }
  } else if (n.is_array()) {
    for (size_t i = 0; i < n.items().size(); ++i) {
      at.push_back(std::to_string(i));
      each_node(n.items()[i], at, visit);
      at.pop_back();
    }
  }
}

void spec_no_external_refs(const OpenApiInput& in, const Rule& self, const std::string& product,
                           diag::Diagnostics& out) {
  if (in.spec->file_count() < 2) return;  // every reference stayed inside the root document
  bool found = false;
  std::vector<std::string> at;
  each_node(in.spec->root(), at, [&](const Node& n, const std::vector<std::string>& path) {
    if (found) return false;
    const Node* ref = n.is_object() ? n.find("$ref") : nullptr;
    if (ref && ref->is_string() && !ref->as_string().empty() && ref->as_string()[0] != '#') {
      found = true;
      report(out, self, Effect::Rejects, in.file, ref->mark, pointer(path) + "/$ref",
             "$ref '" + ref->as_string() + "' points to another file; " + product +
                 " imports a single document (bundle the spec first)");
    }
    return !found;
  });
}

uintmax_t file_size(const std::string& file) {
  std::error_code ec;
  auto size = std::filesystem::file_size(file, ec);
  return ec ? 0 : size;
}

const Node* op_extension(const openapi::Operation& op, const char* key) {
  return op.node.node && op.node.node->is_object() ? op.node.node->find(key) : nullptr;
}


void integration_timeouts(const OpenApiInput& in, const Rule& self, int64_t max_ms, const std::string& product,
                          diag::Diagnostics& out) {
  for (const auto& op : in.model.operations) {
    const Node* integration = op_extension(op, "x-amazon-apigateway-integration");
    const Node* t = integration && integration->is_object() ? integration->find("timeoutInMillis") : nullptr;
    if (!t || !t->is_number()) continue;
    double ms = t->as_double();
    if (ms > static_cast<double>(max_ms) || ms < 50)
      report(out, self, Effect::Rejects, in.file_of(op.node), t->mark,
             op_pointer(in, op) + "/x-amazon-apigateway-integration/timeoutInMillis",
             "integration timeout " + std::to_string(static_cast<int64_t>(ms)) + " ms is outside " + product +
                 "'s 50 ms to " + std::to_string(max_ms) + " ms range");
  }
}

// Every security requirement list as written: the document's default once, then each operation's own.
template <class Visit>
void each_requirement_list(const OpenApiInput& in, const Visit& visit) {
  if (const Node* root_security = in.spec->root().find("security"))
    visit(in.model.security, root_security->mark, std::string("/security"), in.file);
  for (const auto& op : in.model.operations)
    if (const Node* own = op_extension(op, "security"); own && op.security)
      visit(*op.security, own->mark, op_pointer(in, op) + "/security", in.file_of(op.node));
}

std::string scheme_pointer(const OpenApiInput& in, const openapi::SecurityScheme& s) {
  return in.spec->version() == openapi::Version::Swagger2 ? pointer({"securityDefinitions", s.name})
                                                          : pointer({"components", "securitySchemes", s.name});
}

const openapi::SecurityScheme* scheme(const OpenApiInput& in, const std::string& name) {
  for (const auto& s : in.model.security_schemes)
    if (s.name == name) return &s;
  return nullptr;
}

// Schema keywords API Gateway REST models do not support (they are dropped on import).
void aws_rest_models(const OpenApiInput& in, const Rule& self, diag::Diagnostics& out) {
  const Node& root = in.spec->root();
  const Node* models = root.find("definitions");
  std::vector<std::string> base = {"definitions"};
  if (const Node* components = root.find("components"); components && components->is_object()) {
    models = components->find("schemas");
    base = {"components", "schemas"};
  }
  if (!models || !models->is_object()) return;
  static const std::set<std::string> k_unsupported = {"discriminator", "example", "exclusiveMinimum",    "oneOf",
                                                      "readOnly",      "anyOf",   "additionalProperties"};
  for (const auto& m : models->members()) {
    std::vector<std::string> tokens = base;
    tokens.push_back(m.key);
    if (!std::all_of(m.key.begin(), m.key.end(), [](unsigned char c) { return std::isalnum(c); }))
      report(out, self, Effect::Rejects, in.file, m.key_mark, pointer(tokens),
             "model name '" + m.key + "' is not alphanumeric, which API Gateway REST requires of model names");
    std::set<std::string> used;
    std::vector<std::string> at;
    each_node(m.value, at, [&](const Node& n, const std::vector<std::string>& path) {
      // Under properties the keys are property names, and example/enum values are data, not schema keywords.
      bool names = !path.empty() && (path.back() == "properties" || path.back() == "definitions");
      if (!path.empty() && (path.back() == "example" || path.back() == "enum" || path.back() == "default"))
        return false;
      if (!n.is_object() || names) return true;
      for (const auto& k : n.members())
        if (k_unsupported.count(k.key) && !(k.key == "additionalProperties" && k.value.is_bool() && k.value.as_bool()))
          used.insert(k.key);
      const Node* type = n.find("type");
      const Node* format = n.find("format");
      if (type && format && type->is_string() && type->as_string() == "number" && format->is_string() &&
          (format->as_string() == "int32" || format->as_string() == "int64"))
        used.insert("format " + format->as_string() + " on type number");
      return true;
    });
    if (used.empty()) continue;
    std::string list;
    for (const auto& k : used) list += (list.empty() ? "" : ", ") + k;
    report(out, self, Effect::Ignores, in.file, m.key_mark, pointer(tokens),
           "model '" + m.key + "' uses " + list + ", which API Gateway REST models do not support (dropped on import)");
  }
}

void aws_rest_spec(const OpenApiInput& in, const Rule& self, diag::Diagnostics& out) {
  if (in.spec->version() == openapi::Version::OpenApi31)
    version_rejected(in, self, "API Gateway REST", "Swagger 2.0 and OpenAPI 3.0", out);
  std::set<std::string> resources;
  for (const auto& k : path_keys(in)) {
    std::string prefix, problem;
    for (size_t i = 0; i < k.segments.size(); ++i) {
      const std::string& s = k.segments[i];
      if (s.empty()) continue;
      prefix += "/" + (has_brace(s) ? std::string("{}") : s);
      resources.insert(prefix);
      if (has_brace(s) && !whole_param(s))
        problem = "segment '" + s + "' mixes a parameter with text; a parameter must fill a whole segment";
      else if (greedy(s) && i + 1 < k.segments.size())
        problem = "greedy parameter " + s + " must be the last segment";
      else if (!has_brace(s) && !std::all_of(s.begin(), s.end(), [](unsigned char c) {
                 return std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == ',';
               }))
        problem = "segment '" + s + "' has characters a resource cannot have (letters, digits, - . _ , only)";
      if (!problem.empty()) break;
    }
    if (k.member->key == "/ping" || k.member->key == "/sping")
      problem = "the path is reserved for API Gateway's health check";
    if (!problem.empty())
      report(out, self, Effect::Rejects, in.file, k.member->key_mark, pointer({"paths", k.member->key}),
             "path '" + k.member->key + "': " + problem + " (API Gateway REST)");
  }
  if (resources.size() > 300)
    report(out, self, Effect::Rejects, in.file, {1, 1}, "/paths",
           std::to_string(resources.size()) + " resources (path prefixes) exceed API Gateway REST's 300 per API");
  integration_timeouts(in, self, 29000, "API Gateway REST", out);
  size_t authorizers = 0;
  for (const auto& s : in.model.security_schemes) {
    bool authorizer = s.node.node && s.node.node->is_object() && s.node.node->find("x-amazon-apigateway-authorizer");
    if (authorizer)
      ++authorizers;
    else if (s.type != "apiKey")
      report(out, self, Effect::Ignores, in.file_of(s.node), s.node.node ? s.node.node->mark : doc::Mark{1, 1},
             scheme_pointer(in, s),
             "security scheme '" + s.name + "' (" + s.type +
                 ") has no x-amazon-apigateway-authorizer; API Gateway REST ignores it without one");
  }
  if (authorizers > 10)
    report(out, self, Effect::Rejects, in.file, {1, 1}, "",
           std::to_string(authorizers) + " authorizers exceed API Gateway REST's 10 per API");
  aws_rest_models(in, self, out);
}

void aws_http_spec(const OpenApiInput& in, const Rule& self, diag::Diagnostics& out) {
  if (in.spec->version() != openapi::Version::OpenApi30)
    version_rejected(in, self, "API Gateway HTTP", "OpenAPI 3.0 only", out);
  if (in.model.operations.size() > 300)
    report(out, self, Effect::Rejects, in.file, {1, 1}, "/paths",
           std::to_string(in.model.operations.size()) + " routes exceed API Gateway HTTP's 300 per API");
  integration_timeouts(in, self, 30000, "API Gateway HTTP", out);
  for (const auto& op : in.model.operations) {
    const Node* integration = op_extension(op, "x-amazon-apigateway-integration");
    const Node* type = integration && integration->is_object() ? integration->find("type") : nullptr;
    if (type && type->is_string() && util::to_lower(type->as_string()) != "aws_proxy" &&
        util::to_lower(type->as_string()) != "http_proxy")
      report(out, self, Effect::Rejects, in.file_of(op.node), type->mark,
             op_pointer(in, op) + "/x-amazon-apigateway-integration/type",
             "integration type '" + type->as_string() + "' of " + op_name(op) +
                 "; HTTP APIs take only aws_proxy (Lambda) and http_proxy integrations");
    if (const Node* v = op_extension(op, "x-amazon-apigateway-request-validator"))
      report(out, self, Effect::Ignores, in.file_of(op.node), v->mark,
             op_pointer(in, op) + "/x-amazon-apigateway-request-validator",
             "request validation of " + op_name(op) + " is ignored by HTTP APIs");
  }
  for (const auto& s : in.model.security_schemes) {
    doc::Mark mark = s.node.node ? s.node.node->mark : doc::Mark{1, 1};
    if (s.type == "apiKey")
      report(out, self, Effect::Rejects, in.file_of(s.node), mark, scheme_pointer(in, s),
             "security scheme '" + s.name + "': HTTP APIs have no API keys (JWT, Lambda and IAM authorizers only)");
    else if (s.type == "http" && util::to_lower(s.scheme) == "basic")
      report(out, self, Effect::Ignores, in.file_of(s.node), mark, scheme_pointer(in, s),
             "security scheme '" + s.name + "': HTTP Basic needs a Lambda authorizer in HTTP APIs");
  }
}

void azure_spec(const OpenApiInput& in, const Rule& self, diag::Diagnostics& out) {
  const std::string& v = in.spec->version_text();
  if (in.spec->version() == openapi::Version::Swagger2) {
    std::ifstream f(in.file, std::ios::binary);
    char c = 0;
    while (f.get(c) && std::isspace(static_cast<unsigned char>(c))) {
    }
    if (c != '{') version_rejected(in, self, "API Management", "Swagger 2.0 in JSON only, not YAML", out);
  } else if (v.rfind("3.0.", 0) == 0 && v.size() > 4 && std::atoi(v.c_str() + 4) > 3) {
    version_rejected(in, self, "API Management", "OpenAPI 3.0.0 to 3.0.3", out);
  }
  if (auto size = file_size(in.file); size > 4'000'000)
    report(out, self, Effect::Ignores, in.file, {1, 1}, "",
           "the document is " + std::to_string(size / 1000) +
               " KB; API Management takes inline specs up to 4 MB "
               "(import it from a URL instead)");
  spec_no_external_refs(in, self, "API Management", out);
  spec_no_greedy(in, self, "API Management has no greedy parameter of that form", out);
  std::map<std::string, const openapi::Operation*> ids;
  for (const auto& op : in.model.operations) {
    std::string at = op_pointer(in, op), name = op_name(op);
    std::map<std::string, std::string> seen;  // in + lower-cased name of required path/query parameters
    for (const auto& p : op.parameters) {
      if (!p.required || (p.in != "path" && p.in != "query")) continue;
      auto [it, fresh] = seen.emplace(p.in + ":" + util::to_lower(p.name), p.name);
      if (!fresh && it->second != p.name)
        report(out, self, Effect::Rejects, in.file_of(op.node), op.mark, at,
               name + ": " + p.in + " parameters '" + it->second + "' and '" + p.name +
                   "' differ only in case, which API Management rejects");
    }
    if (op.request_body && (op.method == "get" || op.method == "head" || op.method == "options"))
      report(out, self, Effect::Ignores, in.file_of(op.node), op.mark, at,
             name + " has a request body, which API Management drops for GET, HEAD and OPTIONS");
    if (op.operation_id.empty()) continue;
    std::string id = azure_operation_id(op.operation_id);
    if (op.operation_id.size() > 76)
      report(out, self, Effect::Ignores, in.file_of(op.node), op.mark, at + "/operationId",
             "operationId of " + name + " is cut to API Management's 76 characters");
    auto [it, fresh] = ids.emplace(id, &op);
    if (!fresh && it->second->operation_id != op.operation_id)
      report(out, self, Effect::Ignores, in.file_of(op.node), op.mark, at + "/operationId",
             "operationIds '" + it->second->operation_id + "' and '" + op.operation_id + "' both become '" + id +
                 "' in API Management (lower case, other characters to '-'); the second gets a -1 suffix");
  }
  // Extensions other than x-ms-paths and x-servers are dropped: say so once per gateway-specific extension.
  std::map<std::string, std::pair<doc::Mark, std::string>> dropped;
  std::vector<std::string> path;
  each_node(in.spec->root(), path, [&](const Node& n, const std::vector<std::string>& at) {
    if (!n.is_object()) return true;
    for (const auto& m : n.members())
      if ((m.key.rfind("x-amazon-apigateway-", 0) == 0 || m.key.rfind("x-google-", 0) == 0) && !dropped.count(m.key)) {
        std::vector<std::string> tokens = at;
        tokens.push_back(m.key);
        dropped.emplace(m.key, std::make_pair(m.key_mark, pointer(tokens)));
      }
    return true;
  });
  for (const auto& [key, where] : dropped)
    report(out, self, Effect::Ignores, in.file, where.first, where.second,
           "extension " + key + " is ignored by API Management (only x-ms-paths and x-servers are read)");
  if (!in.model.servers.empty() && std::none_of(in.model.servers.begin(), in.model.servers.end(),
                                                [](const auto& s) { return s.url.rfind("https://", 0) == 0; }))
    report(out, self, Effect::Ignores, in.file, in.model.servers.front().mark, "/servers",
           "no https server; API Management uses the first https server as the backend");
}

void gcp_spec(const OpenApiInput& in, const Rule& self, diag::Diagnostics& out) {
  const Node& root = in.spec->root();
  if (in.spec->version() == openapi::Version::Swagger2) {
    bool backend = root.find("x-google-backend") != nullptr;
    for (const auto& op : in.model.operations) backend = backend || op_extension(op, "x-google-backend");
    if (!backend)
      report(out, self, Effect::Ignores, in.file, version_node(in) ? version_node(in)->mark : doc::Mark{1, 1}, "",
             "no x-google-backend at the root or on any operation: API Gateway (GCP) has nowhere to send requests");
    if (const Node* host = root.find("host");
        host && host->is_string() && host->as_string().find(':') != std::string::npos)
      report(out, self, Effect::Rejects, in.file, host->mark, "/host",
             "host '" + host->as_string() + "' has a port; API Gateway (GCP) rejects custom ports in host");
  } else {
    if (!root.find("x-google-api-management"))
      report(out, self, Effect::Rejects, in.file, version_node(in) ? version_node(in)->mark : doc::Mark{1, 1}, "",
             "OpenAPI 3.x needs a root x-google-api-management (backends) in API Gateway (GCP)");
    size_t without = 0;
    const openapi::Operation* first = nullptr;
    for (const auto& op : in.model.operations)
      if (!op_extension(op, "x-google-backend")) {
        ++without;
        if (!first) first = &op;
      }
    if (first)
      report(out, self, Effect::Rejects, in.file_of(first->node), first->mark, op_pointer(in, *first),
             std::to_string(without) + " operation(s), first " + op_name(*first) +
                 ", have no x-google-backend naming a backend, which API Gateway (GCP) needs for OpenAPI 3.x");
  }
  spec_no_partial_segments(in, self, "API Gateway (GCP)", out);
  spec_no_greedy(in, self, "API Gateway (GCP) does not take it", out);
  spec_no_external_refs(in, self, "API Gateway (GCP)", out);
  bool scopes_reported = false;
  each_requirement_list(in, [&](const std::vector<openapi::SecurityRequirement>& alternatives, doc::Mark mark,
                                const std::string& at, const std::string& file) {
    for (const auto& requirement : alternatives) {
      size_t oauth = 0;
      for (const auto& [name, scopes] : requirement) {
        const openapi::SecurityScheme* s = scheme(in, name);
        if (s && s->type == "apiKey" && alternatives.size() > 1) {
          report(out, self, Effect::Rejects, file, mark, at,
                 "an API key OR-ed with another security requirement is not supported by API Gateway (GCP)");
          return;
        }
        if (s && (s->type == "oauth2" || s->type == "openIdConnect")) ++oauth;
        if (!scopes.empty() && !scopes_reported) {
          scopes_reported = true;
          report(out, self, Effect::Ignores, file, mark, at,
                 "OAuth scopes are accepted but not enforced by API Gateway (GCP) (first at " + at + ")");
        }
      }
      if (oauth > 1)
        report(out, self, Effect::Rejects, file, mark, at,
               "two OAuth2 schemes AND-ed in one requirement are not supported by API Gateway (GCP)");
    }
  });
}

void oci_spec(const OpenApiInput& in, const Rule& self, diag::Diagnostics& out) {
  if (in.spec->version() == openapi::Version::OpenApi31)
    version_rejected(in, self, "OCI API Gateway", "Swagger 2.0 and OpenAPI 3.0", out);
  if (auto size = file_size(in.file); size > 1'000'000)
    report(out, self, Effect::Rejects, in.file, {1, 1}, "",
           "the document is " + std::to_string(size / 1000) +
               " KB; OCI API Gateway takes API description files up to 1 MB");
  spec_no_greedy(in, self, "OCI API Gateway writes a wildcard parameter as {name*}", out);
  auto keys = path_keys(in);
  if (keys.size() > 50)
    report(out, self, Effect::Rejects, in.file, keys[50].member->key_mark, "/paths",
           std::to_string(keys.size()) + " paths exceed OCI API Gateway's 50 routes per deployment (the 51st is here)");
  for (const auto& k : keys)
    if (k.member->key.size() > 2000)
      report(
          out, self, Effect::Rejects, in.file, k.member->key_mark, pointer({"paths", k.member->key}),
          "path of " + std::to_string(k.member->key.size()) + " characters exceeds OCI API Gateway's 2000 per route");
}

}  // namespace

const std::vector<std::string>& target_names() {
  static const std::vector<std::string> names = {"aws-rest", "aws-http", "azure", "gcp", "oci"};
  return names;
}

namespace {

// One provider's rule: error by default, and on with its --target whatever the ruleset. The id, description and fix
// are made from the target and the product's name; `details` lists every limit the rule checks and where it comes
// from (--explain prints it).
Rule provider_rule(const char* target, const char* product, decltype(Rule::check) config,
                   decltype(Rule::check_openapi) spec, const char* details) {
  static std::deque<std::string> text;  // the rules' strings, alive as long as the registry
  auto keep = [](std::string s) { return text.emplace_back(std::move(s)).c_str(); };
  std::string t = target;
  return {keep("target-" + t), Severity::Error, "provider", Ruleset::Recommended,
          keep("The config or spec imports into " + std::string(product) + " (--target " + t + ")"),
          keep("Change what the finding names, or drop " + t + " from the targets."), config, spec, target, details};
}

}  // namespace

const std::vector<Rule>& target_rules() {
  static const std::vector<Rule> rules = {
      provider_rule("aws-rest", "AWS API Gateway REST APIs", aws_rest_config, aws_rest_spec,
       "Rejected (error): OpenAPI 3.1 (Swagger 2.0 and OpenAPI 3.0 only); integration timeouts outside 50 ms-29 s\n"
       "  (backend and route timeouts, x-amazon-apigateway-integration.timeoutInMillis); limits.max_body_size over "
       "the\n"
       "  10 MB payload quota; more than 300 resources (path prefixes) per API; path segments other than letters,\n"
       "  digits, - . _ , or a parameter filling the whole segment ({id}.json is not), a greedy {proxy+} that is not\n"
       "  last; /ping and /sping (reserved); model names that are not alphanumeric; more than 10 authorizers.\n"
       "  Ignored (at most warn): model keywords discriminator, example, exclusiveMinimum, oneOf, anyOf, readOnly,\n"
       "  additionalProperties, int32/int64 format on type number; security schemes other than apiKey without\n"
       "  x-amazon-apigateway-authorizer; config auth other than a key in the X-API-Key header needs a Lambda "
       "authorizer.\n"
       "  Sources: ../shared/reference/lint.md (\"AWS REST API\"), from the Amazon API Gateway Developer Guide:\n"
       "  \"Amazon API Gateway quotas\" (docs.aws.amazon.com/apigateway/latest/developerguide/limits.html) and\n"
       "  \"Amazon API Gateway important notes\" (api-gateway-known-issues.html in the same guide)."),
      provider_rule("aws-http", "AWS API Gateway HTTP APIs", aws_http_config, aws_http_spec,
       "Rejected (error): anything but OpenAPI 3.0; integration timeouts outside 50 ms-30 s; limits.max_body_size\n"
       "  over the 10 MB payload quota; more than 300 routes (method + path); mock routes and integration types other\n"
       "  than aws_proxy and http_proxy (HTTP APIs have Lambda-proxy and HTTP-proxy integrations only); API keys "
       "(HTTP\n"
       "  APIs authorize with JWT, Lambda or IAM authorizers); JWT schemes without issuer and audiences.\n"
       "  Ignored (at most warn): x-amazon-apigateway-request-validator (no request validation); basic and bearer\n"
       "  auth need a Lambda authorizer; a JWT 'secret' (JWT authorizers verify RSA signatures from the issuer's "
       "JWKS).\n"
       "  Sources: ../shared/reference/lint.md (\"AWS HTTP API\"); Amazon API Gateway Developer Guide: \"Amazon API\n"
       "  Gateway quotas\" (limits.html, HTTP API section) and \"Controlling access to HTTP APIs with JWT "
       "authorizers\"\n"
       "  (http-api-jwt-authorizer.html)."),
      provider_rule("azure", "Azure API Management", azure_config, azure_spec,
       "Rejected (error): Swagger 2.0 in YAML (JSON only); OpenAPI 3.0 after 3.0.3; $refs to other files; required\n"
       "  path or query parameters whose names differ only in case; greedy {name+} path parameters (AWS syntax).\n"
       "  Ignored (at most warn): inline documents over 4 MB; request bodies of GET, HEAD and OPTIONS (dropped);\n"
       "  operationIds (config: route ids) that collide once normalised (lower case, non-alphanumerics to '-', 76\n"
       "  characters; the second gets a -1 suffix) or are longer than 76; x-amazon-apigateway-* and x-google-*\n"
       "  extensions (only x-ms-paths and x-servers are read); no https server (the first https one is the backend).\n"
       "  Sources: ../shared/reference/lint.md (\"Azure API Management\"), from Microsoft Learn: \"API import\n"
       "  restrictions and known issues\" "
       "(learn.microsoft.com/azure/api-management/api-management-api-import-restrictions)."),
      provider_rule("gcp", "Google Cloud API Gateway", gcp_config, gcp_spec,
       "Rejected (error): OpenAPI 3.x without a root x-google-api-management, or operations without x-google-backend;\n"
       "  path parameters that share a segment with text; greedy {name+} (AWS syntax); $refs to other files; a port "
       "in\n"
       "  Swagger 2.0's host; an API key OR-ed with another requirement; two OAuth2 (config: jwt) schemes AND-ed; "
       "mock\n"
       "  routes (every operation needs a backend); basic and bearer auth (API keys and JWT only);\n"
       "  limits.max_body_size over the 32 MB request size.\n"
       "  Ignored (at most warn): OAuth scopes (accepted, not enforced); Swagger 2.0 with no x-google-backend at all.\n"
       "  Sources: ../shared/reference/lint.md (\"GCP API Gateway\"), from the API Gateway documentation: \"OpenAPI\n"
       "  overview\" (cloud.google.com/api-gateway/docs/openapi-overview), its OpenAPI 3.x page, and \"Quotas and\n"
       "  limits\" (32 MB request and response, 60 KB headers)."),
      provider_rule("oci", "OCI API Gateway", oci_config, oci_spec,
       "Rejected (error): OpenAPI 3.1 (Swagger 2.0 and 3.0 only); API description files over 1 MB; more than 50\n"
       "  routes (paths) per deployment; route paths over 2000 characters; greedy {name+} (OCI writes {name*}).\n"
       "  Ignored (at most warn): api_key, basic and bearer auth (OCI validates JWTs itself; others need a custom\n"
       "  authorizer function).\n"
       "  Sources: ../shared/reference/lint.md (\"OCI API Gateway\"), from the OCI documentation: \"API Gateway "
       "Limits\"\n"
       "  (service limits) and \"Creating an API Resource with an API Description\"."),
  };
  return rules;
}

}  // namespace apigw::lint
