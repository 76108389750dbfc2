// The compiled form of a schema: a graph of nodes, one per schema object, with every keyword decoded and every
// $ref resolved to a node pointer. Internal to emulator/schema.
#pragma once

#include <bitset>
#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "emulator/doc/node.hpp"
#include "emulator/schema/format.hpp"
#include "emulator/schema/schema.hpp"
#include "emulator/schema/value.hpp"

namespace apigw::schema {

struct Node;

// A schema resource (a document, or a subschema with its own $id): the unit of the dynamic scope.
struct Resource {
  std::string uri;
  // From the `$vocabulary` of a custom meta-schema named by `$schema`.
  bool validation = true;         // the validation vocabulary (type, enum, minimum, required, ...)
  bool format_assertion = false;  // the format-assertion vocabulary
  std::vector<std::pair<std::string, const Node*>> dynamic_anchors;
  const Node* dynamic_anchor(const std::string& name) const {
    for (const auto& [n, node] : dynamic_anchors)
      if (n == name) return node;
    return nullptr;
  }
};

enum TypeBit : uint8_t {
  k_type_null = 1,
  k_type_boolean = 2,
  k_type_object = 4,
  k_type_array = 8,
  k_type_number = 16,
  k_type_string = 32,
  k_type_integer = 64
};

// A `pattern`: std::regex is slow, so the shapes common in API specs are matched directly.
struct Regex {
  enum class Shape : uint8_t { General, Prefix, Contains, ClassRun };
  std::string source;
  std::shared_ptr<const std::regex> re;
  Shape shape = Shape::General;
  std::string literal;       // Prefix ("^x-"), Contains ("abc")
  std::bitset<256> allowed;  // ClassRun: ^[...]+$ or ^[...]*$ over ASCII members
  bool allow_empty = false;  // ClassRun with '*'
  // Back-references need std::regex's recursive executor, whose stack use grows with the input: such patterns are
  // only run on strings up to k_backtracking_limit bytes (longer ones fail with their own message).
  bool backtracking = false;
  static constexpr size_t k_backtracking_limit = 2000;
  bool too_long(std::string_view text) const {
    return shape == Shape::General && backtracking && text.size() > k_backtracking_limit;
  }

  bool search(std::string_view text) const {
    switch (shape) {
      case Shape::Prefix:
        return text.substr(0, literal.size()) == literal;
      case Shape::Contains:
        return text.find(literal) != std::string_view::npos;
      case Shape::ClassRun:
        if (text.empty()) return allow_empty;
        for (unsigned char c : text)
          if (!allowed[c]) return false;
        return true;
      case Shape::General:
        break;
    }
    if (too_long(text)) return false;
    return std::regex_search(text.begin(), text.end(), *re);
  }
};

// Short-string equality (property names, enum values) without a call to memcmp: words at a time, the last word
// overlapping the one before it.
inline bool same_text(std::string_view a, std::string_view b) {
  const size_t n = a.size();
  if (n != b.size()) return false;
  const char* x = a.data();
  const char* y = b.data();
  auto word = [](const char* p, auto w) {
    std::memcpy(&w, p, sizeof w);
    return w;
  };
  if (n >= 8) {
    for (size_t i = 0; i + 8 < n; i += 8)
      if (word(x + i, uint64_t{}) != word(y + i, uint64_t{})) return false;
    return word(x + n - 8, uint64_t{}) == word(y + n - 8, uint64_t{});
  }
  if (n >= 4)
    return word(x, uint32_t{}) == word(y, uint32_t{}) && word(x + n - 4, uint32_t{}) == word(y + n - 4, uint32_t{});
  for (size_t i = 0; i < n; ++i)
    if (x[i] != y[i]) return false;
  return true;
}

// Recognises the shapes above; leaves `shape` General otherwise.
void analyse_pattern(Regex& r);

struct Node {
  std::string loc;  // "#/properties/id" (schema location of this node)
  Dialect dialect = Dialect::Draft2020;
  const Resource* resource = nullptr;
  bool is_bool = false;
  bool bool_value = true;

  // $ref: in draft 4 and OpenAPI 3.0 a $ref replaces its siblings.
  const Node* ref = nullptr;
  bool ref_only = false;
  const Node* dynamic_ref = nullptr;
  std::string dynamic_name;  // set when the $dynamicRef's static target has a matching $dynamicAnchor

  uint8_t types = 0;  // 0: no type keyword
  bool nullable = false;
  const doc::Node* const_value = nullptr;
  const doc::Node* enum_values = nullptr;  // an array

  const doc::Node* minimum = nullptr;
  const doc::Node* maximum = nullptr;
  const doc::Node* exclusive_minimum = nullptr;
  const doc::Node* exclusive_maximum = nullptr;
  const doc::Node* multiple_of = nullptr;

  int64_t min_length = -1, max_length = -1;
  std::shared_ptr<Regex> pattern;
  format::Id format = format::Id::None;
  std::string format_name;
  bool format_asserts = false;  // the format-assertion vocabulary is on for this node

  int64_t min_items = -1, max_items = -1;
  bool unique_items = false;
  std::vector<const Node*> prefix_items;
  const Node* items = nullptr;  // items after the prefix
  const Node* contains = nullptr;
  int64_t min_contains = 1, max_contains = -1;

  int64_t min_props = -1, max_props = -1;
  struct Property {
    std::string name;
    const Node* schema = nullptr;
  };
  std::vector<Property> properties;  // in document order; see find_property
  std::vector<std::pair<Regex, const Node*>> pattern_properties;
  const Node* additional_properties = nullptr;
  std::vector<std::string> required;
  // Set by link() when `required` has at most k_max_slotted_required distinct names: those that are properties are
  // counted by object_ok's member loop through their slot's required_bit (one pass instead of a search of the
  // members per name: GitHub's repository object requires 80 of them); the others are looked up.
  static constexpr size_t k_max_slotted_required = 256;
  bool required_by_slots = false;
  uint32_t required_slotted = 0;
  std::vector<std::string> required_unslotted;
  std::vector<std::pair<std::string, std::vector<std::string>>> dependent_required;
  std::vector<std::pair<std::string, const Node*>> dependent_schemas;
  const Node* property_names = nullptr;

  std::vector<const Node*> all_of, any_of, one_of;
  const Node* not_ = nullptr;
  const Node* if_ = nullptr;
  const Node* then_ = nullptr;
  const Node* else_ = nullptr;

  const Node* unevaluated_properties = nullptr;
  const Node* unevaluated_items = nullptr;

  bool read_only = false;
  bool write_only = false;
  std::string discriminator;  // property name
  std::vector<std::pair<std::string, const Node*>> discriminator_map;

  // Which groups of keywords are present, so validation skips the rest without looking at them.
  bool has_number_keywords = false;
  bool has_string_keywords = false;
  bool has_array_keywords = false;
  bool has_object_keywords = false;
  bool has_applicators = false;
  bool leaf = false;  // only type/enum/const/number/string keywords: checked inline on the fast path
  bool has_value_keywords = false;  // enum, const, number or string keywords: more than the type to check
  std::vector<std::string_view> enum_strings;  // when every enum value is a string
  std::vector<doc::ShortText> enum_short;      // and each is of at most 8 bytes
  bool enum_all_strings = false;
  bool string_enum_only = false;  // enum_all_strings and no other keyword on a string value
  // `type` (with `nullable`) as one bit per doc::Kind, so the check is a shift; a float passes an integer-only type
  // when it has no fractional part, which `integral_floats` asks to check.
  uint8_t kinds = 0x7f;
  bool integral_floats = false;
  bool type_ok(doc::Value inst) const {
    return ((kinds >> static_cast<unsigned>(inst.kind())) & 1) ||
           (integral_floats && inst.kind() == doc::Kind::Float && value::is_integer(inst));
  }

  // `properties` by name: open addressing keyed by the name's first 8 bytes and its length, which also settle the
  // comparison for names of up to 8 bytes; a lookup costs about one comparison whatever the number of properties
  // (GitHub's objects have up to a hundred).
  struct PropertySlot {
    uint64_t head = 0;  // head_word() of the name
    uint32_t size = 0;
    uint32_t index = 0;  // into properties, plus one; 0: empty
    // Filled by link() once every node is compiled, for the yes/no walk: the property's schema past `$ref`s that
    // replace their siblings, and when that is only a type (the commonest property), its kinds, so the check needs
    // neither node.
    const Node* target = nullptr;
    uint8_t kinds = 0;
    bool type_only = false;
    bool string_enum = false;  // a type and an enum of strings, nothing else: checked in place for a string
    uint16_t required_bit = 0;  // 1 + the name's bit among the required names that have a slot; 0: not required
  };
  std::vector<PropertySlot> property_slots;  // a power of two in size, at most half full
  // Bytes 0..7 of `text` in the low bytes of a word (zeros past its end), read without going past its end.
  static uint64_t head_word(std::string_view text) {
    const char* p = text.data();
    const size_t n = text.size();
    if (n >= 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      return w;
    }
    if (n >= 4) {
      uint32_t lo, hi;
      std::memcpy(&lo, p, 4);
      std::memcpy(&hi, p + n - 4, 4);
      return lo | (uint64_t{hi} << (8 * (n - 4)));
    }
    if (n == 0) return 0;
    auto byte = [&](size_t i) { return uint64_t{static_cast<unsigned char>(p[i])} << (8 * i); };
    return byte(0) | byte(n / 2) | byte(n - 1);
  }
  uint64_t slot_multiplier = 0x9e3779b97f4a7c15u;  // chosen by summarise()
  size_t slot_of(uint64_t head, size_t size) const {
    return static_cast<size_t>(((head + size) * slot_multiplier) >> 40);  // one multiply: it is on every member
  }
  // The first property with this name, or nullptr.
  const Property* find_property(std::string_view name) const {
    const PropertySlot* slot = find_slot(name);
    return slot ? &properties[slot->index - 1] : nullptr;
  }
  const PropertySlot* find_slot(std::string_view name) const {
    if (property_slots.empty()) return nullptr;
    const uint64_t head = head_word(name);
    const size_t mask = property_slots.size() - 1;
    for (size_t i = slot_of(head, name.size()) & mask;; i = (i + 1) & mask) {
      const PropertySlot& slot = property_slots[i];
      if (slot.index == 0) return nullptr;
      if (slot.head != head || slot.size != name.size()) continue;
      if (name.size() <= 8 || same_text(std::string_view(properties[slot.index - 1].name).substr(8), name.substr(8)))
        return &slot;
    }
  }
  bool enum_has_string(std::string_view text) const {
    for (std::string_view e : enum_strings)
      if (same_text(e, text)) return true;
    return false;
  }
  void summarise();
  void link();  // after every node is compiled
  // Only type and object keywords (no $ref, applicators, value keywords): the yes/no walk calls object_ok directly.
  bool object_only = false;
  // Some property is readOnly or writeOnly (past $refs): requests and responses then need check_object.
  bool directional = false;
  // No patternProperties, dependentRequired, dependentSchemas or propertyNames: object_ok's lean loop does.
  bool plain_object = true;
};

struct Compiled {
  Dialect dialect = Dialect::Draft2020;
  bool assert_formats = false;
  bool dynamic_scope = false;  // some $dynamicRef looks up the dynamic scope, which validation must then track
  const Node* entry = nullptr;
  std::deque<Node> nodes;
  std::deque<Resource> resources;
  std::vector<std::shared_ptr<const doc::Node>> documents;  // keeps every value the nodes point into alive
};

}  // namespace apigw::schema
