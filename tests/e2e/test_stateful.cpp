// Stateful mocks: `apigw serve SPEC --stateful` and routes with `state:` in a gateway config keep what clients send.
#include <doctest/doctest.h>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "e2e/process.hpp"

using e2e::Process;
using e2e::source;
using nlohmann::json;

namespace {

json body_of(const httplib::Result& r) { return json::parse(r->body); }

}  // namespace

TEST_CASE("serve SPEC --stateful: POST creates, GET reads back, PUT replaces, DELETE removes; validation first") {
  Process server({"serve", source("tests/fixtures/openapi/mock/petstore.yaml"), "--stateful", "--port", "0",
                  "--access-log", "off"});
  int port = server.wait_for_port();
  REQUIRE_MESSAGE(port > 0, server.err());
  httplib::Client client("127.0.0.1", port);

  auto empty = client.Get("/pets");
  REQUIRE(empty);
  CHECK(empty->status == 200);
  CHECK(empty->body == "[]");

  auto created = client.Post("/pets", R"({"name":"Rex","tag":"dog"})", "application/json");
  REQUIRE(created);
  CHECK(created->status == 201);
  CHECK(created->get_header_value("Location") == "/pets/1");
  CHECK(body_of(created) == json::parse(R"({"name":"Rex","tag":"dog","id":1})"));
  auto second = client.Post("/v1/pets", R"({"name":"Tom"})", "application/json");  // the server's base path too
  REQUIRE(second);
  CHECK(second->status == 201);
  CHECK(second->get_header_value("Location") == "/v1/pets/2");

  auto read = client.Get("/pets/1");
  REQUIRE(read);
  CHECK(read->status == 200);
  CHECK(body_of(read)["name"] == "Rex");
  CHECK(read->get_header_value("Deprecation") == "");  // the stored item, not the spec's mock
  auto list = client.Get("/v1/pets");
  REQUIRE(list);
  CHECK(body_of(list) == json::parse(R"([{"name":"Rex","tag":"dog","id":1},{"name":"Tom","id":2}])"));

  auto replaced = client.Put("/pets/1", R"({"name":"Max"})", "application/json");
  REQUIRE(replaced);
  CHECK(replaced->status == 200);
  CHECK(body_of(replaced) == json::parse(R"({"name":"Max","id":1})"));  // the path names the item
  auto read_only = client.Put("/pets/1", R"({"name":"Max","id":99})", "application/json");  // id is readOnly
  REQUIRE(read_only);
  CHECK(read_only->status == 422);
  auto created_by_put = client.Put("/pets/7", R"({"name":"Kit"})", "application/json");
  REQUIRE(created_by_put);
  CHECK(created_by_put->status == 201);
  CHECK(body_of(created_by_put)["id"] == 7);

  // Requests are validated against the operation before they reach the store.
  auto invalid = client.Post("/pets", R"({"name":""})", "application/json");
  REQUIRE(invalid);
  CHECK(invalid->status == 422);
  CHECK(invalid->get_header_value("Content-Type") == "application/problem+json");
  auto bad_id = client.Get("/pets/abc");
  REQUIRE(bad_id);
  CHECK(bad_id->status == 422);

  auto removed = client.Delete("/pets/1");
  REQUIRE(removed);
  CHECK(removed->status == 204);
  auto gone = client.Get("/pets/1");
  REQUIRE(gone);
  CHECK(gone->status == 404);
  CHECK(body_of(gone)["detail"] == "'pets' has no item with id 1");
  auto gone_again = client.Delete("/pets/1");
  REQUIRE(gone_again);
  CHECK(gone_again->status == 404);

  auto state = client.Get("/__apigw/state");
  REQUIRE(state);
  CHECK(body_of(state) == json::parse(R"({"pets":[{"name":"Tom","id":2},{"name":"Kit","id":7}]})"));
  auto cleared = client.Delete("/__apigw/state");
  REQUIRE(cleared);
  CHECK(cleared->status == 204);
  auto after_clear = client.Get("/pets");
  REQUIRE(after_clear);
  CHECK(after_clear->body == "[]");
}

TEST_CASE("gateway config state: shared collections, custom key, scoped by parent parameters, conflicts") {
  std::string cfg = e2e::write_temp("stateful.yaml", R"(apigw: 1
routes:
  - { method: GET, path: /users, state: { name: users, key: login } }
  - { method: POST, path: /users, state: { name: users, key: login } }
  - { method: GET, path: "/users/{login}", state: { name: users, key: login } }
  - { method: PATCH, path: "/users/{login}", state: { name: users, key: login } }
  - { method: POST, path: "/users/{login}/repos", state: repos }
  - { method: GET, path: "/users/{login}/repos", state: repos }
  - { method: GET, path: "/users/{login}/repos/{id}", state: repos }
)");
  Process server({"serve", cfg, "--port", "0", "--access-log", "off"});
  int port = server.wait_for_port();
  REQUIRE_MESSAGE(port > 0, server.err());
  httplib::Client client("127.0.0.1", port);

  auto ann = client.Post("/users", R"({"login":"ann","name":"Ann"})", "application/json");
  REQUIRE(ann);
  CHECK(ann->status == 201);
  CHECK(ann->get_header_value("Location") == "/users/ann");
  auto dup = client.Post("/users", R"({"login":"ann"})", "application/json");
  REQUIRE(dup);
  CHECK(dup->status == 409);
  CHECK(body_of(dup)["detail"] == "'users' already has an item with login ann");
  auto not_json = client.Post("/users", "[1,2]", "application/json");
  REQUIRE(not_json);
  CHECK(not_json->status == 400);

  auto put = client.Put("/users/ann/repos/5", R"({"name":"five","id":"x"})", "application/json");
  REQUIRE(put);
  CHECK(put->status == 405);  // no PUT route: the router answers
  auto patched = client.Patch("/users/ann", R"({"name":null,"city":"Oslo","login":"bob"})", "application/merge-patch+json");
  REQUIRE(patched);
  CHECK(patched->status == 200);
  CHECK(body_of(patched) == json::parse(R"({"login":"ann","city":"Oslo"})"));

  // Each user's repos are their own collection.
  REQUIRE(client.Post("/users/ann/repos", R"({"name":"one"})", "application/json")->status == 201);
  REQUIRE(client.Post("/users/ann/repos", R"({"name":"two"})", "application/json")->status == 201);
  auto bobs = client.Post("/users/bob/repos", R"({"name":"other"})", "application/json");
  REQUIRE(bobs);
  CHECK(body_of(bobs)["id"] == 1);
  auto anns = client.Get("/users/ann/repos");
  REQUIRE(anns);
  CHECK(body_of(anns).size() == 2);
  auto two = client.Get("/users/ann/repos/2");
  REQUIRE(two);
  CHECK(body_of(two)["name"] == "two");
  auto missing = client.Get("/users/bob/repos/2");
  REQUIRE(missing);
  CHECK(missing->status == 404);
  CHECK(body_of(missing)["detail"] == "'repos[bob]' has no item with id 2");
}

TEST_CASE("state: errors are reported at file:line:col; --stateful needs an OpenAPI document") {
  std::string cfg = e2e::write_temp("state-bad.yaml",
                                    "apigw: 1\nroutes:\n"
                                    "  - { method: GET, path: /a, state: items, mock: { status: 200 } }\n"
                                    "  - { method: GET, path: /b, state: { key: id } }\n");
  auto r = e2e::run({"serve", cfg, "--port", "0"});
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find(cfg + ":3:37: error: routes[0].state: a stateful route answers from its store: drop 'mock' or 'proxy'") !=
                    std::string::npos,
                r.err);
  CHECK_MESSAGE(r.err.find(cfg + ":4:37: error: routes[1].state: missing required key 'name' (the collection's name)") != std::string::npos, r.err);

  auto not_spec = e2e::run({"serve", source("samples/gateway.yaml"), "--stateful", "--port", "0"});
  CHECK(not_spec.exit_code == 2);
  CHECK(not_spec.err.find("--stateful applies to OpenAPI documents") != std::string::npos);
}

TEST_CASE("import --mode stateful gives CRUD routes a state collection") {
  auto r = e2e::run({"import", source("tests/fixtures/openapi/mock/petstore.yaml"), "--mode", "stateful", "--format", "json"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto config = json::parse(r.out);
  std::map<std::string, std::string> state;
  for (const auto& route : config["routes"])
    state[route["method"].get<std::string>() + " " + route["path"].get<std::string>()] = route.value("state", "");
  CHECK(state["GET /pets"] == "pets");
  CHECK(state["POST /pets"] == "pets");
  CHECK(state["GET /pets/{petId}"] == "pets");
  CHECK(state["PUT /pets/{petId}"] == "pets");
  CHECK(state["DELETE /pets/{petId}"] == "pets");
}
