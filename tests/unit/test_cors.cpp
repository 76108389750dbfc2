// CORS origin matching and policy levels (policies, group, route, cors: false), through the config loader.
#include <doctest/doctest.h>

#include "emulator/model/config.hpp"
#include "emulator/policy/cors.hpp"
#include "unit/config_helpers.hpp"

using namespace apigw;

namespace {

model::Config load(const std::string& text) {
  auto r = model::load_config_text(text, "cors.yaml");
  REQUIRE_MESSAGE(r.config, test::messages(r));
  return *r.config;
}

}  // namespace

TEST_CASE("cors: origins match exactly (case-insensitively), by subdomain pattern, or *") {
  model::CorsPolicy cors;
  cors.origins = {"https://app.example.com", "https://*.example.org", "http://localhost:3000"};
  CHECK(policy::cors_origin_allowed(cors, "https://app.example.com"));
  CHECK(policy::cors_origin_allowed(cors, "HTTPS://APP.EXAMPLE.COM"));
  CHECK_FALSE(policy::cors_origin_allowed(cors, "http://app.example.com"));       // another scheme
  CHECK_FALSE(policy::cors_origin_allowed(cors, "https://app.example.com:8443"));  // another port
  CHECK_FALSE(policy::cors_origin_allowed(cors, "https://app.example.com.evil.io"));
  CHECK(policy::cors_origin_allowed(cors, "https://a.example.org"));
  CHECK(policy::cors_origin_allowed(cors, "https://a.b.example.org"));
  CHECK_FALSE(policy::cors_origin_allowed(cors, "https://example.org"));  // the bare domain is no subdomain
  CHECK_FALSE(policy::cors_origin_allowed(cors, "https://evilexample.org"));
  CHECK_FALSE(policy::cors_origin_allowed(cors, "https://a.example.org:444"));
  CHECK_FALSE(policy::cors_origin_allowed(cors, "http://a.example.org"));
  CHECK(policy::cors_origin_allowed(cors, "http://localhost:3000"));
  CHECK_FALSE(policy::cors_origin_allowed(cors, "http://localhost:3001"));
  CHECK_FALSE(policy::cors_origin_allowed(cors, ""));
  CHECK_FALSE(policy::cors_origin_allowed(cors, "null"));
  cors.origins = {"*"};
  CHECK(policy::cors_origin_allowed(cors, "https://anything.test"));
  CHECK(policy::cors_origin_allowed(cors, "null"));
}

TEST_CASE("cors: a route's policy, else its group's, else policies.cors; cors: false turns it off") {
  auto cfg = load(R"(apigw: 1
policies:
  cors: { origins: ["*"] }
groups:
  partners: { cors: { origins: ["https://p.example.com"], credentials: true, max_age: 1h } }
  internal: { cors: false }
routes:
  - { id: a, method: GET, path: /a, mock: { status: 200 } }
  - { id: b, method: GET, path: /b, group: partners, mock: { status: 200 } }
  - { id: c, method: GET, path: /c, group: internal, mock: { status: 200 } }
  - { id: d, method: GET, path: /d, group: partners, cors: { origins: ["https://d.example.com"], methods: [get, post] }, mock: { status: 200 } }
  - { id: e, method: GET, path: /e, cors: false, mock: { status: 200 } }
  - { id: f, method: GET, path: /f, mock: { status: 200 } }
)");
  REQUIRE(cfg.routes.size() == 6);
  REQUIRE(cfg.routes[0].cors);
  CHECK(cfg.routes[0].cors->origins == std::vector<std::string>{"*"});
  CHECK(cfg.routes[0].cors->from == "policies");
  REQUIRE(cfg.routes[1].cors);
  CHECK(cfg.routes[1].cors->from == "group partners");
  CHECK(cfg.routes[1].cors->credentials);
  CHECK(cfg.routes[1].cors->max_age == std::chrono::hours(1));
  CHECK_FALSE(cfg.routes[2].cors);
  REQUIRE(cfg.routes[3].cors);
  CHECK(cfg.routes[3].cors->from == "route");
  CHECK(cfg.routes[3].cors->methods == std::vector<std::string>{"GET", "POST"});
  CHECK_FALSE(cfg.routes[3].cors->credentials);  // a route's policy replaces the group's whole
  CHECK_FALSE(cfg.routes[4].cors);
  CHECK(cfg.routes[0].cors.get() == cfg.routes[5].cors.get());  // parsed once, shared by the routes that inherit it
}
