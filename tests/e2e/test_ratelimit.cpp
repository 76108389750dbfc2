// Usage plans, rate limits and quotas against the real binary: exact counts under concurrency with a frozen clock,
// 429 answers with their headers, a daily quota passed by advancing the clock, counters kept across reloads, JWT
// expiry on the same clock, and load errors with their place.
#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "e2e/process.hpp"

namespace {

using e2e::detail;
using e2e::make_dir;

httplib::Result set_clock(httplib::Client& c, const std::string& body) {
  return c.Post("/__apigw/clock", body, "application/json");
}

template <class F>
bool eventually(F check) {
  for (int i = 0; i < 100; ++i) {
    if (check()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// base64url without padding, for hand-made JWTs.
std::string b64url(const std::string& in) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += k[(n >> s) & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t n = uint8_t(in[i]) << 16;
    out += k[(n >> 18) & 63];
    out += k[(n >> 12) & 63];
  } else if (i + 2 == in.size()) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    for (int s = 18; s >= 6; s -= 6) out += k[(n >> s) & 63];
  }
  return out;
}

}  // namespace

TEST_CASE("8 clients x 50 requests at once against burst 20, rate 1/s, frozen clock: exactly 20 pass") {
  std::string dir = make_dir("ratelimit-burst");
  std::string cfg = dir + "/gateway.yaml";
  std::ofstream(cfg) << R"(apigw: 1
usage_plans:
  gold: { throttle: { rate: 1, burst: 20 } }
auth:
  key: { type: api_key, keys: [{ name: app, value: k-123, plan: gold }] }
routes:
  - { id: pets, method: GET, path: /pets, mock: { body: [] }, auth: [key] }
  - { id: open, method: GET, path: /open, mock: { body: ok } }
)";
  e2e::Process server({"serve", cfg, "--port", "0", "--access-log", "off", "--clock", "frozen"});
  int port = server.wait_for_port();
  REQUIRE_MESSAGE(port > 0, server.err());

  std::atomic<int> passed{0}, limited{0}, other{0};
  std::atomic<bool> headers_ok{true};
  std::vector<std::thread> clients;
  for (int t = 0; t < 8; ++t)
    clients.emplace_back([&] {
      httplib::Client c("127.0.0.1", port);
      for (int i = 0; i < 50; ++i) {
        auto r = c.Get("/pets", {{"x-api-key", "k-123"}});
        if (!r) ++other;
        else if (r->status == 200) ++passed;
        else if (r->status == 429) ++limited;
        else ++other;
        if (r && (!r->has_header("RateLimit-Limit") || r->get_header_value("RateLimit-Limit") != "20"))
          headers_ok = false;
      }
    });
  for (auto& t : clients) t.join();
  CHECK(passed == 20);
  CHECK(limited == 380);
  CHECK(other == 0);
  CHECK(headers_ok);

  httplib::Client c("127.0.0.1", port);
  auto refused = c.Get("/pets", {{"x-api-key", "k-123"}});
  REQUIRE(refused);
  CHECK(refused->status == 429);
  CHECK(refused->get_header_value("Content-Type") == "application/problem+json");
  CHECK(refused->get_header_value("Retry-After") == "1");
  CHECK(refused->get_header_value("RateLimit-Remaining") == "0");
  CHECK(refused->get_header_value("RateLimit-Reset") == "1");
  CHECK(detail(refused) == "rate limit exceeded (plan 'gold' for key 'app': 1 per second, bursts of 20); retry in 1 s");
  // Unauthenticated requests are refused by auth and never counted; routes without limits carry no headers.
  CHECK(c.Get("/pets")->status == 401);
  auto open = c.Get("/open");
  CHECK(open->status == 200);
  CHECK_FALSE(open->has_header("RateLimit-Limit"));

  // One second later the bucket has earned one request.
  CHECK(set_clock(c, R"({"advance": "1s"})")->status == 200);
  auto again = c.Get("/pets", {{"x-api-key", "k-123"}});
  CHECK(again->status == 200);
  CHECK(again->get_header_value("RateLimit-Remaining") == "0");
  CHECK(c.Get("/pets", {{"x-api-key", "k-123"}})->status == 429);

  auto metrics = c.Get("/__apigw/metrics")->body;
  CHECK(metrics.find("apigw_rate_limited_total{route=\"pets\",reason=\"rate\"} 382\n") != std::string::npos);
  CHECK(metrics.find("apigw_requests_total{route=\"pets\",method=\"GET\",status=\"429\"} 382\n") != std::string::npos);
  server.signal(SIGTERM);
  CHECK(server.wait() == 0);
}

TEST_CASE("a daily quota: exhausted, then the clock advances a day and the next request passes") {
  std::string dir = make_dir("ratelimit-quota");
  std::string cfg = dir + "/gateway.yaml";
  std::string log = dir + "/access.jsonl";
  std::ofstream(cfg) << R"(apigw: 1
usage_plans:
  free: { quota: { limit: 3, period: day } }
auth:
  key: { type: api_key, keys: [{ name: app, value: k-1, plan: free }, { name: other, value: k-2, plan: free }] }
routes:
  - { id: pets, method: GET, path: /pets, mock: { body: [] }, auth: [key] }
)";
  e2e::Process server({"serve", cfg, "--port", "0", "--access-log", log, "--clock", "frozen"});
  int port = server.wait_for_port();
  REQUIRE_MESSAGE(port > 0, server.err());
  httplib::Client c("127.0.0.1", port);

  auto set = set_clock(c, R"({"set": "2026-01-01T10:00:00Z"})");
  REQUIRE(set->status == 200);
  CHECK(nlohmann::json::parse(set->body) ==
        nlohmann::json({{"now", "2026-01-01T10:00:00.000Z"}, {"mode", "frozen"}}));
  CHECK(c.Get("/__apigw/clock")->body == set->body);
  auto effective = nlohmann::json::parse(c.Get("/__apigw/config")->body);
  CHECK(effective["usage_plans"] == nlohmann::json::parse(R"({"free":{"quota":{"limit":3,"period":"day","offset":0}}})"));

  for (int i = 0; i < 3; ++i) {
    auto r = c.Get("/pets", {{"x-api-key", "k-1"}});
    CHECK(r->status == 200);
    CHECK(r->get_header_value("RateLimit-Limit") == "3");
    CHECK(r->get_header_value("RateLimit-Remaining") == std::to_string(2 - i));
    CHECK(r->get_header_value("RateLimit-Reset") == "50400");  // 14 h to midnight UTC
  }
  auto over = c.Get("/pets", {{"x-api-key", "k-1"}});
  CHECK(over->status == 429);
  CHECK(over->get_header_value("Retry-After") == "50400");
  CHECK(over->get_header_value("RateLimit-Remaining") == "0");
  CHECK(detail(over) ==
        "quota exceeded (plan 'free' for key 'app': 3 requests per day); it renews at 2026-01-02T00:00:00.000Z");
  CHECK(c.Get("/pets", {{"x-api-key", "k-2"}})->status == 200);  // each key has its own quota

  CHECK(set_clock(c, R"({"advance": "23h59m"})")->status == 400);  // one unit per duration
  CHECK(set_clock(c, R"({"advance": "1d"})")->status == 200);
  auto next_day = c.Get("/pets", {{"x-api-key", "k-1"}});
  CHECK(next_day->status == 200);
  CHECK(next_day->get_header_value("RateLimit-Remaining") == "2");

  auto bad = set_clock(c, R"({"set": "tomorrow"})");
  CHECK(bad->status == 400);
  CHECK(detail(bad) == "set: invalid timestamp 'tomorrow' (RFC 3339: 2026-01-01T00:00:00Z)");
  CHECK(set_clock(c, "[]")->status == 400);
  auto put = c.Put("/__apigw/clock", "{}", "application/json");
  CHECK(put->status == 405);
  CHECK(put->get_header_value("Allow") == "GET, HEAD, POST");

  CHECK(c.Get("/__apigw/metrics")->body.find("apigw_rate_limited_total{route=\"pets\",reason=\"quota\"} 1\n") !=
        std::string::npos);
  server.signal(SIGTERM);
  CHECK(server.wait() == 0);
  CHECK(e2e::slurp(log).find("\"status\":429,") != std::string::npos);
  CHECK(e2e::slurp(log).find("\"principal\":\"app\",\"limited\":\"quota\"") != std::string::npos);
}

TEST_CASE("route rate limits per client and global, overridden per route; counters survive a reload that keeps them") {
  std::string dir = make_dir("ratelimit-routes");
  std::string cfg = dir + "/gateway.yaml";
  auto write = [&](const std::string& global_limit) {
    std::ofstream(cfg) << "apigw: 1\npolicies:\n  rate_limit: { quota: { limit: " + global_limit +
                              ", period: week }, per: global }\n"
                              "routes:\n"
                              "  - { id: a, method: GET, path: /a, mock: { body: a } }\n"
                              "  - { id: b, method: GET, path: /b, mock: { body: b } }\n"
                              "  - { id: c, method: GET, path: /c, mock: { body: c }, rate_limit: { rate: 1, burst: 2, per: ip } }\n"
                              "  - { id: d, method: GET, path: /d, mock: { body: d }, rate_limit: off }\n";
  };
  write("3");
  e2e::Process server({"serve", cfg, "--port", "0", "--access-log", "off", "--clock", "frozen"});
  int port = server.wait_for_port();
  REQUIRE_MESSAGE(port > 0, server.err());
  httplib::Client c("127.0.0.1", port);

  // policies.rate_limit per: global is one counter for every route that inherits it.
  CHECK(c.Get("/a")->status == 200);
  CHECK(c.Get("/b")->status == 200);
  CHECK(c.Get("/a")->status == 200);
  CHECK(c.Get("/b")->status == 429);
  // A route's own rate_limit replaces it; `off` removes it.
  CHECK(c.Get("/c")->status == 200);
  CHECK(c.Get("/c")->status == 200);
  CHECK(c.Get("/c")->status == 429);
  for (int i = 0; i < 5; ++i) CHECK(c.Get("/d")->status == 200);
  auto routes = nlohmann::json::parse(c.Get("/__apigw/routes")->body)["routes"];
  CHECK(routes[0]["rate_limit"] == nlohmann::json::parse(R"({"from":"policies","per":"global"})"));
  CHECK(routes[2]["rate_limit"] == nlohmann::json::parse(R"({"from":"route c","per":"ip"})"));
  CHECK_FALSE(routes[3].contains("rate_limit"));

  server.signal(SIGHUP);  // the same limits: the counts stay
  CHECK(eventually([&] { return server.err().find("SIGHUP: reloaded") != std::string::npos; }));
  CHECK(c.Get("/a")->status == 429);
  CHECK(c.Get("/c")->status == 429);
  write("10");  // a changed limit starts afresh; the untouched route keeps its bucket
  server.signal(SIGHUP);
  CHECK(eventually([&] {
    auto e = server.err();
    return e.find("SIGHUP: reloaded") != e.rfind("SIGHUP: reloaded");
  }));
  CHECK(c.Get("/a")->status == 200);
  CHECK(c.Get("/c")->status == 429);
  server.signal(SIGTERM);
  CHECK(server.wait() == 0);
}

TEST_CASE("JWT exp is checked against the same clock") {
  std::string dir = make_dir("ratelimit-jwt");
  std::string cfg = dir + "/gateway.yaml";
  std::ofstream(cfg) << R"(apigw: 1
auth:
  token: { type: jwt }
routes:
  - { method: GET, path: /me, mock: { body: me }, auth: [token] }
)";
  e2e::Process server({"serve", cfg, "--port", "0", "--access-log", "off", "--clock", "frozen"});
  int port = server.wait_for_port();
  REQUIRE_MESSAGE(port > 0, server.err());
  httplib::Client c("127.0.0.1", port);
  // 2026-01-01T00:00:00Z is 1767225600; the token expires an hour later. The authorizer has no keys, so the
  // signature is not checked, but exp is.
  std::string token = b64url(R"({"alg":"HS256","typ":"JWT"})") + "." + b64url(R"({"sub":"ann","exp":1767229200})") +
                      "." + b64url("not checked");
  httplib::Headers bearer = {{"Authorization", "Bearer " + token}};
  REQUIRE(set_clock(c, R"({"set": "2026-01-01T00:00:00Z"})")->status == 200);
  CHECK(c.Get("/me", bearer)->status == 200);
  REQUIRE(set_clock(c, R"({"advance": "2h"})")->status == 200);
  auto expired = c.Get("/me", bearer);
  CHECK(expired->status == 401);
  CHECK(detail(expired) == "JWT expired");
  server.signal(SIGTERM);
  CHECK(server.wait() == 0);
}

TEST_CASE("bad rate limits and unknown plans stop serve with their place; exit 2") {
  std::string dir = make_dir("ratelimit-errors");
  std::string cfg = dir + "/gateway.yaml";
  std::ofstream(cfg) << R"(apigw: 1
usage_plans:
  gold: { throttle: { rate: 10, burst: 5 } }
auth:
  key: { type: api_key, keys: [{ name: app, value: k-1, plan: glod }] }
routes:
  - { method: GET, path: /a, mock: {}, rate_limit: { rate: 0 } }
)";
  auto r = e2e::run({"serve", cfg, "--port", "0"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find(cfg + ":3:40: error: usage_plans.gold.throttle.burst: the burst (5) is below the rate (10 per second)") !=
        std::string::npos);
  CHECK(r.err.find(cfg + ":5:63: error: auth.key.keys[0].plan: unknown usage plan 'glod' (did you mean 'gold'?)") !=
        std::string::npos);
  CHECK(r.err.find(cfg + ":7:60: error: routes[0].rate_limit.rate: expected a rate in requests per second above 0, got integer 0") !=
        std::string::npos);
  CHECK(e2e::run({"serve", cfg, "--clock", "paused"}).exit_code == 2);

  // Configs served together share a plan only when they define it alike.
  std::ofstream(dir + "/one.yaml") << "apigw: 1\nname: one\nusage_plans:\n  gold: { quota: { limit: 10, period: day } }\n"
                                      "routes:\n  - { method: GET, path: /a, mock: {} }\n";
  std::ofstream(dir + "/two.yaml") << "apigw: 1\nname: two\nusage_plans:\n  gold: { quota: { limit: 20, period: day } }\n"
                                      "routes:\n  - { method: GET, path: /b, mock: {} }\n";
  auto merged = e2e::run({"serve", dir + "/one.yaml", dir + "/two.yaml", "--port", "0"});
  CHECK(merged.exit_code == 2);
  CHECK(merged.err.find(dir + "/two.yaml:4:3: error: usage_plans.gold: also defined differently in " + dir + "/one.yaml") !=
        std::string::npos);

  // A key in a keys file names its plan there; the error points into that file.
  std::ofstream(dir + "/keys.yaml") << "- { name: partner, value: p-1, plan: sliver }\n";
  std::ofstream(cfg) << R"(apigw: 1
usage_plans:
  silver: { quota: { limit: 10, period: month } }
auth:
  key: { type: api_key, keys_file: keys.yaml }
routes:
  - { method: GET, path: /a, mock: {}, auth: [key] }
)";
  auto in_file = e2e::run({"lint", cfg});
  CHECK(in_file.exit_code == 2);
  CHECK(in_file.out.find(dir + "/keys.yaml:1:38: error: [0].plan: unknown usage plan 'sliver' (did you mean 'silver'?)") !=
        std::string::npos);
}
