#include <doctest/doctest.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "emulator/model/config.hpp"
#include "unit/config_helpers.hpp"

using namespace apigw;

namespace {
using test::env;
using test::messages;

std::string lines(std::vector<std::string> v) {
  std::string out;
  for (auto& l : v) out += l + "\n";
  return out;
}
}  // namespace

TEST_CASE("a valid config loads with defaults") {
  auto r = model::load_config_text(R"(apigw: 1
name: petstore
backends:
  pets: { url: "http://127.0.0.1:9000/v1/", timeout: 250ms }
routes:
  - id: listPets
    method: get
    path: /pets
    mock: { status: 200, headers: { x-count: 2 }, body: [{ id: 1, name: Rex }] }
  - method: [GET, HEAD]
    path: /pets/{petId}
    proxy: { backend: pets, path: "/pets/{petId}" }
)",
                                   "gateway.yaml", env());
  INFO(messages(r));
  REQUIRE(r.config);
  CHECK(r.diagnostics.empty());
  const auto& c = *r.config;
  CHECK(c.name == "petstore");
  CHECK(c.listen_host == "127.0.0.1");
  CHECK(c.listen_port == 8080);
  CHECK(c.limits.max_body_size == 10'000'000u);
  REQUIRE(c.backends.size() == 1);
  CHECK(c.backends[0].url.base_path == "/v1");
  CHECK(c.backends[0].url.port == 9000);
  CHECK(c.backends[0].timeout == std::chrono::milliseconds(250));
  REQUIRE(c.routes.size() == 2);
  CHECK(c.routes[0].methods == std::vector<std::string>{"GET"});
  CHECK(c.routes[0].mock->body == R"([{"id":1,"name":"Rex"}])");
  CHECK(c.routes[0].mock->headers ==
        model::HeaderList{{"x-count", "2"}, {"content-type", "application/json"}});
  CHECK(c.routes[1].id == "get-pets-petId");  // derived when not given
  CHECK(c.routes[1].proxy->backend == "pets");
}

TEST_CASE("every error is reported at once, with file:line:col and the key path") {
  auto r = model::load_config_text(R"(apigw: 1
name: broken
backends:
  pets: { url: "ftp://example.com", timeout: 5 sec }
routes:
  - id: listPets
    method: GET
    path: /pets
    mock: { status: 200 }
  - id: getPet
    methd: GET
    path: /pets/{petId
    proxy: { backend: petz }
  - id: listPets
    method: FETCH
    path: /pets
    mock: { status: 700, delay: soon }
)",
                                   "gateway.yaml", env());
  CHECK_FALSE(r.config);
  auto m = messages(r);
  std::vector<std::string> expected = {
      "gateway.yaml:4:16: backends.pets.url: invalid URL 'ftp://example.com': unsupported scheme 'ftp' (use http or https)",
      "gateway.yaml:4:46: backends.pets.timeout: invalid duration '5 sec': unknown duration unit 'sec' (use us, ms, s, m, h or d)",
      "gateway.yaml:10:5: routes[1]: missing required key 'method' (GET, POST, ... or ANY; or a list of them)",
      "gateway.yaml:11:5: routes[1].methd: unknown key (did you mean 'method'?)",
      "gateway.yaml:12:11: routes[1].path: invalid path template '/pets/{petId': unclosed '{' in segment '{petId'",
      "gateway.yaml:13:23: routes[1].proxy.backend: unknown backend 'petz' (did you mean 'pets'?)",
      "gateway.yaml:14:9: routes[2].id: duplicate route id 'listPets' (also routes[0] at line 6)",
      "gateway.yaml:15:13: routes[2].method: unknown method 'FETCH'",
      "gateway.yaml:17:21: routes[2].mock.status: expected an HTTP status from 100 to 599, got 700",
      "gateway.yaml:17:33: routes[2].mock.delay: invalid duration 'soon': expected a duration such as 250ms, 5s, 1m or 1h",
  };
  CHECK(m == lines(expected));
}

TEST_CASE("wrong types say what was expected and what was found") {
  auto r = model::load_config_text("apigw: 1\nroutes: {a: 1}\nlisten: [1]\n", "g.yaml", env());
  CHECK(messages(r) == lines({"g.yaml:2:9: routes: expected a list, got a mapping",
                              "g.yaml:3:9: listen: expected a string, got a list"}));
}

TEST_CASE("version key, top level and duplicate keys") {
  CHECK(messages(model::load_config_text("routes: []\n", "g.yaml", env())) ==
        lines({"g.yaml:1:1: missing required key 'apigw' (the config format version: write 'apigw: 1')"}));
  CHECK(messages(model::load_config_text("apigw: 2\nroutes: []\n", "g.yaml", env())) ==
        lines({"g.yaml:1:8: apigw: unsupported config format version 2 (this apigw reads version 1)"}));
  CHECK(messages(model::load_config_text("- 1\n", "g.yaml", env())) ==
        lines({"g.yaml:1:1: expected a mapping at the top level of a gateway config, got a list"}));
  CHECK(messages(model::load_config_text("apigw: 1\nroutes: []\nroutes: []\n", "g.yaml", env())) ==
        lines({"g.yaml:3:1: duplicate key 'routes' (first defined at line 2)"}));
  auto syntax = model::load_config_text("apigw: 1\nroutes: [\n", "g.yaml", env());
  REQUIRE(syntax.diagnostics.size() == 1);
  CHECK(syntax.diagnostics[0].format().rfind("g.yaml:", 0) == 0);
  CHECK(syntax.diagnostics[0].message.rfind("invalid YAML: ", 0) == 0);
}

TEST_CASE("duplicate routes by method and path shape") {
  auto r = model::load_config_text(R"(apigw: 1
routes:
  - { method: GET, path: "/a/{x}", mock: {} }
  - { method: [POST, GET], path: "/a/{y}", mock: {} }
)",
                                   "g.yaml", env());
  CHECK(messages(r) == lines({
                           "g.yaml:4:5: routes[1]: duplicate route GET /a/{y}: routes[0] (line 3) already matches GET /a/{x}"}));
}

TEST_CASE("proxy paths may only use the route's parameters") {
  auto r = model::load_config_text(R"(apigw: 1
backends: { b: "http://127.0.0.1:1" }
routes:
  - { method: GET, path: "/a/{x}", proxy: { backend: b, path: "/b/{y}" } }
)",
                                   "g.yaml", env());
  CHECK(messages(r) == lines({
                           "g.yaml:4:63: routes[0].proxy.path: uses {y}, which the route's path '/a/{x}' does not define"}));
}

TEST_CASE("${VAR} substitution: serve needs the variable, lint only warns") {
  const char* text = "apigw: 1\nbackends:\n  b: { url: \"${UPSTREAM}\" }\nroutes:\n  - { method: GET, path: /, proxy: b }\n";
  auto ok = model::load_config_text(text, "g.yaml", env({{"UPSTREAM", "https://api.example.com"}}));
  REQUIRE(ok.config);
  CHECK(ok.config->backends[0].url.host == "api.example.com");
  CHECK(ok.config->backends[0].url.port == 443);

  auto missing = model::load_config_text(text, "g.yaml", env());
  CHECK_FALSE(missing.config);
  CHECK(messages(missing).rfind(
            "g.yaml:3:13: backends.b.url: environment variable UPSTREAM is not set (use ${UPSTREAM:-default} for a default)\n", 0) == 0);

  auto lint_opts = env();
  lint_opts.missing_env_is_error = false;
  auto lint = model::load_config_text("apigw: 1\nroutes:\n  - { method: GET, path: /, mock: { body: \"${TOKEN}\" } }\n",
                                      "g.yaml", lint_opts);
  CHECK(lint.config);
  REQUIRE(lint.diagnostics.size() == 1);
  CHECK(lint.diagnostics[0].severity == diag::Severity::Warn);
}

TEST_CASE("listen, limits and sizes") {
  auto r = model::load_config_text(
      "apigw: 1\nlisten: \"[::1]:9090\"\nlimits: { max_body_size: 1MiB, read_timeout: 2s }\nroutes: []\n", "g.yaml", env());
  REQUIRE(r.config);
  CHECK(r.config->listen_host == "::1");
  CHECK(r.config->listen_port == 9090);
  CHECK(r.config->limits.max_body_size == 1024u * 1024);
  auto bad = model::load_config_text("apigw: 1\nlisten: host:99999\nlimits: { max_body_size: -1, max_bodysize: 1 }\nroutes: []\n",
                                     "g.yaml", env());
  CHECK(messages(bad) == lines({
                             "g.yaml:2:9: listen: invalid listen address 'host:99999': expected host:port with a port from 0 to 65535",
                             "g.yaml:3:26: limits.max_body_size: a size cannot be negative",
                             "g.yaml:3:30: limits.max_bodysize: unknown key (did you mean 'max_body_size'?)"}));
}

TEST_CASE("limits for hostile clients: defaults, values and bounds") {
  auto defaults = model::load_config_text("apigw: 1\nroutes: []\n", "g.yaml", env());
  REQUIRE(defaults.config);
  CHECK(defaults.config->limits.header_timeout == std::chrono::seconds(10));
  CHECK(defaults.config->limits.max_request_line == 8192u);
  CHECK(defaults.config->limits.max_header_size == 65536u);
  CHECK(defaults.config->limits.max_connections == 4096u);
  auto set = model::load_config_text(
      "apigw: 1\nlimits: { header_timeout: 2s, max_request_line: 1KiB, max_header_size: 16KiB, max_connections: 10 }\nroutes: []\n",
      "g.yaml", env());
  REQUIRE(set.config);
  CHECK(set.config->limits.header_timeout == std::chrono::seconds(2));
  CHECK(set.config->limits.max_request_line == 1024u);
  CHECK(set.config->limits.max_header_size == 16384u);
  CHECK(set.config->limits.max_connections == 10u);
  auto bad = model::load_config_text(
      "apigw: 1\nlimits: { header_timeout: 0s, max_request_line: 9000, max_header_size: 10, max_connections: 1KB }\nroutes: []\n",
      "g.yaml", env());
  CHECK(messages(bad) == lines({"g.yaml:2:27: limits.header_timeout: must be at least 1ms",
                                "g.yaml:2:49: limits.max_request_line: must be between 64 and 8192 (the HTTP library's own limit)",
                                "g.yaml:2:72: limits.max_header_size: must be between 1024 and 16777216",
                                "g.yaml:2:93: limits.max_connections: expected an integer from 1 to 1000000, got string \"1KB\""}));
}

TEST_CASE("JSON configs report positions too") {
  auto r = model::load_config_text("{\"apigw\": 1, \"routes\": [{\"method\": \"GET\", \"path\": \"/\", \"mokc\": {}}]}",
                                   "g.json", env());
  CHECK(messages(r) == lines({"g.json:1:25: routes[0]: missing 'mock', 'proxy', 'operation' or 'state': what should the route answer with?",
                              "g.json:1:56: routes[0].mokc: unknown key (did you mean 'mock'?)"}));
}

TEST_CASE("header values cannot smuggle CR/LF") {
  auto r = model::load_config_text("apigw: 1\nroutes:\n  - { method: GET, path: /, mock: { headers: { x: \"a\\r\\nb: c\" } } }\n",
                                   "g.yaml", env());
  CHECK(messages(r) == lines({"g.yaml:3:51: routes[0].mock.headers.x: a header value cannot contain CR, LF or NUL"}));
}

TEST_CASE("the published JSON Schema lists exactly the keys the loader accepts") {
  auto schema = doc::load_file(std::string(APIGW_SOURCE_DIR) + "/schemas/gateway-config.schema.json");
  REQUIRE(schema.ok());
  auto j = schema.root.to_json();
  for (const auto& entry : model::config_keys()) {
    const auto& object = entry.first;
    const auto& keys = entry.second;
    INFO("object: " << object);
    const auto& def = object == "root" ? j : j["definitions"][object];
    REQUIRE(def.contains("properties"));
    std::vector<std::string> in_schema, in_loader(keys.begin(), keys.end());
    for (const auto& [k, _] : def["properties"].items()) in_schema.push_back(k);
    std::sort(in_schema.begin(), in_schema.end());
    std::sort(in_loader.begin(), in_loader.end());
    CHECK(in_schema == in_loader);
    CHECK(def["additionalProperties"] == false);
  }
}

TEST_CASE("the sample config loads cleanly") {
  auto r = model::load_config_file(std::string(APIGW_SOURCE_DIR) + "/samples/gateway.yaml", env());
  CHECK(messages(r) == "");
  REQUIRE(r.config);
  CHECK(r.config->routes.size() == 7);
}

TEST_CASE("auth schemes and route requirements load; unknown schemes and types are located errors") {
  auto ok = model::load_config_text(R"(apigw: 1
auth:
  key: { type: api_key, in: cookie, name: session, keys: ["${KEY}"] }
  users: { type: basic, users: { alice: "${ALICE_PASSWORD}" } }
  token: { type: jwt, secret: s3cret, issuer: "https://id", audiences: [api], leeway: 5s }
routes:
  - { method: GET, path: /a, mock: {}, auth: [key, { token: [read, write] }, { key: [], users: [] }] }
)",
                                   "g.yaml", env({{"KEY", "k1"}, {"ALICE_PASSWORD", "secret"}}));
  INFO(messages(ok));
  REQUIRE(ok.config);
  const auto& c = *ok.config;
  REQUIRE(c.auth.size() == 3);
  CHECK(c.auth[0].in == "cookie");
  CHECK(c.auth[0].keys == std::vector<std::string>{"k1"});
  CHECK(c.auth[1].users[0].second == "secret");
  CHECK(c.auth[2].leeway == std::chrono::seconds(5));
  CHECK_FALSE(c.auth[2].accepts_anything());
  REQUIRE(c.routes[0].auth.size() == 3);
  CHECK(c.routes[0].auth[1][0].second == std::vector<std::string>{"read", "write"});

  auto bad = model::load_config_text(R"(apigw: 1
auth:
  key: { type: apikey }
  tok: { type: jwt, secrt: x }
routes:
  - { method: GET, path: /a, mock: {}, auth: [tokn, 5] }
)",
                                    "g.yaml", env());
  CHECK(messages(bad) == lines({"g.yaml:3:16: auth.key.type: unknown auth type 'apikey' (api_key, basic, bearer or jwt); did you mean 'api_key'?",
                                "g.yaml:4:21: auth.tok.secrt: unknown key (did you mean 'secret'?)",
                                "g.yaml:6:47: routes[0].auth[0]: unknown auth scheme 'tokn' (did you mean 'tok'?)",
                                "g.yaml:6:53: routes[0].auth[1]: expected a scheme name or a mapping of scheme names to scopes, got integer 5"}));
}
