// Proxy routes against real upstreams on free ports: connection reuse, round-robin and passive health, retries,
// https upstreams and certificate verification, forwarding headers, 502/504 problems.
#include <doctest/doctest.h>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <thread>

#include "e2e/process.hpp"
#include "e2e/upstream.hpp"

using e2e::Process;
using e2e::source;
using e2e::Upstream;

namespace {

// Serves `config` (YAML text) with `extra` flags; returns the port (the process keeps running in `p`).
std::unique_ptr<Process> serve(const std::string& config, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"serve", e2e::write_temp("proxy.yaml", config), "--port", "0"};
  args.insert(args.end(), extra.begin(), extra.end());
  return std::make_unique<Process>(args);
}

std::string status_and_body(const httplib::Result& r) {
  return r ? std::to_string(r->status) + " " + r->body : "no answer";
}

}  // namespace

TEST_CASE("proxy: connections to the upstream are kept alive and reused across requests and clients") {
  Upstream up("a");
  REQUIRE(up.port() > 0);
  auto server = serve("apigw: 1\nbackends:\n  up: \"" + up.url() + "\"\nroutes:\n  - { method: GET, path: /x, proxy: up }\n",
                      {"--access-log", "off"});
  int port = server->wait_for_port();
  REQUIRE_MESSAGE(port > 0, server->err());
  for (int i = 0; i < 20; ++i) {
    httplib::Client client("127.0.0.1", port);  // a new client connection each time: the upstream one stays
    CHECK(status_and_body(client.Get("/x")) == "200 a");
  }
  CHECK(up.hits() == 20);
  CHECK(up.connections() == 1);

  // Concurrent clients need several connections, but far fewer than requests.
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t)
    clients.emplace_back([&] {
      httplib::Client client("127.0.0.1", port);
      for (int i = 0; i < 25; ++i)
        if (auto r = client.Get("/x"); r && r->status == 200) ++ok;
    });
  for (auto& t : clients) t.join();
  CHECK(ok == 100);
  CHECK(up.connections() <= 5);
}

TEST_CASE("proxy: urls are used round-robin; a dead target is skipped for unhealthy_for, then used again") {
  Upstream a("a"), b("b");
  REQUIRE(a.port() > 0);
  REQUIRE(b.port() > 0);
  int dead_port = e2e::unused_port();
  std::string dead = "http://127.0.0.1:" + std::to_string(dead_port);
  auto server = serve("apigw: 1\nbackends:\n"
                      "  two: { urls: [\"" + a.url() + "\", \"" + b.url() + "\"] }\n"
                      "  flaky: { urls: [\"" + a.url() + "\", \"" + dead + "\"], retries: 0, unhealthy_for: 1s }\n"
                      "routes:\n"
                      "  - { method: GET, path: /two, proxy: two }\n"
                      "  - { method: GET, path: /flaky, proxy: flaky }\n",
                      {"--access-log", "off"});
  int port = server->wait_for_port();
  REQUIRE_MESSAGE(port > 0, server->err());
  httplib::Client client("127.0.0.1", port);

  std::string seen;
  for (int i = 0; i < 6; ++i) {
    auto r = client.Get("/two");
    REQUIRE(r);
    seen += r->body;
  }
  CHECK((seen == "ababab" || seen == "bababa"));

  // Without retries, the one request that meets the dead target fails; then it is skipped.
  int a_before = a.hits();
  std::vector<int> statuses;
  for (int i = 0; i < 6; ++i) {
    auto r = client.Get("/flaky");
    REQUIRE(r);
    statuses.push_back(r->status);
  }
  CHECK(std::count(statuses.begin(), statuses.end(), 502) == 1);
  CHECK(std::count(statuses.begin(), statuses.end(), 200) == 5);
  CHECK(a.hits() - a_before == 5);

  // Something listens on the dead port again: once unhealthy_for has passed, it gets its turn.
  Upstream revived("revived", dead_port);
  REQUIRE(revived.port() == dead_port);
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  for (int i = 0; i < 4; ++i) CHECK(client.Get("/flaky")->status == 200);
  CHECK(revived.hits() == 2);
}

TEST_CASE("proxy: a refused connection is retried for every method, an answered 5xx never") {
  Upstream up("up");
  REQUIRE(up.port() > 0);
  std::string dead = "http://127.0.0.1:" + std::to_string(e2e::unused_port());
  auto server = serve("apigw: 1\nbackends:\n"
                      "  mixed: { urls: [\"" + dead + "\", \"" + up.url() + "\"], unhealthy_for: 0 }\n"
                      "  gone: { url: \"" + dead + "\", retries: 2 }\n"
                      "  up: \"" + up.url() + "\"\n"
                      "routes:\n"
                      "  - { method: [GET, POST], path: /m, proxy: mixed }\n"
                      "  - { method: [GET, POST], path: /gone, proxy: gone }\n"
                      "  - { method: GET, path: /fail, proxy: up }\n",
                      {"--access-log", "off"});
  int port = server->wait_for_port();
  REQUIRE_MESSAGE(port > 0, server->err());
  httplib::Client client("127.0.0.1", port);

  for (int i = 0; i < 4; ++i) CHECK(status_and_body(client.Get("/m")) == "200 up");  // the dead target: retried
  int posts_failed = 0;
  for (int i = 0; i < 4; ++i) {
    auto r = client.Post("/m", "{}", "application/json");
    REQUIRE(r);
    posts_failed += r->status == 502;
  }
  CHECK(posts_failed == 0);  // the dead target never saw the POST, so it goes to the other one

  auto get = client.Get("/gone");
  REQUIRE(get);
  CHECK(get->status == 502);
  CHECK(nlohmann::json::parse(get->body)["detail"].get<std::string>().find("after 3 attempts") != std::string::npos);
  auto post = client.Post("/gone", "{}", "application/json");
  REQUIRE(post);
  CHECK(post->status == 502);
  CHECK(nlohmann::json::parse(post->body)["detail"].get<std::string>().find("after 3 attempts") != std::string::npos);

  int before = up.hits();
  auto fail = client.Get("/fail");
  REQUIRE(fail);
  CHECK(fail->status == 503);
  CHECK(up.hits() - before == 1);
}

TEST_CASE("proxy: https upstreams are verified; tls_verify: false and --insecure-upstream accept a dev certificate") {
  Process upstream({"serve", source("samples/gateway.yaml"), "--tls-self-signed", "--port", "0", "--access-log", "off"});
  int up_port = upstream.wait_for_port();
  REQUIRE_MESSAGE(up_port > 0, upstream.err());
  std::string url = "https://127.0.0.1:" + std::to_string(up_port);
  std::string config = "apigw: 1\nbackends:\n"
                       "  strict: \"" + url + "\"\n"
                       "  dev: { url: \"" + url + "\", tls_verify: false }\n"
                       "routes:\n"
                       "  - { method: GET, path: /strict/pets, proxy: { backend: strict, path: /pets } }\n"
                       "  - { method: GET, path: /dev/pets, proxy: { backend: dev, path: /pets } }\n";
  auto server = serve(config, {"--access-log", "off"});
  int port = server->wait_for_port();
  REQUIRE_MESSAGE(port > 0, server->err());
  httplib::Client client("127.0.0.1", port);

  auto refused = client.Get("/strict/pets");
  REQUIRE(refused);
  CHECK(refused->status == 502);
  CHECK(refused->get_header_value("Content-Type") == "application/problem+json");
  auto detail = nlohmann::json::parse(refused->body)["detail"].get<std::string>();
  CHECK(detail.find("certificate is not trusted") != std::string::npos);
  CHECK(detail.find("--insecure-upstream") != std::string::npos);

  for (int i = 0; i < 3; ++i) {  // over a pooled TLS connection after the first
    auto dev = client.Get("/dev/pets");
    REQUIRE(dev);
    CHECK(dev->status == 200);
    CHECK(nlohmann::json::parse(dev->body)[0]["name"] == "Rex");
  }

  auto insecure = serve(config, {"--access-log", "off", "--insecure-upstream"});
  int insecure_port = insecure->wait_for_port();
  REQUIRE_MESSAGE(insecure_port > 0, insecure->err());
  httplib::Client other("127.0.0.1", insecure_port);
  auto accepted = other.Get("/strict/pets");
  REQUIRE(accepted);
  CHECK(accepted->status == 200);
}

TEST_CASE("proxy: X-Forwarded-* and Forwarded are set; headers named in Connection are dropped both ways") {
  Upstream up("up");
  REQUIRE(up.port() > 0);
  auto server = serve("apigw: 1\nbackends:\n  up: \"" + up.url() + "\"\nroutes:\n  - { method: GET, path: /h, proxy: up }\n",
                      {"--access-log", "off"});
  int port = server->wait_for_port();
  REQUIRE_MESSAGE(port > 0, server->err());
  httplib::Client client("127.0.0.1", port);
  std::string host = "127.0.0.1:" + std::to_string(port);

  auto r = client.Get("/h", {{"Connection", "keep-alive, X-Hop"}, {"X-Hop", "1"}, {"X-Kept", "2"}});
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(!r->has_header("X-Up-Private"));
  CHECK(r->get_header_value("X-Up-Public") == "ok");
  auto h = up.last_headers();
  auto value = [&](const char* name) { return h.count(name) ? h.find(name)->second : std::string("(none)"); };
  CHECK(value("X-Forwarded-For") == "127.0.0.1");
  CHECK(value("X-Forwarded-Proto") == "http");
  CHECK(value("X-Forwarded-Host") == host);
  CHECK(value("Forwarded") == "for=127.0.0.1;proto=http;host=\"" + host + "\"");
  CHECK(value("X-Hop") == "(none)");
  CHECK(value("X-Kept") == "2");

  auto chained = client.Get("/h", {{"Forwarded", "for=192.0.2.60;proto=https"}, {"X-Forwarded-For", "192.0.2.60"}});
  REQUIRE(chained);
  h = up.last_headers();
  CHECK(value("Forwarded") == "for=192.0.2.60;proto=https, for=127.0.0.1;proto=http;host=\"" + host + "\"");
  CHECK(value("X-Forwarded-For") == "192.0.2.60, 127.0.0.1");
}

TEST_CASE("proxy: an unreachable backend is a 502 problem, a slow one a 504 problem, not retried; upstream_ms logged") {
  Upstream up("up");
  REQUIRE(up.port() > 0);
  std::string dead = "http://127.0.0.1:" + std::to_string(e2e::unused_port());
  auto server = serve("apigw: 1\nbackends:\n"
                      "  dead: \"" + dead + "\"\n"
                      "  up: \"" + up.url() + "\"\n"
                      "routes:\n"
                      "  - { method: GET, path: /dead, proxy: dead }\n"
                      "  - { method: GET, path: /slow, proxy: { backend: up, timeout: 300ms } }\n");
  int port = server->wait_for_port();
  REQUIRE_MESSAGE(port > 0, server->err());
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(std::chrono::seconds(10));

  auto bad = client.Get("/dead");
  REQUIRE(bad);
  CHECK(bad->status == 502);
  CHECK(bad->get_header_value("Content-Type") == "application/problem+json");
  auto j = nlohmann::json::parse(bad->body);
  CHECK(j["status"] == 502);
  CHECK(j["title"] == "Bad Gateway");
  CHECK(j["detail"].get<std::string>().rfind("backend 'dead' at " + dead + ":", 0) == 0);

  auto slow = client.Get("/slow");
  REQUIRE(slow);
  CHECK(slow->status == 504);
  CHECK(slow->get_header_value("Content-Type") == "application/problem+json");
  j = nlohmann::json::parse(slow->body);
  CHECK(j["title"] == "Gateway Timeout");
  CHECK(j["detail"].get<std::string>().find("did not answer within 300ms") != std::string::npos);
  CHECK(up.hits() == 1);  // a timeout is not retried

  server->signal(SIGTERM);
  CHECK(server->wait() == 0);
  std::istringstream log(server->out());
  std::string line;
  std::vector<nlohmann::json> lines;
  while (std::getline(log, line))
    if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
  REQUIRE(lines.size() == 2);
  CHECK(lines[0]["status"] == 502);
  CHECK(lines[0].contains("upstream_ms"));
  CHECK(lines[1]["status"] == 504);
  CHECK(lines[1]["upstream_ms"].get<double>() >= 250);
}

TEST_CASE("proxy: dot segments are refused; encoded slashes stay encoded, so no path climbs out of its prefix") {
  e2e::Upstream up("up");
  std::string cfg = e2e::write_temp("dots.yaml", "apigw: 1\nbackends:\n  up: " + up.url() + R"(
routes:
  - { id: files, method: GET, path: "/files/{name}", proxy: { backend: up, path: "/data/{name}" } }
  - { id: rest, method: GET, path: "/static/{rest+}", proxy: { backend: up, path: "/assets/{rest+}" } }
)");
  e2e::Process server({"serve", cfg, "--port", "0", "--access-log", "off"});
  int port = server.wait_for_port();
  REQUIRE_MESSAGE(port > 0, server.err());
  httplib::Client c("127.0.0.1", port);
  c.set_url_encode(false);  // the paths go out exactly as written here

  // '.' and '..' segments, plain or percent-encoded, never reach the upstream
  for (const char* path : {"/files/../admin", "/static/a/../../etc/passwd", "/static/a/%2e%2E/%2e%2e/etc/passwd",
                           "/files/%2e%2e", "/static/./a"}) {
    auto r = c.Get(path);
    REQUIRE_MESSAGE(r, path);
    CHECK_MESSAGE(r->status == 400, path);
    CHECK_MESSAGE(r->body.find("'.' or '..' segment") != std::string::npos, r->body);
  }
  CHECK(up.hits() == 0);

  // an encoded slash is one segment's text: it stays %2F, in a parameter and in a greedy one
  auto one = c.Get("/files/..%2F..%2Fetc%2Fpasswd");
  REQUIRE(one);
  CHECK(one->status == 200);
  CHECK(up.last_target() == "/data/..%2F..%2Fetc%2Fpasswd");
  auto greedy = c.Get("/static/..%2f..%2fetc/x%2Fy/z");
  REQUIRE(greedy);
  CHECK(greedy->status == 200);
  CHECK(up.last_target() == "/assets/..%2F..%2Fetc/x%2Fy/z");
  // ordinary greedy paths are unchanged (and re-encoded where needed)
  auto plain = c.Get("/static/css/site%20v2.css");
  REQUIRE(plain);
  CHECK(up.last_target() == "/assets/css/site%20v2.css");
  // dots inside a segment are just text
  auto dotted = c.Get("/static/v1.2/..hidden/a..b");
  REQUIRE(dotted);
  CHECK(dotted->status == 200);
  CHECK(up.last_target() == "/assets/v1.2/..hidden/a..b");
}
