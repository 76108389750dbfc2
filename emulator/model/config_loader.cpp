// Reads a gateway config document into model::Config, reporting every problem at once with its location.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "emulator/model/config.hpp"
#include "emulator/policy/credentials.hpp"
#include "emulator/policy/ratelimit.hpp"
#include "emulator/util/text.hpp"

namespace apigw::model {

using doc::Kind;
using doc::Node;
using diag::Severity;

std::string Url::origin() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return scheme + "://" + h + ":" + std::to_string(port);
}

bool AuthScheme::accepts_anything() const {
  switch (type) {
    case Type::ApiKey: return keys.empty();
    case Type::Basic: return users.empty();
    case Type::Bearer: return true;
    case Type::Jwt: return secret.empty() && (!credentials || credentials->jwt_keys.empty());
  }
  return true;
}

const AuthScheme* Config::find_auth(const std::string& scheme_name) const {
  for (const auto& a : auth)
    if (a.name == scheme_name) return &a;
  return nullptr;
}

const UsagePlan* Config::find_plan(const std::string& plan_name) const {
  for (const auto& p : usage_plans)
    if (p.name == plan_name) return &p;
  return nullptr;
}

const Stage* Config::find_stage(const std::string& stage_name) const {
  for (const auto& st : stages)
    if (st.name == stage_name) return &st;
  return nullptr;
}

const GatewayResponse* Config::find_gateway_response(std::string_view type) const {
  for (const auto& r : gateway_responses)
    if (r.type == type) return &r;
  return nullptr;
}

const Backend* Config::find_backend(const std::string& backend_name) const {
  for (const auto& b : backends)
    if (b.name == backend_name) return &b;
  return nullptr;
}

bool is_gateway_config(const doc::Node& root) { return root.is_object() && root.find("apigw") != nullptr; }

namespace {
bool parse_port(const std::string& s, int& port) {
  if (s.empty() || s.size() > 5) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  port = std::stoi(s);
  return port <= 65535;
}
}  // namespace

std::optional<Url> parse_url(const std::string& text, std::string* error) {
  auto fail = [&](const std::string& m) -> std::optional<Url> {
    if (error) *error = m;
    return std::nullopt;
  };
  Url u;
  auto sep = text.find("://");
  if (sep == std::string::npos) return fail("expected an absolute URL such as http://127.0.0.1:9000");
  u.scheme = util::to_lower(text.substr(0, sep));
  if (u.scheme != "http" && u.scheme != "https") return fail("unsupported scheme '" + u.scheme + "' (use http or https)");
  std::string rest = text.substr(sep + 3);
  if (rest.find_first_of("?#") != std::string::npos) return fail("a backend URL cannot have a query or fragment");
  auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  u.base_path = slash == std::string::npos ? "" : rest.substr(slash);
  while (!u.base_path.empty() && u.base_path.back() == '/') u.base_path.pop_back();
  if (authority.find('@') != std::string::npos) return fail("credentials in a backend URL are not supported; use headers");
  std::string port_text;
  if (!authority.empty() && authority[0] == '[') {
    auto close = authority.find(']');
    if (close == std::string::npos) return fail("unclosed '[' in host");
    u.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return fail("expected ':' after ']'");
      port_text = authority.substr(close + 2);
    }
  } else {
    auto colon = authority.rfind(':');
    u.host = authority.substr(0, colon);
    if (colon != std::string::npos) port_text = authority.substr(colon + 1);
  }
  if (u.host.empty()) return fail("missing host");
  for (char c : u.host)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' || c == '_'))
      return fail("invalid character '" + std::string(1, c) + "' in host");
  u.port = u.scheme == "https" ? 443 : 80;
  if (!port_text.empty() && (!parse_port(port_text, u.port) || u.port == 0)) return fail("invalid port '" + port_text + "'");
  return u;
}

bool parse_listen(const std::string& text, std::string& host, int& port, std::string* error) {
  std::string h = "127.0.0.1";
  std::string p = text;
  if (!text.empty() && text[0] == '[') {
    auto close = text.find("]:");
    if (close == std::string::npos) {
      if (error) *error = "expected [ipv6]:port";
      return false;
    }
    h = text.substr(1, close - 1);
    p = text.substr(close + 2);
  } else if (auto colon = text.rfind(':'); colon != std::string::npos) {
    if (colon > 0) h = text.substr(0, colon);
    p = text.substr(colon + 1);
  }
  int value = 0;
  if (!parse_port(p, value)) {
    if (error) *error = "expected host:port with a port from 0 to 65535";
    return false;
  }
  host = h;
  port = value;
  return true;
}

const std::map<std::string, std::vector<std::string_view>>& config_keys() {
  static const std::map<std::string, std::vector<std::string_view>> keys = {
      {"root", {"apigw", "name", "description", "openapi", "validate", "listen", "limits", "backends", "auth", "usage_plans", "policies", "groups", "gateway_responses", "routes", "stages"}},
      {"limits", {"max_body_size", "read_timeout", "write_timeout", "keep_alive_timeout", "header_timeout",
                  "max_request_line", "max_header_size", "max_connections"}},
      {"backend", {"url", "urls", "lambda", "timeout", "retries", "unhealthy_for", "tls_verify", "description"}},
      {"lambda", {"command", "url", "function", "payload_format", "timeout"}},
      {"stage", {"description", "variables"}},
      {"route", {"id", "method", "path", "description", "operation", "validate", "mock", "proxy", "auth", "rate_limit", "group", "delay", "fault", "state", "cors", "cache", "transform"}},
      {"fault", {"type", "rate"}},
      {"state", {"name", "key"}},
      {"auth_api_key", {"type", "in", "name", "keys", "keys_file", "realm", "description"}},
      {"api_key", {"name", "value", "plan"}},
      {"auth_basic", {"type", "users", "htpasswd", "realm", "description"}},
      {"auth_bearer", {"type", "realm", "description"}},
      {"auth_jwt", {"type", "secret", "jwks_file", "jwks", "pem_file", "algorithms", "issuer", "audiences", "scopes",
                    "leeway", "required_claims", "forward_claims", "realm", "description"}},
      {"auth_requirement", {"scopes", "claims"}},
      {"policies", {"auth", "rate_limit", "cors", "cache", "transform"}},
      {"group", {"description", "auth", "rate_limit", "cors", "cache", "transform"}},
      {"cors", {"origins", "methods", "headers", "expose_headers", "credentials", "max_age"}},
      {"cache", {"ttl", "key", "max_entries", "max_entry_size", "invalidation"}},
      {"cache_key", {"query", "headers"}},
      {"transform", {"request", "response"}},
      {"transform_request", {"headers", "query", "body"}},
      {"transform_response", {"headers", "body"}},
      {"edits", {"set", "remove", "rename"}},
      {"gateway_responses", {"UNAUTHORIZED", "ACCESS_DENIED", "THROTTLED", "QUOTA_EXCEEDED", "RESOURCE_NOT_FOUND",
                             "METHOD_NOT_ALLOWED", "BAD_REQUEST_BODY", "BAD_REQUEST_PARAMETERS", "INTEGRATION_FAILURE",
                             "INTEGRATION_TIMEOUT", "DEFAULT_4XX", "DEFAULT_5XX"}},
      {"gateway_response", {"status", "headers", "body"}},
      {"usage_plan", {"description", "throttle", "quota", "routes"}},
      {"throttle", {"rate", "burst"}},
      {"quota", {"limit", "period", "offset"}},
      {"rate_limit", {"rate", "burst", "per", "quota"}},
      {"mock", {"status", "headers", "body", "delay"}},
      {"proxy", {"backend", "path", "timeout"}},
  };
  return keys;
}

namespace {

const std::vector<std::string_view>& keys_of(const char* object) { return config_keys().at(object); }

const std::vector<std::string_view> k_methods = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "ANY"};

std::string quote_key(const std::string& k) {
  bool plain = !k.empty();
  for (char c : k) plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-');
  return plain ? k : nlohmann::json(k).dump();
}

std::string join(const std::string& parent, const std::string& key) {
  if (parent.empty()) return quote_key(key);
  return quote_key(key) == key ? parent + "." + key : parent + "[" + quote_key(key) + "]";
}

std::string index_path(const std::string& parent, size_t i) { return parent + "[" + std::to_string(i) + "]"; }

std::string article_kind(Kind k) {
  switch (k) {
    case Kind::Null: return "null";
    case Kind::Bool: return "a boolean";
    case Kind::Int: return "an integer";
    case Kind::Float: return "a number";
    case Kind::String: return "a string";
    case Kind::Array: return "a list";
    case Kind::Object: return "a mapping";
  }
  return "?";
}

class Loader {
 public:
  Loader(const doc::Document& d, const LoadOptions& o) : doc_(d), opts_(o) {
    if (!opts_.env) opts_.env = util::getenv_lookup;
  }

  LoadResult run() {
    LoadResult result;
    for (const auto& issue : doc_.issues)
      report(Severity::Error, issue.fatal ? "config-syntax" : "config-duplicate-key",
             issue.mark, "", issue.message);
    if (doc_.ok()) read_root(doc_.root);
    // The config's own problems first, in file order; then those in the files its authorizers read.
    std::stable_sort(diags_.begin(), diags_.end(), [&](const auto& a, const auto& b) {
      bool a_other = a.file != doc_.path, b_other = b.file != doc_.path;
      return std::tie(a_other, a.file, a.mark.line, a.mark.col) < std::tie(b_other, b.file, b.mark.line, b.mark.col);
    });
    result.diagnostics = std::move(diags_);
    if (!diag::has_errors(result.diagnostics)) result.config = std::move(cfg_);
    return result;
  }

 private:
  const doc::Document& doc_;
  LoadOptions opts_;
  diag::Diagnostics diags_;
  Config cfg_;
  bool root_has_openapi_ = false;
  const Stage* stage_ = nullptr;  // the served stage (points into cfg_.stages, which stops growing before it is set)
  std::string file_;  // where report() places problems when not the config itself (a keys file being read)
  struct AuthPolicy {
    std::vector<AuthRequirement> auth;
    std::vector<std::vector<std::vector<policy::ClaimRule>>> claims;
  };
  std::optional<AuthPolicy> default_auth_;                        // policies.auth
  std::map<std::string, std::optional<AuthPolicy>> group_auth_;   // groups.NAME.auth
  // transform: as cors (absent, `false`, or a policy shared by the routes that inherit it).
  using TransformSetting = std::optional<std::shared_ptr<const TransformPolicy>>;
  TransformSetting default_transform_;
  std::map<std::string, TransformSetting> group_transform_;
  // cors: absent (nullopt), `false` (a null pointer: turned off), or a policy; routes share the pointer.
  using CorsSetting = std::optional<std::shared_ptr<const CorsPolicy>>;
  CorsSetting default_cors_;                                       // policies.cors
  std::map<std::string, CorsSetting> group_cors_;                  // groups.NAME.cors
  // cache: as cors; every route that inherits one still keeps its own entries.
  using CacheSetting = std::optional<std::shared_ptr<const CachePolicy>>;
  CacheSetting default_cache_;
  std::map<std::string, CacheSetting> group_cache_;
  // `rate_limit` as written at the top and on groups: none when absent, a RateLimit without limits for `off`.
  std::optional<RateLimit> default_rate_limit_;
  std::map<std::string, std::optional<RateLimit>> group_rate_limit_;
  struct RouteReference {
    std::string id;
    doc::Mark mark;
    std::string path;
  };
  std::vector<RouteReference> plan_routes_;  // the routes plans throttle on their own, checked once routes are read

  void report(Severity sev, const char* rule, doc::Mark mark, const std::string& path, std::string message) {
    diags_.push_back({sev, rule, file_.empty() ? doc_.path : file_, mark, path, std::move(message)});
  }
  void error(doc::Mark mark, const std::string& path, std::string message, const char* rule = "config-schema") {
    report(Severity::Error, rule, mark, path, std::move(message));
  }

  size_t error_count() const {
    return static_cast<size_t>(std::count_if(diags_.begin(), diags_.end(),
                                             [](const auto& d) { return d.severity == Severity::Error; }));
  }

  bool expect(const Node& n, Kind kind, const std::string& path) {
    bool ok = n.kind == kind || (kind == Kind::Float && n.kind == Kind::Int);
    if (!ok) error(n.mark, path, "expected " + article_kind(kind) + ", got " + describe(n));
    return ok;
  }

  static std::string describe(const Node& n) {
    switch (n.kind) {
      case Kind::String: return "string " + nlohmann::json(n.as_string()).dump();
      case Kind::Int: return "integer " + std::to_string(n.as_int());
      case Kind::Float: return "number " + nlohmann::json(n.as_double()).dump();
      case Kind::Bool: return n.as_bool() ? "true" : "false";
      default: return article_kind(n.kind);
    }
  }

  // Checks a mapping's keys against the known ones; "x-" keys are free for users' own annotations.
  void check_keys(const Node& obj, const std::string& path, const std::vector<std::string_view>& known) {
    for (const auto& m : obj.members()) {
      if (m.key.rfind("x-", 0) == 0) continue;
      if (std::find(known.begin(), known.end(), m.key) != known.end()) continue;
      std::string suggestion = util::nearest(m.key, known);
      std::string msg = "unknown key";
      if (!suggestion.empty()) msg += " (did you mean '" + suggestion + "'?)";
      error(m.key_mark, join(path, m.key), msg, "config-unknown-key");
    }
  }

  void require(const Node& obj, const std::string& path, std::string_view key, std::string_view hint = {}) {
    if (!obj.find(key)) {
      std::string msg = "missing required key '" + std::string(key) + "'";
      if (!hint.empty()) msg += " (" + std::string(hint) + ")";
      error(obj.mark, path, msg);
    }
  }

  // A string value with ${VAR} expanded (and ${stageVariables.NAME} where `staged`); scalars that are not strings are
  // rejected.
  std::optional<std::string> string_value(const Node& n, const std::string& path, bool staged = false) {
    if (!expect(n, Kind::String, path)) return std::nullopt;
    size_t errors_before = error_count();
    std::string value = expand(n, path, staged);
    // A URL whose variables did not resolve would only add a second, confusing error.
    if (staged && error_count() != errors_before) return std::nullopt;
    return value;
  }

  static constexpr std::string_view k_stage_variables = "stageVariables.";

  std::string expand(const Node& n, const std::string& path, bool staged = false) {
    return expand_text(n.as_string(), n.mark, path, staged);
  }

  std::string expand_text(std::string_view text, doc::Mark mark, const std::string& path, bool staged = false) {
    std::vector<std::string> missing;
    std::string err;
    auto lookup = [&](const std::string& name) -> std::optional<std::string> {
      if (name.rfind(k_stage_variables, 0) != 0)
        return name.find('.') == std::string::npos ? opts_.env(name) : std::nullopt;
      if (!staged || !stage_) return std::nullopt;
      for (const auto& [key, value] : stage_->variables)
        if (key == std::string_view(name).substr(k_stage_variables.size())) return value;
      return std::nullopt;
    };
    std::string out = util::expand_env(text, lookup, &missing, &err);
    if (!err.empty()) error(mark, path, err);
    for (const auto& var : missing) {
      if (var.rfind(k_stage_variables, 0) == 0) {
        std::string name = var.substr(k_stage_variables.size());
        if (!staged) {
          error(mark, path, "${" + var + "}: stage variables are substituted in backend URLs, mock headers and mock "
                "bodies only", "config-reference");
        } else if (!stage_) {
          error(mark, path, "${" + var + "}: the config defines no stages (add 'stages:' with a variable '" + name + "')",
                "config-reference");
        } else {
          std::vector<std::string_view> names;
          for (const auto& [key, value] : stage_->variables) names.push_back(key);
          std::string suggestion = util::nearest(name, names);
          error(mark, path,
                "stage '" + stage_->name + "' does not define the variable '" + name + "'" +
                    (suggestion.empty() ? "" : " (did you mean '" + suggestion + "'?)") +
                    " (write ${" + var + ":-default} for a default)",
                "config-reference");
        }
        continue;
      }
      if (var.find('.') != std::string::npos) {
        error(mark, path, "invalid variable name '" + var + "' in ${...} (stage variables are ${stageVariables.NAME})");
        continue;
      }
      if (opts_.missing_env_is_error)
        error(mark, path, "environment variable " + var + " is not set (use ${" + var + ":-default} for a default)",
              "config-env");
      else
        report(Severity::Warn, "config-env", mark, path,
               "environment variable " + var + " is not set here; serve will refuse to start without it");
    }
    return out;
  }

  std::optional<Duration> duration_value(const Node& n, const std::string& path) {
    if (n.is_int() && n.as_int() == 0) return Duration{0};
    auto s = string_value(n, path);
    if (!s) return std::nullopt;
    std::string err;
    auto d = util::parse_duration(*s, &err);
    if (!d) error(n.mark, path, "invalid duration '" + *s + "': " + err);
    return d;
  }

  std::optional<uint64_t> size_value(const Node& n, const std::string& path) {
    if (n.is_int()) {
      if (n.as_int() < 0) {
        error(n.mark, path, "a size cannot be negative");
        return std::nullopt;
      }
      return static_cast<uint64_t>(n.as_int());
    }
    auto s = string_value(n, path);
    if (!s) return std::nullopt;
    std::string err;
    auto v = util::parse_size(*s, &err);
    if (!v) error(n.mark, path, "invalid size '" + *s + "': " + err);
    return v;
  }

  void read_root(const Node& root) {
    if (!root.is_object()) {
      error(root.mark, "", "expected a mapping at the top level of a gateway config, got " + describe(root));
      return;
    }
    check_keys(root, "", keys_of("root"));
    root_has_openapi_ = root.find("openapi") != nullptr;
    if (const Node* v = root.find("apigw")) {
      if (!v->is_int()) {
        error(v->mark, "apigw", "expected the config format version (an integer), got " + describe(*v));
      } else if (v->as_int() != k_config_version) {
        error(v->mark, "apigw",
              "unsupported config format version " + std::to_string(v->as_int()) + " (this apigw reads version " +
                  std::to_string(k_config_version) + ")");
      }
    } else {
      error(root.mark, "", "missing required key 'apigw' (the config format version: write 'apigw: 1')");
    }
    cfg_.file = doc_.path;
    if (const Node* v = root.find("name"))
      if (auto s = string_value(*v, "name")) cfg_.name = *s;
    if (cfg_.name.empty()) cfg_.name = std::filesystem::path(doc_.path).stem().string();
    if (const Node* v = root.find("description"))
      if (auto s = string_value(*v, "description")) cfg_.description = *s;
    if (const Node* v = root.find("openapi")) read_openapi(*v);
    if (const Node* v = root.find("validate"))
      if (auto mode = read_validate(*v, "validate")) cfg_.validate = *mode;
    if (const Node* v = root.find("listen")) read_listen(*v);
    if (const Node* v = root.find("limits")) read_limits(*v);
    // With an unknown stage nothing that uses stage variables can be read: that one error is the answer.
    if (!read_stages(root.find("stages"))) return;
    if (const Node* v = root.find("backends")) read_backends(*v);
    if (const Node* v = root.find("usage_plans")) read_usage_plans(*v);
    if (const Node* v = root.find("auth")) read_auth_schemes(*v);
    if (const Node* v = root.find("policies")) read_policies(*v);
    if (const Node* v = root.find("groups")) read_groups(*v);
    if (const Node* v = root.find("gateway_responses")) read_gateway_responses(*v);
    if (const Node* v = root.find("routes")) read_routes(*v);
    else error(root.mark, "", "missing required key 'routes'");
    check_plan_routes();
  }

  // rate: requests per second, above 0; burst: a whole number of requests, at least the rate (default: the rate
  // rounded up), since a bucket smaller than one second's worth could never pass the rate.
  std::optional<Throttle> read_throttle(const std::string& path, const Node* rate, const Node* burst) {
    if (!rate) {
      if (burst) error(burst->mark, join(path, "burst"), "a burst needs a rate (requests per second)");
      return std::nullopt;
    }
    std::string rate_path = join(path, "rate");
    if (!rate->is_number() || rate->as_double() <= 0 || !std::isfinite(rate->as_double())) {
      error(rate->mark, rate_path, "expected a rate in requests per second above 0, got " + describe(*rate));
      return std::nullopt;
    }
    Throttle t;
    t.rate = rate->as_double();
    t.burst = static_cast<int64_t>(std::ceil(t.rate));
    if (burst) {
      std::string burst_path = join(path, "burst");
      if (!burst->is_int() || burst->as_int() < 1) {
        error(burst->mark, burst_path, "expected a burst of at least 1 request (an integer), got " + describe(*burst));
        return std::nullopt;
      }
      if (static_cast<double>(burst->as_int()) < t.rate) {
        error(burst->mark, burst_path,
              "the burst (" + std::to_string(burst->as_int()) + ") is below the rate (" + policy::format_rate(t.rate) +
                  " per second): the bucket could never hold one second's requests");
        return std::nullopt;
      }
      t.burst = burst->as_int();
    }
    return t;
  }

  // quota: { limit: 1000, period: day|week|month, offset: 0 }
  std::optional<Quota> read_quota(const Node& n, const std::string& path) {
    if (!expect(n, Kind::Object, path)) return std::nullopt;
    check_keys(n, path, keys_of("quota"));
    require(n, path, "limit", "requests per period");
    require(n, path, "period", "day, week or month");
    Quota q;
    bool ok = n.find("limit") && n.find("period");
    if (const Node* v = n.find("limit")) {
      if (!v->is_int() || v->as_int() < 1) {
        error(v->mark, join(path, "limit"), "expected a quota of at least 1 request (an integer), got " + describe(*v));
        ok = false;
      } else {
        q.limit = v->as_int();
      }
    }
    if (const Node* v = n.find("period")) {
      static const std::vector<std::string_view> k_periods = {"day", "week", "month"};
      auto s = string_value(*v, join(path, "period"));
      auto at = s ? std::find(k_periods.begin(), k_periods.end(), *s) : k_periods.end();
      if (s && at == k_periods.end()) {
        std::string suggestion = util::nearest(*s, k_periods);
        error(v->mark, join(path, "period"),
              "unknown quota period '" + *s + "' (day, week or month)" +
                  (suggestion.empty() ? "" : "; did you mean '" + suggestion + "'?"));
      }
      if (at == k_periods.end()) ok = false;
      else q.period = static_cast<Quota::Period>(at - k_periods.begin());
    }
    if (const Node* v = n.find("offset")) {
      if (!v->is_int() || v->as_int() < 0 || (q.limit > 0 && v->as_int() >= q.limit)) {
        error(v->mark, join(path, "offset"),
              "expected the requests counted as made in the first period, from 0 to below the limit, got " + describe(*v));
        ok = false;
      } else {
        q.offset = v->as_int();
      }
    }
    if (!ok) return std::nullopt;
    return q;
  }

  // usage_plans: { gold: { throttle: { rate, burst }, quota: { limit, period }, routes: { ROUTE_ID: { rate, burst } } } }
  void read_usage_plans(const Node& n) {
    if (!expect(n, Kind::Object, "usage_plans")) return;
    for (const auto& m : n.members()) {
      std::string path = join("usage_plans", m.key);
      UsagePlan plan;
      plan.name = m.key;
      plan.mark = m.key_mark;
      if (!expect(m.value, Kind::Object, path)) continue;
      check_keys(m.value, path, keys_of("usage_plan"));
      if (const Node* v = m.value.find("description"))
        if (auto s = string_value(*v, join(path, "description"))) plan.description = *s;
      if (const Node* v = m.value.find("throttle"); v && expect(*v, Kind::Object, join(path, "throttle"))) {
        check_keys(*v, join(path, "throttle"), keys_of("throttle"));
        require(*v, join(path, "throttle"), "rate", "requests per second");
        plan.throttle = read_throttle(join(path, "throttle"), v->find("rate"), v->find("burst"));
      }
      if (const Node* v = m.value.find("quota")) plan.quota = read_quota(*v, join(path, "quota"));
      if (const Node* v = m.value.find("routes"); v && expect(*v, Kind::Object, join(path, "routes"))) {
        for (const auto& r : v->members()) {
          std::string rp = join(join(path, "routes"), r.key);
          if (!expect(r.value, Kind::Object, rp)) continue;
          check_keys(r.value, rp, keys_of("throttle"));
          require(r.value, rp, "rate", "requests per second");
          if (auto t = read_throttle(rp, r.value.find("rate"), r.value.find("burst")))
            plan.route_throttle.emplace(r.key, *t);
          plan_routes_.push_back({r.key, r.key_mark, rp});
        }
      }
      if (!m.value.find("throttle") && !m.value.find("quota") && !m.value.find("routes"))
        error(m.value.mark, path, "a usage plan sets a throttle, a quota or both");
      cfg_.usage_plans.push_back(std::move(plan));
    }
  }

  // A plan's per-route throttles must name routes of this config.
  void check_plan_routes() {
    std::vector<std::string_view> ids;
    for (const auto& r : cfg_.routes) ids.push_back(r.id);
    for (const auto& [id, mark, path] : plan_routes_) {
      if (std::find(ids.begin(), ids.end(), id) != ids.end()) continue;
      std::string suggestion = util::nearest(id, ids);
      error(mark, path, "unknown route '" + id + "'" + (suggestion.empty() ? "" : " (did you mean '" + suggestion + "'?)"),
            "config-reference");
    }
  }

  // rate_limit: { rate: 10, burst: 20, per: key|ip|route|global, quota: { limit, period } } | off
  std::optional<RateLimit> read_rate_limit(const Node& n, const std::string& path, std::string from) {
    RateLimit limit;
    limit.from = std::move(from);
    if (n.is_string() && n.as_string() == "off") return limit;
    if (!n.is_object()) {
      error(n.mark, path, "expected a mapping (rate, burst, per, quota) or 'off', got " + describe(n));
      return std::nullopt;
    }
    check_keys(n, path, keys_of("rate_limit"));
    size_t errors_before = error_count();
    limit.throttle = read_throttle(path, n.find("rate"), n.find("burst"));
    if (const Node* v = n.find("quota")) limit.quota = read_quota(*v, join(path, "quota"));
    if (!n.find("rate") && !n.find("quota")) error(n.mark, path, "a rate limit sets a rate, a quota or both (or is 'off')");
    if (const Node* v = n.find("per")) {
      static const std::vector<std::string_view> k_per = {"key", "ip", "route", "global"};
      if (auto s = string_value(*v, join(path, "per"))) {
        auto at = std::find(k_per.begin(), k_per.end(), *s);
        if (at == k_per.end()) {
          std::string suggestion = util::nearest(*s, k_per);
          error(v->mark, join(path, "per"),
                "unknown rate limit scope '" + *s + "' (key, ip, route or global)" +
                    (suggestion.empty() ? "" : "; did you mean '" + suggestion + "'?"));
        } else {
          limit.per = static_cast<RateLimit::Per>(at - k_per.begin());
        }
      }
    }
    if (error_count() != errors_before) return std::nullopt;
    return limit;
  }

  // state: pets | { name: pets, key: id }
  void read_state(const Node& n, const std::string& path, Route& route) {
    const Node* name = &n;
    std::string name_path = path;
    if (n.is_object()) {
      check_keys(n, path, keys_of("state"));
      require(n, path, "name", "the collection's name");
      name = n.find("name");
      name_path = join(path, "name");
      if (const Node* k = n.find("key"))
        if (auto s = string_value(*k, join(path, "key")); s && !s->empty()) route.state_key = *s;
    }
    if (!name) return;
    if (auto s = string_value(*name, name_path)) {
      if (s->empty()) error(name->mark, name_path, "expected the collection's name");
      else route.state = *s;
    }
  }

  // fault: reset | { type: reset, rate: 0.1 }
  void read_fault(const Node& n, const std::string& path, Route& route) {
    static const std::vector<std::string_view> k_types = {"reset", "empty", "malformed_chunk"};
    const Node* type = &n;
    std::string type_path = path;
    if (n.is_object()) {
      check_keys(n, path, keys_of("fault"));
      require(n, path, "type", "reset, empty or malformed_chunk");
      type = n.find("type");
      type_path = join(path, "type");
      if (const Node* rate = n.find("rate")) {
        if (!rate->is_number() || rate->as_double() <= 0 || rate->as_double() > 1)
          error(rate->mark, join(path, "rate"), "expected a fraction of requests above 0 and at most 1, got " + describe(*rate));
        else
          route.fault_rate = rate->as_double();
      }
    }
    if (!type) return;
    auto s = string_value(*type, type_path);
    if (!s) return;
    if (std::find(k_types.begin(), k_types.end(), *s) == k_types.end()) {
      std::string suggestion = util::nearest(*s, k_types);
      error(type->mark, type_path,
            "unknown fault '" + *s + "' (reset, empty or malformed_chunk)" +
                (suggestion.empty() ? "" : "; did you mean '" + suggestion + "'?"));
      return;
    }
    route.fault = *s;
  }

  std::optional<Validate> read_validate(const Node& n, const std::string& path) {
    static const std::vector<std::string_view> k_modes = {"request", "response", "both", "off"};
    auto s = string_value(n, path);
    if (!s) return std::nullopt;
    for (size_t i = 0; i < k_modes.size(); ++i)
      if (*s == k_modes[i]) return static_cast<Validate>(i);
    std::string suggestion = util::nearest(*s, k_modes);
    error(n.mark, path,
          "unknown validate mode '" + *s + "' (request, response, both or off)" +
              (suggestion.empty() ? "" : "; did you mean '" + suggestion + "'?"));
    return std::nullopt;
  }

  void read_openapi(const Node& n) {
    cfg_.openapi_mark = n.mark;
    auto s = string_value(n, "openapi");
    if (!s) return;
    if (s->empty()) {
      error(n.mark, "openapi", "expected the path of an OpenAPI document");
      return;
    }
    namespace fs = std::filesystem;
    fs::path p(*s);
    if (p.is_relative()) p = fs::path(doc_.path).parent_path() / p;
    cfg_.openapi = p.lexically_normal().string();
    std::error_code ec;
    if (!fs::is_regular_file(cfg_.openapi, ec))
      error(n.mark, "openapi", "OpenAPI document '" + cfg_.openapi + "' not found", "config-reference");
  }

  void read_listen(const Node& n) {
    std::string text;
    if (n.is_int()) {
      text = std::to_string(n.as_int());
    } else if (auto s = string_value(n, "listen")) {
      text = *s;
    } else {
      return;
    }
    std::string err;
    if (!parse_listen(text, cfg_.listen_host, cfg_.listen_port, &err))
      error(n.mark, "listen", "invalid listen address '" + text + "': " + err);
  }

  void read_limits(const Node& n) {
    if (!expect(n, Kind::Object, "limits")) return;
    check_keys(n, "limits", keys_of("limits"));
    if (const Node* v = n.find("max_body_size"))
      if (auto s = size_value(*v, "limits.max_body_size")) cfg_.limits.max_body_size = *s;
    auto dur = [&](const char* key, Duration& out) {
      if (const Node* v = n.find(key)) {
        std::string path = std::string("limits.") + key;
        if (auto d = duration_value(*v, path)) {
          if (*d < std::chrono::milliseconds(1)) error(v->mark, path, "must be at least 1ms");
          else out = *d;
        }
      }
    };
    dur("read_timeout", cfg_.limits.read_timeout);
    dur("write_timeout", cfg_.limits.write_timeout);
    dur("keep_alive_timeout", cfg_.limits.keep_alive_timeout);
    dur("header_timeout", cfg_.limits.header_timeout);
    auto bounded = [&](const char* key, uint64_t& out, uint64_t min, uint64_t max, const char* why) {
      if (const Node* v = n.find(key)) {
        std::string path = std::string("limits.") + key;
        if (auto s = size_value(*v, path)) {
          if (*s < min || *s > max)
            error(v->mark, path, "must be between " + std::to_string(min) + " and " + std::to_string(max) + why);
          else out = *s;
        }
      }
    };
    // cpp-httplib 0.11 answers 414 itself past 8192 bytes, a limit compiled into the library.
    bounded("max_request_line", cfg_.limits.max_request_line, 64, 8192, " (the HTTP library's own limit)");
    bounded("max_header_size", cfg_.limits.max_header_size, 1024, uint64_t{1} << 24, "");
    if (const Node* v = n.find("max_connections")) {
      if (!v->is_int() || v->as_int() < 1 || v->as_int() > 1'000'000)
        error(v->mark, "limits.max_connections", "expected an integer from 1 to 1000000, got " + describe(*v));
      else cfg_.limits.max_connections = static_cast<uint64_t>(v->as_int());
    }
  }

  // stages: { dev: { description: ..., variables: { name: value } } }; the served one is chosen here, before anything
  // that may use its variables is read.
  bool read_stages(const Node* n) {
    if (n && expect(*n, Kind::Object, "stages")) {
      for (const auto& m : n->members()) {
        std::string path = join("stages", m.key);
        Stage stage;
        stage.name = m.key;
        stage.mark = m.key_mark;
        bool valid = !m.key.empty();
        for (char c : m.key) valid = valid && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-');
        if (!valid) error(m.key_mark, path, "invalid stage name '" + m.key + "' (letters, digits, '_' and '-': it is a path segment)");
        if (!expect(m.value, Kind::Object, path)) continue;
        check_keys(m.value, path, keys_of("stage"));
        if (const Node* v = m.value.find("description"))
          if (auto s = string_value(*v, join(path, "description"))) stage.description = *s;
        if (const Node* v = m.value.find("variables"); v && expect(*v, Kind::Object, join(path, "variables"))) {
          for (const auto& var : v->members()) {
            std::string vp = join(join(path, "variables"), var.key);
            bool name_ok = !var.key.empty();
            for (char c : var.key) name_ok = name_ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
            if (!name_ok) {
              error(var.key_mark, vp, "invalid stage variable name '" + var.key + "' (letters, digits and '_', as AWS allows)");
              continue;
            }
            if (var.value.is_number() || var.value.is_bool()) stage.variables.emplace_back(var.key, var.value.to_json().dump());
            else if (auto s = string_value(var.value, vp)) stage.variables.emplace_back(var.key, *s);
          }
        }
        cfg_.stages.push_back(std::move(stage));
      }
    }
    if (!opts_.stage.empty() && !cfg_.find_stage(opts_.stage)) {
      std::string names;
      for (const auto& st : cfg_.stages) names += (names.empty() ? "" : ", ") + st.name;
      error(n ? n->mark : doc_.root.mark, "stages",
            "unknown stage '" + opts_.stage + "' (" + (names.empty() ? "the config defines no stages" : "stages: " + names) + ")",
            "config-stage");
      return false;
    }
    if (!cfg_.stages.empty()) {
      stage_ = opts_.stage.empty() ? &cfg_.stages.front() : cfg_.find_stage(opts_.stage);
      cfg_.stage = stage_->name;
    }
    return true;
  }

  // lambda: { command: [python3, handler.py] | url: http://.../invocations, payload_format: "2.0", timeout: 3s }
  std::optional<Lambda> read_lambda(const Node& n, const std::string& path) {
    if (!expect(n, Kind::Object, path)) return std::nullopt;
    check_keys(n, path, keys_of("lambda"));
    Lambda fn;
    fn.directory = std::filesystem::path(doc_.path).parent_path().string();
    if (fn.directory.empty()) fn.directory = ".";
    const Node* command = n.find("command");
    const Node* url = n.find("url");
    if (!command && !url) error(n.mark, path, "missing 'command' (the handler to run) or 'url' (a Lambda runtime interface emulator)");
    if (command && url) error(n.mark, path, "a lambda has one of 'command' or 'url', not both");
    if (command) {
      std::string cp = join(path, "command");
      if (command->is_string()) error(command->mark, cp, "expected the command as a list (no shell runs it): [python3, handler.py]");
      else fn.command = string_list(*command, cp);
      if (command->is_array() && command->items().empty()) error(command->mark, cp, "expected the program and its arguments");
    }
    if (url) {
      if (auto s = string_value(*url, join(path, "url"), true)) {
        std::string err;
        fn.url = parse_url(*s, &err);
        fn.url_text = *s;
        if (!fn.url) error(url->mark, join(path, "url"), "invalid URL '" + *s + "': " + err);
      }
    }
    if (const Node* v = n.find("function"))
      if (auto s = string_value(*v, join(path, "function"))) {
        fn.function = *s;
        fn.function_mark = v->mark;
        if (s->empty()) error(v->mark, join(path, "function"), "expected the deployed function's ARN or name");
      }
    if (const Node* v = n.find("payload_format")) {
      std::string text = v->is_number() ? v->to_json().dump() : v->is_string() ? v->as_string() : "";
      if (text == "2.0" || text == "2") fn.format = Lambda::Format::V2;
      else if (text == "1.0" || text == "1") fn.format = Lambda::Format::V1;
      else error(v->mark, join(path, "payload_format"), "expected \"1.0\" or \"2.0\", got " + describe(*v));
    }
    if (const Node* v = n.find("timeout"))
      if (auto d = duration_value(*v, join(path, "timeout"))) {
        if (d->count() <= 0) error(v->mark, join(path, "timeout"), "expected a timeout above 0");
        else fn.timeout = *d;
      }
    return fn;
  }

  void read_backends(const Node& n) {
    if (!expect(n, Kind::Object, "backends")) return;
    for (const auto& m : n.members()) {
      std::string path = join("backends", m.key);
      const Node& b = m.value;
      Backend backend;
      backend.name = m.key;
      backend.mark = m.key_mark;
      if (b.is_string()) {  // shorthand: name: URL
        if (auto s = string_value(b, path, true)) read_backend_url(b, path, *s, backend);
        cfg_.backends.push_back(std::move(backend));
        continue;
      }
      if (!expect(b, Kind::Object, path)) continue;
      check_keys(b, path, keys_of("backend"));
      const Node* url = b.find("url");
      const Node* urls = b.find("urls");
      const Node* lambda = b.find("lambda");
      if (!url && !urls && !lambda)
        error(b.mark, path, "missing required key 'url' (or 'urls', a list of targets, or 'lambda', a function)");
      if ((url != nullptr) + (urls != nullptr) + (lambda != nullptr) > 1)
        error(b.mark, path, "a backend has one of 'url', 'urls' or 'lambda'");
      if (lambda) backend.lambda = read_lambda(*lambda, join(path, "lambda"));
      if (url)
        if (auto s = string_value(*url, join(path, "url"), true)) read_backend_url(*url, join(path, "url"), *s, backend);
      if (urls && expect(*urls, Kind::Array, join(path, "urls"))) {
        if (urls->items().empty()) error(urls->mark, join(path, "urls"), "expected at least one URL");
        for (size_t i = 0; i < urls->items().size(); ++i) {
          std::string item_path = index_path(join(path, "urls"), i);
          if (auto s = string_value(urls->items()[i], item_path, true))
            read_backend_url(urls->items()[i], item_path, *s, backend);
        }
      }
      if (const Node* v = b.find("timeout"))
        if (auto d = duration_value(*v, join(path, "timeout"))) backend.timeout = *d;
      if (const Node* v = b.find("retries")) {
        if (!v->is_int() || v->as_int() < 0 || v->as_int() > 10)
          error(v->mark, join(path, "retries"), "expected an integer from 0 to 10, got " + describe(*v));
        else
          backend.retries = static_cast<int>(v->as_int());
      }
      if (const Node* v = b.find("unhealthy_for"))
        if (auto d = duration_value(*v, join(path, "unhealthy_for"))) backend.unhealthy_for = *d;
      if (const Node* v = b.find("tls_verify"))
        if (expect(*v, Kind::Bool, join(path, "tls_verify"))) backend.tls_verify = v->as_bool();
      if (const Node* v = b.find("description")) string_value(*v, join(path, "description"));
      cfg_.backends.push_back(std::move(backend));
    }
  }

  std::vector<std::string> string_list(const Node& n, const std::string& path) {
    std::vector<std::string> out;
    if (!expect(n, Kind::Array, path)) return out;
    for (size_t i = 0; i < n.items().size(); ++i)
      if (auto s = string_value(n.items()[i], index_path(path, i))) out.push_back(*s);
    return out;
  }

  // A path the config names, resolved against the config file's folder.
  std::string config_relative(const std::string& p) const {
    namespace fs = std::filesystem;
    fs::path path(p);
    if (path.is_relative()) path = fs::path(doc_.path).parent_path() / path;
    return path.lexically_normal().string();
  }

  // A file named under `key` of an authorizer: its resolved path, or nullopt after a located error.
  std::optional<std::string> named_file(const Node& n, const std::string& path, const char* what, AuthScheme& scheme) {
    auto s = string_value(n, path);
    if (!s) return std::nullopt;
    if (s->empty()) {
      error(n.mark, path, std::string("expected the path of a ") + what);
      return std::nullopt;
    }
    std::string file = config_relative(*s);
    scheme.files.push_back(file);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) {
      error(n.mark, path, std::string(what) + " '" + file + "' not found", "config-reference");
      return std::nullopt;
    }
    return file;
  }

  // Reads a YAML/JSON file an authorizer names; its syntax errors are reported where they are.
  std::optional<doc::Document> named_document(const std::string& file) {
    doc::Document d = doc::load_file(file);
    for (const auto& issue : d.issues)
      diags_.push_back({Severity::Error, issue.fatal ? "config-syntax" : "config-duplicate-key", file, issue.mark, "",
                        issue.message});
    if (!d.ok()) return std::nullopt;
    return d;
  }

  // One API key: a string (named key-N by its position) or { name, value, plan }.
  void read_api_key(const Node& item, const std::string& p, AuthScheme& scheme, policy::Credentials& creds,
                    std::map<std::string, std::string>& value_owner, const std::string& origin) {
    policy::ApiKey key;
    const Node* value_node = &item;
    if (item.is_string()) {
      key.name = "key-" + std::to_string(creds.keys.size() + 1);
    } else if (item.is_object()) {
      check_keys(item, p, keys_of("api_key"));
      require(item, p, "value", "the key itself, normally from ${ENV}");
      value_node = item.find("value");
      if (const Node* v = item.find("name")) {
        if (auto s = string_value(*v, join(p, "name"))) {
          if (s->empty()) error(v->mark, join(p, "name"), "expected a name");
          key.name = *s;
          bool taken = std::any_of(creds.keys.begin(), creds.keys.end(), [&](const auto& k) { return k.name == *s; });
          if (taken) error(v->mark, join(p, "name"), "another key is already named '" + *s + "'");
        }
      } else {
        key.name = "key-" + std::to_string(creds.keys.size() + 1);
      }
      if (const Node* v = item.find("plan"))
        if (auto s = string_value(*v, join(p, "plan"))) {
          key.plan = *s;
          check_plan(*s, v->mark, join(p, "plan"));
        }
      if (!value_node) return;
    } else {
      error(item.mark, p, "expected a key (a string) or a mapping with name, value and plan, got " + describe(item));
      return;
    }
    std::string vp = item.is_object() ? join(p, "value") : p;
    auto value = string_value(*value_node, vp);
    if (!value) return;
    if (value_node->as_string().empty()) {
      error(value_node->mark, vp, "an empty key");
      return;
    }
    if (value->empty()) return;  // an unset ${VAR}: already reported
    auto [it, fresh] = value_owner.emplace(*value, "'" + key.name + "'" + (origin.empty() ? "" : " (" + origin + ")"));
    if (!fresh) {
      error(value_node->mark, vp, "the same key value as " + it->second);
      return;
    }
    key.value = *value;
    scheme.keys.push_back(*value);
    creds.keys.push_back(std::move(key));
  }

  // Once the config declares usage plans, a key's plan must be one of them; without any, a plan is only a label.
  void check_plan(const std::string& name, doc::Mark mark, const std::string& path) {
    if (cfg_.usage_plans.empty() || cfg_.find_plan(name)) return;
    std::vector<std::string_view> names;
    for (const auto& plan : cfg_.usage_plans) names.push_back(plan.name);
    std::string suggestion = util::nearest(name, names);
    error(mark, path,
          "unknown usage plan '" + name + "'" + (suggestion.empty() ? "" : " (did you mean '" + suggestion + "'?)"),
          "config-reference");
  }

  void read_api_keys(const Node& s, const std::string& path, AuthScheme& scheme, policy::Credentials& creds) {
    std::map<std::string, std::string> value_owner;  // key value -> the name that has it
    if (const Node* v = s.find("keys"); v && expect(*v, Kind::Array, join(path, "keys")))
      for (size_t i = 0; i < v->items().size(); ++i)
        read_api_key(v->items()[i], index_path(join(path, "keys"), i), scheme, creds, value_owner, "");
    if (const Node* f = s.find("keys_file")) {
      if (auto file = named_file(*f, join(path, "keys_file"), "keys file", scheme)) {
        if (auto d = named_document(*file)) {
          std::string saved = file_;
          file_ = *file;
          if (!d->root.is_array()) {
            error(d->root.mark, "", "expected a list of keys (strings, or mappings with name, value and plan), got " +
                                        describe(d->root));
          } else if (d->root.items().empty()) {
            error(d->root.mark, "", "the keys file lists no keys (it would let any key in)");
          } else {
            for (size_t i = 0; i < d->root.items().size(); ++i)
              read_api_key(d->root.items()[i], index_path("", i), scheme, creds, value_owner,
                           std::filesystem::path(*file).filename().string());
          }
          file_ = saved;
        }
      }
    }
  }

  void read_basic_users(const Node& s, const std::string& path, AuthScheme& scheme, policy::Credentials& creds) {
    auto add = [&](policy::User u, doc::Mark mark, const std::string& p) {
      bool taken = std::any_of(creds.users.begin(), creds.users.end(), [&](const auto& x) { return x.name == u.name; });
      if (taken) {
        error(mark, p, "user '" + u.name + "' is listed twice");
        return;
      }
      scheme.users.emplace_back(u.name, u.hash.empty() ? u.password : u.hash);
      creds.users.push_back(std::move(u));
    };
    if (const Node* f = s.find("htpasswd")) {
      if (auto file = named_file(*f, join(path, "htpasswd"), "htpasswd file", scheme)) {
        std::ifstream in(*file, std::ios::binary);
        std::ostringstream text;
        text << in.rdbuf();
        std::vector<policy::FileProblem> problems;
        auto users = policy::parse_htpasswd(text.str(), problems);
        if (users.empty() && problems.empty())
          error(f->mark, join(path, "htpasswd"), "htpasswd file '" + *file + "' has no users (it would let anyone in)");
        for (auto& u : users) add(std::move(u), f->mark, join(path, "htpasswd"));
        for (const auto& pr : problems)
          diags_.push_back({Severity::Error, "config-schema", *file,
                            doc::Mark{static_cast<uint32_t>(pr.line), static_cast<uint32_t>(pr.col)}, "", pr.message});
      }
    }
    if (const Node* v = s.find("users"); v && expect(*v, Kind::Object, join(path, "users")))
      for (const auto& u : v->members()) {
        std::string up = join(join(path, "users"), u.key);
        if (!expect(u.value, Kind::String, up)) continue;
        const std::string& raw = u.value.as_string();
        policy::User user{u.key, "", ""};
        if (policy::hash_kind(raw) != policy::HashKind::None) {
          user.hash = raw;  // written as is: a hash is full of '$'
        } else if (raw.find("${") != std::string::npos) {
          std::string value = expand(u.value, up);
          if (policy::hash_kind(value) != policy::HashKind::None) user.hash = value;
          else user.password = value;
        } else {
          error(u.value.mark, up,
                "a plain password in the config: take it from the environment (\"${...}\") or write a hash "
                "(htpasswd -nB " + u.key + ")");
          continue;
        }
        add(std::move(user), u.key_mark, up);
      }
  }

  // A JWKS (file or inline) into `keys`; an unusable key is reported at its own location.
  void add_jwks(const Node& root, const std::string& file, const std::string& path, policy::KeySet& keys) {
    std::string err, where;
    auto set = policy::KeySet::from_jwks(root.to_json(), &err, &where);
    if (set) {
      for (const auto& k : set->keys()) keys.add(k);
      return;
    }
    doc::Mark mark = root.mark;
    if (const Node* list = root.find("keys")) {
      mark = list->mark;
      if (where.rfind("keys[", 0) == 0) {
        size_t i = std::stoul(where.substr(5));
        if (list->is_array() && i < list->items().size()) mark = list->items()[i].mark;
      }
    }
    std::string p = path.empty() ? where : (where.empty() ? path : path + "." + where);
    diags_.push_back({Severity::Error, "config-schema", file, mark, p, err});
  }

  void read_jwt_keys(const Node& s, const std::string& path, AuthScheme& scheme, policy::Credentials& creds) {
    policy::KeySet keys;
    if (!scheme.secret.empty()) keys.add(policy::KeySet::from_secret(scheme.secret).keys()[0]);
    if (const Node* f = s.find("jwks_file"))
      if (auto file = named_file(*f, join(path, "jwks_file"), "JWKS file", scheme))
        if (auto d = named_document(*file)) add_jwks(d->root, *file, "", keys);
    if (const Node* v = s.find("jwks")) {
      if (expect(*v, Kind::Object, join(path, "jwks"))) add_jwks(*v, doc_.path, join(path, "jwks"), keys);
    }
    if (const Node* f = s.find("pem_file")) {
      if (auto file = named_file(*f, join(path, "pem_file"), "PEM file", scheme)) {
        std::ifstream in(*file, std::ios::binary);
        std::ostringstream text;
        text << in.rdbuf();
        std::string err;
        if (auto set = policy::KeySet::from_pem(text.str(), &err)) {
          for (const auto& k : set->keys()) keys.add(k);
        } else {
          error(f->mark, join(path, "pem_file"), *file + ": " + err);
        }
      }
    }
    if (const Node* v = s.find("algorithms"); v && expect(*v, Kind::Array, join(path, "algorithms"))) {
      std::vector<std::string_view> known(policy::known_algorithms().begin(), policy::known_algorithms().end());
      auto fit = keys.algorithms();
      std::string fits;
      for (const auto& a : fit) fits += (fits.empty() ? "" : ", ") + a;
      for (size_t i = 0; i < v->items().size(); ++i) {
        const Node& item = v->items()[i];
        std::string p = index_path(join(path, "algorithms"), i);
        auto alg = string_value(item, p);
        if (!alg) continue;
        if (util::to_lower(*alg) == "none") {
          error(item.mark, p, "alg 'none' is never accepted (unsigned tokens)");
        } else if (!policy::is_known_algorithm(*alg)) {
          std::string suggestion = util::nearest(*alg, known);
          error(item.mark, p, "unknown algorithm '" + *alg + "'" +
                                  (suggestion.empty() ? " (HS256/384/512, RS256/384/512, PS256/384/512, ES256/384/512)"
                                                      : " (did you mean '" + suggestion + "'?)"));
        } else if (!keys.empty() && std::find(fit.begin(), fit.end(), *alg) == fit.end()) {
          error(item.mark, p, "no key of this authorizer can check " + *alg + " (its keys fit " + fits + ")");
        } else {
          creds.verify.algorithms.push_back(*alg);
        }
      }
    }
    if (const Node* v = s.find("required_claims")) creds.required_claims = read_claim_rules(*v, join(path, "required_claims"));
    if (const Node* v = s.find("forward_claims"); v && expect(*v, Kind::Object, join(path, "forward_claims")))
      for (const auto& m : v->members()) {
        std::string p = join(join(path, "forward_claims"), m.key);
        auto header = string_value(m.value, p);
        if (!header) continue;
        static const std::vector<std::string> k_reserved = {"host", "content-length", "transfer-encoding", "connection",
                                                            "authorization", "cookie"};
        if (!valid_header_name(*header)) {
          error(m.value.mark, p, "invalid header name '" + *header + "'");
        } else if (std::find(k_reserved.begin(), k_reserved.end(), util::to_lower(*header)) != k_reserved.end()) {
          error(m.value.mark, p, "'" + *header + "' cannot carry a claim");
        } else {
          creds.forward_claims.emplace_back(m.key, *header);
        }
      }
    creds.verify.issuer = scheme.issuer;
    creds.verify.audiences = scheme.audiences;
    creds.verify.leeway = std::chrono::duration_cast<std::chrono::seconds>(scheme.leeway);
    creds.jwt_keys = std::move(keys);
  }

  // claims: { role: admin, groups: [ops, dev], level: 3 } — each claim must equal the value or one of the values.
  std::vector<policy::ClaimRule> read_claim_rules(const Node& n, const std::string& path) {
    std::vector<policy::ClaimRule> rules;
    if (!expect(n, Kind::Object, path)) return rules;
    auto scalar = [&](const Node& v, const std::string& p) -> std::optional<std::string> {
      if (v.is_string()) return expand(v, p);
      if (v.is_number() || v.is_bool()) return v.to_json().dump();
      error(v.mark, p, "expected a value or a list of values, got " + describe(v));
      return std::nullopt;
    };
    for (const auto& m : n.members()) {
      std::string p = join(path, m.key);
      policy::ClaimRule rule{m.key, {}};
      if (m.value.is_array()) {
        if (m.value.items().empty()) error(m.value.mark, p, "expected at least one value");
        for (size_t i = 0; i < m.value.items().size(); ++i)
          if (auto s = scalar(m.value.items()[i], index_path(p, i))) rule.values.push_back(*s);
      } else if (auto s = scalar(m.value, p)) {
        rule.values.push_back(*s);
      }
      if (!rule.values.empty()) rules.push_back(std::move(rule));
    }
    return rules;
  }

  void read_auth_schemes(const Node& n) {
    if (!expect(n, Kind::Object, "auth")) return;
    static const std::vector<std::string_view> k_types = {"api_key", "basic", "bearer", "jwt"};
    for (const auto& m : n.members()) {
      std::string path = join("auth", m.key);
      if (!expect(m.value, Kind::Object, path)) continue;
      AuthScheme scheme;
      scheme.name = m.key;
      scheme.mark = m.key_mark;
      scheme.source = m.value.to_json().dump();
      const Node* type = m.value.find("type");
      std::string t = type && type->is_string() ? type->as_string() : "";
      if (!type) {
        error(m.value.mark, path, "missing required key 'type' (api_key, basic, bearer or jwt)");
        continue;
      }
      if (std::find(k_types.begin(), k_types.end(), t) == k_types.end()) {
        std::string suggestion = util::nearest(t, k_types);
        error(type->mark, join(path, "type"),
              "unknown auth type '" + t + "' (api_key, basic, bearer or jwt)" +
                  (suggestion.empty() ? "" : "; did you mean '" + suggestion + "'?"));
        continue;
      }
      check_keys(m.value, path, keys_of(("auth_" + t).c_str()));
      auto creds = std::make_shared<policy::Credentials>();
      if (const Node* v = m.value.find("description")) string_value(*v, join(path, "description"));
      if (const Node* v = m.value.find("realm"))
        if (auto s = string_value(*v, join(path, "realm"))) {
          if (s->empty() || s->find_first_of("\"\\\r\n") != std::string::npos)
            error(v->mark, join(path, "realm"), "a realm is non-empty text without quotes, backslashes or line breaks");
          else
            creds->realm = *s;
        }
      if (t == "api_key") {
        scheme.type = AuthScheme::Type::ApiKey;
        if (const Node* v = m.value.find("in"))
          if (auto s = string_value(*v, join(path, "in"))) {
            if (*s != "header" && *s != "query" && *s != "cookie")
              error(v->mark, join(path, "in"), "expected header, query or cookie, got '" + *s + "'");
            else scheme.in = *s;
          }
        if (const Node* v = m.value.find("name"))
          if (auto s = string_value(*v, join(path, "name")); s && !s->empty()) scheme.param_name = *s;
        read_api_keys(m.value, path, scheme, *creds);
      } else if (t == "basic") {
        scheme.type = AuthScheme::Type::Basic;
        read_basic_users(m.value, path, scheme, *creds);
      } else if (t == "bearer") {
        scheme.type = AuthScheme::Type::Bearer;
      } else {
        scheme.type = AuthScheme::Type::Jwt;
        if (const Node* v = m.value.find("secret"))
          if (auto s = string_value(*v, join(path, "secret"))) scheme.secret = *s;
        if (const Node* v = m.value.find("issuer"))
          if (auto s = string_value(*v, join(path, "issuer"))) scheme.issuer = *s;
        if (const Node* v = m.value.find("audiences")) scheme.audiences = string_list(*v, join(path, "audiences"));
        if (const Node* v = m.value.find("scopes")) scheme.scopes = string_list(*v, join(path, "scopes"));
        if (const Node* v = m.value.find("leeway"))
          if (auto d = duration_value(*v, join(path, "leeway"))) scheme.leeway = *d;
        read_jwt_keys(m.value, path, scheme, *creds);
      }
      for (const auto& f : scheme.files)
        if (std::find(cfg_.auth_files.begin(), cfg_.auth_files.end(), f) == cfg_.auth_files.end()) cfg_.auth_files.push_back(f);
      scheme.credentials = std::move(creds);
      cfg_.auth.push_back(std::move(scheme));
    }
  }

  // A requirement list, as OpenAPI's security: [key, {token: [read]}, {token: {scopes: [a], claims: {role: x}}},
  // {key: [], basic: []}] — OR of alternatives, AND within a mapping.
  std::optional<AuthPolicy> read_auth_requirements(const Node& n, const std::string& path) {
    if (!expect(n, Kind::Array, path)) return std::nullopt;
    AuthPolicy out;
    auto scheme_ref = [&](const std::string& name, doc::Mark mark, const std::string& p) {
      if (cfg_.find_auth(name)) return true;
      std::vector<std::string_view> names;
      for (const auto& a : cfg_.auth) names.push_back(a.name);
      std::string suggestion = util::nearest(name, names);
      error(mark, p,
            "unknown auth scheme '" + name + "'" +
                (suggestion.empty() ? (names.empty() ? " (no schemes are defined under 'auth')" : "")
                                    : " (did you mean '" + suggestion + "'?)"),
            "config-reference");
      return false;
    };
    for (size_t i = 0; i < n.items().size(); ++i) {
      const Node& item = n.items()[i];
      std::string p = index_path(path, i);
      AuthRequirement req;
      std::vector<std::vector<policy::ClaimRule>> claims;
      if (item.is_string()) {
        if (scheme_ref(item.as_string(), item.mark, p)) {
          req.emplace_back(item.as_string(), std::vector<std::string>{});
          claims.emplace_back();
        }
      } else if (item.is_object() && !item.members().empty()) {
        for (const auto& m : item.members()) {
          std::string mp = join(p, m.key);
          if (!scheme_ref(m.key, m.key_mark, mp)) continue;
          std::vector<std::string> scopes;
          std::vector<policy::ClaimRule> rules;
          if (m.value.is_object()) {
            check_keys(m.value, mp, keys_of("auth_requirement"));
            if (const Node* v = m.value.find("scopes")) scopes = string_list(*v, join(mp, "scopes"));
            if (const Node* v = m.value.find("claims")) rules = read_claim_rules(*v, join(mp, "claims"));
            const AuthScheme* s = cfg_.find_auth(m.key);
            if (!rules.empty() && s->type != AuthScheme::Type::Jwt)
              error(m.value.find("claims")->mark, join(mp, "claims"), "claims apply to jwt authorizers; '" + m.key + "' is not one");
          } else if (!m.value.is_null()) {
            scopes = string_list(m.value, mp);
          }
          req.emplace_back(m.key, std::move(scopes));
          claims.push_back(std::move(rules));
        }
      } else {
        error(item.mark, p, "expected a scheme name or a mapping of scheme names to scopes, got " + describe(item));
        continue;
      }
      if (!req.empty()) {
        out.auth.push_back(std::move(req));
        out.claims.push_back(std::move(claims));
      }
    }
    return out;
  }

  // policies: { auth: [...] } — what every route gets unless its group or itself says otherwise.
  void read_policies(const Node& n) {
    if (!expect(n, Kind::Object, "policies")) return;
    check_keys(n, "policies", keys_of("policies"));
    if (const Node* v = n.find("auth")) default_auth_ = read_auth_requirements(*v, "policies.auth");
    if (const Node* v = n.find("cors")) default_cors_ = read_cors(*v, "policies.cors", "policies");
    if (const Node* v = n.find("cache")) default_cache_ = read_cache(*v, "policies.cache", "policies");
    if (const Node* v = n.find("rate_limit")) default_rate_limit_ = read_rate_limit(*v, "policies.rate_limit", "policies");
    if (const Node* v = n.find("transform")) default_transform_ = read_transform(*v, "policies.transform", "policies");
  }

  // cors: { origins, methods, headers, expose_headers, credentials, max_age }, or false to turn an inherited one off.
  CorsSetting read_cors(const Node& n, const std::string& path, const std::string& from) {
    if (n.is_bool()) {
      if (!n.as_bool()) return std::shared_ptr<const CorsPolicy>();
      error(n.mark, path, "cors: true says nothing about which origins; write cors: { origins: [...] }");
      return std::nullopt;
    }
    if (!expect(n, Kind::Object, path)) return std::nullopt;
    check_keys(n, path, keys_of("cors"));
    auto cors = std::make_shared<CorsPolicy>();
    cors->mark = n.mark;
    cors->from = from;
    const Node* origins = n.find("origins");
    if (!origins) {
      error(n.mark, path, "cors needs origins (a list: \"https://app.example.com\", \"https://*.example.com\" or \"*\")");
      return std::nullopt;
    }
    cors->origins = string_list(*origins, join(path, "origins"));
    for (size_t i = 0; i < cors->origins.size(); ++i) {
      const std::string& o = cors->origins[i];
      std::string problem = cors_origin_problem(o);
      if (!problem.empty())
        error(origins->items()[i].mark, index_path(join(path, "origins"), i), "origin '" + o + "' " + problem);
    }
    if (cors->origins.empty() && origins->is_array()) error(origins->mark, join(path, "origins"), "cors origins is empty");
    if (const Node* v = n.find("methods")) {
      cors->methods = string_list(*v, join(path, "methods"));
      for (size_t i = 0; i < cors->methods.size(); ++i) {
        std::string& m = cors->methods[i];
        std::transform(m.begin(), m.end(), m.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
        if (m.empty() || !std::all_of(m.begin(), m.end(), [](unsigned char c) { return std::isalpha(c); }))
          error(v->items()[i].mark, index_path(join(path, "methods"), i), "invalid method '" + m + "'");
      }
    }
    auto header_names = [&](const char* key, std::vector<std::string>& out) {
      const Node* v = n.find(key);
      if (!v) return;
      out = string_list(*v, join(path, key));
      for (size_t i = 0; i < out.size(); ++i) {
        std::string& h = out[i];
        h = util::to_lower(h);
        bool token = !h.empty() && std::all_of(h.begin(), h.end(), [](unsigned char c) {
          return std::isalnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
        });
        if (!token) error(v->items()[i].mark, index_path(join(path, key), i), "invalid header name '" + h + "'");
      }
    };
    header_names("headers", cors->headers);
    header_names("expose_headers", cors->expose_headers);
    if (const Node* v = n.find("credentials"))
      if (expect(*v, Kind::Bool, join(path, "credentials"))) cors->credentials = v->as_bool();
    if (const Node* v = n.find("max_age")) cors->max_age = duration_value(*v, join(path, "max_age"));
    return std::shared_ptr<const CorsPolicy>(std::move(cors));
  }

  // cache: { ttl, key: { query, headers }, max_entries, max_entry_size, invalidation }, or false to turn an inherited
  // one off.
  CacheSetting read_cache(const Node& n, const std::string& path, const std::string& from) {
    if (n.is_bool() && !n.as_bool()) return std::shared_ptr<const CachePolicy>();
    if (n.is_bool()) {
      error(n.mark, path, "cache: true says nothing about how long; write cache: { ttl: 60s } (or {} for the defaults)");
      return std::nullopt;
    }
    if (!expect(n, Kind::Object, path)) return std::nullopt;
    check_keys(n, path, keys_of("cache"));
    auto cache = std::make_shared<CachePolicy>();
    cache->mark = n.mark;
    cache->from = from;
    if (const Node* v = n.find("ttl"))
      if (auto d = duration_value(*v, join(path, "ttl"))) {
        if (d->count() <= 0 || *d > std::chrono::hours(24 * 365))
          error(v->mark, join(path, "ttl"), "a cache ttl is more than 0 and at most a year");
        else
          cache->ttl = *d;
      }
    if (const Node* key = n.find("key"); key && expect(*key, Kind::Object, join(path, "key"))) {
      check_keys(*key, join(path, "key"), keys_of("cache_key"));
      if (const Node* v = key->find("query")) cache->query = string_list(*v, join(path, "key.query"));
      if (const Node* v = key->find("headers")) {
        cache->headers = string_list(*v, join(path, "key.headers"));
        for (auto& h : cache->headers) h = util::to_lower(h);
      }
    }
    if (const Node* v = n.find("max_entries")) {
      if (!v->is_int() || v->as_int() < 1 || v->as_int() > 1'000'000)
        error(v->mark, join(path, "max_entries"), "max_entries is a whole number from 1 to 1000000");
      else
        cache->max_entries = static_cast<size_t>(v->as_int());
    }
    if (const Node* v = n.find("max_entry_size"))
      if (auto size = size_value(*v, join(path, "max_entry_size"))) cache->max_entry_size = *size;
    if (const Node* v = n.find("invalidation"))
      if (auto s = string_value(*v, join(path, "invalidation"))) {
        if (*s == "authorized") cache->invalidation = CachePolicy::Invalidation::Authorized;
        else if (*s == "anyone") cache->invalidation = CachePolicy::Invalidation::Anyone;
        else if (*s == "never") cache->invalidation = CachePolicy::Invalidation::Never;
        else error(v->mark, join(path, "invalidation"), "invalidation is authorized, anyone or never, not '" + *s + "'");
      }
    return std::shared_ptr<const CachePolicy>(std::move(cache));
  }

  // A transform or gateway response value: ${path.NAME}, ${query.NAME}, ${header.NAME}, ${claims.NAME},
  // ${context.requestId|method|path}, and in gateway responses ${context.error.message|status}, looked up per request;
  // ${VAR} (no dot) is an environment variable, expanded here as everywhere in a config (JSON-escaped when `json`).
  std::optional<Template> read_template(const Node& n, const std::string& path, bool gateway_response, bool json = false) {
    std::string text;
    if (n.is_string()) text = n.as_string();
    else if (n.is_number() || n.is_bool()) text = n.to_json().dump();
    else {
      error(n.mark, path, "expected a string, got " + describe(n));
      return std::nullopt;
    }
    return compile_template(text, n.mark, path, gateway_response, json);
  }

  std::optional<Template> compile_template(std::string_view text, doc::Mark mark, const std::string& path,
                                           bool gateway_response, bool json) {
    using Source = Template::Source;
    Template t;
    std::string literal;
    auto add = [&](Source source, std::string name) {
      if (!literal.empty()) t.parts.push_back({Source::Text, std::move(literal)});
      literal.clear();
      t.parts.push_back({source, std::move(name)});
    };
    size_t i = 0;
    bool ok = true;
    while (i < text.size()) {
      if (text.substr(i, 3) == "$${") {
        literal += "${";
        i += 3;
        continue;
      }
      if (text.substr(i, 2) != "${") {
        literal += text[i++];
        continue;
      }
      size_t close = text.find('}', i + 2);
      if (close == std::string_view::npos) {
        error(mark, path, "unterminated ${...} (write $${ for a literal ${)");
        return std::nullopt;
      }
      std::string inner(text.substr(i + 2, close - i - 2));
      std::string_view reference = std::string_view(inner).substr(0, inner.find(":-"));
      i = close + 1;
      auto dot = reference.find('.');
      if (dot == std::string_view::npos || reference.substr(0, dot + 1) == k_stage_variables) {
        // an environment variable, or a variable of the stage served: known at load, so part of the literal
        std::string value = expand_text("${" + inner + "}", mark, path, true);
        if (json) util::append_json_escaped(literal, value);
        else literal += value;
        continue;
      }
      std::string source(reference.substr(0, dot)), name(reference.substr(dot + 1));
      static const std::map<std::string, Source, std::less<>> k_sources = {
          {"path", Source::Path}, {"query", Source::Query}, {"header", Source::Header}, {"claims", Source::Claim}};
      static const std::map<std::string, Source, std::less<>> k_context = {
          {"requestId", Source::RequestId}, {"method", Source::Method}, {"path", Source::RequestPath},
          {"error.message", Source::ErrorMessage}, {"error.status", Source::ErrorStatus}};
      if (reference.size() != inner.size()) {
        error(mark, path, "${" + inner + "}: a default (:-) is for environment variables only");
        ok = false;
      } else if (auto s = k_sources.find(source); s != k_sources.end()) {
        if (name.empty()) {
          error(mark, path, "${" + inner + "} names nothing (write ${" + source + ".NAME})");
          ok = false;
        } else {
          add(s->second, name);
        }
      } else if (auto c = k_context.find(name); source == "context" && c != k_context.end() &&
                                                 (gateway_response || name.rfind("error.", 0) != 0)) {
        add(c->second, name);
      } else if (source == "context") {
        error(mark, path,
              "unknown ${context." + name + "} (requestId, method, path" +
                  (gateway_response ? ", error.message, error.status)" : "; context.error.* is for gateway_responses)"));
        ok = false;
      } else {
        error(mark, path, "unknown ${...} source '" + source + "' in ${" + inner + "} (path, query, header, claims or context)");
        ok = false;
      }
    }
    if (!literal.empty()) t.parts.push_back({Template::Source::Text, std::move(literal)});
    if (!ok) return std::nullopt;
    return t;
  }

  enum class EditTarget { Header, Query, Body };

  // A name an edit applies to: a header name (not one the gateway manages), a query parameter, or a JSON pointer.
  bool valid_edit_name(const std::string& name, EditTarget target, doc::Mark mark, const std::string& path) {
    if (target == EditTarget::Header) {
      if (!valid_header_name(name)) {
        error(mark, path, "invalid header name '" + name + "'");
        return false;
      }
      static const std::vector<std::string_view> k_managed = {"content-length", "transfer-encoding", "host", "connection"};
      if (std::find(k_managed.begin(), k_managed.end(), util::to_lower(name)) != k_managed.end()) {
        error(mark, path, "'" + name + "' is managed by the gateway and cannot be transformed");
        return false;
      }
    } else if (target == EditTarget::Query && name.empty()) {
      error(mark, path, "a query parameter name cannot be empty");
      return false;
    } else if (target == EditTarget::Body) {
      bool valid = name.size() > 1 && name[0] == '/';
      for (size_t i = 0; valid && i < name.size(); ++i)
        if (name[i] == '~') valid = i + 1 < name.size() && (name[i + 1] == '0' || name[i + 1] == '1');
      if (!valid) {
        error(mark, path, "'" + name + "' is not a JSON pointer to a member (\"/user/name\"; ~0 is '~', ~1 is '/')");
        return false;
      }
    }
    return true;
  }

  // { set: { NAME: value }, remove: [NAME], rename: { FROM: TO } }
  Edits read_edits(const Node& n, const std::string& path, EditTarget target) {
    Edits edits;
    if (!expect(n, Kind::Object, path)) return edits;
    check_keys(n, path, keys_of("edits"));
    if (const Node* set = n.find("set"); set && expect(*set, Kind::Object, join(path, "set"))) {
      for (const auto& m : set->members()) {
        std::string p = join(join(path, "set"), m.key);
        if (!valid_edit_name(m.key, target, m.key_mark, p)) continue;
        Assignment a{m.key, {}, nullptr};
        if (target == EditTarget::Body && !m.value.is_string()) {
          a.literal = std::make_shared<const nlohmann::json>(m.value.to_json());
        } else if (auto t = read_template(m.value, p, false)) {
          a.value = std::move(*t);
        } else {
          continue;
        }
        if (target == EditTarget::Header && !header_safe(a.value, m.value.mark, p)) continue;
        edits.set.push_back(std::move(a));
      }
    }
    if (const Node* remove = n.find("remove")) {
      auto names = string_list(*remove, join(path, "remove"));
      for (size_t i = 0; i < names.size(); ++i)
        if (valid_edit_name(names[i], target, remove->items()[i].mark, index_path(join(path, "remove"), i)))
          edits.remove.push_back(names[i]);
    }
    if (const Node* rename = n.find("rename"); rename && expect(*rename, Kind::Object, join(path, "rename"))) {
      for (const auto& m : rename->members()) {
        std::string p = join(join(path, "rename"), m.key);
        auto to = string_value(m.value, p);
        if (!to || !valid_edit_name(m.key, target, m.key_mark, p) || !valid_edit_name(*to, target, m.value.mark, p)) continue;
        edits.rename.emplace_back(m.key, *to);
      }
    }
    return edits;
  }

  // The literal parts of a header value: a value that comes from the request is checked per request instead.
  bool header_safe(const Template& t, doc::Mark mark, const std::string& path) {
    for (const auto& part : t.parts)
      if (part.source == Template::Source::Text &&
          (part.text.find_first_of("\r\n") != std::string::npos || part.text.find('\0') != std::string::npos)) {
        error(mark, path, "a header value cannot contain CR, LF or NUL");
        return false;
      }
    return true;
  }

  // transform: { request: { headers, query, body }, response: { headers, body } }, or false to turn an inherited one off.
  TransformSetting read_transform(const Node& n, const std::string& path, const std::string& from) {
    if (n.is_bool() && !n.as_bool()) return std::shared_ptr<const TransformPolicy>();
    if (!n.is_object()) {
      error(n.mark, path, "expected a mapping (request, response) or false, got " + describe(n));
      return std::nullopt;
    }
    check_keys(n, path, keys_of("transform"));
    auto transform = std::make_shared<TransformPolicy>();
    transform->mark = n.mark;
    transform->from = from;
    size_t errors_before = error_count();
    if (const Node* request = n.find("request"); request && expect(*request, Kind::Object, join(path, "request"))) {
      std::string p = join(path, "request");
      check_keys(*request, p, keys_of("transform_request"));
      if (const Node* v = request->find("headers")) transform->request_headers = read_edits(*v, join(p, "headers"), EditTarget::Header);
      if (const Node* v = request->find("query")) transform->request_query = read_edits(*v, join(p, "query"), EditTarget::Query);
      if (const Node* v = request->find("body")) transform->request_body = read_edits(*v, join(p, "body"), EditTarget::Body);
    }
    if (const Node* response = n.find("response"); response && expect(*response, Kind::Object, join(path, "response"))) {
      std::string p = join(path, "response");
      check_keys(*response, p, keys_of("transform_response"));
      if (const Node* v = response->find("headers")) transform->response_headers = read_edits(*v, join(p, "headers"), EditTarget::Header);
      if (const Node* v = response->find("body")) transform->response_body = read_edits(*v, join(p, "body"), EditTarget::Body);
    }
    if (error_count() != errors_before) return std::nullopt;
    return std::shared_ptr<const TransformPolicy>(std::move(transform));
  }

  // gateway_responses: { THROTTLED: { status: 503, headers: { NAME: value }, body: "text" or a YAML value } }
  void read_gateway_responses(const Node& n) {
    if (!expect(n, Kind::Object, "gateway_responses")) return;
    check_keys(n, "gateway_responses", keys_of("gateway_responses"));
    const auto& types = keys_of("gateway_responses");
    for (const auto& m : n.members()) {
      if (std::find(types.begin(), types.end(), m.key) == types.end()) continue;
      std::string path = join("gateway_responses", m.key);
      if (!expect(m.value, Kind::Object, path)) continue;
      check_keys(m.value, path, keys_of("gateway_response"));
      GatewayResponse response;
      response.type = m.key;
      response.mark = m.key_mark;
      if (const Node* v = m.value.find("status")) {
        if (!v->is_int() || v->as_int() < 200 || v->as_int() > 599)
          error(v->mark, join(path, "status"), "expected an HTTP status from 200 to 599, got " + describe(*v));
        else
          response.status = static_cast<int>(v->as_int());
      }
      if (const Node* headers = m.value.find("headers"); headers && expect(*headers, Kind::Object, join(path, "headers"))) {
        for (const auto& h : headers->members()) {
          std::string p = join(join(path, "headers"), h.key);
          if (!valid_edit_name(h.key, EditTarget::Header, h.key_mark, p)) continue;
          if (auto t = read_template(h.value, p, true); t && header_safe(*t, h.value.mark, p))
            response.headers.push_back({h.key, std::move(*t), nullptr});
        }
      }
      if (const Node* body = m.value.find("body")) {
        response.json_body = !body->is_string();
        if (response.json_body)
          response.body = compile_template(body->to_json().dump(), body->mark, join(path, "body"), true, true);
        else
          response.body = read_template(*body, join(path, "body"), true);
      }
      cfg_.gateway_responses.push_back(std::move(response));
    }
  }

  // "" when `o` is "*" or scheme://host[:port], the host optionally starting with "*." (any subdomain).
  static std::string cors_origin_problem(const std::string& o) {
    if (o == "*") return "";
    auto scheme_end = o.find("://");
    if (scheme_end == std::string::npos || scheme_end == 0) return "is not an origin (scheme://host[:port], or \"*\")";
    std::string host = o.substr(scheme_end + 3);
    if (host.empty()) return "has no host";
    if (host.find('/') != std::string::npos) return "has a path; an origin is scheme://host[:port] only";
    if (host.rfind("*.", 0) == 0) host = host.substr(2);
    if (host.find('*') != std::string::npos) return "may use '*' only as a whole first label (https://*.example.com)";
    if (o.back() == ':') return "has an empty port";
    return "";
  }

  // groups: { admin: { description, auth } } — routes join one with group: admin.
  void read_groups(const Node& n) {
    if (!expect(n, Kind::Object, "groups")) return;
    for (const auto& m : n.members()) {
      std::string path = join("groups", m.key);
      RouteGroup g;
      g.name = m.key;
      g.mark = m.key_mark;
      if (!expect(m.value, Kind::Object, path)) continue;
      check_keys(m.value, path, keys_of("group"));
      if (const Node* v = m.value.find("description"))
        if (auto s = string_value(*v, join(path, "description"))) g.description = *s;
      std::optional<AuthPolicy> auth;
      if (const Node* v = m.value.find("auth")) auth = read_auth_requirements(*v, join(path, "auth"));
      group_auth_[m.key] = auth;
      if (const Node* v = m.value.find("cors")) group_cors_[m.key] = read_cors(*v, join(path, "cors"), "group " + m.key);
      if (const Node* v = m.value.find("cache")) group_cache_[m.key] = read_cache(*v, join(path, "cache"), "group " + m.key);
      if (const Node* v = m.value.find("rate_limit"))
        group_rate_limit_[m.key] = read_rate_limit(*v, join(path, "rate_limit"), "group " + m.key);
      if (const Node* v = m.value.find("transform"))
        group_transform_[m.key] = read_transform(*v, join(path, "transform"), "group " + m.key);
      cfg_.groups.push_back(std::move(g));
    }
  }

  // The route's auth: its own `auth`, else its group's, else `policies.auth`.
  void read_route_policies(const Node& r, const std::string& path, Route& route) {
    std::optional<AuthPolicy> group_auth;
    if (const Node* v = r.find("group")) {
      if (auto s = string_value(*v, join(path, "group"))) {
        auto it = group_auth_.find(*s);
        if (it == group_auth_.end()) {
          std::vector<std::string_view> names;
          for (const auto& g : cfg_.groups) names.push_back(g.name);
          std::string suggestion = util::nearest(*s, names);
          error(v->mark, join(path, "group"),
                "unknown group '" + *s + "'" +
                    (suggestion.empty() ? (names.empty() ? " (no groups are defined)" : "")
                                        : " (did you mean '" + suggestion + "'?)"),
                "config-reference");
        } else {
          route.group = *s;
          group_auth = it->second;
        }
      }
    }
    CorsSetting cors = default_cors_;
    if (!route.group.empty())
      if (auto it = group_cors_.find(route.group); it != group_cors_.end() && it->second) cors = it->second;
    if (const Node* v = r.find("cors")) cors = read_cors(*v, join(path, "cors"), "route");
    CacheSetting cache = default_cache_;
    if (!route.group.empty())
      if (auto it = group_cache_.find(route.group); it != group_cache_.end() && it->second) cache = it->second;
    if (const Node* v = r.find("cache")) cache = read_cache(*v, join(path, "cache"), "route");
    if (cache) route.cache = *cache;
    if (cors) route.cors = *cors;
    TransformSetting transform = default_transform_;
    if (!route.group.empty())
      if (auto it = group_transform_.find(route.group); it != group_transform_.end() && it->second) transform = it->second;
    if (const Node* v = r.find("transform")) transform = read_transform(*v, join(path, "transform"), "route");
    if (transform) route.transform = *transform;
    std::optional<RateLimit> limit = default_rate_limit_;
    if (const Node* v = r.find("rate_limit")) limit = read_rate_limit(*v, join(path, "rate_limit"), "route " + route.id);
    else if (auto it = group_rate_limit_.find(route.group); it != group_rate_limit_.end() && it->second) limit = it->second;
    if (limit && (limit->throttle || limit->quota)) route.rate_limit = std::move(limit);
    std::optional<AuthPolicy> chosen;
    if (const Node* v = r.find("auth")) {
      chosen = read_auth_requirements(*v, join(path, "auth"));
      route.auth_from = "route";
    } else if (group_auth) {
      chosen = group_auth;
      route.auth_from = "group " + route.group;
    } else if (default_auth_) {
      chosen = default_auth_;
      route.auth_from = "policies";
    }
    if (chosen) {
      route.auth = std::move(chosen->auth);
      route.auth_claims = std::move(chosen->claims);
    }
  }

  // One target of a backend (`url`, or an item of `urls`); the first is also the backend's `url`.
  void read_backend_url(const Node& n, const std::string& path, const std::string& text, Backend& backend) {
    std::string err;
    auto u = parse_url(text, &err);
    if (!u) {
      error(n.mark, path, "invalid URL '" + text + "': " + err);
      return;
    }
    if (backend.urls.empty()) {
      backend.url_text = text;
      backend.url = *u;
    }
    backend.urls.push_back(*u);
    backend.urls_text.push_back(text);
    backend.url_marks.push_back(n.mark);
  }

  void read_routes(const Node& n) {
    if (!expect(n, Kind::Array, "routes")) return;
    std::map<std::string, std::pair<size_t, doc::Mark>> ids;
    std::map<std::pair<std::string, std::string>, size_t> shapes;  // (method, shape) -> index in cfg_.routes
    for (size_t i = 0; i < n.items().size(); ++i) {
      const Node& r = n.items()[i];
      std::string path = index_path("routes", i);
      if (!expect(r, Kind::Object, path)) continue;
      Route route;
      route.mark = r.mark;
      route.key_path = path;
      route.file = doc_.path;
      route.openapi = cfg_.openapi;
      bool ok = read_route(r, path, route);
      if (!route.id.empty())
        if (auto [it, inserted] = ids.emplace(route.id, std::make_pair(i, route.mark)); !inserted)
          error(r.find("id") ? r.find("id")->mark : r.mark, join(path, "id"),
                "duplicate route id '" + route.id + "' (also routes[" + std::to_string(it->second.first) + "] at line " +
                    std::to_string(it->second.second.line) + ")",
                "config-duplicate-route");
      if (!ok) continue;
      for (const auto& m : route.methods) {
        // cfg_.routes' index, not i: routes that fail to read are not in cfg_.routes.
        auto [it, inserted] = shapes.emplace(std::make_pair(m, route.path.shape()), cfg_.routes.size());
        if (!inserted && it->second < cfg_.routes.size()) {  // (== size: the same method twice in this route)
          const Route& other = cfg_.routes[it->second];
          error(r.mark, path,
                "duplicate route " + m + " " + route.path.text + ": " + other.key_path + " (line " +
                    std::to_string(other.mark.line) + ") already matches " + m + " " + other.path.text,
                "config-duplicate-route");
        }
      }
      cfg_.routes.push_back(std::move(route));
    }
  }

  static std::string derived_id(const std::string& method, const std::string& path) {
    std::string id = util::to_lower(method);
    bool dash = true;
    for (char c : path) {
      if (std::isalnum(static_cast<unsigned char>(c))) {
        if (dash) id += '-';
        id += c;
        dash = false;
      } else {
        dash = true;
      }
    }
    return id;
  }

  bool read_route(const Node& r, const std::string& path, Route& route) {
    check_keys(r, path, keys_of("route"));
    require(r, path, "path");
    require(r, path, "method", "GET, POST, ... or ANY; or a list of them");
    size_t errors_before = error_count();

    if (const Node* v = r.find("path")) {
      if (auto s = string_value(*v, join(path, "path"))) {
        std::string err;
        if (auto t = router::parse_template(*s, &err)) route.path = std::move(*t);
        else error(v->mark, join(path, "path"), "invalid path template '" + *s + "': " + err);
      }
    }
    if (const Node* v = r.find("method")) read_methods(*v, join(path, "method"), route.methods);
    if (const Node* v = r.find("id")) {
      if (auto s = string_value(*v, join(path, "id"))) {
        bool ok = !s->empty();
        for (char c : *s) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.');
        if (ok) route.id = *s;
        else error(v->mark, join(path, "id"), "invalid route id '" + *s + "' (letters, digits, '_', '-', '.')");
      }
    }
    if (route.id.empty() && !route.methods.empty())
      route.id = derived_id(route.methods[0], route.path.text);
    if (const Node* v = r.find("description"))
      if (auto s = string_value(*v, join(path, "description"))) route.description = *s;

    if (const Node* v = r.find("operation")) {
      route.operation_mark = v->mark;
      if (auto s = string_value(*v, join(path, "operation"))) {
        if (s->empty()) error(v->mark, join(path, "operation"), "expected an operationId or 'METHOD /path'");
        else if (!root_has_openapi_) error(v->mark, join(path, "operation"), "names an OpenAPI operation, but the config has no top-level 'openapi' document", "config-reference");
        route.operation = *s;
      }
    }
    if (const Node* v = r.find("validate"))
      if (auto mode = read_validate(*v, join(path, "validate"))) route.validate = *mode;
    if (const Node* v = r.find("delay"))
      if (auto d = duration_value(*v, join(path, "delay"))) route.delay = *d;
    if (const Node* v = r.find("fault")) read_fault(*v, join(path, "fault"), route);
    const Node* mock = r.find("mock");
    const Node* proxy = r.find("proxy");
    if (mock && proxy) error(r.mark, path, "a route has one of 'mock' or 'proxy', not both");
    else if (!mock && !proxy && route.operation.empty() && !r.find("state"))
      error(r.mark, path, "missing 'mock', 'proxy', 'operation' or 'state': what should the route answer with?");
    if (const Node* v = r.find("state")) {
      if (mock || proxy) error(v->mark, join(path, "state"), "a stateful route answers from its store: drop 'mock' or 'proxy'");
      read_state(*v, join(path, "state"), route);
    }
    if (mock) route.mock = read_mock(*mock, join(path, "mock"));
    if (proxy) route.proxy = read_proxy(*proxy, join(path, "proxy"), route);
    read_route_policies(r, path, route);
    return error_count() == errors_before;
  }

  void read_methods(const Node& n, const std::string& path, std::vector<std::string>& out) {
    auto one = [&](const Node& m, const std::string& p) {
      auto s = string_value(m, p);
      if (!s) return;
      std::string upper = util::to_upper(*s);
      if (std::find(k_methods.begin(), k_methods.end(), upper) == k_methods.end()) {
        std::string suggestion = util::nearest(upper, k_methods);
        error(m.mark, p, "unknown method '" + *s + "'" + (suggestion.empty() ? "" : " (did you mean '" + suggestion + "'?)"));
        return;
      }
      if (std::find(out.begin(), out.end(), upper) != out.end()) {
        error(m.mark, p, "method " + upper + " is listed twice");
        return;
      }
      out.push_back(upper);
    };
    if (n.is_array()) {
      if (n.items().empty()) error(n.mark, path, "expected at least one method");
      for (size_t i = 0; i < n.items().size(); ++i) one(n.items()[i], index_path(path, i));
    } else {
      one(n, path);
    }
  }

  bool valid_header_name(const std::string& name) {
    if (name.empty()) return false;
    for (char c : name)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos))
        return false;
    return true;
  }

  void read_headers(const Node& n, const std::string& path, HeaderList& out, bool staged) {
    if (!expect(n, Kind::Object, path)) return;
    for (const auto& m : n.members()) {
      std::string p = join(path, m.key);
      if (!valid_header_name(m.key)) {
        error(m.key_mark, p, "invalid header name '" + m.key + "'");
        continue;
      }
      std::string value;
      if (m.value.is_string()) value = expand(m.value, p, staged);
      else if (m.value.is_number() || m.value.is_bool()) value = m.value.to_json().dump();
      else {
        error(m.value.mark, p, "expected a header value (a string), got " + describe(m.value));
        continue;
      }
      if (value.find_first_of("\r\n") != std::string::npos || value.find('\0') != std::string::npos) {
        error(m.value.mark, p, "a header value cannot contain CR, LF or NUL");
        continue;
      }
      out.emplace_back(m.key, value);
    }
  }

  // Expands ${VAR} and ${stageVariables.NAME} in every string of a mock body.
  void expand_tree(nlohmann::json& j, const Node& n, const std::string& path) {
    if (n.is_string()) {
      j = expand(n, path, true);
    } else if (n.is_array()) {
      for (size_t i = 0; i < n.items().size(); ++i) expand_tree(j[i], n.items()[i], index_path(path, i));
    } else if (n.is_object()) {
      for (const auto& m : n.members()) expand_tree(j[m.key], m.value, join(path, m.key));
    }
  }

  std::optional<MockResponse> read_mock(const Node& n, const std::string& path) {
    if (!expect(n, Kind::Object, path)) return std::nullopt;
    check_keys(n, path, keys_of("mock"));
    MockResponse mock;
    if (const Node* v = n.find("status")) {
      if (expect(*v, Kind::Int, join(path, "status"))) {
        if (v->as_int() < 100 || v->as_int() > 599)
          error(v->mark, join(path, "status"), "expected an HTTP status from 100 to 599, got " + std::to_string(v->as_int()));
        else mock.status = static_cast<int>(v->as_int());
      }
    }
    if (const Node* v = n.find("headers")) read_headers(*v, join(path, "headers"), mock.headers, true);
    bool has_type = std::any_of(mock.headers.begin(), mock.headers.end(),
                                [](const auto& h) { return util::to_lower(h.first) == "content-type"; });
    if (const Node* v = n.find("body")) {
      if (v->is_string()) {
        mock.body = expand(*v, join(path, "body"), true);
        if (!has_type) mock.headers.emplace_back("content-type", "text/plain; charset=utf-8");
      } else if (!v->is_null()) {
        nlohmann::json j = v->to_json();
        expand_tree(j, *v, join(path, "body"));
        mock.body = j.dump();
        if (!has_type) mock.headers.emplace_back("content-type", "application/json");
      }
    }
    if (const Node* v = n.find("delay"))
      if (auto d = duration_value(*v, join(path, "delay"))) mock.delay = *d;
    return mock;
  }

  std::optional<ProxyTarget> read_proxy(const Node& n, const std::string& path, const Route& route) {
    ProxyTarget target;
    const Node* backend_node = nullptr;
    if (n.is_string()) {  // shorthand: proxy: backend-name
      backend_node = &n;
    } else {
      if (!expect(n, Kind::Object, path)) return std::nullopt;
      check_keys(n, path, keys_of("proxy"));
      require(n, path, "backend");
      backend_node = n.find("backend");
      if (const Node* v = n.find("path")) {
        if (auto s = string_value(*v, join(path, "path"))) {
          std::string err;
          auto t = router::parse_template(*s, &err);
          if (!t) {
            error(v->mark, join(path, "path"), "invalid path template '" + *s + "': " + err);
          } else {
            auto known = route.path.param_names();
            for (const auto& p : t->param_names())
              if (std::find(known.begin(), known.end(), p) == known.end())
                error(v->mark, join(path, "path"),
                      "uses {" + p + "}, which the route's path '" + route.path.text + "' does not define");
            target.path = std::move(*t);
          }
        }
      }
      if (const Node* v = n.find("timeout"))
        if (auto d = duration_value(*v, join(path, "timeout"))) target.timeout = *d;
    }
    if (backend_node) {
      std::string bpath = n.is_string() ? path : join(path, "backend");
      if (auto s = string_value(*backend_node, bpath)) {
        target.backend = *s;
        const Backend* backend = cfg_.find_backend(*s);
        if (backend && backend->lambda && target.path)
          error(n.find("path")->mark, join(path, "path"),
                "backend '" + *s + "' is a lambda: the function gets the request path in its event; drop 'path'");
        if (!backend) {
          std::vector<std::string_view> names;
          for (const auto& b : cfg_.backends) names.push_back(b.name);
          std::string suggestion = util::nearest(*s, names);
          std::string msg = "unknown backend '" + *s + "'";
          if (!suggestion.empty()) msg += " (did you mean '" + suggestion + "'?)";
          else if (names.empty()) msg += " (no backends are defined)";
          error(backend_node->mark, bpath, msg, "config-reference");
        }
      }
    }
    return target;
  }
};

}  // namespace

LoadResult load_config_document(const doc::Document& document, const LoadOptions& options) {
  return Loader(document, options).run();
}

LoadResult load_config_text(std::string text, const std::string& path, const LoadOptions& options) {
  return load_config_document(doc::parse(std::move(text), path), options);
}

LoadResult load_config_file(const std::string& path, const LoadOptions& options) {
  return load_config_document(doc::load_file(path), options);
}

}  // namespace apigw::model
