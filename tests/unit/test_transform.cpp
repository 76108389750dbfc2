// Transformations and gateway responses through the config loader: policy levels, templates compiled at load (and
// their located errors), and the edits and error answers they make of a request or response.
#include <doctest/doctest.h>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "emulator/model/config.hpp"
#include "emulator/policy/transform.hpp"
#include "unit/config_helpers.hpp"

using namespace apigw;

namespace {

model::Config load(const std::string& text) {
  auto r = model::load_config_text(text, "t.yaml", test::env({{"STAGE", "dev"}}));
  REQUIRE_MESSAGE(r.config, test::messages(r));
  return *r.config;
}

std::string errors(const std::string& text) {
  return test::messages(model::load_config_text(text, "t.yaml", test::env()));
}

}  // namespace

TEST_CASE("transform: a route's, else its group's, else policies'; false turns an inherited one off") {
  auto cfg = load(R"(apigw: 1
policies:
  transform: { request: { headers: { set: { X-Stage: "${STAGE}" } } } }
groups:
  quiet: { transform: false }
  loud: { transform: { response: { headers: { remove: [Server] } } } }
routes:
  - { id: a, method: GET, path: /a, mock: {} }
  - { id: b, method: GET, path: /b, group: quiet, mock: {} }
  - { id: c, method: GET, path: /c, group: loud, mock: {} }
  - { id: d, method: GET, path: /d, group: loud, transform: { request: { query: { remove: [debug] } } }, mock: {} }
  - { id: e, method: GET, path: /e, transform: false, mock: {} }
  - { id: f, method: GET, path: /f, mock: {} }
)");
  REQUIRE(cfg.routes.size() == 6);
  REQUIRE(cfg.routes[0].transform);
  CHECK(cfg.routes[0].transform->from == "policies");
  REQUIRE(cfg.routes[0].transform->request_headers.set.size() == 1);
  const auto& stage = cfg.routes[0].transform->request_headers.set[0];
  CHECK(stage.name == "X-Stage");
  REQUIRE(stage.value.parts.size() == 1);  // the environment variable, expanded at load
  CHECK(stage.value.parts[0].text == "dev");
  CHECK_FALSE(cfg.routes[1].transform);
  REQUIRE(cfg.routes[2].transform);
  CHECK(cfg.routes[2].transform->from == "group loud");
  CHECK(cfg.routes[2].transform->response_headers.remove == std::vector<std::string>{"Server"});
  REQUIRE(cfg.routes[3].transform);
  CHECK(cfg.routes[3].transform->from == "route");
  CHECK(cfg.routes[3].transform->response_headers.empty());  // the route's replaces the group's whole
  CHECK_FALSE(cfg.routes[4].transform);
  CHECK(cfg.routes[0].transform.get() == cfg.routes[5].transform.get());  // compiled once, shared
}

TEST_CASE("transform: templates are split into their sources once, at load") {
  auto cfg = load(R"(apigw: 1
routes:
  - id: a
    method: GET
    path: /users/{id}
    mock: {}
    transform:
      request:
        headers: { set: { X-Who: "user ${claims.sub} (${path.id}) via $${literal} ${context.method}" } }
)");
  const auto& parts = cfg.routes[0].transform->request_headers.set[0].value.parts;
  using Source = model::Template::Source;
  REQUIRE(parts.size() == 6);
  CHECK((parts[0].source == Source::Text && parts[0].text == "user "));
  CHECK((parts[1].source == Source::Claim && parts[1].text == "sub"));
  CHECK((parts[2].source == Source::Text && parts[2].text == " ("));
  CHECK((parts[3].source == Source::Path && parts[3].text == "id"));
  CHECK((parts[4].source == Source::Text && parts[4].text == ") via ${literal} "));
  CHECK(parts[5].source == Source::Method);
}

TEST_CASE("transform: unknown sources, bad names and CR/LF in literal header values are located load errors") {
  CHECK(errors(R"(apigw: 1
routes:
  - id: a
    method: GET
    path: /a
    mock: {}
    transform:
      request:
        headers:
          set: { X-A: "${cookie.session}", "Bad Name": x, X-B: "${context.error.message}", X-C: "a\r\nb" }
          remove: [Content-Length]
        query: { rename: { q: "" } }
        body: { remove: [internal], set: { "/a": "${header.}" } }
      response: { status: 200 }
)") == R"(t.yaml:10:23: routes[0].transform.request.headers.set.X-A: unknown ${...} source 'cookie' in ${cookie.session} (path, query, header, claims or context)
t.yaml:10:44: routes[0].transform.request.headers.set["Bad Name"]: invalid header name 'Bad Name'
t.yaml:10:64: routes[0].transform.request.headers.set.X-B: unknown ${context.error.message} (requestId, method, path; context.error.* is for gateway_responses)
t.yaml:10:97: routes[0].transform.request.headers.set.X-C: a header value cannot contain CR, LF or NUL
t.yaml:11:20: routes[0].transform.request.headers.remove[0]: 'Content-Length' is managed by the gateway and cannot be transformed
t.yaml:12:31: routes[0].transform.request.query.rename.q: a query parameter name cannot be empty
t.yaml:13:26: routes[0].transform.request.body.remove[0]: 'internal' is not a JSON pointer to a member ("/user/name"; ~0 is '~', ~1 is '/')
t.yaml:13:50: routes[0].transform.request.body.set["/a"]: ${header.} names nothing (write ${header.NAME})
t.yaml:14:19: routes[0].transform.response.status: unknown key
)");
}

TEST_CASE("gateway_responses: known types only, a status from 200 to 599, template errors located") {
  CHECK(errors(R"(apigw: 1
gateway_responses:
  THROTTLE: { status: 503 }
  UNAUTHORIZED: { status: 99, body: { message: "${context.error.mesage}" } }
routes:
  - { id: a, method: GET, path: /a, mock: {} }
)") == R"(t.yaml:3:3: gateway_responses.THROTTLE: unknown key (did you mean 'THROTTLED'?)
t.yaml:4:27: gateway_responses.UNAUTHORIZED.status: expected an HTTP status from 200 to 599, got integer 99
t.yaml:4:37: gateway_responses.UNAUTHORIZED.body: unknown ${context.error.mesage} (requestId, method, path, error.message, error.status)
)");
}

TEST_CASE("transform: headers, query and a JSON body edited; templates read the request as the client sent it") {
  auto cfg = load(R"(apigw: 1
routes:
  - id: a
    method: POST
    path: /users/{id}
    mock: {}
    transform:
      request:
        headers: { set: { X-User: "${claims.sub}", X-Id: "${path.id}", X-Gone: "${claims.none}" }, remove: [Cookie], rename: { X-Old: X-New } }
        query: { set: { version: "2" }, remove: [debug], rename: { q: search } }
        body: { set: { "/source": apigw, "/n": 3 }, remove: [/internal], rename: { /userName: /user/name } }
)");
  const auto& t = *cfg.routes[0].transform;
  httplib::Request req;
  req.method = "POST";
  req.target = "/users/7?q=a%20b&debug=1&version=1&keep=x";
  req.headers = {{"Cookie", "s=1"}, {"X-Old", "old"}, {"X-User", "forged"}, {"Content-Type", "application/json; charset=utf-8"}};
  req.body = R"({"userName": "ann", "internal": true, "age": 3})";
  router::Params params{{"id", "7"}};
  nlohmann::json claims = {{"sub", "user-1"}};
  policy::TemplateContext context{req, "/users/7", &params, &claims};
  httplib::Request out = req;
  policy::transform_request(t, context, out);
  CHECK(out.get_header_value("X-User") == "user-1");
  CHECK(out.get_header_value_count("X-User") == 1);
  CHECK(out.get_header_value("X-Id") == "7");
  CHECK_FALSE(out.has_header("X-Gone"));  // nothing to send: not sent
  CHECK_FALSE(out.has_header("Cookie"));
  CHECK_FALSE(out.has_header("X-Old"));
  CHECK(out.get_header_value("X-New") == "old");
  CHECK(out.target == "/users/7?search=a%20b&keep=x&version=2");
  CHECK(out.get_param_value("search") == "a b");
  CHECK_FALSE(out.has_param("q"));
  CHECK(nlohmann::json::parse(out.body) == nlohmann::json::parse(R"({"user": {"name": "ann"}, "age": 3, "source": "apigw", "n": 3})"));

  // A body that is not JSON, by its media type or its text, goes as it is.
  httplib::Request text = req;
  text.headers = {{"Content-Type", "text/plain"}};
  policy::transform_request(t, context, text);
  CHECK(text.body == req.body);
  httplib::Request broken = req;
  broken.body = "{not json";
  policy::transform_request(t, context, broken);
  CHECK(broken.body == "{not json");
  // Nor does JSON nested deeper than 512 levels (writing it back would recurse a million deep and crash).
  httplib::Request deep = req;
  deep.body = std::string(1'000'000, '[') + std::string(1'000'000, ']');
  policy::transform_request(t, context, deep);
  CHECK(deep.body.size() == 2'000'000);
}

TEST_CASE("transform: a value that would put CR or LF in a header is dropped with a warning") {
  auto cfg = load(R"(apigw: 1
routes:
  - { id: a, method: GET, path: /a, mock: {}, transform: { response: { headers: { set: { X-Name: "${claims.name}", X-Ok: fine } } } } }
)");
  httplib::Request req;
  nlohmann::json claims = {{"name", "eve\r\nSet-Cookie: admin=1"}};
  policy::TemplateContext context{req, "/a", nullptr, &claims};
  httplib::Response res;
  res.headers = {{"X-Name", "from the terminal"}};
  policy::transform_response(*cfg.routes[0].transform, context, res);
  CHECK_FALSE(res.has_header("X-Name"));
  CHECK_FALSE(res.has_header("Set-Cookie"));
  CHECK(res.get_header_value("X-Ok") == "fine");
  CHECK(context.warnings == "header 'X-Name' not sent: its value would contain CR, LF or NUL");
}

TEST_CASE("gateway responses: the type's own, else DEFAULT_4XX/5XX, else the problem document stays") {
  auto cfg = load(R"(apigw: 1
gateway_responses:
  THROTTLED:
    status: 503
    headers: { X-Reason: "${context.error.status}" }
    body: { message: "${context.error.message}", id: "${context.requestId}" }
  DEFAULT_4XX: { body: "error ${context.error.status}: ${context.error.message}" }
routes:
  - { id: a, method: GET, path: /a, mock: {} }
)");
  auto problem = [](int status, const std::string& detail) {
    httplib::Response res;
    res.status = status;
    res.set_content(nlohmann::json({{"status", status}, {"detail", detail}}).dump(), "application/problem+json");
    return res;
  };
  httplib::Request req;
  policy::TemplateContext context{req, "/a"};
  auto throttled = problem(429, "slow \"down\"");
  throttled.set_header("Retry-After", "1");
  policy::apply_gateway_response(cfg, "THROTTLED", context, throttled);
  CHECK(throttled.status == 503);
  CHECK(throttled.get_header_value("X-Reason") == "429");
  CHECK(throttled.get_header_value("Retry-After") == "1");
  CHECK(throttled.get_header_value("Content-Type") == "application/json");
  CHECK(throttled.get_header_value_count("Content-Type") == 1);
  auto body = nlohmann::json::parse(throttled.body);  // the quotes in the message are escaped
  CHECK(body["message"] == "slow \"down\"");
  CHECK(body["id"].get<std::string>().size() == 36);
  CHECK(body["id"] == context.request_id);

  auto denied = problem(403, "the token lacks scope 'admin'");
  policy::apply_gateway_response(cfg, "ACCESS_DENIED", context, denied);
  CHECK(denied.status == 403);
  CHECK(denied.body == "error 403: the token lacks scope 'admin'");
  CHECK(denied.get_header_value("Content-Type") == "text/plain; charset=utf-8");

  auto failed = problem(502, "backend down");
  std::string before = failed.body;
  policy::apply_gateway_response(cfg, "INTEGRATION_FAILURE", context, failed);
  CHECK(failed.status == 502);
  CHECK(failed.body == before);
  CHECK(failed.get_header_value("Content-Type") == "application/problem+json");
}
