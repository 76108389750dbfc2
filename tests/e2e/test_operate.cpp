// Operating apigw serve: the admin API (config, metrics, journal), reloads (--watch, SIGHUP) and TLS.
#include <doctest/doctest.h>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <filesystem>
#include <thread>

#include "e2e/process.hpp"

using e2e::Process;
using e2e::source;
using e2e::write_file;

namespace {

// Polls until `check` holds (reloads are asynchronous), for up to 5 s.
template <class F>
bool eventually(F check) {
  for (int i = 0; i < 100; ++i) {
    if (check()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

std::string body_of(httplib::Client& c, const std::string& path) {
  auto r = c.Get(path);
  return r ? std::to_string(r->status) + " " + r->body : "no answer";
}

}  // namespace

TEST_CASE("admin API: effective config without secrets, Prometheus metrics, bounded journal with violations") {
  Process server({"serve", source("tests/fixtures/openapi/mock/petstore.yaml"), "--port", "0", "--access-log", "off",
                  "--journal-size", "3"});
  int port = server.wait_for_port();
  REQUIRE_MESSAGE(port > 0, server.err());
  httplib::Client client("127.0.0.1", port);
  for (int i = 0; i < 4; ++i) REQUIRE(client.Get("/pets"));
  REQUIRE(client.Get("/pets?limit=abc"));
  REQUIRE(client.Get("/nowhere"));

  auto config = client.Get("/__apigw/config");
  REQUIRE(config);
  auto c = nlohmann::json::parse(config->body);
  CHECK(c["name"] == "mock-petstore");
  CHECK(c["validate"] == "request");
  CHECK(c["routes"][0]["also_at"] == "/v1/pets");
  CHECK(c["routes"][0]["operation"] == "listPets");

  auto metrics = client.Get("/__apigw/metrics");
  REQUIRE(metrics);
  CHECK(metrics->get_header_value("Content-Type") == "text/plain; version=0.0.4");
  const std::string& m = metrics->body;
  CHECK(m.find("apigw_requests_total{route=\"listPets\",method=\"GET\",status=\"200\"} 4\n") != std::string::npos);
  CHECK(m.find("apigw_requests_total{route=\"listPets\",method=\"GET\",status=\"422\"} 1\n") != std::string::npos);
  CHECK(m.find("apigw_requests_total{route=\"(none)\",method=\"GET\",status=\"404\"} 1\n") != std::string::npos);
  CHECK(m.find("apigw_request_duration_seconds_count{route=\"listPets\"} 5\n") != std::string::npos);
  CHECK(m.find("apigw_request_duration_seconds_bucket{route=\"listPets\",le=\"+Inf\"} 5\n") != std::string::npos);
  CHECK(m.find("apigw_validation_failures_total{route=\"listPets\"} 1\n") != std::string::npos);
  CHECK(m.find("__apigw") == std::string::npos);  // the admin API does not count itself

  auto journal = client.Get("/__apigw/journal");
  REQUIRE(journal);
  auto j = nlohmann::json::parse(journal->body);
  CHECK(j["size"] == 3);
  CHECK(j["seen"] == 6);
  REQUIRE(j["entries"].size() == 3);  // bounded: the newest three, newest first
  CHECK(j["entries"][0]["path"] == "/nowhere");
  CHECK(j["entries"][1]["status"] == 422);
  CHECK(j["entries"][1]["violation_detail"][0]["location"] == "query.limit");
  CHECK(j["entries"][2]["status"] == 200);

  CHECK(client.Post("/__apigw/metrics", "", "text/plain")->status == 405);
}

TEST_CASE("--watch reloads on a config edit and on a $ref'd file, keeps serving through a broken edit; SIGHUP too") {
  std::string dir = e2e::temp_path("watch");
  std::filesystem::create_directories(dir);
  // The spec's Pet schema lives in a second file, so that file is watched too.
  write_file(dir + "/pet.yaml", "type: object\nrequired: [name]\nproperties:\n  name: { type: string }\n");
  write_file(dir + "/spec.yaml",
             "openapi: 3.0.3\ninfo: { title: w, version: '1' }\npaths:\n  /pets:\n    post:\n      operationId: createPet\n"
             "      requestBody:\n        content:\n          application/json:\n            schema: { $ref: 'pet.yaml' }\n"
             "      responses:\n        '201': { description: ok }\n");
  std::string config = dir + "/gateway.yaml";
  write_file(config, "apigw: 1\nopenapi: spec.yaml\nroutes:\n  - { method: GET, path: /a, mock: { body: one } }\n"
                     "  - { method: POST, path: /pets, operation: createPet }\n");
  Process server({"serve", config, "--port", "0", "--access-log", "off", "--watch"});
  int port = server.wait_for_port();
  REQUIRE_MESSAGE(port > 0, server.err());
  httplib::Client client("127.0.0.1", port);
  CHECK(body_of(client, "/a") == "200 one");
  CHECK(client.Post("/pets", R"({"name": 1})", "application/json")->status == 422);

  write_file(config, "apigw: 1\nopenapi: spec.yaml\nroutes:\n  - { method: GET, path: /a, mock: { body: two } }\n"
                     "  - { method: POST, path: /pets, operation: createPet }\n");
  CHECK(eventually([&] { return body_of(client, "/a") == "200 two"; }));

  write_file(config, "apigw: 1\nroutes: [\n");  // broken: reported, the previous config keeps serving
  CHECK(eventually([&] { return server.err().find("still serving the previous config") != std::string::npos; }));
  CHECK(body_of(client, "/a") == "200 two");
  CHECK(server.err().find("gateway.yaml:3:1: error:") != std::string::npos);

  write_file(config, "apigw: 1\nopenapi: spec.yaml\nroutes:\n  - { method: GET, path: /a, mock: { body: three } }\n"
                     "  - { method: POST, path: /pets, operation: createPet }\n");
  CHECK(eventually([&] { return body_of(client, "/a") == "200 three"; }));

  // The schema file changes: name may now be an integer.
  write_file(dir + "/pet.yaml", "type: object\nrequired: [name]\nproperties:\n  name: { type: integer }\n");
  CHECK(eventually([&] { return client.Post("/pets", R"({"name": 1})", "application/json")->status == 201; }));

  // SIGHUP reloads without --watch's help (the edit below is picked up by the signal or the watcher; either way
  // the log says why).
  server.signal(SIGHUP);
  CHECK(eventually([&] { return server.err().find("SIGHUP: reloaded") != std::string::npos; }));

  server.signal(SIGTERM);
  CHECK(server.wait() == 0);
  std::filesystem::remove_all(dir);
}

TEST_CASE("TLS: a self-signed development certificate; unreadable certificate files exit 3 with the reason") {
  Process server({"serve", source("samples/gateway.yaml"), "--port", "0", "--access-log", "off", "--tls-self-signed"});
  int port = server.wait_for_port();
  REQUIRE_MESSAGE(port > 0, server.err());
  CHECK(server.err().find("listening on https://127.0.0.1:") != std::string::npos);
  httplib::SSLClient tls("127.0.0.1", port);
  tls.enable_server_certificate_verification(false);
  auto r = tls.Get("/pets");
  REQUIRE(r);
  CHECK(r->status == 200);
  // The certificate is for localhost: verification against it fails (it is not trusted), as it should.
  httplib::SSLClient strict("127.0.0.1", port);
  strict.enable_server_certificate_verification(true);
  CHECK(!strict.Get("/pets"));
  httplib::Client plain("127.0.0.1", port);  // plain HTTP to a TLS port gets no HTTP answer
  auto p = plain.Get("/pets");
  CHECK((!p || p->status != 200));

  auto bad = e2e::run({"serve", source("samples/gateway.yaml"), "--port", "0", "--tls-cert", "/nonexistent/cert.pem",
                       "--tls-key", "/nonexistent/key.pem"});
  CHECK(bad.exit_code == 3);
  CHECK(bad.err.find("cannot use the TLS certificate '/nonexistent/cert.pem'") != std::string::npos);
}

namespace {

// Sends a raw request and reads until the server closes: "reset", "empty", or the bytes received.
std::string raw_exchange(int port, const std::string& request) {
  int fd = e2e::connect_loopback(port);
  if (fd < 0) return "no connection";
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string got;
  char buf[4096];
  while (true) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0) {
      ::close(fd);
      return errno == ECONNRESET ? "reset" : "error";
    }
    if (n == 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return got.empty() ? "empty" : got;
}

}  // namespace

TEST_CASE("faults and delays: per request (Prefer, __fault, __delay) and per route (fault with a rate, delay)") {
  std::string config = e2e::write_temp("faults.yaml",
                                       "apigw: 1\nroutes:\n"
                                       "  - { method: GET, path: /ok, mock: { body: fine } }\n"
                                       "  - { method: GET, path: /flaky, fault: reset, mock: { body: never } }\n"
                                       "  - { method: GET, path: /slow, delay: 300ms, mock: { body: late } }\n"
                                       "  - { method: GET, path: /half, fault: { type: empty, rate: 0.5 }, mock: { body: x } }\n");
  std::string log = e2e::temp_path("faults.jsonl");
  Process server({"serve", config, "--port", "0", "--access-log", log});
  int port = server.wait_for_port();
  REQUIRE_MESSAGE(port > 0, server.err());

  auto get = [](const std::string& target, const std::string& extra = "") {
    return "GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + extra + "\r\n";
  };
  CHECK(raw_exchange(port, get("/ok")).find("fine") != std::string::npos);
  CHECK(raw_exchange(port, get("/ok", "Prefer: fault=reset\r\n")) == "reset");
  CHECK(raw_exchange(port, get("/ok?__fault=empty")) == "empty");
  std::string malformed = raw_exchange(port, get("/ok", "Prefer: fault=malformed_chunk\r\n"));
  CHECK(malformed.find("Transfer-Encoding: chunked\r\n\r\nzz\r\n") != std::string::npos);
  CHECK(raw_exchange(port, get("/flaky")) == "reset");
  CHECK(raw_exchange(port, get("/ok?__fault=explode")).find("422 Unprocessable Entity") != std::string::npos);

  int empties = 0;
  for (int i = 0; i < 40; ++i) empties += raw_exchange(port, get("/half")) == "empty";
  CHECK(empties > 5);  // about half; 40 draws at p=0.5 fall outside 6..34 with probability ~1e-6
  CHECK(empties < 35);

  httplib::Client client("127.0.0.1", port);
  auto t0 = std::chrono::steady_clock::now();
  auto slow = client.Get("/slow");
  auto route_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  REQUIRE(slow);
  CHECK(slow->body == "late");
  CHECK(route_ms >= 300);
  t0 = std::chrono::steady_clock::now();
  auto asked = client.Get("/ok", {{"Prefer", "delay=250"}});
  auto asked_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  REQUIRE(asked);
  CHECK(asked_ms >= 250);
  CHECK(client.Get("/ok?__delay=99999")->status == 422);

  server.signal(SIGTERM);
  CHECK(server.wait() == 0);
  std::string text = e2e::slurp(log);
  CHECK(text.find("\"path\":\"/flaky\",\"route\":\"get-flaky\",\"status\":0,") != std::string::npos);
  CHECK(text.find("\"fault\":\"reset\"") != std::string::npos);
}
