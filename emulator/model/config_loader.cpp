// Reads a gateway config document into model::Config, reporting every problem at once with its location.
#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "emulator/model/config.hpp"
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
    case Type::Jwt: return secret.empty();
  }
  return true;
}

const AuthScheme* Config::find_auth(const std::string& scheme_name) const {
  for (const auto& a : auth)
    if (a.name == scheme_name) return &a;
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
      {"root", {"apigw", "name", "description", "openapi", "validate", "listen", "limits", "backends", "auth", "routes"}},
      {"limits", {"max_body_size", "read_timeout", "write_timeout", "keep_alive_timeout"}},
      {"backend", {"url", "urls", "timeout", "retries", "unhealthy_for", "tls_verify", "description"}},
      {"route", {"id", "method", "path", "description", "operation", "validate", "mock", "proxy", "auth", "delay", "fault", "state"}},
      {"fault", {"type", "rate"}},
      {"state", {"name", "key"}},
      {"auth_api_key", {"type", "in", "name", "keys", "description"}},
      {"auth_basic", {"type", "users", "description"}},
      {"auth_bearer", {"type", "description"}},
      {"auth_jwt", {"type", "secret", "issuer", "audiences", "scopes", "leeway", "description"}},
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
    std::stable_sort(diags_.begin(), diags_.end(), [](const auto& a, const auto& b) {
      return std::tie(a.mark.line, a.mark.col) < std::tie(b.mark.line, b.mark.col);
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

  void report(Severity sev, const char* rule, doc::Mark mark, const std::string& path, std::string message) {
    diags_.push_back({sev, rule, doc_.path, mark, path, std::move(message)});
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

  // A string value with ${VAR} expanded; scalars that are not strings are rejected.
  std::optional<std::string> string_value(const Node& n, const std::string& path) {
    if (!expect(n, Kind::String, path)) return std::nullopt;
    return expand(n, path);
  }

  std::string expand(const Node& n, const std::string& path) {
    std::vector<std::string> missing;
    std::string err;
    std::string out = util::expand_env(n.as_string(), opts_.env, &missing, &err);
    if (!err.empty()) error(n.mark, path, err);
    for (const auto& var : missing) {
      if (opts_.missing_env_is_error)
        error(n.mark, path, "environment variable " + var + " is not set (use ${" + var + ":-default} for a default)",
              "config-env");
      else
        report(Severity::Warn, "config-env", n.mark, path,
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
    if (const Node* v = root.find("backends")) read_backends(*v);
    if (const Node* v = root.find("auth")) read_auth_schemes(*v);
    if (const Node* v = root.find("routes")) read_routes(*v);
    else error(root.mark, "", "missing required key 'routes'");
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
        if (auto s = string_value(b, path)) read_backend_url(b, path, *s, backend);
        cfg_.backends.push_back(std::move(backend));
        continue;
      }
      if (!expect(b, Kind::Object, path)) continue;
      check_keys(b, path, keys_of("backend"));
      const Node* url = b.find("url");
      const Node* urls = b.find("urls");
      if (!url && !urls) error(b.mark, path, "missing required key 'url' (or 'urls', a list of targets)");
      if (url && urls) error(b.mark, path, "a backend has one of 'url' or 'urls', not both");
      if (url)
        if (auto s = string_value(*url, join(path, "url"))) read_backend_url(*url, join(path, "url"), *s, backend);
      if (urls && expect(*urls, Kind::Array, join(path, "urls"))) {
        if (urls->items().empty()) error(urls->mark, join(path, "urls"), "expected at least one URL");
        for (size_t i = 0; i < urls->items().size(); ++i) {
          std::string item_path = index_path(join(path, "urls"), i);
          if (auto s = string_value(urls->items()[i], item_path))
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

  void read_auth_schemes(const Node& n) {
    if (!expect(n, Kind::Object, "auth")) return;
    static const std::vector<std::string_view> k_types = {"api_key", "basic", "bearer", "jwt"};
    for (const auto& m : n.members()) {
      std::string path = join("auth", m.key);
      if (!expect(m.value, Kind::Object, path)) continue;
      AuthScheme scheme;
      scheme.name = m.key;
      scheme.mark = m.key_mark;
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
      if (const Node* v = m.value.find("description")) string_value(*v, join(path, "description"));
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
        if (const Node* v = m.value.find("keys")) scheme.keys = string_list(*v, join(path, "keys"));
      } else if (t == "basic") {
        scheme.type = AuthScheme::Type::Basic;
        if (const Node* v = m.value.find("users"); v && expect(*v, Kind::Object, join(path, "users")))
          for (const auto& u : v->members())
            if (auto pw = string_value(u.value, join(join(path, "users"), u.key))) scheme.users.emplace_back(u.key, *pw);
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
      }
      cfg_.auth.push_back(std::move(scheme));
    }
  }

  // auth: [apiKey, {oauth: [read]}, {apiKey: [], basic: []}] — OR of requirements, AND within a mapping.
  void read_route_auth(const Node& n, const std::string& path, Route& route) {
    if (!expect(n, Kind::Array, path)) return;
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
      if (item.is_string()) {
        if (scheme_ref(item.as_string(), item.mark, p)) req.emplace_back(item.as_string(), std::vector<std::string>{});
      } else if (item.is_object() && !item.members().empty()) {
        for (const auto& m : item.members()) {
          if (!scheme_ref(m.key, m.key_mark, join(p, m.key))) continue;
          std::vector<std::string> scopes;
          if (!m.value.is_null()) scopes = string_list(m.value, join(p, m.key));
          req.emplace_back(m.key, std::move(scopes));
        }
      } else {
        error(item.mark, p, "expected a scheme name or a mapping of scheme names to scopes, got " + describe(item));
        continue;
      }
      if (!req.empty()) route.auth.push_back(std::move(req));
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
        if (!inserted) {
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
    if (const Node* v = r.find("auth")) read_route_auth(*v, join(path, "auth"), route);
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

  void read_headers(const Node& n, const std::string& path, HeaderList& out) {
    if (!expect(n, Kind::Object, path)) return;
    for (const auto& m : n.members()) {
      std::string p = join(path, m.key);
      if (!valid_header_name(m.key)) {
        error(m.key_mark, p, "invalid header name '" + m.key + "'");
        continue;
      }
      std::string value;
      if (m.value.is_string()) value = expand(m.value, p);
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

  // Expands ${VAR} in every string of a mock body.
  void expand_tree(nlohmann::json& j, const Node& n, const std::string& path) {
    if (n.is_string()) {
      j = expand(n, path);
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
    if (const Node* v = n.find("headers")) read_headers(*v, join(path, "headers"), mock.headers);
    bool has_type = std::any_of(mock.headers.begin(), mock.headers.end(),
                                [](const auto& h) { return util::to_lower(h.first) == "content-type"; });
    if (const Node* v = n.find("body")) {
      if (v->is_string()) {
        mock.body = expand(*v, join(path, "body"));
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
        if (!cfg_.find_backend(*s)) {
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
