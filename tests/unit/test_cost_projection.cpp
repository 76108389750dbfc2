// apigw cost: growth projections (compounded whole counts, exact money) and gateway-config feature checks,
// with figures computed by hand.
#include <doctest/doctest.h>

#include <unistd.h>

#include <fstream>

#include "cli/cost/cost.hpp"
#include "common/temp_dir.hpp"

using namespace apigw::cost;

namespace {

Money usd(const char* text) { return *parse_money(text); }

const ProjectionRow& row(const Projection& p, const std::string& provider, const std::string& product) {
  for (const auto& r : p.rows)
    if (r.provider == provider && r.product == product) return r;
  FAIL("no projection row " << provider << " " << product);
  return p.rows.front();
}

ProductEstimate blank(const std::string& provider, const std::string& product_id, const std::string& name) {
  ProductEstimate e;
  e.provider = provider;
  e.product = product_id;
  e.product_name = name;
  return e;
}

apigw::model::Config load(const std::string& text) {
  auto r = apigw::model::load_config_text(text, "gw.yaml");
  REQUIRE(r.config);
  return *r.config;
}

const char* const k_config =
    "apigw: 1\n"                                            // 1
    "backends:\n"                                           // 2
    "  orders: http://127.0.0.1:9001\n"                     // 3
    "auth:\n"                                               // 4
    "  keys: { type: api_key }\n"                           // 5
    "  users: { type: basic }\n"                            // 6
    "  token: { type: jwt }\n"                              // 7
    "  spare: { type: bearer }\n"                           // 8
    "routes:\n"                                             // 9
    "  - { id: health, method: GET, path: /health, mock: { body: ok } }\n"           // 10
    "  - { id: list, method: GET, path: /orders, proxy: orders, auth: [keys, token] }\n"  // 11
    "  - { id: create, method: POST, path: /orders, proxy: orders, auth: [users] }\n";   // 12

}  // namespace

TEST_CASE("cost: growth percentages and compounding on whole counts") {
  CHECK(parse_percent("10%") == 1000u);
  CHECK(parse_percent("2.5%") == 250u);
  CHECK(parse_percent("0.25%") == 25u);
  CHECK(parse_percent("0%") == 0u);
  std::string err;
  CHECK_FALSE(parse_percent("10", &err));  // the % is required
  CHECK_FALSE(parse_percent("0.125%", &err));  // more than 2 decimals
  CHECK_FALSE(parse_percent("-5%", &err));
  // 10M at 10% a month: 11M, then 12.1M.
  CHECK(grow(10'000'000, 1000, 0) == 10'000'000u);
  CHECK(grow(10'000'000, 1000, 1) == 11'000'000u);
  CHECK(grow(10'000'000, 1000, 2) == 12'100'000u);
  // Rounded half up every month: 5 × 1.1 = 5.5 -> 6; 15 -> 16.5 -> 17 -> 18.7 -> 19 (not 15 × 1.21 = 18.15).
  CHECK(grow(3, 1000, 1) == 3u);
  CHECK(grow(5, 1000, 1) == 6u);
  CHECK(grow(15, 1000, 2) == 19u);
  CHECK(grow(UINT64_MAX / 2, 10000, 3) == UINT64_MAX);  // saturates
  Usage u;
  u.requests = 10'000'000;
  u.ws_messages = 100;
  u.cache_bytes = 1024;
  u.growth_bp = 1000;
  Usage m3 = usage_in_month(u, 3);
  CHECK(m3.requests == 12'100'000u);
  CHECK(m3.ws_messages == 121u);
  CHECK(m3.cache_bytes == 1024u);  // sizes and cache do not grow
  CHECK(usage_in_month(u, 1).requests == 10'000'000u);
}

TEST_CASE("cost: 3-month projection at 10% a month, exact to the cent") {
  Usage u;
  u.requests = 10'000'000;
  u.growth_bp = 1000;
  u.months = 3;
  std::vector<PricedProvider> providers = {{load_provider("aws"), "us-east-1"},
                                           {load_provider("gcp"), "us-central1"},
                                           {load_provider("oci"), "us-ashburn-1"}};
  Projection p = project(providers, u);
  CHECK(p.months == 3);
  CHECK(p.first_requests == 10'000'000u);
  CHECK(p.last_requests == 12'100'000u);
  // AWS HTTP API, $1.00 per 1M: 10.00, 11.00, 12.10 -> 33.10.
  const auto& http = row(p, "aws", "http");
  CHECK(*http.first == usd("10"));
  CHECK(*http.last == usd("12.10"));
  CHECK(*http.total == usd("33.10"));
  // AWS REST, $3.50 per 1M: 35.00, 38.50, 42.35 -> 115.85.
  const auto& rest = row(p, "aws", "rest");
  CHECK(*rest.last == usd("42.35"));
  CHECK(*rest.total == usd("115.85"));
  // GCP, first 2M free then $3.00 per 1M: 8M -> 24.00, 9M -> 27.00, 10.1M -> 30.30; 81.30.
  const auto& gcp = row(p, "gcp", "api_gateway");
  CHECK(*gcp.first == usd("24"));
  CHECK(*gcp.last == usd("30.30"));
  CHECK(*gcp.total == usd("81.30"));
  // OCI, $3.00 per 1M: 30.00 + 33.00 + 36.30 = 99.30.
  CHECK(*row(p, "oci", "api_gateway").total == usd("99.30"));
  // WebSocket without messages: usage unknown every month, never $0.
  CHECK_FALSE(row(p, "aws", "websocket").total);
  // No projection without months.
  u.months = 0;
  CHECK(project(providers, u).rows.empty());
}

TEST_CASE("cost: growth and months in a traffic profile") {
  std::string path = test_temp::path("growth.yaml");
  std::ofstream(path) << "monthly_requests: 10M\ngrowth: 2.5%\nmonths: 24\n";
  Usage u;
  apply_profile(path, u);
  CHECK(u.requests == 10'000'000u);
  CHECK(u.growth_bp == 250u);
  CHECK(u.months == 24u);
  std::ofstream(path) << "monthly_requests: 10M\ngrowth: fast\n";
  Usage bad;
  CHECK_THROWS_WITH_AS(apply_profile(path, bad), doctest::Contains(":2: growth: expected a percentage"), UsageError);
  std::ofstream(path) << "monthly_requests: 10M\nmonths: 0\n";
  CHECK_THROWS_AS(apply_profile(path, bad), UsageError);
  unlink(path.c_str());
}

TEST_CASE("cost: features a gateway config uses, with their locations") {
  auto uses = config_features(load(k_config));
  REQUIRE(uses.size() == 5);  // routes, the mock, keys, users, token; 'spare' is used by no route
  CHECK(uses[0].feature == Feature::http_routes);
  CHECK(uses[0].what == "route 'health' and 2 more");
  CHECK(uses[1].feature == Feature::mock_response);
  CHECK(uses[1].what == "route 'health'");
  CHECK(uses[1].mark.line == 10);
  CHECK(uses[2].feature == Feature::api_key);
  CHECK(uses[2].what == "auth scheme 'keys' (api_key)");
  CHECK(apigw::doc::where(uses[2].file, uses[2].mark) == "gw.yaml:5:3");
  CHECK(uses[3].feature == Feature::basic_auth);
  CHECK(uses[3].mark.line == 6);
  CHECK(uses[4].feature == Feature::jwt);
}

TEST_CASE("cost: which products can host a config's features") {
  auto uses = config_features(load(k_config));
  // AWS HTTP API: no mock integration (cannot host), API keys and basic auth need a Lambda authorizer, JWT native.
  auto http = blank("aws", "http", "HTTP API");
  auto w = check_features(uses, http);
  REQUIRE(w.size() == 3);
  CHECK(w[0].format() ==
        "gw.yaml:10:5: warning: aws HTTP API: mock response of route 'health': cannot host mock responses; HTTP APIs "
        "have only Lambda-proxy and HTTP-proxy integrations, no mock integration");
  CHECK(w[1].location == "gw.yaml:5:3");
  CHECK(w[1].message.find("auth scheme 'keys' (api_key): needs a Lambda authorizer for API keys") != std::string::npos);
  CHECK(w[2].message.find("basic auth of auth scheme 'users' (basic)") != std::string::npos);
  CHECK_FALSE(http.can_host);
  CHECK(http.feature_notes.size() == 3);
  // AWS REST: mock and API keys native; basic and JWT need a Lambda (or Cognito) authorizer; still hostable.
  auto rest = blank("aws", "rest", "REST API");
  CHECK(check_features(uses, rest).size() == 2);
  CHECK(rest.can_host);
  CHECK(rest.feature_notes[0] == "needs a Lambda authorizer for basic auth (Lambda not priced)");
  // WebSocket API does not apply to HTTP routes.
  auto ws = blank("aws", "websocket", "WebSocket API");
  CHECK(check_features(uses, ws).size() == 1);
  CHECK_FALSE(ws.can_host);
  // GCP API Gateway: no mocks, no basic auth; API keys and JWT native.
  auto gcp = blank("gcp", "api_gateway", "API Gateway");
  CHECK(check_features(uses, gcp).size() == 2);
  CHECK_FALSE(gcp.can_host);
  // OCI: mock (stock response) and JWT native; API keys and basic need an authorizer function.
  auto oci = blank("oci", "api_gateway", "API Gateway");
  CHECK(check_features(uses, oci).size() == 2);
  CHECK(oci.can_host);
  // Azure API Management and Apigee host all of it with policies.
  auto azure = blank("azure", "consumption", "Consumption");
  CHECK(check_features(uses, azure).empty());
  auto apigee = blank("gcp", "apigee_payg", "Apigee");
  CHECK(check_features(uses, apigee).empty());
  // A product that cannot host the config is never marked cheapest.
  http.usage_known = true;
  rest.usage_known = true;
  http.total = usd("1");
  rest.total = usd("2");
  std::vector<ProductEstimate> all = {http, rest};
  mark_cheapest(all);
  CHECK_FALSE(all[0].cheapest);
  CHECK(all[1].cheapest);
}

TEST_CASE("cost: the feature table names only known providers and products") {
  for (const auto& s : feature_support()) {
    Provider p = load_provider(std::string(s.provider));
    bool found = s.product == "*";
    for (const auto& prod : p.products) found = found || prod.id == s.product;
    CHECK_MESSAGE(found, s.provider << " " << s.product);
    CHECK(s.support != Support::native);
    CHECK_FALSE(s.note.empty());
    CHECK_FALSE(s.reason.empty());
  }
}
