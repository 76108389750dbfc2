// apigw serve on an OpenAPI document: Prism-style response selection, generated bodies, request validation,
// the server base path, and validation of proxied responses.
#include <doctest/doctest.h>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

#include "e2e/process.hpp"

using e2e::Process;
using e2e::source;

namespace {

const char* const k_spec = "tests/fixtures/openapi/mock/petstore.yaml";

nlohmann::json json_of(const httplib::Result& r) { return nlohmann::json::parse(r->body); }

}  // namespace

TEST_CASE("serve SPEC: examples, Prefer and __ parameters, content negotiation, headers, base path") {
  Process server({"serve", source(k_spec), "--port", "0", "--access-log", "off"});
  int port = server.wait_for_port();
  REQUIRE_MESSAGE(port > 0, server.err());
  httplib::Client client("127.0.0.1", port);

  auto list = client.Get("/pets");
  REQUIRE(list);
  CHECK(list->status == 200);
  CHECK(list->get_header_value("Content-Type") == "application/json");
  CHECK(list->get_header_value("x-total-count") == "2");
  CHECK(json_of(list) == nlohmann::json::parse(R"([{"id":1,"name":"Rex"},{"id":2,"name":"Tom"}])"));

  auto under_server_path = client.Get("/v1/pets");  // servers[0] is https://api.example.com/v1
  REQUIRE(under_server_path);
  CHECK(under_server_path->status == 200);
  CHECK(under_server_path->body == list->body);

  auto named = client.Get("/pets", {{"Prefer", "example=empty"}});
  REQUIRE(named);
  CHECK(named->body == "[]");
  auto by_query = client.Get("/pets?__example=empty");
  REQUIRE(by_query);
  CHECK(by_query->body == "[]");
  auto prefer_wins = client.Get("/pets?__example=nope", {{"Prefer", "example=two"}});
  REQUIRE(prefer_wins);
  CHECK(json_of(prefer_wins).size() == 2);
  auto unknown_example = client.Get("/pets", {{"Prefer", "example=nope"}});
  REQUIRE(unknown_example);
  CHECK(unknown_example->status == 404);
  CHECK(json_of(unknown_example)["detail"] == "no example named 'nope' for application/json (it has two, empty)");

  auto xml = client.Get("/pets", {{"Accept", "application/xml"}});
  REQUIRE(xml);
  CHECK(xml->get_header_value("Content-Type") == "application/xml");
  CHECK(xml->body == "<pets><pet>Rex</pet></pets>");
  auto weighted = client.Get("/pets", {{"Accept", "application/json;q=0.5, application/xml"}});
  REQUIRE(weighted);
  CHECK(weighted->get_header_value("Content-Type") == "application/xml");
  auto csv = client.Get("/pets", {{"Accept", "text/csv"}});
  REQUIRE(csv);
  CHECK(csv->status == 406);
  CHECK(csv->get_header_value("Content-Type") == "application/problem+json");

  auto pet = client.Get("/pets/7");
  REQUIRE(pet);
  CHECK(pet->status == 200);
  CHECK(pet->get_header_value("Deprecation") == "true");
  auto generated = json_of(pet);  // no example: generated from the Pet schema, without the writeOnly password
  CHECK(generated["name"].is_string());
  CHECK(!generated.contains("password"));

  auto not_found = client.Get("/pets/7", {{"Prefer", "code=404"}});
  REQUIRE(not_found);
  CHECK(not_found->status == 404);
  CHECK(json_of(not_found) == nlohmann::json{{"message", "not found"}});
  auto undefined_code = client.Get("/pets/7?__code=418");
  REQUIRE(undefined_code);
  CHECK(undefined_code->status == 404);
  CHECK(json_of(undefined_code)["detail"] == "the operation defines no response for status 418 (it defines 200, 404)");
  auto bad_code = client.Get("/pets/7", {{"Prefer", "code=abc"}});
  REQUIRE(bad_code);
  CHECK(bad_code->status == 422);

  auto deleted = client.Delete("/pets/7");
  REQUIRE(deleted);
  CHECK(deleted->status == 204);
  CHECK(deleted->body.empty());
}

TEST_CASE("serve SPEC: dynamic bodies are reproducible with a seed") {
  Process server({"serve", source(k_spec), "--port", "0", "--access-log", "off"});
  int port = server.wait_for_port();
  REQUIRE_MESSAGE(port > 0, server.err());
  httplib::Client client("127.0.0.1", port);
  auto a = client.Get("/pets/1?__dynamic=true&__seed=42");
  auto b = client.Get("/pets/1", {{"Prefer", "dynamic=true, seed=42"}});
  auto c = client.Get("/pets/1?__seed=43");
  REQUIRE(a);
  REQUIRE(b);
  REQUIRE(c);
  CHECK(a->get_header_value("x-apigw-seed") == "42");
  CHECK(a->body == b->body);
  CHECK(a->body != c->body);
  auto body = json_of(a);
  CHECK(body["name"].is_string());
  CHECK(!body.contains("password"));
  auto random = client.Get("/pets/1?__dynamic=true");
  REQUIRE(random);
  CHECK(!random->get_header_value("x-apigw-seed").empty());  // printed so the answer can be reproduced
}

TEST_CASE("serve SPEC: requests are validated against the operation (422, 400, 415; the spec's own 422)") {
  std::string log = e2e::temp_path("mock-access.jsonl");
  Process server({"serve", source(k_spec), "--port", "0", "--access-log", log});
  int port = server.wait_for_port();
  REQUIRE_MESSAGE(port > 0, server.err());
  httplib::Client client("127.0.0.1", port);

  auto bad_query = client.Get("/pets?limit=abc&tags=dog,bird");
  REQUIRE(bad_query);
  CHECK(bad_query->status == 422);
  CHECK(bad_query->get_header_value("Content-Type") == "application/problem+json");
  auto problem = json_of(bad_query);
  REQUIRE(problem["validation"].size() == 2);
  CHECK(problem["validation"][0]["location"] == "query.limit");
  CHECK(problem["validation"][0]["message"].get<std::string>().find("expected integer, got string \"abc\"") !=
        std::string::npos);
  CHECK(problem["validation"][1]["location"] == "query.tags");
  CHECK(problem["validation"][1]["pointer"] == "/1");
  CHECK(client.Get("/pets?limit=5&tags=dog,cat")->status == 200);
  CHECK(client.Get("/pets?limit=500")->status == 422);
  CHECK(client.Get("/pets", {{"x-request-id", "not-a-uuid"}})->status == 422);

  CHECK(client.Get("/pets/0")->status == 422);  // minimum: 1
  CHECK(client.Get("/pets/abc")->status == 422);

  auto missing = client.Post("/pets", R"({"tag": 1})", "application/json");
  REQUIRE(missing);
  CHECK(missing->status == 422);
  auto v = json_of(missing)["validation"];
  REQUIRE(v.size() == 2);
  std::string both = v[0]["message"].get<std::string>() + " | " + v[1]["message"].get<std::string>();
  CHECK(both.find("missing required property 'name'") != std::string::npos);
  CHECK(both.find("expected string, got integer 1") != std::string::npos);

  auto read_only = client.Post("/pets", R"({"name": "Rex", "id": 5})", "application/json");
  REQUIRE(read_only);
  CHECK(read_only->status == 422);  // id is readOnly: a client must not send it

  auto no_body = client.Post("/pets", "", "application/json");
  REQUIRE(no_body);
  CHECK(no_body->status == 422);
  CHECK(json_of(no_body)["validation"][0]["message"] == "the request body is required");

  auto broken = client.Post("/pets", R"({"name": )", "application/json");
  REQUIRE(broken);
  CHECK(broken->status == 400);
  CHECK(json_of(broken)["validation"][0]["message"].get<std::string>().rfind("the body is not valid JSON: line 1", 0) == 0);

  auto wrong_type = client.Post("/pets", "name=Rex", "text/plain");
  REQUIRE(wrong_type);
  CHECK(wrong_type->status == 415);
  CHECK(json_of(wrong_type)["validation"][0]["message"] ==
        "media type 'text/plain' is not accepted (the operation takes application/json)");

  auto created = client.Post("/pets", R"({"name": "Rex", "password": "s3cret"})", "application/json");
  REQUIRE(created);
  CHECK(created->status == 201);
  CHECK(json_of(created)["name"].is_string());

  // The operation defines its own 422: that response answers, the violations ride in a header.
  auto own = client.Put("/pets/1", R"({"name": ""})", "application/json");
  REQUIRE(own);
  CHECK(own->status == 422);
  CHECK(json_of(own) == nlohmann::json{{"message", "bad pet"}});
  auto header = nlohmann::json::parse(own->get_header_value("x-apigw-violations"));
  REQUIRE(header.size() == 1);
  CHECK(header[0]["location"] == "body");
  CHECK(header[0]["pointer"] == "/name");

  server.signal(SIGTERM);
  CHECK(server.wait() == 0);
  std::string text = e2e::slurp(log);
  CHECK(text.find("\"path\":\"/pets\",\"route\":\"listPets\",\"status\":422") != std::string::npos);
  CHECK(text.find("\"violations\":2") != std::string::npos);
}

TEST_CASE("serve SPEC --validate off lets invalid requests through") {
  Process server({"serve", source(k_spec), "--port", "0", "--access-log", "off", "--validate", "off"});
  int port = server.wait_for_port();
  REQUIRE_MESSAGE(port > 0, server.err());
  httplib::Client client("127.0.0.1", port);
  CHECK(client.Get("/pets?limit=abc")->status == 200);
}

TEST_CASE("serve SPEC --proxy validates the upstream's responses when asked (x-apigw-violations)") {
  httplib::Server upstream;
  upstream.Get("/pets/1", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"id": "one", "password": "leaked"})", "application/json");
  });
  upstream.Get("/pets/2", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"id": 2, "name": "Tom"})", "application/json");
  });
  int upstream_port = upstream.bind_to_any_port("127.0.0.1");
  std::thread t([&] { upstream.listen_after_bind(); });

  Process server({"serve", source(k_spec), "--port", "0", "--access-log", "off", "--proxy",
                  "http://127.0.0.1:" + std::to_string(upstream_port), "--validate", "both"});
  int port = server.wait_for_port();
  REQUIRE_MESSAGE(port > 0, server.err());
  httplib::Client client("127.0.0.1", port);

  auto bad = client.Get("/pets/1");
  REQUIRE(bad);
  CHECK(bad->status == 200);  // reported, not blocked
  auto violations = nlohmann::json::parse(bad->get_header_value("x-apigw-violations"));
  std::string all = violations.dump();
  CHECK(all.find("missing required property 'name'") != std::string::npos);
  CHECK(all.find("expected integer, got string") != std::string::npos);
  CHECK(all.find("/password") != std::string::npos);  // writeOnly in a response

  auto good = client.Get("/pets/2");
  REQUIRE(good);
  CHECK(good->get_header_value("x-apigw-violations").empty());

  auto blocked = client.Get("/pets/abc");  // request validation stops it before the upstream
  REQUIRE(blocked);
  CHECK(blocked->status == 422);

  upstream.stop();
  t.join();
}

TEST_CASE("serve: a route naming an unknown operation is an error at its location, with a suggestion") {
  std::string dir = e2e::temp_path("op-link");
  std::filesystem::create_directories(dir);
  std::filesystem::copy_file(source(k_spec), dir + "/petstore.yaml", std::filesystem::copy_options::overwrite_existing);
  std::string config = dir + "/gateway.yaml";
  std::ofstream(config) << "apigw: 1\nopenapi: petstore.yaml\nroutes:\n"
                        "  - method: GET\n    path: /pets\n    operation: listPet\n"
                        "  - method: GET\n    path: /pets/{petId}\n    operation: GET /pets/{petId}\n"
                        "  - method: GET\n    path: /pets/{petId}/x\n    mock: { status: 200 }\n";
  auto r = e2e::run({"serve", config, "--port", "0"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find(config + ":6:16: error: routes[0].operation: no operation 'listPet' in") != std::string::npos);
  CHECK(r.err.find("(did you mean 'listPets'?)") != std::string::npos);
  CHECK(r.err.find("routes[1]") == std::string::npos);  // 'GET /pets/{petId}' names an operation too
  std::filesystem::remove_all(dir);
}

TEST_CASE("serve A B: several specs on one port, overlapping routes reported (the first file keeps them)") {
  Process server({"serve", source(k_spec), source("tests/fixtures/openapi/openapi31.yaml"), source("samples/openapi.yaml"),
                  "--port", "0", "--access-log", "off"});
  int port = server.wait_for_port();
  REQUIRE_MESSAGE(port > 0, server.err());
  std::string err = server.err();
  CHECK(err.find("warning: GET /pets (route 'petstore.listPets' of ") != std::string::npos);
  CHECK(err.find("is also route 'listPets' of ") != std::string::npos);
  httplib::Client client("127.0.0.1", port);
  auto pets = client.Get("/pets");  // the first spec's example, not the sample's
  REQUIRE(pets);
  CHECK(json_of(pets) == nlohmann::json::parse(R"([{"id":1,"name":"Rex"},{"id":2,"name":"Tom"}])"));
  auto thing = client.Get("/things/1");  // from the 3.1 spec
  REQUIRE(thing);
  CHECK(thing->status == 200);
  CHECK(json_of(thing)["kind"] == "thing");
  auto routes = nlohmann::json::parse(client.Get("/__apigw/routes")->body);
  bool renamed = false;
  for (const auto& r : routes["routes"]) renamed = renamed || r["id"] == "petstore.listPets";
  CHECK(renamed);
}

TEST_CASE("serve SPEC --proxy --validate response --errors: a response that breaks the spec becomes 502") {
  httplib::Server upstream;
  upstream.Get("/pets/1", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"id": "one"})", "application/json");
  });
  upstream.Get("/pets/2", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"id": 2, "name": "Tom"})", "application/json");
  });
  int upstream_port = upstream.bind_to_any_port("127.0.0.1");
  std::thread t([&] { upstream.listen_after_bind(); });
  Process server({"serve", source(k_spec), "--port", "0", "--access-log", "off", "--proxy",
                  "http://127.0.0.1:" + std::to_string(upstream_port), "--validate", "response", "--errors"});
  int port = server.wait_for_port();
  REQUIRE_MESSAGE(port > 0, server.err());
  httplib::Client client("127.0.0.1", port);
  auto bad = client.Get("/pets/1");
  REQUIRE(bad);
  CHECK(bad->status == 502);
  CHECK(bad->get_header_value("Content-Type") == "application/problem+json");
  auto problem = json_of(bad);
  CHECK(problem["detail"] == "the upstream's response does not match operation 'getPet' (2 violations)");
  CHECK(problem["validation"].size() == 2);
  auto good = client.Get("/pets/2");
  REQUIRE(good);
  CHECK(good->status == 200);
  CHECK(client.Get("/pets/abc")->status == 404);  // --validate response: not checked (422), the upstream answers
  upstream.stop();
  t.join();
}
