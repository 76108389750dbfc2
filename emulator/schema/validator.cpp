// Validation: walks the compiled graph against an instance. Two modes share one code path: collecting errors (with
// instance and schema locations) and a fast yes/no probe used inside anyOf/oneOf/not/if/contains.
#include <algorithm>
#include <array>
#include <bit>
#include <optional>
#include <regex>
#include <utility>

#include "emulator/schema/compiled.hpp"
#include "emulator/schema/value.hpp"

namespace apigw::schema {

namespace {

struct Segment {
  std::string_view key;  // a member's name, or
  size_t index = 0;      // an item's index
  bool named = false;
};

// What in-place subschemas evaluated, for unevaluatedProperties / unevaluatedItems.
struct Annotations {
  std::vector<std::string_view> props;
  bool all_items = false;
  size_t prefix = 0;
  std::vector<size_t> contained;

  void merge(const Annotations& o) {
    props.insert(props.end(), o.props.begin(), o.props.end());
    all_items = all_items || o.all_items;
    prefix = std::max(prefix, o.prefix);
    contained.insert(contained.end(), o.contained.begin(), o.contained.end());
  }
  bool has_prop(std::string_view k) const { return std::find(props.begin(), props.end(), k) != props.end(); }
  bool has_item(size_t i) const {
    return all_items || i < prefix || std::find(contained.begin(), contained.end(), i) != contained.end();
  }
};

std::string type_list(uint8_t types, bool nullable) {
  static const std::pair<uint8_t, const char*> k_names[] = {
      {k_type_integer, "integer"}, {k_type_number, "number"}, {k_type_string, "string"}, {k_type_boolean, "boolean"},
      {k_type_object, "object"},   {k_type_array, "array"},   {k_type_null, "null"}};
  std::vector<const char*> names;
  for (const auto& [bit, name] : k_names)
    if ((types & bit) || (bit == k_type_null && nullable && !(types & k_type_null))) names.push_back(name);
  if (names.empty()) return "nothing";
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) out += i + 1 == names.size() ? " or " : ", ";
    out += names[i];
  }
  return out;
}

std::string number_text(const doc::Node& n) { return value::to_text(n); }

// "1 character", "3 characters".
std::string count_of(int64_t n, const char* noun) {
  std::string word = noun;
  if (n != 1) word = word.back() == 'y' ? word.substr(0, word.size() - 1) + "ies" : word + "s";
  return std::to_string(n) + " " + word;
}

class Validator {
 public:
  Validator(const Compiled& c, const ValidateOptions& o, std::vector<Error>* errors)
      : c_(c), o_(o), errors_(errors), limit_(o.max_errors), max_depth_(std::min(o.max_depth, k_max_depth_limit)) {}

  bool validate(const Node& s, doc::Value inst, Annotations* ann);

 private:
  const Compiled& c_;
  const ValidateOptions& o_;
  std::vector<Error>* errors_;
  size_t limit_;
  std::vector<Segment> path_;
  std::vector<const Resource*> scope_;
  size_t max_depth_;
  // object_ok's plans, one per object schema and object shape met (see doc/tape.hpp): what each member's value
  // needs (by position), and whether the keys alone satisfy `required`. Every further object of the shape (an array's
  // items, mostly) then has only its values to check. A validation walks one tape, whose shapes stand for the same
  // key sequences throughout. The table is direct-mapped (an evicted plan is made again when needed) and zeroed on
  // first use; the steps of all plans share one array, never overwritten, and objects past its end look their keys up.
  struct Plan {
    const Node* node;
    uint32_t shape;
    uint32_t first;  // into plan_steps_; k_no_steps: none stored
    bool keys_ok;
    uint32_t record;  // into records_, plus one; 0: none
  };
  static constexpr size_t k_plans = 16, k_plan_steps = 512;
  static constexpr uint32_t k_no_steps = UINT32_MAX;
  static constexpr uint8_t k_container_kinds =
      (1u << static_cast<unsigned>(doc::Kind::Array)) | (1u << static_cast<unsigned>(doc::Kind::Object));
  static constexpr uint8_t k_float_kind = 1u << static_cast<unsigned>(doc::Kind::Float);
  bool plans_ready_ = false;
  Plan plans_[k_plans];
  uint32_t plan_used_ = 0;
  // What a plan asks of the value at one member position: to be of `kinds`, then per `op` nothing more (the commonest
  // property: a type), to be in a string enum (when a string; else `node` decides), or to pass `node`.
  struct Step {
    enum Op : uint8_t { Done, StringEnum, Check };
    Op op;
    uint8_t kinds;
    const Node* node;
  };
  static Step step_of(const Node& s, const Node::PropertySlot* slot) {
    if (!slot) return s.additional_properties ? Step{Step::Check, 0x7f, s.additional_properties} : Step{Step::Done, 0x7f, nullptr};
    if (slot->type_only) return {Step::Done, slot->kinds, nullptr};
    if (slot->string_enum)
      return {Step::StringEnum, slot->target->integral_floats ? uint8_t{0x7f} : slot->kinds, slot->target};
    return {Step::Check, 0x7f, slot->target};
  }
  Step plan_steps_[k_plan_steps];
  // A plan whose steps all want scalars (kinds without array or object): a type, a string enum, or a leaf schema of
  // scalar types. An object of its shape whose values pass the kinds has each value in one entry, so they are found
  // by position (doc::Value::flat_member) and the run of items of the shape is checked by record_run, one function
  // per member count: the kinds with one comparison (against the last item's), the enums' values against their
  // first value with a few word comparisons (doc::ShortText), then the leaf schemas. Arrays of flat records (a git
  // tree's entries, rows of ids, names and dates) get one.
  struct Record {
    static constexpr size_t k_members = 16, k_enums = 4, k_checks = 8;
    uint32_t members;
    uint32_t enums;
    uint32_t checks;
    uint8_t kinds[k_members];
    // The kinds of the last object that passed them, 3 bits per member (see record_run): the next object of the
    // same kinds (most often) passes with one comparison. UINT64_MAX: none yet.
    uint64_t signature;
    struct Enum {
      doc::ShortText first;  // the enum's first value, when enum_short has it; else one no string matches
      uint32_t entry;        // its value's place: 2 + 2 × its member's position
      const Node* node;
    } enum_[k_enums];
    // Members whose schema is a leaf of scalar types with more to check (an integer's type, a format, a maximum):
    // scalar_ok on each value.
    struct Check {
      uint32_t entry;
      const Node* node;
    } check[k_checks];
  };
  static constexpr size_t k_records = 16;
  Record records_[k_records];
  uint32_t records_used_ = 0;
  uint32_t record_of(const Step* steps, size_t size);
  doc::Value record_run(Record& r, doc::Value item, doc::Value end);
  template <uint32_t Members, bool Checks>
  [[gnu::noinline]] doc::Value record_run(Record& r, doc::Value item, doc::Value end);
  [[gnu::noinline]] static bool kinds_ok(Record& r, doc::Value inst, uint64_t signature);
  size_t depth_ = 0;

  bool full() const { return errors_ && limit_ && errors_->size() >= limit_; }

  std::string pointer() const {
    std::string p;
    for (const auto& seg : path_) {
      p += '/';
      if (seg.named)
        p += escape_pointer_token(seg.key);
      else
        p += std::to_string(seg.index);
    }
    return p;
  }

  // Records an error; returns true when validation of the current node should go on.
  template <class Message>
  bool report(const Node& s, std::string_view keyword, doc::Value inst, Message&& message) {
    if (!errors_) return false;
    if (full()) return false;
    std::string where = s.loc;
    if (!keyword.empty()) {
      where += '/';
      where += keyword;
    }
    errors_->push_back({pointer(), std::move(where), inst.mark(), message()});
    return !full();
  }

  // Yes/no, no errors recorded.
  bool probe(const Node& s, doc::Value inst, Annotations* ann) {
    auto* saved = errors_;
    errors_ = nullptr;
    bool ok = validate(s, inst, ann);
    errors_ = saved;
    return ok;
  }

  bool child(const Node& s, doc::Value inst, Segment segment) {
    if (!errors_) return validate(s, inst, nullptr);  // locations are only needed for errors
    path_.push_back(segment);
    bool ok = validate(s, inst, nullptr);
    path_.pop_back();
    return ok;
  }
  static Segment at_key(std::string_view name) { return {name, 0, true}; }
  static Segment at_index(size_t index) { return {{}, index, false}; }

  static bool flag(const Node* n, bool Node::*member) {
    for (int hops = 0; n && hops < 16; ++hops, n = n->ref)
      if (n->*member) return true;
    return false;
  }

  // The yes/no form of check_scalar (all a leaf node checks): the type is one shift; the rest only when the node has
  // more keywords on the value.
  bool scalar_ok(const Node& s, doc::Value inst) const {
    if (!s.type_ok(inst)) return false;
    if (!s.has_value_keywords) return true;
    if (s.string_enum_only && inst.is_string()) return s.enum_has_string(inst.as_string());
    return value_ok(s, inst);
  }
  bool value_ok(const Node& s, doc::Value inst) const;
  // validate() without errors or annotations, the commonest shapes of schema first.
  bool fast_ok(const Node& s, doc::Value inst) {
    if (s.leaf) return scalar_ok(s, inst);
    if (s.object_only && !c_.dynamic_scope && (o_.direction == Direction::None || !s.directional))
      return s.type_ok(inst) && (!inst.is_object() || object_ok(s, inst));
    return validate(s, inst, nullptr);
  }
  void closest_branch(const Node& s, const char* keyword, const std::vector<const Node*>& branches, doc::Value inst);
  bool validate_keywords(const Node& s, doc::Value inst, Annotations* a);
  // Off the hot path of validate(), so its frame stays small.
  [[gnu::noinline]] bool refuse(const Node& s, doc::Value inst);
  [[gnu::noinline]] bool validate_unevaluated(const Node& s, doc::Value inst, Annotations* ann);
  // One function per group of keywords keeps the frame of each recursion level small (sanitizer builds especially).
  [[gnu::noinline]] bool check_scalar(const Node& s, doc::Value inst);
  [[gnu::noinline]] bool check_array(const Node& s, doc::Value inst, Annotations* a);
  [[gnu::noinline]] bool check_object(const Node& s, doc::Value inst, Annotations* a);
  [[gnu::noinline]] bool object_ok(const Node& s, doc::Value inst);
  // The plan of this schema for this object's shape (made when missing); null when the keys fail.
  const Plan* plan(const Node& s, doc::Value inst);
  static bool sizes_ok(const Node& s, size_t size) {
    return (s.min_props < 0 || size >= static_cast<size_t>(s.min_props)) &&
           (s.max_props < 0 || size <= static_cast<size_t>(s.max_props));
  }
  // Objects that fast_ok hands straight to object_ok's lean loops.
  bool lean_objects(const Node& s) const {
    return s.object_only && s.plain_object && !c_.dynamic_scope && (o_.direction == Direction::None || !s.directional);
  }
  [[gnu::noinline]] bool items_ok(const Node& is, doc::Value inst);
  // The values of an object of a planned shape.
  bool values_ok(doc::Value inst, const Step* steps) {
    for (const doc::Value::Member m : inst.members()) {
      const Step& step = *steps++;
      if (!((step.kinds >> static_cast<unsigned>(m.value.kind())) & 1)) return false;
      if (step.op != Step::Done && !step_ok(step, m.value)) return false;
    }
    return true;
  }
  bool step_ok(const Step& step, doc::Value v) {
    if (step.op == Step::StringEnum && v.is_string()) return step.node->enum_has_string(v.as_string());
    return fast_ok(*step.node, v);
  }
  // A Record's members' values against their enums, from `e` on, past their kinds.
  [[gnu::noinline]] bool enums_ok(const Record::Enum* e, const Record::Enum* last, doc::Value inst) {
    for (; e != last; ++e)
      if (!enum_ok(*e->node, inst.ahead(e->entry))) return false;
    return true;
  }
  bool enum_ok(const Node& s, doc::Value v) {
    if (!v.is_string()) return fast_ok(s, v);
    uint32_t size;
    uint64_t tail;
    if (!s.enum_short.empty() && v.tail(size, tail)) {
      for (const doc::ShortText& t : s.enum_short)
        if (t.matches(size, tail)) return true;
      return false;
    }
    return s.enum_has_string(v.as_string());
  }
  static bool keys_ok(const Node& s, doc::Value inst, Step* steps);
  // A member's value against its property, past the key (object_ok's lean loops).
  bool member_ok(const Node::PropertySlot& slot, doc::Value v) {
    if (slot.type_only) return (slot.kinds >> static_cast<unsigned>(v.kind())) & 1;
    if (slot.string_enum && v.is_string())
      return ((slot.kinds >> static_cast<unsigned>(doc::Kind::String)) & 1) && slot.target->enum_has_string(v.as_string());
    return fast_ok(*slot.target, v);
  }
  [[gnu::noinline]] bool object_rest_ok(const Node& s, doc::Value inst);
  [[gnu::noinline]] bool check_applicators(const Node& s, doc::Value inst, Annotations* a);
};

// When every branch fails, report the one that came closest: one that got inside the value rather than one of
// another type, then the fewest errors, then the deepest in the instance. When
// several tie with a single enum/const (or a single type) error at the same place, they are merged into one error
// listing every alternative ("expected one of "path", "query", got string "body"").
void Validator::closest_branch(const Node& s, const char* keyword, const std::vector<const Node*>& branches,
                               doc::Value inst) {
  std::vector<std::vector<Error>> results;
  auto* saved = errors_;
  size_t saved_limit = limit_;
  for (const Node* b : branches) {
    std::vector<Error> tmp;
    errors_ = &tmp;
    limit_ = 200;
    validate(*b, inst, nullptr);
    results.push_back(std::move(tmp));
  }
  errors_ = saved;
  limit_ = saved_limit;
  auto depth_of = [](const std::vector<Error>& es) {
    size_t depth = 0;
    for (const auto& e : es)
      depth =
          std::max(depth, static_cast<size_t>(std::count(e.instance_location.begin(), e.instance_location.end(), '/')));
    return depth;
  };
  // A branch that fails only on the value's own type, const or enum is of another shape altogether; one whose value
  // got far enough to fail inside it is closer, however many errors it has ({"const": false} against an object with a
  // bad member reports the member).
  auto ends_with = [](const std::string& text, std::string_view tail) {
    return text.size() >= tail.size() && text.compare(text.size() - tail.size(), tail.size(), tail) == 0;
  };
  auto other_shape = [&](const std::vector<Error>& es) {
    return std::all_of(es.begin(), es.end(), [&](const Error& e) {
      return static_cast<size_t>(std::count(e.instance_location.begin(), e.instance_location.end(), '/')) ==
                 path_.size() &&
             (ends_with(e.schema_location, "/type") || ends_with(e.schema_location, "/const") ||
              ends_with(e.schema_location, "/enum"));
    });
  };
  size_t best = results.size();
  for (size_t i = 0; i < results.size(); ++i) {
    if (results[i].empty()) continue;
    if (best == results.size()) {
      best = i;
      continue;
    }
    bool shape_i = other_shape(results[i]), shape_best = other_shape(results[best]);
    if (shape_i != shape_best) {
      if (!shape_i) best = i;
      continue;
    }
    if (results[i].size() < results[best].size() ||
        (results[i].size() == results[best].size() && depth_of(results[i]) > depth_of(results[best])))
      best = i;
  }
  if (best == results.size()) {
    report(s, keyword, inst, [&] { return "the value matches none of the " + std::string(keyword) + " schemas"; });
    return;
  }
  // Single-error ties at the same instance location, all of one kind: merge.
  auto kind_of = [](const Error& e) -> int {
    auto ends = [&](std::string_view tail) {
      return e.schema_location.size() >= tail.size() &&
             e.schema_location.compare(e.schema_location.size() - tail.size(), tail.size(), tail) == 0;
    };
    if (ends("/enum") || ends("/const")) return 1;
    if (ends("/type")) return 2;
    return 0;
  };
  const Error& first = results[best].front();
  int kind = results[best].size() == 1 ? kind_of(first) : 0;
  std::vector<std::string> alternatives;
  if (kind != 0) {
    for (const auto& r : results) {
      if (r.size() != 1 || r[0].instance_location != first.instance_location) {
        if (r.size() <= 1) kind = 0;  // a tie that does not fit the pattern
        continue;
      }
      if (kind_of(r[0]) != kind) {
        kind = 0;
        break;
      }
      // "expected X, got Y": keep X (for enums, the values inside the brackets).
      const std::string& m = r[0].message;
      auto got = m.rfind(", got ");
      if (m.rfind("expected ", 0) != 0 || got == std::string::npos) {
        kind = 0;
        break;
      }
      std::string x = m.substr(9, got - 9);
      if (x.rfind("one of [", 0) == 0 && x.back() == ']') {
        x = x.substr(8, x.size() - 9);
        std::string spaced;
        for (char c : x) spaced += c == ',' ? std::string(", ") : std::string(1, c);  // shown as a list
        x = spaced;
      }
      if (std::find(alternatives.begin(), alternatives.end(), x) == alternatives.end()) alternatives.push_back(x);
    }
  }
  if (kind != 0 && alternatives.size() > 1) {
    std::string joined;
    for (size_t i = 0; i < alternatives.size(); ++i) {
      if (i) joined += kind == 2 ? (i + 1 == alternatives.size() ? " or " : ", ") : ", ";
      joined += alternatives[i];
    }
    Error merged = first;
    merged.schema_location = s.loc + "/" + keyword;
    std::string got = first.message.substr(first.message.rfind(", got ") + 6);
    merged.message = (kind == 1 ? "expected one of " : "expected ") + joined + ", got " + got;
    if (!full()) errors_->push_back(std::move(merged));
    return;
  }
  for (auto& e : results[best]) {
    if (full()) break;
    errors_->push_back(std::move(e));
  }
}

#define APIGW_FAIL(keyword, message)                                        \
  do {                                                                      \
    valid = false;                                                          \
    if (!report(s, keyword, inst, [&]() { return message; })) return false; \
  } while (0)
#define APIGW_CHECK(expr)                   \
  do {                                      \
    if (!(expr)) {                          \
      valid = false;                        \
      if (!errors_ || full()) return false; \
    }                                       \
  } while (0)

// `enum`, with `nullable` letting null through in OpenAPI 3.0.
bool enum_contains(const Node& s, doc::Value inst) {
  if (s.nullable && inst.is_null()) return true;
  if (s.enum_all_strings) return inst.is_string() && s.enum_has_string(inst.as_string());
  for (const auto& e : s.enum_values->items())
    if (value::equal(e, inst)) return true;
  return false;
}

// scalar_ok() past the type.
bool Validator::value_ok(const Node& s, doc::Value inst) const {
  if (s.enum_values && !enum_contains(s, inst)) return false;
  if (s.const_value && !value::equal(*s.const_value, inst)) return false;
  if (inst.is_number() && s.has_number_keywords) {
    if (s.minimum && value::compare_numbers(inst, *s.minimum) < 0) return false;
    if (s.maximum && value::compare_numbers(inst, *s.maximum) > 0) return false;
    if (s.exclusive_minimum && value::compare_numbers(inst, *s.exclusive_minimum) <= 0) return false;
    if (s.exclusive_maximum && value::compare_numbers(inst, *s.exclusive_maximum) >= 0) return false;
    if (s.multiple_of && !value::is_multiple_of(inst, *s.multiple_of)) return false;
    if ((s.format == format::Id::Int32 || s.format == format::Id::Int64) && (c_.assert_formats || s.format_asserts) &&
        !format::check(s.format, inst))
      return false;
  } else if (inst.is_string() && s.has_string_keywords) {
    std::string_view str = inst.as_string();
    if (s.min_length >= 0 || s.max_length >= 0) {
      size_t n = value::code_points(str);
      if (s.min_length >= 0 && n < static_cast<size_t>(s.min_length)) return false;
      if (s.max_length >= 0 && n > static_cast<size_t>(s.max_length)) return false;
    }
    if (s.pattern && !s.pattern->search(str)) return false;
    if (s.format != format::Id::None && (c_.assert_formats || s.format_asserts) &&
        !format::check(s.format, inst, s.dialect == Dialect::Draft2020))
      return false;
  }
  return true;
}

bool Validator::validate(const Node& s, doc::Value inst, Annotations* ann) {
  if (s.leaf && !errors_) return scalar_ok(s, inst);
  if (s.is_bool || depth_ >= max_depth_) return refuse(s, inst);
  ++depth_;
  bool pushed = c_.dynamic_scope && (scope_.empty() || scope_.back() != s.resource);
  if (pushed) scope_.push_back(s.resource);
  bool ok = s.unevaluated_properties || s.unevaluated_items ? validate_unevaluated(s, inst, ann)
                                                            : validate_keywords(s, inst, ann);
  if (pushed) scope_.pop_back();
  --depth_;
  return ok;
}

// A boolean schema, or evaluation past max_depth.
bool Validator::refuse(const Node& s, doc::Value inst) {
  if (s.is_bool) {
    if (s.bool_value) return true;
    if (!errors_ || full()) return false;
    report(s, "", inst, [&] { return "no value is allowed here, got " + value::describe(inst); });
    return false;
  }
  if (errors_ && !full())
    report(s, "", inst, [&] {
      return "schema evaluation deeper than " + std::to_string(max_depth_) +
             " levels (a recursive schema that never reaches the end of the instance?)";
    });
  return false;
}

// unevaluatedProperties/unevaluatedItems need the annotations of this node's keywords, passed up only when valid.
bool Validator::validate_unevaluated(const Node& s, doc::Value inst, Annotations* ann) {
  Annotations local;
  bool ok = validate_keywords(s, inst, &local);
  if (ok && ann) ann->merge(local);
  return ok;
}

bool Validator::validate_keywords(const Node& s, doc::Value inst, Annotations* a) {
  bool valid = true;
  if (s.ref) APIGW_CHECK(validate(*s.ref, inst, a));
  if (s.ref_only) return valid;
  if (s.dynamic_ref) {
    const Node* target = s.dynamic_ref;
    if (!s.dynamic_name.empty())
      for (const Resource* r : scope_)
        if (const Node* n = r ? r->dynamic_anchor(s.dynamic_name) : nullptr) {
          target = n;
          break;
        }
    APIGW_CHECK(validate(*target, inst, a));
  }

  if (errors_ ? !check_scalar(s, inst) : !scalar_ok(s, inst)) {
    valid = false;
    if (!errors_ || full()) return false;
  }
  if (inst.is_array() && s.has_array_keywords && !check_array(s, inst, a)) {
    valid = false;
    if (!errors_ || full()) return false;
  }
  if (inst.is_object() && s.has_object_keywords &&
      !(errors_ || a || (o_.direction != Direction::None && s.directional) ? check_object(s, inst, a)
                                                                           : object_ok(s, inst))) {
    valid = false;
    if (!errors_ || full()) return false;
  }
  if (!s.has_applicators) return valid;
  if (!check_applicators(s, inst, a)) {
    valid = false;
    if (!errors_ || full()) return false;
  }
  return valid;
}

// Keywords on the value itself (type, enum, const, numbers, strings): no recursion.
bool Validator::check_scalar(const Node& s, doc::Value inst) {
  bool valid = true;
  if (!s.type_ok(inst))
    APIGW_FAIL("type", "expected " + type_list(s.types, s.nullable) + ", got " + value::describe(inst));
  if (s.enum_values && !enum_contains(s, inst))
    APIGW_FAIL("enum", "expected one of " + value::to_text(*s.enum_values, 120) + ", got " + value::describe(inst));
  if (s.const_value && !value::equal(*s.const_value, inst))
    APIGW_FAIL("const", "expected " + value::to_text(*s.const_value) + ", got " + value::describe(inst));

  if (inst.is_number() && s.has_number_keywords) {
    if (s.minimum && value::compare_numbers(inst, *s.minimum) < 0)
      APIGW_FAIL("minimum", "expected a value >= " + number_text(*s.minimum) + ", got " + value::describe(inst));
    if (s.maximum && value::compare_numbers(inst, *s.maximum) > 0)
      APIGW_FAIL("maximum", "expected a value <= " + number_text(*s.maximum) + ", got " + value::describe(inst));
    const char* emin = s.dialect == Dialect::Draft2020 ? "exclusiveMinimum" : "minimum";
    const char* emax = s.dialect == Dialect::Draft2020 ? "exclusiveMaximum" : "maximum";
    if (s.exclusive_minimum && value::compare_numbers(inst, *s.exclusive_minimum) <= 0)
      APIGW_FAIL(emin, "expected a value > " + number_text(*s.exclusive_minimum) + ", got " + value::describe(inst));
    if (s.exclusive_maximum && value::compare_numbers(inst, *s.exclusive_maximum) >= 0)
      APIGW_FAIL(emax, "expected a value < " + number_text(*s.exclusive_maximum) + ", got " + value::describe(inst));
    if (s.multiple_of && !value::is_multiple_of(inst, *s.multiple_of))
      APIGW_FAIL("multipleOf",
                 "expected a multiple of " + number_text(*s.multiple_of) + ", got " + value::describe(inst));
    if ((s.format == format::Id::Int32 || s.format == format::Id::Int64) && (c_.assert_formats || s.format_asserts) &&
        !format::check(s.format, inst))
      APIGW_FAIL("format", "expected an " + s.format_name + " value, got " + value::describe(inst));
  } else if (inst.is_string() && s.has_string_keywords) {
    std::string_view str = inst.as_string();
    if (s.min_length >= 0 || s.max_length >= 0) {
      size_t n = value::code_points(str);
      if (s.min_length >= 0 && n < static_cast<size_t>(s.min_length))
        APIGW_FAIL("minLength",
                   "expected at least " + count_of(s.min_length, "character") + ", got " + std::to_string(n));
      if (s.max_length >= 0 && n > static_cast<size_t>(s.max_length))
        APIGW_FAIL("maxLength",
                   "expected at most " + count_of(s.max_length, "character") + ", got " + std::to_string(n));
    }
    if (s.pattern && !s.pattern->search(str)) {
      if (s.pattern->too_long(str))
        APIGW_FAIL("pattern", "cannot check a string of " + std::to_string(str.size()) +
                                  " bytes against a pattern with back-references '" +
                                  value::shorten(s.pattern->source) + "' (limit " +
                                  std::to_string(Regex::k_backtracking_limit) + ")");
      else
        APIGW_FAIL("pattern", "expected a string matching '" + value::shorten(s.pattern->source) + "', got " +
                                  value::describe(inst));
    }
    if (s.format != format::Id::None && (c_.assert_formats || s.format_asserts) &&
        !format::check(s.format, inst, s.dialect == Dialect::Draft2020))
      APIGW_FAIL("format", "expected a valid " + s.format_name + ", got " + value::describe(inst));
  }
  return valid;
}

bool Validator::check_array(const Node& s, doc::Value inst, Annotations* a) {
  bool valid = true;
  const size_t size = inst.size();
  if (s.min_items >= 0 && size < static_cast<size_t>(s.min_items))
    APIGW_FAIL("minItems", "expected at least " + count_of(s.min_items, "item") + ", got " + std::to_string(size));
  if (s.max_items >= 0 && size > static_cast<size_t>(s.max_items))
    APIGW_FAIL("maxItems", "expected at most " + count_of(s.max_items, "item") + ", got " + std::to_string(size));
  if (size_t i = 0, j = 0; s.unique_items && value::find_duplicate(inst.to_node().items(), i, j))
    APIGW_FAIL("uniqueItems",
               "expected unique items, but items " + std::to_string(i) + " and " + std::to_string(j) + " are equal");
  const size_t prefix = std::min(s.prefix_items.size(), size);
  if (!errors_ && !a && !s.contains && prefix == 0 && s.items && lean_objects(*s.items))
    return items_ok(*s.items, inst);  // no errors to collect: had one been found, we would have returned already
  size_t i = 0;
  for (doc::Value item : inst.items()) {
    if (i < prefix) {
      APIGW_CHECK(child(*s.prefix_items[i], item, at_index(i)));
    } else if (s.items) {
      const Node& is = *s.items;
      if (!errors_) {  // no locations to track: the checks are called directly
        if (!fast_ok(is, item)) return false;
      } else {
        APIGW_CHECK(child(is, item, at_index(i)));
      }
    } else {
      break;
    }
    ++i;
  }
  if (a) a->prefix = std::max(a->prefix, prefix);
  if (s.items && a) a->all_items = true;
  if (s.contains) {
    size_t matches = 0;
    i = 0;
    for (doc::Value item : inst.items()) {
      path_.push_back(at_index(i));
      bool ok = probe(*s.contains, item, nullptr);
      path_.pop_back();
      if (ok) {
        ++matches;
        if (a) a->contained.push_back(i);
      }
      ++i;
    }
    if (matches < static_cast<size_t>(s.min_contains))
      APIGW_FAIL(s.min_contains == 1 ? "contains" : "minContains",
                 "expected at least " + count_of(s.min_contains, "item") + " matching 'contains', got " +
                     std::to_string(matches));
    if (s.max_contains >= 0 && matches > static_cast<size_t>(s.max_contains))
      APIGW_FAIL("maxContains", "expected at most " + count_of(s.max_contains, "item") + " matching 'contains', got " +
                                    std::to_string(matches));
  }
  return valid;
}

bool Validator::check_object(const Node& s, doc::Value inst, Annotations* a) {
  bool valid = true;
  const size_t size = inst.size();
  if (s.min_props >= 0 && size < static_cast<size_t>(s.min_props))
    APIGW_FAIL("minProperties",
               "expected at least " + count_of(s.min_props, "property") + ", got " + std::to_string(size));
  if (s.max_props >= 0 && size > static_cast<size_t>(s.max_props))
    APIGW_FAIL("maxProperties",
               "expected at most " + count_of(s.max_props, "property") + ", got " + std::to_string(size));
  for (const auto& name : s.required) {
    if (inst.find(name)) continue;
    if (o_.direction != Direction::None) {
      const Node::Property* p = s.find_property(name);
      const Node* ps = p ? p->schema : nullptr;
      if (o_.direction == Direction::Request && flag(ps, &Node::read_only)) continue;
      if (o_.direction == Direction::Response && flag(ps, &Node::write_only)) continue;
    }
    APIGW_FAIL("required", "missing required property '" + name + "'");
  }
  for (const doc::Value::Member m : inst.members()) {
    bool matched = false;
    const Node::Property* p = s.find_property(m.key);
    const Node* ps = p ? p->schema : nullptr;
    if (ps && !errors_ && o_.direction == Direction::None) {
      matched = true;
      APIGW_CHECK(ps->leaf ? scalar_ok(*ps, m.value) : validate(*ps, m.value, nullptr));
    } else if (ps) {
      matched = true;
      path_.push_back(at_key(m.key));
      if (o_.direction == Direction::Request && flag(ps, &Node::read_only)) {
        valid = false;
        if (!report(s, "properties/" + escape_pointer_token(m.key) + "/readOnly", m.value, [&] {
              return "property '" + std::string(m.key) + "' is read-only and must not be sent in a request";
            })) {
          path_.pop_back();
          return false;
        }
      } else if (o_.direction == Direction::Response && flag(ps, &Node::write_only)) {
        valid = false;
        if (!report(s, "properties/" + escape_pointer_token(m.key) + "/writeOnly", m.value, [&] {
              return "property '" + std::string(m.key) + "' is write-only and must not appear in a response";
            })) {
          path_.pop_back();
          return false;
        }
      }
      bool ok = validate(*ps, m.value, nullptr);
      path_.pop_back();
      APIGW_CHECK(ok);
    }
    for (const auto& [re, pattern_schema] : s.pattern_properties) {
      if (!re.search(m.key)) continue;
      matched = true;
      APIGW_CHECK(child(*pattern_schema, m.value, at_key(m.key)));
    }
    if (!matched && s.additional_properties) {
      matched = true;
      const Node& ap = *s.additional_properties;
      if (ap.is_bool && !ap.bool_value) {
        path_.push_back(at_key(m.key));
        valid = false;
        bool go_on = report(s, "additionalProperties", m.value,
                            [&] { return "unexpected property '" + std::string(m.key) + "'"; });
        path_.pop_back();
        if (!go_on) return false;
      } else {
        APIGW_CHECK(child(ap, m.value, at_key(m.key)));
      }
    }
    if (matched && a) a->props.push_back(m.key);
  }
  for (const auto& dep : s.dependent_required) {
    const auto& name = dep.first;  // not a structured binding: clang 14 cannot capture those (APIGW_FAIL's lambda)
    const auto& needed = dep.second;
    if (!inst.find(name)) continue;
    for (const auto& other : needed)
      if (!inst.find(other))
        APIGW_FAIL(s.dialect == Dialect::Draft2020 ? "dependentRequired" : "dependencies",
                   "property '" + name + "' requires property '" + other + "'");
  }
  for (const auto& [name, ds] : s.dependent_schemas)
    if (inst.find(name)) APIGW_CHECK(validate(*ds, inst, a));
  if (s.property_names) {
    for (const doc::Value::Member m : inst.members()) {
      doc::Tape key = doc::Tape::from_node(doc::Node::string(std::string(m.key), m.key_mark));
      APIGW_CHECK(child(*s.property_names, key.root(), at_key(m.key)));
    }
  }
  return valid;
}

// The yes/no form of check_object when no annotations are collected and no direction applies, in the same order
// (a missing required property fails before any pattern is run on the members).
bool Validator::object_ok(const Node& s, doc::Value inst) {
  if (!sizes_ok(s, inst.size())) return false;
  if (!s.plain_object || c_.dynamic_scope) {
    for (const auto& name : s.required)
      if (!inst.find(name)) return false;
    return object_rest_ok(s, inst);
  }
  // The lean loops: each member's slot says what its property needs, the type alone most often.
  const Node* additional = s.additional_properties;
  if (inst.shape()) {
    const Plan* p = plan(s, inst);
    if (!p) return false;
    if (p->first != k_no_steps) return values_ok(inst, plan_steps_ + p->first);
  } else if (!keys_ok(s, inst, nullptr)) {
    return false;
  }
  for (const doc::Value::Member m : inst.members()) {
    if (const Node::PropertySlot* slot = s.find_slot(m.key)) {
      if (!member_ok(*slot, m.value)) return false;
    } else if (additional && !fast_ok(*additional, m.value)) {
      return false;
    }
  }
  return true;
}

// An array's items against an object schema of lean_objects() with no errors to collect: items of the shape of the
// one before (most often all of them) go straight to their values.
bool Validator::items_ok(const Node& is, doc::Value inst) {
  const doc::Value end = inst.next();
  doc::Value item = inst.ahead(1);
  while (!(item == end)) {
    if (!is.type_ok(item)) return false;
    const uint32_t shape = item.shape();
    // object_ok's checks, in its order (sizes, keys, values), its plan kept for the run of items of the shape that
    // starts here (all of the same size, so of the same verdict on minProperties and maxProperties).
    const Plan* p = shape && sizes_ok(is, item.size()) ? plan(is, item) : nullptr;
    if (!p || p->first == k_no_steps) {
      if (item.is_object() && !object_ok(is, item)) return false;
      item = item.next();
      continue;
    }
    if (p->record) {
      item = record_run(records_[p->record - 1], item, end);
      if (!item) return false;
    } else {
      const Step* steps = plan_steps_ + p->first;
      do {
        if (!values_ok(item, steps)) return false;
        item = item.next();
      } while (!(item == end) && item.shape() == shape);
    }
  }
  return true;
}

// Whether an object's keys satisfy `required` (the names that are properties counted through their slots' bits, a
// duplicate key once; the others looked up); with `steps`, the step of each member is stored there.
bool Validator::keys_ok(const Node& s, doc::Value inst, Step* steps) {
  for (const auto& name : s.required_by_slots ? s.required_unslotted : s.required)
    if (!inst.find(name)) return false;
  if (!s.required_slotted && !steps) return true;
  uint64_t seen[Node::k_max_slotted_required / 64] = {};
  for (const doc::Value::Member m : inst.members()) {
    const Node::PropertySlot* slot = s.find_slot(m.key);
    if (steps) *steps++ = step_of(s, slot);
    if (slot && slot->required_bit) seen[(slot->required_bit - 1) / 64] |= uint64_t{1} << ((slot->required_bit - 1) % 64);
  }
  if (s.required_slotted) {
    unsigned found = 0;
    for (uint64_t w : seen) found += static_cast<unsigned>(std::popcount(w));
    if (found != s.required_slotted) return false;
  }
  return true;
}

// The plan of this schema for this object's shape, made when missing (with its Record when its steps make one): null
// when the keys fail; its `first` is k_no_steps when no room was left to store its steps.
const Validator::Plan* Validator::plan(const Node& s, doc::Value inst) {
  if (!plans_ready_) {
    for (Plan& p : plans_) p.node = nullptr;
    plans_ready_ = true;
  }
  const uint32_t shape = inst.shape();
  Plan& p = plans_[((reinterpret_cast<uintptr_t>(&s) >> 4) ^ (shape * 0x9e3779b9u)) % k_plans];
  if (p.node != &s || p.shape != shape) {
    const size_t size = inst.size();
    const bool room = size <= k_plan_steps - plan_used_;
    Step* steps = room ? plan_steps_ + plan_used_ : nullptr;
    p = {&s, shape, room ? plan_used_ : k_no_steps, keys_ok(s, inst, steps), 0};
    if (room) {
      plan_used_ += static_cast<uint32_t>(size);
      if (p.keys_ok) p.record = record_of(steps, size);  // else the steps may not all be there
    }
  }
  return p.keys_ok ? &p : nullptr;
}

// The items of a Record's shape from `item` on, up to `end`: the item after them, or a null handle when one fails.
// One function per number of members (up to Record::k_members), so that the kinds are read without a loop, with
// and without leaf schemas to check.
doc::Value Validator::record_run(Record& r, doc::Value item, doc::Value end) {
  using Run = doc::Value (Validator::*)(Record&, doc::Value, doc::Value);
  static constexpr auto runs = []<uint32_t... M>(std::integer_sequence<uint32_t, M...>) {
    return std::array<Run, 2 * sizeof...(M)>{&Validator::record_run<M + 1, false>...,
                                             &Validator::record_run<M + 1, true>...};
  }(std::make_integer_sequence<uint32_t, Record::k_members>());
  return (this->*runs[r.members - 1 + (r.checks ? Record::k_members : 0)])(r, item, end);
}

// An item whose values pass the kinds is 1 + 2 × Members entries long.
template <uint32_t Members, bool Checks>
doc::Value Validator::record_run(Record& r, doc::Value item, doc::Value end) {
  const uint32_t shape = item.shape();
  const Record::Enum *const enums = r.enum_, *const last = r.enum_ + r.enums;
  const Record::Check *const checks = r.check, *const checks_end = r.check + r.checks;
  do {
    // The kinds of the values, 3 bits each.
    const uint64_t signature = [&]<uint32_t... I>(std::integer_sequence<uint32_t, I...>) {
      return ((uint64_t{static_cast<uint8_t>(item.flat_member(I).kind())} << (3 * I)) | ...);
    }(std::make_integer_sequence<uint32_t, Members>());
    if (signature != r.signature && !kinds_ok(r, item, signature)) return {};
    // Each enum's value is its first value, most often: the rest (and any call) left to enums_ok.
    const Record::Enum* e = enums;
    for (; e != last; ++e) {
      uint32_t size;
      uint64_t tail;
      if (!(item.ahead(e->entry).tail(size, tail) && e->first.matches(size, tail))) break;
    }
    if (e != last && !enums_ok(e, last, item)) return {};
    if constexpr (Checks)
      for (const Record::Check* c = checks; c != checks_end; ++c)
        if (!scalar_ok(*c->node, item.ahead(c->entry))) return {};
    item = item.ahead(1 + 2 * Members);
  } while (!(item == end) && item.shape() == shape);
  return item;
}

// Whether an object's values are of their members' kinds (`signature` the kinds, remembered when they are).
bool Validator::kinds_ok(Record& r, doc::Value inst, uint64_t signature) {
  for (uint32_t i = 0; i < r.members; ++i)
    if (!((r.kinds[i] >> static_cast<unsigned>(inst.flat_member(i).kind())) & 1)) return false;
  r.signature = signature;
  return true;
}

// The Record of a plan's steps (see Record), stored: its index plus one, or 0 when the steps do not make one or no
// room is left.
uint32_t Validator::record_of(const Step* steps, size_t size) {
  if (records_used_ == k_records || size == 0 || size > Record::k_members) return 0;
  Record& r = records_[records_used_];
  r.members = static_cast<uint32_t>(size);
  r.enums = 0;
  r.checks = 0;
  r.signature = UINT64_MAX;
  for (size_t i = 0; i < size; ++i) {
    const Step& step = steps[i];
    const auto entry = static_cast<uint32_t>(2 + 2 * i);
    if (step.op == Step::Check) {
      // A leaf of scalar types: the kinds, with floats where an integer may be one, sort out the values that are
      // not one entry; scalar_ok decides.
      const Node& n = *step.node;
      if (!n.leaf || (n.kinds & k_container_kinds) || r.checks == Record::k_checks) return 0;
      r.kinds[i] = n.integral_floats ? n.kinds | k_float_kind : n.kinds;
      r.check[r.checks++] = {entry, &n};
      continue;
    }
    if (step.kinds & k_container_kinds) return 0;
    r.kinds[i] = step.kinds;
    if (step.op == Step::StringEnum) {
      if (r.enums == Record::k_enums) return 0;
      const auto& short_ = step.node->enum_short;
      r.enum_[r.enums++] = {short_.empty() ? doc::ShortText{UINT32_MAX, 0, 0} : short_[0], entry, step.node};
    }
  }
  return ++records_used_;
}

// object_ok() for the objects with patternProperties, dependencies or propertyNames.
bool Validator::object_rest_ok(const Node& s, doc::Value inst) {
  const bool patterns = !s.pattern_properties.empty();
  const Node* additional = s.additional_properties;
  for (const doc::Value::Member m : inst.members()) {
    const Node::Property* p = s.find_property(m.key);
    if (p) {
      const Node& ps = *p->schema;
      if (!(ps.leaf ? scalar_ok(ps, m.value) : validate(ps, m.value, nullptr))) return false;
      if (!patterns) continue;
    }
    bool matched = p;
    for (const auto& [re, pattern_schema] : s.pattern_properties) {
      if (!re.search(m.key)) continue;
      matched = true;
      if (!validate(*pattern_schema, m.value, nullptr)) return false;
    }
    if (!matched && additional && !validate(*additional, m.value, nullptr)) return false;
  }
  for (const auto& [name, needed] : s.dependent_required) {
    if (!inst.find(name)) continue;
    for (const auto& other : needed)
      if (!inst.find(other)) return false;
  }
  for (const auto& [name, ds] : s.dependent_schemas)
    if (inst.find(name) && !validate(*ds, inst, nullptr)) return false;
  if (s.property_names)
    for (const doc::Value::Member m : inst.members()) {
      doc::Tape key = doc::Tape::from_node(doc::Node::string(std::string(m.key), m.key_mark));
      if (!validate(*s.property_names, key.root(), nullptr)) return false;
    }
  return true;
}

// allOf/anyOf/oneOf/not/if and the discriminator, then unevaluated*: after everything else, using what the other
// keywords evaluated.
bool Validator::check_applicators(const Node& s, doc::Value inst, Annotations* a) {
  bool valid = true;
  // In-place applicators.
  for (const Node* b : s.all_of) APIGW_CHECK(validate(*b, inst, a));
  bool discriminated = false;
  if (!s.discriminator.empty() && inst.is_object() && (!s.one_of.empty() || !s.any_of.empty())) {
    discriminated = true;
    const doc::Value v = inst.find(s.discriminator);
    const Node* target = nullptr;
    if (v && v.is_string())
      for (const auto& [name, n] : s.discriminator_map)
        if (name == v.as_string()) target = n;
    if (!v) {
      APIGW_FAIL("discriminator", "missing required property '" + s.discriminator + "' (the discriminator)");
    } else if (!target) {
      path_.push_back(at_key(s.discriminator));
      valid = false;
      bool go_on = report(s, "discriminator", v, [&] {
        std::string names;
        for (const auto& [name, n] : s.discriminator_map) names += (names.empty() ? "'" : ", '") + name + "'";
        return "expected one of the discriminator values " + names + ", got " + value::describe(v);
      });
      path_.pop_back();
      if (!go_on) return false;
    } else {
      APIGW_CHECK(validate(*target, inst, a));
    }
  }
  if (!s.any_of.empty() && !discriminated) {
    bool any = false;
    for (const Node* b : s.any_of) {
      Annotations t;
      if (probe(*b, inst, a ? &t : nullptr)) {
        any = true;
        if (!a) break;
        a->merge(t);
      }
    }
    if (!any) {
      valid = false;
      if (!errors_ || full()) return false;
      closest_branch(s, "anyOf", s.any_of, inst);
      if (full()) return false;
    }
  }
  if (!s.one_of.empty() && !discriminated) {
    std::vector<size_t> matching;
    Annotations first;
    for (size_t i = 0; i < s.one_of.size() && matching.size() < 2; ++i) {
      Annotations t;
      if (probe(*s.one_of[i], inst, a ? &t : nullptr)) {
        if (matching.empty()) first = std::move(t);
        matching.push_back(i);
      }
    }
    if (matching.size() == 1) {
      if (a) a->merge(first);
    } else if (matching.empty()) {
      valid = false;
      if (!errors_ || full()) return false;
      closest_branch(s, "oneOf", s.one_of, inst);
      if (full()) return false;
    } else {
      APIGW_FAIL("oneOf", "expected exactly one schema of oneOf to match, but schemas " + std::to_string(matching[0]) +
                              " and " + std::to_string(matching[1]) + " both match");
    }
  }
  if (s.not_ && probe(*s.not_, inst, nullptr))
    APIGW_FAIL("not", "expected a value that does not match the 'not' schema, got " + value::describe(inst));
  if (s.if_) {
    Annotations t;
    if (probe(*s.if_, inst, a ? &t : nullptr)) {
      if (a) a->merge(t);
      if (s.then_) APIGW_CHECK(validate(*s.then_, inst, a));
    } else if (s.else_) {
      APIGW_CHECK(validate(*s.else_, inst, a));
    }
  }

  // Unevaluated: after everything else, using what the other keywords evaluated.
  if (s.unevaluated_items && inst.is_array() && a) {
    size_t i = 0;
    for (doc::Value item : inst.items()) {
      const size_t index = i++;
      if (a->has_item(index)) continue;
      const Node& ui = *s.unevaluated_items;
      if (ui.is_bool && !ui.bool_value) {
        path_.push_back(at_index(index));
        valid = false;
        bool go_on = report(s, "unevaluatedItems", item, [&] { return "unexpected item " + std::to_string(index); });
        path_.pop_back();
        if (!go_on) return false;
      } else {
        APIGW_CHECK(child(ui, item, at_index(index)));
      }
    }
    if (valid) a->all_items = true;
  }
  if (s.unevaluated_properties && inst.is_object() && a) {
    for (const doc::Value::Member m : inst.members()) {
      if (a->has_prop(m.key)) continue;
      const Node& up = *s.unevaluated_properties;
      if (up.is_bool && !up.bool_value) {
        path_.push_back(at_key(m.key));
        valid = false;
        bool go_on = report(s, "unevaluatedProperties", m.value,
                            [&] { return "unexpected property '" + std::string(m.key) + "'"; });
        path_.pop_back();
        if (!go_on) return false;
      } else {
        APIGW_CHECK(child(up, m.value, at_key(m.key)));
      }
    }
    if (valid)
      for (const doc::Value::Member m : inst.members()) a->props.push_back(m.key);
  }
  return valid;
}

#undef APIGW_FAIL
#undef APIGW_CHECK

}  // namespace

std::vector<Error> Schema::validate(doc::Value instance, const ValidateOptions& options) const {
  std::vector<Error> errors;
  Validator v(*c_, options, &errors);
  bool ok = v.validate(*c_->entry, instance, nullptr);
  if (!ok && errors.empty())
    errors.push_back({"", c_->entry->loc, instance.mark(), "the value does not match the schema"});
  return errors;
}

bool Schema::is_valid(doc::Value instance, Direction direction) const {
  ValidateOptions options;
  options.direction = direction;
  Validator v(*c_, options, nullptr);
  return v.validate(*c_->entry, instance, nullptr);
}

std::vector<Error> Schema::validate(const doc::Node& instance, const ValidateOptions& options) const {
  if (doc::ScalarView::fits(instance)) return validate(doc::ScalarView(instance).value(), options);
  return validate(doc::Tape::from_node(instance).root(), options);
}

bool Schema::is_valid(const doc::Node& instance, Direction direction) const {
  if (doc::ScalarView::fits(instance)) return is_valid(doc::ScalarView(instance).value(), direction);
  return is_valid(doc::Tape::from_node(instance).root(), direction);
}

}  // namespace apigw::schema
