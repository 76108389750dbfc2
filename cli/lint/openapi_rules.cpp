// The rules that run on an OpenAPI document that loaded: structure (what the specification requires) and practice
// (what makes a spec useful). One function per rule; openapi_rules() is their registry. Findings point at the raw
// node (file:line:col, in whichever file of a multi-file spec it lives) and carry a JSON pointer as their path.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "cli/lint/openapi.hpp"
#include "emulator/schema/source.hpp"
#include "emulator/util/text.hpp"

namespace apigw::embedded {
std::string_view find(std::string_view name);
}

namespace apigw::lint {

std::string pointer(const std::vector<std::string>& tokens) {
  std::string out;
  for (const auto& t : tokens) {
    out += '/';
    out += schema::escape_pointer_token(t);
  }
  return out;
}

namespace {

using diag::Severity;
using doc::Node;
using openapi::Located;
using openapi::Version;

void add(diag::Diagnostics& out, const Rule& rule, const std::string& file, doc::Mark mark, std::string pointer,
         std::string message) {
  out.push_back({rule.severity, rule.id, file, mark, std::move(pointer), std::move(message)});
}

const std::string& root_file(const OpenApiInput& in) { return in.file; }
const std::string& file_of(const Located& l, const OpenApiInput& in) { return in.file_of(l); }

// The JSON pointer of `target` below `root`, or nullopt when it is not in that tree (a node the model synthesised).
// Children are in document order, so the child holding a node is the last one that starts at or before it: a descent
// by position (binary search per level), checked by address, with a full search when that fails (YAML aliases).
bool find_node(const Node& n, const Node* target, std::vector<std::string>& path) {
  if (&n == target) return true;
  if (n.is_object()) {
    for (const auto& m : n.members()) {
      path.push_back(m.key);
      if (find_node(m.value, target, path)) return true;
      path.pop_back();
    }
  } else if (n.is_array()) {
    for (size_t i = 0; i < n.items().size(); ++i) {
      path.push_back(std::to_string(i));
      if (find_node(n.items()[i], target, path)) return true;
      path.pop_back();
    }
  }
  return false;
}

bool after(doc::Mark a, doc::Mark b) { return a.line > b.line || (a.line == b.line && a.col > b.col); }

std::optional<std::string> pointer_in(const Node& root, const Node* target) {
  std::vector<std::string> path;
  const Node* n = &root;
  const doc::Mark at = target->mark;
  while (n != target) {
    const Node* next = nullptr;
    if (n->is_object() && !n->members().empty()) {
      const auto& ms = n->members();
      auto it = std::upper_bound(ms.begin(), ms.end(), at,
                                 [](doc::Mark a, const doc::Member& m) { return after(m.value.mark, a); });
      if (it != ms.begin()) {
        --it;
        path.push_back(it->key);
        next = &it->value;
      }
    } else if (n->is_array() && !n->items().empty()) {
      const auto& items = n->items();
      auto it = std::upper_bound(items.begin(), items.end(), at, [](doc::Mark a, const Node& v) { return after(v.mark, a); });
      if (it != items.begin()) {
        --it;
        path.push_back(std::to_string(it - items.begin()));
        next = &*it;
      }
    }
    if (!next) break;
    n = next;
  }
  if (n != target) {
    path.clear();
    if (!find_node(root, target, path)) return std::nullopt;
  }
  return pointer(path);
}

// Where a node really is: its JSON pointer in the file it lives in (through whatever $refs led to it).
std::optional<std::string> pointer_of(const OpenApiInput& in, Located l) {
  if (!l || !l.file) return std::nullopt;
  Located root = in.spec->resolve("#", *l.file, {}, nullptr);
  if (!root) return std::nullopt;
  return pointer_in(*root.node, l.node);
}

}  // namespace

std::string op_pointer(const OpenApiInput& in, const openapi::Operation& op) {
  if (!in.in_root(op.node))  // a path item $ref'd from another file
    if (auto real = pointer_of(in, op.node)) return *real;
  if (!op.callback_location.empty()) return pointer(op.callback_location);
  return pointer({op.webhook ? "webhooks" : "paths", op.path, op.method});
}

std::string op_name(const openapi::Operation& op) {
  std::string m = op.method;
  std::transform(m.begin(), m.end(), m.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (!op.callback.empty()) return m + " callback '" + op.callback + "' (" + op.path + ")";
  return op.webhook ? m + " webhook '" + op.path + "'" : m + " " + op.path;
}

namespace {

// The operations under paths, then those under (3.1) webhooks and (3.x) callbacks: what every per-operation rule
// checks.
template <class Visit>
void each_operation(const OpenApiInput& in, const Visit& visit) {
  for (const auto& op : in.model.operations) visit(op);
  for (const auto& op : in.model.webhooks) visit(op);
}

// Maps whose keys are names chosen by the author, not OpenAPI keywords: a property called "example" is a schema.
bool is_name_map(const std::string& key) {
  static const std::set<std::string> k_maps = {
      "properties", "patternProperties", "definitions", "$defs", "dependentSchemas", "schemas", "responses",
      "parameters", "headers", "examples", "requestBodies", "securitySchemes", "securityDefinitions", "links",
      "callbacks", "pathItems", "paths", "webhooks", "variables", "scopes", "content", "encoding", "mapping"};
  return k_maps.count(key) > 0;
}

// Keys whose values are data (examples, defaults, enums) or extensions: no OpenAPI structure below them.
bool is_data_key(const std::string& key, const std::vector<std::string>& path, bool extensions) {
  if (key.rfind("x-", 0) == 0) return !extensions;
  if (key == "example" || key == "default" || key == "enum" || key == "const") return true;
  return key == "value" && path.size() >= 2 && path[path.size() - 2] == "examples";  // an Example Object's value
}

// Depth-first over a document's structure, skipping data values. `visit(node, path)` returns false to skip the
// node's children. `path` holds the tokens from the root (unescaped). `extensions`: also walk x- values.
template <class Visit>
void walk(const Node& node, std::vector<std::string>& path, const Visit& visit, bool extensions = false) {
  if (!visit(node, path)) return;
  if (node.is_object()) {
    bool names = !path.empty() && is_name_map(path.back());
    for (const auto& m : node.members()) {
      if (!names && is_data_key(m.key, path, extensions)) continue;
      path.push_back(m.key);
      walk(m.value, path, visit, extensions);
      path.pop_back();
    }
  } else if (node.is_array()) {
    for (size_t i = 0; i < node.items().size(); ++i) {
      path.push_back(std::to_string(i));
      walk(node.items()[i], path, visit, extensions);
      path.pop_back();
    }
  }
}

// Where a walk over the spec is. `path` holds the keys from the root document, through the $refs that led here (they
// say what a node is: a schema, a name map, data); `file` and pointer() say where the node really is.
struct Where {
  std::vector<std::string> path;
  const std::string* file = nullptr;  // as findings name it (OpenApiInput::file_of)
  std::string base;                   // the pointer, in `file`, of the $ref target the walk entered last
  size_t from = 0;                    // path[from..] lead from `base` to the node
  std::string pointer() const {
    return base + lint::pointer({path.begin() + static_cast<std::ptrdiff_t>(from), path.end()});
  }
};

// "#/components/schemas/A%20B" -> "/components/schemas/A B" escaped as a JSON pointer again.
std::string fragment_pointer(const std::string& ref) {
  size_t hash = ref.find('#');
  if (hash == std::string::npos || hash + 1 >= ref.size()) return "";
  std::string_view frag = std::string_view(ref).substr(hash + 2);
  std::string out;
  while (true) {
    size_t slash = frag.find('/');
    out += '/';
    out += schema::escape_pointer_token(openapi::unescape_pointer_token(frag.substr(0, slash)));
    if (slash == std::string_view::npos) break;
    frag.remove_prefix(slash + 1);
  }
  return out;
}

// Depth-first over the whole spec: the root document, and every part of another file that a $ref reaches (each
// once, as if it stood where the $ref is). `visit(node, where)` returns false to skip the node's children (its $ref
// is still followed).
template <class Visit>
class SpecWalk {
 public:
  SpecWalk(const OpenApiInput& in, const Visit& visit) : in_(in), visit_(visit) {}

  void run() {
    Located root = in_.spec->root_located();
    where_.file = &in_.file;
    spec_file_ = root.file;
    follow_ = in_.spec->file_count() > 1;
    node(*root.node, false);
  }

 private:
  void node(const Node& n, bool elsewhere) {
    if (elsewhere && !seen_.insert(&n).second) return;
    bool children = visit_(n, static_cast<const Where&>(where_));
    if (n.is_object()) {
      if (children) {
        std::vector<std::string>& path = where_.path;
        bool names = !path.empty() && is_name_map(path.back());
        for (const auto& m : n.members()) {
          if (!names && is_data_key(m.key, path, false)) continue;
          path.push_back(m.key);
          node(m.value, elsewhere);
          path.pop_back();
        }
      }
      if (follow_)
        if (const Node* ref = n.find("$ref"); ref && ref->is_string() && !(where_.path.size() && is_name_map(where_.path.back())))
          follow(ref->as_string());
    } else if (n.is_array() && children) {
      for (size_t i = 0; i < n.items().size(); ++i) {
        where_.path.push_back(std::to_string(i));
        node(n.items()[i], elsewhere);
        where_.path.pop_back();
      }
    }
  }

  // Into another file (the root document is walked whole).
  void follow(const std::string& ref) {
    if (ref.rfind("http://", 0) == 0 || ref.rfind("https://", 0) == 0 || ref.rfind("//", 0) == 0) return;
    Located target = in_.spec->resolve(ref, *spec_file_, {}, nullptr);
    if (!target || in_.in_root(target) || seen_.count(target.node)) return;
    Where saved = where_;
    const std::string* saved_file = spec_file_;
    where_.file = &in_.file_of(target);
    where_.base = fragment_pointer(ref);
    where_.from = where_.path.size();
    spec_file_ = target.file;
    node(*target.node, true);
    spec_file_ = saved_file;
    where_.file = saved.file;
    where_.base = std::move(saved.base);
    where_.from = saved.from;
  }

  const OpenApiInput& in_;
  const Visit& visit_;
  Where where_;
  const std::string* spec_file_ = nullptr;  // the file $refs are resolved from (as the spec knows it)
  bool follow_ = false;                     // the spec has other files
  std::unordered_set<const Node*> seen_;    // nodes of other files already walked
};

template <class Visit>
void walk_spec(const OpenApiInput& in, const Visit& visit) {
  SpecWalk<Visit>(in, visit).run();
}

// "{a}" and "{b}" in "/x/{a}/{b}"; `ok` turns false on unbalanced or empty braces.
std::vector<std::string> template_names(const std::string& text, bool* ok = nullptr) {
  std::vector<std::string> names;
  bool good = true;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '}') good = false;
    if (text[i] != '{') continue;
    size_t close = text.find_first_of("{}", i + 1);
    if (close == std::string::npos || text[close] == '{' || close == i + 1) {
      good = false;
      if (close == std::string::npos) break;
      continue;
    }
    std::string name = text.substr(i + 1, close - i - 1);
    if (name.size() > 1 && name.back() == '+') name.pop_back();  // AWS's greedy {proxy+} declares `proxy`
    names.push_back(std::move(name));
    i = close;
  }
  if (ok) *ok = good;
  return names;
}

// ---- structure ------------------------------------------------------------------------------------------------

std::shared_ptr<const doc::Node> embedded_node(std::string_view name) {
  std::string_view data = embedded::find(name);
  if (data.empty()) return nullptr;
  doc::Document d = doc::parse_json(data, std::string(name));
  return d.ok() ? std::make_shared<const doc::Node>(std::move(d.root)) : nullptr;
}

// The official meta-schemas, embedded (schemas/openapi/), compiled once per process.
const schema::Schema* meta_schema(Version v) {
  static std::map<Version, std::shared_ptr<const schema::Schema>> cache;
  if (auto it = cache.find(v); it != cache.end()) return it->second.get();
  const char* name = v == Version::Swagger2    ? "schemas/openapi/v2.0-schema.json"
                     : v == Version::OpenApi30 ? "schemas/openapi/v3.0-schema.json"
                                               : "schemas/openapi/v3.1-schema.json";
  std::shared_ptr<const schema::Schema> compiled;
  if (auto node = embedded_node(name)) {
    schema::CompileOptions options;
    options.dialect = v == Version::OpenApi31 ? schema::Dialect::Draft2020 : schema::Dialect::Draft4;
    // Swagger 2.0's meta-schema refers into the draft-04 meta-schema for the Schema Object's keywords.
    options.loader = [](const std::string& uri, std::string& error) -> std::shared_ptr<const doc::Node> {
      if (uri.rfind("http://json-schema.org/draft-04/schema", 0) == 0) return embedded_node("schemas/openapi/draft-04-schema.json");
      error = "not embedded in apigw";
      return nullptr;
    };
    std::vector<std::string> errors;
    compiled = schema::Schema::compile(node, std::string("https://apigw.invalid/") + name, "", options, errors);
  }
  return (cache[v] = compiled).get();
}

void openapi_schema(const OpenApiInput& in, const Rule& self, diag::Diagnostics& out) {
  const schema::Schema* meta = meta_schema(in.spec->version());
  if (!meta) return;
  // A badly broken document can fail every keyword; the first errors locate the problem, the rest is a wall.
  constexpr size_t k_max = 50;
  auto errors = meta->validate(in.spec->root(), {.max_errors = k_max + 1});
  std::string meta_name = std::string(openapi::version_name(in.spec->version())) + " meta-schema";
  for (size_t i = 0; i < errors.size() && i < k_max; ++i)
    add(out, self, root_file(in), errors[i].mark, errors[i].instance_location,
        errors[i].message + " (" + meta_name + ": " + errors[i].schema_location + ")");
  if (errors.size() > k_max)
    add(out, self, root_file(in), in.spec->root().mark, "", "more errors against the " + meta_name + " not shown");
}

void ref_siblings(const OpenApiInput& in, const Rule& self, diag::Diagnostics& out) {
  if (in.spec->version() == Version::OpenApi31) return;  // 3.1 allows them (summary/description, 2020-12 schemas)
  walk_spec(in, [&](const Node& n, const Where& w) {
    if (!n.is_object() || (!w.path.empty() && is_name_map(w.path.back()))) return true;
    const Node* ref = n.find("$ref");
    if (!ref || !ref->is_string()) return true;
    std::string siblings;
    doc::Mark first;
    for (const auto& m : n.members())
      if (m.key != "$ref" && m.key.rfind("x-", 0) != 0) {
        if (siblings.empty()) first = m.key_mark;
        siblings += (siblings.empty() ? "'" : ", '") + m.key + "'";
      }
    if (!siblings.empty())
      add(out, self, *w.file, first, w.pointer(),
          "keys next to $ref are ignored in " + std::string(openapi::version_name(in.spec->version())) + ": " +
              siblings);
    return false;
  });
}

// "/pets/{}" for "/pets/{petId}": paths with the same shape differ only in their parameter names.
std::string path_shape(const std::string& path) {
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    out += path[i];
    if (path[i] != '{') continue;
    size_t close = path.find('}', i + 1);
    if (close == std::string::npos) break;
    out += '}';
    i = close;
  }
  return out;
}

void path_params(const OpenApiInput& in, const Rule& self, diag::Diagnostics& out) {
  // OpenAPI: "templated paths with the same hierarchy but different templated names MUST NOT exist". For a gateway
  // they are one route: whichever comes first answers every request for both.
  if (const Node* paths = in.spec->root().find("paths"); paths && paths->is_object()) {
    std::unordered_map<std::string, const doc::Member*> shapes;
    for (const auto& m : paths->members()) {
      if (m.key.rfind("x-", 0) == 0 || m.key.find('{') == std::string::npos) continue;
      auto [it, inserted] = shapes.emplace(path_shape(m.key), &m);
      if (!inserted)
        add(out, self, root_file(in), m.key_mark, pointer({"paths", m.key}),
            "path '" + m.key + "' is equivalent to '" + it->second->key + "' (line " +
                std::to_string(it->second->key_mark.line) +
                "): only the parameter names differ, so a router cannot tell them apart");
    }
  }
  std::set<const Node*> reported;  // a path-level parameter is shared by every operation of its path
  for (const auto& op : in.model.operations) {
    auto names = template_names(op.path.substr(0, op.path.find('?')));  // a query string is path-query's finding
    for (const auto& name : names) {
      bool declared = std::any_of(op.parameters.begin(), op.parameters.end(),
                                  [&](const openapi::Parameter& p) { return p.in == "path" && p.name == name; });
      if (!declared)
        add(out, self, file_of(op.node, in), op.mark, op_pointer(in, op),
            "path parameter '" + name + "' of " + op_name(op) + " is not declared (add it to parameters with in: path)");
    }
    for (const auto& p : op.parameters) {
      if (p.in != "path" || std::find(names.begin(), names.end(), p.name) != names.end()) continue;
      if (!reported.insert(p.node.node).second) continue;
      add(out, self, file_of(p.node, in), p.node.node->mark, pointer_of(in, p.node).value_or(op_pointer(in, op) + "/parameters"),
          "parameter '" + p.name + "' is declared in: path, but " + op.path + " has no {" + p.name + "}");
    }
  }
}

void path_template(const OpenApiInput& in, const Rule& self, diag::Diagnostics& out) {
  const Node* paths = in.spec->root().find("paths");
  if (!paths || !paths->is_object()) return;
  for (const auto& m : paths->members()) {
    if (m.key.rfind("x-", 0) == 0) continue;
    bool ok = true;
    auto names = template_names(m.key, &ok);
    std::string problem;
    if (m.key.empty() || m.key[0] != '/') problem = "does not start with '/'";
    else if (!ok) problem = "has unbalanced or empty braces (parameters are written {name})";
    else
      for (size_t i = 0; i < names.size() && problem.empty(); ++i)
        if (std::find(names.begin(), names.begin() + static_cast<std::ptrdiff_t>(i), names[i]) != names.begin() + static_cast<std::ptrdiff_t>(i))
          problem = "uses the parameter {" + names[i] + "} twice";
    if (!problem.empty()) add(out, self, root_file(in), m.key_mark, pointer({"paths", m.key}), "path '" + m.key + "' " + problem);
  }
}

const Node* operation_id_node(const openapi::Operation& op) {
  const Node* id = op.node.node->find("operationId");
  return id && id->is_string() ? id : nullptr;
}

void operation_id_unique(const OpenApiInput& in, const Rule& self, diag::Diagnostics& out) {
  std::unordered_map<std::string, const openapi::Operation*> first;
  each_operation(in, [&](const openapi::Operation& op) {
    const Node* id = operation_id_node(op);
    if (!id) return;
    auto [it, inserted] = first.emplace(id->as_string(), &op);
    if (!inserted)
      add(out, self, file_of(op.node, in), id->mark, op_pointer(in, op) + "/operationId",
          "operationId '" + id->as_string() + "' is also used by " + op_name(*it->second));
  });
}

void operation_id_url_safe(const OpenApiInput& in, const Rule& self, diag::Diagnostics& out) {
  // The characters RFC 3986 allows in a URL (Spectral's operation-operationId-valid-in-url uses the same set).
  static const std::string k_allowed = "-._~:/?#[]@!$&'()*+,;=";
  each_operation(in, [&](const openapi::Operation& op) {
    const Node* id = operation_id_node(op);
    if (!id) return;
    const std::string& s = id->as_string();
    auto bad = std::find_if(s.begin(), s.end(), [](char c) {
      return !std::isalnum(static_cast<unsigned char>(c)) && k_allowed.find(c) == std::string::npos;
    });
    if (bad != s.end())
      add(out, self, file_of(op.node, in), id->mark, op_pointer(in, op) + "/operationId",
          "operationId '" + s + "' has characters that are not valid in a URL ('" + std::string(1, *bad) + "')");
  });
}

// Every security requirement list (the document's and each operation's) with its pointer and file.
template <class Visit>
void each_security(const OpenApiInput& in, const Visit& visit) {
  if (const Node* sec = in.spec->root().find("security")) visit(*sec, std::string("/security"), root_file(in));
  each_operation(in, [&](const openapi::Operation& op) {
    if (const Node* sec = op.node.node->find("security")) visit(*sec, op_pointer(in, op) + "/security", file_of(op.node, in));
  });
}

void security_defined(const OpenApiInput& in, const Rule& self, diag::Diagnostics& out) {
  std::vector<std::string_view> names;
  for (const auto& s : in.model.security_schemes) names.push_back(s.name);
  each_security(in, [&](const Node& list, const std::string& at, const std::string& file) {
    if (!list.is_array()) return;
    for (size_t i = 0; i < list.items().size(); ++i) {
      if (!list.items()[i].is_object()) continue;
      for (const auto& m : list.items()[i].members()) {
        if (std::find(names.begin(), names.end(), m.key) != names.end()) continue;
        std::string near = util::nearest(m.key, names);
        add(out, self, file, m.key_mark, at + "/" + std::to_string(i) + "/" + schema::escape_pointer_token(m.key),
            "security scheme '" + m.key + "' is not declared" + (near.empty() ? "" : " (did you mean '" + near + "'?)"));
      }
    }
  });
}

void security_scopes_defined(const OpenApiInput& in, const Rule& self, diag::Diagnostics& out) {
  each_security(in, [&](const Node& list, const std::string& at, const std::string& file) {
    if (!list.is_array()) return;
    for (size_t i = 0; i < list.items().size(); ++i) {
      if (!list.items()[i].is_object()) continue;
      for (const auto& m : list.items()[i].members()) {
        auto scheme = std::find_if(in.model.security_schemes.begin(), in.model.security_schemes.end(),
                                   [&](const openapi::SecurityScheme& s) { return s.name == m.key; });
        if (scheme == in.model.security_schemes.end() || scheme->type != "oauth2" || !m.value.is_array()) continue;
        for (size_t j = 0; j < m.value.items().size(); ++j) {
          const Node& scope = m.value.items()[j];
          if (!scope.is_string() ||
              std::find(scheme->scopes.begin(), scheme->scopes.end(), scope.as_string()) != scheme->scopes.end())
            continue;
          add(out, self, file, scope.mark,
              at + "/" + std::to_string(i) + "/" + schema::escape_pointer_token(m.key) + "/" + std::to_string(j),
              "scope '" + scope.as_string() + "' is not declared by the oauth2 scheme '" + m.key + "'");
        }
      }
    }
  });
}

void check_servers(const Node* servers, const std::string& at, const std::string& file, const Rule& self,
                   diag::Diagnostics& out) {
  if (!servers || !servers->is_array()) return;
  for (size_t i = 0; i < servers->items().size(); ++i) {
    const Node& s = servers->items()[i];
    const Node* url = s.find("url");
    if (!url || !url->is_string()) continue;
    std::string here = at + "/" + std::to_string(i);
    const Node* vars = s.find("variables");
    auto names = template_names(url->as_string());
    for (const auto& name : names)
      if (!vars || !vars->is_object() || !vars->find(name))
        add(out, self, file, url->mark, here + "/url", "server variable {" + name + "} is not declared in variables");
    if (!vars || !vars->is_object()) continue;
    for (const auto& v : vars->members()) {
      std::string var_at = here + "/variables/" + schema::escape_pointer_token(v.key);
      if (std::find(names.begin(), names.end(), v.key) == names.end())
        add(out, self, file, v.key_mark, var_at, "server variable '" + v.key + "' is not used in the url");
      const Node* def = v.value.find("default");
      const Node* values = v.value.find("enum");
      if (!def || !def->is_string()) {
        add(out, self, file, v.key_mark, var_at, "server variable '" + v.key + "' has no default (it is required)");
        continue;
      }
      if (!values || !values->is_array()) continue;
      if (values->items().empty())
        add(out, self, file, values->mark, var_at + "/enum", "server variable '" + v.key + "' has an empty enum");
      else if (std::none_of(values->items().begin(), values->items().end(),
                            [&](const Node& e) { return e.is_string() && e.as_string() == def->as_string(); }))
        add(out, self, file, def->mark, var_at + "/default",
            "default '" + def->as_string() + "' of server variable '" + v.key + "' is not one of its enum values");
    }
  }
}

void server_variables(const OpenApiInput& in, const Rule& self, diag::Diagnostics& out) {
  if (in.spec->version() == Version::Swagger2) return;
  const Node& root = in.spec->root();
  check_servers(root.find("servers"), "/servers", root_file(in), self, out);
  if (const Node* paths = root.find("paths"); paths && paths->is_object())
    for (const auto& pm : paths->members()) {
      if (!pm.value.is_object()) continue;
      std::string at = pointer({"paths", pm.key});
      check_servers(pm.value.find("servers"), at + "/servers", root_file(in), self, out);
      for (const auto& om : pm.value.members())
        if (om.value.is_object()) check_servers(om.value.find("servers"), at + "/" + om.key + "/servers", root_file(in), self, out);
    }
}

// Media types whose examples are JSON values; an XML or plain-text example is a string the schema does not describe.
bool json_like(const std::string& media) {
  return media.find("json") != std::string::npos || media == "*/*" || media == "application/x-www-form-urlencoded" ||
         media == "multipart/form-data";
}

// Validates many examples against many schemas of one spec. Compiling a schema indexes its whole document (5.7 MB
// for GitHub's spec), so the schemas of the root file are compiled together, once: as the properties of one
// wrapper schema, each example validated as the only property of a wrapper object. Schemas in other files (rare)
// are compiled one by one.
class ExampleBatch {
 public:
  ExampleBatch(const OpenApiInput& in, const Rule& self, diag::Diagnostics& out) : in_(in), self_(self), out_(out) {}

  // `schema_pointer`: where the schema is in the root file, when the caller knows ("" otherwise). `either`: the
  // example may show a request or a response (a Schema Object's own example), so it has to fit one of them. `at`:
  // where the example is as the caller reached it; findings use the example's own location (a $ref'd example is
  // reported once, where it is written, not at each use).
  void add(Located example, Located schema, const std::string& schema_pointer, schema::Direction direction,
           bool either, std::string at, std::string what) {
    if (!example || !schema) return;
    // Shared components are checked once: the same example against the same schema (through whichever $ref).
    Located target = in_.spec->deref(schema, nullptr);
    if (!done_.emplace(example.node, target ? target.node : schema.node, direction, either).second) return;
    auto [it, inserted] = entries_.try_emplace(schema.node, entries_.size());
    if (inserted) {
      Entry e{schema, {}};
      if (in_.in_root(schema)) {
        e.wrapped = true;
        if (schema_pointer.empty()) {
          wrapper_props_.members().push_back({std::to_string(it->second), {}, *schema.node});
        } else {
          Node ref = Node::object({});
          ref.members().push_back({"$ref", {}, Node::string("#" + schema_pointer, {})});
          wrapper_props_.members().push_back({std::to_string(it->second), {}, std::move(ref)});
        }
      }
      list_.push_back(std::move(e));
    }
    checks_.push_back({example, it->second, direction, either, std::move(at), std::move(what)});
  }

  void run() {
    if (checks_.empty()) return;
    std::shared_ptr<const schema::Schema> wrapper;
    if (!wrapper_props_.members().empty()) {
      wrapper_node_ = Node::object({});
      wrapper_node_.members().push_back({"properties", {}, std::move(wrapper_props_)});
      std::vector<std::string> errors;
      wrapper = schema::compile_located(in_.spec, {&wrapper_node_, in_.spec->root_located().file}, "#/x-apigw-lint",
                                        {}, errors);
    }
    // (file, pointer, message): an example used with several copies of one schema is still reported once.
    std::set<std::tuple<std::string, std::string, std::string>> reported;
    for (const auto& c : checks_) {
      Entry& e = list_[c.entry];
      std::vector<schema::Error> errors;
      if (e.wrapped && wrapper) {
        Node instance = Node::object({});
        std::string key = std::to_string(c.entry);
        instance.members().push_back({key, {}, *c.example.node});
        errors = validate(*wrapper, instance, c);
        for (auto& err : errors) err.instance_location.erase(0, key.size() + 1);
      } else {
        // Not in the root file, or the wrapper did not compile (a broken schema somewhere): one at a time.
        if (!e.compiled_alone) {
          std::vector<std::string> ignored;  // a schema that does not compile is the ref rules' finding
          e.alone = schema::compile_located(in_.spec, e.schema, c.at, {}, ignored);
          e.compiled_alone = true;
        }
        if (!e.alone) continue;
        errors = validate(*e.alone, *c.example.node, c);
      }
      if (errors.empty()) continue;
      std::string at = c.at, what = c.what;
      if (auto real = pointer_of(in_, c.example); real && *real != c.at) {
        at = *real;
        what = referenced_what(at, c.what);
      }
      const std::string& file = file_of(c.example, in_);
      for (const auto& err : errors) {
        std::string where = at + err.instance_location;
        std::string problem = (err.instance_location.empty() ? "" : err.instance_location + ": ") + err.message;
        if (!reported.emplace(file, where, problem).second) continue;
        lint::add(out_, self_, file, err.mark, where, what + " does not match its schema: " + problem);
      }
    }
  }

 private:
  struct Entry {
    Located schema;
    std::shared_ptr<const schema::Schema> alone;
    bool wrapped = false;
    bool compiled_alone = false;
  };
  struct Check {
    Located example;
    size_t entry;
    schema::Direction direction;
    bool either;
    std::string at;
    std::string what;
  };

  // A $ref'd Example Object is named by its own key (components/examples/NAME/value), not by the use's.
  static std::string referenced_what(const std::string& at, const std::string& what) {
    static const std::string k_value = "/value";
    if (!at.ends_with(k_value) || what.rfind("example '", 0) != 0) return what;
    std::string holder = at.substr(0, at.size() - k_value.size());
    size_t slash = holder.rfind('/');
    if (slash == std::string::npos) return what;
    std::string name = openapi::unescape_pointer_token(std::string_view(holder).substr(slash + 1));
    size_t of = what.find(" of ");
    return "example '" + name + "'" + (of == std::string::npos ? "" : what.substr(of));
  }

  static std::vector<schema::Error> validate(const schema::Schema& s, const Node& instance, const Check& c) {
    if (c.either && s.is_valid(instance, schema::Direction::Request)) return {};
    return s.validate(instance, {.max_errors = 3, .direction = c.either ? schema::Direction::Response : c.direction});
  }

  const OpenApiInput& in_;
  const Rule& self_;
  diag::Diagnostics& out_;
  std::unordered_map<const Node*, size_t> entries_;
  std::vector<Entry> list_;
  std::vector<Check> checks_;
  // (example, schema, direction, either): shared components are checked once
  std::set<std::tuple<const Node*, const Node*, schema::Direction, bool>> done_;
  Node wrapper_props_ = Node::object({});
  Node wrapper_node_;
};

std::string example_at(const std::string& base, const openapi::Example& e) {
  return e.name.empty() ? base + "/example" : base + "/examples/" + schema::escape_pointer_token(e.name) + "/value";
}

std::string example_what(const openapi::Example& e) { return e.name.empty() ? "example" : "example '" + e.name + "'"; }

void example_valid(const OpenApiInput& in, const Rule& self, diag::Diagnostics& out) {
  ExampleBatch batch(in, self, out);
  bool swagger = in.spec->version() == Version::Swagger2;
  using schema::Direction;
  each_operation(in, [&](const openapi::Operation& op) {
    // A webhook's request is sent by the API (readOnly properties belong in it) and answered by the receiver.
    Direction sent = op.webhook ? Direction::Response : Direction::Request;
    Direction answered = op.webhook ? Direction::Request : Direction::Response;
    std::string at = op_pointer(in, op);
    for (size_t i = 0; i < op.parameters.size(); ++i) {
      const auto& p = op.parameters[i];
      if (!p.node || !p.schema) continue;
      std::string p_at = at + "/parameters/" + std::to_string(i);
      std::string of = " of parameter '" + p.name + "'";
      if (const Node* ex = p.node.node->find("example"))
        batch.add({ex, p.node.file}, p.schema, "", sent, false, p_at + "/example", "example" + of);
      if (const Node* exs = p.node.node->find("examples"); exs && exs->is_object())
        for (const auto& m : exs->members()) {
          Located e = in.spec->deref({&m.value, p.node.file}, nullptr);
          if (e && e.node->is_object())
            if (const Node* v = e.node->find("value"))
              batch.add({v, e.file}, p.schema, "", sent, false,
                        p_at + "/examples/" + schema::escape_pointer_token(m.key) + "/value", "example '" + m.key + "'" + of);
        }
    }
    if (op.request_body)
      for (const auto& mt : op.request_body->content) {
        if (!json_like(mt.name)) continue;
        std::string base = at + "/requestBody/content/" + schema::escape_pointer_token(mt.name);
        for (const auto& e : mt.examples)
          batch.add(e.value, mt.schema, "", sent, false, example_at(base, e), example_what(e));
      }
    for (const auto& r : op.responses) {
      std::string r_at = at + "/responses/" + schema::escape_pointer_token(r.code);
      for (const auto& mt : r.content) {
        if (!json_like(mt.name)) continue;
        std::string base = swagger ? r_at : r_at + "/content/" + schema::escape_pointer_token(mt.name);
        for (const auto& e : mt.examples)
          batch.add(e.value, mt.schema, "", answered, false,
                    swagger ? base + "/examples/" + schema::escape_pointer_token(mt.name) : example_at(base, e),
                    example_what(e));
      }
      for (const auto& h : r.headers)
        for (const auto& e : h.examples)
          batch.add(e.value, h.schema, "", answered, false,
                    example_at(r_at + "/headers/" + schema::escape_pointer_token(h.name), e),
                    example_what(e) + " of header '" + h.name + "'");
    }
  });
  batch.run();
}

// Is the object at `path` a Schema Object? Decided by the key that leads to it.
bool is_schema_position(const std::vector<std::string>& path) {
  if (path.empty()) return false;
  const std::string& key = path.back();
  if (key == "schema" || key == "items" || key == "additionalProperties" || key == "not") return true;
  if (path.size() < 2) return false;
  const std::string& parent = path[path.size() - 2];
  if (parent == "properties" || parent == "patternProperties" || parent == "allOf" || parent == "anyOf" ||
      parent == "oneOf" || parent == "$defs" || (parent == "definitions" && path.size() == 2))
    return true;
  return parent == "schemas" && path.size() == 3 && path[0] == "components";
}

// A schema's `example` and `default` (3.1: also `examples`), in every file of the spec; Swagger 2.0 parameters
// without a schema carry theirs inline.
void schema_example_valid(const OpenApiInput& in, const Rule& self, diag::Diagnostics& out) {
  ExampleBatch batch(in, self, out);
  walk_spec(in, [&](const Node& n, const Where& w) {
    if (!n.is_object() || !is_schema_position(w.path) || n.find("$ref")) return true;
    const Node* ex = n.find("example");
    const Node* def = n.find("default");
    const Node* exs = in.spec->version() == Version::OpenApi31 ? n.find("examples") : nullptr;
    if (!ex && !def && !(exs && exs->is_array())) return true;  // most schemas: no pointer to build
    std::string at = w.pointer();
    // The spec's own name for the file ($refs in the schema are relative to it); other files are named that way.
    bool root = w.file == &in.file;
    const std::string* spec_file = root ? in.spec->root_located().file : w.file;
    Located schema{&n, spec_file};
    std::string schema_pointer = root ? at : "";
    if (ex) batch.add({ex, spec_file}, schema, schema_pointer, schema::Direction::None, true, at + "/example", "example");
    if (def) batch.add({def, spec_file}, schema, schema_pointer, schema::Direction::None, true, at + "/default", "default");
    if (exs && exs->is_array())
      for (size_t i = 0; i < exs->items().size(); ++i)
        batch.add({&exs->items()[i], spec_file}, schema, schema_pointer, schema::Direction::None, true,
                  at + "/examples/" + std::to_string(i), "example " + std::to_string(i));
    return true;
  });
  if (in.spec->version() == Version::Swagger2)
    for (const auto& op : in.model.operations)
      for (const auto& p : op.parameters)
        if (p.node && p.schema && !p.node.node->find("schema"))
          if (const Node* def = p.node.node->find("default"))
            batch.add({def, p.node.file}, p.schema, "", schema::Direction::None, true,
                      op_pointer(in, op) + "/parameters/default", "default of parameter '" + p.name + "'");
  batch.run();
}

bool node_has_type(const Node& v, const std::string& type) {
  if (type == "string") return v.is_string();
  if (type == "integer")  // 2.0 and 1e300 are integers; casting 1e300 to int64 to find out would be undefined
    return v.is_int() || (v.kind == doc::Kind::Float && std::isfinite(v.as_double()) &&
                          std::trunc(v.as_double()) == v.as_double());
  if (type == "number") return v.is_number();
  if (type == "boolean") return v.is_bool();
  if (type == "array") return v.is_array();
  if (type == "object") return v.is_object();
  if (type == "null") return v.is_null();
  return true;  // "file" (Swagger 2.0) and unknown types: the meta-schema's business
}

void enum_type(const OpenApiInput& in, const Rule& self, diag::Diagnostics& out) {
  walk_spec(in, [&](const Node& n, const Where& w) {
    if (!n.is_object()) return true;
    const Node* values = n.find("enum");
    const Node* type = n.find("type");
    if (!values || !values->is_array() || !type) return true;
    std::vector<std::string> types;
    if (type->is_string()) types.push_back(type->as_string());
    else if (type->is_array())
      for (const auto& t : type->items())
        if (t.is_string()) types.push_back(t.as_string());
    const Node* nullable = n.find("nullable");
    if ((nullable && nullable->is_bool() && nullable->as_bool()) || n.find("x-nullable")) types.push_back("null");
    if (types.empty()) return true;
    for (size_t i = 0; i < values->items().size(); ++i) {
      const Node& v = values->items()[i];
      if (std::none_of(types.begin(), types.end(), [&](const std::string& t) { return node_has_type(v, t); }))
        add(out, self, *w.file, v.mark, w.pointer() + "/enum/" + std::to_string(i),
            "enum value " + v.to_json().dump() + " is not of type " +
                (type->is_string() ? type->as_string() : type->to_json().dump()));
    }
    return true;
  });
}

void enum_duplicate(const OpenApiInput& in, const Rule& self, diag::Diagnostics& out) {
  walk_spec(in, [&](const Node& n, const Where& w) {
    if (!n.is_object()) return true;
    const Node* values = n.find("enum");
    if (!values || !values->is_array()) return true;
    std::set<std::string> seen;
    for (size_t i = 0; i < values->items().size(); ++i) {
      const Node& v = values->items()[i];
      std::string text = v.to_json().dump();
      if (!seen.insert(text).second)
        add(out, self, *w.file, v.mark, w.pointer() + "/enum/" + std::to_string(i),
            "enum value " + text + " is listed more than once");
    }
    return true;
  });
}

// ---- practice -------------------------------------------------------------------------------------------------

bool has_text(const Node* n) { return n && n->is_string() && !n->as_string().empty(); }

void info_description(const OpenApiInput& in, const Rule& self, diag::Diagnostics& out) {
  const Node* info = in.spec->root().find("info");
  if (info && info->is_object() && !has_text(info->find("description")))
    add(out, self, root_file(in), info->mark, "/info", "info has no description of the API");
}

// A finding at each operation (webhooks and callbacks included) that `lacks`. The documentation rules (description,
// summary, tags) leave callbacks out, as Spectral does: documentation shows a callback under its operation.
template <class Lacks>
void each_operation_lacking(const OpenApiInput& in, const Rule& self, diag::Diagnostics& out, const char* suffix,
                            const char* what, const Lacks& lacks) {
  each_operation(in, [&](const openapi::Operation& op) {
    if (lacks(op)) add(out, self, file_of(op.node, in), op.mark, op_pointer(in, op) + suffix, op_name(op) + what);
  });
}

void operation_description(const OpenApiInput& in, const Rule& self, diag::Diagnostics& out) {
  each_operation_lacking(in, self, out, "", " has no description",
                         [](const openapi::Operation& op) {
                           return op.callback.empty() && !has_text(op.node.node->find("description"));
                         });
}

void operation_summary(const OpenApiInput& in, const Rule& self, diag::Diagnostics& out) {
  each_operation_lacking(in, self, out, "", " has no summary",
                         [](const openapi::Operation& op) {
                           return op.callback.empty() && !has_text(op.node.node->find("summary"));
                         });
}

void operation_tags(const OpenApiInput& in, const Rule& self, diag::Diagnostics& out) {
  each_operation_lacking(in, self, out, "", " has no tags", [](const openapi::Operation& op) {
    if (!op.callback.empty()) return false;
    const Node* tags = op.node.node->find("tags");
    return !tags || !tags->is_array() || tags->items().empty();
  });
}

bool has_response(const openapi::Operation& op, std::string_view classes) {
  return std::any_of(op.responses.begin(), op.responses.end(), [&](const openapi::Response& r) {
    return r.code.size() == 3 && classes.find(r.code[0]) != std::string_view::npos;
  });
}

void operation_success_response(const OpenApiInput& in, const Rule& self, diag::Diagnostics& out) {
  each_operation_lacking(in, self, out, "/responses", " has no 2xx (or 3xx) response",
                         [](const openapi::Operation& op) { return !has_response(op, "23"); });
}

// Paths only: a webhook's responses are what the receiver answers, and the API is the client.
void operation_4xx_response(const OpenApiInput& in, const Rule& self, diag::Diagnostics& out) {
  for (const auto& op : in.model.operations)
    if (!has_response(op, "4"))
      add(out, self, file_of(op.node, in), op.mark, op_pointer(in, op) + "/responses",
          op_name(op) + " has no 4xx response describing client errors");
}

void unused_components(const OpenApiInput& in, const Rule& self, diag::Diagnostics& out) {
  const Node& root = in.spec->root();
  bool swagger = in.spec->version() == Version::Swagger2;
  // Every node a $ref (or a discriminator mapping) reaches, in every file the references reach.
  std::unordered_set<const Node*> used;
  std::vector<Located> files = {in.spec->root_located()};
  std::set<std::string> files_seen = {in.spec->path(), root_file(in)};
  for (size_t f = 0; f < files.size(); ++f) {
    const std::string& file = *files[f].file;
    std::unordered_set<std::string> refs;
    std::vector<std::string> path;
    walk(*files[f].node, path, [&](const Node& n, const std::vector<std::string>&) {
      if (!n.is_object()) return true;
      if (const Node* ref = n.find("$ref"); ref && ref->is_string()) refs.insert(ref->as_string());
      if (const Node* d = n.find("discriminator"); d && d->is_object())
        if (const Node* mapping = d->find("mapping"); mapping && mapping->is_object())
          for (const auto& m : mapping->members())
            if (m.value.is_string())
              refs.insert(m.value.as_string().find('/') == std::string::npos
                              ? "#/components/schemas/" + m.value.as_string()
                              : m.value.as_string());
      return true;
    }, /*extensions=*/true);  // x-webhooks and other extensions reference components too
    for (const auto& ref : refs) {
      Located target = in.spec->resolve(ref, file, {}, nullptr);
      if (target) used.insert(target.node);
      std::string file_part = ref.substr(0, ref.find('#'));
      if (file_part.empty()) continue;
      Located other = in.spec->resolve(file_part, file, {}, nullptr);
      if (other && files_seen.insert(*other.file).second) files.push_back(other);
    }
  }
  auto check = [&](const Node* map, const std::string& at) {
    if (!map || !map->is_object()) return;
    for (const auto& m : map->members())
      if (!used.count(&m.value))
        add(out, self, root_file(in), m.key_mark, at + "/" + schema::escape_pointer_token(m.key),
            "'" + m.key + "' is never referenced");
  };
  if (swagger) {
    for (const char* kind : {"definitions", "parameters", "responses"}) check(root.find(kind), std::string("/") + kind);
    return;
  }
  const Node* components = root.find("components");
  if (!components || !components->is_object()) return;
  for (const char* kind : {"schemas", "responses", "parameters", "examples", "requestBodies", "headers", "links",
                           "callbacks", "pathItems"})
    check(components->find(kind), std::string("/components/") + kind);
}

void path_trailing_slash(const OpenApiInput& in, const Rule& self, diag::Diagnostics& out) {
  const Node* paths = in.spec->root().find("paths");
  if (!paths || !paths->is_object()) return;
  for (const auto& m : paths->members())
    if (m.key.size() > 1 && m.key.back() == '/')
      add(out, self, root_file(in), m.key_mark, pointer({"paths", m.key}), "path '" + m.key + "' ends with a slash");
}

void path_query(const OpenApiInput& in, const Rule& self, diag::Diagnostics& out) {
  const Node* paths = in.spec->root().find("paths");
  if (!paths || !paths->is_object()) return;
  for (const auto& m : paths->members())
    if (m.key.find('?') != std::string::npos)
      add(out, self, root_file(in), m.key_mark, pointer({"paths", m.key}),
          "path '" + m.key + "' contains a query string; declare query parameters with in: query instead");
}

// "/getUser", "/users/list", "/create-order": the HTTP method already says what happens.
std::string verb_in(const std::string& segment) {
  static const char* const k_verbs[] = {"get", "post", "put", "patch", "delete", "create", "update", "remove",
                                         "list", "fetch", "retrieve", "add", "edit", "modify", "insert", "set"};
  for (const char* verb : k_verbs) {
    std::string_view v(verb);
    if (segment.size() < v.size() || std::string_view(segment).substr(0, v.size()) != v) continue;
    if (segment.size() == v.size()) return verb;
    char next = segment[v.size()];
    if (next == '-' || next == '_' || std::isupper(static_cast<unsigned char>(next))) return verb;
  }
  return {};
}

void path_verbs(const OpenApiInput& in, const Rule& self, diag::Diagnostics& out) {
  const Node* paths = in.spec->root().find("paths");
  if (!paths || !paths->is_object()) return;
  for (const auto& m : paths->members()) {
    if (m.key.rfind("x-", 0) == 0) continue;
    size_t start = 1;
    while (start <= m.key.size()) {
      size_t end = m.key.find('/', start);
      if (end == std::string::npos) end = m.key.size();
      std::string segment = m.key.substr(start, end - start);
      std::string lower = segment;  // "GetUser" as "getUser": the verb, then a word boundary
      if (!lower.empty()) lower[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(lower[0])));
      if (segment.find('{') == std::string::npos)
        if (std::string verb = verb_in(lower); !verb.empty()) {
          add(out, self, root_file(in), m.key_mark, pointer({"paths", m.key}),
              "path segment '" + segment + "' is a verb ('" + verb + "'); let the HTTP method say what happens");
          break;
        }
      start = end + 1;
    }
  }
}

void markdown_unsafe(const OpenApiInput& in, const Rule& self, diag::Diagnostics& out) {
  walk_spec(in, [&](const Node& n, const Where& w) {
    const std::vector<std::string>& path = w.path;
    if (!n.is_string() || path.empty() || (path.back() != "description" && path.back() != "summary" && path.back() != "title"))
      return true;
    if (path.size() >= 2 && is_name_map(path[path.size() - 2])) return true;  // a property called "description"
    if (n.as_string().find_first_of("<:(") == std::string::npos) return true;  // most text: no copy to lower-case
    std::string text = util::to_lower(n.as_string());
    const char* what = text.find("<script") != std::string::npos       ? "a <script> tag"
                       : text.find("javascript:") != std::string::npos ? "a javascript: link"
                       : text.find("eval(") != std::string::npos       ? "eval("
                                                                       : nullptr;
    if (what)
      add(out, self, *w.file, n.mark, w.pointer(),
          "the " + path.back() + " contains " + what + "; documentation renderers may run it");
    return true;
  });
}

}  // namespace

const std::vector<Rule>& openapi_rules() {
  using R = Ruleset;
  static const std::vector<Rule> rules = {
      {"openapi-schema", Severity::Error, "openapi-structure", R::Recommended,
       "The document is valid against its version's official meta-schema (2.0, 3.0 or 3.1)",
       "Fix the value at the location given; the message names the meta-schema keyword it breaks.", nullptr,
       openapi_schema},
      {"ref-siblings", Severity::Warn, "openapi-structure", R::Recommended,
       "No keys next to $ref in OpenAPI 2.0/3.0 (they are ignored)",
       "Move the keys into the referenced object, or wrap the $ref in allOf: [{$ref: ...}] next to them.", nullptr,
       ref_siblings},
      {"path-params", Severity::Error, "openapi-structure", R::Recommended,
       "Every {param} of a path is declared with in: path, every path parameter appears in the path, and no two paths "
       "differ only in parameter names",
       "Declare the parameter (path-level or in the operation) with in: path and required: true, or remove it; merge "
       "paths that differ only in parameter names (/pets/{id}, /pets/{petId}) into one.",
       nullptr, path_params},
      {"path-template", Severity::Error, "openapi-structure", R::Recommended,
       "Path keys start with '/', with balanced braces and each {param} once",
       "Write templates as /items/{id}; give repeated parameters distinct names.", nullptr, path_template},
      {"operation-id-unique", Severity::Error, "openapi-structure", R::Recommended,
       "Every operationId is unique in the document",
       "Rename one of the operations (tools use operationIds as function and route names).", nullptr,
       operation_id_unique},
      {"operation-id-url-safe", Severity::Warn, "openapi-structure", R::Recommended,
       "operationIds use only characters valid in a URL", "Use letters, digits and -._~ in operationIds.", nullptr,
       operation_id_url_safe},
      {"security-defined", Severity::Error, "openapi-structure", R::Recommended,
       "Security requirements name declared security schemes",
       "Declare the scheme under components.securitySchemes (securityDefinitions in 2.0), or fix the name.", nullptr,
       security_defined},
      {"security-scopes-defined", Severity::Warn, "openapi-structure", R::Recommended,
       "Scopes an operation requires are declared by its oauth2 scheme",
       "Add the scope to the scheme's flows (scopes: {name: description}), or fix the name.", nullptr,
       security_scopes_defined},
      {"server-variables", Severity::Error, "openapi-structure", R::Recommended,
       "Server URL variables are declared and used, with a default that is one of their enum values",
       "Declare each {var} of the url under variables with a default (listed in enum, if there is one).", nullptr,
       server_variables},
      {"example-valid", Severity::Error, "openapi-structure", R::Recommended,
       "Examples of parameters, bodies and headers are valid against their schemas",
       "Fix the example or the schema. Request examples may omit readOnly properties, responses writeOnly ones; "
       "null is valid for nullable schemas.",
       nullptr, example_valid},
      {"schema-example-valid", Severity::Error, "openapi-structure", R::Recommended,
       "A schema's example and default are valid against the schema itself (as a request or a response)",
       "Fix the example, the default or the schema (clients and mocks send the default).", nullptr,
       schema_example_valid},
      {"enum-type", Severity::Warn, "openapi-structure", R::Recommended, "Enum values have the schema's type",
       "Quote string values (YAML reads 1.0, true and null as other types), or fix the type.", nullptr, enum_type},
      {"enum-duplicate", Severity::Warn, "openapi-structure", R::Recommended, "Enum values are listed once",
       "Remove the repeated value.", nullptr, enum_duplicate},
      {"info-description", Severity::Warn, "openapi-practice", R::Recommended, "info has a description",
       "Describe the API under info.description (Markdown).", nullptr, info_description},
      {"operation-description", Severity::Warn, "openapi-practice", R::Recommended, "Operations have a description",
       "Add a description to the operation.", nullptr, operation_description},
      {"operation-summary", Severity::Info, "openapi-practice", R::Strict, "Operations have a summary",
       "Add a one-line summary to the operation (documentation tools use it as the title).", nullptr,
       operation_summary},
      {"operation-tags", Severity::Warn, "openapi-practice", R::Recommended, "Operations have at least one tag",
       "Add tags: [group] to the operation (documentation tools group by tag).", nullptr, operation_tags},
      {"operation-success-response", Severity::Warn, "openapi-practice", R::Recommended,
       "Operations have a 2xx (or 3xx) response", "Describe the successful response (200, 201, 204, ...).", nullptr,
       operation_success_response},
      {"operation-4xx-response", Severity::Warn, "openapi-practice", R::Recommended,
       "Operations have a 4xx response", "Describe how the operation answers bad requests (400, 404, 422, ...).",
       nullptr, operation_4xx_response},
      {"unused-component", Severity::Warn, "openapi-practice", R::Recommended,
       "Components (2.0: definitions, parameters, responses) are referenced somewhere",
       "Remove the component, or reference it where it is meant to be used.", nullptr, unused_components},
      {"path-trailing-slash", Severity::Warn, "openapi-practice", R::Recommended, "Paths do not end with a slash",
       "Remove the trailing slash (most gateways treat /a and /a/ as different routes).", nullptr,
       path_trailing_slash},
      {"path-query", Severity::Error, "openapi-practice", R::Recommended, "Paths do not contain a query string",
       "Remove ?... from the path and declare the query parameters with in: query.", nullptr, path_query},
      {"path-verbs", Severity::Hint, "openapi-practice", R::Strict, "Path segments are nouns, not verbs",
       "Name the resource (/users) and let the method say what happens (POST /users, not /createUser).", nullptr,
       path_verbs},
      {"markdown-unsafe", Severity::Warn, "openapi-practice", R::Recommended,
       "Descriptions, summaries and titles contain no <script> tags, javascript: links or eval(",
       "Remove the script; documentation renderers may execute it in readers' browsers.", nullptr, markdown_unsafe},
  };
  return rules;
}

}  // namespace apigw::lint
