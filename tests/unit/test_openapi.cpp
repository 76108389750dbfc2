#include <doctest/doctest.h>

#include "cli/import/importer.hpp"
#include "common/temp_dir.hpp"
#include "emulator/model/config.hpp"
#include "emulator/openapi/model.hpp"
#include "emulator/openapi/spec.hpp"

using namespace apigw;

namespace {
std::string fixture(const std::string& rel) { return std::string(APIGW_SOURCE_DIR) + "/tests/fixtures/openapi/" + rel; }
std::string text(const diag::Diagnostics& ds) {
  std::string out;
  for (const auto& d : ds) out += d.format() + "\n";
  return out;
}
}  // namespace

TEST_CASE("JSON pointer tokens: percent-escapes, then ~1 and ~0") {
  CHECK(openapi::unescape_pointer_token("a~1b~0c") == "a/b~c");
  CHECK(openapi::unescape_pointer_token("%7B~01") == "{~1");
  CHECK(openapi::unescape_pointer_token("paths~1pets~1%7BpetId%7D") == "paths/pets/{petId}");
}

TEST_CASE("a multi-file spec with references in both directions and cycles across files") {
  diag::Diagnostics ds;
  auto spec = openapi::Spec::load(fixture("multi/openapi.yaml"), ds);
  REQUIRE(spec);
  CHECK(spec->version() == openapi::Version::OpenApi30);
  spec->check_references(ds);
  CHECK(text(ds) == "");
  CHECK(spec->file_count() == 5);

  // Pet -> Owner -> Pet, resolved lazily without expanding.
  auto pet = spec->resolve("./schemas/pet.yaml#/Pet", spec->path(), {}, &ds);
  REQUIRE(pet);
  const doc::Node* owner_ref = pet.node->find("properties")->find("owner");
  auto owner = spec->deref({owner_ref, pet.file}, &ds);
  REQUIRE(owner);
  const doc::Node* back = owner.node->find("properties")->find("pets")->find("items");
  auto pet_again = spec->deref({back, owner.file}, &ds);
  CHECK(pet_again.node == pet.node);

  auto escaped = spec->resolve("#/components/schemas/Escaped", spec->path(), {}, &ds);
  REQUIRE(escaped);
  auto target = spec->deref(escaped, &ds);
  REQUIRE(target);
  CHECK(target.node->find("type")->as_string() == "string");
  CHECK(ds.empty());
}

TEST_CASE("unresolved, missing-file and remote references are errors at the $ref") {
  diag::Diagnostics ds;
  std::string path = fixture("broken-ref.yaml");
  auto spec = openapi::Spec::load(path, ds);
  REQUIRE(spec);
  spec->check_references(ds);
  REQUIRE(ds.size() == 3);
  std::string all = text(ds);
  CHECK(all.find(path + ":11:31: $ref: '#/components/schemas/Missing' does not resolve: no 'components' in " + path +
                 ":1:1") != std::string::npos);
  CHECK(all.find(path + ":15:24: $ref: cannot load '") != std::string::npos);
  CHECK(all.find("No such file or directory") != std::string::npos);
  CHECK(all.find(path + ":19:24: $ref: remote reference 'https://example.com/r.yaml' is not fetched") != std::string::npos);
}

TEST_CASE("not OpenAPI, wrong versions and missing paths are precise errors") {
  auto load_text = [](const std::string& name, const std::string& body) {
    std::string p = test_temp::path(name);
    FILE* f = std::fopen(p.c_str(), "w");
    std::fputs(body.c_str(), f);
    std::fclose(f);
    diag::Diagnostics ds;
    auto spec = openapi::Spec::load(p, ds);
    CHECK_FALSE(spec);
    std::string out = text(ds);
    std::remove(p.c_str());
    return out.substr(p.size());
  };
  CHECK(load_text("a.yaml", "hello: world\n") == ":1:1: not an OpenAPI document: no 'openapi' or 'swagger' version key\n");
  CHECK(load_text("b.yaml", "openapi: 3.0.0\ninfo: {}\n") == ":1:1: missing required key 'paths'\n");
  CHECK(load_text("c.yaml", "openapi: 4.0.0\npaths: {}\n") ==
        ":1:10: openapi: unsupported OpenAPI version '4.0.0' (apigw reads 2.0, 3.0.x and 3.1.x)\n");
  CHECK(load_text("d.yaml", "swagger: '1.2'\n") == ":1:10: swagger: unsupported Swagger version '1.2' (apigw reads 2.0)\n");
  CHECK(load_text("e.json", "{\"openapi\": 3.0}") ==
        ":1:13: openapi: expected the version as a string such as \"3.0.3\", got 3.0\n");
  CHECK(load_text("f.yaml", "openapi: 3.0.0\npaths: [1]\n") == ":2:8: paths: expected a mapping, got array\n");
}

TEST_CASE("import: one route per operation, ids from operationId, each linked to its operation; the result loads") {
  diag::Diagnostics ds;
  auto spec = openapi::Spec::load(fixture("multi/openapi.yaml"), ds);
  REQUIRE(spec);
  import::Options options;
  options.spec_reference = "openapi.yaml";
  auto r = import::import_spec(*spec, options);
  CHECK(r.ok);
  const auto& routes = r.config["routes"];
  REQUIRE(routes.size() == 3);
  CHECK(routes[0]["id"] == "listPets");
  CHECK(routes[0]["method"] == "GET");
  CHECK(routes[0]["path"] == "/pets");
  CHECK(routes[0]["description"] == "List pets");
  CHECK(routes[0]["operation"] == "listPets");  // serve mocks it from the spec (examples, else generated)
  CHECK(!routes[0].contains("mock"));
  CHECK(routes[1]["id"] == "createPet");
  CHECK(routes[1]["operation"] == "createPet");
  CHECK(r.config["openapi"] == "openapi.yaml");

  std::string yaml = import::to_yaml(r.config, "# header\n");
  auto loaded = model::load_config_text(yaml, fixture("multi/gateway.yaml"));
  CHECK(text(loaded.diagnostics) == "");
  REQUIRE(loaded.config);
  CHECK(loaded.config->routes.size() == 3);
  // Deterministic: the same spec gives the same bytes.
  CHECK(import::to_yaml(import::import_spec(*spec, options).config, "# header\n") == yaml);
}

TEST_CASE("import --mode proxy uses servers[0] with variables at their defaults") {
  diag::Diagnostics ds;
  auto spec = openapi::Spec::load(fixture("multi/openapi.yaml"), ds);
  REQUIRE(spec);
  import::Options options;
  options.mode = "proxy";
  auto r = import::import_spec(*spec, options);
  REQUIRE(r.ok);
  CHECK(r.config["backends"]["upstream"]["url"] == "http://127.0.0.1:9000/v1");
  CHECK(r.config["routes"][0]["proxy"]["backend"] == "upstream");
  options.upstream = "https://staging.example.com";
  CHECK(import::import_spec(*spec, options).config["backends"]["upstream"]["url"] == "https://staging.example.com");
}

TEST_CASE("import: Swagger 2.0 examples, AWS any-method and http_proxy integrations, unmapped security is listed") {
  diag::Diagnostics ds;
  auto spec = openapi::Spec::load(fixture("swagger2.yaml"), ds);
  REQUIRE(spec);
  CHECK(spec->version() == openapi::Version::Swagger2);
  import::Options options;
  auto r = import::import_spec(*spec, options);
  REQUIRE(r.ok);
  const auto& routes = r.config["routes"];
  REQUIRE(routes.size() == 2);
  CHECK(routes[0]["operation"] == "listPets");
  CHECK(r.config["openapi"] == fixture("swagger2.yaml"));  // no reference given: the spec's own path
  CHECK(routes[1]["method"] == "ANY");
  CHECK(routes[1]["operation"] == "ANY /pets/{id}");  // no operationId: method and path
  CHECK(routes[1]["proxy"]["backend"] == "backend-example-com");
  CHECK(routes[1]["proxy"]["path"] == "/pets/{id}");
  CHECK(r.config["backends"]["backend-example-com"]["url"] == "https://backend.example.com");
  CHECK(r.warnings.empty());
  CHECK(r.config["auth"]["key"] == nlohmann::ordered_json({{"type", "api_key"}, {"in", "header"}, {"name", "x-api-key"}}));
  auto loaded = model::load_config_text(import::to_yaml(r.config, ""), "/tmp/g.yaml");
  CHECK(text(loaded.diagnostics) == "");
}

TEST_CASE("import: OpenAPI 3.1 examples arrays and webhooks") {
  diag::Diagnostics ds;
  auto spec = openapi::Spec::load(fixture("openapi31.yaml"), ds);
  REQUIRE(spec);
  CHECK(spec->version() == openapi::Version::OpenApi31);
  auto r = import::import_spec(*spec, {});
  REQUIRE(r.config["routes"].size() == 1);
  CHECK(r.config["routes"][0]["operation"] == "getThing");
  REQUIRE(r.warnings.size() == 1);
  CHECK(r.warnings[0].path == "webhooks");
}

TEST_CASE("YAML output quotes strings that would read back as other types") {
  nlohmann::ordered_json j = {{"a", "true"}, {"b", "123"}, {"c", ""}, {"d", "/pets/{id}"}, {"e", "x: y"}, {"f", "null"}};
  std::string yaml = import::to_yaml(j, "");
  doc::Document d = doc::parse_yaml(yaml, "t");
  REQUIRE(d.ok());
  for (const auto& [k, v] : j.items()) CHECK(d.root.find(k)->as_string() == v.get<std::string>());
}

TEST_CASE("YAML output round-trips nested structures exactly") {
  auto j = nlohmann::ordered_json::parse(R"({"a": {"b": [1, 2.5, {"c": [], "d": {}}, [true, null, "x"]], "e": "multi\nline"},
    "list": [{"k": "v", "n": {"m": ["- dash", "# hash", "a: b"]}}], "empty": "", "unicode": "Jürgen ✓"})");
  std::string yaml = import::to_yaml(j, "# c\n");
  doc::Document d = doc::parse_yaml(yaml, "t");
  REQUIRE_MESSAGE(d.ok(), yaml);
  CHECK(nlohmann::json(d.root.to_json()) == nlohmann::json(j));
}

TEST_CASE("server variables whose default names the variable itself do not loop (vtex.local regression)") {
  std::string p = test_temp::path("vtex.json");
  FILE* f = std::fopen(p.c_str(), "w");
  std::fputs(R"({"openapi": "3.0.0", "info": {"title": "t", "version": "1"}, "paths": {},
    "servers": [{"url": "https://{accountName}.{environment}.com.br",
                 "variables": {"accountName": {"default": "{accountName}"}, "environment": {"default": "x"}}}]})", f);
  std::fclose(f);
  diag::Diagnostics ds;
  auto spec = openapi::Spec::load(p, ds);
  REQUIRE(spec);
  auto m = openapi::normalize(*spec);
  REQUIRE(m.servers.size() == 1);
  CHECK(m.servers[0].url == "https://{accountName}.x.com.br");
  std::remove(p.c_str());
}

TEST_CASE("Swagger 2.0 is normalised into the 3.x shape") {
  std::string p = test_temp::path("sw2.yaml");
  FILE* f = std::fopen(p.c_str(), "w");
  std::fputs(R"(swagger: "2.0"
info: { title: t, version: "1" }
host: api.example.com
basePath: /v1
schemes: [http, https]
consumes: [application/json]
produces: [application/json, application/xml]
securityDefinitions:
  basic: { type: basic }
  oauth: { type: oauth2, flow: implicit, authorizationUrl: "https://a", scopes: { read: r, write: w } }
security: [{ basic: [] }]
paths:
  /pets/{id}:
    parameters:
      - { name: id, in: path, type: integer, format: int64 }
    put:
      parameters:
        - { name: body, in: body, required: true, schema: { $ref: "#/definitions/Pet" } }
        - { name: tags, in: query, type: array, items: { type: string }, collectionFormat: multi }
      responses:
        "200": { description: ok, schema: { $ref: "#/definitions/Pet" }, examples: { application/json: { id: 1 } } }
      security: [{ oauth: [write] }]
  /upload:
    post:
      consumes: [multipart/form-data]
      parameters:
        - { name: file, in: formData, type: file, required: true }
        - { name: note, in: formData, type: string }
      responses: { "204": { description: done } }
definitions:
  Pet: { type: object, properties: { id: { type: integer } } }
)", f);
  std::fclose(f);
  diag::Diagnostics ds;
  auto spec = openapi::Spec::load(p, ds);
  REQUIRE(spec);
  auto m = openapi::normalize(*spec);
  CHECK(m.version == openapi::Version::Swagger2);
  REQUIRE(m.servers.size() == 2);
  CHECK(m.servers[0].url == "http://api.example.com/v1");
  CHECK(m.servers[1].url == "https://api.example.com/v1");
  REQUIRE(m.security_schemes.size() == 2);
  CHECK(m.security_schemes[0].type == "http");
  CHECK(m.security_schemes[0].scheme == "basic");
  CHECK(m.security_schemes[1].scopes == std::vector<std::string>{"read", "write"});
  REQUIRE(m.security.size() == 1);
  CHECK(m.security[0][0].first == "basic");

  REQUIRE(m.operations.size() == 2);
  const auto& put = m.operations[0];
  CHECK(put.method == "put");
  REQUIRE(put.parameters.size() == 2);  // path-level id + query tags; the body is not a parameter any more
  CHECK(put.parameters[0].name == "id");
  CHECK(put.parameters[0].required);
  CHECK(put.parameters[0].schema.node->find("type")->as_string() == "integer");
  CHECK(put.parameters[1].style == "form");
  CHECK(put.parameters[1].explode);
  REQUIRE(put.request_body);
  CHECK(put.request_body->required);
  REQUIRE(put.request_body->content.size() == 1);
  CHECK(put.request_body->content[0].name == "application/json");
  CHECK(put.request_body->content[0].schema.node->find("$ref")->as_string() == "#/definitions/Pet");
  REQUIRE(put.responses.size() == 1);
  REQUIRE(put.responses[0].content.size() == 2);  // one per produces
  CHECK(put.responses[0].content[0].examples.size() == 1);
  REQUIRE(put.security);
  CHECK((*put.security)[0][0].second == std::vector<std::string>{"write"});

  const auto& upload = m.operations[1];
  REQUIRE(upload.request_body);
  CHECK(upload.request_body->content[0].name == "multipart/form-data");
  auto schema = upload.request_body->content[0].schema.node->to_json();
  CHECK(schema["properties"]["file"] == nlohmann::json({{"type", "string"}, {"format", "binary"}}));
  CHECK(schema["required"] == nlohmann::json({"file"}));
  std::remove(p.c_str());
}

TEST_CASE("a cycle of references with no value in it is an error; a recursive schema is not") {
  std::string p = test_temp::path("cycle.yaml");
  FILE* f = std::fopen(p.c_str(), "w");
  std::fputs("openapi: 3.0.0\npaths:\n  /a: {$ref: \"#/x\"}\nx: {$ref: \"#/paths/~1a\"}\n"
             "components:\n  schemas:\n    Node: {type: object, properties: {next: {$ref: \"#/components/schemas/Node\"}}}\n", f);
  std::fclose(f);
  diag::Diagnostics ds;
  auto spec = openapi::Spec::load(p, ds);
  REQUIRE(spec);
  spec->check_references(ds);
  REQUIRE(ds.size() >= 1);
  CHECK(ds[0].rule == "openapi-ref-cycle");
  CHECK(ds[0].message.find("is part of a cycle of references that never reaches a value") != std::string::npos);
  for (const auto& d : ds) CHECK(d.message.find("Node") == std::string::npos);
  std::remove(p.c_str());
}

TEST_CASE("import: x-google-backend at the top level appends the path; per operation it is a constant address") {
  diag::Diagnostics ds;
  auto spec = openapi::Spec::load(fixture("google.yaml"), ds);
  REQUIRE(spec);
  auto r = import::import_spec(*spec, {});
  REQUIRE(r.ok);
  const auto& routes = r.config["routes"];
  REQUIRE(routes.size() == 2);
  CHECK(routes[0]["proxy"] == nlohmann::ordered_json({{"backend", "shared-example-run-app"}, {"path", "/items/{id}"}}));
  CHECK(routes[1]["proxy"] ==
        nlohmann::ordered_json({{"backend", "hello-fn-example-net"}, {"path", "/v2/hello"}, {"timeout", "2500ms"}}));
  CHECK(r.config["backends"]["hello-fn-example-net"]["url"] == "https://hello-fn.example.net");
  CHECK(r.warnings.empty());
  auto loaded = model::load_config_text(import::to_yaml(r.config, ""), "/tmp/g.yaml");
  CHECK(text(loaded.diagnostics) == "");
}

TEST_CASE("import: security schemes become the config's auth, operation security becomes route auth (OR of ANDs)") {
  std::string p = test_temp::path("sec.yaml");
  FILE* f = std::fopen(p.c_str(), "w");
  std::fputs(R"(openapi: 3.0.3
info: { title: t, version: "1" }
security: [{ key: [] }]
paths:
  /open:
    get: { security: [], responses: { "200": { description: ok } } }
  /default:
    get: { responses: { "200": { description: ok } } }
  /either:
    post:
      security: [{ oidc: [write] }, { key: [], basic: [] }]
      responses: { "201": { description: ok } }
  /optional:
    get: { security: [{}, { key: [] }], responses: { "200": { description: ok } } }
components:
  securitySchemes:
    key: { type: apiKey, in: query, name: api_key }
    basic: { type: http, scheme: basic }
    jwtBearer: { type: http, scheme: bearer, bearerFormat: JWT }
    oidc: { type: openIdConnect, openIdConnectUrl: "https://id.example.com/.well-known/openid-configuration" }
    oauth: { type: oauth2, flows: { clientCredentials: { tokenUrl: "https://t", scopes: { read: r, write: w } } } }
    mtls: { type: mutualTLS }
)", f);
  std::fclose(f);
  diag::Diagnostics ds;
  auto spec = openapi::Spec::load(p, ds);
  REQUIRE(spec);
  auto r = import::import_spec(*spec, {});
  REQUIRE(r.ok);
  const auto& auth = r.config["auth"];
  CHECK(auth["key"] == nlohmann::ordered_json({{"type", "api_key"}, {"in", "query"}, {"name", "api_key"}}));
  CHECK(auth["basic"]["type"] == "basic");
  CHECK(auth["jwtBearer"]["type"] == "jwt");
  CHECK(auth["oidc"] == nlohmann::ordered_json({{"type", "jwt"}, {"issuer", "https://id.example.com"}}));
  CHECK(auth["oauth"]["scopes"] == nlohmann::ordered_json({"read", "write"}));
  CHECK_FALSE(auth.contains("mtls"));
  REQUIRE(r.warnings.size() == 1);
  CHECK(r.warnings[0].path == "components.securitySchemes.mtls");

  const auto& routes = r.config["routes"];
  CHECK_FALSE(routes[0].contains("auth"));  // security: [] makes it public
  CHECK(routes[1]["auth"] == nlohmann::ordered_json({"key"}));  // the document's default
  CHECK(routes[2]["auth"] == nlohmann::ordered_json::parse(R"([{"oidc": ["write"]}, {"key": [], "basic": []}])"));
  CHECK_FALSE(routes[3].contains("auth"));  // {} is one of the alternatives: anonymous allowed

  auto loaded = model::load_config_text(import::to_yaml(r.config, ""), "/tmp/g.yaml");
  CHECK(text(loaded.diagnostics) == "");
  REQUIRE(loaded.config);
  REQUIRE(loaded.config->routes[2].auth.size() == 2);
  CHECK(loaded.config->routes[2].auth[1].size() == 2);
  std::remove(p.c_str());
}
