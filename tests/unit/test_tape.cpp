// doc::Tape and parse_json_tape: the flat form the schema validator walks must say exactly what parse_json's tree
// says (values, marks, errors, duplicate keys), for documents written here and for every JSON file of the corpus.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>

#include <nlohmann/json.hpp>

#include "emulator/doc/node.hpp"
#include "emulator/doc/tape.hpp"

using namespace apigw::doc;
namespace fs = std::filesystem;

namespace {

// Why two values differ ("" when they are the same, marks included), with the JSON pointer where they part.
std::string difference(const Node& tree, Value tape, const std::string& at = "") {
  if (!tape) return at + ": no value on the tape";
  if (tree.kind != tape.kind())
    return at + ": kind " + std::string(kind_name(tree.kind)) + " against " + std::string(kind_name(tape.kind()));
  if (tree.mark.line != tape.mark().line || tree.mark.col != tape.mark().col)
    return at + ": mark " + std::to_string(tree.mark.line) + ":" + std::to_string(tree.mark.col) + " against " +
           std::to_string(tape.mark().line) + ":" + std::to_string(tape.mark().col);
  switch (tree.kind) {
    case Kind::Null: return "";
    case Kind::Bool: return tree.as_bool() == tape.as_bool() ? "" : at + ": boolean";
    case Kind::Int: return tree.as_int() == tape.as_int() ? "" : at + ": integer";
    case Kind::Float: return tree.as_double() == tape.as_double() ? "" : at + ": number";
    case Kind::String: return tree.as_string() == tape.as_string() ? "" : at + ": string";
    case Kind::Array: {
      if (tree.items().size() != tape.size()) return at + ": array size";
      size_t i = 0;
      for (Value item : tape.items()) {
        std::string d = difference(tree.items()[i], item, at + "/" + std::to_string(i));
        if (!d.empty()) return d;
        ++i;
      }
      return i == tree.items().size() ? "" : at + ": items() visited " + std::to_string(i);
    }
    case Kind::Object: {
      if (tree.members().size() != tape.size()) return at + ": object size";
      size_t i = 0;
      for (const Value::Member m : tape.members()) {
        const Member& expected = tree.members()[i];
        if (expected.key != m.key) return at + ": key '" + expected.key + "' against '" + std::string(m.key) + "'";
        if (expected.key_mark.line != m.key_mark.line || expected.key_mark.col != m.key_mark.col)
          return at + "/" + expected.key + ": key mark";
        if (tape.find(m.key).mark().line != m.value.mark().line) return at + "/" + expected.key + ": find()";
        std::string d = difference(expected.value, m.value, at + "/" + expected.key);
        if (!d.empty()) return d;
        ++i;
      }
      return "";
    }
  }
  return at + ": unknown kind";
}

// Why a tape's shapes are wrong ("" when right): two objects with shapes must share one exactly when they have the
// same keys in the same order, and a shape's keys must be the object's. Objects inside arrays must have one (the
// parser leaves the others without, unless they are large).
std::string shape_fault(const Tape& tape) {
  std::map<uint32_t, std::vector<std::string>> by_shape;
  std::map<std::vector<std::string>, uint32_t> by_keys;
  std::string fault;
  std::function<void(Value, bool)> walk = [&](Value v, bool in_array) {
    if (!fault.empty()) return;
    for (Value item : v.items()) walk(item, true);
    if (!v.is_object()) return;
    std::vector<std::string> keys;
    for (const Value::Member m : v.members()) {
      keys.emplace_back(m.key);
      walk(m.value, in_array);
    }
    if (v.shape() == 0) {
      if (in_array) fault = "an object inside an array without a shape";
      return;
    }
    auto [s, new_shape] = by_shape.emplace(v.shape(), keys);
    auto [k, new_keys] = by_keys.emplace(keys, v.shape());
    if (s->second != keys) fault = "shape " + std::to_string(v.shape()) + " has two key sequences";
    if (k->second != v.shape()) fault = "one key sequence has shapes " + std::to_string(k->second) + " and " +
                                        std::to_string(v.shape());
    std::vector<std::string> listed;
    for (std::string_view key : tape.shape_keys(v.shape())) listed.emplace_back(key);
    if (listed != keys) fault = "shape_keys differs from the object's keys";
  };
  if (!tape.empty()) walk(tape.root(), false);
  return fault;
}

// parse_json and parse_json_tape on one text: the same verdict, issues, and values.
void same_as_tree(const std::string& text, const ParseLimits& limits = {}) {
  Document tree = parse_json(text, "f.json", limits);
  TapeDocument tape = parse_json_tape(text, limits);
  REQUIRE(tree.ok() == tape.ok());
  REQUIRE(tree.issues.size() == tape.issues.size());
  for (size_t i = 0; i < tree.issues.size(); ++i) {
    CHECK(tree.issues[i].message == tape.issues[i].message);
    CHECK(tree.issues[i].mark.line == tape.issues[i].mark.line);
    CHECK(tree.issues[i].mark.col == tape.issues[i].mark.col);
    CHECK(tree.issues[i].fatal == tape.issues[i].fatal);
  }
  if (tree.ok()) {
    CHECK(difference(tree.root, tape.tape.root()) == "");
    CHECK(tape.tape.root().to_node().to_json() == tree.root.to_json());
    CHECK(shape_fault(tape.tape) == "");
  } else {
    CHECK(tape.tape.empty());
    CHECK_FALSE(tape.tape.root());
  }
}

}  // namespace

TEST_CASE("tape: values, marks and navigation") {
  TapeDocument d = parse_json_tape("{\n  \"a\": [1, 2.5, \"x\", -7e2],\n  \"b\": {\"c\": null, \"d\": true},\n  \"e\": []\n}");
  REQUIRE(d.ok());
  Value root = d.tape.root();
  REQUIRE(root.is_object());
  CHECK(root.size() == 3);
  Value a = root.find("a");
  REQUIRE(a);
  CHECK(a.is_array());
  CHECK(a.mark().line == 2);
  CHECK(a.mark().col == 8);
  std::vector<std::string> seen;
  for (Value item : a.items()) seen.push_back(std::string(kind_name(item.kind())));
  CHECK(seen == std::vector<std::string>{"integer", "number", "string", "number"});
  CHECK((*a.items().begin()).as_int() == 1);
  CHECK(root.find("b").find("d").as_bool());
  CHECK(root.find("b").find("c").is_null());
  CHECK_FALSE(root.find("b").find("nope"));
  CHECK_FALSE(root.find("a").find("x"));  // not an object: no members
  CHECK(root.find("e").size() == 0);
  size_t empty_items = 0;
  for (Value item : root.find("e").items()) empty_items += item ? 1 : 0;
  CHECK(empty_items == 0);
  // skip() steps over a whole subtree: the value after "a"'s array is the key "b".
  size_t members = 0;
  for (const Value::Member m : root.members()) {
    ++members;
    CHECK(m.key_mark.col == 3);
  }
  CHECK(members == 3);
  CHECK(root.skip() == d.tape.entries().data() + d.tape.entries().size());
}

TEST_CASE("tape: the same values, marks and errors as parse_json") {
  for (const char* text : {
           "0", "-0", "1e400", "-12345678901234567890", "9223372036854775807", "-9223372036854775808", "1.5e-3",
           "\"\\u00e9\\ud83d\\ude00\\n\\t\\\\\\/\"", "[]", "{}", "[[], {}, [[]], {\"a\": {}}]",
           "  {\"k\" : [true , false , null] }  ", "{\"\": \"\", \"a\\u0000b\": 1}",
           "{\"a\": 1\n \"b\": 2}", "[1, 2", "\"\\q\"", "\"\\ud800\"", "\"\xC0\xAF\"", "{} x", "", "   ", "[1,]",
           "{\"a\" 1}", "{\"a\":}", "01", "1.", "-", "tru", "nul", "[\"a\t\"]", "\"\xFF\"", "{\"a\": [1, {\"b\": \"c\"}]]",
           "{\"a\": 1,\n\"a\": 2}", "{\"a\": {\"x\": 1, \"x\": [1, 2]}, \"b\": 3, \"a\": 4, \"c\": [5]}",
           "[{\"id\": 1, \"id\": {\"deep\": [1, 2, 3]}, \"after\": true}, 2]"}) {
    CAPTURE(text);
    same_as_tree(text);
  }
  SUBCASE("deep nesting is refused with parse_json's message") {
    const std::string deep(100000, '[');
    same_as_tree(deep);
    CHECK(parse_json_tape(deep).issues.at(0).message == "invalid JSON: nesting deeper than 256 levels");
  }
  SUBCASE("strings at every offset and length") {
    for (size_t n = 0; n < 40; ++n) same_as_tree("[\"" + std::string(n, 'a') + "\", \"" + std::string(n, 'b') + "\\n\"]");
  }
}

TEST_CASE("tape: the parse limits apply as they do to the tree") {
  ParseLimits few;
  few.max_nodes = 10;
  few.max_depth = 3;
  same_as_tree("[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]", few);
  CHECK_FALSE(parse_json_tape("[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]", few).ok());
  same_as_tree("[[[[1]]]]", few);
  CHECK_FALSE(parse_json_tape("[[[[1]]]]", few).ok());
  same_as_tree("[[[1]]]", few);
  same_as_tree("{\"a\": {\"b\": [1, 2, 3]}}", few);
}

TEST_CASE("tape: duplicate keys keep the first member and everything after it") {
  TapeDocument d = parse_json_tape("{\"a\": {\"x\": 1}, \"b\": 2,\n\"a\": [9, 9, {\"y\": 3}], \"c\": \"after\"}");
  REQUIRE(d.ok());
  REQUIRE(d.issues.size() == 1);
  CHECK_FALSE(d.issues[0].fatal);
  CHECK(d.issues[0].mark.line == 2);
  Value root = d.tape.root();
  CHECK(root.size() == 3);
  CHECK(root.find("a").is_object());
  CHECK(root.find("a").find("x").as_int() == 1);
  CHECK(root.find("c").as_string() == "after");
  CHECK(root.skip() == d.tape.entries().data() + d.tape.entries().size());  // the dropped value left no entries
}

TEST_CASE("tape: objects share a shape exactly when they have the same keys in the same order") {
  TapeDocument d = parse_json_tape(R"([{"a": 1, "b": 2}, {"a": "x", "b": []}, {"b": 1, "a": 2}, {"a": 1}, {},
    {"a": 1, "b": 2, "c": 3}, {}, {"a": {"a": 1, "b": 2}, "b": {"b": 0}}, {"a": 0, "b": 0}])");
  REQUIRE(d.ok());
  std::vector<uint32_t> shapes;
  for (Value item : d.tape.root().items()) shapes.push_back(item.shape());
  CHECK(shapes[0] == shapes[1]);  // values do not matter
  CHECK(shapes[0] != shapes[2]);  // order does
  CHECK(shapes[0] != shapes[3]);
  CHECK(shapes[4] == shapes[6]);  // {} has one
  CHECK(shapes[0] != shapes[5]);
  CHECK(shapes[7] == shapes[0]);
  CHECK((*d.tape.root().items().begin()).shape() == shapes[0]);
  CHECK((*d.tape.root().items().begin()).find("a").shape() == 0);  // not an object
  CHECK(d.tape.root().shape() == 0);
  CHECK(d.tape.shape_keys(shapes[2]) == std::vector<std::string_view>{"b", "a"});
  CHECK(d.tape.shape_keys(0).empty());
  CHECK(d.tape.shape_keys(99).empty());
  CHECK(d.tape.key_count() == 3);
  CHECK(shape_fault(d.tape) == "");
  // Outside arrays, small objects have none (they are validated once), large ones have one.
  TapeDocument top = parse_json_tape(R"({"a": {"b": 1}, "list": [{"c": {"d": 2}}]})");
  REQUIRE(top.ok());
  CHECK(top.tape.root().shape() == 0);
  CHECK(top.tape.root().find("a").shape() == 0);
  CHECK((*top.tape.root().find("list").items().begin()).shape() != 0);
  CHECK((*top.tape.root().find("list").items().begin()).find("c").shape() != 0);
  // Past 64 members (where the parser stops comparing keys as text), duplicates before and after the switch.
  std::string large = "{";
  for (int i = 0; i < 80; ++i) large += (i ? ", \"k" : "\"k") + std::to_string(i) + "\": 0";
  TapeDocument big = parse_json_tape(large + ", \"k3\": 1, \"k79\": 2}");
  REQUIRE(big.ok());
  CHECK(big.tape.root().shape() != 0);
  CHECK(big.tape.root().size() == 80);
  CHECK(big.issues.size() == 2);
  CHECK(big.tape.shape_keys(big.tape.root().shape()).size() == 80);
  CHECK(shape_fault(big.tape) == "");
  same_as_tree(large + ", \"k3\": 1, \"k79\": 2}");
  same_as_tree(large + ", \"k63\": 1, \"k64\": 2}");
  std::string sixty_four = "{";  // exactly 64: no shape, then a duplicate as the 65th key
  for (int i = 0; i < 64; ++i) sixty_four += (i ? ", \"k" : "\"k") + std::to_string(i) + "\": 0";
  TapeDocument edge = parse_json_tape(sixty_four + "}");
  REQUIRE(edge.ok());
  CHECK(edge.tape.root().shape() == 0);
  same_as_tree(sixty_four + ", \"k0\": 1}");
}

TEST_CASE("tape: shapes leave dropped duplicate keys out, in small and large objects") {
  // A duplicate's value is dropped, keys first seen inside it included: they must still name the right text.
  TapeDocument d = parse_json_tape(R"([{"k": 1, "k": {"zz": 1, "ww": 2}}, {"yy": {"zz": 2}}, {"zz": 0}, {"k": 5}])");
  REQUIRE(d.ok());
  CHECK(d.issues.size() == 1);
  std::vector<Value> items;
  for (Value item : d.tape.root().items()) items.push_back(item);
  CHECK(items[0].shape() == items[3].shape());
  CHECK(items[1].find("yy").shape() == items[2].shape());
  CHECK(items[1].shape() != items[2].shape());
  CHECK(shape_fault(d.tape) == "");
  // Past 16 members the parser checks duplicates in a set: at two levels, the inner one repeating the outer names.
  std::string inner = "{", outer = "{";
  for (int i = 0; i < 40; ++i) inner += (i ? ", \"n" : "\"n") + std::to_string(i % 30) + "\": " + std::to_string(i);
  for (int i = 0; i < 40; ++i)
    outer += (i ? ", \"n" : "\"n") + std::to_string(i) + "\": " + (i == 20 ? inner + "}" : std::to_string(i));
  outer += ", \"n3\": 0, \"n39\": 1}";
  same_as_tree("[" + outer + ", " + outer + "]");
  TapeDocument big = parse_json_tape("[" + outer + ", " + outer + "]");
  REQUIRE(big.ok());
  CHECK(big.issues.size() == 2 * (10 + 2));  // 10 in each inner object, 2 in each outer one
  CHECK((*big.tape.root().items().begin()).size() == 40);
  CHECK((*big.tape.root().items().begin()).find("n20").size() == 30);
  CHECK(shape_fault(big.tape) == "");
}

TEST_CASE("tape: from_node gives the tree's values and marks (YAML documents)") {
  Document yaml = parse_yaml("a: [1, 2.5, x]\nb:\n  c: ~\n  d: yes\n  e: 'text'\n", "f.yaml");
  REQUIRE(yaml.ok());
  Tape tape = Tape::from_node(yaml.root);
  CHECK(difference(yaml.root, tape.root()) == "");
  CHECK(shape_fault(tape) == "");
  Tape moved = std::move(tape);  // values stay readable after the tape moves
  CHECK(moved.root().find("b").find("e").as_string() == "text");
  CHECK(Tape::from_node(Node::string("", Mark{})).root().as_string() == "");
}

TEST_CASE("tape: a reused tape holds only the last document") {
  Tape tape;
  std::vector<ParseIssue> issues;
  std::string ones;
  for (int i = 0; i < 2000; ++i) ones += "1, ";
  REQUIRE(parse_json_tape("{\"long\": [" + ones + "\"" + std::string(5000, 'z') + "\"]}", tape, issues));
  const size_t capacity = tape.capacity_bytes();
  REQUIRE(parse_json_tape("{\"s\": \"short\"}", tape, issues));
  CHECK(issues.empty());
  CHECK(tape.root().size() == 1);
  CHECK(tape.root().find("s").as_string() == "short");
  CHECK_FALSE(tape.root().find("long"));
  CHECK(tape.capacity_bytes() == capacity);  // the memory was kept
  CHECK_FALSE(parse_json_tape("{\"a\": ", tape, issues));
  REQUIRE(issues.size() == 1);
  CHECK(issues[0].fatal);
  CHECK(tape.empty());
  REQUIRE(parse_json_tape("[1]", tape, issues));
  CHECK(issues.empty());
  CHECK(tape.root().size() == 1);
}

TEST_CASE("tape: every JSON file of the corpus parses as parse_json parses it") {
  fs::path corpus = fs::path(APIGW_SOURCE_DIR) / ".." / "shared" / "corpus";
  if (!fs::exists(corpus)) {
    MESSAGE("SKIPPED: ../shared/corpus is not present; the corpus comparison did not run");
    return;
  }
  size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(corpus)) {
    if (!e.is_regular_file() || e.path().extension() != ".json") continue;
    std::ifstream in(e.path(), std::ios::binary);
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    CAPTURE(e.path().string());
    same_as_tree(text);
    ++files;
  }
  MESSAGE("tape: " << files << " corpus JSON files parsed the same way into trees and tapes");
  CHECK(files > 100);
}

TEST_CASE("tape: a scalar node seen as a value, without a tape") {
  for (const Node& n : {Node::null(Mark{1, 2}), Node::boolean(true, Mark{3, 4}), Node::integer(-42, Mark{}),
                        Node::number(2.5, Mark{}), Node::string("caf\xC3\xA9", Mark{5, 6}), Node::string("", Mark{})}) {
    CAPTURE(n.to_json().dump());
    REQUIRE(ScalarView::fits(n));
    ScalarView view(n);
    CHECK(difference(n, view.value()) == "");
    CHECK(view.value().to_node().to_json() == n.to_json());
    CHECK(view.value().size() == 0);
  }
  CHECK_FALSE(ScalarView::fits(Node::array(Mark{})));
  CHECK_FALSE(ScalarView::fits(Node::object(Mark{})));
}
