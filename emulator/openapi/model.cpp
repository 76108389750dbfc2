#include "emulator/openapi/model.hpp"

#include <algorithm>
#include <array>

#include <nlohmann/json.hpp>

namespace apigw::openapi {

using doc::Node;

namespace {

const std::array<const char*, 9> k_methods = {"get", "put", "post", "delete", "options", "head", "patch", "trace",
                                              "x-amazon-apigateway-any-method"};

std::string str(const Node* n) { return n && n->is_string() ? n->as_string() : std::string(); }

// One left-to-right pass: a default that contains "{name}" itself (real specs do this) is not expanded again.
std::string expand_server_variables(const std::string& url, const Node* vars) {
  if (!vars || !vars->is_object()) return url;
  std::string out;
  for (size_t i = 0; i < url.size();) {
    size_t close = url[i] == '{' ? url.find('}', i) : std::string::npos;
    if (close != std::string::npos) {
      if (const Node* var = vars->find(url.substr(i + 1, close - i - 1))) {
        out += str(var->find("default"));
        i = close + 1;
        continue;
      }
    }
    out += url[i++];
  }
  return out;
}

class Normalizer {
 public:
  Normalizer(const Spec& spec, diag::Diagnostics* warnings) : spec_(spec), warnings_(warnings) {}

  Model run() {
    model_.version = spec_.version();
    const Node& root = spec_.root();
    if (const Node* info = root.find("info")) {
      model_.title = str(info->find("title"));
      model_.api_version = str(info->find("version"));
    }
    servers(root);
    security_schemes(root);
    if (const Node* sec = root.find("security")) model_.security = requirements(*sec);
    path_items(root.find("paths"), false);
    if (spec_.version() == Version::OpenApi31) path_items(root.find("webhooks"), true);
    return std::move(model_);
  }

 private:
  const Spec& spec_;
  diag::Diagnostics* warnings_;
  Model model_;
  // Set by callbacks() for the operation() call it makes: the callback's name and location.
  std::optional<std::pair<std::string, std::vector<std::string>>> pending_callback_;

  bool swagger() const { return spec_.version() == Version::Swagger2; }

  // `paths`, or 3.1's `webhooks` (keyed by name; their operations go to model_.webhooks).
  void path_items(const Node* items, bool webhooks) {
    if (!items || !items->is_object()) return;
    for (const auto& pm : items->members()) {
      if (pm.key.rfind("x-", 0) == 0) continue;
      Located item = spec_.deref({&pm.value, spec_.root_located().file}, nullptr);
      if (!item || !item.node->is_object()) continue;
      std::vector<Parameter> shared;
      if (const Node* ps = item.node->find("parameters")) shared = parameters({ps, item.file}, nullptr);
      for (const auto& om : item.node->members()) {
        if (std::find_if(k_methods.begin(), k_methods.end(), [&](const char* m) { return om.key == m; }) == k_methods.end())
          continue;
        if (!om.value.is_object()) continue;
        operation(pm.key, om, {&om.value, item.file}, shared, webhooks);
      }
    }
  }

  Located own(Node n) {
    model_.synthesized.push_back(std::move(n));
    return {&model_.synthesized.back(), spec_.root_located().file};
  }

  void servers(const Node& root) {
    if (swagger()) {
      const Node* host = root.find("host");
      std::string base = str(root.find("basePath"));
      std::vector<std::string> schemes;
      if (const Node* s = root.find("schemes"); s && s->is_array())
        for (const auto& item : s->items())
          if (item.is_string()) schemes.push_back(item.as_string());
      if (schemes.empty()) schemes.push_back("https");
      // Without a host, 2.0 means "the host serving the documentation": a relative server, as 3.x writes it.
      for (const auto& scheme : schemes)
        model_.servers.push_back({host ? scheme + "://" + str(host) + base : (base.empty() ? "/" : base), "",
                                  host ? host->mark : root.mark});
      return;
    }
    const Node* servers = root.find("servers");
    if (!servers || !servers->is_array()) return;
    for (const auto& s : servers->items()) {
      std::string url = expand_server_variables(str(s.find("url")), s.find("variables"));
      model_.servers.push_back({url, str(s.find("description")), s.find("url") ? s.find("url")->mark : s.mark});
    }
  }

  void security_schemes(const Node& root) {
    const Node* schemes = swagger() ? root.find("securityDefinitions")
                                    : (root.find("components") ? root.find("components")->find("securitySchemes") : nullptr);
    if (!schemes || !schemes->is_object()) return;
    for (const auto& m : schemes->members()) {
      Located n = spec_.deref({&m.value, spec_.root_located().file}, nullptr);
      if (!n || !n.node->is_object()) continue;
      SecurityScheme s;
      s.name = m.key;
      s.node = n;
      s.type = str(n.node->find("type"));
      s.in = str(n.node->find("in"));
      s.param_name = str(n.node->find("name"));
      s.scheme = str(n.node->find("scheme"));
      s.bearer_format = str(n.node->find("bearerFormat"));
      s.open_id_connect_url = str(n.node->find("openIdConnectUrl"));
      if (swagger() && s.type == "basic") {
        s.type = "http";
        s.scheme = "basic";
      }
      auto add_scopes = [&](const Node* scopes) {
        if (scopes && scopes->is_object())
          for (const auto& sc : scopes->members())
            if (std::find(s.scopes.begin(), s.scopes.end(), sc.key) == s.scopes.end()) s.scopes.push_back(sc.key);
      };
      if (swagger()) add_scopes(n.node->find("scopes"));
      else if (const Node* flows = n.node->find("flows"); flows && flows->is_object())
        for (const auto& f : flows->members()) add_scopes(f.value.find("scopes"));
      model_.security_schemes.push_back(std::move(s));
    }
  }

  static std::vector<SecurityRequirement> requirements(const Node& sec) {
    std::vector<SecurityRequirement> out;
    if (!sec.is_array()) return out;
    for (const auto& req : sec.items()) {
      SecurityRequirement r;
      if (req.is_object())
        for (const auto& m : req.members()) {
          std::vector<std::string> scopes;
          if (m.value.is_array())
            for (const auto& s : m.value.items())
              if (s.is_string()) scopes.push_back(s.as_string());
          r.emplace_back(m.key, std::move(scopes));
        }
      out.push_back(std::move(r));
    }
    return out;
  }

  // Swagger 2.0 non-body parameters carry their schema inline (type, format, items, enum, ...).
  Located inline_schema(const Node& p) {
    static const char* const k_keys[] = {"type", "format", "items", "enum", "default", "maximum", "exclusiveMaximum",
                                         "minimum", "exclusiveMinimum", "maxLength", "minLength", "pattern",
                                         "maxItems", "minItems", "uniqueItems", "multipleOf"};
    Node schema = Node::object(p.mark);
    for (const char* k : k_keys)
      if (const doc::Member* m = p.find_member(k)) {
        Node value = m->value;
        if (std::string(k) == "type" && value.is_string() && value.as_string() == "file")
          value = Node::string("string", value.mark);
        schema.members().push_back({k, m->key_mark, std::move(value)});
      }
    if (str(p.find("type")) == "file") schema.members().push_back({"format", p.mark, Node::string("binary", p.mark)});
    return own(std::move(schema));
  }

  std::vector<Parameter> parameters(Located list, std::vector<std::pair<Located, std::string>>* bodies) {
    std::vector<Parameter> out;
    if (!list.node->is_array()) return out;
    for (const auto& item : list.node->items()) {
      Located p = spec_.deref({&item, list.file}, nullptr);
      if (!p || !p.node->is_object()) continue;
      Parameter param;
      param.name = str(p.node->find("name"));
      param.in = str(p.node->find("in"));
      param.node = p;
      const Node* req = p.node->find("required");
      param.required = param.in == "path" || (req && req->is_bool() && req->as_bool());
      if (swagger() && (param.in == "body" || param.in == "formData")) {
        if (bodies) bodies->emplace_back(p, param.in);
        continue;
      }
      if (const Node* schema = p.node->find("schema")) param.schema = {schema, p.file};
      else if (swagger()) param.schema = inline_schema(*p.node);
      else if (const Node* content = p.node->find("content"); content && content->is_object() && !content->members().empty())
        if (const Node* content_schema = content->members()[0].value.find("schema"))
          param.schema = {content_schema, p.file};
      param.style = str(p.node->find("style"));
      if (param.style.empty()) param.style = (param.in == "query" || param.in == "cookie") ? "form" : "simple";
      const Node* explode = p.node->find("explode");
      param.explode = explode && explode->is_bool() ? explode->as_bool() : param.style == "form";
      if (swagger()) {  // collectionFormat → style/explode
        std::string cf = str(p.node->find("collectionFormat"));
        if (cf == "multi") { param.style = "form"; param.explode = true; }
        else if (cf == "ssv") { param.style = "spaceDelimited"; param.explode = false; }
        else if (cf == "pipes") { param.style = "pipeDelimited"; param.explode = false; }
        else if (param.in == "query") { param.style = "form"; param.explode = false; }
      }
      out.push_back(std::move(param));
    }
    return out;
  }

  std::vector<std::string> media_list(const Node& op, const char* key) {
    for (const Node* n : {op.find(key), spec_.root().find(key)})
      if (n && n->is_array() && !n->items().empty()) {
        std::vector<std::string> out;
        for (const auto& m : n->items())
          if (m.is_string()) out.push_back(m.as_string());
        if (!out.empty()) return out;
      }
    return {"application/json"};
  }

  std::vector<Example> examples_of(const Node& holder, const std::string* file) {
    std::vector<Example> out;
    if (const Node* ex = holder.find("example")) out.push_back({"", {ex, file}});
    if (const Node* exs = holder.find("examples"); exs && exs->is_object())
      for (const auto& m : exs->members()) {
        Located e = spec_.deref({&m.value, file}, nullptr);
        if (e && e.node->is_object())
          if (const Node* v = e.node->find("value")) out.push_back({m.key, {v, e.file}});
      }
    return out;
  }

  std::vector<MediaType> content(Located holder) {
    std::vector<MediaType> out;
    const Node* c = holder.node->find("content");
    if (!c || !c->is_object()) return out;
    for (const auto& m : c->members()) {
      if (!m.value.is_object()) continue;
      MediaType mt;
      mt.name = m.key;
      if (const Node* s = m.value.find("schema")) mt.schema = {s, holder.file};
      mt.examples = examples_of(m.value, holder.file);
      out.push_back(std::move(mt));
    }
    return out;
  }

  void operation(const std::string& path, const doc::Member& om, Located op, const std::vector<Parameter>& shared,
                 bool webhook) {
    Operation o;
    o.method = om.key;
    o.path = path;
    o.node = op;
    o.mark = om.key_mark;
    o.webhook = webhook;
    o.key_path = (webhook ? "webhooks[" : "paths[") + nlohmann::json(path).dump() + "]." + om.key;
    if (pending_callback_) {
      o.callback = std::move(pending_callback_->first);
      o.callback_location = std::move(pending_callback_->second);
      pending_callback_.reset();
      o.key_path = "callbacks[" + nlohmann::json(o.callback).dump() + "][" + nlohmann::json(path).dump() + "]." + om.key;
    }
    o.operation_id = str(op.node->find("operationId"));
    o.summary = str(op.node->find("summary"));
    const Node* dep = op.node->find("deprecated");
    o.deprecated = dep && dep->is_bool() && dep->as_bool();

    std::vector<std::pair<Located, std::string>> bodies;
    std::vector<Parameter> own_params;
    if (const Node* ps = op.node->find("parameters")) own_params = parameters({ps, op.file}, &bodies);
    o.parameters = shared;
    for (auto& p : own_params) {  // operation-level parameters override path-level ones with the same name and location
      auto same = std::find_if(o.parameters.begin(), o.parameters.end(),
                               [&](const Parameter& q) { return q.name == p.name && q.in == p.in; });
      if (same != o.parameters.end()) *same = std::move(p);
      else o.parameters.push_back(std::move(p));
    }

    if (swagger()) swagger_body(o, op, bodies);
    else if (const Node* rb = op.node->find("requestBody")) {
      Located body = spec_.deref({rb, op.file}, nullptr);
      if (body && body.node->is_object()) {
        RequestBody b;
        b.node = body;
        const Node* req = body.node->find("required");
        b.required = req && req->is_bool() && req->as_bool();
        b.content = content(body);
        o.request_body = std::move(b);
      }
    }

    if (const Node* rs = op.node->find("responses"); rs && rs->is_object())
      for (const auto& rm : rs->members()) {
        if (rm.key.rfind("x-", 0) == 0) continue;
        Located r = spec_.deref({&rm.value, op.file}, nullptr);
        if (!r || !r.node->is_object()) continue;
        Response resp;
        resp.code = rm.key;
        resp.node = r;
        resp.description = str(r.node->find("description"));
        if (swagger()) {
          const Node* schema = r.node->find("schema");
          const Node* exs = r.node->find("examples");
          for (const auto& media : media_list(*op.node, "produces")) {
            MediaType mt;
            mt.name = media;
            if (schema) mt.schema = {schema, r.file};
            if (exs && exs->is_object())
              if (const Node* ex = exs->find(media)) mt.examples.push_back({"", {ex, r.file}});
            if (schema || !mt.examples.empty()) resp.content.push_back(std::move(mt));
          }
          // Examples for media types not listed in produces still count.
          if (exs && exs->is_object())
            for (const auto& em : exs->members())
              if (std::none_of(resp.content.begin(), resp.content.end(), [&](const MediaType& m) { return m.name == em.key; }))
                resp.content.push_back({em.key, schema ? Located{schema, r.file} : Located{}, {{"", {&em.value, r.file}}}});
        } else {
          resp.content = content(r);
        }
        if (const Node* hs = r.node->find("headers"); hs && hs->is_object())
          for (const auto& hm : hs->members()) {
            Located h = spec_.deref({&hm.value, r.file}, nullptr);
            if (!h || !h.node->is_object()) continue;
            Header header;
            header.name = hm.key;
            if (const Node* s = h.node->find("schema")) header.schema = {s, h.file};
            else if (swagger()) header.schema = inline_schema(*h.node);
            header.examples = examples_of(*h.node, h.file);
            resp.headers.push_back(std::move(header));
          }
        o.responses.push_back(std::move(resp));
      }

    if (const Node* sec = op.node->find("security")) o.security = requirements(*sec);
    std::vector<std::string> location = o.callback_location;
    if (location.empty()) location = {webhook ? "webhooks" : "paths", path, om.key};
    (webhook ? model_.webhooks : model_.operations).push_back(std::move(o));
    if (!swagger()) callbacks(op, location);
  }

  // 3.x `callbacks: {name: {expression: path item}}`: requests the API sends; their operations are checked like
  // webhooks. A callback inside a callback is read too (the spec allows it), each under its own location.
  void callbacks(Located op, const std::vector<std::string>& op_location) {
    const Node* cbs = op.node->find("callbacks");
    if (!cbs || !cbs->is_object()) return;
    for (const auto& cm : cbs->members()) {
      if (cm.key.rfind("x-", 0) == 0) continue;
      Located cb = spec_.deref({&cm.value, op.file}, nullptr);
      if (!cb || !cb.node->is_object()) continue;
      for (const auto& em : cb.node->members()) {
        if (em.key.rfind("x-", 0) == 0) continue;
        Located item = spec_.deref({&em.value, cb.file}, nullptr);
        if (!item || !item.node->is_object()) continue;
        std::vector<Parameter> shared;
        if (const Node* ps = item.node->find("parameters")) shared = parameters({ps, item.file}, nullptr);
        for (const auto& om : item.node->members()) {
          if (std::find_if(k_methods.begin(), k_methods.end(), [&](const char* m) { return om.key == m; }) ==
                  k_methods.end() ||
              !om.value.is_object())
            continue;
          std::vector<std::string> location = op_location;
          location.insert(location.end(), {"callbacks", cm.key, em.key, om.key});
          pending_callback_ = {cm.key, std::move(location)};
          operation(em.key, om, {&om.value, item.file}, shared, true);
        }
      }
    }
  }

  void swagger_body(Operation& o, Located op, const std::vector<std::pair<Located, std::string>>& bodies) {
    if (bodies.empty()) return;
    RequestBody b;
    auto consumes = media_list(*op.node, "consumes");
    for (const auto& [p, in] : bodies)
      if (in == "body") {
        b.node = p;
        const Node* req = p.node->find("required");
        b.required = req && req->is_bool() && req->as_bool();
        Located schema = p.node->find("schema") ? Located{p.node->find("schema"), p.file} : Located{};
        for (const auto& media : consumes) b.content.push_back({media, schema, {}});
        o.request_body = std::move(b);
        return;
      }
    // formData parameters become one object schema under a form media type.
    bool has_file = std::any_of(bodies.begin(), bodies.end(), [](const auto& pb) { return str(pb.first.node->find("type")) == "file"; });
    bool multipart = has_file || std::find(consumes.begin(), consumes.end(), "multipart/form-data") != consumes.end();
    Node schema = Node::object(bodies[0].first.node->mark);
    schema.members().push_back({"type", {}, Node::string("object", {})});
    Node props = Node::object({});
    Node required = Node::array({});
    for (const auto& [p, in] : bodies) {
      std::string name = str(p.node->find("name"));
      props.members().push_back({name, p.node->mark, *inline_schema(*p.node).node});
      const Node* req = p.node->find("required");
      if (req && req->is_bool() && req->as_bool()) {
        required.items().push_back(Node::string(name, {}));
        b.required = true;
      }
    }
    schema.members().push_back({"properties", {}, std::move(props)});
    if (!required.items().empty()) schema.members().push_back({"required", {}, std::move(required)});
    b.node = bodies[0].first;
    b.content.push_back({multipart ? "multipart/form-data" : "application/x-www-form-urlencoded", own(std::move(schema)), {}});
    o.request_body = std::move(b);
  }
};

}  // namespace

Model normalize(const Spec& spec, diag::Diagnostics* warnings) { return Normalizer(spec, warnings).run(); }

}  // namespace apigw::openapi
