#include "cli/import/importer.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "emulator/doc/node.hpp"
#include "emulator/model/config.hpp"
#include "emulator/openapi/model.hpp"
#include "emulator/router/path_template.hpp"
#include "emulator/util/text.hpp"

namespace apigw::import {

using diag::Severity;
using doc::Node;
using openapi::Located;
using openapi::Version;

namespace {

class Importer {
 public:
  Importer(const openapi::Spec& spec, const Options& options) : spec_(spec), opts_(options) {}

  Result run() {
    model_ = openapi::normalize(spec_);
    swagger_ = model_.version == Version::Swagger2;
    result_.config["apigw"] = model::k_config_version;
    result_.config["name"] = slug(model_.title.empty() ? "api" : model_.title);
    if (!model_.title.empty())
      result_.config["description"] = model_.title + (model_.api_version.empty() ? "" : " " + model_.api_version);
    // Routes name their operations in it, so the config always says where the spec is.
    result_.config["openapi"] = opts_.spec_reference.empty() ? spec_.path() : opts_.spec_reference;
    if (opts_.mode == "proxy") default_backend();
    auth_schemes();
    result_.config["routes"] = nlohmann::ordered_json::array();
    if (opts_.mode == "stateful") find_resources();
    for (const auto& op : model_.operations) add_route(op);
    note_unmapped(spec_.root());
    // Readers expect backends and auth before the routes that use them.
    nlohmann::ordered_json ordered;
    for (auto& [k, v] : result_.config.items()) {
      if (k == "routes") {
        if (!backends_.empty()) {
          nlohmann::ordered_json b = nlohmann::ordered_json::object();
          for (const auto& [name, url] : backends_) b[name] = {{"url", url}};
          ordered["backends"] = b;
        }
        if (!auth_.empty()) ordered["auth"] = auth_;
      }
      ordered[k] = v;
    }
    result_.config = std::move(ordered);
    return std::move(result_);
  }

 private:
  const openapi::Spec& spec_;
  const Options& opts_;
  openapi::Model model_;
  std::set<std::string> resources_;  // stateful mode: collection paths that have an item path
  bool swagger_ = false;
  Result result_;
  std::map<std::string, std::string> backends_;  // name -> URL, sorted: deterministic output
  std::string default_backend_;
  std::set<std::string> ids_;
  std::set<std::string> reported_paths_;
  nlohmann::ordered_json auth_ = nlohmann::ordered_json::object();  // scheme name -> config auth scheme
  std::map<std::pair<std::string, std::string>, std::string> shapes_;  // (method, shape) -> route id

  void warn(const std::string& file, doc::Mark mark, std::string path, std::string message) {
    result_.warnings.push_back({Severity::Warn, "import-unmapped", file, mark, std::move(path), std::move(message)});
  }
  void fail(const std::string& file, doc::Mark mark, std::string path, std::string message) {
    result_.warnings.push_back({Severity::Error, "import", file, mark, std::move(path), std::move(message)});
    result_.ok = false;
  }

  static std::string slug(const std::string& s) {
    std::string out;
    bool dash = false;
    for (char c : s) {
      if (std::isalnum(static_cast<unsigned char>(c))) {
        if (dash && !out.empty()) out += '-';
        out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        dash = false;
      } else {
        dash = true;
      }
    }
    return out.empty() ? "api" : out;
  }

  // The first https server (else the first), variables at their defaults; 2.0's schemes/host/basePath included.
  std::string server_url(doc::Mark& mark) {
    const openapi::Server* pick = nullptr;
    for (const auto& srv : model_.servers)
      if (!pick || (srv.url.rfind("https://", 0) == 0 && pick->url.rfind("https://", 0) != 0)) pick = &srv;
    if (!pick) return "";
    mark = pick->mark;
    return pick->url;
  }

  void default_backend() {
    std::string url = opts_.upstream;
    doc::Mark mark{1, 1};
    if (url.empty()) url = server_url(mark);
    std::string err;
    if (url.empty()) {
      fail(spec_.path(), mark, "servers", "the spec names no server to proxy to; give one with --upstream URL");
      return;
    }
    while (!url.empty() && url.back() == '/') url.pop_back();
    if (!model::parse_url(url, &err)) {
      fail(spec_.path(), mark, "servers[0].url",
           "cannot proxy to '" + url + "': " + err + (opts_.upstream.empty() ? "; give an absolute URL with --upstream" : ""));
      return;
    }
    default_backend_ = "upstream";
    backends_[default_backend_] = url;
  }

  // securitySchemes → the config's auth section. Credentials are not in specs: keys, users and secrets are left for
  // the user to add (serve and lint warn that such a scheme accepts any credential of the right shape).
  void auth_schemes() {
    const std::string where = swagger_ ? "securityDefinitions" : "components.securitySchemes";
    for (const auto& s : model_.security_schemes) {
      nlohmann::ordered_json a;
      std::string key_path = where + "." + s.name;
      const doc::Node* node = s.node.node;
      if (s.type == "apiKey") {
        a["type"] = "api_key";
        a["in"] = s.in.empty() ? "header" : s.in;
        a["name"] = s.param_name.empty() ? "x-api-key" : s.param_name;
      } else if (s.type == "http" && util::to_lower(s.scheme) == "basic") {
        a["type"] = "basic";
      } else if (s.type == "http" && util::to_lower(s.scheme) == "bearer") {
        a["type"] = util::to_upper(s.bearer_format) == "JWT" ? "jwt" : "bearer";
      } else if (s.type == "oauth2" || s.type == "openIdConnect") {
        a["type"] = "jwt";
        std::string issuer;
        if (const Node* gi = node->find("x-google-issuer"); gi && gi->is_string()) issuer = gi->as_string();
        const std::string wk = "/.well-known/openid-configuration";
        if (issuer.empty() && s.open_id_connect_url.size() > wk.size() &&
            s.open_id_connect_url.compare(s.open_id_connect_url.size() - wk.size(), wk.size(), wk) == 0)
          issuer = s.open_id_connect_url.substr(0, s.open_id_connect_url.size() - wk.size());
        if (!issuer.empty()) a["issuer"] = issuer;
        if (const Node* ga = node->find("x-google-audiences"); ga && ga->is_string()) {
          nlohmann::ordered_json auds = nlohmann::ordered_json::array();
          std::string all = ga->as_string();
          for (size_t i = 0; i <= all.size();) {
            size_t comma = all.find(',', i);
            std::string one = all.substr(i, comma == std::string::npos ? std::string::npos : comma - i);
            if (!one.empty()) auds.push_back(one);
            if (comma == std::string::npos) break;
            i = comma + 1;
          }
          if (!auds.empty()) a["audiences"] = auds;
        }
        if (!s.scopes.empty()) a["scopes"] = s.scopes;
      } else {
        warn(*s.node.file, node->mark, key_path,
             "security scheme type '" + s.type + (s.scheme.empty() ? "" : " " + s.scheme) +
                 "' has no equivalent in the config; routes that require it are imported without it");
        continue;
      }
      auth_[s.name] = std::move(a);
    }
  }

  // The operation's security (or the document's default) as the route's auth: OR of ANDs, as in OpenAPI.
  void route_auth(nlohmann::ordered_json& route, const openapi::Operation& op) {
    const auto& reqs = op.security ? *op.security : model_.security;
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    bool anonymous_allowed = false;
    for (const auto& req : reqs) {
      if (req.empty()) {  // {} means "no authentication" is one of the alternatives
        anonymous_allowed = true;
        continue;
      }
      nlohmann::ordered_json alt = nlohmann::ordered_json::object();
      bool usable = true;
      for (const auto& [name, scopes] : req) {
        if (!auth_.contains(name)) {
          usable = false;
          break;
        }
        alt[name] = scopes;
      }
      if (!usable) continue;
      if (alt.size() == 1 && alt.begin().value().empty()) out.push_back(alt.begin().key());
      else out.push_back(std::move(alt));
    }
    if (!anonymous_allowed && !out.empty()) route["auth"] = std::move(out);
  }

  std::string unique_id(std::string id) {
    std::string clean;
    for (char c : id)
      clean += (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.') ? c : '-';
    if (clean.empty()) clean = "route";
    std::string candidate = clean;
    for (int n = 2; !ids_.insert(candidate).second; ++n) candidate = clean + "-" + std::to_string(n);
    return candidate;
  }

  void add_route(const openapi::Operation& op) {
    std::string err;
    auto tmpl = router::parse_template(op.path, &err);
    if (!tmpl) {
      if (!reported_paths_.insert(op.path).second) return;
      warn(spec_.path(), op.mark, op.key_path, "path '" + op.path + "' is not a usable route template (" + err + "); skipped");
      return;
    }
    std::string method = op.method == "x-amazon-apigateway-any-method" ? "ANY" : util::to_upper(op.method);
    auto key = std::make_pair(method, tmpl->shape());
    if (auto it = shapes_.find(key); it != shapes_.end()) {
      warn(*op.node.file, op.mark, op.key_path,
           method + " " + tmpl->text + " matches the same requests as route '" + it->second + "'; skipped");
      return;
    }
    std::string id = unique_id(op.operation_id.empty() ? util::to_lower(method) + tmpl->text : op.operation_id);
    shapes_.emplace(key, id);

    nlohmann::ordered_json route;
    route["id"] = id;
    route["method"] = method;
    route["path"] = tmpl->text;
    // "GET /pets" is what apigw export writes for a route without a description: it says nothing the route does not
    if (!op.summary.empty() && op.summary != method + " " + op.path) route["description"] = op.summary;
    route_auth(route, op);
    // Linked to its operation: serve validates requests against it and, without a mock or proxy, mocks from it.
    route["operation"] = op.operation_id.empty() ? method + " " + op.path : op.operation_id;
    if (const Node* integ = op.node.node->find("x-amazon-apigateway-integration"))
      if (aws_integration(route, *integ, *tmpl, op.node, op.key_path)) {
        result_.config["routes"].push_back(std::move(route));
        return;
      }
    const Node* google = op.node.node->find("x-google-backend");
    bool operation_level = google != nullptr;
    if (!google) google = spec_.root().find("x-google-backend");
    if (google && google_backend(route, *google, operation_level, *tmpl, op)) {
      result_.config["routes"].push_back(std::move(route));
      return;
    }
    if (opts_.mode == "proxy" && !default_backend_.empty()) route["proxy"] = {{"backend", default_backend_}};
    if (opts_.mode == "stateful")
      if (auto name = state_for(method, tmpl->text)) route["state"] = *name;
    result_.config["routes"].push_back(std::move(route));
  }

  // Stateful mode: a resource is a collection path (/pets) that also has an item path (/pets/{petId}).
  static std::optional<std::string> parent_of_item(const std::string& path) {
    std::string p = path;
    while (p.size() > 1 && p.back() == '/') p.pop_back();
    auto slash = p.rfind('/');
    if (slash == std::string::npos || slash == 0 || p.size() < slash + 3 || p[slash + 1] != '{' || p.back() != '}')
      return std::nullopt;
    return p.substr(0, slash);
  }
  static std::string trimmed(std::string p) {
    while (p.size() > 1 && p.back() == '/') p.pop_back();
    return p;
  }
  void find_resources() {
    for (const auto& op : model_.operations)
      if (auto parent = parent_of_item(op.path)) resources_.insert(*parent);
  }
  // The collection a CRUD route reads and writes: GET/POST on the collection, GET/PUT/PATCH/DELETE on an item.
  std::optional<std::string> state_for(const std::string& method, const std::string& path) const {
    std::string p = trimmed(path);
    if ((method == "GET" || method == "POST") && resources_.count(p)) return p.substr(1);
    if (method == "GET" || method == "PUT" || method == "PATCH" || method == "DELETE")
      if (auto parent = parent_of_item(p); parent && resources_.count(*parent)) return parent->substr(1);
    return std::nullopt;
  }

  // Registers a backend for an absolute URL's origin; returns its name and the URL's path.
  std::optional<std::pair<std::string, std::string>> backend_for(const std::string& text, std::string* err) {
    auto url = model::parse_url(text, err);
    if (!url) return std::nullopt;
    std::string origin = url->scheme + "://" + (url->host.find(':') != std::string::npos ? "[" + url->host + "]" : url->host);
    if (!((url->scheme == "http" && url->port == 80) || (url->scheme == "https" && url->port == 443)))
      origin += ":" + std::to_string(url->port);
    std::string name = slug(url->host);
    backends_.emplace(name, origin);
    return std::make_pair(name, url->base_path);
  }

  // x-google-backend: address (+ path_translation). APPEND_PATH_TO_ADDRESS (the default at the top level) appends
  // the request path; CONSTANT_ADDRESS (the default per operation) always calls the address's path.
  bool google_backend(nlohmann::ordered_json& route, const Node& gb, bool operation_level,
                      const router::PathTemplate& tmpl, const openapi::Operation& op) {
    std::string address = gb.find("address") && gb.find("address")->is_string() ? gb.find("address")->as_string() : "";
    std::string translation = gb.find("path_translation") && gb.find("path_translation")->is_string()
                                  ? gb.find("path_translation")->as_string()
                                  : (operation_level ? "CONSTANT_ADDRESS" : "APPEND_PATH_TO_ADDRESS");
    std::string err;
    auto backend = address.empty() ? std::nullopt : backend_for(address, &err);
    if (!backend) {
      warn(operation_level ? *op.node.file : spec_.path(), gb.mark, operation_level ? op.key_path + ".x-google-backend" : "x-google-backend",
           "x-google-backend has no usable address" + (err.empty() ? std::string() : " (" + err + ")") + "; route not proxied");
      return false;
    }
    nlohmann::ordered_json proxy = {{"backend", backend->first}};
    if (translation == "APPEND_PATH_TO_ADDRESS") proxy["path"] = backend->second + tmpl.text;
    else proxy["path"] = backend->second.empty() ? "/" : backend->second;
    if (const Node* deadline = gb.find("deadline"); deadline && deadline->is_number() && deadline->as_double() > 0)
      proxy["timeout"] = std::to_string(static_cast<long long>(deadline->as_double() * 1000)) + "ms";
    route["proxy"] = proxy;
    return true;
  }

  // Maps x-amazon-apigateway-integration; returns false when the route should fall back to the default terminal.
  bool aws_integration(nlohmann::ordered_json& route, const Node& integ, const router::PathTemplate& tmpl, Located op,
                       const std::string& opath) {
    std::string type;
    if (const Node* t = integ.find("type"); t && t->is_string()) type = util::to_lower(t->as_string());
    if (type == "http" || type == "http_proxy") {
      const Node* uri = integ.find("uri");
      std::string err;
      auto backend = uri && uri->is_string() ? backend_for(uri->as_string(), &err) : std::nullopt;
      if (!backend) {
        warn(*op.file, integ.mark, opath + ".x-amazon-apigateway-integration",
             "integration uri is not an absolute http(s) URL; route kept as a mock");
        return false;
      }
      const std::string& name = backend->first;
      nlohmann::ordered_json proxy = {{"backend", name}};
      std::string err2;
      std::string path = backend->second.empty() ? "/" : backend->second;
      auto target = router::parse_template(path, &err2);
      bool params_ok = target.has_value();
      if (target) {
        auto known = tmpl.param_names();
        for (const auto& p : target->param_names())
          params_ok = params_ok && std::find(known.begin(), known.end(), p) != known.end();
      }
      if (params_ok) proxy["path"] = path;
      else
        warn(*op.file, uri->mark, opath + ".x-amazon-apigateway-integration.uri",
             "integration path '" + path + "' uses parameters the route does not have (requestParameters mapping is not imported); the request path is passed through");
      if (const Node* ms = integ.find("timeoutInMillis"); ms && ms->is_int() && ms->as_int() > 0)
        proxy["timeout"] = std::to_string(ms->as_int()) + "ms";
      route["proxy"] = proxy;
      return true;
    }
    if (type == "mock") {
      nlohmann::ordered_json mock = {{"status", 200}};
      if (const Node* resp = integ.find("responses"))
        if (const Node* def = resp->find("default")) {
          if (const Node* code = def->find("statusCode")) {
            std::string c = code->is_string() ? code->as_string() : code->to_json().dump();
            if (c.size() == 3 && std::all_of(c.begin(), c.end(), ::isdigit)) mock["status"] = std::stoi(c);
          }
          mock_response(mock, *def, *op.file, opath + ".x-amazon-apigateway-integration.responses.default");
        }
      route["mock"] = mock;
      return true;
    }
    warn(*op.file, integ.mark, opath + ".x-amazon-apigateway-integration",
         "integration type '" + type + "' (Lambda and AWS service integrations) is not supported yet; route mocked from the spec");
    return false;
  }

  // A mock integration's default response: static `responseParameters` ('value' in quotes) become headers, the first
  // `responseTemplates` entry the body (JSON when its media type is JSON and it parses, else the text as written).
  void mock_response(nlohmann::ordered_json& mock, const Node& def, const std::string& file, const std::string& path) {
    static constexpr std::string_view k_header = "method.response.header.";
    nlohmann::ordered_json headers = nlohmann::ordered_json::object();
    if (const Node* params = def.find("responseParameters"); params && params->is_object())
      for (const auto& pm : params->members()) {
        if (pm.key.rfind(k_header, 0) != 0) continue;
        std::string name = pm.key.substr(k_header.size());
        const std::string value = pm.value.is_string() ? pm.value.as_string() : "";
        if (value.size() >= 2 && value.front() == '\'' && value.back() == '\'')
          headers[name] = value.substr(1, value.size() - 2);
        else
          warn(file, pm.value.mark, path + ".responseParameters",
               "header '" + name + "' is mapped from '" + value + "', not a static value; not imported");
      }
    const Node* templates = def.find("responseTemplates");
    if (templates && templates->is_object() && !templates->members().empty()) {
      const auto& first = templates->members().front();
      std::string media = util::to_lower(first.key);
      std::string text = first.value.is_string() ? first.value.as_string() : "";
      bool json_media = media.find("json") != std::string::npos;
      nlohmann::ordered_json parsed(nlohmann::ordered_json::value_t::discarded);
      if (json_media) parsed = nlohmann::ordered_json::parse(text, nullptr, false);
      if (!parsed.is_discarded()) {
        mock["body"] = std::move(parsed);
        if (media.rfind("application/json", 0) != 0) headers["content-type"] = first.key;
      } else {
        mock["body"] = text;
        if (media.rfind("text/plain", 0) != 0) headers["content-type"] = first.key;
        if (text.find('$') != std::string::npos || text.find("#set") != std::string::npos)
          warn(file, first.value.mark, path + ".responseTemplates",
               "the mapping template may use Velocity ($, #set); the mock answers it as written");
      }
    }
    if (!headers.empty()) mock["headers"] = std::move(headers);
  }

  void note_unmapped(const Node& root) {
    for (const char* ext : {"x-amazon-apigateway-api-key-source", "x-amazon-apigateway-request-validators",
                            "x-google-management", "x-google-api-management"})
      if (const Node* n = root.find(ext)) warn(spec_.path(), n->mark, ext, std::string(ext) + " is not imported yet");
    if (spec_.version() == Version::OpenApi31)
      if (const Node* w = root.find("webhooks"); w && w->is_object() && !w->members().empty())
        warn(spec_.path(), w->mark, "webhooks", "webhooks are outgoing calls, not routes; not imported");
  }
};

// Would a plain YAML scalar with this text read back as the same string?
bool plain_is_safe(const std::string& s) {
  if (s.empty() || s.front() == ' ' || s.back() == ' ') return false;
  if (std::string_view("-?:,[]{}#&*!|>'\"%@`").find(s.front()) != std::string_view::npos) return false;
  for (char c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  if (s.find(": ") != std::string::npos || s.find(" #") != std::string::npos || s.back() == ':') return false;
  return doc::plain_scalar_kind(s) == doc::Kind::String;
}

std::string yaml_string(const std::string& s) {
  if (plain_is_safe(s)) return s;
  // JSON string syntax is valid YAML double-quoted syntax.
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool is_scalar(const nlohmann::ordered_json& j) { return !j.is_object() && !j.is_array(); }

std::string scalar_text(const nlohmann::ordered_json& j) {
  if (j.is_string()) return yaml_string(j.get_ref<const std::string&>());
  if (j.is_null()) return "null";
  return j.dump();  // numbers and booleans read the same in YAML
}

// Block-style YAML: mappings and sequences indented by two, empty containers as {} and [].
void emit(std::string& out, const nlohmann::ordered_json& j, int indent) {
  std::string pad(static_cast<size_t>(indent), ' ');
  if (j.is_object()) {
    bool first = true;
    for (const auto& [k, v] : j.items()) {
      if (!first) out += pad;
      first = false;
      out += yaml_string(k);
      out += ':';
      if (is_scalar(v)) {
        out += ' ' + scalar_text(v) + '\n';
      } else if (v.empty()) {
        out += v.is_object() ? " {}\n" : " []\n";
      } else if (v.is_object()) {
        out += '\n' + pad + "  ";
        emit(out, v, indent + 2);
      } else {
        out += '\n' + pad;
        emit(out, v, indent);
      }
    }
  } else if (j.is_array()) {
    bool first = true;
    for (const auto& v : j) {
      if (!first) out += pad;
      first = false;
      out += "- ";
      if (is_scalar(v)) out += scalar_text(v) + '\n';
      else if (v.empty()) out += v.is_object() ? "{}\n" : "[]\n";
      else emit(out, v, indent + 2);
    }
  } else {
    out += scalar_text(j) + '\n';
  }
}

}  // namespace

Result import_spec(const openapi::Spec& spec, const Options& options) { return Importer(spec, options).run(); }

std::string to_yaml(const nlohmann::ordered_json& config, const std::string& header_comment) {
  std::string text = header_comment;
  if (config.empty()) text += config.is_object() ? "{}\n" : "[]\n";
  else emit(text, config, 0);
  return text;
}

}  // namespace apigw::import
