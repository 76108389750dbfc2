// API keys, Basic users, policy levels (global, group, route) and auth load errors against the real binary; keys in
// query strings stay out of the access log and journal; a config's authorizers take over a served spec's schemes.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "e2e/process.hpp"

namespace {

using e2e::detail;
using e2e::make_dir;

std::vector<std::string> challenges(const httplib::Result& r) {
  std::vector<std::string> out;
  auto range = r->headers.equal_range("WWW-Authenticate");
  for (auto it = range.first; it != range.second; ++it) out.push_back(it->second);
  return out;
}

// htpasswd -B / -5 / -s entries for the password "wonderland".
const char* k_htpasswd =
    "# staff\n"
    "alice:$2y$05$J1GXWKGXCc2zJlVGkmLK.es7U70XPH04kQ.jWykMb1XZ.xWxBOily\n"
    "carol:{SHA}tiY7sUhYKUwI5L3866kDY+ENcrQ=\n";

}  // namespace

TEST_CASE("API keys by header, query and cookie, named with plans; keys files; query keys redacted in logs") {
  std::string dir = make_dir("keys");
  std::ofstream(dir + "/keys.yaml") << "- { name: partner, value: \"${E2E_PARTNER_KEY}\", plan: gold }\n"
                                       "- file-key-2\n";
  std::string log = dir + "/access.jsonl";
  std::string cfg = dir + "/gateway.yaml";
  std::ofstream(cfg) << R"(apigw: 1
auth:
  key:
    type: api_key
    keys:
      - { name: mobile, value: "${E2E_MOBILE_KEY}", plan: free }
      - ci-key-1
    keys_file: keys.yaml
  qkey: { type: api_key, in: query, name: api_key, keys: [{ name: sensor, value: q-secret-123 }] }
  ckey: { type: api_key, in: cookie, name: session, keys: [c-secret] }
routes:
  - { id: header, method: GET, path: /h, mock: { body: h }, auth: [key] }
  - { id: query, method: GET, path: /q, mock: { body: q }, auth: [qkey] }
  - { id: cookie, method: GET, path: /c, mock: { body: c }, auth: [ckey] }
)";
  e2e::Process server({"serve", cfg, "--port", "0", "--access-log", log},
                      {"E2E_MOBILE_KEY=m-secret-456", "E2E_PARTNER_KEY=p-secret-789"});
  int port = server.wait_for_port();
  REQUIRE_MESSAGE(port > 0, server.err());
  httplib::Client c("127.0.0.1", port);

  for (const char* key : {"m-secret-456", "ci-key-1", "p-secret-789", "file-key-2"}) {
    CAPTURE(key);
    CHECK(c.Get("/h", {{"x-api-key", key}})->status == 200);
  }
  auto wrong = c.Get("/h", {{"x-api-key", "m-secret-45"}});
  CHECK(wrong->status == 401);
  CHECK(detail(wrong) == "invalid API key (header 'x-api-key')");
  CHECK(challenges(wrong) == std::vector<std::string>{"ApiKey realm=\"apigw\", in=\"header\", name=\"x-api-key\""});
  CHECK(c.Get("/q?api_key=q-secret-123&page=2")->status == 200);
  auto q_wrong = c.Get("/q?page=1&api_key=q-wrong-000");
  CHECK(q_wrong->status == 401);
  CHECK(q_wrong->body.find("q-wrong-000") == std::string::npos);
  CHECK(c.Get("/q", {{"x-api-key", "q-secret-123"}})->status == 401);  // the key belongs in the query here
  CHECK(c.Get("/c", {{"Cookie", "theme=dark; session=c-secret"}})->status == 200);
  CHECK(c.Get("/c", {{"Cookie", "session=c-secre"}})->status == 401);

  auto journal = c.Get("/__apigw/journal");
  REQUIRE(journal->status == 200);
  server.signal(SIGTERM);
  CHECK(server.wait() == 0);

  std::string text = e2e::slurp(log);
  for (const char* secret : {"q-secret-123", "q-wrong-000", "m-secret-456", "p-secret-789", "c-secret"}) {
    CAPTURE(secret);
    CHECK(text.find(secret) == std::string::npos);
    CHECK(journal->body.find(secret) == std::string::npos);
  }
  CHECK(text.find("\"query\":\"api_key=REDACTED&page=2\"") != std::string::npos);
  CHECK(text.find("\"query\":\"page=1&api_key=REDACTED\"") != std::string::npos);
  CHECK(journal->body.find("\"query\":\"api_key=REDACTED&page=2\"") != std::string::npos);
  // Who got in is logged by the key's name.
  CHECK(text.find("\"principal\":\"mobile\"") != std::string::npos);
  CHECK(text.find("\"principal\":\"partner\"") != std::string::npos);
  CHECK(text.find("\"principal\":\"sensor\"") != std::string::npos);
  CHECK(text.find("\"principal\":\"key-2\"") != std::string::npos);  // a bare value is named by its position
}

TEST_CASE("Basic users from an htpasswd file (bcrypt, {SHA}) and from ${ENV}; plain passwords are refused at load") {
  std::string dir = make_dir("basic");
  std::ofstream(dir + "/staff.htpasswd") << k_htpasswd;
  std::string cfg = dir + "/gateway.yaml";
  std::ofstream(cfg) << R"(apigw: 1
auth:
  staff:
    type: basic
    realm: Staff area
    htpasswd: staff.htpasswd
    users:
      ops: "${E2E_OPS_PASSWORD}"
routes:
  - { method: GET, path: /s, mock: { body: s }, auth: [staff] }
)";
  e2e::Process server({"serve", cfg, "--port", "0", "--access-log", "off"}, {"E2E_OPS_PASSWORD=from-env"});
  int port = server.wait_for_port();
  REQUIRE_MESSAGE(port > 0, server.err());
  httplib::Client c("127.0.0.1", port);
  auto as = [&](const char* user, const char* password) {
    c.set_basic_auth(user, password);
    return c.Get("/s");
  };
  CHECK(as("alice", "wonderland")->status == 200);
  CHECK(as("carol", "wonderland")->status == 200);
  CHECK(as("ops", "from-env")->status == 200);
  auto wrong = as("alice", "Wonderland");
  CHECK(wrong->status == 401);
  CHECK(detail(wrong) == "wrong user name or password");
  CHECK(challenges(wrong) == std::vector<std::string>{"Basic realm=\"Staff area\", charset=\"UTF-8\""});
  CHECK(as("mallory", "wonderland")->status == 401);
  server.signal(SIGTERM);
  CHECK(server.wait() == 0);

  std::ofstream(dir + "/bad.htpasswd") << "alice:wonderland\nbob:$apr1$xyz$abc\n";
  std::ofstream(dir + "/bad.yaml") << R"(apigw: 1
auth:
  staff:
    type: basic
    htpasswd: bad.htpasswd
    users:
      ops: wonderland
routes: []
)";
  auto r = e2e::run({"serve", dir + "/bad.yaml", "--port", "0"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find(dir + "/bad.yaml:7:12: error: auth.staff.users.ops: a plain password in the config: take it from "
                         "the environment (\"${...}\") or write a hash (htpasswd -nB ops)") != std::string::npos);
  CHECK(r.err.find(dir + "/bad.htpasswd:1:7: error: user 'alice': not a bcrypt ($2y$), SHA-crypt ($5$, $6$) or {SHA} "
                         "hash; plain-text and DES passwords are refused (make one with htpasswd -B)") != std::string::npos);
  CHECK(r.err.find(dir + "/bad.htpasswd:2:5: error: user 'bob': Apache MD5 ($apr1$) is not supported") != std::string::npos);
}

TEST_CASE("policies: a global requirement, a group's, and a route's own (auth: [] is public); 401 lists every way in") {
  std::string dir = make_dir("levels");
  std::string cfg = dir + "/gateway.yaml";
  std::ofstream(cfg) << R"(apigw: 1
auth:
  key: { type: api_key, keys: [k-user] }
  admin_key: { type: api_key, name: x-admin-key, keys: [k-admin] }
  staff: { type: basic, users: { root: "${E2E_ROOT_PASSWORD}" } }
policies:
  auth: [key]
groups:
  admin:
    description: Back office.
    auth: [admin_key, staff]
routes:
  - { id: global, method: GET, path: /pets, mock: { body: pets } }
  - { id: grouped, method: GET, path: /admin/stats, group: admin, mock: { body: stats } }
  - { id: own, method: GET, path: /admin/open, group: admin, mock: { body: open }, auth: [] }
  - { id: both, method: POST, path: /pets, mock: { status: 201 }, auth: [{ key: [], admin_key: [] }] }
)";
  e2e::Process server({"serve", cfg, "--port", "0", "--access-log", "off"}, {"E2E_ROOT_PASSWORD=pw"});
  int port = server.wait_for_port();
  REQUIRE_MESSAGE(port > 0, server.err());
  httplib::Client c("127.0.0.1", port);

  CHECK(c.Get("/pets")->status == 401);
  CHECK(c.Get("/pets", {{"x-api-key", "k-user"}})->status == 200);
  auto grouped = c.Get("/admin/stats", {{"x-api-key", "k-user"}});  // the group's requirement replaces the global one
  CHECK(grouped->status == 401);
  CHECK(challenges(grouped) == std::vector<std::string>{"ApiKey realm=\"apigw\", in=\"header\", name=\"x-admin-key\"",
                                                        "Basic realm=\"apigw\", charset=\"UTF-8\""});
  CHECK(c.Get("/admin/stats", {{"x-admin-key", "k-admin"}})->status == 200);
  c.set_basic_auth("root", "pw");
  CHECK(c.Get("/admin/stats")->status == 200);
  c.set_basic_auth("", "");
  CHECK(c.Get("/admin/open")->status == 200);
  CHECK(c.Post("/pets", {{"x-api-key", "k-user"}}, "", "text/plain")->status == 401);  // AND: both keys
  CHECK(c.Post("/pets", {{"x-api-key", "k-user"}, {"x-admin-key", "k-admin"}}, "", "text/plain")->status == 201);

  auto routes = nlohmann::json::parse(c.Get("/__apigw/routes")->body);
  CHECK(routes["routes"][0]["auth"] == nlohmann::json::parse(R"({"from":"policies","requirements":[["key"]]})"));
  CHECK(routes["routes"][1]["auth"]["from"] == "group admin");
  CHECK(routes["routes"][2]["auth"] == nlohmann::json::parse(R"({"from":"route","requirements":[]})"));
  auto config = c.Get("/__apigw/config")->body;
  CHECK(config.find("k-user") == std::string::npos);
  CHECK(config.find("k-admin") == std::string::npos);
  server.signal(SIGTERM);
  CHECK(server.wait() == 0);
}

TEST_CASE("auth load errors point at file:line:col, in the config or in the file it names") {
  std::string dir = make_dir("errors");
  std::ofstream(dir + "/bad.jwks.json") << "{\n  \"keys\": [\n    {\"kty\": \"RSA\", \"n\": \"AQAB\", \"e\": \"AQAB\"},\n"
                                           "    {\"kty\": \"EC\", \"crv\": \"P-256\", \"x\": \"AA\", \"y\": \"AA\", \"d\": \"AA\"}\n  ]\n}\n";
  std::ofstream(dir + "/keys.yaml") << "- { name: a, value: one }\n- { name: a, value: two, plann: x }\n"
                                       "- { name: c, value: k-dup }\n";
  std::string cfg = dir + "/gateway.yaml";
  std::ofstream(cfg) << R"(apigw: 1
auth:
  t1: { type: jwt, jwks_file: missing.json }
  t2: { type: jwt, jwks_file: bad.jwks.json }
  t3: { type: jwt, secret: s, algorithms: [none, RS256, HS257] }
  t4: { type: jwt, secret: s, forward_claims: { sub: "bad header" }, required_claims: { role: { x: 1 } } }
  k: { type: api_key, keys_file: keys.yaml, keys: [k-dup] }
policies:
  auth: [t5]
routes:
  - { method: GET, path: /a, mock: {}, group: admn, auth: [{ t1: { scope: [x] } }] }
)";
  auto r = e2e::run({"lint", cfg});
  CHECK(r.exit_code == 2);
  std::string d = dir + "/";
  for (const std::string& line : {
           d + "gateway.yaml:3:31: error: auth.t1.jwks_file: JWKS file '" + d + "missing.json' not found",
           d + "gateway.yaml:5:44: error: auth.t3.algorithms[0]: alg 'none' is never accepted (unsigned tokens)",
           d + "gateway.yaml:5:50: error: auth.t3.algorithms[1]: no key of this authorizer can check RS256 (its keys fit HS256, HS384, HS512)",
           d + "gateway.yaml:5:57: error: auth.t3.algorithms[2]: unknown algorithm 'HS257' (did you mean 'HS256'?)",
           d + "gateway.yaml:6:54: error: auth.t4.forward_claims.sub: invalid header name 'bad header'",
           d + "gateway.yaml:6:95: error: auth.t4.required_claims.role: expected a value or a list of values, got a mapping",
           d + "gateway.yaml:9:10: error: policies.auth[0]: unknown auth scheme 't5' (did you mean 't1'?)",
           d + "gateway.yaml:11:47: error: routes[0].group: unknown group 'admn' (no groups are defined)",
           d + "gateway.yaml:11:68: error: routes[0].auth[0].t1.scope: unknown key (did you mean 'scopes'?)",
           d + "bad.jwks.json:3:5: error: keys[0]: RSA key of 17 bits is too weak (at least 2048)",
           d + "keys.yaml:2:11: error: [1].name: another key is already named 'a'",
           d + "keys.yaml:2:26: error: [1].plann: unknown key (did you mean 'plan'?)",
           d + "keys.yaml:3:21: error: [2].value: the same key value as 'key-1'",
       }) {
    CAPTURE(line);
    CHECK(r.out.find(line) != std::string::npos);
  }
  INFO(r.out);
}

TEST_CASE("serving an OpenAPI document: a config's authorizers take over the spec's presence-only schemes") {
  std::string dir = make_dir("spec-auth");
  std::ofstream(dir + "/openapi.yaml") << R"(openapi: 3.0.3
info: { title: pets, version: "1" }
components:
  securitySchemes:
    api_key: { type: apiKey, in: header, name: X-API-Key }
    basicAuth: { type: http, scheme: basic }
security: [{ api_key: [] }]
paths:
  /pets:
    get:
      operationId: listPets
      responses: { "200": { description: ok, content: { application/json: { example: [] } } } }
  /admin:
    get:
      operationId: admin
      security: [{ api_key: [], basicAuth: [] }]
      responses: { "200": { description: ok, content: { application/json: { example: {} } } } }
  /health:
    get:
      operationId: health
      security: [{}]
      responses: { "200": { description: ok, content: { application/json: { example: {} } } } }
)";
  // Alone, the spec's schemes only check presence.
  e2e::Process alone({"serve", dir + "/openapi.yaml", "--port", "0", "--access-log", "off"});
  int port = alone.wait_for_port();
  REQUIRE_MESSAGE(port > 0, alone.err());
  CHECK(alone.err().find("warning: auth scheme 'api_key' accepts any credential") != std::string::npos);
  {
    httplib::Client c("127.0.0.1", port);
    CHECK(c.Get("/pets")->status == 401);
    CHECK(c.Get("/pets", {{"X-API-Key", "anything"}})->status == 200);
  }
  alone.signal(SIGTERM);
  CHECK(alone.wait() == 0);

  std::ofstream(dir + "/authorizers.yaml") << R"(apigw: 1
auth:
  api_key: { type: api_key, name: X-API-Key, keys: ["${E2E_PETS_KEY}"] }
  basicAuth: { type: basic, users: { admin: "${E2E_ADMIN_PASSWORD}" } }
routes: []
)";
  e2e::Process server({"serve", dir + "/authorizers.yaml", dir + "/openapi.yaml", "--port", "0", "--access-log", "off"},
                      {"E2E_PETS_KEY=real-key", "E2E_ADMIN_PASSWORD=pw"});
  port = server.wait_for_port();
  REQUIRE_MESSAGE(port > 0, server.err());
  CHECK(server.err().find("accepts any credential") == std::string::npos);
  httplib::Client c("127.0.0.1", port);
  CHECK(c.Get("/pets", {{"X-API-Key", "anything"}})->status == 401);
  CHECK(c.Get("/pets", {{"X-API-Key", "real-key"}})->status == 200);
  CHECK(c.Get("/health")->status == 200);                               // security: [{}]
  CHECK(c.Get("/admin", {{"X-API-Key", "real-key"}})->status == 401);  // AND: the key and Basic
  c.set_basic_auth("admin", "pw");
  CHECK(c.Get("/admin", {{"X-API-Key", "real-key"}})->status == 200);
  server.signal(SIGTERM);
  CHECK(server.wait() == 0);
}
