// apigw serve against real sockets: routing, mocks, proxying, the access log, signals, port conflicts.
#include <doctest/doctest.h>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "e2e/process.hpp"

using e2e::log_lines;
using e2e::Process;
using e2e::source;

TEST_CASE("serve answers the sample's mocks, routes by specificity, 404/405, and logs each request") {
  Process server({"serve", source("samples/gateway.yaml"), "--port", "0"});
  int port = server.wait_for_port();
  REQUIRE_MESSAGE(port > 0, server.err());
  CHECK(server.err().find("petstore (7 routes) listening on http://127.0.0.1:") != std::string::npos);
  CHECK(server.err().find("try: curl -i http://127.0.0.1:" + std::to_string(port) + "/pets\n") != std::string::npos);

  httplib::Client client("127.0.0.1", port);
  auto list = client.Get("/pets");
  REQUIRE(list);
  CHECK(list->status == 200);
  CHECK(list->get_header_value("content-type") == "application/json");
  CHECK(list->get_header_value("x-total-count") == "2");
  auto pets = nlohmann::json::parse(list->body);
  CHECK(pets.size() == 2);
  CHECK(pets[0]["name"] == "Rex");

  auto mine = client.Get("/pets/mine");
  REQUIRE(mine);
  CHECK(nlohmann::json::parse(mine->body)["owner"] == "you");  // concrete beats /pets/{petId}

  auto one = client.Get("/pets/7");
  REQUIRE(one);
  CHECK(one->status == 200);

  auto anonymous = client.Post("/pets", "{}", "application/json");
  REQUIRE(anonymous);
  CHECK(anonymous->status == 401);
  auto created = client.Post("/pets", {{"x-api-key", "dev-key"}}, "{}", "application/json");
  REQUIRE(created);
  CHECK(created->status == 201);
  CHECK(created->get_header_value("location") == "/pets/3");

  auto missing = client.Get("/nope");
  REQUIRE(missing);
  CHECK(missing->status == 404);
  CHECK(missing->get_header_value("content-type") == "application/problem+json");
  CHECK(nlohmann::json::parse(missing->body)["detail"] == "no route matches GET /nope");

  auto wrong = client.Put("/pets", "", "text/plain");
  REQUIRE(wrong);
  CHECK(wrong->status == 405);
  CHECK(wrong->get_header_value("Allow") == "GET, HEAD, POST");

  auto head = client.Head("/health");
  REQUIRE(head);
  CHECK(head->status == 200);
  CHECK(head->body.empty());

  auto del = client.Delete("/pets/1", {{"x-api-key", "dev-key"}});
  REQUIRE(del);
  CHECK(del->status == 204);

  server.signal(SIGTERM);
  CHECK(server.wait() == 0);
  auto lines = log_lines(server.out());
  REQUIRE(lines.size() == 9);
  CHECK(lines[0]["method"] == "GET");
  CHECK(lines[0]["path"] == "/pets");
  CHECK(lines[0]["route"] == "listPets");
  CHECK(lines[0]["status"] == 200);
  CHECK(lines[0]["bytes"] == list->body.size());
  CHECK(lines[0]["duration_ms"].is_number());
  CHECK(lines[0]["time"].get<std::string>().size() == 24);
  CHECK(lines[3]["route"] == "createPet");
  CHECK(lines[3]["status"] == 401);
  CHECK(lines[5]["route"].is_null());
  CHECK(lines[5]["status"] == 404);
}

TEST_CASE("serve proxies to a backend with path rewriting, and answers 502 when it is down") {
  httplib::Server upstream;
  upstream.Get(R"(/v1/items/(.*))", [](const httplib::Request& req, httplib::Response& res) {
    nlohmann::json j = {{"path", req.path},
                        {"query", req.get_param_value("q")},
                        {"xff", req.get_header_value("X-Forwarded-For")},
                        {"custom", req.get_header_value("X-Custom")}};
    res.set_header("X-Upstream", "yes");
    res.set_content(j.dump(), "application/json");
  });
  int up_port = upstream.bind_to_any_port("127.0.0.1");
  std::thread up_thread([&] { upstream.listen_after_bind(); });

  // A port with nothing listening: bind one, note it, close it.
  int dead_port = e2e::unused_port();
  std::string cfg = e2e::write_temp("proxy.yaml", "apigw: 1\nbackends:\n  up: { url: \"http://127.0.0.1:" +
                                                     std::to_string(up_port) + "/v1\", timeout: 2s }\n  dead: \"http://127.0.0.1:" +
                                                     std::to_string(dead_port) + "\"\nroutes:\n"
                                                     "  - { method: GET, path: \"/api/{rest+}\", proxy: { backend: up, path: \"/items/{rest+}\" } }\n"
                                                     "  - { method: GET, path: /down, proxy: dead }\n");
  Process server({"serve", cfg, "--port", "0", "--access-log", "off"});
  int port = server.wait_for_port();
  REQUIRE_MESSAGE(port > 0, server.err());
  httplib::Client client("127.0.0.1", port);
  auto r = client.Get("/api/a/b%20c?q=1", {{"X-Custom", "hello"}});
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->get_header_value("X-Upstream") == "yes");
  auto j = nlohmann::json::parse(r->body);
  CHECK(j["path"] == "/v1/items/a/b c");
  CHECK(j["query"] == "1");
  CHECK(j["xff"] == "127.0.0.1");
  CHECK(j["custom"] == "hello");

  auto down = client.Get("/down");
  REQUIRE(down);
  CHECK(down->status == 502);
  CHECK(down->get_header_value("content-type") == "application/problem+json");

  server.signal(SIGINT);
  CHECK(server.wait() == 0);
  CHECK(server.out().empty());  // --access-log off
  upstream.stop();
  up_thread.join();
}

TEST_CASE("serve: a broken config lists its errors and exits 2; a busy port exits 3") {
  std::string broken = e2e::write_temp("broken.yaml", "apigw: 1\nroutes:\n  - { method: GETT, path: x, mock: {} }\n");
  auto r = e2e::run({"serve", broken, "--port", "0"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find(broken + ":3:15: error: routes[0].method: unknown method 'GETT' (did you mean 'GET'?)") !=
        std::string::npos);
  CHECK(r.err.find(broken + ":3:27: error: routes[0].path: invalid path template 'x': must start with '/'") !=
        std::string::npos);

  httplib::Server holder;
  int busy = holder.bind_to_any_port("127.0.0.1");
  auto b = e2e::run({"serve", source("samples/gateway.yaml"), "--port", std::to_string(busy)});
  CHECK(b.exit_code == 3);
  CHECK(b.err.find("the address is already in use") != std::string::npos);
}

TEST_CASE("serve: bodies over limits.max_body_size get 413") {
  std::string cfg = e2e::write_temp("small.yaml",
                                    "apigw: 1\nlimits: { max_body_size: 1KB }\nroutes:\n  - { method: POST, path: /, mock: { status: 201 } }\n");
  Process server({"serve", cfg, "--port", "0"});
  int port = server.wait_for_port();
  REQUIRE(port > 0);
  httplib::Client client("127.0.0.1", port);
  auto ok = client.Post("/", std::string(1000, 'a'), "text/plain");
  REQUIRE(ok);
  CHECK(ok->status == 201);
  auto big = client.Post("/", std::string(5000, 'a'), "text/plain");
  REQUIRE(big);
  CHECK(big->status == 413);
  server.signal(SIGTERM);
  CHECK(server.wait() == 0);
}

TEST_CASE("serve an OpenAPI document directly, with the admin API") {
  Process server({"serve", source("samples/openapi.yaml"), "--port", "0", "--access-log", "off"});
  int port = server.wait_for_port();
  REQUIRE_MESSAGE(port > 0, server.err());
  CHECK(server.err().find("petstore (3 routes)") != std::string::npos);
  httplib::Client client("127.0.0.1", port);
  auto pets = client.Get("/pets");
  REQUIRE(pets);
  CHECK(pets->status == 200);
  CHECK(nlohmann::json::parse(pets->body)[1]["name"] == "Tom");
  auto invalid = client.Post("/pets", "{}", "application/json");  // Pet requires id and name
  REQUIRE(invalid);
  CHECK(invalid->status == 422);
  auto created = client.Post("/pets", R"({"id": 3, "name": "Nemo"})", "application/json");
  REQUIRE(created);
  CHECK(created->status == 201);
  auto one = client.Get("/pets/9");  // no example in the spec for this one: generated from the schema
  REQUIRE(one);
  CHECK(one->status == 200);
  CHECK(nlohmann::json::parse(one->body).contains("name"));

  auto health = client.Get("/__apigw/health");
  REQUIRE(health);
  CHECK(nlohmann::json::parse(health->body) == nlohmann::json({{"status", "ok"}, {"routes", 3}}));
  auto routes = client.Get("/__apigw/routes");
  REQUIRE(routes);
  auto j = nlohmann::json::parse(routes->body);
  CHECK(j["routes"][0]["id"] == "listPets");
  CHECK(j["routes"][2]["path"] == "/pets/{petId}");
  auto unknown = client.Get("/__apigw/nope");
  REQUIRE(unknown);
  CHECK(unknown->status == 404);
  server.signal(SIGTERM);
  CHECK(server.wait() == 0);
}

TEST_CASE("serve an OpenAPI document as a proxy with --proxy") {
  httplib::Server upstream;
  upstream.Get("/pets", [](const httplib::Request&, httplib::Response& res) { res.set_content("[\"real\"]", "application/json"); });
  int up_port = upstream.bind_to_any_port("127.0.0.1");
  std::thread up_thread([&] { upstream.listen_after_bind(); });
  Process server({"serve", source("samples/openapi.yaml"), "--port", "0", "--proxy",
                  "http://127.0.0.1:" + std::to_string(up_port), "--access-log", "off"});
  int port = server.wait_for_port();
  REQUIRE_MESSAGE(port > 0, server.err());
  httplib::Client client("127.0.0.1", port);
  auto r = client.Get("/pets");
  REQUIRE(r);
  CHECK(r->body == "[\"real\"]");
  server.signal(SIGTERM);
  CHECK(server.wait() == 0);
  upstream.stop();
  up_thread.join();

  auto misuse = e2e::run({"serve", source("samples/gateway.yaml"), "--proxy", "http://127.0.0.1:1"});
  CHECK(misuse.exit_code == 2);
  CHECK(misuse.err.find("--proxy applies to OpenAPI documents") != std::string::npos);
}

TEST_CASE("serve: POST and DELETE without Content-Length have an empty body, not a 5 s wait and 400") {
  Process server({"serve", source("samples/gateway.yaml"), "--port", "0", "--access-log", "off"});
  int port = server.wait_for_port();
  REQUIRE(port > 0);
  // A raw request, as curl -X DELETE sends it: no Content-Length, no Transfer-Encoding, keep-alive.
  int fd = e2e::connect_loopback(port);
  REQUIRE(fd >= 0);
  timeval tv{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  auto exchange = [&](const std::string& request) {
    REQUIRE(::send(fd, request.data(), request.size(), 0) == static_cast<ssize_t>(request.size()));
    std::string got;
    char buf[4096];
    // Both answers here carry Content-Length: 0 or a short problem body; the headers end the wait.
    while (got.find("\r\n\r\n") == std::string::npos) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
    }
    return got;
  };
  auto start = std::chrono::steady_clock::now();
  // Same keep-alive connection, one request after the other (cpp-httplib 0.11 does not serve pipelined requests).
  CHECK(exchange("DELETE /pets/1 HTTP/1.1\r\nHost: x\r\nx-api-key: dev-key\r\n\r\n").rfind("HTTP/1.1 204", 0) == 0);
  CHECK(exchange("POST /pets HTTP/1.1\r\nHost: x\r\n\r\n").rfind("HTTP/1.1 401", 0) == 0);  // no key: 401, not 400
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(1));
  ::close(fd);
  server.signal(SIGTERM);
  CHECK(server.wait() == 0);
}

TEST_CASE("serve: a path with invalid UTF-8 and control bytes gets 400 and still one valid JSON access-log line") {
  Process server({"serve", source("samples/gateway.yaml"), "--port", "0"});
  int port = server.wait_for_port();
  REQUIRE(port > 0);
  int fd = e2e::connect_loopback(port);
  REQUIRE(fd >= 0);
  std::string req = std::string("GET /caf\xff\xfe%00\"x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  REQUIRE(::send(fd, req.data(), req.size(), 0) == static_cast<ssize_t>(req.size()));
  char buf[2048];
  std::string got;
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) got.append(buf, static_cast<size_t>(n));
  ::close(fd);
  CHECK(got.rfind("HTTP/1.1 400", 0) == 0);
  server.signal(SIGTERM);
  CHECK(server.wait() == 0);
  auto lines = log_lines(server.out());  // throws, failing the test, if a line is not valid JSON
  REQUIRE(lines.size() == 1);
  CHECK(lines[0]["path"] == "/caf\xEF\xBF\xBD\xEF\xBF\xBD%00\"x");
  CHECK(lines[0]["status"] == 400);
}
