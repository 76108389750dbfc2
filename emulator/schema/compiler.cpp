// Schema compilation: index every schema resource and anchor, then decode each schema object once into a Node,
// resolving $ref/$dynamicRef to node pointers (memoised by address, so recursive schemas become cycles).
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <mutex>
#include <set>
#include <unordered_map>

#include "emulator/openapi/spec.hpp"
#include "emulator/schema/compiled.hpp"
#include "emulator/schema/uri.hpp"
#include "emulator/schema/value.hpp"

namespace apigw::schema {

const char* dialect_name(Dialect d) {
  switch (d) {
    case Dialect::Draft4:
      return "draft4";
    case Dialect::OpenApi30:
      return "oas3.0";
    case Dialect::Draft2020:
      return "2020-12";
  }
  return "?";
}

bool parse_dialect(std::string_view text, Dialect& out) {
  if (text == "draft4" || text == "draft-04")
    out = Dialect::Draft4;
  else if (text == "oas3.0" || text == "openapi3.0")
    out = Dialect::OpenApi30;
  else if (text == "2020-12" || text == "draft2020-12")
    out = Dialect::Draft2020;
  else
    return false;
  return true;
}

std::optional<Dialect> dialect_from_schema_uri(std::string_view u) {
  if (u.find("json-schema.org/draft-04/") != std::string_view::npos) return Dialect::Draft4;
  if (u.find("json-schema.org/draft/2020-12/") != std::string_view::npos) return Dialect::Draft2020;
  if (u.find("spec.openapis.org/oas/3.1/dialect") != std::string_view::npos) return Dialect::Draft2020;
  return std::nullopt;
}

std::string file_uri(const std::string& path) {
  std::error_code ec;
  auto abs = std::filesystem::absolute(path, ec).lexically_normal().generic_string();
  std::string out = "file://";
  for (char c : abs) {
    if (c == ' ')
      out += "%20";
    else if (c == '#')
      out += "%23";
    else if (c == '%')
      out += "%25";
    else
      out += c;
  }
  return out;
}

std::string escape_pointer_token(std::string_view token) {
  std::string out;
  for (char c : token) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

void analyse_pattern(Regex& r) {
  const std::string& p = r.source;
  auto literal_char = [](char c) {
    return std::string_view("\\^$.|?*+()[]{}").find(c) == std::string_view::npos &&
           static_cast<unsigned char>(c) < 0x80;
  };
  // Literal text, with "\\." style escapes of punctuation.
  auto literal = [&](size_t from, size_t to, std::string& out) {
    for (size_t i = from; i < to; ++i) {
      if (p[i] == '\\') {
        if (i + 1 >= to) return false;
        char e = p[i + 1];
        bool alnum = (e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9');
        if (alnum || static_cast<unsigned char>(e) >= 0x80) return false;
        out += e;
        ++i;
      } else if (literal_char(p[i])) {
        out += p[i];
      } else {
        return false;
      }
    }
    return true;
  };
  std::string lit;
  if (!p.empty() && p[0] == '^' && literal(1, p.size(), lit)) {
    r.shape = Regex::Shape::Prefix;
    r.literal = lit;
    return;
  }
  lit.clear();
  if (!p.empty() && literal(0, p.size(), lit)) {
    r.shape = Regex::Shape::Contains;
    r.literal = lit;
    return;
  }
  // ^[...]+$ / ^[...]*$ with ASCII ranges, literals and \\d \\w escapes.
  if (p.size() < 6 || p.substr(0, 2) != "^[" || p.back() != '$' || (p[p.size() - 2] != '+' && p[p.size() - 2] != '*') ||
      p[p.size() - 3] != ']')
    return;
  std::bitset<256> set;
  size_t end = p.size() - 3;
  size_t i = 2;
  if (i < end && p[i] == '^') return;
  std::vector<int> members;
  while (i < end) {
    int c = static_cast<unsigned char>(p[i]);
    if (c >= 0x80 || c == '[') return;
    if (c == '\\') {
      if (i + 1 >= end) return;
      char e = p[i + 1];
      i += 2;
      if (e == 'd') {
        for (int d = '0'; d <= '9'; ++d) set[static_cast<size_t>(d)] = true;
        continue;
      }
      if (e == 'w') {
        for (int d = 0; d < 128; ++d)
          if ((d >= '0' && d <= '9') || (d >= 'a' && d <= 'z') || (d >= 'A' && d <= 'Z') || d == '_')
            set[static_cast<size_t>(d)] = true;
        continue;
      }
      bool alnum = (e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9');
      if (alnum || static_cast<unsigned char>(e) >= 0x80) return;
      c = e;
    } else {
      ++i;
    }
    if (i + 1 < end && p[i] == '-' && p[i + 1] != '\\') {
      int hi = static_cast<unsigned char>(p[i + 1]);
      if (hi >= 0x80 || hi < c) return;
      for (int d = c; d <= hi; ++d) set[static_cast<size_t>(d)] = true;
      i += 2;
      continue;
    }
    set[static_cast<size_t>(c)] = true;
  }
  r.shape = Regex::Shape::ClassRun;
  r.allowed = set;
  r.allow_empty = p[p.size() - 2] == '*';
}

void Node::link() {
  for (const auto& p : properties) {
    const Node* n = p.schema;
    for (int hops = 0; n && hops < 16 && !directional; ++hops, n = n->ref) directional = n->read_only || n->write_only;
  }
  for (auto& slot : property_slots) {
    if (slot.index == 0) continue;
    const Node* t = properties[slot.index - 1].schema;
    for (int hops = 0; t && t->ref_only && t->ref && hops < 16; ++hops) t = t->ref;
    if (t && t->ref_only) t = properties[slot.index - 1].schema;  // a chain too long (or a cycle): left as it is
    slot.target = t;
    slot.type_only = t && t->leaf && !t->has_value_keywords && !t->integral_floats;
    slot.kinds = t ? t->kinds : 0;
    slot.string_enum = t && t->leaf && t->string_enum_only;
    slot.required_bit = 0;
  }
  required_slotted = 0;
  required_unslotted.clear();
  required_by_slots = required.size() <= k_max_slotted_required;
  if (required_by_slots)
    for (const auto& name : required) {
      if (const PropertySlot* found = find_slot(name)) {
        auto& slot = property_slots[static_cast<size_t>(found - property_slots.data())];
        if (slot.required_bit == 0) slot.required_bit = static_cast<uint16_t>(++required_slotted);
      } else if (std::find(required_unslotted.begin(), required_unslotted.end(), name) == required_unslotted.end()) {
        required_unslotted.push_back(name);
      }
    }
}

void Node::summarise() {
  has_number_keywords = minimum || maximum || exclusive_minimum || exclusive_maximum || multiple_of ||
                        format == format::Id::Int32 || format == format::Id::Int64;
  has_string_keywords = min_length >= 0 || max_length >= 0 || pattern || format != format::Id::None;
  has_array_keywords = min_items >= 0 || max_items >= 0 || unique_items || !prefix_items.empty() || items || contains;
  has_object_keywords = min_props >= 0 || max_props >= 0 || !properties.empty() || !pattern_properties.empty() ||
                        additional_properties || !required.empty() || !dependent_required.empty() ||
                        !dependent_schemas.empty() || property_names;
  has_applicators = !all_of.empty() || !any_of.empty() || !one_of.empty() || not_ || if_ || unevaluated_items ||
                    unevaluated_properties || !discriminator.empty();
  leaf = !is_bool && !ref && !dynamic_ref && !has_array_keywords && !has_object_keywords && !has_applicators;
  has_value_keywords = enum_values || const_value || has_number_keywords || has_string_keywords;
  if (types) {
    auto bit = [](doc::Kind k) { return static_cast<uint8_t>(1u << static_cast<unsigned>(k)); };
    kinds = 0;
    if ((types & k_type_null) || nullable) kinds |= bit(doc::Kind::Null);
    if (types & k_type_boolean) kinds |= bit(doc::Kind::Bool);
    if (types & (k_type_integer | k_type_number)) kinds |= bit(doc::Kind::Int);
    if (types & k_type_number) kinds |= bit(doc::Kind::Float);
    if (types & k_type_string) kinds |= bit(doc::Kind::String);
    if (types & k_type_array) kinds |= bit(doc::Kind::Array);
    if (types & k_type_object) kinds |= bit(doc::Kind::Object);
    integral_floats = (types & k_type_integer) && !(types & k_type_number);
  }
  if (!properties.empty()) {
    // The smallest table (at least twice the properties, at most 8 times that) and multiplier that give every name
    // a slot of its own, so that a lookup is one probe; else the first multiplier, with linear probing.
    static constexpr uint64_t k_multipliers[] = {0x9e3779b97f4a7c15u, 0xbf58476d1ce4e5b9u, 0x94d049bb133111ebu,
                                                 0xd6e8feb86659fd93u, 0xff51afd7ed558ccdu, 0xc4ceb9fe1a85ec53u,
                                                 0x2545f4914f6cdd1du, 0x9fb21c651e98df25u};
    size_t base = 4;
    while (base < 2 * properties.size()) base *= 2;
    size_t size = base;
    slot_multiplier = k_multipliers[0];
    bool found = false;
    std::vector<bool> used;
    for (size_t tried = base; tried <= base * 8 && !found; tried *= 2)
      for (uint64_t m : k_multipliers) {
        used.assign(tried, false);
        bool distinct = true;
        for (const auto& p : properties) {
          size_t at = static_cast<size_t>(((head_word(p.name) + p.name.size()) * m) >> 40) & (tried - 1);
          if (used[at]) {
            distinct = false;
            break;
          }
          used[at] = true;
        }
        if (distinct) {
          size = tried;
          slot_multiplier = m;
          found = true;
          break;
        }
      }
    property_slots.assign(size, {});
    for (size_t i = 0; i < properties.size(); ++i) {
      const std::string& name = properties[i].name;
      const uint64_t head = head_word(name);
      size_t at = slot_of(head, name.size()) & (size - 1);
      while (property_slots[at].index != 0) at = (at + 1) & (size - 1);
      property_slots[at] = {head, static_cast<uint32_t>(name.size()), static_cast<uint32_t>(i + 1)};
    }
  }
  object_only = !is_bool && !ref && !dynamic_ref && !has_applicators && !has_array_keywords && !has_value_keywords &&
                has_object_keywords && !unevaluated_properties && !unevaluated_items;
  plain_object = pattern_properties.empty() && dependent_required.empty() && dependent_schemas.empty() && !property_names;
  if (enum_values) {
    enum_all_strings = true;
    for (const auto& e : enum_values->items()) {
      if (!e.is_string())
        enum_all_strings = false;
      else
        enum_strings.emplace_back(e.as_string());
    }
    if (!enum_all_strings) enum_strings.clear();
    for (std::string_view e : enum_strings) {
      if (!doc::ShortText::make(e, enum_short.emplace_back())) {
        enum_short.clear();
        break;
      }
    }
  }
  string_enum_only = enum_all_strings && !const_value && !has_string_keywords;
}

namespace {

// Compiled regexes are shared process-wide. They use libstdc++'s breadth-first executor (`__polynomial`), whose
// stack use does not grow with the input; only patterns with back-references need the recursive one.
std::shared_ptr<const std::regex> cached_regex(const std::string& source, std::string& error, bool& backtracking) {
  struct Entry {
    std::shared_ptr<const std::regex> re;
    bool backtracking = false;
  };
  static std::mutex mutex;
  static std::unordered_map<std::string, Entry> cache;
  std::lock_guard<std::mutex> lock(mutex);
  if (auto it = cache.find(source); it != cache.end()) {
    backtracking = it->second.backtracking;
    return it->second.re;
  }
  Entry entry;
  if (error = format::regex_refusal(source); !error.empty()) return nullptr;
  std::string translated;  // \p{...} escapes become classes (format::translate_unicode_properties)
  if (!format::translate_unicode_properties(source, translated, error)) return nullptr;
  try {
    entry.re =
        std::make_shared<const std::regex>(translated, std::regex::ECMAScript | std::regex_constants::__polynomial);
  } catch (const std::regex_error&) {
    try {
      entry.re = std::make_shared<const std::regex>(translated, std::regex::ECMAScript);
      entry.backtracking = true;
    } catch (const std::regex_error& e) {
      error = e.what();
      return nullptr;
    }
  }
  cache.emplace(source, entry);
  backtracking = entry.backtracking;
  return entry.re;
}

struct Info {
  std::string base;  // base URI (no fragment)
  Dialect dialect = Dialect::Draft2020;
  std::string label;  // "" for the main document, else its URI
  std::string ptr;    // JSON pointer within the document
  Resource* resource = nullptr;
};

bool is_schema_value(const doc::Node& n) { return n.is_object() || n.is_bool(); }

class Compiler {
 public:
  Compiler(Compiled& c, const CompileOptions& o, std::vector<std::string>& errors) : c_(c), o_(o), errors_(errors) {}

  void add_document(std::shared_ptr<const doc::Node> root, const std::string& uri_text, const std::string& label,
                    Dialect d) {
    c_.documents.push_back(root);
    if (o_.use_schema_keyword && root->is_object())
      if (const doc::Node* sch = root->find("$schema"); sch && sch->is_string())
        if (auto known = dialect_from_schema_uri(sch->as_string())) d = *known;
    Resource* res = new_resource(uri_text, root.get());
    apply_vocabulary(*root, res);
    index(*root, uri_text, d, label, "", res);
  }

  // A `$schema` naming a custom meta-schema: its `$vocabulary` says which keywords count. Unreadable meta-schemas
  // are ignored (the dialect's defaults apply).
  static void drop_validation_keywords(Node& s) {
    s.types = 0;
    s.enum_values = s.const_value = nullptr;
    s.minimum = s.maximum = s.exclusive_minimum = s.exclusive_maximum = s.multiple_of = nullptr;
    s.min_length = s.max_length = s.min_items = s.max_items = s.min_props = s.max_props = s.max_contains = -1;
    s.min_contains = 1;
    s.pattern = nullptr;
    s.unique_items = false;
    s.required.clear();
    s.dependent_required.clear();
  }

  void apply_vocabulary(const doc::Node& n, Resource* res) {
    const doc::Node* sch = n.is_object() ? n.find("$schema") : nullptr;
    if (!sch || !sch->is_string() || dialect_from_schema_uri(sch->as_string())) return;
    std::string u, frag;
    uri::split_fragment(sch->as_string(), u, frag);
    std::string problem;
    std::shared_ptr<const doc::Node> meta = fetch(u, problem);  // read only: the meta-schema is not compiled
    const doc::Node* vocabulary = meta && meta->is_object() ? meta->find("$vocabulary") : nullptr;
    if (!vocabulary || !vocabulary->is_object()) return;
    res->validation = false;
    for (const auto& m : vocabulary->members()) {
      if (m.key.size() >= 17 && m.key.compare(m.key.size() - 17, 17, "/vocab/validation") == 0) res->validation = true;
      if (m.key.find("/vocab/format-assertion") != std::string::npos) res->format_assertion = true;
    }
  }

  const doc::Node* navigate(const doc::Node& root, const std::string& pointer, const Info* start, Info& out) {
    const doc::Node* node = &root;
    Info cur = start ? *start : (info_.count(&root) ? info_.at(&root) : Info{});
    size_t pos = 0;
    if (pointer.empty()) return node;
    if (pointer[0] != '/') return nullptr;
    pos = 1;
    while (true) {
      size_t slash = pointer.find('/', pos);
      std::string token = openapi::unescape_pointer_token(
          std::string_view(pointer).substr(pos, slash == std::string::npos ? std::string::npos : slash - pos));
      const doc::Node* next = nullptr;
      if (node->is_object()) {
        next = node->find(token);
      } else if (node->is_array()) {
        bool digits = !token.empty() && token.find_first_not_of("0123456789") == std::string::npos;
        if (digits && token.size() < 10 && std::stoul(token) < node->items().size())
          next = &node->items()[std::stoul(token)];
      }
      if (!next) return nullptr;
      cur.ptr += "/" + escape_pointer_token(token);
      node = next;
      if (auto it = info_.find(node); it != info_.end()) cur = it->second;
      if (slash == std::string::npos) break;
      pos = slash + 1;
    }
    if (!info_.count(node)) index(*node, cur.base, cur.dialect, cur.label, cur.ptr, cur.resource);
    out = cur;
    return node;
  }

  // Returns the node for `n`, creating it if needed; its keywords are decoded later by drain(), so compiling is
  // iterative (a long chain of $refs cannot exhaust the stack).
  const Node* compile(const doc::Node& n) {
    if (auto it = compiled_.find(&n); it != compiled_.end()) return it->second;
    auto info_it = info_.find(&n);
    if (info_it == info_.end()) {
      error("#", "internal: schema not indexed");
      return nullptr;
    }
    Node& s = c_.nodes.emplace_back();
    compiled_[&n] = &s;
    pending_.emplace_back(&n, &s);
    return &s;
  }

  void drain() {
    while (!pending_.empty()) {
      auto [n, s] = pending_.front();
      pending_.pop_front();
      build(*n, *s);
    }
  }

  void build(const doc::Node& n, Node& s) {
    const Info inf = info_.at(&n);
    s.loc = inf.label + "#" + inf.ptr;
    s.dialect = inf.dialect;
    s.resource = inf.resource;
    if (n.is_bool()) {
      s.is_bool = true;
      s.bool_value = n.as_bool();
      return;
    }
    if (!n.is_object()) {
      error(s.loc, std::string("a schema must be an object or a boolean, got ") + value::describe(n));
      s.is_bool = true;
      return;
    }
    decode(n, inf, s);
    if (inf.resource && !inf.resource->validation) drop_validation_keywords(s);
    s.format_asserts = inf.resource && inf.resource->format_assertion;
    s.summarise();
  }

  void finish() {
    drain();
    for (size_t i = 0; i < pending_dynamic_.size(); ++i) {
      auto [res, name, node] = pending_dynamic_[i];
      if (const Node* compiled = compile(*node)) res->dynamic_anchors.emplace_back(name, compiled);
      drain();
    }
  }

  void index_entry(const doc::Node& n, const std::string& pointer, const std::string& base, Dialect d) {
    if (!info_.count(&n)) index(n, base, d, "", pointer, resources_.at(base));
  }

  void error(const std::string& where, const std::string& message) { errors_.push_back(where + ": " + message); }

 private:
  Compiled& c_;
  const CompileOptions& o_;
  std::vector<std::string>& errors_;
  std::unordered_map<const doc::Node*, Info> info_;
  std::unordered_map<std::string, const doc::Node*> resource_nodes_;
  std::unordered_map<std::string, Resource*> resources_;
  std::unordered_map<std::string, const doc::Node*> anchors_;
  std::unordered_map<const doc::Node*, const Node*> compiled_;
  std::vector<std::tuple<Resource*, std::string, const doc::Node*>> pending_dynamic_;
  std::set<std::string> failed_loads_;
  std::deque<std::pair<const doc::Node*, Node*>> pending_;

  Resource* new_resource(const std::string& u, const doc::Node* node) {
    if (auto it = resources_.find(u); it != resources_.end()) return it->second;
    Resource& r = c_.resources.emplace_back();
    r.uri = u;
    resources_[u] = &r;
    resource_nodes_[u] = node;
    return &r;
  }

  void index(const doc::Node& n, std::string base, Dialect d, const std::string& label, const std::string& ptr,
             Resource* res) {
    if (info_.count(&n)) return;
    if (n.is_object()) {
      const doc::Node* ref = n.find("$ref");
      if (d == Dialect::Draft2020) {
        if (const doc::Node* id = n.find("$id"); id && id->is_string()) {
          std::string u, frag;
          uri::split_fragment(uri::resolve(base, id->as_string()), u, frag);
          if (o_.use_schema_keyword)
            if (const doc::Node* sch = n.find("$schema"); sch && sch->is_string())
              if (auto known = dialect_from_schema_uri(sch->as_string())) d = *known;
          base = u;
          Resource* parent = res;
          res = new_resource(u, &n);
          if (parent && res != parent) {
            res->validation = parent->validation;
            res->format_assertion = parent->format_assertion;
          }
          apply_vocabulary(n, res);
        }
        if (const doc::Node* a = n.find("$anchor"); a && a->is_string())
          anchors_.emplace(base + "#" + a->as_string(), &n);
        if (const doc::Node* a = n.find("$dynamicAnchor"); a && a->is_string()) {
          anchors_.emplace(base + "#" + a->as_string(), &n);
          pending_dynamic_.emplace_back(res, a->as_string(), &n);
        }
      } else if (d == Dialect::Draft4 && !(ref && ref->is_string())) {
        if (const doc::Node* id = n.find("id"); id && id->is_string()) {
          std::string u, frag;
          uri::split_fragment(uri::resolve(base, id->as_string()), u, frag);
          if (u != base) {
            base = u;
            res = new_resource(u, &n);
          }
          if (!frag.empty()) anchors_.emplace(u + "#" + frag, &n);
        }
      }
    }
    info_[&n] = Info{base, d, label, ptr, res};
    if (!n.is_object()) return;
    static const std::set<std::string, std::less<>> k_maps = {"properties",  "patternProperties", "$defs",
                                                              "definitions", "dependentSchemas",  "dependencies"};
    static const std::set<std::string, std::less<>> k_arrays_or_one = {"items", "prefixItems", "allOf", "anyOf",
                                                                       "oneOf"};
    static const std::set<std::string, std::less<>> k_single = {
        "additionalProperties",  "additionalItems", "not", "if", "then", "else", "contains", "propertyNames",
        "unevaluatedProperties", "unevaluatedItems"};
    for (const auto& m : n.members()) {
      std::string child = ptr + "/" + escape_pointer_token(m.key);
      if (k_maps.count(m.key) && m.value.is_object()) {
        for (const auto& mm : m.value.members())
          if (is_schema_value(mm.value))
            index(mm.value, base, d, label, child + "/" + escape_pointer_token(mm.key), res);
      } else if (k_arrays_or_one.count(m.key)) {
        if (m.value.is_array()) {
          for (size_t i = 0; i < m.value.items().size(); ++i)
            if (is_schema_value(m.value.items()[i]))
              index(m.value.items()[i], base, d, label, child + "/" + std::to_string(i), res);
        } else if (is_schema_value(m.value)) {
          index(m.value, base, d, label, child, res);
        }
      } else if (k_single.count(m.key) && is_schema_value(m.value)) {
        index(m.value, base, d, label, child, res);
      }
    }
  }

  // Reads the document at `u` (no fragment) through --map folders, the loader, or file://; nullptr and `problem`.
  std::shared_ptr<const doc::Node> fetch(const std::string& u, std::string& problem) const {
    auto read_file = [&](const std::string& path) -> std::shared_ptr<const doc::Node> {
      doc::Document d = doc::load_file(path);
      if (!d.ok()) {
        for (const auto& issue : d.issues)
          if (issue.fatal) problem = doc::where(path, issue.mark) + ": " + issue.message;
        return nullptr;
      }
      return std::make_shared<const doc::Node>(std::move(d.root));
    };
    for (const auto& [prefix, dir] : o_.url_map)
      if (u.rfind(prefix, 0) == 0) return read_file(dir + "/" + u.substr(prefix.size()));
    if (o_.loader) return o_.loader(u, problem);
    if (u.rfind("file://", 0) == 0) {
      std::string path = u.substr(7), decoded;  // undo the few escapes file_uri() makes
      for (size_t i = 0; i < path.size(); ++i) {
        if (path[i] == '%' && i + 2 < path.size() && std::isxdigit(static_cast<unsigned char>(path[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(path[i + 2]))) {
          decoded += static_cast<char>(std::stoi(path.substr(i + 1, 2), nullptr, 16));
          i += 2;
        } else {
          decoded += path[i];
        }
      }
      return read_file(decoded);
    }
    problem = "remote references are not fetched; map the URL to a local folder (--map URL=DIR)";
    return nullptr;
  }

  // The document at `u`, fetched and indexed once.
  const doc::Node* load(const std::string& u, const std::string& where) {
    if (auto it = resource_nodes_.find(u); it != resource_nodes_.end()) return it->second;
    if (failed_loads_.count(u)) return nullptr;
    std::string problem;
    std::shared_ptr<const doc::Node> root = fetch(u, problem);
    if (!root) {
      failed_loads_.insert(u);
      error(where, "cannot load '" + u + "': " + problem);
      return nullptr;
    }
    add_document(root, u, u, c_.dialect);
    return root.get();
  }

  // Resolves a reference written at `from`; the target is indexed and ready to compile.
  const doc::Node* resolve(const std::string& ref, const Info& from, const std::string& where) {
    std::string abs = uri::resolve(from.base, ref);
    std::string u, frag;
    uri::split_fragment(abs, u, frag);
    if (!frag.empty() && frag[0] != '/') {
      frag = openapi::unescape_pointer_token(frag);
      if (auto it = anchors_.find(u + "#" + frag); it != anchors_.end()) return it->second;
      if (!resource_nodes_.count(u) && load(u, where))
        if (auto it = anchors_.find(u + "#" + frag); it != anchors_.end()) return it->second;
      error(where, "$ref '" + ref + "' does not resolve: no anchor '" + frag + "' in " + u);
      return nullptr;
    }
    const doc::Node* root = load(u, where);
    if (!root) return nullptr;
    Info target;
    const doc::Node* node = navigate(*root, frag, &info_.at(root), target);
    if (!node) error(where, "$ref '" + ref + "' does not resolve (no '" + frag + "' in " + u + ")");
    return node;
  }

  const Node* sub(const doc::Node& v, const Info& parent, const std::string& suffix) {
    if (!info_.count(&v)) index(v, parent.base, parent.dialect, parent.label, parent.ptr + suffix, parent.resource);
    return compile(v);
  }

  bool count(const doc::Node& n, const std::string& where, const char* kw, int64_t& out) {
    const doc::Node* v = n.find(kw);
    if (!v) return true;
    if (!value::is_integer(*v) || v->as_double() < 0) {
      error(where + "/" + kw, "expected a non-negative integer, got " + value::describe(*v));
      return false;
    }
    // An integral float past int64 (1e300) means the same as the largest count: converting it would be undefined.
    out = v->is_int()                     ? v->as_int()
          : v->as_double() >= 9.2e18      ? INT64_MAX
                                          : static_cast<int64_t>(v->as_double());
    return true;
  }

  std::shared_ptr<Regex> regex(const doc::Node& v, const std::string& where) {
    if (!v.is_string()) {
      error(where, "expected a regular expression string, got " + value::describe(v));
      return nullptr;
    }
    std::string problem;
    bool backtracking = false;
    auto re = cached_regex(v.as_string(), problem, backtracking);
    if (!re) {
      error(where, "invalid regular expression '" + value::shorten(v.as_string()) + "': " + problem);
      return nullptr;
    }
    auto r = std::make_shared<Regex>();
    r->source = v.as_string();
    r->re = re;
    r->backtracking = backtracking;
    analyse_pattern(*r);
    return r;
  }

  void schema_array(const doc::Node& n, const Info& inf, const std::string& loc, const char* kw,
                    std::vector<const Node*>& out) {
    const doc::Node* v = n.find(kw);
    if (!v) return;
    if (!v->is_array()) {
      error(loc + "/" + kw, "expected an array of schemas, got " + value::describe(*v));
      return;
    }
    for (size_t i = 0; i < v->items().size(); ++i)
      if (const Node* c = sub(v->items()[i], inf, std::string("/") + kw + "/" + std::to_string(i))) out.push_back(c);
  }

  const Node* schema_one(const doc::Node& n, const Info& inf, const char* kw) {
    const doc::Node* v = n.find(kw);
    return v ? sub(*v, inf, std::string("/") + kw) : nullptr;
  }

  void decode(const doc::Node& n, const Info& inf, Node& s) {
    const std::string& loc = s.loc;
    const bool legacy = inf.dialect != Dialect::Draft2020;
    if (const doc::Node* r = n.find("$ref")) {
      if (!r->is_string()) {
        error(loc + "/$ref", "expected a string, got " + value::describe(*r));
      } else if (const doc::Node* target = resolve(r->as_string(), inf, loc + "/$ref")) {
        s.ref = compile(*target);
      }
      if (legacy) {
        s.ref_only = true;
        return;
      }
    }
    if (!legacy) {
      if (const doc::Node* r = n.find("$dynamicRef"); r && r->is_string()) {
        if (const doc::Node* target = resolve(r->as_string(), inf, loc + "/$dynamicRef")) {
          s.dynamic_ref = compile(*target);
          std::string u, frag;
          uri::split_fragment(r->as_string(), u, frag);
          const doc::Node* anchor = target->is_object() ? target->find("$dynamicAnchor") : nullptr;
          if (!frag.empty() && frag[0] != '/' && anchor && anchor->is_string() && anchor->as_string() == frag)
            s.dynamic_name = frag;
        }
      }
    }
    if (const doc::Node* t = n.find("type")) {
      auto add_type = [&](const doc::Node& name) {
        static const std::pair<const char*, uint8_t> k_names[] = {
            {"null", k_type_null},     {"boolean", k_type_boolean}, {"object", k_type_object},  {"array", k_type_array},
            {"number", k_type_number}, {"string", k_type_string},   {"integer", k_type_integer}};
        if (name.is_string())
          for (const auto& [nm, bit] : k_names)
            if (name.as_string() == nm) {
              s.types |= bit;
              return;
            }
        // Swagger 2.0's `type: file` (a formData upload): binary content, not checked.
        if (inf.dialect == Dialect::Draft4 && name.is_string() && name.as_string() == "file") {
          s.types |= 0x7f;
          return;
        }
        error(loc + "/type", "unknown type " + value::describe(name));
      };
      if (t->is_array()) {
        for (const auto& item : t->items()) add_type(item);
        if (t->items().empty()) s.types = 0x80;  // matches nothing
      } else {
        add_type(*t);
      }
    }
    if (inf.dialect == Dialect::OpenApi30)
      if (const doc::Node* v = n.find("nullable"); v && v->is_bool()) s.nullable = v->as_bool();
    if (const doc::Node* v = n.find("enum")) {
      if (v->is_array())
        s.enum_values = v;
      else
        error(loc + "/enum", "expected an array, got " + value::describe(*v));
    }
    if (!legacy) s.const_value = n.find("const");
    auto number = [&](const char* kw) -> const doc::Node* {
      const doc::Node* v = n.find(kw);
      if (v && !v->is_number()) {
        error(loc + "/" + kw, "expected a number, got " + value::describe(*v));
        return nullptr;
      }
      return v;
    };
    s.minimum = number("minimum");
    s.maximum = number("maximum");
    if (legacy) {
      const doc::Node* emin = n.find("exclusiveMinimum");
      const doc::Node* emax = n.find("exclusiveMaximum");
      if (emin && emin->is_bool() && emin->as_bool() && s.minimum) std::swap(s.minimum, s.exclusive_minimum);
      if (emax && emax->is_bool() && emax->as_bool() && s.maximum) std::swap(s.maximum, s.exclusive_maximum);
    } else {
      s.exclusive_minimum = number("exclusiveMinimum");
      s.exclusive_maximum = number("exclusiveMaximum");
    }
    if ((s.multiple_of = number("multipleOf")) && s.multiple_of->as_double() <= 0) {
      error(loc + "/multipleOf", "expected a number greater than 0");
      s.multiple_of = nullptr;
    }
    count(n, loc, "minLength", s.min_length);
    count(n, loc, "maxLength", s.max_length);
    count(n, loc, "minItems", s.min_items);
    count(n, loc, "maxItems", s.max_items);
    count(n, loc, "minProperties", s.min_props);
    count(n, loc, "maxProperties", s.max_props);
    if (const doc::Node* v = n.find("pattern")) s.pattern = regex(*v, loc + "/pattern");
    if (const doc::Node* v = n.find("format"); v && v->is_string()) {
      s.format = format::lookup(v->as_string());
      s.format_name = v->as_string();
    }
    if (const doc::Node* v = n.find("uniqueItems"); v && v->is_bool()) s.unique_items = v->as_bool();

    // Arrays.
    if (legacy) {
      if (const doc::Node* items = n.find("items"); items && items->is_array()) {
        schema_array(n, inf, loc, "items", s.prefix_items);
        s.items = schema_one(n, inf, "additionalItems");
      } else {
        s.items = schema_one(n, inf, "items");
      }
    } else {
      schema_array(n, inf, loc, "prefixItems", s.prefix_items);
      s.items = schema_one(n, inf, "items");
      s.contains = schema_one(n, inf, "contains");
      count(n, loc, "minContains", s.min_contains);
      count(n, loc, "maxContains", s.max_contains);
      s.unevaluated_items = schema_one(n, inf, "unevaluatedItems");
    }

    // Objects.
    for (const char* kw : {"properties", "patternProperties", "dependencies", "dependentRequired", "dependentSchemas",
                           "$defs", "definitions"})
      if (const doc::Node* v = n.find(kw); v && !v->is_object())
        error(loc + "/" + kw, "expected an object, got " + value::describe(*v));
    if (const doc::Node* v = n.find("required"); v && !v->is_array())
      error(loc + "/required", "expected an array of property names, got " + value::describe(*v));
    if (const doc::Node* props = n.find("properties"); props && props->is_object()) {
      for (const auto& m : props->members())
        if (const Node* c = sub(m.value, inf, "/properties/" + escape_pointer_token(m.key)))
          s.properties.push_back({m.key, c});
    }
    if (const doc::Node* pp = n.find("patternProperties"); pp && pp->is_object()) {
      for (const auto& m : pp->members()) {
        std::string where = loc + "/patternProperties/" + escape_pointer_token(m.key);
        doc::Node key = doc::Node::string(m.key, m.key_mark);
        auto re = regex(key, where);
        const Node* c = sub(m.value, inf, "/patternProperties/" + escape_pointer_token(m.key));
        if (re && c) s.pattern_properties.emplace_back(*re, c);
      }
    }
    s.additional_properties = schema_one(n, inf, "additionalProperties");
    if (const doc::Node* req = n.find("required"); req && req->is_array()) {
      for (const auto& r : req->items())
        if (r.is_string()) s.required.push_back(r.as_string());
    }
    auto dependent_required = [&](const doc::Node& deps, const char* kw, bool allow_schemas) {
      for (const auto& m : deps.members()) {
        if (m.value.is_array()) {
          std::vector<std::string> names;
          for (const auto& x : m.value.items())
            if (x.is_string()) names.push_back(x.as_string());
          s.dependent_required.emplace_back(m.key, std::move(names));
        } else if (allow_schemas && is_schema_value(m.value)) {
          if (const Node* c = sub(m.value, inf, std::string("/") + kw + "/" + escape_pointer_token(m.key)))
            s.dependent_schemas.emplace_back(m.key, c);
        }
      }
    };
    if (const doc::Node* deps = n.find("dependencies"); deps && deps->is_object())
      dependent_required(*deps, "dependencies", true);
    if (!legacy) {
      if (const doc::Node* deps = n.find("dependentRequired"); deps && deps->is_object())
        dependent_required(*deps, "dependentRequired", false);
      if (const doc::Node* deps = n.find("dependentSchemas"); deps && deps->is_object())
        for (const auto& m : deps->members())
          if (const Node* c = sub(m.value, inf, "/dependentSchemas/" + escape_pointer_token(m.key)))
            s.dependent_schemas.emplace_back(m.key, c);
      s.property_names = schema_one(n, inf, "propertyNames");
      s.unevaluated_properties = schema_one(n, inf, "unevaluatedProperties");
    }

    // Applicators.
    schema_array(n, inf, loc, "allOf", s.all_of);
    schema_array(n, inf, loc, "anyOf", s.any_of);
    schema_array(n, inf, loc, "oneOf", s.one_of);
    s.not_ = schema_one(n, inf, "not");
    if (!legacy) {
      s.if_ = schema_one(n, inf, "if");
      if (s.if_) {
        s.then_ = schema_one(n, inf, "then");
        s.else_ = schema_one(n, inf, "else");
      }
    }

    if (const doc::Node* v = n.find("readOnly"); v && v->is_bool()) s.read_only = v->as_bool();
    if (const doc::Node* v = n.find("writeOnly"); v && v->is_bool()) s.write_only = v->as_bool();
    if (inf.dialect == Dialect::OpenApi30) decode_discriminator(n, inf, s);
  }

  void decode_discriminator(const doc::Node& n, const Info& inf, Node& s) {
    const doc::Node* d = n.find("discriminator");
    if (!d) return;
    const doc::Node* name = d->is_object() ? d->find("propertyName") : nullptr;
    if (!name || !name->is_string()) {
      error(s.loc + "/discriminator", "expected an object with a string 'propertyName'");
      return;
    }
    s.discriminator = name->as_string();
    if (const doc::Node* mapping = d->find("mapping"); mapping && mapping->is_object()) {
      for (const auto& m : mapping->members()) {
        if (!m.value.is_string()) continue;
        std::string ref = m.value.as_string();
        if (ref.find_first_of("#/.") == std::string::npos) ref = "#/components/schemas/" + ref;
        if (const doc::Node* target =
                resolve(ref, inf, s.loc + "/discriminator/mapping/" + escape_pointer_token(m.key)))
          if (const Node* c = compile(*target)) s.discriminator_map.emplace_back(m.key, c);
      }
    }
    // Implicit mapping: a oneOf/anyOf branch "$ref: '#/components/schemas/Dog'" is the value "Dog".
    for (const char* kw : {"oneOf", "anyOf"}) {
      const doc::Node* branches = n.find(kw);
      if (!branches || !branches->is_array()) continue;
      for (const auto& b : branches->items()) {
        const doc::Node* r = b.is_object() ? b.find("$ref") : nullptr;
        if (!r || !r->is_string()) continue;
        std::string ref = r->as_string();
        std::string short_name = ref.substr(ref.find_last_of("/#") + 1);
        bool known = std::any_of(s.discriminator_map.begin(), s.discriminator_map.end(),
                                 [&](const auto& p) { return p.first == short_name; });
        auto branch_info = info_.find(&b);
        if (known || branch_info == info_.end()) continue;
        // The branch's own $ref reports a target that does not resolve; do not report it twice.
        const size_t reported = errors_.size();
        if (const doc::Node* target = resolve(ref, branch_info->second, s.loc + "/discriminator")) {
          if (const Node* c = compile(*target)) s.discriminator_map.emplace_back(short_name, c);
        } else {
          errors_.resize(reported);
        }
      }
    }
  }
};

}  // namespace

Schema::Schema() : c_(std::make_unique<Compiled>()) {}
Schema::~Schema() = default;

Dialect Schema::dialect() const { return c_->dialect; }
size_t Schema::node_count() const { return c_->nodes.size(); }

std::shared_ptr<const Schema> Schema::compile(std::shared_ptr<const doc::Node> document, const std::string& uri_text,
                                              const std::string& entry_pointer, const CompileOptions& options,
                                              std::vector<std::string>& errors) {
  return compile_node(std::move(document), uri_text, nullptr, entry_pointer, options, errors);
}

std::shared_ptr<const Schema> Schema::compile_node(std::shared_ptr<const doc::Node> document,
                                                   const std::string& uri_text, const doc::Node* entry_node,
                                                   const std::string& entry_pointer, const CompileOptions& options,
                                                   std::vector<std::string>& errors) {
  auto schema = std::shared_ptr<Schema>(new Schema());
  Compiled& c = *schema->c_;
  const size_t first_error = errors.size();
  Dialect d = options.dialect;
  if (options.use_schema_keyword && document->is_object())
    if (const doc::Node* sch = document->find("$schema"); sch && sch->is_string())
      if (auto known = dialect_from_schema_uri(sch->as_string())) d = *known;
  c.dialect = d;
  c.assert_formats =
      options.formats == FormatMode::Assert || (options.formats == FormatMode::Default && d != Dialect::Draft2020);
  std::string base, fragment;
  uri::split_fragment(uri_text, base, fragment);
  Compiler compiler(c, options, errors);
  compiler.add_document(document, base, "", d);
  const doc::Node* entry = entry_node;
  if (!entry) {
    Info unused;
    entry = compiler.navigate(*document, entry_pointer, nullptr, unused);
    if (!entry) {
      compiler.error("#" + entry_pointer, "no such location in the document");
      return nullptr;
    }
  }
  compiler.index_entry(*entry, entry_pointer, base, d);
  c.entry = compiler.compile(*entry);
  compiler.finish();
  for (Node& n : c.nodes) n.link();
  c.dynamic_scope = std::any_of(c.nodes.begin(), c.nodes.end(), [](const Node& n) { return !n.dynamic_name.empty(); });
  if (errors.size() > first_error || !c.entry) return nullptr;
  return schema;
}

}  // namespace apigw::schema
