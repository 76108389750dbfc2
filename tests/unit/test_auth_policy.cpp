// The auth policy: authorizers and requirement levels as the loader reads them, and requests checked against them.
#include <doctest/doctest.h>

#include <httplib.h>

#include "emulator/model/config.hpp"
#include "unit/config_helpers.hpp"
#include "emulator/policy/auth.hpp"
#include "emulator/policy/credentials.hpp"

using namespace apigw;

namespace {
using test::env;
using test::messages;



const auto k_now = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));

httplib::Request request(httplib::Headers headers = {}, httplib::Params params = {}) {
  httplib::Request r;
  r.method = "GET";
  r.headers = std::move(headers);
  r.params = std::move(params);
  return r;
}

std::string hs256(const nlohmann::json& claims, const std::string& secret) {
  std::string error;
  return policy::sign(claims, policy::KeySet::from_secret(secret).keys()[0], "HS256", &error);
}

const char* k_config = R"(apigw: 1
auth:
  key:
    type: api_key
    keys: [{ name: alice, value: "${KEY}", plan: gold }, k-two]
  staff: { type: basic, realm: Staff, users: { ops: "${OPS}", root: "{SHA}tiY7sUhYKUwI5L3866kDY+ENcrQ=" } }
  token:
    type: jwt
    secret: "${SECRET}"
    audiences: [api]
    required_claims: { tenant: acme }
    forward_claims: { sub: x-user, "org.team": x-team }
policies:
  auth: [key]
groups:
  admin: { auth: [{ token: { scopes: [admin], claims: { role: [owner, ops] } } }, staff] }
  docs: { description: no auth of its own }
routes:
  - { id: global, method: GET, path: /a, mock: {} }
  - { id: admin, method: GET, path: /b, group: admin, mock: {} }
  - { id: docs, method: GET, path: /c, group: docs, mock: {} }
  - { id: public, method: GET, path: /d, group: admin, mock: {}, auth: [] }
  - { id: both, method: GET, path: /e, mock: {}, auth: [{ key: [], token: [] }] }
)";

model::Config load() {
  auto r = model::load_config_text(k_config, "g.yaml", env({{"KEY", "k-one"}, {"OPS", "pw"}, {"SECRET", "s3cret"}}));
  INFO(messages(r));
  REQUIRE(r.config);
  return std::move(*r.config);
}

}  // namespace

TEST_CASE("requirement levels: a route's own auth, else its group's, else policies.auth") {
  model::Config c = load();
  CHECK(c.routes[0].auth_from == "policies");
  REQUIRE(c.routes[0].auth.size() == 1);
  CHECK(c.routes[0].auth[0][0].first == "key");
  CHECK(c.routes[1].auth_from == "group admin");
  REQUIRE(c.routes[1].auth.size() == 2);
  CHECK(c.routes[1].auth[0][0].second == std::vector<std::string>{"admin"});
  REQUIRE(c.routes[1].auth_claims[0][0].size() == 1);
  CHECK(c.routes[1].auth_claims[0][0][0].claim == "role");
  CHECK(c.routes[1].auth_claims[0][0][0].values == std::vector<std::string>{"owner", "ops"});
  CHECK(c.routes[2].auth_from == "policies");  // the docs group sets no auth
  CHECK(c.routes[3].auth_from == "route");
  CHECK(c.routes[3].auth.empty());
  REQUIRE(c.auth[0].credentials);
  CHECK(c.auth[0].credentials->keys[0].name == "alice");
  CHECK(c.auth[0].credentials->keys[0].plan == "gold");
  CHECK(c.auth[0].credentials->keys[1].name == "key-2");
  CHECK_FALSE(c.auth[2].accepts_anything());
}

TEST_CASE("authorize: OR of ANDs, principals, 401 challenges, 403 for scopes and claims, forwarded claims") {
  model::Config c = load();
  auto check = [&](size_t route, httplib::Request req) { return policy::authorize(c, c.routes[route], req, k_now); };

  auto ok = check(0, request({{"x-api-key", "k-one"}}));
  CHECK_MESSAGE(ok.ok, ok.detail);
  REQUIRE(ok.principals.size() == 1);
  CHECK(ok.principals[0].id == "alice");
  CHECK(ok.principals[0].plan == "gold");
  CHECK(check(0, request({{"X-API-KEY", "k-two"}})).principals[0].id == "key-2");
  auto missing = check(0, request());
  CHECK(missing.status == 401);
  CHECK(missing.challenges == std::vector<std::string>{"ApiKey realm=\"apigw\", in=\"header\", name=\"x-api-key\""});

  // The admin group: a token with scope admin and an accepted role, or staff.
  std::string good = hs256({{"aud", "api"}, {"sub", "u1"}, {"tenant", "acme"}, {"scope", "admin"}, {"role", "ops"},
                            {"org", {{"team", "blue"}}}},
                           "s3cret");
  auto admin = check(1, request({{"Authorization", "Bearer " + good}}));
  CHECK(admin.ok);
  CHECK(admin.forward_headers ==
        std::vector<std::pair<std::string, std::string>>{{"x-user", "u1"}, {"x-team", "blue"}});
  CHECK(admin.strip_headers == std::vector<std::string>{"x-user", "x-team"});

  auto wrong_role = check(1, request({{"Authorization", "Bearer " + hs256({{"aud", "api"}, {"tenant", "acme"},
                                                                            {"scope", "admin"}, {"role", "guest"}},
                                                                           "s3cret")}}));
  CHECK(wrong_role.status == 403);
  CHECK(wrong_role.detail == "the token's 'role' claim is not one of owner, ops");
  auto no_tenant = check(1, request({{"Authorization", "Bearer " + hs256({{"aud", "api"}, {"scope", "admin"}, {"role", "ops"}}, "s3cret")}}));
  CHECK(no_tenant.status == 403);
  CHECK(no_tenant.detail == "the token's 'tenant' claim is not 'acme'");
  // A refused token says more than staff's missing Basic credentials; both ways in are offered.
  auto bad = check(1, request({{"Authorization", "Bearer " + hs256({{"aud", "api"}}, "wrong")}}));
  CHECK(bad.status == 401);
  CHECK(bad.detail == "JWT signature does not verify");
  CHECK(bad.challenges == std::vector<std::string>{"Bearer realm=\"apigw\", error=\"invalid_token\"",
                                                   "Basic realm=\"Staff\", charset=\"UTF-8\""});
  // Basic with a {SHA} hash and with a password from the environment.
  CHECK(check(1, request({{"Authorization", "Basic cm9vdDp3b25kZXJsYW5k"}})).ok);  // root:wonderland
  CHECK(check(1, request({{"Authorization", "Basic b3BzOnB3"}})).principals[0].id == "ops");  // ops:pw
  CHECK(check(1, request({{"Authorization", "Basic b3BzOnB4"}})).status == 401);  // ops:px

  // AND: the key alone is not enough.
  CHECK(check(4, request({{"x-api-key", "k-one"}})).status == 401);
  std::string tenant = hs256({{"aud", "api"}, {"tenant", "acme"}}, "s3cret");
  CHECK(check(4, request({{"x-api-key", "k-one"}, {"Authorization", "Bearer " + tenant}})).ok);
}

TEST_CASE("loader: plain passwords, unknown groups and claims on non-JWT authorizers are located errors") {
  auto r = model::load_config_text(R"(apigw: 1
auth:
  staff: { type: basic, users: { ops: hunter2 } }
  key: { type: api_key, keys: ["", "${K}"] }
groups:
  admin: { auth: [{ key: { claims: { role: x } } }], descr: x }
routes:
  - { method: GET, path: /a, mock: {}, group: admn }
)",
                                   "g.yaml", env({{"K", "v"}}));
  CHECK(messages(r) ==
        "g.yaml:3:39: auth.staff.users.ops: a plain password in the config: take it from the environment (\"${...}\") "
        "or write a hash (htpasswd -nB ops)\n"
        "g.yaml:4:32: auth.key.keys[0]: an empty key\n"
        "g.yaml:6:36: groups.admin.auth[0].key.claims: claims apply to jwt authorizers; 'key' is not one\n"
        "g.yaml:6:54: groups.admin.descr: unknown key\n"
        "g.yaml:8:47: routes[0].group: unknown group 'admn' (did you mean 'admin'?)\n");
}

TEST_CASE("credentials in query strings are redacted for logs") {
  std::vector<std::string> params = {"access_token", "api_key"};
  CHECK(policy::redact_query("api_key=s3cret&page=2", params) == "api_key=REDACTED&page=2");
  CHECK(policy::redact_query("page=2&access_token=abc&api_key=", params) == "page=2&access_token=REDACTED&api_key=REDACTED");
  CHECK(policy::redact_query("api%5Fkey=s3cret", params) == "api%5Fkey=REDACTED");  // encoded names too
  CHECK(policy::redact_query("q=api_key&x", params) == "q=api_key&x");
  CHECK(policy::redact_query("", params) == "");
}
