// The compiled form of a schema: a graph of nodes, one per schema object, with every keyword decoded and every
// $ref resolved to a node pointer. Internal to emulator/schema.
#pragma once

#include <bitset>
#include <cstdint>
#include <string_view>
#include <deque>
#include <memory>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "emulator/doc/node.hpp"
#include "emulator/schema/format.hpp"
#include "emulator/schema/schema.hpp"

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

// Short-string equality: most mismatches differ in length or first byte.
inline bool same_text(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i]) return false;
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
  std::vector<std::pair<std::string, const Node*>> properties;  // sorted by name
  std::vector<std::pair<Regex, const Node*>> pattern_properties;
  const Node* additional_properties = nullptr;
  std::vector<std::string> required;
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
  std::vector<std::string_view> enum_strings;  // when every enum value is a string
  bool enum_all_strings = false;

  const Node* find_property(std::string_view name) const;
  void summarise();
};

struct Compiled {
  Dialect dialect = Dialect::Draft2020;
  bool assert_formats = false;
  const Node* entry = nullptr;
  std::deque<Node> nodes;
  std::deque<Resource> resources;
  std::vector<std::shared_ptr<const doc::Node>> documents;  // keeps every value the nodes point into alive
};

}  // namespace apigw::schema
