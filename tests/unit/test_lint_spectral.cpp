// The lint bugs found by comparing apigw with Spectral rule by rule (docs/lint-vs-spectral.md), each with a failing
// and a passing input (tests/fixtures/lint/spectral/, tests/fixtures/lint/gateway-urls*.yaml). Each expected finding
// names the file, line:col and JSON pointer a user sees.
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
  options.config = fixture("none.apigw-lint.yaml");
  return lint::lint_files({fixture(name)}, options).diagnostics;
}

std::string text(const diag::Diagnostics& ds) {
  std::string out;
  for (const auto& d : ds) out += d.format() + " [" + d.rule + "] " + d.path + "\n";
  return out;
}

// "file:line:col pointer: message" of each finding of `rule`, the file without its directory.
std::vector<std::string> findings(const diag::Diagnostics& ds, const std::string& rule) {
  std::vector<std::string> out;
  for (const auto& d : ds)
    if (d.rule == rule)
      out.push_back(std::filesystem::path(d.file).filename().string() + ":" + std::to_string(d.mark.line) + ":" +
                    std::to_string(d.mark.col) + " " + lint::json_pointer(d) + ": " + d.message);
  return out;
}

using Lines = std::vector<std::string>;

}  // namespace

TEST_CASE("path-params: paths that differ only in parameter names are reported at the second, naming the first") {
  auto ds = lint_all("spectral/paths-equivalent.yaml");
  INFO(text(ds));
  CHECK(findings(ds, "path-params") ==
        Lines{"paths-equivalent.yaml:9:3 /paths/~1pets~1{petId}: path '/pets/{petId}' is equivalent to '/pets/{id}' "
              "(line 5): only the parameter names differ, so a router cannot tell them apart",
              "paths-equivalent.yaml:18:3 /paths/~1pets~1{a}~1toys~1{b}: path '/pets/{a}/toys/{b}' is equivalent to "
              "'/pets/{petId}/toys/{toyId}' (line 13): only the parameter names differ, so a router cannot tell them "
              "apart"});
  // A literal segment, a longer path, and a parameter glued to other text are different routes.
  auto ok = lint_all("spectral/paths-distinct.yaml");
  CHECK_MESSAGE(findings(ok, "path-params").empty(), text(ok));
}

TEST_CASE("example-valid: a $ref'd example, parameter or response is reported once, where it is written") {
  auto ds = lint_all("spectral/refs/openapi.yaml");
  INFO(text(ds));
  // Two operations use each; ok-403 is right. The pointers resolve in the file named, at the line:col given.
  CHECK(findings(ds, "example-valid") ==
        Lines{"openapi.yaml:37:74 /components/parameters/limit/example: example of parameter 'limit' does not match "
              "its schema: expected integer, got string \"ten\"",
              "openapi.yaml:44:29 /components/responses/Listed/content/application~1json/example/count: example does "
              "not match its schema: /count: expected integer, got string \"many\"",
              "openapi.yaml:51:40 /components/examples/generic-403/value/errorCode: example 'generic-403' does not "
              "match its schema: /errorCode: expected string, got integer 10003",
              "examples.yaml:5:16 /forbidden/value/errorCode: example 'forbidden' does not match its schema: "
              "/errorCode: expected string, got integer 403"});
}

TEST_CASE("webhooks (3.1): examples and per-operation rules check them as they check paths") {
  auto ds = lint_all("spectral/webhooks.yaml");
  INFO(text(ds));
  CHECK(findings(ds, "example-valid") ==
        Lines{"webhooks.yaml:16:37 /webhooks/pet.created/post/requestBody/content/application~1json/example/code: "
              "example does not match its schema: /code: expected string, got integer 28064",
              "webhooks.yaml:41:38 /components/examples/deleted/value/code: example 'deleted' does not match its "
              "schema: /code: expected string, got integer 1"});
  CHECK(findings(ds, "operation-id-url-safe") ==
        Lines{"webhooks.yaml:21:20 /webhooks/pet.deleted/post/operationId: operationId 'pet deleted' has characters "
              "that are not valid in a URL (' ')"});
  CHECK(findings(ds, "operation-description") ==
        Lines{"webhooks.yaml:20:5 /webhooks/pet.deleted/post: POST webhook 'pet.deleted' has no description"});
  CHECK(findings(ds, "operation-4xx-response").empty());  // the receiver answers a webhook; the API is the client
  // The API sends a webhook's request, readOnly id and all.
  auto ok = lint_all("spectral/webhooks-ok.yaml");
  CHECK_MESSAGE(ok.empty(), text(ok));
}

TEST_CASE("schema-example-valid: defaults are checked against their schemas") {
  auto ds = lint_all("spectral/defaults.yaml");
  INFO(text(ds));
  CHECK(findings(ds, "schema-example-valid") ==
        Lines{"defaults.yaml:8:71 /paths/~1search/get/parameters/0/schema/default: default does not match its schema: "
              "expected integer, got string \"20\"",
              "defaults.yaml:9:89 /paths/~1search/get/parameters/1/schema/default: default does not match its schema: "
              "expected one of [\"asc\",\"desc\"], got string \"up\"",
              "defaults.yaml:17:52 /components/schemas/Output/properties/mod/default: default does not match its "
              "schema: expected a value >= 1, got integer 0",
              "defaults.yaml:20:44 /components/schemas/Output/properties/need_qr/default: default does not match its "
              "schema: expected boolean, got string \"no\""});
  auto sw = lint_all("spectral/defaults-swagger.yaml");
  CHECK(findings(sw, "schema-example-valid") ==
        Lines{"defaults-swagger.yaml:8:61 /paths/~1search/get/parameters/0/default: default of parameter 'limit' does "
              "not match its schema: expected integer, got string \"20\""});
  // Fitting defaults, null for a nullable schema, and a readOnly property's default.
  auto ok = lint_all("spectral/defaults-ok.yaml");
  CHECK_MESSAGE(findings(ok, "schema-example-valid").empty(), text(ok));
}

TEST_CASE("ref-siblings, enum, markdown and schema examples look at every file the $refs reach") {
  auto ds = lint_all("spectral/multi/openapi.yaml");
  INFO(text(ds));
  CHECK(findings(ds, "markdown-unsafe") ==
        Lines{"schemas.yaml:3:16 /Pet/description: the description contains a <script> tag; documentation "
              "renderers may run it"});
  CHECK(findings(ds, "enum-duplicate") ==
        Lines{"schemas.yaml:5:44 /Pet/properties/kind/enum/2: enum value \"dog\" is listed more than once"});
  CHECK(findings(ds, "enum-type") ==
        Lines{"schemas.yaml:5:49 /Pet/properties/kind/enum/3: enum value 1 is not of type string"});
  CHECK(findings(ds, "ref-siblings") ==
        Lines{"schemas.yaml:8:7 /Pet/properties/owner: keys next to $ref are ignored in OpenAPI 3.0: 'description'"});
  CHECK(findings(ds, "schema-example-valid") ==
        Lines{"schemas.yaml:12:36 /Owner/properties/name/example: example does not match its schema: expected "
              "string, got integer 5"});
  // examples.yaml's value is data (its type, enum and <script> are not a schema's), and what no $ref reaches
  // (schemas.yaml's Unreached) is not part of the spec.
  for (const auto& d : ds) {
    CHECK_MESSAGE(d.file.find("examples.yaml") == std::string::npos, d.format());
    CHECK_MESSAGE(d.path.find("Unreached") == std::string::npos, d.format());
  }
}

TEST_CASE("upstream-plain-http: every target of a backend with several urls, at that url") {
  auto ds = lint_all("gateway-urls.yaml");
  INFO(text(ds));
  CHECK(findings(ds, "upstream-plain-http") ==
        Lines{"gateway-urls.yaml:8:9 /backends/pool/urls/1: backend 'pool': target urls[1] is plain http to a "
              "non-local host (b.example.com); traffic and credentials travel unencrypted",
              "gateway-urls.yaml:10:18 /backends/single: backend 'single' is plain http to a non-local host "
              "(c.example.com); traffic and credentials travel unencrypted"});
  auto ok = lint_all("gateway-urls-ok.yaml");
  CHECK_MESSAGE(findings(ok, "upstream-plain-http").empty(), text(ok));
}

TEST_CASE("cors-any-origin-credentials: \"*\" with credentials, once per policy, where it is written") {
  auto ds = lint_all("gateway-cors.yaml");
  INFO(text(ds));
  // routes a and b inherit policies.cors: one finding; the group's listed origin and d's "*" without credentials pass
  CHECK(findings(ds, "cors-any-origin-credentials") ==
        Lines{"gateway-cors.yaml:4:9 /policies/cors: CORS allows any origin (\"*\") together with credentials: every "
              "website can call the API with its visitors' cookies and Authorization headers"});
}
