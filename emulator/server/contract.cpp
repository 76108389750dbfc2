#include "emulator/server/contract.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "emulator/doc/tape.hpp"
#include "emulator/mock/generate.hpp"
#include "emulator/schema/source.hpp"
#include "emulator/server/gateway.hpp"
#include "emulator/util/text.hpp"

namespace apigw::server {

namespace {

using openapi::Located;

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return std::string(s.substr(b, e - b));
}

// "application/json; charset=utf-8" -> "application/json".
std::string base_media_type(std::string_view m) {
  return util::to_lower(trim(m.substr(0, m.find(';'))));
}

bool is_json_media(const std::string& base) {
  return base == "application/json" || base == "*/*" ||
         (base.size() > 5 && base.compare(base.size() - 5, 5, "+json") == 0) || base == "text/json";
}

// Does the media range `range` ("*/*", "application/*", "application/json") cover `type`?
bool covers(const std::string& range, const std::string& type) {
  if (range == "*/*" || range == type) return true;
  if (range.size() > 2 && range.compare(range.size() - 2, 2, "/*") == 0)
    return type.compare(0, range.size() - 1, range, 0, range.size() - 1) == 0;
  return false;
}

// The schema's type when it is plain ("integer", "array", ...), following $ref and allOf; "" when it says none.
std::string type_of(const openapi::Spec& spec, Located s, int depth = 0) {
  if (depth > 16) return "";
  s = spec.deref(s, nullptr);
  if (!s || !s.node->is_object()) return "";
  if (const doc::Node* t = s.node->find("type")) {
    if (t->is_string()) return t->as_string();
    if (t->is_array())
      for (const auto& item : t->items())
        if (item.is_string() && item.as_string() != "null") return item.as_string();
  }
  if (const doc::Node* all = s.node->find("allOf"); all && all->is_array())
    for (const auto& branch : all->items())
      if (auto t = type_of(spec, {&branch, s.file}, depth + 1); !t.empty()) return t;
  if (s.node->find("properties")) return "object";
  if (s.node->find("items")) return "array";
  return "";
}

Located items_of(const openapi::Spec& spec, Located s) {
  s = spec.deref(s, nullptr);
  if (!s || !s.node->is_object()) return {};
  const doc::Node* items = s.node->find("items");
  return items ? Located{items, s.file} : Located{};
}

// A parameter's text as the JSON value its schema type asks for; text that does not parse stays a string, so the
// validator says "expected integer, got string \"abc\"".
doc::Node coerce_scalar(const std::string& type, const std::string& text) {
  if (type == "integer" || type == "number") {
    int64_t i = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), i);
    if (ec == std::errc() && p == text.data() + text.size() && !text.empty()) return doc::Node::integer(i, {});
    if (!text.empty() && text.find_first_not_of("0123456789+-.eE") == std::string::npos) {
      char* end = nullptr;
      double d = std::strtod(text.c_str(), &end);
      if (end == text.c_str() + text.size()) return doc::Node::number(d, {});
    }
  } else if (type == "boolean") {
    if (text == "true") return doc::Node::boolean(true, {});
    if (text == "false") return doc::Node::boolean(false, {});
  } else if (type == "null" && text.empty()) {
    return doc::Node::null({});
  }
  return doc::Node::string(text, {});
}

std::vector<std::string> split(const std::string& text, char delimiter) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t at = text.find(delimiter, start);
    out.push_back(text.substr(start, at - start));
    if (at == std::string::npos) break;
    start = at + 1;
  }
  return out;
}

// A JSON body parsed into the server thread's own tape, kept from one request to the next so that a body needs no
// allocation (and touches no fresh pages) once the thread has seen one as large; a tape grown past 8 MB by a big body
// is given back afterwards.
class BodyTape {
 public:
  explicit BodyTape(std::string_view text)
      : tape_(!shared().busy ? &shared().tape : &own_), owner_(tape_ == &shared().tape) {
    if (owner_) shared().busy = true;  // one at a time: a second one alive in the thread parses into its own
    ok_ = doc::parse_json_tape(text, *tape_, issues_);
  }
  ~BodyTape() {
    if (!owner_) return;
    if (tape_->capacity_bytes() > (size_t{8} << 20)) *tape_ = doc::Tape();
    shared().busy = false;
  }
  BodyTape(const BodyTape&) = delete;
  BodyTape& operator=(const BodyTape&) = delete;
  bool ok() const { return ok_; }
  doc::Value root() const { return tape_->root(); }
  const std::vector<doc::ParseIssue>& issues() const { return issues_; }

 private:
  struct Shared {
    doc::Tape tape;
    bool busy = false;
  };
  static Shared& shared() {
    thread_local Shared s;
    return s;
  }
  doc::Tape own_;
  doc::Tape* tape_;
  bool owner_;
  bool ok_ = false;
  std::vector<doc::ParseIssue> issues_;
};

std::string parse_error_text(const std::vector<doc::ParseIssue>& issues) {
  for (const auto& issue : issues)
    if (issue.fatal) return "line " + std::to_string(issue.mark.line) + ", column " + std::to_string(issue.mark.col) + ": " + issue.message;
  return "unreadable";
}

std::string serialize(const nlohmann::ordered_json& value, const std::string& media) {
  if (value.is_string() && !is_json_media(base_media_type(media))) return value.get<std::string>();
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Parses application/x-www-form-urlencoded text into an object, each value typed by its property's schema.
doc::Node parse_form(const openapi::Spec& spec, Located schema, const std::string& body) {
  doc::Node out = doc::Node::object({});
  Located s = spec.deref(schema, nullptr);
  const doc::Node* props = s && s.node->is_object() ? s.node->find("properties") : nullptr;
  for (const auto& pair : split(body, '&')) {
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    auto decode = [](std::string v) {
      std::replace(v.begin(), v.end(), '+', ' ');
      return router::percent_decode(v);
    };
    std::string key = decode(pair.substr(0, eq));
    std::string value = eq == std::string::npos ? "" : decode(pair.substr(eq + 1));
    std::string type;
    if (props && props->is_object())
      if (const doc::Node* p = props->find(key)) type = type_of(spec, {p, s.file});
    if (type == "array") {
      doc::Node* existing = nullptr;
      for (auto& m : out.members())
        if (m.key == key) existing = &m.value;
      Located items = items_of(spec, {props->find(key), s.file});
      doc::Node item = coerce_scalar(type_of(spec, items), value);
      if (existing) {
        existing->items().push_back(std::move(item));
      } else {
        doc::Node arr = doc::Node::array({});
        arr.items().push_back(std::move(item));
        out.members().push_back({key, {}, std::move(arr)});
      }
    } else {
      out.members().push_back({key, {}, coerce_scalar(type, value)});
    }
  }
  return out;
}

// Prism's selection: Prefer (code, example, dynamic, seed) over the __code, __example, __dynamic, __seed query
// parameters.
struct Selection {
  std::optional<int> code;
  std::string example;
  std::optional<bool> dynamic;
  std::optional<uint64_t> seed;
  std::string error;  // a value that does not parse
};

void apply_preference(Selection& sel, const std::string& key, const std::string& value) {
  auto number = [&](int64_t lo, int64_t hi) -> std::optional<int64_t> {
    int64_t v = 0;
    auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc() || p != value.data() + value.size() || v < lo || v > hi) return std::nullopt;
    return v;
  };
  if (key == "code") {
    if (auto v = number(100, 599)) sel.code = static_cast<int>(*v);
    else sel.error = "code must be an HTTP status from 100 to 599, got '" + value + "'";
  } else if (key == "example") {
    sel.example = value;
  } else if (key == "dynamic") {
    if (value == "true" || value == "false") sel.dynamic = value == "true";
    else sel.error = "dynamic must be true or false, got '" + value + "'";
  } else if (key == "seed") {
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec == std::errc() && p == value.data() + value.size()) sel.seed = v;
    else sel.error = "seed must be a non-negative integer, got '" + value + "'";
  }  // delay and fault apply to every route: the gateway reads them (fault.hpp)
}

Selection read_selection(const httplib::Request& req) {
  Selection sel;
  for (const char* key : {"code", "example", "dynamic", "seed"}) {
    std::string name = std::string("__") + key;
    if (req.has_param(name)) apply_preference(sel, key, req.get_param_value(name));
  }
  // Prefer: code=404, example=cat; dynamic=true (RFC 7240 separates preferences with commas; Prism's docs use both).
  for (const auto& [name, value] : req.headers) {
    if (util::to_lower(name) != "prefer") continue;
    std::string tokens = value;
    std::replace(tokens.begin(), tokens.end(), ';', ',');
    for (const auto& token : split(tokens, ',')) {
      size_t eq = token.find('=');
      if (eq == std::string::npos) continue;
      std::string v = trim(token.substr(eq + 1));
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      apply_preference(sel, util::to_lower(trim(token.substr(0, eq))), v);
    }
  }
  return sel;
}

struct AcceptRange {
  std::string range;
  double q = 1;
};

std::vector<AcceptRange> parse_accept(const std::string& header) {
  std::vector<AcceptRange> out;
  for (const auto& part : split(header, ',')) {
    auto pieces = split(part, ';');
    AcceptRange r{base_media_type(pieces[0]), 1};
    if (r.range.empty()) continue;
    for (size_t i = 1; i < pieces.size(); ++i) {
      std::string p = trim(pieces[i]);
      if (p.rfind("q=", 0) == 0) r.q = std::atof(p.c_str() + 2);
    }
    out.push_back(r);
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.q > b.q; });
  return out;
}

uint64_t fresh_seed() {
  static std::atomic<uint64_t> counter{static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count())};
  uint64_t x = counter.fetch_add(0x9E3779B97F4A7C15ull) + 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;  // splitmix64: spread consecutive values
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return (x ^ (x >> 31)) % 1'000'000'000;  // short enough to type back in __seed
}

void add_violations(std::vector<Violation>& out, const std::vector<schema::Error>& errors, const std::string& location) {
  for (const auto& e : errors) out.push_back({location, e.instance_location, e.message});
}

}  // namespace

// ---- building -----------------------------------------------------------------------------------------------------

namespace {

std::string server_base_path(const openapi::Model& model) {
  if (model.servers.empty()) return "";
  std::string url = model.servers[0].url;
  if (auto scheme = url.find("://"); scheme != std::string::npos) {
    size_t slash = url.find('/', scheme + 3);
    url = slash == std::string::npos ? "" : url.substr(slash);
  }
  if (auto q = url.find_first_of("?#"); q != std::string::npos) url.resize(q);
  while (!url.empty() && url.back() == '/') url.pop_back();
  return !url.empty() && url[0] == '/' ? url : "";
}

const openapi::Operation* find_operation(const openapi::Model& model, const std::string& name) {
  for (const auto& op : model.operations)
    if (op.operation_id == name) return &op;
  // "GET /pets/{petId}", as the spec writes the path.
  size_t space = name.find(' ');
  if (space == std::string::npos) return nullptr;
  std::string method = util::to_upper(name.substr(0, space));
  std::string path = trim(name.substr(space + 1));
  for (const auto& op : model.operations) {
    std::string m = op.method == "x-amazon-apigateway-any-method" ? "ANY" : util::to_upper(op.method);
    if (m == method && op.path == path) return &op;
  }
  return nullptr;
}

}  // namespace

std::shared_ptr<const Contracts> Contracts::build(const model::Config& config, diag::Diagnostics& out,
                                                  const std::map<std::string, std::shared_ptr<const openapi::Spec>>& loaded) {
  auto c = std::make_shared<Contracts>();
  c->by_route_.assign(config.routes.size(), nullptr);
  std::map<std::string, LinkedSpec*> specs;  // by path as the routes name it
  std::map<const openapi::Operation*, const Contract*> made;
  bool ok = true;
  for (size_t i = 0; i < config.routes.size(); ++i) {
    const auto& route = config.routes[i];
    if (route.operation.empty()) continue;
    const std::string& path = route.openapi.empty() ? config.openapi : route.openapi;
    const std::string& file = route.file.empty() ? config.file : route.file;
    auto it = specs.find(path);
    if (it == specs.end()) {
      auto linked = std::make_unique<LinkedSpec>();
      if (auto l = loaded.find(path); l != loaded.end()) {
        linked->spec = l->second;
      } else {
        diag::Diagnostics ds;
        auto spec = openapi::Spec::load(path, ds);
        if (spec) spec->check_references(ds);
        if (!spec || diag::has_errors(ds)) {
          for (auto& d : ds) out.push_back(std::move(d));
          out.push_back({diag::Severity::Error, "config-reference", file, route.operation_mark,
                         route.key_path + ".operation",
                         "names an operation of '" + path + "', which has errors (listed above)"});
          specs.emplace(path, nullptr);
          ok = false;
          continue;
        }
        linked->spec = std::shared_ptr<const openapi::Spec>(std::move(spec));
      }
      linked->model = std::make_unique<openapi::Model>(openapi::normalize(*linked->spec, nullptr));
      linked->base_path = server_base_path(*linked->model);
      it = specs.emplace(path, linked.get()).first;
      c->specs_.push_back(std::move(linked));
    }
    if (!it->second) continue;  // that spec failed to load; reported once
    const LinkedSpec& linked = *it->second;
    const openapi::Operation* found = find_operation(*linked.model, route.operation);
    if (!found) {
      std::vector<std::string_view> ids;
      for (const auto& op : linked.model->operations)
        if (!op.operation_id.empty()) ids.push_back(op.operation_id);
      std::string suggestion = util::nearest(route.operation, ids);
      out.push_back({diag::Severity::Error, "config-reference", file, route.operation_mark,
                     route.key_path + ".operation",
                     "no operation '" + route.operation + "' in " + path +
                         (suggestion.empty() ? " (name an operationId, or 'METHOD /path' as the spec writes it)"
                                             : " (did you mean '" + suggestion + "'?)")});
      ok = false;
      continue;
    }
    auto& contract = made[found];
    if (!contract) {
      c->contracts_.push_back(std::make_unique<Contract>(linked, *found));
      contract = c->contracts_.back().get();
    }
    c->by_route_[i] = contract;
  }
  if (!ok) return nullptr;
  return c;
}

std::vector<std::string> Contracts::files() const {
  std::vector<std::string> out;
  for (const auto& s : specs_)
    for (auto& f : s->spec->files()) out.push_back(std::move(f));
  return out;
}

const Contract::Compiled& Contract::compiled() const {
  std::call_once(once_, [this] { compiled_ = std::make_unique<Compiled>(compile()); });
  return *compiled_;
}

Contract::Media Contract::compile_media(const openapi::MediaType& m, const std::string& label,
                                        schema::Direction direction) const {
  Media out;
  out.spec = &m;
  const openapi::Spec& spec = *spec_.spec;
  if (m.schema) {
    std::vector<std::string> errors;
    out.schema = schema::compile_located(spec_.spec, m.schema, label, {}, errors);
    if (!out.schema && !errors.empty())
      std::cerr << "apigw serve: warning: " << op_.key_path << ": schema not checked: " << errors.front() << "\n";
  }
  if (direction == schema::Direction::Response) {
    if (!m.examples.empty()) {
      out.static_body = serialize(m.examples[0].value.node->to_ordered_json(), m.name);
      out.has_static_body = true;
    } else if (m.schema) {
      out.static_body = serialize(mock::generate(spec, m.schema, {}), m.name);
      out.has_static_body = true;
    }
  }
  return out;
}

Contract::Compiled Contract::compile() const {
  std::lock_guard lock(spec_.compile_mutex);
  const openapi::Spec& spec = *spec_.spec;
  Compiled c;
  std::string base = "/paths/" + schema::escape_pointer_token(op_.path) + "/" + op_.method;
  for (size_t i = 0; i < op_.parameters.size(); ++i) {
    const auto& p = op_.parameters[i];
    Param param;
    param.spec = &p;
    if (p.schema) {
      std::vector<std::string> errors;
      param.schema = schema::compile_located(spec_.spec, p.schema, base + "/parameters/" + std::to_string(i), {}, errors);
      if (!param.schema && !errors.empty())
        std::cerr << "apigw serve: warning: " << op_.key_path << ": parameter '" << p.name
                  << "' not checked: " << errors.front() << "\n";
      param.type = type_of(spec, p.schema);
      if (param.type == "array") param.item_type = type_of(spec, items_of(spec, p.schema));
    }
    c.params.push_back(std::move(param));
  }
  if (op_.request_body)
    for (const auto& m : op_.request_body->content)
      c.body.push_back(compile_media(m, base + "/requestBody/content/" + schema::escape_pointer_token(m.name) + "/schema",
                                     schema::Direction::Request));
  for (const auto& r : op_.responses) {
    Response out;
    out.spec = &r;
    for (const auto& m : r.content)
      out.content.push_back(compile_media(
          m, base + "/responses/" + r.code + "/content/" + schema::escape_pointer_token(m.name) + "/schema",
          schema::Direction::Response));
    for (const auto& h : r.headers) {
      std::string lower = util::to_lower(h.name);
      if (lower == "content-type" || lower == "content-length" || lower == "transfer-encoding") continue;
      nlohmann::ordered_json value;
      if (!h.examples.empty()) value = h.examples[0].value.node->to_ordered_json();
      else if (h.schema) value = mock::generate(spec, h.schema, {});
      else continue;
      out.headers.emplace_back(h.name, value.is_string() ? value.get<std::string>() : value.dump());
    }
    c.responses.push_back(std::move(out));
  }
  return c;
}

// ---- requests -----------------------------------------------------------------------------------------------------

RequestVerdict Contract::check_request(const httplib::Request& req, const router::Params& params) const {
  const Compiled& c = compiled();
  RequestVerdict v;
  schema::ValidateOptions options;
  options.max_errors = 10;
  options.direction = schema::Direction::Request;

  for (const auto& p : c.params) {
    const auto& sp = *p.spec;
    std::vector<std::string> values;
    bool present = false;
    if (sp.in == "path") {
      for (const auto& [name, value] : params)
        if (name == sp.name) {
          values.push_back(value);
          present = true;
        }
    } else if (sp.in == "query") {
      if (sp.style == "deepObject") {
        present = std::any_of(req.params.begin(), req.params.end(),
                              [&](const auto& kv) { return kv.first.rfind(sp.name + "[", 0) == 0; });
        if (present) continue;  // deepObject values are not type-checked yet (presence only)
      }
      auto range = req.params.equal_range(sp.name);
      for (auto it = range.first; it != range.second; ++it) values.push_back(it->second);
      present = !values.empty();
    } else if (sp.in == "header") {
      std::string lower = util::to_lower(sp.name);
      if (lower == "accept" || lower == "content-type" || lower == "authorization") continue;  // OpenAPI ignores these
      auto range = req.headers.equal_range(sp.name);
      for (auto it = range.first; it != range.second; ++it) values.push_back(it->second);
      present = !values.empty();
    } else if (sp.in == "cookie") {
      for (const auto& [name, header] : req.headers) {
        if (util::to_lower(name) != "cookie") continue;
        for (const auto& pair : split(header, ';')) {
          std::string t = trim(pair);
          if (t.compare(0, sp.name.size() + 1, sp.name + "=") == 0) {
            values.push_back(t.substr(sp.name.size() + 1));
            present = true;
          }
        }
      }
    }
    std::string location = sp.in + "." + sp.name;
    if (!present) {
      if (sp.required) v.violations.push_back({location, "", "missing required " + sp.in + " parameter '" + sp.name + "'"});
      continue;
    }
    if (!p.schema) continue;
    doc::Node value;
    if (p.type == "array") {
      std::vector<std::string> items = values;
      if (values.size() == 1 && !(sp.in == "query" && sp.explode)) {
        char delimiter = sp.style == "spaceDelimited" ? ' ' : sp.style == "pipeDelimited" ? '|' : ',';
        items = values[0].empty() ? std::vector<std::string>{} : split(values[0], delimiter);
      }
      value = doc::Node::array({});
      for (const auto& item : items) value.items().push_back(coerce_scalar(p.item_type, item));
    } else if (p.type == "object") {
      continue;  // form/simple-serialised objects are not type-checked yet (presence only)
    } else {
      std::string text = values[0];
      if (sp.in == "path" && sp.style == "label" && !text.empty() && text[0] == '.') text.erase(0, 1);
      if (sp.in == "path" && sp.style == "matrix" && text.rfind(";" + sp.name + "=", 0) == 0)
        text.erase(0, sp.name.size() + 2);
      value = coerce_scalar(p.type, text);
    }
    add_violations(v.violations, p.schema->validate(value, options), location);
  }

  if (op_.request_body) {
    std::string content_type = req.get_header_value("Content-Type");
    if (req.body.empty()) {
      if (op_.request_body->required) v.violations.push_back({"body", "", "the request body is required"});
    } else if (!c.body.empty()) {
      std::string type = base_media_type(content_type);
      const Media* media = nullptr;
      if (type.empty() && c.body.size() == 1) media = &c.body[0];  // no Content-Type: the only one it takes
      for (int pass = 0; pass < 2 && !media && !type.empty(); ++pass)  // exact media types, then ranges
        for (const auto& m : c.body) {
          std::string spec_type = base_media_type(m.spec->name);
          if (pass == 0 ? spec_type == type : covers(spec_type, type)) {
            media = &m;
            break;
          }
        }
      if (!media) {
        std::string accepted;
        for (const auto& m : c.body) accepted += (accepted.empty() ? "" : ", ") + m.spec->name;
        v.status = 415;
        v.violations.push_back({"header.content-type", "",
                                (type.empty() ? std::string("no Content-Type") : "media type '" + type + "'") +
                                    " is not accepted (the operation takes " + accepted + ")"});
        return v;
      }
      std::string spec_type = base_media_type(media->spec->name);
      if (media->schema && is_json_media(spec_type) && (type.empty() || is_json_media(type))) {
        BodyTape d(req.body);
        if (!d.ok()) {
          v.status = 400;
          v.violations.push_back({"body", "", "the body is not valid JSON: " + parse_error_text(d.issues())});
          return v;
        }
        // Most bodies are valid: the fast yes/no walk first, the one that gathers errors only when it says no.
        if (!media->schema->is_valid(d.root(), options.direction))
          add_violations(v.violations, media->schema->validate(d.root(), options), "body");
      } else if (media->schema && spec_type == "application/x-www-form-urlencoded") {
        add_violations(v.violations, media->schema->validate(parse_form(*spec_.spec, media->spec->schema, req.body), options),
                       "body");
      }
    }
  }
  if (!v.violations.empty() && v.status == 0) v.status = 422;
  return v;
}

// ---- responses ----------------------------------------------------------------------------------------------------

void Contract::respond(const httplib::Request& req, httplib::Response& res, const RequestVerdict* verdict) const {
  const Compiled& c = compiled();
  if (op_.deprecated) res.set_header("Deprecation", "true");

  if (verdict && verdict->status) {
    // Prism: the operation's own response for that status (or its range), else a generated problem.
    const Response* own = nullptr;
    std::string code = std::to_string(verdict->status), range = code.substr(0, 1) + "XX";
    for (const auto& r : c.responses)
      if (r.spec->code == code) own = &r;
    for (const auto& r : c.responses)
      if (!own && util::to_upper(r.spec->code) == range) own = &r;
    if (own) {
      res.set_header("x-apigw-violations", violations_header(verdict->violations));
      answer(*own, verdict->status, req, res, "", std::nullopt);
    } else {
      std::string name = op_.operation_id.empty() ? util::to_upper(op_.method) + " " + op_.path : op_.operation_id;
      set_violations_problem(res, *verdict, mismatch_detail("the request", name, verdict->violations.size()));
    }
    return;
  }

  Selection sel = read_selection(req);
  if (!sel.error.empty()) {
    set_problem(res, 422, "Unprocessable Entity", "bad response selection: " + sel.error);
    return;
  }

  std::string codes;
  for (const auto& r : c.responses) codes += (codes.empty() ? "" : ", ") + r.spec->code;
  const Response* pick = nullptr;
  int status = 0;
  if (sel.code) {
    std::string code = std::to_string(*sel.code), range = code.substr(0, 1) + "XX";
    for (const auto& r : c.responses)
      if (r.spec->code == code) pick = &r;
    for (const auto& r : c.responses)
      if (!pick && util::to_upper(r.spec->code) == range) pick = &r;
    for (const auto& r : c.responses)
      if (!pick && r.spec->code == "default") pick = &r;
    if (!pick) {
      set_problem(res, 404, "Not Found",
                  "the operation defines no response for status " + code + " (it defines " +
                      (codes.empty() ? std::string("none") : codes) + ")");
      return;
    }
    status = *sel.code;
  } else {
    for (const auto& r : c.responses) {
      const std::string& code = r.spec->code;
      int n = 0;
      if (code.size() == 3 && code[0] == '2') n = util::to_upper(code) == "2XX" ? 200 : std::atoi(code.c_str());
      if (n >= 200 && n < 300 && (!pick || n < status)) {
        pick = &r;
        status = n;
      }
    }
    for (const auto& r : c.responses)
      if (!pick && r.spec->code == "default") {
        pick = &r;
        status = 200;
      }
    if (!pick && !c.responses.empty()) {
      pick = &c.responses[0];
      status = std::atoi(pick->spec->code.c_str());
      if (status < 100 || status > 599) status = pick->spec->code[0] >= '1' && pick->spec->code[0] <= '5'
                                                     ? (pick->spec->code[0] - '0') * 100
                                                     : 200;
    }
    if (!pick) {
      set_problem(res, 500, "Internal Server Error", "the operation defines no responses to mock");
      return;
    }
  }
  std::optional<uint64_t> seed;
  if (sel.dynamic.value_or(false) || sel.seed) seed = sel.seed ? *sel.seed : fresh_seed();
  answer(*pick, status, req, res, sel.example, seed);
}

void Contract::answer(const Response& r, int status, const httplib::Request& req, httplib::Response& res,
                      const std::string& example, std::optional<uint64_t> seed) const {
  for (const auto& [name, value] : r.headers) res.set_header(name, value);
  res.status = status;
  if (r.content.empty()) {
    if (!example.empty())
      set_problem(res, 404, "Not Found", "no example named '" + example + "': the response has no content");
    return;
  }
  // Content negotiation: the best Accept range the response has; no Accept prefers JSON.
  const Media* media = nullptr;
  std::string accept = req.get_header_value("Accept");
  auto prefer_json = [&]() -> const Media* {
    for (const auto& m : r.content)
      if (is_json_media(base_media_type(m.spec->name))) return &m;
    return &r.content[0];
  };
  if (accept.empty()) {
    media = prefer_json();
  } else {
    for (const auto& a : parse_accept(accept)) {
      if (a.q <= 0) continue;
      if (a.range == "*/*") media = prefer_json();
      for (const auto& m : r.content) {
        if (media) break;
        std::string t = base_media_type(m.spec->name);
        if (covers(a.range, t) || covers(t, a.range)) media = &m;
      }
      if (media) break;
    }
    if (!media) {
      if (status == 204) return;
      std::string offered;
      for (const auto& m : r.content) offered += (offered.empty() ? "" : ", ") + m.spec->name;
      set_problem(res, 406, "Not Acceptable", "no response media type matches Accept: " + accept + " (the operation offers " + offered + ")");
      return;
    }
  }
  std::string type = media->spec->name;
  if (type.find('*') != std::string::npos) type = "application/json";
  std::string body;
  if (!example.empty()) {
    const openapi::Example* found = nullptr;
    std::string names;
    for (const auto& e : media->spec->examples) {
      if (e.name == example) found = &e;
      names += (names.empty() ? "" : ", ") + (e.name.empty() ? std::string("(unnamed)") : e.name);
    }
    if (!found) {
      res.headers.erase("Deprecation");
      set_problem(res, 404, "Not Found",
                  "no example named '" + example + "' for " + media->spec->name +
                      (names.empty() ? std::string(" (it has none)") : " (it has " + names + ")"));
      return;
    }
    body = serialize(found->value.node->to_ordered_json(), type);
  } else if (seed && media->spec->schema) {
    mock::GenerateOptions options;
    options.dynamic = true;
    options.seed = *seed;
    body = serialize(mock::generate(*spec_.spec, media->spec->schema, options), type);
    res.set_header("x-apigw-seed", std::to_string(*seed));
  } else if (media->has_static_body) {
    body = media->static_body;
  }
  if (status == 204 || status == 304 || status < 200) return;
  res.set_content(body, type);
}

std::vector<Violation> Contract::check_response(int status, const std::string& content_type,
                                                const std::string& body) const {
  const Compiled& c = compiled();
  std::vector<Violation> out;
  std::string code = std::to_string(status), range = code.substr(0, 1) + "XX";
  const Response* r = nullptr;
  for (const auto& x : c.responses)
    if (x.spec->code == code) r = &x;
  for (const auto& x : c.responses)
    if (!r && util::to_upper(x.spec->code) == range) r = &x;
  for (const auto& x : c.responses)
    if (!r && x.spec->code == "default") r = &x;
  if (!r) {
    out.push_back({"status", "", "the operation defines no response for status " + code});
    return out;
  }
  if (r->content.empty() || body.empty()) return out;
  std::string type = base_media_type(content_type);
  const Media* media = nullptr;
  for (const auto& m : r->content)
    if (!media && covers(base_media_type(m.spec->name), type)) media = &m;
  if (!media) {
    out.push_back({"header.content-type", "", "media type '" + type + "' is not one the spec defines for status " + code});
    return out;
  }
  if (media->schema && is_json_media(type)) {
    BodyTape d(body);
    if (!d.ok()) {
      out.push_back({"body", "", "the body is not valid JSON: " + parse_error_text(d.issues())});
      return out;
    }
    schema::ValidateOptions options;
    options.max_errors = 10;
    options.direction = schema::Direction::Response;
    if (!media->schema->is_valid(d.root(), options.direction))
      add_violations(out, media->schema->validate(d.root(), options), "body");
  }
  return out;
}

std::string violations_header(const std::vector<Violation>& violations, size_t limit) {
  nlohmann::json all = nlohmann::json::array();
  std::string text = "[]";
  for (const auto& v : violations) {
    all.push_back({{"location", v.location}, {"pointer", v.pointer}, {"message", v.message}});
    std::string next = all.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);  // ASCII: header-safe
    if (next.size() > limit) break;
    text = std::move(next);
  }
  return text;
}

std::string mismatch_detail(const char* what, const std::string& operation, size_t count) {
  return std::string(what) + " does not match operation '" + operation + "' (" + std::to_string(count) +
         (count == 1 ? " violation)" : " violations)");
}

void set_violations_problem(httplib::Response& res, const RequestVerdict& verdict, const std::string& detail) {
  const char* title = verdict.status == 415   ? "Unsupported Media Type"
                      : verdict.status == 400 ? "Bad Request"
                      : verdict.status == 502 ? "Bad Gateway"
                                              : "Unprocessable Entity";
  nlohmann::json list = nlohmann::json::array();
  for (const auto& v : verdict.violations) {
    nlohmann::json item = {{"location", v.location}, {"severity", "error"}, {"message", v.message}};
    if (!v.pointer.empty()) item["pointer"] = v.pointer;
    list.push_back(std::move(item));
  }
  nlohmann::json body = {{"type", "about:blank"},
                         {"title", title},
                         {"status", verdict.status},
                         {"detail", detail},
                         {"validation", list}};
  res.status = verdict.status;
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/problem+json");
}

}  // namespace apigw::server
