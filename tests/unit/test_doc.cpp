#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "emulator/doc/node.hpp"

using namespace apigw::doc;

TEST_CASE("JSON values keep their line and column") {
  Document d = parse_json("{\n  \"a\": [1, 2.5, \"x\"],\n  \"b\": {\"c\": null, \"d\": true}\n}", "f.json");
  REQUIRE(d.ok());
  const Node* a = d.root.find("a");
  REQUIRE(a);
  CHECK(a->mark.line == 2);
  CHECK(a->mark.col == 8);
  CHECK(a->items()[0].as_int() == 1);
  CHECK(a->items()[1].as_double() == 2.5);
  CHECK(a->items()[2].as_string() == "x");
  CHECK(d.root.find("b")->find("d")->as_bool());
  CHECK(d.root.find_member("b")->key_mark.line == 3);
  CHECK(d.root.find_member("b")->key_mark.col == 3);
}

TEST_CASE("JSON syntax errors say where and what") {
  SUBCASE("missing comma") {
    Document d = parse_json("{\"a\": 1\n \"b\": 2}", "f.json");
    REQUIRE_FALSE(d.ok());
    CHECK(d.issues[0].mark.line == 2);
    CHECK(d.issues[0].mark.col == 2);
    CHECK(d.issues[0].message == "invalid JSON: unexpected '\"', expected ',' or '}'");
  }
  SUBCASE("truncated") {
    Document d = parse_json("[1, 2", "f.json");
    REQUIRE_FALSE(d.ok());
    CHECK(d.issues[0].message == "invalid JSON: unexpected end of input, expected ',' or ']'");
  }
  SUBCASE("bad escape and lone surrogate") {
    CHECK_FALSE(parse_json("\"\\q\"", "f").ok());
    CHECK_FALSE(parse_json("\"\\ud800\"", "f").ok());
    CHECK(parse_json("\"\\ud83d\\ude00\"", "f").root.as_string() == "\xF0\x9F\x98\x80");
  }
  SUBCASE("invalid UTF-8") { CHECK_FALSE(parse_json("\"\xC0\xAF\"", "f").ok()); }
  SUBCASE("trailing garbage") { CHECK_FALSE(parse_json("{} x", "f").ok()); }
  SUBCASE("deep nesting is refused, not a stack overflow") {
    std::string deep(100000, '[');
    Document d = parse_json(deep, "f");
    REQUIRE_FALSE(d.ok());
    CHECK(d.issues[0].message == "invalid JSON: nesting deeper than 256 levels");
  }
}

// Strings are scanned several bytes at a time: a quote, escape, control character or non-ASCII byte must be seen
// wherever it falls, at every offset from the string's start and near the end of the input.
TEST_CASE("JSON strings: special bytes are found at every offset") {
  for (size_t offset = 0; offset < 20; ++offset) {
    CAPTURE(offset);
    const std::string plain(offset, 'a');
    const std::string tail = "bcdefghijklmnopq";
    CHECK(parse_json("\"" + plain + "\"", "f").root.as_string() == plain);
    CHECK(parse_json("\"" + plain + "\\\"" + tail + "\"", "f").root.as_string() == plain + "\"" + tail);
    CHECK(parse_json("\"" + plain + "\\n" + tail + "\"", "f").root.as_string() == plain + "\n" + tail);
    CHECK(parse_json("\"" + plain + "\xC3\xA9" + tail + "\"", "f").root.as_string() == plain + "\xC3\xA9" + tail);
    CHECK(parse_json("[\"" + plain + "\", \"" + tail + "\"]", "f").root.items()[1].as_string() == tail);

    Document control = parse_json("\"" + plain + "\t" + tail + "\"", "f");
    REQUIRE_FALSE(control.ok());
    CHECK(control.issues[0].message == "invalid JSON: control character in string");
    CHECK(control.issues[0].mark.col == offset + 2);
    Document bad_utf8 = parse_json("\"" + plain + "\xFF" + tail + "\"", "f");
    REQUIRE_FALSE(bad_utf8.ok());
    CHECK(bad_utf8.issues[0].message == "invalid JSON: invalid UTF-8 in string");
    CHECK(bad_utf8.issues[0].mark.col == offset + 2);
    Document unterminated = parse_json("\"" + plain + tail, "f");
    REQUIRE_FALSE(unterminated.ok());
    CHECK(unterminated.issues[0].message == "invalid JSON: unterminated string");
  }
}

TEST_CASE("JSON duplicate keys are reported with both lines") {
  Document d = parse_json("{\"a\": 1,\n\"a\": 2}", "f.json");
  CHECK(d.ok());
  REQUIRE(d.issues.size() == 1);
  CHECK(d.issues[0].mark.line == 2);
  CHECK(d.issues[0].message == "duplicate key 'a' (first defined at line 1)");
  CHECK(d.root.find("a")->as_int() == 1);
}

TEST_CASE("big integers become doubles; numbers keep their type") {
  Document d = parse_json("[9223372036854775807, 18446744073709551616, -0, 1e2]", "f");
  REQUIRE(d.ok());
  CHECK(d.root.items()[0].is_int());
  CHECK(d.root.items()[1].kind == Kind::Float);
  CHECK(d.root.items()[2].is_int());
  CHECK(d.root.items()[3].kind == Kind::Float);
}

TEST_CASE("YAML scalars follow the YAML 1.2 core schema") {
  Document d = parse_yaml("a: yes\nb: true\nc: 0x1F\nd: 1.5e3\ne: '42'\nf: ~\ng: .inf\nh: 012\ni: no\n", "f.yaml");
  REQUIRE(d.ok());
  CHECK(d.root.find("a")->as_string() == "yes");
  CHECK(d.root.find("b")->as_bool());
  CHECK(d.root.find("c")->as_int() == 31);
  CHECK(d.root.find("d")->as_double() == 1500.0);
  CHECK(d.root.find("e")->is_string());
  CHECK(d.root.find("f")->is_null());
  CHECK(d.root.find("g")->kind == Kind::Float);
  CHECK(d.root.find("h")->as_int() == 12);
  CHECK(d.root.find("i")->as_string() == "no");
}

TEST_CASE("YAML positions, duplicates and errors") {
  Document d = parse_yaml("top:\n  inner: 1\n  inner: 2\n", "f.yaml");
  REQUIRE(d.ok());
  CHECK(d.root.find("top")->find_member("inner")->key_mark.line == 2);
  CHECK(d.root.find("top")->find_member("inner")->key_mark.col == 3);
  REQUIRE(d.issues.size() == 1);
  CHECK(d.issues[0].message == "duplicate key 'inner' (first defined at line 2)");
  CHECK(d.issues[0].mark.line == 3);

  Document bad = parse_yaml("a: [1, 2\nb: 3\n", "f.yaml");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.issues[0].message.rfind("invalid YAML: ", 0) == 0);
  CHECK(bad.issues[0].mark.line > 0);
}

TEST_CASE("YAML alias bombs are stopped") {
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'j'; ++c) {
    bomb += std::string(1, c) + ": &" + c + " [*" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev +
            ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]\n";
    prev = c;
  }
  Document d = parse_yaml(bomb, "bomb.yaml");
  REQUIRE_FALSE(d.ok());
  CHECK(d.issues[0].message.find("an alias bomb?") != std::string::npos);
}

TEST_CASE("YAML aliases are copies with the alias's position; a recursive alias is a located error") {
  Document d = parse_yaml("base: &b {x: 1, y: [a, b]}\nother: *b\n&k key: 1\n*k : 2\n", "f.yaml");
  REQUIRE(d.ok());
  CHECK(d.root.find("other")->to_json() == d.root.find("base")->to_json());
  CHECK(d.root.find("other")->mark.line == 2);
  CHECK(d.root.find("other")->mark.col == 8);
  REQUIRE(d.issues.size() == 1);  // an alias used as a key is the key it names
  CHECK(d.issues[0].message == "duplicate key 'key' (first defined at line 3)");

  Document recursive = parse_yaml("a: 1\nb: &r [x, *r]\n", "f.yaml");
  REQUIRE_FALSE(recursive.ok());
  CHECK(recursive.issues[0].message == "invalid YAML: an alias inside the value it refers to (a recursive alias)");
  CHECK(recursive.issues[0].mark.line == 2);
  CHECK(recursive.issues[0].mark.col == 11);
}

TEST_CASE("the value limit stops long documents as well as alias bombs, in YAML and JSON") {
  ParseLimits limits;
  limits.max_nodes = 1000;
  std::string list;
  for (int i = 0; i < 1500; ++i) list += "- x\n";
  Document yaml = parse_yaml(list, "f.yaml", limits);
  REQUIRE_FALSE(yaml.ok());
  CHECK(yaml.issues[0].message == "invalid YAML: document has more than 1000 values");
  CHECK(yaml.issues[0].mark.line == 1000);  // the sequence itself is the first value
  std::string items = "[1";
  for (int i = 1; i < 1500; ++i) items += ",1";
  Document json = parse_json(items + "]", "f.json", limits);
  REQUIRE_FALSE(json.ok());
  CHECK(json.issues[0].message == "invalid JSON: document has more than 1000 values");
  CHECK(json.issues[0].mark.col == 2 * 1000);
}

TEST_CASE("YAML numbers beyond a double's range are refused, as in JSON; .inf stays infinite") {
  Document d = parse_yaml("a: 1\nb: -1e400\n", "f.yaml");
  REQUIRE_FALSE(d.ok());
  CHECK(d.issues[0].message == "invalid YAML: number out of range");
  CHECK(d.issues[0].mark.line == 2);
  CHECK(d.issues[0].mark.col == 4);
  Document fine = parse_yaml("inf: .inf\ntiny: 1e-400\nbig: 99999999999999999999999\n", "f.yaml");
  REQUIRE(fine.ok());
  CHECK(fine.root.find("inf")->as_double() > 1e308);
  CHECK(fine.root.find("tiny")->as_double() == 0.0);
  CHECK(fine.root.find("big")->as_double() == 1e23);
}

TEST_CASE("content decides the format: JSON-looking text is JSON, YAML flow maps still work") {
  CHECK(parse("{\"a\": 1}", "x.yaml").is_json);
  Document flow = parse("{a: 1}", "x.yaml");
  CHECK(flow.ok());
  CHECK_FALSE(flow.is_json);
  CHECK(flow.root.find("a")->as_int() == 1);
  Document j = parse("{a: 1}", "x.json");
  CHECK_FALSE(j.ok());
}

TEST_CASE("missing files and directories are fatal issues") {
  Document d = load_file("/nonexistent/file.yaml");
  REQUIRE_FALSE(d.ok());
  CHECK(d.issues[0].message == "cannot read file: No such file or directory");
  Document dir = load_file("/tmp");
  REQUIRE_FALSE(dir.ok());
  CHECK(dir.issues[0].message == "is a directory, not a file");
}

TEST_CASE("YAML must be UTF-8: the first bad byte is located") {
  Document d = parse_yaml("a: ok\nb: \"x\xff\"\n", "f.yaml");
  REQUIRE_FALSE(d.ok());
  CHECK(d.issues[0].mark.line == 2);
  CHECK(d.issues[0].mark.col == 6);
  CHECK(d.issues[0].message == "invalid UTF-8 (byte 0xFF); YAML files must be UTF-8");
  CHECK(parse_yaml("name: J\xC3\xBCrgen \xE2\x9C\x93\n", "f.yaml").ok());
}

TEST_CASE("values copy, move and assign with their payload; accessors of another kind are empty") {
  Document d = parse(R"({"a": [1, 2.5, "three", {"b": null}], "c": true, "long": "a string longer than SSO"})",
                               "x.json");
  REQUIRE(d.ok());
  Node copy = d.root;
  CHECK(copy.to_json() == d.root.to_json());
  Node moved = std::move(copy);
  CHECK(moved.to_json() == d.root.to_json());
  moved = *moved.find("a");  // assigning a part of itself
  REQUIRE(moved.is_array());
  CHECK(moved.items().size() == 4);
  CHECK(moved.items()[2].as_string() == "three");
  moved = moved.items()[3];
  REQUIRE(moved.is_object());
  CHECK(moved.find("b")->is_null());
  const Node& s = *d.root.find("long");
  CHECK(s.items().empty());
  CHECK(s.members().empty());
  CHECK(s.as_int() == 0);
  CHECK(s.find("x") == nullptr);
  CHECK(d.root.as_string().empty());
  Node n;
  n.items().push_back(Node::integer(7, {}));  // the mutable accessor makes it an array
  CHECK(n.is_array());
  CHECK(n.items()[0].as_int() == 7);
  CHECK(sizeof(Node) <= 48);
}
