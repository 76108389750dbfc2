// Every OpenAPI lint rule against a passing input (clean*.yaml, which no rule of the `all` ruleset flags) and a
// failing one (bad-*.yaml), through the lint library. Each expected finding names its line:col.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>

#include "cli/lint/lint.hpp"

using namespace apigw;

namespace {

std::string fixture(const std::string& name) { return std::string(APIGW_SOURCE_DIR) + "/tests/fixtures/lint/" + name; }

diag::Diagnostics lint_all(const std::string& name) {
  lint::Options options;
  options.ruleset = lint::Ruleset::All;
  options.config = fixture("none.apigw-lint.yaml");  // no config file between the fixtures and the filesystem root
  return lint::lint_files({fixture(name)}, options).diagnostics;
}

std::string text(const diag::Diagnostics& ds) {
  std::string out;
  for (const auto& d : ds) out += d.format() + " [" + d.rule + "]\n";
  return out;
}

// "line:col: message" of each finding of `rule`.
std::vector<std::string> findings(const diag::Diagnostics& ds, const std::string& rule) {
  std::vector<std::string> out;
  for (const auto& d : ds)
    if (d.rule == rule) out.push_back(std::to_string(d.mark.line) + ":" + std::to_string(d.mark.col) + ": " + d.message);
  return out;
}

bool has(const std::vector<std::string>& list, const std::string& prefix) {
  return std::any_of(list.begin(), list.end(), [&](const std::string& s) { return s.rfind(prefix, 0) == 0; });
}

}  // namespace

TEST_CASE("lint rules: the clean fixtures pass every rule of the 'all' ruleset") {
  for (const char* name : {"clean.yaml", "clean-swagger.yaml"}) {
    INFO(name);
    auto ds = lint_all(name);
    CHECK_MESSAGE(ds.empty(), text(ds));
  }
}

TEST_CASE("lint rules: every OpenAPI rule has a failing fixture") {
  diag::Diagnostics all;
  for (const char* name : {"bad-structure.yaml", "bad-practice.yaml", "bad-meta.yaml", "bad-swagger.yaml"})
    for (auto& d : lint_all(name)) all.push_back(d);
  for (const auto& rule : lint::openapi_rules()) {
    INFO(rule.id);
    CHECK(!findings(all, rule.id).empty());
    CHECK(rule.description[0] != 0);
    CHECK(rule.how_to_fix[0] != 0);
    CHECK(lint::find_rule(rule.id) == &*std::find_if(lint::catalogue().begin(), lint::catalogue().end(),
                                                    [&](const lint::Rule& r) { return std::string(r.id) == rule.id; }));
  }
}

TEST_CASE("openapi-schema: meta-schema errors at the instance node, one per problem") {
  auto f = findings(lint_all("bad-meta.yaml"), "openapi-schema");
  REQUIRE(f.size() == 2);
  CHECK(f[0] == "3:3: missing required property 'version' (OpenAPI 3.0 meta-schema: #/definitions/Info/required)");
  CHECK(has(f, "8:31: expected string, got integer 5"));
}

TEST_CASE("structural rules find what bad-structure.yaml breaks, where") {
  auto ds = lint_all("bad-structure.yaml");
  INFO(text(ds));
  auto servers = findings(ds, "server-variables");
  CHECK(has(servers, "5:10: server variable {stage} is not declared in variables"));
  CHECK(has(servers, "7:26: default 'moon' of server variable 'region' is not one of its enum values"));
  CHECK(has(servers, "8:7: server variable 'unused' is not used in the url"));
  auto params = findings(ds, "path-params");
  CHECK(has(params, "11:5: path parameter 'petId' of GET /pets/{petId} is not declared"));
  CHECK(has(params, "14:11: parameter 'id' is declared in: path, but /pets/{petId} has no {id}"));
  CHECK(findings(ds, "operation-id-url-safe").size() == 2);
  CHECK(findings(ds, "operation-id-unique") ==
        std::vector<std::string>{"27:20: operationId 'get pet' is also used by GET /pets/{petId}"});
  CHECK(findings(ds, "security-defined") ==
        std::vector<std::string>{"16:11: security scheme 'oauht' is not declared (did you mean 'oauth'?)"});
  CHECK(findings(ds, "security-scopes-defined") ==
        std::vector<std::string>{"17:19: scope 'admin' is not declared by the oauth2 scheme 'oauth'"});
  CHECK(findings(ds, "path-template") == std::vector<std::string>{"30:3: path '/a/{x}/{x}' uses the parameter {x} twice"});
  CHECK(findings(ds, "enum-duplicate") == std::vector<std::string>{"44:48: enum value \"dog\" is listed more than once"});
  CHECK(findings(ds, "enum-type") == std::vector<std::string>{"44:53: enum value 1 is not of type string"});
  CHECK(findings(ds, "ref-siblings") ==
        std::vector<std::string>{"45:51: keys next to $ref are ignored in OpenAPI 3.0: 'description'"});
  CHECK(findings(ds, "schema-example-valid") ==
        std::vector<std::string>{"43:40: example does not match its schema: expected string, got integer 5"});
  // The response example has the readOnly id (fine in a response) of the wrong type: only the type is reported.
  CHECK(findings(ds, "example-valid") ==
        std::vector<std::string>{"24:30: example does not match its schema: /id: expected integer, got string \"seven\""});
}

TEST_CASE("example-valid: readOnly, writeOnly and nullable are judged by direction, as the specification says") {
  // clean.yaml: a PUT body without the required readOnly id but with the writeOnly secret, a GET response without
  // the writeOnly secret and with a null nullable owner, a schema example without secret. None is a finding.
  auto ds = lint_all("clean.yaml");
  CHECK(findings(ds, "example-valid").empty());
  CHECK(findings(ds, "schema-example-valid").empty());
  // Swagger 2.0: response examples by media type, and $ref siblings.
  auto sw = lint_all("bad-swagger.yaml");
  CHECK(findings(sw, "example-valid") ==
        std::vector<std::string>{"13:37: example does not match its schema: /id: expected integer, got string \"x\""});
  CHECK(findings(sw, "ref-siblings").size() == 1);
}

TEST_CASE("practice rules find what bad-practice.yaml does, where") {
  auto ds = lint_all("bad-practice.yaml");
  INFO(text(ds));
  CHECK(findings(ds, "info-description") == std::vector<std::string>{"3:7: info has no description of the API"});
  CHECK(findings(ds, "path-trailing-slash") == std::vector<std::string>{"5:3: path '/users/' ends with a slash"});
  CHECK(has(findings(ds, "operation-description"), "6:5: GET /users/ has no description"));
  CHECK(findings(ds, "operation-description").size() == 1);  // the other two have one
  CHECK(findings(ds, "operation-summary").size() == 3);
  CHECK(findings(ds, "operation-tags").size() == 3);
  CHECK(findings(ds, "operation-success-response") ==
        std::vector<std::string>{"6:5: GET /users/ has no 2xx (or 3xx) response"});
  CHECK(findings(ds, "operation-4xx-response").size() == 3);
  CHECK(has(findings(ds, "path-verbs"), "9:3: path segment 'getUsers' is a verb ('get')"));
  auto md = findings(ds, "markdown-unsafe");
  CHECK(has(md, "11:20: the description contains a <script> tag"));
  CHECK(has(md, "16:20: the description contains a javascript: link"));
  CHECK(has(findings(ds, "path-query"), "14:3: path '/search?q={q}' contains a query string"));
  CHECK(findings(ds, "path-params").empty());  // {q} sits in the query string: path-query's finding only
  CHECK(findings(ds, "unused-component") == std::vector<std::string>{"21:5: 'Orphan' is never referenced"});
}

TEST_CASE("rulesets: recommended is the default, strict adds rules and makes warnings errors, off runs none") {
  auto run = [](std::optional<lint::Ruleset> r) {
    lint::Options options;
    options.ruleset = r;
    options.config = fixture("none.apigw-lint.yaml");
    return lint::lint_files({fixture("bad-practice.yaml")}, options).diagnostics;
  };
  auto recommended = run(std::nullopt);
  CHECK(findings(recommended, "operation-summary").empty());
  CHECK(findings(recommended, "path-verbs").empty());
  CHECK(!findings(recommended, "operation-tags").empty());
  auto strict = run(lint::Ruleset::Strict);
  CHECK(!findings(strict, "operation-summary").empty());
  for (const auto& d : strict)
    if (d.rule == "operation-tags") CHECK(d.severity == diag::Severity::Error);
  CHECK(run(lint::Ruleset::Off).empty());
  CHECK(!findings(run(lint::Ruleset::All), "path-verbs").empty());
}

TEST_CASE("lint config: rules, ignores with globs, and errors with locations") {
  diag::Diagnostics problems;
  auto settings = lint::load_settings(fixture("config/.apigw-lint.yaml"), problems);
  REQUIRE_MESSAGE(settings, text(problems));
  CHECK(settings->ruleset == lint::Ruleset::Strict);
  CHECK(settings->rules.at("operation-tags") == std::nullopt);
  CHECK(settings->rules.at("info-description") == diag::Severity::Error);
  REQUIRE(settings->ignores.size() == 1);

  auto bad = lint::load_settings(fixture("config-bad.apigw-lint.yaml"), problems);
  CHECK(!bad);
  std::string all = text(problems);
  CHECK(all.find("config-bad.apigw-lint.yaml:2:3: rules.operation-tag: unknown rule 'operation-tag' (did you mean "
                 "'operation-tags'?)") != std::string::npos);
  CHECK(all.find(":3:21: rules.info-description: expected off, error, warn, info or hint") != std::string::npos);
  CHECK(all.find(":5:5: ignore[0]: missing 'reason'") != std::string::npos);
  CHECK(all.find(":6:1: extend: unknown key (did you mean 'extends'?)") != std::string::npos);
}

TEST_CASE("globs and pointers for ignores") {
  CHECK(lint::glob_match("/paths/*/get", "/paths/~1pets/get"));
  CHECK(!lint::glob_match("/paths/*", "/paths/~1pets/get"));
  CHECK(lint::glob_match("/paths/**", "/paths/~1pets/get"));
  CHECK(lint::glob_match("**/get", "/paths/~1pets/get"));
  CHECK(lint::glob_match("openapi-*", "openapi-schema"));
  CHECK(lint::glob_match("specs/*.yaml", "specs/a.yaml"));
  CHECK(!lint::glob_match("specs/*.yaml", "specs/x/a.yaml"));
  CHECK(lint::glob_match("", ""));
  diag::Diagnostic config_finding{diag::Severity::Warn, "r", "f", {}, "routes[1].proxy", "m"};
  CHECK(lint::json_pointer(config_finding) == "/routes/1/proxy");
  config_finding.path = "paths[\"/a/b\"].get";
  CHECK(lint::json_pointer(config_finding) == "/paths/~1a~1b/get");
  config_finding.path = "/already/a/pointer";
  CHECK(lint::json_pointer(config_finding) == "/already/a/pointer");
}

namespace {

// Only the provider rules (and the loaders): the `off` ruleset with --target.
diag::Diagnostics lint_targets(const std::vector<std::string>& names, const std::vector<std::string>& targets) {
  lint::Options options;
  options.ruleset = lint::Ruleset::Off;
  options.config = fixture("none.apigw-lint.yaml");
  options.targets = targets;
  std::vector<std::string> files;
  for (const auto& n : names) files.push_back(fixture("targets/" + n));
  return lint::lint_files(files, options).diagnostics;
}

// "file:line:col: severity: message" of each finding of `rule`, the file name without its directory.
std::vector<std::string> target_findings(const diag::Diagnostics& ds, const std::string& rule) {
  std::vector<std::string> out;
  for (const auto& d : ds)
    if (d.rule == rule)
      out.push_back(std::filesystem::path(d.file).filename().string() + ":" + std::to_string(d.mark.line) + ":" +
                    std::to_string(d.mark.col) + ": " + diag::severity_name(d.severity) + ": " + d.message);
  return out;
}

}  // namespace

TEST_CASE("provider rules: the portable fixtures pass every --target; nothing runs without one") {
  auto all = lint::target_names();
  auto ds = lint_targets({"portable.yaml", "portable-openapi.yaml"}, {"aws-rest", "aws-http", "azure", "oci"});
  CHECK_MESSAGE(ds.empty(), text(ds));
  ds = lint_targets({"portable.yaml", "portable-gcp.yaml"}, {"gcp"});
  CHECK_MESSAGE(ds.empty(), text(ds));
  CHECK(lint_targets({"bad.yaml", "bad-31.yaml", "bad-swagger.yaml"}, {}).empty());
  for (const auto& rule : lint::target_rules()) {
    INFO(rule.id);
    CHECK(std::find(all.begin(), all.end(), rule.target) != all.end());
    CHECK(std::string(rule.details).find("Sources:") != std::string::npos);
    CHECK(lint::find_rule(rule.id) != nullptr);
  }
}

TEST_CASE("target-aws-rest: timeouts, payload, path syntax, reserved paths, versions, models, authorizers") {
  auto f = target_findings(lint_targets({"bad.yaml", "bad-31.yaml"}, {"aws-rest"}), "target-aws-rest");
  INFO(f.size());
  CHECK(has(f, "bad.yaml:6:3: error: aws-rest: backend 'slow': integration timeout 60s exceeds API Gateway REST's 29s "
               "maximum"));
  CHECK(has(f, "bad.yaml:13:5: error: aws-rest: route routes[1]: integration timeout 40ms is below API Gateway REST's "
               "50ms minimum"));
  CHECK(has(f, "bad.yaml:1:1: error: aws-rest: limits.max_body_size of 40000000 bytes exceeds the 10 MB payload"));
  CHECK(has(f, "bad.yaml:12:5: error: aws-rest: path parameter {name} in /files/{name}.json shares its segment"));
  CHECK(has(f, "bad.yaml:14:5: error: aws-rest: /ping is reserved"));
  CHECK(has(f, "bad.yaml:8:3: warn: aws-rest: auth scheme 'qkey': API keys are read from the X-API-Key header only"));
  CHECK(has(f, "bad-31.yaml:2:10: error: aws-rest: OpenAPI 3.1.0 is not accepted by API Gateway REST's import"));
  CHECK(has(f, "bad-31.yaml:18:71: error: aws-rest: integration timeout 60000 ms is outside API Gateway REST's"));
  CHECK(has(f, "bad-31.yaml:27:5: error: aws-rest: model name 'pet_model' is not alphanumeric"));
  CHECK(has(f, "bad-31.yaml:27:5: warn: aws-rest: model 'pet_model' uses oneOf"));
  CHECK(has(f, "bad-31.yaml:31:7: warn: aws-rest: security scheme 'oauth' (oauth2) has no x-amazon-apigateway-"));
  // The greedy {path+} is API Gateway's own syntax: not a finding for AWS.
  CHECK(!has(f, "bad-31.yaml:11:"));
}

TEST_CASE("target-aws-http: mocks, API keys, JWT authorizers, integration types, 3.0 only") {
  auto f = target_findings(lint_targets({"bad.yaml", "bad-31.yaml", "bad-swagger.yaml"}, {"aws-http"}), "target-aws-http");
  CHECK(has(f, "bad.yaml:6:3: error: aws-http: backend 'slow': integration timeout 60s exceeds API Gateway HTTP's 30s"));
  CHECK(has(f, "bad.yaml:14:5: error: aws-http: route routes[2] is a mock; HTTP APIs have no mock integration"));
  CHECK(has(f, "bad.yaml:8:3: error: aws-http: auth scheme 'qkey': HTTP APIs have no API keys"));
  CHECK(has(f, "bad.yaml:10:3: error: aws-http: auth scheme 'token': an HTTP API JWT authorizer needs an issuer"));
  CHECK(has(f, "bad.yaml:10:3: warn: aws-http: auth scheme 'token': HTTP API JWT authorizers verify RSA signatures"));
  CHECK(has(f, "bad-31.yaml:18:48: error: aws-http: integration type 'mock' of GET /proxy/{path+}"));
  CHECK(has(f, "bad-31.yaml:19:46: warn: aws-http: request validation of GET /proxy/{path+} is ignored"));
  CHECK(has(f, "bad-swagger.yaml:1:10: error: aws-http: Swagger 2.0 is not accepted by API Gateway HTTP's import"));
}

TEST_CASE("target-azure: case-insensitive parameters, operationId normalisation, YAML 2.0, dropped extensions") {
  auto f = target_findings(lint_targets({"bad.yaml", "bad-31.yaml", "bad-swagger.yaml"}, {"azure"}), "target-azure");
  CHECK(has(f, "bad.yaml:13:5: error: azure: greedy path parameter {path+} in /proxy/{path+} is AWS syntax"));
  CHECK(has(f, "bad.yaml:13:5: warn: azure: route ids 'get-pet' and 'get_pet' both become operation 'get-pet'"));
  CHECK(has(f, "bad.yaml:15:5: error: azure: path parameters {Id} and {id} of /a/{Id}/b/{id} are the same name"));
  CHECK(has(f, "bad-31.yaml:12:5: error: azure: GET /proxy/{path+}: query parameters 'Q' and 'q' differ only in case"));
  CHECK(has(f, "bad-31.yaml:12:5: warn: azure: GET /proxy/{path+} has a request body, which API Management drops"));
  CHECK(has(f, "bad-31.yaml:18:7: warn: azure: extension x-amazon-apigateway-integration is ignored"));
  CHECK(has(f, "bad-31.yaml:4:18: warn: azure: no https server"));
  CHECK(has(f, "bad-swagger.yaml:1:10: error: azure: Swagger 2.0 is not accepted by API Management's import (Swagger "
               "2.0 in JSON only, not YAML)"));
}

TEST_CASE("target-gcp: extensions 3.x needs, partial segments, API key alternatives, AND-ed OAuth2, host ports") {
  auto f = target_findings(lint_targets({"bad.yaml", "bad-31.yaml", "bad-swagger.yaml"}, {"gcp"}), "target-gcp");
  CHECK(has(f, "bad.yaml:1:1: error: gcp: limits.max_body_size of 40000000 bytes exceeds the 32 MB request size"));
  CHECK(has(f, "bad.yaml:9:3: error: gcp: auth scheme 'users': API Gateway (GCP) has no basic authentication"));
  CHECK(has(f, "bad.yaml:14:5: error: gcp: route routes[2] is a mock"));
  CHECK(has(f, "bad.yaml:14:5: error: gcp: route routes[2] accepts an API key OR another scheme"));
  CHECK(has(f, "bad.yaml:15:5: warn: gcp: route routes[3] requires scopes"));
  CHECK(has(f, "bad-31.yaml:2:10: error: gcp: OpenAPI 3.x needs a root x-google-api-management"));
  CHECK(has(f, "bad-31.yaml:5:11: error: gcp: an API key OR-ed with another security requirement"));
  CHECK(has(f, "bad-31.yaml:7:3: error: gcp: path '/files/{name}.json': segment '{name}.json' mixes a parameter"));
  CHECK(has(f, "bad-31.yaml:8:5: error: gcp: 3 operation(s), first GET /files/{name}.json, have no x-google-backend"));
  CHECK(has(f, "bad-31.yaml:23:17: error: gcp: two OAuth2 schemes AND-ed in one requirement"));
  CHECK(has(f, "bad-swagger.yaml:3:7: error: gcp: host 'pets.example.com:8443' has a port"));
  CHECK(has(f, "bad-swagger.yaml:1:10: warn: gcp: no x-google-backend at the root or on any operation"));
}

TEST_CASE("target-oci: 3.1, greedy parameters in specs (a config's are exported as {name*}), auth without a JWT, "
          "stock response limits") {
  auto f = target_findings(lint_targets({"bad.yaml", "bad-31.yaml"}, {"oci"}), "target-oci");
  CHECK(f == std::vector<std::string>{
                 "bad.yaml:8:3: warn: oci: auth scheme 'qkey': OCI API Gateway validates JWTs itself; api_key "
                 "authentication needs a custom authorizer function",
                 "bad.yaml:9:3: warn: oci: auth scheme 'users': OCI API Gateway validates JWTs itself; basic "
                 "authentication needs a custom authorizer function",
                 "bad.yaml:16:5: error: oci: 51 mock headers exceed OCI API Gateway's 50 for a stock response",
                 "bad-31.yaml:2:10: error: oci: OpenAPI 3.1.0 is not accepted by OCI API Gateway's import (Swagger "
                 "2.0 and OpenAPI 3.0)",
                 "bad-31.yaml:11:3: error: oci: path '/proxy/{path+}': greedy parameter {path+} is AWS syntax; OCI "
                 "API Gateway writes a wildcard parameter as {name*}"});
}

TEST_CASE("route-operation-exists: serve's own lookup (Contracts::build), with did-you-mean") {
  lint::Options options;
  options.config = fixture("none.apigw-lint.yaml");
  auto ds = lint::lint_files({fixture("targets/operations.yaml")}, options).diagnostics;
  auto f = findings(ds, "route-operation-exists");
  // listPets and 'GET /pets/{petId}' exist; the other two do not.
  REQUIRE(f.size() == 2);
  CHECK(f[0].rfind("7:44: no operation 'listPet' in ", 0) == 0);
  CHECK(f[0].find("(did you mean 'listPets'?)") != std::string::npos);
  CHECK(f[1].rfind("8:51: no operation 'GET /pets/{id}' in ", 0) == 0);
  // The passing input: a config whose every route names an existing operation.
  auto clean = lint::lint_files({fixture("targets/operations-ok.yaml")}, options).diagnostics;
  CHECK(findings(clean, "route-operation-exists").empty());
}

TEST_CASE("callbacks are checked like webhooks; {proxy+} declares the parameter `proxy`") {
  auto ds = lint_all("callbacks.yaml");
  INFO(text(ds));
  CHECK(findings(ds, "path-params").empty());
  CHECK(findings(ds, "operation-id-unique") ==
        std::vector<std::string>{"18:28: operationId 'subscribe' is also used by POST /subscriptions"});
  auto examples = findings(ds, "example-valid");
  REQUIRE(examples.size() == 1);
  CHECK(examples[0] == "23:38: example does not match its schema: /count: expected integer, got string \"many\"");
  // documentation rules leave callbacks out (as Spectral does); the path operations are still checked
  auto descriptions = findings(ds, "operation-description");
  CHECK(descriptions.size() == 2);
  CHECK(std::none_of(descriptions.begin(), descriptions.end(),
                     [](const std::string& s) { return s.find("callback") != std::string::npos; }));
  bool pointer_seen = false;
  for (const auto& d : ds)
    if (d.rule == "operation-id-unique")
      pointer_seen = d.path == "/paths/~1subscriptions/post/callbacks/onEvent/{$request.body#~1callbackUrl}/post/operationId";
  CHECK(pointer_seen);
}
