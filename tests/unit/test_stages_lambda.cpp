// Stages (the loader picks one and fills ${stageVariables.NAME}) and lambda backends (what the loader accepts, the
// events built for payload formats 1.0 and 2.0, and how function responses are read).
#include <doctest/doctest.h>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "emulator/model/config.hpp"
#include "emulator/server/lambda.hpp"
#include "unit/config_helpers.hpp"

using namespace apigw;

namespace {
using test::env;
using test::messages;

const char* k_staged = R"(apigw: 1
stages:
  dev:
    description: laptops
    variables: { upstream: "127.0.0.1:9001", greeting: hello dev }
  prod:
    variables: { upstream: "${PROD_HOST}", greeting: hello prod }
backends:
  api: "http://${stageVariables.upstream}/v1"
routes:
  - method: GET
    path: /hello
    mock: { headers: { x-greeting: "${stageVariables.greeting}" }, body: { say: "${stageVariables.greeting}" } }
  - { method: GET, path: /api, proxy: api }
)";

model::LoadResult load_stage(const std::string& text, const std::string& stage) {
  auto options = env({{"PROD_HOST", "10.0.0.7:8080"}});
  options.stage = stage;
  return model::load_config_text(text, "g.yaml", options);
}

}  // namespace

TEST_CASE("stage variables fill backend URLs, mock headers and mock bodies; the first stage by default") {
  auto dev = load_stage(k_staged, "");
  INFO(messages(dev));
  REQUIRE(dev.config);
  CHECK(dev.config->stage == "dev");
  CHECK(dev.config->stages.size() == 2);
  CHECK(dev.config->backends[0].url.origin() == "http://127.0.0.1:9001");
  CHECK(dev.config->backends[0].url.base_path == "/v1");
  CHECK(dev.config->routes[0].mock->headers[0] == std::pair<std::string, std::string>("x-greeting", "hello dev"));
  CHECK(dev.config->routes[0].mock->body == R"({"say":"hello dev"})");

  auto prod = load_stage(k_staged, "prod");
  INFO(messages(prod));
  REQUIRE(prod.config);
  CHECK(prod.config->stage == "prod");
  CHECK(prod.config->backends[0].url.origin() == "http://10.0.0.7:8080");  // ${ENV} in a stage variable
  CHECK(prod.config->routes[0].mock->body == R"({"say":"hello prod"})");
}

TEST_CASE("an unknown stage is an error that lists the stages") {
  auto r = load_stage(k_staged, "qa");
  CHECK_FALSE(r.config);
  CHECK(messages(r) == "g.yaml:3:3: stages: unknown stage 'qa' (stages: dev, prod)\n");
  auto none = load_stage("apigw: 1\nroutes:\n  - { method: GET, path: /, mock: {} }\n", "dev");
  CHECK(messages(none) == "g.yaml:1:1: stages: unknown stage 'dev' (the config defines no stages)\n");
}

TEST_CASE("a stage variable the stage does not define is an error at the string, naming the stage") {
  std::string text = R"(apigw: 1
stages:
  dev: { variables: { upstream: "127.0.0.1:9001" } }
  prod: { variables: { upstreams: "10.0.0.1" } }
backends:
  api: "http://${stageVariables.upstream}"
routes:
  - { method: GET, path: /, proxy: api }
)";
  CHECK(messages(load_stage(text, "dev")) == "");
  CHECK(messages(load_stage(text, "prod")) ==
        "g.yaml:6:8: backends.api: stage 'prod' does not define the variable 'upstream' (did you mean 'upstreams'?) "
        "(write ${stageVariables.upstream:-default} for a default)\n");
}

TEST_CASE("a URL that is bad once the stage's variables are in is reported at the URL") {
  std::string text = R"(apigw: 1
stages:
  dev: { variables: { port: "99999" } }
backends:
  api: { url: "http://127.0.0.1:${stageVariables.port}" }
routes:
  - { method: GET, path: /, proxy: api }
)";
  CHECK(messages(load_stage(text, "")) ==
        "g.yaml:5:15: backends.api.url: invalid URL 'http://127.0.0.1:99999': invalid port '99999'\n");
}

TEST_CASE("stage variables apply where documented only; without stages they are an error") {
  auto elsewhere = load_stage(R"(apigw: 1
stages: { dev: { variables: { name: x } } }
description: "${stageVariables.name}"
routes:
  - { method: GET, path: /, mock: {} }
)",
                              "");
  CHECK(messages(elsewhere) ==
        "g.yaml:3:14: description: ${stageVariables.name}: stage variables are substituted in backend URLs, mock "
        "headers and mock bodies only\n");
  auto no_stages = load_stage(R"(apigw: 1
routes:
  - { method: GET, path: /, mock: { body: "${stageVariables.name}" } }
)",
                              "");
  CHECK(messages(no_stages) ==
        "g.yaml:3:43: routes[0].mock.body: ${stageVariables.name}: the config defines no stages (add 'stages:' with "
        "a variable 'name')\n");
}

TEST_CASE("stage and variable names are checked") {
  auto r = load_stage(R"(apigw: 1
stages:
  "dev/1": { variables: { ok: 1 } }
  qa: { variables: { "bad-name": x }, colour: red }
routes:
  - { method: GET, path: /, mock: {} }
)",
                      "");
  CHECK(messages(r) ==
        "g.yaml:3:3: stages[\"dev/1\"]: invalid stage name 'dev/1' (letters, digits, '_' and '-': it is a path segment)\n"
        "g.yaml:4:22: stages.qa.variables.bad-name: invalid stage variable name 'bad-name' (letters, digits and "
        "'_', as AWS allows)\n"
        "g.yaml:4:39: stages.qa.colour: unknown key\n");
}

TEST_CASE("lambda backends: what the loader accepts and refuses") {
  auto ok = model::load_config_text(R"(apigw: 1
backends:
  fn: { lambda: { command: [python3, handler.py], payload_format: "1.0", timeout: 2s }, timeout: 10s }
  rie: { lambda: { url: "http://127.0.0.1:9000/2015-03-31/functions/function/invocations" } }
routes:
  - { method: GET, path: /a, proxy: fn }
  - { method: GET, path: /b, proxy: { backend: rie } }
)",
                                    "dir/g.yaml", env());
  INFO(messages(ok));
  REQUIRE(ok.config);
  const auto& fn = *ok.config->backends[0].lambda;
  CHECK(fn.command == std::vector<std::string>{"python3", "handler.py"});
  CHECK(fn.directory == "dir");
  CHECK(fn.format == model::Lambda::Format::V1);
  CHECK(fn.timeout == std::chrono::seconds(2));
  CHECK(ok.config->backends[0].timeout == std::chrono::seconds(10));
  const auto& rie = *ok.config->backends[1].lambda;
  CHECK(rie.format == model::Lambda::Format::V2);
  CHECK(rie.timeout == std::chrono::seconds(3));
  CHECK(rie.url->base_path == "/2015-03-31/functions/function/invocations");

  auto bad = model::load_config_text(R"(apigw: 1
backends:
  a: { lambda: { command: "python3 handler.py" } }
  b: { lambda: { command: [x], url: "http://127.0.0.1:1" } }
  c: { lambda: { command: [x], payload_format: "3.0", timeout: 0 } }
  d: { url: "http://127.0.0.1:1", lambda: { command: [x] } }
  e: { lambda: {} }
routes:
  - { method: GET, path: "/{id}", proxy: { backend: e, path: "/x/{id}" } }
)",
                                     "g.yaml", env());
  CHECK(messages(bad) ==
        "g.yaml:3:27: backends.a.lambda.command: expected the command as a list (no shell runs it): [python3, handler.py]\n"
        "g.yaml:4:16: backends.b.lambda: a lambda has one of 'command' or 'url', not both\n"
        "g.yaml:5:48: backends.c.lambda.payload_format: expected \"1.0\" or \"2.0\", got string \"3.0\"\n"
        "g.yaml:5:64: backends.c.lambda.timeout: expected a timeout above 0\n"
        "g.yaml:6:6: backends.d: a backend has one of 'url', 'urls' or 'lambda'\n"
        "g.yaml:7:16: backends.e.lambda: missing 'command' (the handler to run) or 'url' (a Lambda runtime interface "
        "emulator)\n"
        "g.yaml:9:62: routes[0].proxy.path: backend 'e' is a lambda: the function gets the request path in its event; "
        "drop 'path'\n");
}

namespace {

struct EventFixture {
  model::Config config;
  model::Route route;
  httplib::Request req;
  router::Params params{{"id", "42"}};
  nlohmann::json claims = {{"sub", "alice"}, {"scope", "read write"}, {"level", 3}};
  server::LambdaEventInput in;

  EventFixture() {
    auto loaded = load_stage(R"(apigw: 1
stages: { dev: { variables: { colour: blue } } }
routes:
  - { id: getPet, method: GET, path: "/pets/{id}", mock: {} }
)",
                             "");
    REQUIRE(loaded.config);
    config = *loaded.config;
    route = config.routes[0];
    req.method = "GET";
    req.version = "HTTP/1.1";
    req.target = "/pets/42?tag=a&tag=b&q=x%20y";
    req.path = "/pets/42";
    req.params = {{"tag", "a"}, {"tag", "b"}, {"q", "x y"}};
    req.headers = {{"Host", "localhost:8080"}, {"X-Trace", "1"}, {"X-Trace", "2"}, {"Cookie", "a=1; b=2"}};
    req.remote_addr = "127.0.0.1";
    in.path = "/pets/42";
    in.params = &params;
    in.claims = &claims;
    in.request_id = "req-1";
    in.time = std::chrono::system_clock::time_point(std::chrono::seconds(1767225600));  // 2026-01-01T00:00:00Z
  }
};

}  // namespace

TEST_CASE("a payload format 1.0 event carries the request as API Gateway's REST APIs send it") {
  EventFixture f;
  f.req.body = R"({"name":"Rex"})";
  f.req.headers.emplace("Content-Type", "application/json");
  auto e = server::lambda_event(model::Lambda::Format::V1, f.config, f.route, f.req, f.in);
  CHECK(e["resource"] == "/pets/{id}");
  CHECK(e["path"] == "/pets/42");
  CHECK(e["httpMethod"] == "GET");
  CHECK(e["headers"]["X-Trace"] == "2");
  CHECK(e["multiValueHeaders"]["X-Trace"] == nlohmann::json::array({"1", "2"}));
  CHECK(e["queryStringParameters"] == nlohmann::json({{"tag", "b"}, {"q", "x y"}}));
  CHECK(e["multiValueQueryStringParameters"]["tag"] == nlohmann::json::array({"a", "b"}));
  CHECK(e["pathParameters"] == nlohmann::json({{"id", "42"}}));
  CHECK(e["stageVariables"] == nlohmann::json({{"colour", "blue"}}));
  CHECK(e["requestContext"]["stage"] == "dev");
  CHECK(e["requestContext"]["requestId"] == "req-1");
  CHECK(e["requestContext"]["identity"]["sourceIp"] == "127.0.0.1");
  CHECK(e["requestContext"]["authorizer"]["claims"] ==
        nlohmann::json({{"sub", "alice"}, {"scope", "read write"}, {"level", "3"}}));
  CHECK(e["body"] == R"({"name":"Rex"})");
  CHECK(e["isBase64Encoded"] == false);
}

TEST_CASE("a payload format 2.0 event: lower-case headers joined with commas, cookies apart, JWT claims and scopes") {
  EventFixture f;
  auto e = server::lambda_event(model::Lambda::Format::V2, f.config, f.route, f.req, f.in);
  CHECK(e["version"] == "2.0");
  CHECK(e["routeKey"] == "GET /pets/{id}");
  CHECK(e["rawPath"] == "/pets/42");
  CHECK(e["rawQueryString"] == "tag=a&tag=b&q=x%20y");
  CHECK(e["cookies"] == nlohmann::json::array({"a=1", "b=2"}));
  CHECK(e["headers"]["x-trace"] == "1,2");
  CHECK_FALSE(e["headers"].contains("cookie"));
  CHECK(e["queryStringParameters"] == nlohmann::json({{"tag", "a,b"}, {"q", "x y"}}));
  CHECK(e["requestContext"]["http"]["method"] == "GET");
  CHECK(e["requestContext"]["http"]["sourceIp"] == "127.0.0.1");
  CHECK(e["requestContext"]["time"] == "2026-01-01T00:00:00.000Z");
  CHECK(e["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] == "alice");
  CHECK(e["requestContext"]["authorizer"]["jwt"]["scopes"] == nlohmann::json::array({"read", "write"}));
  CHECK(e["pathParameters"]["id"] == "42");
  CHECK(e["stageVariables"]["colour"] == "blue");
  CHECK_FALSE(e.contains("body"));
  CHECK(e["isBase64Encoded"] == false);
}

TEST_CASE("binary bodies go base64: a binary content type, or bytes that are not UTF-8") {
  EventFixture f;
  std::string png("\x89PNG\r\n\x1a\n", 8);
  f.req.body = png;
  f.req.headers.emplace("Content-Type", "image/png");
  for (auto format : {model::Lambda::Format::V1, model::Lambda::Format::V2}) {
    auto e = server::lambda_event(format, f.config, f.route, f.req, f.in);
    CHECK(e["isBase64Encoded"] == true);
    CHECK(e["body"] == "iVBORw0KGgo=");
  }
  f.req.headers.erase("Content-Type");
  f.req.headers.emplace("Content-Type", "text/plain");
  f.req.body = "caf\xe9";  // Latin-1, not UTF-8
  CHECK(server::lambda_event(model::Lambda::Format::V2, f.config, f.route, f.req, f.in)["body"] == "Y2Fm6Q==");
  f.req.body = "caf\xc3\xa9";
  auto text = server::lambda_event(model::Lambda::Format::V2, f.config, f.route, f.req, f.in);
  CHECK(text["isBase64Encoded"] == false);
  CHECK(text["body"] == "caf\xc3\xa9");
}

TEST_CASE("function responses: status, headers, cookies, base64 bodies; 2.0 takes bare JSON as a 200") {
  httplib::Response res;
  CHECK(server::read_lambda_response(
            model::Lambda::Format::V1,
            R"({"statusCode": 201, "headers": {"X-One": "1"}, "multiValueHeaders": {"X-Many": ["a", "b"]}, "body": "made"})",
            res) == "");
  CHECK(res.status == 201);
  CHECK(res.get_header_value("X-One") == "1");
  CHECK(res.get_header_value_count("X-Many") == 2);
  CHECK(res.body == "made");

  httplib::Response binary;
  CHECK(server::read_lambda_response(model::Lambda::Format::V2,
                                     R"({"statusCode": 200, "body": "iVBORw0KGgo=", "isBase64Encoded": true,
                                         "headers": {"content-type": "image/png"}, "cookies": ["a=1", "b=2"]})",
                                     binary) == "");
  CHECK(binary.body == std::string("\x89PNG\r\n\x1a\n", 8));
  CHECK(binary.get_header_value_count("Set-Cookie") == 2);

  httplib::Response bare;
  CHECK(server::read_lambda_response(model::Lambda::Format::V2, R"({"hello": "world"})", bare) == "");
  CHECK(bare.status == 200);
  CHECK(bare.body == R"({"hello": "world"})");
  CHECK(bare.get_header_value("Content-Type") == "application/json");
}

TEST_CASE("malformed function responses are refused with the reason") {
  auto reason = [](model::Lambda::Format format, const char* output) {
    httplib::Response res;
    return server::read_lambda_response(format, output, res);
  };
  using F = model::Lambda::Format;
  CHECK(reason(F::V1, "not json") == "its output is not JSON");
  CHECK(reason(F::V2, "") == "its output is not JSON");
  CHECK(reason(F::V1, R"({"hello": "world"})") == "unexpected key 'hello' in the response object");
  CHECK(reason(F::V1, R"("text")") == "expected a response object ({\"statusCode\": 200, \"body\": ...})");
  CHECK(reason(F::V1, R"({"statusCode": "200"})") == "statusCode must be an HTTP status from 100 to 599, got \"200\"");
  CHECK(reason(F::V1, R"({"statusCode": 200, "body": {"a": 1}})") ==
        "body must be a string (serialise JSON bodies with json.dumps)");
  CHECK(reason(F::V1, R"({"statusCode": 200, "headers": {"X": "a\r\nb"}})") == "invalid header 'X'");
  CHECK(reason(F::V2, R"({"statusCode": 200, "body": "%%%", "isBase64Encoded": true})") ==
        "isBase64Encoded is true but the body is not base64");
  CHECK(reason(F::V1, R"({"statusCode": 200, "cookies": ["a=1"]})") == "unexpected key 'cookies' in the response object");
}
