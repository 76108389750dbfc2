// Transformations and gateway responses against the real binary and a real upstream: headers, query and JSON body
// edited on the way in (a JWT claim and a path parameter mapped into headers), headers and body on the way out, a
// claim carrying CRLF never becoming a header, and each gateway error type answered as the config says.
#include <doctest/doctest.h>

#include <chrono>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "e2e/process.hpp"
#include "e2e/upstream.hpp"
#include "emulator/policy/jwt.hpp"

namespace {

const char* k_secret = "transform-test-secret-of-32-bytes";

std::string token(nlohmann::json claims) {
  claims["exp"] = std::chrono::duration_cast<std::chrono::seconds>(
                      std::chrono::system_clock::now().time_since_epoch() + std::chrono::hours(1))
                      .count();
  std::string error;
  auto keys = apigw::policy::KeySet::from_secret(k_secret);
  std::string jwt = apigw::policy::sign(claims, keys.keys().at(0), "HS256", &error);
  REQUIRE_MESSAGE(error.empty(), error);
  return jwt;
}

httplib::Headers bearer(const std::string& jwt, httplib::Headers more = {}) {
  more.emplace("Authorization", "Bearer " + jwt);
  return more;
}

std::string config(const e2e::Upstream& up, int gone_port) {
  return "apigw: 1\nbackends:\n  up: { url: \"" + up.url() + "\" }\n  slow: { url: \"" + up.url() +
         "\", timeout: 300ms, retries: 0 }\n  gone: { url: \"http://127.0.0.1:" + std::to_string(gone_port) +
         "\", retries: 0 }\nauth:\n  token: { type: jwt, secret: " + k_secret + " }\n" + R"(gateway_responses:
  UNAUTHORIZED:
    headers: { X-Error: unauthorized }
    body: { message: "${context.error.message}", status: "${context.error.status}", requestId: "${context.requestId}" }
  ACCESS_DENIED: { status: 404, body: "nothing at ${context.path}" }
  THROTTLED: { status: 503, headers: { X-Reason: throttled, X-Literal: "$${context.path}" }, body: { message: slow down } }
  QUOTA_EXCEEDED: { body: { message: "quota: ${context.error.message}" } }
  RESOURCE_NOT_FOUND: { body: { message: "no route for ${context.method} ${context.path}" } }
  INTEGRATION_FAILURE: { body: { message: upstream unreachable } }
  INTEGRATION_TIMEOUT: { status: 503, headers: { Retry-After: "5" }, body: { message: upstream too slow } }
  DEFAULT_4XX: { headers: { Content-Type: application/json }, body: '{"error": "${context.error.message}"}' }
routes:
  - id: users
    method: POST
    path: /users/{id}
    auth: [token]
    proxy: up
    transform:
      request:
        headers:
          set: { X-User: "${claims.sub}", X-User-Id: "user-${path.id}", X-Name: "${claims.name}" }
          remove: [Cookie]
          rename: { X-Old: X-New }
        query: { set: { version: "2" }, remove: [debug], rename: { q: search } }
        body: { set: { /source: apigw }, remove: [/internal], rename: { /userName: /user/name } }
  - id: profile
    method: GET
    path: /profile
    proxy: { backend: up, path: /json }
    transform:
      response:
        headers: { remove: [X-Up-Public], set: { X-Served-By: apigw } }
        body: { rename: { /user_name: /userName }, remove: [/secret] }
  - { id: admin, method: GET, path: /admin, auth: [{ token: [admin] }], mock: { body: admin } }
  - { id: throttled, method: GET, path: /throttled, rate_limit: { rate: 1, burst: 1 }, mock: { body: ok } }
  - { id: quota, method: GET, path: /quota, rate_limit: { quota: { limit: 1, period: day } }, mock: { body: ok } }
  - { id: slow, method: GET, path: /slow, proxy: slow }
  - { id: gone, method: GET, path: /gone, proxy: gone }
)";
}

}  // namespace

TEST_CASE("transform: headers, query and JSON body edited on the way to the upstream and back") {
  e2e::Upstream up("up");
  std::string log = e2e::temp_path("transform-log");
  std::string cfg = e2e::write_temp("transform.yaml", config(up, e2e::unused_port()));
  e2e::Process server({"serve", cfg, "--port", "0", "--access-log", log, "--clock", "frozen"});
  int port = server.wait_for_port();
  REQUIRE_MESSAGE(port > 0, server.err());
  httplib::Client c("127.0.0.1", port);

  auto r = c.Post("/users/42?q=cats&debug=1&version=1&page=3",
                  bearer(token({{"sub", "ann"}, {"name", "Ann"}}),
                         {{"Cookie", "session=1"}, {"X-Old", "old value"}, {"X-User", "forged"}}),
                  R"({"userName": "ann", "internal": {"score": 9}, "age": 30})", "application/json");
  REQUIRE_MESSAGE(r, e2e::detail(r));
  CHECK(r->status == 200);
  auto seen = up.last_headers();
  CHECK(seen.count("X-User") == 1);  // the claim replaced what the client sent
  CHECK(seen.find("X-User")->second == "ann");
  CHECK(seen.find("X-User-Id")->second == "user-42");  // a path parameter mapped into a header
  CHECK(seen.find("X-Name")->second == "Ann");
  CHECK(seen.count("Cookie") == 0);
  CHECK(seen.count("X-Old") == 0);
  CHECK(seen.find("X-New")->second == "old value");
  CHECK(up.last_target() == "/users/42?search=cats&page=3&version=2");
  CHECK(nlohmann::json::parse(up.last_body()) ==
        nlohmann::json::parse(R"({"user": {"name": "ann"}, "age": 30, "source": "apigw"})"));

  // The way back: a header removed, one added, JSON members renamed and removed.
  auto profile = c.Get("/profile");
  REQUIRE_MESSAGE(profile, e2e::detail(profile));
  CHECK(profile->status == 200);
  CHECK_FALSE(profile->has_header("X-Up-Public"));
  CHECK(profile->get_header_value("X-Served-By") == "apigw");
  CHECK(nlohmann::json::parse(profile->body) == nlohmann::json::parse(R"({"userName": "ann", "id": 1})"));

  // A claim with CR/LF in it never becomes a header (nor smuggles one); the access log says why.
  auto evil = c.Post("/users/7", bearer(token({{"sub", "eve"}, {"name", "Eve\r\nX-Injected: yes"}})), "{}",
                     "application/json");
  REQUIRE_MESSAGE(evil, e2e::detail(evil));
  CHECK(evil->status == 200);
  seen = up.last_headers();
  CHECK(seen.find("X-User")->second == "eve");
  CHECK(seen.count("X-Name") == 0);
  CHECK(seen.count("X-Injected") == 0);
  server.signal(SIGTERM);
  CHECK(server.wait() == 0);
  auto lines = e2e::log_lines(e2e::slurp(log));
  REQUIRE(lines.size() == 3);
  CHECK(lines[2]["warnings"] == "header 'X-Name' not sent: its value would contain CR, LF or NUL");
  CHECK_FALSE(lines[0].contains("warnings"));
}

TEST_CASE("gateway responses: each error type answered as configured, DEFAULT_4XX for the rest") {
  e2e::Upstream up("up");
  std::string cfg = e2e::write_temp("gateway-responses.yaml", config(up, e2e::unused_port()));
  e2e::Process server({"serve", cfg, "--port", "0", "--access-log", "off", "--clock", "frozen"});
  int port = server.wait_for_port();
  REQUIRE_MESSAGE(port > 0, server.err());
  httplib::Client c("127.0.0.1", port);
  auto json_of = [](const httplib::Result& r) { return nlohmann::json::parse(r->body, nullptr, false); };

  auto unauthorized = c.Post("/users/1", "{}", "application/json");
  REQUIRE_MESSAGE(unauthorized, e2e::detail(unauthorized));
  CHECK(unauthorized->status == 401);
  CHECK(unauthorized->get_header_value("Content-Type") == "application/json");
  CHECK(unauthorized->get_header_value("X-Error") == "unauthorized");
  CHECK(unauthorized->has_header("WWW-Authenticate"));  // the gateway's own headers stay
  auto body = json_of(unauthorized);
  CHECK(body["message"] == "missing bearer token");
  CHECK(body["status"] == "401");
  CHECK(body["requestId"].get<std::string>().size() == 36);
  CHECK(up.hits() == 0);

  auto denied = c.Get("/admin", bearer(token({{"sub", "ann"}})));
  REQUIRE(denied);
  CHECK(denied->status == 404);
  CHECK(denied->body == "nothing at /admin");
  CHECK(denied->get_header_value("Content-Type") == "text/plain; charset=utf-8");

  CHECK(c.Get("/throttled")->status == 200);
  auto throttled = c.Get("/throttled");
  REQUIRE(throttled);
  CHECK(throttled->status == 503);
  CHECK(throttled->get_header_value("X-Reason") == "throttled");
  CHECK(throttled->get_header_value("X-Literal") == "${context.path}");
  CHECK(throttled->has_header("Retry-After"));
  CHECK(json_of(throttled) == nlohmann::json({{"message", "slow down"}}));

  CHECK(c.Get("/quota")->status == 200);
  auto quota = c.Get("/quota");
  REQUIRE(quota);
  CHECK(quota->status == 429);
  CHECK(json_of(quota)["message"].get<std::string>().rfind("quota: ", 0) == 0);

  auto missing = c.Get("/nowhere?x=1");
  REQUIRE(missing);
  CHECK(missing->status == 404);
  CHECK(json_of(missing) == nlohmann::json({{"message", "no route for GET /nowhere"}}));

  auto gone = c.Get("/gone");
  REQUIRE(gone);
  CHECK(gone->status == 502);
  CHECK(json_of(gone) == nlohmann::json({{"message", "upstream unreachable"}}));

  auto slow = c.Get("/slow");
  REQUIRE(slow);
  CHECK(slow->status == 503);
  CHECK(slow->get_header_value("Retry-After") == "5");
  CHECK(json_of(slow) == nlohmann::json({{"message", "upstream too slow"}}));

  // No METHOD_NOT_ALLOWED entry: DEFAULT_4XX answers, its message JSON-escaped into a string body.
  auto wrong_method = c.Delete("/profile");
  REQUIRE(wrong_method);
  CHECK(wrong_method->status == 405);
  CHECK(wrong_method->get_header_value("Allow") == "GET, HEAD");
  CHECK(json_of(wrong_method) == nlohmann::json({{"error", "/profile does not accept DELETE (it accepts GET, HEAD)"}}));

  // Answers of the terminal are never replaced: a mock's own 200, the upstream's own status.
  CHECK(c.Get("/admin", bearer(token({{"sub", "root"}, {"scope", "admin"}})))->body == "admin");

  // The effective config lists them as written, in the file's order.
  auto effective = c.Get("/__apigw/config");
  REQUIRE(effective);
  auto responses = nlohmann::ordered_json::parse(effective->body)["gateway_responses"];
  std::vector<std::string> types;
  for (const auto& [type, _] : responses.items()) types.push_back(type);
  CHECK(types == std::vector<std::string>{"UNAUTHORIZED", "ACCESS_DENIED", "THROTTLED", "QUOTA_EXCEEDED", "RESOURCE_NOT_FOUND",
                                          "INTEGRATION_FAILURE", "INTEGRATION_TIMEOUT", "DEFAULT_4XX"});
  CHECK(nlohmann::json(responses["UNAUTHORIZED"]) == nlohmann::json::parse(R"({"headers": {"X-Error": "unauthorized"},
      "body": {"message": "${context.error.message}", "status": "${context.error.status}", "requestId": "${context.requestId}"}})"));
  CHECK(nlohmann::json(responses["ACCESS_DENIED"]) == nlohmann::json::parse(R"({"status": 404, "body": "nothing at ${context.path}"})"));
  CHECK(nlohmann::json(responses["THROTTLED"]) == nlohmann::json::parse(R"({"status": 503,
      "headers": {"X-Reason": "throttled", "X-Literal": "$${context.path}"}, "body": {"message": "slow down"}})"));
  CHECK(nlohmann::json(responses["DEFAULT_4XX"]) == nlohmann::json::parse(R"({"headers": {"Content-Type": "application/json"},
      "body": "{\"error\": \"${context.error.message}\"}"})"));
}
