// CORS against the real binary: preflights answered by the gateway (allowed and refused, with the reason), the
// Access-Control-* headers on answers (errors included), policy levels, and a real browser: headless Chromium loads
// a page from one local origin that calls the emulator on another.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "e2e/process.hpp"

namespace {

const char* k_config = R"(apigw: 1
policies:
  cors: { origins: ["https://app.example.com", "https://*.example.org"], max_age: 10m }
groups:
  partners:
    cors: { origins: ["https://partner.example.net"], headers: [x-trace], expose_headers: [x-total-count], credentials: true }
auth:
  key: { type: api_key, name: x-api-key, keys: ["k-1"] }
routes:
  - { id: list, method: GET, path: /pets, mock: { body: [1, 2], headers: { x-total-count: 2 } } }
  - { id: create, method: POST, path: /pets, auth: [key], mock: { status: 201 } }
  - { id: partner, method: [GET, PUT], path: /partner, group: partners, mock: { body: partner, headers: { x-total-count: 1 } } }
  - { id: private, method: GET, path: /private, cors: false, mock: { body: private } }
)";

httplib::Headers preflight(const std::string& origin, const std::string& method, const std::string& headers = "") {
  httplib::Headers h{{"Origin", origin}, {"Access-Control-Request-Method", method}};
  if (!headers.empty()) h.emplace("Access-Control-Request-Headers", headers);
  return h;
}

}  // namespace

TEST_CASE("cors: preflights are answered by the gateway, allowed and refused with the reason") {
  std::string cfg = e2e::write_temp("cors.yaml", k_config);
  e2e::Process server({"serve", cfg, "--port", "0", "--access-log", "off"});
  int port = server.wait_for_port();
  REQUIRE_MESSAGE(port > 0, server.err());
  httplib::Client c("127.0.0.1", port);

  // allowed: the exact origin, for the method of another route on the same path; before auth (no key sent)
  auto ok = c.Options("/pets", preflight("https://app.example.com", "POST", "Content-Type, X-Api-Key"));
  REQUIRE(ok);
  CHECK(ok->status == 204);
  CHECK(ok->get_header_value("Access-Control-Allow-Origin") == "https://app.example.com");
  CHECK(ok->get_header_value("Access-Control-Allow-Methods") == "POST");
  CHECK(ok->get_header_value("Access-Control-Allow-Headers") == "content-type, x-api-key");
  CHECK(ok->get_header_value("Access-Control-Max-Age") == "600");
  CHECK(ok->get_header_value("Vary").find("Origin") != std::string::npos);
  CHECK_FALSE(ok->has_header("Access-Control-Allow-Credentials"));

  // a subdomain pattern takes subdomains only
  auto sub = c.Options("/pets", preflight("https://shop.eu.example.org", "GET"));
  REQUIRE(sub);
  CHECK(sub->status == 204);
  CHECK(sub->get_header_value("Access-Control-Allow-Origin") == "https://shop.eu.example.org");
  auto bare = c.Options("/pets", preflight("https://example.org", "GET"));
  REQUIRE(bare);
  CHECK(bare->status == 403);
  CHECK(bare->get_header_value("Content-Type") == "application/problem+json");
  CHECK_FALSE(bare->has_header("Access-Control-Allow-Origin"));
  auto detail = nlohmann::json::parse(bare->body)["detail"].get<std::string>();
  CHECK(detail == "CORS preflight refused by route 'list': origin 'https://example.org' is not allowed (allowed: "
                  "https://app.example.com, https://*.example.org)");

  // the group's policy replaces the global one: its origin, its headers, credentials (the origin echoed)
  auto partner = c.Options("/partner", preflight("https://partner.example.net", "PUT", "X-Trace"));
  REQUIRE(partner);
  CHECK(partner->status == 204);
  CHECK(partner->get_header_value("Access-Control-Allow-Origin") == "https://partner.example.net");
  CHECK(partner->get_header_value("Access-Control-Allow-Credentials") == "true");
  CHECK(partner->get_header_value("Access-Control-Allow-Methods") == "GET, PUT");
  auto wrong_header = c.Options("/partner", preflight("https://partner.example.net", "PUT", "X-Other"));
  REQUIRE(wrong_header);
  CHECK(wrong_header->status == 403);
  CHECK(wrong_header->body.find("request header 'x-other' is not allowed (allowed: x-trace)") != std::string::npos);
  auto wrong_method = c.Options("/partner", preflight("https://partner.example.net", "DELETE"));
  REQUIRE(wrong_method);
  CHECK(wrong_method->status == 405);  // no route serves DELETE /partner: the router's answer
  auto global_origin = c.Options("/partner", preflight("https://app.example.com", "GET"));
  REQUIRE(global_origin);
  CHECK(global_origin->status == 403);

  // cors: false on a route: no preflight answer from the gateway (the router's 405 for OPTIONS)
  auto off = c.Options("/private", preflight("https://app.example.com", "GET"));
  REQUIRE(off);
  CHECK(off->status == 405);
  CHECK_FALSE(off->has_header("Access-Control-Allow-Origin"));
}

TEST_CASE("cors: answers carry Access-Control-* for allowed origins, errors included; Vary: Origin always") {
  std::string cfg = e2e::write_temp("cors.yaml", k_config);
  e2e::Process server({"serve", cfg, "--port", "0", "--access-log", "off"});
  int port = server.wait_for_port();
  REQUIRE_MESSAGE(port > 0, server.err());
  httplib::Client c("127.0.0.1", port);

  auto list = c.Get("/pets", {{"Origin", "https://app.example.com"}});
  REQUIRE(list);
  CHECK(list->status == 200);
  CHECK(list->get_header_value("Access-Control-Allow-Origin") == "https://app.example.com");
  CHECK(list->get_header_value("Vary") == "Origin");
  CHECK_FALSE(list->has_header("Access-Control-Expose-Headers"));

  // a 401 from auth can be read by the page that caused it
  auto denied = c.Post("/pets", {{"Origin", "https://app.example.com"}}, "{}", "application/json");
  REQUIRE(denied);
  CHECK(denied->status == 401);
  CHECK(denied->get_header_value("Access-Control-Allow-Origin") == "https://app.example.com");

  // another origin: the answer is the same, without Access-Control-Allow-Origin (the browser blocks the read)
  auto other = c.Get("/pets", {{"Origin", "https://evil.example.com"}});
  REQUIRE(other);
  CHECK(other->status == 200);
  CHECK_FALSE(other->has_header("Access-Control-Allow-Origin"));
  CHECK(other->get_header_value("Vary") == "Origin");

  auto partner = c.Get("/partner", {{"Origin", "https://partner.example.net"}});
  REQUIRE(partner);
  CHECK(partner->get_header_value("Access-Control-Allow-Credentials") == "true");
  CHECK(partner->get_header_value("Access-Control-Expose-Headers") == "x-total-count");

  auto off = c.Get("/private", {{"Origin", "https://app.example.com"}});
  REQUIRE(off);
  CHECK(off->status == 200);
  CHECK_FALSE(off->has_header("Access-Control-Allow-Origin"));
  CHECK_FALSE(off->has_header("Vary"));
}

TEST_CASE("cors: bad policies are refused at load with their location") {
  std::string cfg = e2e::write_temp("cors-bad.yaml", R"(apigw: 1
policies:
  cors: { origins: ["https://app.example.com/path", "https://a*.example.com", "*"], methods: ["GE T"] }
routes:
  - { method: GET, path: /a, cors: true, mock: { status: 200 } }
  - { method: GET, path: /b, cors: { methods: [GET] }, mock: { status: 200 } }
)");
  auto r = e2e::run({"lint", cfg});
  CHECK(r.exit_code == 2);
  CHECK(r.out.find("cors-bad.yaml:3:21: error: policies.cors.origins[0]: origin 'https://app.example.com/path' has a "
                   "path; an origin is scheme://host[:port] only") != std::string::npos);
  CHECK(r.out.find("cors-bad.yaml:3:53: error: policies.cors.origins[1]: origin 'https://a*.example.com' may use '*' "
                   "only as a whole first label") != std::string::npos);
  CHECK(r.out.find("policies.cors.methods[0]: invalid method 'GE T'") != std::string::npos);
  CHECK(r.out.find("cors-bad.yaml:5:36: error: routes[0].cors: cors: true says nothing about which origins") !=
        std::string::npos);
  CHECK(r.out.find("cors-bad.yaml:6:36: error: routes[1].cors: cors needs origins") != std::string::npos);
}

TEST_CASE("cors in a real browser: headless Chromium calls the emulator from another origin") {
  const char* chromium = nullptr;
  for (const char* candidate : {"/usr/bin/chromium", "/usr/bin/chromium-browser"})
    if (std::filesystem::exists(candidate)) chromium = candidate;
  if (!chromium) {
    MESSAGE("SKIPPED: chromium is not installed (apt-get install chromium; bash .ci/dev deps installs it)");
    return;
  }
  // The API on one port; the page on another (a different origin), served by a second emulator as a mock.
  int api_port = e2e::unused_port();
  int page_port = e2e::unused_port();
  while (page_port == api_port) page_port = e2e::unused_port();
  std::string page_origin = "http://127.0.0.1:" + std::to_string(page_port);
  std::string api = e2e::write_temp("cors-api.yaml", "apigw: 1\nroutes:\n"
      "  - { id: allowed, method: [GET, PUT], path: /allowed, cors: { origins: [\"" + page_origin + "\"], headers: [x-trace] },"
      " mock: { body: { pets: 2 } } }\n"
      "  - { id: refused, method: GET, path: /refused, cors: { origins: [\"https://elsewhere.example\"] }, mock: { body: secret } }\n"
      "  - { id: none, method: GET, path: /none, mock: { body: secret } }\n");
  // Each fetch writes its outcome into the page; --dump-dom prints the page once scripts have run.
  std::string script =
      "<html><body><pre id=out></pre><script>\n"
      "const api = 'http://127.0.0.1:" + std::to_string(api_port) + "';\n"
      "const out = document.getElementById('out');\n"
      "const probe = (name, path, init) => fetch(api + path, init).then(r => r.text().then(t => name + '=' + r.status + ':' + t))"
      ".catch(e => name + '=blocked');\n"
      "Promise.all([probe('simple', '/allowed'), probe('preflighted', '/allowed', {method: 'PUT', headers: {'X-Trace': '1'}}),"
      " probe('refused', '/refused'), probe('none', '/none'), probe('badheader', '/allowed', {headers: {'X-Other': '1'}})])"
      ".then(r => { out.textContent = 'RESULTS ' + r.join(' ') + ' END'; });\n"
      "</script></body></html>";
  nlohmann::json page_cfg = {{"apigw", 1},
                             {"routes", {{{"method", "GET"}, {"path", "/"},
                                          {"mock", {{"headers", {{"content-type", "text/html"}}}, {"body", script}}}}}}};
  std::string page = e2e::write_temp("cors-page.json", page_cfg.dump());
  e2e::Process api_server({"serve", api, "--port", std::to_string(api_port), "--access-log", "off"});
  e2e::Process page_server({"serve", page, "--port", std::to_string(page_port), "--access-log", "off"});
  REQUIRE_MESSAGE(api_server.wait_for_port() == api_port, api_server.err());
  REQUIRE_MESSAGE(page_server.wait_for_port() == page_port, page_server.err());

  std::string profile = e2e::temp_path("chromium-profile");
  // Chromium refuses to run as root without --no-sandbox; the profile keeps it away from $HOME.
  e2e::Result browser;
  {
    std::vector<std::string> argv = {chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                                     "--no-first-run", "--user-data-dir=" + profile, "--virtual-time-budget=10000",
                                     "--dump-dom", page_origin + "/"};
    std::string cmd;
    for (const auto& a : argv) cmd += "'" + a + "' ";
    std::string out_file = e2e::temp_path("chromium-out");
    int rc = std::system(("timeout 60 " + cmd + " > " + out_file + " 2>/dev/null").c_str());
    browser.exit_code = rc;
    browser.out = e2e::slurp(out_file);
  }
  INFO(browser.out);
  auto start = browser.out.find("RESULTS ");
  REQUIRE_MESSAGE(start != std::string::npos, "chromium exit " << browser.exit_code);
  std::string results = browser.out.substr(start, browser.out.find(" END", start) - start);
  CHECK(results.find("simple=200:{\"pets\":2}") != std::string::npos);
  CHECK(results.find("preflighted=200:{\"pets\":2}") != std::string::npos);
  CHECK(results.find("refused=blocked") != std::string::npos);
  CHECK(results.find("none=blocked") != std::string::npos);
  CHECK(results.find("badheader=blocked") != std::string::npos);
  std::filesystem::remove_all(profile);
}
