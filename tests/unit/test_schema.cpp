// The schema engine: exact messages and locations, the OpenAPI 3.0 dialect, 2020-12 specifics, recursion, limits.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <functional>
#include <random>
#include <thread>

#include "emulator/schema/compiled.hpp"
#include "emulator/schema/format.hpp"
#include "emulator/schema/schema.hpp"
#include "emulator/schema/source.hpp"

using namespace apigw;
using schema::Dialect;

namespace {

std::shared_ptr<const schema::Schema> compile(const std::string& text, Dialect dialect = Dialect::Draft2020,
                                              std::vector<std::string>* errors_out = nullptr,
                                              schema::FormatMode formats = schema::FormatMode::Default) {
  doc::Document d = doc::parse(text, "schema.yaml");
  REQUIRE_MESSAGE(d.ok(), text);
  schema::CompileOptions options;
  options.dialect = dialect;
  options.formats = formats;
  std::vector<std::string> errors;
  auto s = schema::Schema::compile(std::make_shared<const doc::Node>(d.root), "file:///tmp/schema.yaml", "", options,
                                   errors);
  if (errors_out)
    *errors_out = errors;
  else
    REQUIRE_MESSAGE(s, (errors.empty() ? std::string("?") : errors[0]));
  return s;
}

// One line per error: "pointer line:col: message (schema location)".
std::string check(const schema::Schema& s, const std::string& instance, schema::ValidateOptions options = {}) {
  doc::Document d = doc::parse(instance, "instance.json");
  REQUIRE_MESSAGE(d.ok(), instance);
  std::string out;
  auto errors = s.validate(d.root, options);
  CHECK(errors.empty() == s.is_valid(d.root, options.direction));
  for (const auto& e : errors)
    out += (e.instance_location.empty() ? "(root)" : e.instance_location) + " " + std::to_string(e.mark.line) + ":" +
           std::to_string(e.mark.col) + ": " + e.message + " (" + e.schema_location + ")\n";
  return out;
}

// `rounds` arrays of 1 to `max_items` items, each made by `item` from the keys `names_of_item` gave (new keys one time
// in `change`, so that most items repeat the shape of the one before): the yes/no walk (plans, records) must give
// the error-collecting walk's verdict on each. Returns how many arrays were valid and how many not.
std::pair<size_t, size_t> yes_no_agrees(const schema::Schema& s, std::mt19937& random, int rounds, size_t max_items,
                                        size_t change, const std::function<std::vector<std::string>()>& names_of_item,
                                        const std::function<std::string(const std::vector<std::string>&)>& item) {
  size_t valid = 0, invalid = 0;
  for (int round = 0; round < rounds; ++round) {
    std::string text = "[";
    std::vector<std::string> names = names_of_item();
    for (size_t i = 0, n = 1 + random() % max_items; i < n; ++i) {
      if (random() % change == 0) names = names_of_item();
      text += std::string(i ? ", " : "") + item(names);
    }
    text += "]";
    doc::TapeDocument d = doc::parse_json_tape(text);
    REQUIRE(d.ok());
    const bool fast = s.is_valid(d.tape.root(), schema::Direction::None);
    const bool collected = s.validate(d.tape.root()).empty();
    REQUIRE_MESSAGE(fast == collected, text);
    (fast ? valid : invalid) += 1;
  }
  return {valid, invalid};
}

}  // namespace

TEST_CASE("schema: messages say what was expected and what was found, with both locations") {
  auto s = compile(R"({"type": "object", "required": ["name", "id"],
    "properties": {"id": {"type": "integer"}, "name": {"type": "string", "minLength": 2},
                   "tags": {"type": "array", "items": {"enum": ["a", "b"]}, "uniqueItems": true}},
    "additionalProperties": false})");
  CHECK(check(*s, R"({"id": 1, "name": "Rex"})") == "");
  CHECK(check(*s, "{\n  \"id\": \"abc\",\n  \"name\": \"R\",\n  \"tags\": [\"a\", \"c\", \"a\"],\n  \"x~/\": 1\n}") ==
        "/id 2:9: expected integer, got string \"abc\" (#/properties/id/type)\n"
        "/name 3:11: expected at least 2 characters, got 1 (#/properties/name/minLength)\n"
        "/tags 4:11: expected unique items, but items 0 and 2 are equal (#/properties/tags/uniqueItems)\n"
        "/tags/1 4:17: expected one of [\"a\",\"b\"], got string \"c\" (#/properties/tags/items/enum)\n"
        "/x~0~1 5:10: unexpected property 'x~/' (#/additionalProperties)\n");
  CHECK(check(*s, R"({"id": 2})") == "(root) 1:1: missing required property 'name' (#/required)\n");
  CHECK(check(*s, "[]") == "(root) 1:1: expected object, got array (#/type)\n");
  schema::ValidateOptions first;
  first.max_errors = 1;
  CHECK(check(*s, R"({"id": "x", "name": 3})", first) ==
        "/id 1:8: expected integer, got string \"x\" (#/properties/id/type)\n");
}

TEST_CASE("schema: numbers follow JSON Schema (1.0 is an integer, decimal multipleOf is exact)") {
  auto s = compile(R"({"type": "integer", "multipleOf": 3, "minimum": 0, "exclusiveMaximum": 30})");
  CHECK(check(*s, "9.0") == "");
  CHECK(check(*s, "9.5") ==
        "(root) 1:1: expected integer, got number 9.5 (#/type)\n"
        "(root) 1:1: expected a multiple of 3, got number 9.5 (#/multipleOf)\n");
  CHECK(check(*s, "30") == "(root) 1:1: expected a value < 30, got integer 30 (#/exclusiveMaximum)\n");
  CHECK(check(*s, "-3") == "(root) 1:1: expected a value >= 0, got integer -3 (#/minimum)\n");
  auto cents = compile(R"({"multipleOf": 0.01})");
  CHECK(check(*cents, "19.99") == "");
  CHECK(check(*cents, "0.075") == "(root) 1:1: expected a multiple of 0.01, got number 0.075 (#/multipleOf)\n");
  auto same = compile(R"({"enum": [1, {"a": [2]}], "uniqueItems": true})");
  CHECK(check(*same, "1.0") == "");
  CHECK(check(*same, R"({"a": [2.0]})") == "");
  auto unique = compile(R"({"uniqueItems": true})");
  CHECK(check(*unique, "[1, 1.0]") ==
        "(root) 1:1: expected unique items, but items 0 and 1 are equal (#/uniqueItems)\n");
}

TEST_CASE("schema: string lengths count code points, patterns are ECMAScript") {
  auto s = compile(R"({"maxLength": 2, "pattern": "^[a-z\u00e9]"})");
  CHECK(check(*s, "\"\xF0\x9F\x90\xB2\xF0\x9F\x90\xB2\"") ==
        "(root) 1:1: expected a string matching '^[a-z\xC3\xA9]', got string \"\xF0\x9F\x90\xB2\xF0\x9F\x90\xB2\" "
        "(#/pattern)\n");
  CHECK(check(*s, "\"abc\"") == "(root) 1:1: expected at most 2 characters, got 3 (#/maxLength)\n");
}

TEST_CASE("schema: oneOf and anyOf report the branch that came closest") {
  auto s = compile(R"({"oneOf": [
      {"type": "object", "required": ["kind", "radius"],
       "properties": {"kind": {"const": "circle"}, "radius": {"type": "number"}}},
      {"type": "object", "required": ["kind", "width", "height"],
       "properties": {"kind": {"const": "rect"}, "width": {"type": "number"}, "height": {"type": "number"}}},
      {"type": "string"}]})");
  CHECK(check(*s, R"({"kind": "rect", "width": 2, "height": 3})") == "");
  CHECK(check(*s, R"({"kind": "rect", "width": 2, "height": "3"})") ==
        "/height 1:40: expected number, got string \"3\" (#/oneOf/1/properties/height/type)\n");
  auto both = compile(R"({"oneOf": [{"type": "integer"}, {"minimum": 2}]})");
  CHECK(check(*both, "3") ==
        "(root) 1:1: expected exactly one schema of oneOf to match, but schemas 0 and 1 both match (#/oneOf)\n");
  auto any = compile(R"({"anyOf": [{"type": "string", "maxLength": 1}, {"type": "integer"}]})");
  CHECK(check(*any, "\"ab\"") == "(root) 1:1: expected at most 1 character, got 2 (#/anyOf/0/maxLength)\n");
  // Branches that each fail only on a value or a type at the same place are merged into one list of alternatives.
  auto values = compile(R"({"properties": {"in": {"oneOf": [{"const": "query"}, {"enum": ["header", "cookie"]}]}}})");
  CHECK(check(*values, R"({"in": "body"})") ==
        "/in 1:8: expected one of \"query\", \"header\", \"cookie\", got string \"body\" (#/properties/in/oneOf)\n");
  auto types = compile(R"({"anyOf": [{"type": "integer"}, {"type": "string"}, {"type": "array"}]})");
  CHECK(check(*types, "{}") == "(root) 1:1: expected integer, string or array, got object (#/anyOf)\n");
}

TEST_CASE("schema: recursive schemas, and a bound on runaway recursion") {
  auto tree = compile(R"({"$defs": {"node": {"type": "object", "required": ["value"],
      "properties": {"value": {"type": "integer"}, "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}}}},
      "$ref": "#/$defs/node"})");
  CHECK(check(*tree, R"({"value": 1, "children": [{"value": 2, "children": [{"value": 3}]}]})") == "");
  CHECK(check(*tree, R"({"value": 1, "children": [{"value": 2, "children": [{"value": "3"}]}]})") ==
        "/children/0/children/0/value 1:63: expected integer, got string \"3\" (#/$defs/node/properties/value/type)\n");
  auto loop = compile(R"({"$ref": "#"})");
  auto errors = loop->validate(doc::Node::null({}));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].message.rfind("schema evaluation deeper than 512 levels", 0) == 0);
}

TEST_CASE("schema: 2020-12 unevaluatedProperties, dependentRequired, if/then/else, prefixItems") {
  auto s = compile(R"({"allOf": [{"properties": {"a": true}}], "properties": {"b": true},
      "unevaluatedProperties": false, "dependentRequired": {"a": ["b"]},
      "if": {"required": ["a"]}, "then": {"properties": {"c": {"type": "string"}}}})");
  CHECK(check(*s, R"({"a": 1, "b": 2, "c": "x"})") == "");
  CHECK(check(*s, R"({"b": 2, "c": "x"})") == "/c 1:15: unexpected property 'c' (#/unevaluatedProperties)\n");
  CHECK(check(*s, R"({"a": 1})") == "(root) 1:1: property 'a' requires property 'b' (#/dependentRequired)\n");
  auto tuple = compile(R"({"prefixItems": [{"type": "string"}], "items": {"type": "integer"}})");
  CHECK(check(*tuple, R"(["a", 1, 2])") == "");
  CHECK(check(*tuple, R"([1, "b"])") ==
        "/0 1:2: expected string, got integer 1 (#/prefixItems/0/type)\n"
        "/1 1:5: expected integer, got string \"b\" (#/items/type)\n");
}

TEST_CASE("schema: formats assert in the OpenAPI dialects and are annotations in 2020-12 unless asked") {
  const char* text = R"({"format": "date-time"})";
  CHECK(check(*compile(text, Dialect::Draft2020), "\"yesterday\"") == "");
  CHECK(check(*compile(text, Dialect::OpenApi30), "\"yesterday\"") ==
        "(root) 1:1: expected a valid date-time, got string \"yesterday\" (#/format)\n");
  auto asserted =
      compile(R"({"properties": {"ip": {"format": "ipv4"}, "n": {"format": "int32"}, "u": {"format": "uuid"}}})",
              Dialect::Draft2020, nullptr, schema::FormatMode::Assert);
  CHECK(check(*asserted, R"({"ip": "10.0.0.1", "n": 5, "u": "123e4567-e89b-12d3-a456-426614174000"})") == "");
  CHECK(check(*asserted, R"({"ip": "10.0.0.256", "n": 2147483648})") ==
        "/ip 1:8: expected a valid ipv4, got string \"10.0.0.256\" (#/properties/ip/format)\n"
        "/n 1:27: expected an int32 value, got integer 2147483648 (#/properties/n/format)\n");
}

TEST_CASE("schema: OpenAPI 3.0 nullable, boolean exclusiveMinimum, $ref replacing its siblings") {
  auto s = compile(R"(
type: object
properties:
  age: {type: integer, minimum: 0, exclusiveMinimum: true, nullable: true}
  ref: {$ref: '#/definitions/s', type: integer}
definitions:
  s: {type: string}
)",
                   Dialect::OpenApi30);
  CHECK(check(*s, R"({"age": null, "ref": "x"})") == "");
  CHECK(check(*s, R"({"age": 0, "ref": 1})") ==
        "/age 1:9: expected a value > 0, got integer 0 (#/properties/age/minimum)\n"
        "/ref 1:19: expected string, got integer 1 (#/definitions/s/type)\n");
  CHECK(check(*s, R"({"age": "1"})") ==
        "/age 1:9: expected integer or null, got string \"1\" (#/properties/age/type)\n");
  auto draft4 = compile(R"({"type": "integer", "nullable": true})", Dialect::Draft4);
  CHECK(check(*draft4, "null") == "(root) 1:1: expected integer, got null (#/type)\n");
}

TEST_CASE("schema: OpenAPI 3.0 readOnly and writeOnly by direction") {
  auto s = compile(R"(
type: object
required: [id, name, password]
properties:
  id: {type: integer, readOnly: true}
  name: {type: string}
  password: {type: string, writeOnly: true}
)",
                   Dialect::OpenApi30);
  schema::ValidateOptions request, response;
  request.direction = schema::Direction::Request;
  response.direction = schema::Direction::Response;
  CHECK(check(*s, R"({"name": "a", "password": "p"})", request) == "");
  CHECK(check(*s, R"({"id": 1, "name": "a", "password": "p"})", request) ==
        "/id 1:8: property 'id' is read-only and must not be sent in a request (#/properties/id/readOnly)\n");
  CHECK(check(*s, R"({"id": 1, "name": "a"})", response) == "");
  CHECK(check(*s, R"({"id": 1, "name": "a", "password": "p"})", response) ==
        "/password 1:36: property 'password' is write-only and must not appear in a response "
        "(#/properties/password/writeOnly)\n");
  CHECK(check(*s, R"({"name": "a"})") ==
        "(root) 1:1: missing required property 'id' (#/required)\n"
        "(root) 1:1: missing required property 'password' (#/required)\n");
}

TEST_CASE("schema: OpenAPI 3.0 discriminator with mapping picks the branch to report") {
  // The document root is not a schema: compile the entry point inside it.
  doc::Document d = doc::parse(R"(
components:
  schemas:
    Pet:
      oneOf: [{$ref: '#/components/schemas/Cat'}, {$ref: '#/components/schemas/Dog'}]
      discriminator:
        propertyName: petType
        mapping: {kitty: '#/components/schemas/Cat'}
    Cat:
      type: object
      required: [petType, lives]
      properties: {petType: {type: string}, lives: {type: integer}}
    Dog:
      type: object
      required: [petType, bark]
      properties: {petType: {type: string}, bark: {type: boolean}}
)",
                               "openapi.yaml");
  schema::CompileOptions options;
  options.dialect = Dialect::OpenApi30;
  std::vector<std::string> errors;
  auto pet = schema::Schema::compile(std::make_shared<const doc::Node>(d.root), "file:///tmp/openapi.yaml",
                                     "/components/schemas/Pet", options, errors);
  REQUIRE(pet);
  CHECK(check(*pet, R"({"petType": "kitty", "lives": 9})") == "");
  CHECK(check(*pet, R"({"petType": "Dog", "bark": true})") == "");
  CHECK(check(*pet, R"({"petType": "Dog", "lives": 9})") ==
        "(root) 1:1: missing required property 'bark' (#/components/schemas/Dog/required)\n");
  CHECK(check(*pet, R"({"petType": "Cow"})") ==
        "/petType 1:13: expected one of the discriminator values 'kitty', 'Cat', 'Dog', got string \"Cow\" "
        "(#/components/schemas/Pet/discriminator)\n");
  CHECK(
      check(*pet, R"({"lives": 9})") ==
      "(root) 1:1: missing required property 'petType' (the discriminator) (#/components/schemas/Pet/discriminator)\n");
}

TEST_CASE("schema: schemas that cannot be compiled say where and why") {
  std::vector<std::string> errors;
  CHECK_FALSE(compile(R"({"properties": {"a": {"pattern": "(("}, "b": {"$ref": "#/$defs/missing"}}})",
                      Dialect::Draft2020, &errors));
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].rfind("#/properties/a/pattern: invalid regular expression '((': ", 0) == 0);
  CHECK(
      errors[1] ==
      "#/properties/b/$ref: $ref '#/$defs/missing' does not resolve (no '/$defs/missing' in file:///tmp/schema.yaml)");
  errors.clear();
  CHECK_FALSE(compile(R"({"$ref": "https://example.com/s.json"})", Dialect::Draft2020, &errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0] ==
        "#/$ref: cannot load 'https://example.com/s.json': remote references are not fetched; map the URL "
        "to a local folder (--map URL=DIR)");
  errors.clear();
  CHECK_FALSE(compile(R"({"type": "integr", "minLength": -1})", Dialect::Draft2020, &errors));
  REQUIRE(errors.size() == 2);
  CHECK(errors[0] == "#/type: unknown type string \"integr\"");
  CHECK(errors[1] == "#/minLength: expected a non-negative integer, got integer -1");
}

TEST_CASE("schema: dialect names and $schema") {
  Dialect d{};
  CHECK(schema::parse_dialect("oas3.0", d));
  CHECK(d == Dialect::OpenApi30);
  CHECK_FALSE(schema::parse_dialect("draft7", d));
  CHECK(schema::dialect_from_schema_uri("http://json-schema.org/draft-04/schema#") == Dialect::Draft4);
  auto s = compile(R"({"$schema": "http://json-schema.org/draft-04/schema#", "maximum": 5, "exclusiveMaximum": true})");
  CHECK(s->dialect() == Dialect::Draft4);
  CHECK(check(*s, "5") == "(root) 1:1: expected a value < 5, got integer 5 (#/maximum)\n");
}

TEST_CASE("schema: fast paths for common pattern shapes agree with std::regex") {
  const char* patterns[] = {"^x-",      "abc",       "^\\/",       "^[a-zA-Z0-9\\.\\-_]+$",
                            "^[A-Z]*$", "^[\\w-]+$", "^[0-9]{3}$", "^(get|put)$",
                            "^a.c",     "^[^a]+$",   "^[a-]+$"};
  const char* texts[] = {"",    "x-foo", "X-foo", "abc", "zabcz", "/path",     "Pet.Name-1_x", "Pet Name",
                         "ABC", "a-b_c", "123",   "get", "abc",   "a\xC3\xA9", "---"};
  for (const char* p : patterns) {
    schema::Regex r;
    r.source = p;
    r.re = std::make_shared<const std::regex>(p, std::regex::ECMAScript);
    schema::analyse_pattern(r);
    for (const char* t : texts) {
      bool expected = std::regex_search(std::string(t), *r.re);
      CHECK_MESSAGE(r.search(t) == expected, p << " on '" << t << "'");
    }
  }
  schema::Regex prefix;
  prefix.source = "^x-";
  schema::analyse_pattern(prefix);
  CHECK(prefix.shape == schema::Regex::Shape::Prefix);
  schema::Regex run;
  run.source = "^[a-zA-Z0-9\\.\\-_]+$";
  schema::analyse_pattern(run);
  CHECK(run.shape == schema::Regex::Shape::ClassRun);
}

TEST_CASE("schema: a very long chain of $refs compiles without deep recursion and validation stays bounded") {
  auto chain = [](int n) {
    std::string text = R"({"$ref": "#/$defs/d0", "$defs": {)";
    for (int i = 0; i < n; ++i)
      text += "\"d" + std::to_string(i) + "\": {\"$ref\": \"#/$defs/d" + std::to_string(i + 1) + "\"}, ";
    return text + "\"d" + std::to_string(n) + "\": {\"type\": \"integer\"}}}";
  };
  auto s = compile(chain(20000));
  CHECK(s->node_count() == 20002);
  auto errors = s->validate(doc::Node::integer(1, {}));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].message ==
        "schema evaluation deeper than 512 levels (a recursive schema that never reaches the end "
        "of the instance?)");
  auto shorter = compile(chain(400));
  schema::ValidateOptions deep;
  deep.max_depth = 450;
  CHECK(shorter->validate(doc::Node::integer(1, {}), deep).empty());
  CHECK_FALSE(shorter->validate(doc::Node::string("x", {}), deep).empty());
}

TEST_CASE("schema: one compiled schema validates from several threads at once") {
  auto s = compile(R"({"type": "array", "items": {"type": "object", "properties": {"n": {"type": "integer"},
      "s": {"pattern": "^a+$"}}}})");
  doc::Document good = doc::parse(R"([{"n": 1, "s": "aaa"}, {"n": 2}])", "good.json");
  doc::Document bad = doc::parse(R"([{"n": 1, "s": "b"}])", "bad.json");
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i)
        if (!s->is_valid(good.root) || s->is_valid(bad.root) || s->validate(bad.root).size() != 1) ++failures;
    });
  for (auto& t : threads) t.join();
  CHECK(failures == 0);
}

TEST_CASE("schema: long strings against general patterns do not exhaust the stack") {
  auto s = compile(R"({"pattern": "^(a|b)*$"})");
  std::string long_text(300000, 'a');
  CHECK(s->is_valid(doc::Node::string(long_text, {})));
  CHECK_FALSE(s->is_valid(doc::Node::string(long_text + "c", {})));
  auto backref = compile(R"({"pattern": "^(a)\\1*$"})");
  CHECK(backref->is_valid(doc::Node::string("aaaa", {})));
  auto errors = backref->validate(doc::Node::string(long_text, {}));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].message ==
        "cannot check a string of 300000 bytes against a pattern with back-references '^(a)\\1*$' "
        "(limit 2000)");
}

TEST_CASE("schema: compiling inside a multi-file OpenAPI spec follows $refs across files and cycles") {
  diag::Diagnostics ds;
  std::shared_ptr<const openapi::Spec> spec =
      openapi::Spec::load(std::string(APIGW_SOURCE_DIR) + "/tests/fixtures/openapi/multi/openapi.yaml", ds);
  REQUIRE(spec);
  std::vector<std::string> errors;
  auto pet = schema::compile_in_spec(spec, "/paths/~1pets~1{petId}/get/responses/200/content/application~1json/schema",
                                     {}, errors);
  REQUIRE_MESSAGE(pet, (errors.empty() ? "" : errors[0]));
  CHECK(pet->dialect() == Dialect::OpenApi30);
  doc::Document d = doc::parse(R"({"id": 1, "name": "Rex", "owner": {"pets": [{"id": 2, "name": "Tom",
      "owner": {"pets": [{"id": "3", "name": "Kit"}]}}]}})",
                               "pet.json");
  auto found = pet->validate(d.root);
  REQUIRE(found.size() == 1);
  CHECK(found[0].instance_location == "/owner/pets/0/owner/pets/0/id");
  CHECK(found[0].message == "expected integer, got string \"3\"");
  CHECK(found[0].schema_location.size() > std::string("pet.yaml#/Pet/properties/id/type").size());
  CHECK(found[0].schema_location.find("/schemas/pet.yaml#/Pet/properties/id/type") != std::string::npos);

  auto missing =
      schema::load(std::string(APIGW_SOURCE_DIR) + "/tests/fixtures/openapi/multi/openapi.yaml#/nope", {}, errors);
  CHECK_FALSE(missing.schema);
  CHECK(errors.back().find("openapi.yaml#/nope: no such location in the document") != std::string::npos);
}

TEST_CASE("schema: uniqueItems on large arrays of scalars is not quadratic") {
  auto s = compile(R"({"uniqueItems": true})");
  doc::Node big = doc::Node::array({});
  for (int i = 0; i < 100000; ++i) big.items().push_back(doc::Node::integer(i, {}));
  big.items().push_back(doc::Node::string("0", {}));
  CHECK(s->is_valid(big));
  big.items().push_back(doc::Node::number(99998.0, {}));
  auto errors = s->validate(big);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].message == "expected unique items, but items 99998 and 100001 are equal");
}

TEST_CASE("schema: \\p{...} Unicode property escapes (exact on ASCII, lenient on other characters)") {
  auto letters = compile(R"({"type": "string", "pattern": "^\\p{L}+$"})");
  CHECK(check(*letters, R"("Hello")") == "");
  CHECK(check(*letters, "\"\xCF\x80\xC3\xA9\"") == "");  // non-ASCII: taken to be letters
  CHECK(check(*letters, R"("abc1")") ==
        "(root) 1:1: expected a string matching '^\\p{L}+$', got string \"abc1\" (#/pattern)\n");
  auto upper = compile(R"({"type": "string", "pattern": "^[\\p{Lu}\\d_]+$"})");  // inside a class
  CHECK(check(*upper, R"("ABC_9")") == "");
  CHECK(!check(*upper, R"("AbC")").empty());
  auto not_number = compile(R"({"type": "string", "pattern": "^\\P{N}+$"})");
  CHECK(check(*not_number, R"("abc")") == "");
  CHECK(!check(*not_number, R"("a1")").empty());
  auto names = compile(R"({"type": "object", "patternProperties": {"^\\p{Letter}+$": {"type": "number"}},
                           "additionalProperties": false})");
  CHECK(check(*names, R"({"abc": 1})") == "");
  CHECK(!check(*names, R"({"123": 1})").empty());
  std::vector<std::string> errors;
  CHECK(!compile(R"({"pattern": "\\p{Greek}"})", Dialect::Draft2020, &errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].find("unsupported Unicode property escape \\p{Greek}") != std::string::npos);
  errors.clear();
  CHECK(!compile(R"({"pattern": "[^\\p{L}]"})", Dialect::Draft2020, &errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].find("inside a negated class") != std::string::npos);
}

TEST_CASE("schema: Swagger 2.0 `type: file` compiles and accepts any value") {
  auto s = compile(R"({"type": "object", "properties": {"upload": {"type": "file"}}})", Dialect::Draft4);
  CHECK(check(*s, R"({"upload": "binary bytes"})") == "");
  CHECK(check(*s, R"({"upload": 3})") == "");
  std::vector<std::string> errors;
  CHECK(!compile(R"({"type": "file"})", Dialect::Draft2020, &errors));  // only Swagger 2.0 has it
}

TEST_CASE("schema: patterns whose repetition counts would blow up std::regex are refused with a reason") {
  // libstdc++ reads a count into an int without an overflow check (undefined behaviour, found by fuzz_schema), and
  // copies the repeated atom once per count: such sources never reach std::regex.
  std::vector<std::string> errors;
  CHECK_FALSE(compile(R"({"pattern": "[0-9]{6666666666666666666662,}"})", Dialect::Draft2020, &errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].rfind("#/pattern: invalid regular expression '[0-9]{6666666666666666666662,}': repetition counts "
                        "expand past 100000 atoms",
                        0) == 0);
  errors.clear();
  CHECK_FALSE(compile(R"({"pattern": "((ab){1000}){1000}"})", Dialect::Draft2020, &errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].find("repetition counts expand past") != std::string::npos);
  // the counts real specs use are untouched
  auto s = compile(R"({"pattern": "^(\\d{1,3}\\.){3}\\d{1,3}$|^[a-z]{1,255}$|^x{2,}?$"})");
  CHECK(check(*s, R"("10.0.0.1")") == "");
  CHECK(check(*s, R"("abc")") == "");
  CHECK(check(*s, R"("1.2")") != "");
  CHECK(schema::format::regex_expanded_size("a{3}") == 3);
  CHECK(schema::format::regex_expanded_size("(ab){3}c") == 7);
  CHECK(schema::format::regex_expanded_size("[a{9}]x{2,5}") == 6);
  CHECK(schema::format::regex_expanded_size("a\\{99999999}") == 11);  // an escaped brace is no count
  CHECK(schema::format::regex_refusal("((a{100}){100}){100}") != "");
  CHECK(schema::format::regex_refusal("^[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}$") == "");
  // numbers libstdc++ reads into a long unchecked: back-references and counts where no atom precedes them
  CHECK(schema::format::regex_refusal("(a)\\55555550000001293750") != "");
  CHECK(schema::format::regex_refusal("a|{55555550000001293750}") != "");
  CHECK(schema::format::regex_refusal("a{1,55555550000001293750}") != "");
  CHECK(schema::format::regex_refusal("^12345678901234567890$") == "");  // a literal digit run is fine
  CHECK(schema::format::regex_refusal("(a)\\1") == "");
}

TEST_CASE("schema: oneOf prefers the branch that got inside the value over one of another type") {
  // {"const": false} fails with one error at the value itself; the object branch fails deeper with two. The object
  // branch is what the author meant, and its errors are the ones to act on.
  auto s = compile(R"({"oneOf": [{"const": false},
                                  {"type": "object", "required": ["origins"],
                                   "properties": {"origins": {"type": "array", "items": {"type": "string"}},
                                                  "max": {"type": "integer"}}}]})");
  CHECK(check(*s, R"({"origins": [1], "max": "x"})") ==
        "/origins/0 1:14: expected string, got integer 1 (#/oneOf/1/properties/origins/items/type)\n"
        "/max 1:25: expected integer, got string \"x\" (#/oneOf/1/properties/max/type)\n");
  CHECK(check(*s, "true") == "(root) 1:1: expected false, got boolean true (#/oneOf/0/const)\n");
}

// Property lookup is a hash table per object schema (one probe when the names allow, linear probing when not), and
// the yes/no walk takes the lean loop with type and enum checks kept in the table: every name must still be found,
// whatever its length, wherever the names collide, in requests and responses as well.
TEST_CASE("schema: every property is found among many, short and long, colliding or not") {
  for (size_t count : {1, 3, 5, 17, 64, 300}) {
    CAPTURE(count);
    std::string properties, all_ints, names;
    for (size_t i = 0; i < count; ++i) {
      // Names of every length from 1 to 24, many sharing their first 8 bytes.
      std::string name = i % 3 == 0 ? "p" + std::to_string(i) : i % 3 == 1 ? "property_" + std::to_string(i) : "x";
      if (i % 3 == 2) name = std::string(1 + i % 24, static_cast<char>('a' + i % 26)) + std::to_string(i);
      properties += (i ? ", " : "") + ("\"" + name + "\": " + (i % 5 == 4 ? "{\"enum\": [\"on\", \"off\"]}" : "{\"type\": \"integer\"}"));
      all_ints += (i ? ", " : "") + ("\"" + name + "\": " + (i % 5 == 4 ? "\"off\"" : std::to_string(i)));
      names += name + "\n";
    }
    auto s = compile("{\"type\": \"object\", \"properties\": {" + properties + "}, \"additionalProperties\": false}");
    CHECK(check(*s, "{" + all_ints + "}") == "");
    CHECK(s->is_valid(doc::parse("{" + all_ints + "}", "i.json").root, schema::Direction::Request));
    CHECK(check(*s, "{" + all_ints + ", \"unknown_property\": 1}") ==
          "/unknown_property 1:" + std::to_string(all_ints.size() + 24) +
              ": unexpected property 'unknown_property' (#/additionalProperties)\n");
    // The last property with a wrong value is found and reported under its own name.
    const std::string last = names.substr(names.rfind('\n', names.size() - 2) + 1, std::string::npos);
    const std::string last_name = last.substr(0, last.size() - 1);
    const bool last_is_enum = (count - 1) % 5 == 4;
    std::string error = check(*s, "{\"" + last_name + "\": true}");
    CHECK(error.rfind("/" + last_name + " ", 0) == 0);
    CHECK(error.find(last_is_enum ? "/enum)" : "/type)") != std::string::npos);
  }
}

// Found by fuzz_schema: a count written as a float past int64 was converted with undefined behaviour. It means the
// largest count: nothing has that many items, everything has fewer.
TEST_CASE("schema: counts too large for int64 are the largest count") {
  auto at_least = compile(R"({"minItems": 1e300, "minLength": 1.5e19, "minProperties": 1e100})");
  CHECK_FALSE(at_least->is_valid(doc::parse("[1, 2]", "i.json").root));
  CHECK_FALSE(at_least->is_valid(doc::parse("\"text\"", "i.json").root));
  CHECK_FALSE(at_least->is_valid(doc::parse("{\"a\": 1}", "i.json").root));
  auto at_most = compile(R"({"maxItems": 1e300, "maxLength": 1.5e19, "maxProperties": 1e100})");
  CHECK(at_most->is_valid(doc::parse("[1, 2]", "i.json").root));
  CHECK(at_most->is_valid(doc::parse("\"text\"", "i.json").root));
  CHECK(at_most->is_valid(doc::parse("{\"a\": 1}", "i.json").root));
}

// Found by fuzz_schema: the exact decimal multipleOf check multiplied past __int128 before checking for overflow.
// The product is now checked first, and the check falls back to floating point where the digits do not fit.
TEST_CASE("schema: multipleOf with digits past __int128") {
  auto tiny = compile(R"({"multipleOf": 0.000000000000000000000000000000000000001})");
  CHECK(tiny->is_valid(doc::parse("0.750075", "i.json").root));
  CHECK(tiny->is_valid(doc::parse("12345678901234567", "i.json").root));
  auto tenth = compile(R"({"multipleOf": 0.1})");
  CHECK(tenth->is_valid(doc::parse("0.3", "i.json").root));
  CHECK_FALSE(tenth->is_valid(doc::parse("0.35", "i.json").root));
}

// object_ok counts the required names that are properties as its member loop meets them, and looks up the rest; the
// verdict must be the same as checking each name, with errors or without, for every count of names.
TEST_CASE("schema: required properties counted in one pass agree with a search per name") {
  for (size_t count : {1, 2, 63, 64, 65, 200, 256, 257, 300}) {
    CAPTURE(count);
    std::string properties, required, all;
    for (size_t i = 0; i < count; ++i) {
      const std::string name = (i % 2 ? "property_number_" : "p") + std::to_string(i);
      properties += (i ? ", " : "") + ("\"" + name + "\": {\"type\": \"integer\"}");
      required += (i ? ", " : "") + ("\"" + name + "\"");
      all += (i ? ", " : "") + ("\"" + name + "\": " + std::to_string(i));
    }
    // One required name that is not a property, and one listed twice.
    auto s = compile("{\"type\": \"object\", \"properties\": {" + properties + "}, \"required\": [" + required +
                     ", \"extra\", \"p0\"]}");
    auto valid = [&](const std::string& text) {
      doc::TapeDocument d = doc::parse_json_tape(text);
      REQUIRE(d.ok());
      return s->is_valid(d.tape.root(), schema::Direction::None);
    };
    CHECK(valid("{" + all + ", \"extra\": null}"));
    CHECK(check(*s, "{" + all + ", \"extra\": null}") == "");
    CHECK_FALSE(valid("{" + all + "}"));  // "extra" missing
    CHECK(check(*s, "{" + all + "}").find("missing required property 'extra'") != std::string::npos);
    // The last property missing; the first one given twice instead does not make up for it.
    const std::string without_last = all.substr(0, all.rfind(", "));
    if (count > 1) {
      CHECK_FALSE(valid("{" + without_last + ", \"extra\": 1}"));
      CHECK_FALSE(valid("{" + without_last + ", \"extra\": 1, \"p0\": 0}"));
      CHECK(check(*s, "{" + without_last + ", \"extra\": 1}").find("missing required property") != std::string::npos);
    }
  }
}

// object_ok remembers the slot of each member position from the object before; items whose keys change order, name
// or length must still each be checked against their own property.
TEST_CASE("schema: items with keys in changing orders are each checked against the right property") {
  auto s = compile(R"({"type": "array", "items": {"type": "object", "additionalProperties": false,
    "properties": {"a": {"type": "integer"}, "b": {"type": "string"}, "long_name_1": {"type": "integer"},
                   "long_name_2": {"type": "string"}}}})");
  auto valid = [&](const std::string& text) {
    doc::TapeDocument d = doc::parse_json_tape(text);
    REQUIRE(d.ok());
    return s->is_valid(d.tape.root(), schema::Direction::None);
  };
  CHECK(valid(R"([{"a": 1, "b": "x"}, {"a": 2, "b": "y"}, {"b": "z", "a": 3}, {"long_name_1": 1, "long_name_2": "s"}])"));
  CHECK_FALSE(valid(R"([{"a": 1, "b": "x"}, {"b": 1, "a": "x"}])"));         // swapped keys, values not
  CHECK_FALSE(valid(R"([{"a": 1, "b": "x"}, {"a": 1, "c": "x"}])"));         // same length, another name
  CHECK_FALSE(valid(R"([{"long_name_1": 1}, {"long_name_2": 1}])"));        // same length and first 8 bytes
  CHECK_FALSE(valid(R"([{"long_name_2": "s"}, {"long_name_1": "s"}])"));
  CHECK(valid(R"([{"long_name_2": "s"}, {"long_name_1": 1}, {"a": 1}, {}])"));
  // Objects of many members (the set-based duplicate check of the parser, longer plans).
  std::string many = "{";
  for (int i = 0; i < 20; ++i) many += std::string(i ? ", " : "") + "\"a\": 1";
  CHECK(valid("[" + many + "}, " + many + "}]"));
  CHECK_FALSE(valid("[" + many + "}, " + many + ", \"b\": 2}]"));
  // More shapes than the plans have room for (512 slots): 40 items of 25 members in rotated orders, then the same
  // orders again, the last item with a wrong value.
  auto rotated = [](int shift, const std::string& last) {
    std::string o = "{";
    for (int i = 0; i < 25; ++i) {
      const int k = (i + shift) % 25;
      o += std::string(i ? ", " : "") + "\"" + (k == 0 ? std::string("a") : "long_name_" + std::to_string(k)) + "\": " +
           (k == 0 ? last : "1");
    }
    return o + "}";
  };
  auto array = [&](const std::string& last) {
    std::string a = "[";
    for (int round = 0; round < 2; ++round)
      for (int i = 0; i < 40; ++i) a += std::string(round || i ? ", " : "") + rotated(i, round == 1 && i == 39 ? last : "1");
    return a + "]";
  };
  auto s2 = compile(R"({"type": "array", "items": {"type": "object", "properties": {"a": {"type": "integer"}},
    "additionalProperties": {"type": "integer"}}})");
  auto valid2 = [&](const std::string& text) {
    doc::TapeDocument d = doc::parse_json_tape(text);
    REQUIRE(d.ok());
    return s2->is_valid(d.tape.root(), schema::Direction::None);
  };
  CHECK(valid2(array("2")));
  CHECK_FALSE(valid2(array("\"2\"")));
}

// Found by test_generate: a member checked against a nested object schema took the memo over, and the outer object's
// next member was then looked up in the nested schema's table.
TEST_CASE("schema: nested objects sharing property names with their parent keep their own properties") {
  auto s = compile(R"({"type": "array", "items": {"type": "object", "required": ["id"],
    "properties": {"inner": {"type": "object", "properties": {"x": {"type": "object"}, "id": {"type": "string"}}},
                   "id": {"type": "integer"}}}})");
  auto valid = [&](const std::string& text) {
    doc::TapeDocument d = doc::parse_json_tape(text);
    REQUIRE(d.ok());
    return s->is_valid(d.tape.root(), schema::Direction::None);
  };
  CHECK(valid(R"([{"inner": {"x": {}, "id": "s"}, "id": 1}, {"inner": {"x": {}, "id": "t"}, "id": 2}])"));
  CHECK_FALSE(valid(R"([{"inner": {"x": {}, "id": "s"}, "id": 1}, {"inner": {"x": {}, "id": "t"}, "id": "2"}])"));
  CHECK_FALSE(valid(R"([{"inner": {"x": {}, "id": "s"}, "id": 1}, {"inner": {"x": {}, "id": 3}, "id": 2}])"));
}

// object_ok decides once per object shape which property each member is and whether `required` holds (a plan), and
// arrays of objects reuse it item after item; the error-collecting walk looks every key up. Both must always agree:
// random arrays of objects of a few hundred shapes (more than the plan table holds, and past its slot array), keys in
// any order, missing, unknown, repeated in nested objects, values of every kind.
TEST_CASE("schema: the yes/no walk (plans per object shape) agrees with the error-collecting walk") {
  auto s = compile(R"({"type": "array", "items": {"type": "object", "required": ["id", "kind"],
    "additionalProperties": {"type": "integer"},
    "properties": {"id": {"type": "integer"}, "kind": {"type": "string", "enum": ["blob", "tree", "commit"]},
                   "name": {"type": "string", "nullable": true}, "long_property_name": {"type": "boolean"},
                   "child": {"type": "object", "additionalProperties": false, "required": ["id"],
                             "properties": {"id": {"type": "string"}, "kind": {"type": "integer"}}},
                   "list": {"type": "array", "items": {"$ref": "#/items/properties/child"}}}}})");
  const std::vector<std::string> keys = {"id", "kind", "name", "long_property_name", "child", "list", "extra", "x"};
  std::mt19937 random(20261129);
  auto pick = [&](size_t n) { return static_cast<size_t>(random() % n); };
  std::function<std::string(int)> value = [&](int depth) -> std::string {
    switch (pick(depth > 1 ? 6 : 8)) {
      case 0: return std::to_string(pick(100));
      case 1: return "\"" + std::vector<std::string>{"blob", "tree", "commit", "other", "s"}[pick(5)] + "\"";
      case 2: return "null";
      case 3: return pick(2) ? "true" : "false";
      case 4: return "1.5";
      case 5: return "[]";
      case 6: {
        std::string o = "{";
        for (size_t i = 0, n = pick(4); i < n; ++i)
          o += std::string(i ? ", " : "") + "\"" + keys[pick(3)] + "\": " + value(depth + 1);
        return o + "}";
      }
      default: {
        std::string a = "[";
        for (size_t i = 0, n = pick(3); i < n; ++i) a += std::string(i ? ", " : "") + value(depth + 1);
        return a + "]";
      }
    }
  };
  // Mostly well-formed items, so that arrays get far; now and then a wrong value, key or count. Most items repeat the
  // keys of the one before (the shape a plan serves), with values of their own.
  auto names_of_item = [&]() {
    std::vector<std::string> names = {"id", "kind"};
    for (size_t i = 2; i < keys.size(); ++i)
      if (pick(3) == 0) names.push_back(keys[i]);
    if (pick(8) == 0) names.erase(names.begin() + static_cast<std::ptrdiff_t>(pick(names.size())));
    for (size_t i = 0, n = pick(30) == 0 ? 20 : 0; i < n; ++i) names.push_back("k" + std::to_string(i));
    std::shuffle(names.begin(), names.end(), random);
    return names;
  };
  auto item = [&](const std::vector<std::string>& names) {
    std::string o = "{";
    for (size_t i = 0; i < names.size(); ++i) {
      const std::string& k = names[i];
      std::string v = k == "id" ? "7" : k == "kind" ? "\"tree\"" : k == "name" ? "\"n\"" : k == "child" ? "{\"id\": \"c\"}"
                     : k == "list" ? "[{\"id\": \"a\"}, {\"id\": \"b\", \"kind\": 1}]" : k == "long_property_name" ? "true" : "3";
      if (pick(150) == 0) v = value(1);
      o += std::string(i ? ", " : "") + "\"" + k + "\": " + v;
    }
    return o + "}";
  };
  const auto [valid, invalid] = yes_no_agrees(*s, random, 400, 40, 4, names_of_item, item);
  CHECK(valid > 40);  // both verdicts were exercised
  CHECK(invalid > 40);
}

// Arrays of flat records go through record_run (values found by position, kinds compared with the last item's,
// enums of short strings compared as words, leaf schemas through scalar_ok): the same verdicts as the error walk, over
// values of every kind in every member, enum values first or not, short or long, escaped, at the very start of the
// tape's text (the one place a word cannot be read before a string's end), integers as floats, and objects past the
// record limits (16 members, 4 enums, 8 leaf schemas).
TEST_CASE("schema: arrays of flat records agree with the error-collecting walk") {
  const std::string schema_text = R"({"type": "array", "items": {"type": "object", "required": ["p"],
    "additionalProperties": {"type": "integer", "minimum": 0},
    "properties": {"p": {"type": "string"}, "m": {"type": "string", "enum": ["100644", "100755", "040000"]},
                   "t": {"type": "string", "enum": ["blob", "tree", "commit"], "nullable": true},
                   "e": {"type": "string", "enum": ["", "a-value-longer-than-8", "bb"]},
                   "u": {"type": "string", "nullable": true, "enum": ["x", "yy"]},
                   "size": {"type": "integer"}, "ratio": {"type": "number", "maximum": 10},
                   "flag": {"type": "boolean"}, "date": {"type": "string", "format": "date"},
                   "e2": {"type": "string", "enum": ["q"]}, "e3": {"type": "string", "enum": ["r", "s"]}}}})";
  auto s = compile(schema_text, Dialect::OpenApi30);
  const std::vector<std::string> keys = {"p", "m", "t", "e", "u", "size", "ratio", "flag", "date", "e2", "e3", "extra"};
  const std::vector<std::string> good = {"\"src/a.rb\"", "\"100644\"", "\"blob\"", "\"bb\"", "\"x\"", "12", "2.5", "true",
                                         "\"2026-11-29\"", "\"q\"", "\"r\"", "3"};
  const std::vector<std::string> odd = {"null", "{}", "[]", "[1, 2]", "{\"a\": 1}", "1", "1.0", "1.5", "-4", "11", "false",
                                        "\"\"", "\"100755\"", "\"040000\"", "\"10064\"", "\"1006444\"", "\"tree\"",
                                        "\"commit\"", "\"blo\"", "\"\\u0062lob\"", "\"a-value-longer-than-8\"",
                                        "\"a-value-longer-than-9\"", "\"yy\"", "\"y\"", "\"s\"", "\"2026-13-01\"",
                                        "\"commit\\n\""};
  std::mt19937 random(20261130);
  auto pick = [&](size_t n) { return static_cast<size_t>(random() % n); };
  auto names_of_item = [&]() {
    std::vector<std::string> names;
    for (size_t i = 0; i < keys.size(); ++i)
      if (i == 0 ? pick(12) != 0 : pick(2) == 0) names.push_back(keys[i]);
    for (size_t i = 0, n = pick(12) == 0 ? 6 + pick(10) : 0; i < n; ++i) names.push_back("k" + std::to_string(i));
    std::shuffle(names.begin(), names.end(), random);
    return names;
  };
  auto item = [&](const std::vector<std::string>& names) {
    std::string o = "{";
    for (size_t i = 0; i < names.size(); ++i) {
      const auto at = std::find(keys.begin(), keys.end(), names[i]);
      std::string v = at == keys.end() ? "5" : good[static_cast<size_t>(at - keys.begin())];
      if (pick(70) == 0) v = odd[pick(odd.size())];
      o += std::string(i ? ", " : "") + "\"" + names[i] + "\": " + v;
    }
    return o + "}";
  };
  const auto [valid, invalid] = yes_no_agrees(*s, random, 600, 60, 10, names_of_item, item);
  CHECK(valid > 60);  // both verdicts were exercised
  CHECK(invalid > 60);
  // Each kind of failure inside a run of records, after items that passed.
  const std::string ok = R"({"p": "a", "m": "100644", "t": "blob", "size": 1})";
  for (const auto& [last, verdict] : std::vector<std::pair<std::string, bool>>{
           {R"({"p": "a", "m": "100644", "t": "blob", "size": 1})", true},
           {R"({"p": "a", "m": "100755", "t": "tree", "size": 1})", true},
           {R"({"p": "a", "m": "100645", "t": "blob", "size": 1})", false},
           {R"({"p": "a", "m": "100644", "t": null, "size": 1})", true},
           {R"({"p": "a", "m": "100644", "t": "blob", "size": 1.0})", true},
           {R"({"p": "a", "m": "100644", "t": "blob", "size": 1.5})", false},
           {R"({"p": "a", "m": "100644", "t": "blob", "size": "1"})", false},
           {R"({"p": "a", "m": "100644", "t": ["blob"], "size": 1})", false},
           {R"({"p": "a", "m": "100644", "t": "blob\u0000", "size": 1})", false},
           {R"({"p": 1, "m": "100644", "t": "blob", "size": 1})", false}}) {
    doc::TapeDocument d = doc::parse_json_tape("[" + ok + ", " + ok + ", " + last + ", " + ok + "]");
    REQUIRE(d.ok());
    CHECK_MESSAGE(s->is_valid(d.tape.root(), schema::Direction::None) == verdict, last);
    CHECK_MESSAGE(s->validate(d.tape.root()).empty() == verdict, last);
  }
  // A string value that ends less than 8 bytes into the tape's text, first item and later ones.
  for (const auto& [text, verdict] : std::vector<std::pair<std::string, bool>>{
           {R"([{"e2": "q", "p": ""}, {"e2": "q", "p": ""}])", true}, {R"([{"e2": "r", "p": ""}, {"e2": "q", "p": ""}])", false},
           {R"([{"u": "x", "p": ""}, {"u": "y", "p": ""}])", false}, {R"([{"u": "yy", "p": ""}, {"u": "x", "p": ""}])", true}}) {
    doc::TapeDocument d = doc::parse_json_tape(text);
    REQUIRE(d.ok());
    CHECK_MESSAGE(s->is_valid(d.tape.root(), schema::Direction::None) == verdict, text);
  }
}

// The uri, uri-template and email checks classify characters by table (they called memchr per character); every
// printable ASCII character must keep its verdict.
TEST_CASE("schema: uri, uri-template and email accept and refuse the same characters as RFC 3986/6570/5322") {
  namespace format = apigw::schema::format;
  using format::Id;
  const std::string_view uri_excluded = "\"<>\\^`{|}";
  const std::string_view template_excluded = "\"<>\\^`|";
  const std::string_view atext_extra = "!#$%&'*+-/=?^_`{|}~";
  for (int c = 0x21; c < 0x7F; ++c) {
    const char ch = static_cast<char>(c);
    CAPTURE(ch);
    if (ch == '%' || ch == '#' || ch == '[' || ch == ']') continue;  // structural in a URI
    CHECK(format::check_string(Id::Uri, std::string("https://example.com/a") + ch) ==
          (uri_excluded.find(ch) == std::string_view::npos));
    if (ch != '{' && ch != '}')
      CHECK(format::check_string(Id::UriTemplate, std::string("/a") + ch) ==
            (template_excluded.find(ch) == std::string_view::npos));
    const bool atext = std::isalnum(static_cast<unsigned char>(ch)) || atext_extra.find(ch) != std::string_view::npos;
    if (ch != '.' && ch != '@' && ch != '"')
      CHECK(format::check_string(Id::Email, std::string("a") + ch + "b@example.com") == atext);
  }
  CHECK_FALSE(format::check_string(Id::Uri, "https://example.com/a b"));
  CHECK_FALSE(format::check_string(Id::UriTemplate, "/a b"));
  CHECK_FALSE(format::check_string(Id::Email, "a b@example.com"));
  CHECK(format::check_string(Id::Email, "j\xC3\xA9r\xC3\xB4me@example.com"));  // UTF-8 in the local part, as before
}
