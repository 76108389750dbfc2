// The response cache against the real binary: hits and misses by key (chosen query parameters and headers), the ttl
// on the gateway's clock, Cache-Control from the upstream and from callers (invalidation only by authorised ones),
// the LRU bound, methods that are never cached, and DELETE /__apigw/cache.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "e2e/process.hpp"

namespace {

// An upstream whose answers count its calls, so a cached answer shows the count it was first given.
class CountingUpstream {
 public:
  CountingUpstream() {
    server_.Get(".*", [this](const httplib::Request& req, httplib::Response& res) {
      int n = ++calls_;
      if (req.path == "/nostore") res.set_header("Cache-Control", "no-store");
      if (req.path == "/short") res.set_header("Cache-Control", "public, max-age=10");
      res.set_content("call " + std::to_string(n), "text/plain");
    });
    server_.Post(".*", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content("post " + std::to_string(++calls_), "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~CountingUpstream() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  int calls() const { return calls_; }

 private:
  httplib::Server server_;
  int port_ = -1;
  std::thread thread_;
  std::atomic<int> calls_{0};
};

std::string body_of(const httplib::Result& r) { return r ? r->body : "(no answer)"; }
std::string x_cache(const httplib::Result& r) { return r ? r->get_header_value("X-Cache") : "(no answer)"; }

}  // namespace

TEST_CASE("cache: hits and misses by key, ttl on the gateway's clock, Cache-Control both ways, LRU, admin flush") {
  CountingUpstream up;
  std::string cfg = e2e::write_temp("cache.yaml", "apigw: 1\nbackends:\n  up: { url: \"http://127.0.0.1:" +
                                                      std::to_string(up.port()) + "\" }\n" + R"(auth:
  key: { type: api_key, name: x-api-key, keys: ["k-1"] }
routes:
  - id: items
    method: [GET, POST]
    path: /items
    proxy: up
    cache: { ttl: 60s, key: { query: [page], headers: [accept-language] } }
  - { id: nostore, method: GET, path: /nostore, proxy: up, cache: { ttl: 60s } }
  - { id: short, method: GET, path: /short, proxy: up, cache: { ttl: 60s } }
  - { id: keyed, method: GET, path: /keyed, proxy: up, auth: [key], cache: { ttl: 60s } }
  - { id: small, method: GET, path: "/small/{n}", proxy: up, cache: { ttl: 60s, max_entries: 2 } }
)");
  std::string log = e2e::temp_path("cache.log");
  e2e::Process server({"serve", cfg, "--port", "0", "--access-log", log, "--clock", "frozen"});
  int port = server.wait_for_port();
  REQUIRE_MESSAGE(port > 0, server.err());
  httplib::Client c("127.0.0.1", port);
  auto advance = [&](const std::string& by) {
    auto r = c.Post("/__apigw/clock", "{\"advance\": \"" + by + "\"}", "application/json");
    REQUIRE(r);
    REQUIRE(r->status == 200);
  };

  auto first = c.Get("/items?page=1&utm=a");
  CHECK(body_of(first) == "call 1");
  CHECK(x_cache(first) == "MISS");
  auto again = c.Get("/items?utm=b&page=1");  // utm is not in the key
  CHECK(body_of(again) == "call 1");
  CHECK(x_cache(again) == "HIT");
  CHECK(again->get_header_value("Age") == "0");
  CHECK(body_of(c.Get("/items?page=2")) == "call 2");                              // page is
  CHECK(body_of(c.Get("/items?page=1", {{"Accept-Language", "fr"}})) == "call 3");  // so is accept-language
  CHECK(body_of(c.Get("/items?page=1", {{"Accept-Language", "fr"}})) == "call 3");
  auto head = c.Head("/items?page=3");  // a HEAD miss is not kept: the GET after it gets the body
  REQUIRE(head);
  CHECK(x_cache(head) == "MISS");
  CHECK(body_of(c.Get("/items?page=3")) == "call 5");
  auto head_hit = c.Head("/items?page=3");  // and a HEAD reads the GET's entry
  REQUIRE(head_hit);
  CHECK(x_cache(head_hit) == "HIT");
  CHECK(body_of(c.Post("/items", "", "text/plain")) == "post 6");  // POST is never cached
  CHECK(body_of(c.Post("/items", "", "text/plain")) == "post 7");

  // the ttl runs on the gateway's clock
  advance("30s");
  auto aged = c.Get("/items?page=1");
  CHECK(body_of(aged) == "call 1");
  CHECK(aged->get_header_value("Age") == "30");
  advance("31s");
  CHECK(body_of(c.Get("/items?page=1")) == "call 8");

  // the upstream's Cache-Control: no-store is never kept; max-age=10 shortens the ttl
  CHECK(body_of(c.Get("/nostore")) == "call 9");
  CHECK(body_of(c.Get("/nostore")) == "call 10");
  CHECK(body_of(c.Get("/short")) == "call 11");
  CHECK(body_of(c.Get("/short")) == "call 11");
  advance("11s");
  CHECK(body_of(c.Get("/short")) == "call 12");

  // a caller's Cache-Control: max-age=0 refreshes the entry only on a route whose auth it passed
  CHECK(body_of(c.Get("/items?page=1", {{"Cache-Control", "max-age=0"}})) == "call 8");  // public route: ignored
  CHECK(body_of(c.Get("/keyed", {{"x-api-key", "k-1"}})) == "call 13");
  CHECK(body_of(c.Get("/keyed", {{"x-api-key", "k-1"}})) == "call 13");
  auto refreshed = c.Get("/keyed", {{"x-api-key", "k-1"}, {"Cache-Control", "max-age=0"}});
  CHECK(body_of(refreshed) == "call 14");
  CHECK(x_cache(refreshed) == "MISS");
  CHECK(body_of(c.Get("/keyed", {{"x-api-key", "k-1"}})) == "call 14");
  auto denied = c.Get("/keyed");  // auth comes before the cache
  REQUIRE(denied);
  CHECK(denied->status == 401);
  CHECK_FALSE(denied->has_header("X-Cache"));

  // at most max_entries per route: the least recently used goes first
  CHECK(body_of(c.Get("/small/1")) == "call 15");
  CHECK(body_of(c.Get("/small/2")) == "call 16");
  CHECK(body_of(c.Get("/small/1")) == "call 15");  // 1 is now the most recent
  CHECK(body_of(c.Get("/small/3")) == "call 17");  // 2 goes
  CHECK(body_of(c.Get("/small/1")) == "call 15");
  CHECK(body_of(c.Get("/small/2")) == "call 18");

  // DELETE /__apigw/cache empties every route's cache
  auto flushed = c.Delete("/__apigw/cache");
  REQUIRE(flushed);
  CHECK(flushed->status == 204);
  CHECK(body_of(c.Get("/items?page=1")) == "call 19");
  CHECK(up.calls() == 19);

  // the access log says which answers were hits
  server.signal(SIGTERM);
  CHECK(server.wait() == 0);
  auto lines = e2e::log_lines(e2e::slurp(log));
  int hits = 0, misses = 0;
  for (const auto& l : lines) {
    if (l.value("cache", "") == "hit") ++hits;
    if (l.value("cache", "") == "miss") ++misses;
  }
  CHECK(hits == 10);
  CHECK(misses == 17);
}

TEST_CASE("cache: bad policies are refused at load with their location") {
  std::string cfg = e2e::write_temp("cache-bad.yaml", R"(apigw: 1
routes:
  - { method: GET, path: /a, mock: { status: 200 }, cache: { ttl: 0s, max_entries: 0, invalidation: sometimes, key: { cookies: [a] } } }
)");
  auto r = e2e::run({"lint", cfg});
  CHECK(r.exit_code == 2);
  CHECK(r.out.find("routes[0].cache.ttl: a cache ttl is more than 0 and at most a year") != std::string::npos);
  CHECK(r.out.find("routes[0].cache.max_entries: max_entries is a whole number from 1 to 1000000") != std::string::npos);
  CHECK(r.out.find("routes[0].cache.invalidation: invalidation is authorized, anyone or never, not 'sometimes'") !=
        std::string::npos);
  CHECK(r.out.find("routes[0].cache.key.cookies: unknown key") != std::string::npos);
  CHECK(r.out.find("cache-bad.yaml:3:") != std::string::npos);
}

TEST_CASE("cache: set on policies or a group, each route keeping its own entries; a route's false turns it off") {
  CountingUpstream up;
  std::string cfg = e2e::write_temp("cache-levels.yaml", "apigw: 1\nbackends:\n  up: http://127.0.0.1:" +
                                                             std::to_string(up.port()) + R"(
policies:
  cache: { ttl: 60s }
groups:
  live: { cache: false }
  short: { cache: { ttl: 5s } }
routes:
  - { id: a, method: GET, path: /a, proxy: up }
  - { id: b, method: GET, path: /b, proxy: up }
  - { id: fresh, method: GET, path: /fresh, proxy: up, cache: false }
  - { id: live, method: GET, path: /live, proxy: up, group: live }
  - { id: brief, method: GET, path: /brief, proxy: up, group: short }
)");
  e2e::Process server({"serve", cfg, "--port", "0", "--access-log", "off", "--clock", "frozen"});
  int port = server.wait_for_port();
  REQUIRE_MESSAGE(port > 0, server.err());
  httplib::Client c("127.0.0.1", port);
  // policies.cache: /a and /b are cached, each under its own route
  CHECK(x_cache(c.Get("/a")) == "MISS");
  CHECK(x_cache(c.Get("/b")) == "MISS");
  auto again = c.Get("/a");
  CHECK(x_cache(again) == "HIT");
  CHECK(body_of(again) == "call 1");
  // `cache: false` on the route or its group: never cached
  c.Get("/fresh");
  CHECK(x_cache(c.Get("/fresh")) == "");
  c.Get("/live");
  CHECK(x_cache(c.Get("/live")) == "");
  // the group's own ttl: gone after 5 s on the gateway's clock, while /a (60 s) is still there
  CHECK(x_cache(c.Get("/brief")) == "MISS");
  CHECK(x_cache(c.Get("/brief")) == "HIT");
  auto moved = c.Post("/__apigw/clock", R"({"advance": "6s"})", "application/json");
  REQUIRE(moved);
  CHECK(x_cache(c.Get("/brief")) == "MISS");
  CHECK(x_cache(c.Get("/a")) == "HIT");
  // where each route's cache comes from
  auto routes = c.Get("/__apigw/routes");
  REQUIRE(routes);
  auto table = nlohmann::json::parse(routes->body)["routes"];
  CHECK(table[0]["cache"] == nlohmann::json::parse(R"({"from": "policies", "ttl_seconds": 60})"));
  CHECK_FALSE(table[2].contains("cache"));  // fresh
  CHECK_FALSE(table[3].contains("cache"));  // live
  CHECK(table[4]["cache"] == nlohmann::json::parse(R"({"from": "group short", "ttl_seconds": 5})"));

  auto bad = e2e::run({"lint", e2e::write_temp("cache-true.yaml", "apigw: 1\npolicies:\n  cache: true\nroutes: []\n")});
  CHECK(bad.exit_code == 2);
  CHECK(bad.out.find("cache-true.yaml:3:10: error: policies.cache: cache: true says nothing about how long") !=
        std::string::npos);
}
