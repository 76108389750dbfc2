// doc::span_end: where the node a mark points at ends, for JSON and YAML as the parsers mark them.
#include <doctest/doctest.h>

#include <string>

#include "emulator/doc/node.hpp"
#include "emulator/doc/span.hpp"

using namespace apigw::doc;

namespace {

// The text from `start` to the end span_end finds.
std::string spanned(std::string_view text, Mark start, bool json, std::string_view key = {}) {
  Lines lines(text);
  Mark end = span_end(text, lines, start, json, key);
  size_t from = lines.offset(start), to = lines.offset(end);
  if (from == std::string_view::npos || to == std::string_view::npos || to < from) return "<none>";
  return std::string(text.substr(from, to - from));
}

std::string spanned_node(std::string_view text, const Document& d, const Node& n, std::string_view key = {}) {
  return spanned(text, n.mark, d.is_json, key);
}

}  // namespace

TEST_CASE("span_end over JSON: strings, numbers, literals, objects and arrays as the parser marks them") {
  std::string text = "{\n  \"name\": \"a \\\"quoted\\\" }\",\n  \"n\": -1.5e3,\n  \"ok\": true,\n  \"none\": null,\n"
                     "  \"list\": [\"]\", {\"x\": \"}\"}, [1, 2]],\n  \"nested\": {\n    \"a\": {\"b\": []}\n  }\n}";
  Document d = parse(text, "f.json");
  REQUIRE(d.ok());
  CHECK(spanned_node(text, d, *d.root.find("name")) == "\"a \\\"quoted\\\" }\"");
  CHECK(spanned_node(text, d, *d.root.find("n")) == "-1.5e3");
  CHECK(spanned_node(text, d, *d.root.find("ok")) == "true");
  CHECK(spanned_node(text, d, *d.root.find("none")) == "null");
  CHECK(spanned_node(text, d, *d.root.find("list")) == "[\"]\", {\"x\": \"}\"}, [1, 2]]");
  CHECK(spanned_node(text, d, d.root.find("list")->items()[1]) == "{\"x\": \"}\"}");
  CHECK(spanned_node(text, d, *d.root.find("nested")) == "{\n    \"a\": {\"b\": []}\n  }");
  CHECK(spanned_node(text, d, d.root) == text);
  // A mark at a key spans the key: the entry a finding names.
  CHECK(spanned(text, d.root.find_member("nested")->key_mark, true) == "\"nested\"");
  // The end is exclusive, on the line of the last character.
  Mark end = span_end(text, d.root.find("nested")->mark, true);
  CHECK(end.line == 9);
  CHECK(end.col == 4);
}

TEST_CASE("span_end over YAML scalars: plain, quoted, folded over lines, and keys") {
  std::string text =
      "title: Pets API   # a comment\n"
      "'/users': {get: x}\n"
      "quoted: \"a \\\" b\"\n"
      "single: 'it''s'\n"
      "folded: a plain scalar\n"
      "  that goes on\n"
      "\n"
      "  and on\n"
      "next: 1\n"
      "url: http://example.com/a#b\n";
  Document d = parse(text, "f.yaml");
  REQUIRE(d.ok());
  CHECK(spanned_node(text, d, *d.root.find("title")) == "Pets API");
  CHECK(spanned_node(text, d, *d.root.find("quoted")) == "\"a \\\" b\"");
  CHECK(spanned_node(text, d, *d.root.find("single")) == "'it''s'");
  CHECK(spanned_node(text, d, *d.root.find("folded")) == "a plain scalar\n  that goes on\n\n  and on");
  CHECK(spanned_node(text, d, *d.root.find("next")) == "1");
  CHECK(spanned_node(text, d, *d.root.find("url")) == "http://example.com/a#b");
  CHECK(spanned_node(text, d, *d.root.find("/users")->find("get")) == "x");
  // Keys, plain or quoted, named or not.
  CHECK(spanned(text, d.root.find_member("title")->key_mark, false) == "title");
  CHECK(spanned(text, d.root.find_member("title")->key_mark, false, "title") == "title");
  CHECK(spanned(text, d.root.find_member("/users")->key_mark, false, "/users") == "'/users'");
  CHECK(spanned(text, d.root.find("/users")->mark, false) == "{get: x}");
}

TEST_CASE("span_end over YAML collections: nested block maps, sequences, flow, block scalars") {
  std::string text =
      "info:\n"
      "  title: t\n"
      "  contact:\n"
      "    name: n   # trailing comment\n"
      "\n"
      "  # a comment between entries\n"
      "  version: '1'\n"
      "tags:\n"
      "- a\n"
      "- b:\n"
      "    c: d\n"
      "routes:\n"
      "  - id: one\n"
      "    method: GET\n"
      "  - id: two\n"
      "    flow: [a, \"b]\", {c: d}, [e]]\n"
      "    description: |\n"
      "      first\n"
      "\n"
      "        indented # not a comment\n"
      "    folded: >-\n"
      "      text\n"
      "end: true\n";
  Document d = parse(text, "f.yaml");
  REQUIRE(d.ok());
  const Node& info = *d.root.find("info");
  // A block mapping is marked at its first key: with the node's own name, the mapping is told from that key.
  CHECK(spanned_node(text, d, info, "info") ==
        "title: t\n  contact:\n    name: n   # trailing comment\n\n  # a comment between entries\n  version: '1'");
  CHECK(spanned_node(text, d, info, "title") == "title");
  CHECK(spanned_node(text, d, *info.find("contact"), "contact") == "name: n");
  CHECK(spanned_node(text, d, *d.root.find("tags"), "tags") == "- a\n- b:\n    c: d");
  const Node& routes = *d.root.find("routes");
  CHECK(spanned_node(text, d, routes, "routes") == text.substr(text.find("- id: one"), text.find("\nend:") - text.find("- id: one")));
  CHECK(spanned_node(text, d, routes.items()[0], "0") == "id: one\n    method: GET");
  const Node& two = routes.items()[1];
  CHECK(spanned_node(text, d, *two.find("flow")) == "[a, \"b]\", {c: d}, [e]]");
  CHECK(spanned_node(text, d, two.find("flow")->items()[1]) == "\"b]\"");
  CHECK(spanned_node(text, d, two.find("flow")->items()[0]) == "a");
  CHECK(spanned_node(text, d, *two.find("flow")->items()[2].find("c")) == "d");
  CHECK(spanned_node(text, d, *two.find("description")) == "|\n      first\n\n        indented # not a comment");
  CHECK(spanned_node(text, d, *two.find("folded")) == ">-\n      text");
  CHECK(spanned_node(text, d, *d.root.find("end")) == "true");
}

TEST_CASE("span_end: end of file without a newline, CRLF line endings, anchors, unknown marks") {
  CHECK(spanned("a: value", {1, 4}, false) == "value");
  CHECK(spanned("a:\n  - x\n  - y", {2, 3}, false) == "- x\n  - y");
  CHECK(spanned("{\"a\": [1,\n 2]}", {1, 7}, true) == "[1,\n 2]");

  std::string crlf = "a: b\r\nlist:\r\n  - x\r\n  - y\r\ntext: |\r\n  one\r\n  two\r\nz: 1\r\n";
  Document d = parse(crlf, "f.yaml");
  REQUIRE(d.ok());
  CHECK(spanned_node(crlf, d, *d.root.find("a")) == "b");
  CHECK(spanned_node(crlf, d, *d.root.find("list"), "list") == "- x\r\n  - y");
  CHECK(spanned_node(crlf, d, *d.root.find("text")) == "|\r\n  one\r\n  two");
  Mark end = span_end(crlf, d.root.find("list")->mark, false, "list");
  CHECK(end.line == 4);
  CHECK(end.col == 6);  // after "y", not after the '\r'

  std::string anchors = "base: &base\n  a: 1\n  b: 2\nother: *base\n";
  Document a = parse(anchors, "f.yaml");
  REQUIRE(a.ok());
  CHECK(spanned(anchors, {1, 7}, false, "base") == "&base\n  a: 1\n  b: 2");
  CHECK(spanned(anchors, {4, 8}, false) == "*base");

  // Outside the text: unknown. At the end of a line: nothing to measure, the start itself.
  CHECK(span_end("a: 1\n", {3, 1}, false).line == 0);
  CHECK(span_end("a: 1\n", {1, 9}, false).line == 0);
  Mark empty = span_end("a:\nb: 1\n", {1, 3}, false);
  CHECK(empty.line == 1);
  CHECK(empty.col == 3);
}

TEST_CASE("span_end counts columns in bytes, as the parsers do: tabs are one, UTF-8 characters their length") {
  std::string text = "título: café\nk: \"a\tb\"\n";
  Document d = parse(text, "f.yaml");
  REQUIRE(d.ok());
  const Node& value = *d.root.find("título");
  CHECK(value.mark.col == 10);  // "título" is 7 bytes, then ": "
  Mark end = span_end(text, value.mark, false);
  CHECK(end.line == 1);
  CHECK(end.col == 15);  // "café" is 5 bytes
  CHECK(spanned_node(text, d, value) == "café");
  CHECK(spanned_node(text, d, *d.root.find("k")) == "\"a\tb\"");

  std::string json = "\xEF\xBB\xBF{\"é\": \"ü\"}";  // a BOM: the parsers' columns start after it
  Document j = parse(json, "f.json");
  REQUIRE(j.ok());
  CHECK(j.root.find("é")->mark.col == 8);
  CHECK(spanned_node(json, j, *j.root.find("é")) == "\"ü\"");

  Lines lines(text);
  CHECK(lines.line(1) == "título: café");
  CHECK(lines.line(3).empty());
  CHECK(lines.count() == 3);
}
