// apigw cost: money arithmetic, parsing, tiers, metering and free allowances, with figures computed by hand.
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/cost/cost.hpp"
#include "common/temp_dir.hpp"

using namespace apigw::cost;

namespace {

Money usd(const char* text) { return *parse_money(text); }

const ProductEstimate& product(const std::vector<ProductEstimate>& all, const std::string& id) {
  for (const auto& e : all)
    if (e.product == id) return e;
  FAIL("no product " << id);
  return all.front();
}

Usage requests(uint64_t n) {
  Usage u;
  u.requests = n;
  return u;
}

Money cost_of(const std::string& provider, const std::string& product_id, const Usage& u) {
  Provider p = load_provider(provider);
  return product(estimate(p, p.default_region, u), product_id).total;
}

}  // namespace

TEST_CASE("cost: money is exact decimal arithmetic") {
  CHECK(usd("3.50").nanos() == 3'500'000'000);
  CHECK(usd("0.035").nanos() == 35'000'000);
  CHECK(usd("0.0658").to_decimal() == "0.0658");
  CHECK(usd("12").to_decimal() == "12.00");
  CHECK_FALSE(parse_money("3.5e2"));
  CHECK_FALSE(parse_money("-1"));
  CHECK_FALSE(parse_money("0.1234567891"));  // more than 9 decimals
  // One request at $3.50 per 1M is $0.0000035 exactly.
  CHECK(usd("3.50").times(1, 1'000'000).to_decimal() == "0.0000035");
  CHECK(usd("3.50").times(333'000'000, 1'000'000).to_cents() == "1,165.50");
  // 0.1 + 0.2 == 0.3, unlike binary floating point.
  CHECK(usd("0.1") + usd("0.2") == usd("0.3"));
  // Half up at the display: $0.005 -> $0.01.
  CHECK(usd("0.005").to_cents() == "0.01");
  CHECK(usd("0.0049").to_cents() == "0.00");
}

TEST_CASE("cost: counts, sizes and rps") {
  CHECK(parse_count("50M") == 50'000'000u);
  CHECK(parse_count("1.5B") == 1'500'000'000u);
  CHECK(parse_count("750K") == 750'000u);
  CHECK(parse_count("1200") == 1200u);
  std::string err;
  CHECK_FALSE(parse_count("5X", &err));
  CHECK(err == "unknown count suffix 'X' (use K, M or B)");
  CHECK_FALSE(parse_count("1.5", &err));  // not whole
  CHECK_FALSE(parse_count("", &err));
  CHECK_FALSE(parse_count("-5M", &err));
  CHECK(parse_bytes("2KB") == 2048u);
  CHECK(parse_bytes("513KB") == 513u * 1024);
  CHECK(parse_bytes("0.5GB") == 512u * 1024 * 1024);
  CHECK(parse_bytes("100") == 100u);
  CHECK_FALSE(parse_bytes("2XB", &err));
  // 20 rps × 3600 s × 730 h = 52,560,000 requests a month.
  CHECK(requests_from_rps("20") == 52'560'000u);
  CHECK(requests_from_rps("0.5") == 1'314'000u);
  CHECK(format_count(333'000'000) == "333M");
  CHECK(format_count(1'500'000'000) == "1.5B");
  CHECK(format_count(1'234'567) == "1,234,567");
  CHECK(format_gb(10ULL * 1024 * 1024 * 1024 * 1024) == "10 TB");
}

TEST_CASE("cost: AWS REST 500M requests = 333M × $3.50 + 167M × $2.80 = $1,633.10") {
  Provider aws = load_provider("aws");
  auto all = estimate(aws, "us-east-1", requests(500'000'000));
  const auto& rest = product(all, "rest");
  CHECK(rest.total == usd("1633.10"));
  CHECK(rest.total.to_cents() == "1,633.10");
  REQUIRE(rest.lines.size() >= 2);
  CHECK(rest.lines[0].component == "Requests (first 333M)");
  CHECK(rest.lines[0].quantity == "333M");
  CHECK(*rest.lines[0].cost == usd("1165.50"));
  CHECK(rest.lines[1].component == "Requests (next 667M)");
  CHECK(rest.lines[1].quantity == "167M");
  CHECK(*rest.lines[1].cost == usd("467.60"));
  // No response size: transfer depends on usage, never $0.
  CHECK(rest.lines[2].note == "depends on usage: $0.09 per GB");
  CHECK_FALSE(rest.lines[2].cost);
}

TEST_CASE("cost: AWS REST tier boundary at exactly 333M and 333M + 1") {
  // 333M × $3.50 = $1,165.50; one more request costs $2.80 / 1M = $0.0000028.
  CHECK(cost_of("aws", "rest", requests(333'000'000)) == usd("1165.50"));
  CHECK(cost_of("aws", "rest", requests(333'000'001)) == usd("1165.5000028"));
  Provider aws = load_provider("aws");
  auto at = product(estimate(aws, "us-east-1", requests(333'000'000)), "rest");
  CHECK(at.lines[1].component.rfind("Data transfer", 0) == 0);  // no second tier line
  auto over = product(estimate(aws, "us-east-1", requests(333'000'001)), "rest");
  CHECK(over.lines[1].component == "Requests (next 667M)");
  CHECK(over.lines[1].quantity == "1");
  // Upper tiers: 1B = 333M × 3.50 + 667M × 2.80 = 1165.50 + 1867.60 = 3033.10;
  // 21B adds 19B × 2.38 = 45,220 and 1B × 1.51 = 1,510.
  CHECK(cost_of("aws", "rest", requests(1'000'000'000)) == usd("3033.10"));
  CHECK(cost_of("aws", "rest", requests(21'000'000'000)) == usd("49763.10"));
}

TEST_CASE("cost: AWS HTTP API meters requests in 512 KB steps") {
  CHECK(metered_count(1, 512 * 1024, 512 * 1024) == 1);
  CHECK(metered_count(1, 513 * 1024, 512 * 1024) == 2);
  CHECK(metered_count(10, std::nullopt, 512 * 1024) == 10);
  CHECK(metered_count(1, 1'200'000, 512 * 1024) == 3);  // AWS's own example: a 1.2 MB request counts 3
  Usage u = requests(100'000'000);
  u.request_bytes = *parse_bytes("513KB");
  // 200M metered requests, all in the first 300M tier: 200 × $1.00.
  CHECK(cost_of("aws", "http", u) == usd("200.00"));
  // REST is not metered by size.
  CHECK(cost_of("aws", "rest", u) == usd("350.00"));
  // 500M: 300M × $1.00 + 200M × $0.90 = $480.00.
  CHECK(cost_of("aws", "http", requests(500'000'000)) == usd("480.00"));
}

TEST_CASE("cost: AWS WebSocket messages in 32 KB steps plus connection minutes") {
  Usage u;
  u.ws_messages = 100'000'000;
  u.ws_message_bytes = *parse_bytes("40KB");  // counts 2 each
  u.ws_connection_minutes = 10'000'000;
  // 200M × $1.00 / 1M = $200.00; 10M minutes × $0.25 / 1M = $2.50.
  CHECK(cost_of("aws", "websocket", u) == usd("202.50"));
}

TEST_CASE("cost: AWS free tier only with --free-tier") {
  Usage u = requests(500'000'000);
  CHECK(cost_of("aws", "rest", u) == usd("1633.10"));
  u.free_tier = true;
  // The first 1M (in the first tier) is free: 1633.10 - 3.50.
  CHECK(cost_of("aws", "rest", u) == usd("1629.60"));
  // Below the allowance: nothing to pay.
  Usage small = requests(1'000'000);
  small.free_tier = true;
  CHECK(cost_of("aws", "rest", small) == Money());
  small.free_tier = false;
  CHECK(cost_of("aws", "rest", small) == usd("3.50"));
}

TEST_CASE("cost: AWS data transfer out, 100 GB free by default") {
  Usage u = requests(1'000'000);
  u.response_bytes = 1024 * 1024;  // 1M × 1 MB = 1,000,000 MB = 976.5625 GB
  // (976.5625 - 100) GB × $0.09 = $78.890625; plus 1M requests $3.50.
  CHECK(cost_of("aws", "rest", u) == usd("82.390625"));
}

TEST_CASE("cost: AWS REST cache bills the next size up for 730 hours") {
  Usage u = requests(0);
  u.cache_bytes = *parse_bytes("1GB");  // next size up is 1.6 GB at $0.038/h
  CHECK(cost_of("aws", "rest", u) == usd("27.74"));
  u.cache_bytes = *parse_bytes("0.5GB");
  CHECK(cost_of("aws", "rest", u) == usd("14.60"));
}

TEST_CASE("cost: GCP API Gateway, 2M free by default") {
  CHECK(cost_of("gcp", "api_gateway", requests(2'000'000)) == Money());
  CHECK(cost_of("gcp", "api_gateway", requests(2'000'001)) == usd("0.000003"));
  CHECK(cost_of("gcp", "api_gateway", requests(500'000'000)) == usd("1494.00"));
  // 2B: (1B - 2M) × $3.00 + 1B × $1.50 = 2994 + 1500.
  CHECK(cost_of("gcp", "api_gateway", requests(2'000'000'000)) == usd("4494.00"));
}

TEST_CASE("cost: Azure Consumption, 1M free by default, priced per 10K") {
  CHECK(cost_of("azure", "consumption", requests(1'000'000)) == Money());
  // 10K over the free million: one 10K unit at $0.035.
  CHECK(cost_of("azure", "consumption", requests(1'010'000)) == usd("0.035"));
  // 500M: 499M / 10K × $0.035 = $1,746.50.
  CHECK(cost_of("azure", "consumption", requests(500'000'000)) == usd("1746.50"));
}

TEST_CASE("cost: Azure unit-priced tiers by --units and v2 overage") {
  Usage u = requests(30'000'000);
  // Developer $0.0658 × 730 = $48.034; Premium $3.829 × 730 = $2,795.17.
  CHECK(cost_of("azure", "developer", u) == usd("48.034"));
  CHECK(cost_of("azure", "premium", u) == usd("2795.17"));
  u.units = 2;
  CHECK(cost_of("azure", "standard", u) == usd("1373.422"));  // 0.9407 × 730 × 2
  u.units = 1;
  // Basic v2: $0.205 × 730 = $149.65, 10M included, 20M over at $0.03 per 10K = $60.
  CHECK(cost_of("azure", "basic_v2", u) == usd("209.65"));
  // Standard v2: 50M included: only the unit-hours.
  CHECK(cost_of("azure", "standard_v2", u) == usd("700.07"));
  u.gateways = 1;  // $0.3425 × 730 = $250.025
  CHECK(cost_of("azure", "premium", u) == usd("3045.195"));
}

TEST_CASE("cost: OCI per million, its unconfirmed 1M free only with --free-tier") {
  Usage u = requests(50'000'000);
  CHECK(cost_of("oci", "api_gateway", u) == usd("150.00"));
  u.free_tier = true;
  CHECK(cost_of("oci", "api_gateway", u) == usd("147.00"));
  Provider oci = load_provider("oci");
  auto e = product(estimate(oci, "us-ashburn-1", u), "api_gateway");
  CHECK(e.lines[0].confidence == "unconfirmed");
}

TEST_CASE("cost: unknown region is an error, not a silent default") {
  Provider aws = load_provider("aws");
  CHECK_THROWS_WITH_AS(estimate(aws, "eu-west-1", requests(1)),
                       doctest::Contains("prices unknown for eu-west-1"), UnknownRegion);
  CHECK_NOTHROW(estimate(aws, "us-west-2", requests(1)));
}

TEST_CASE("cost: cheapest ignores products without usage and without an SLA") {
  Provider aws = load_provider("aws");
  auto all = estimate(aws, "us-east-1", requests(500'000'000));
  mark_cheapest(all);
  CHECK(product(all, "http").cheapest);
  CHECK_FALSE(product(all, "websocket").usage_known);
  Provider azure = load_provider("azure");
  auto az = estimate(azure, "eastus", requests(1'000'000));
  mark_cheapest(az);
  CHECK(product(az, "consumption").cheapest);  // $0, free allowance
  CHECK_FALSE(product(az, "developer").cheapest);
}

TEST_CASE("cost: shipped pricing files carry source, as_of and confidence everywhere and parse") {
  for (const auto& id : provider_ids()) {
    std::ifstream in(std::string(APIGW_SOURCE_DIR) + "/pricing/" + id + ".json");
    REQUIRE(in);
    std::stringstream s;
    s << in.rdbuf();
    auto j = nlohmann::json::parse(s.str());
    for (const auto& p : j["products"])
      for (const auto& c : p["components"]) {
        CHECK(c.contains("source"));
        CHECK(c.contains("as_of"));
        CHECK(c.contains("confidence"));
        for (const auto& t : c.value("tiers", nlohmann::json::array()))
          CHECK((t["price"].is_string() || t["price"].is_null()));
      }
    CHECK_NOTHROW(parse_provider(s.str(), id));
  }
  CHECK_THROWS_AS(parse_provider(R"({"provider": "x"})", "x.json"), DataError);
  CHECK_THROWS_WITH(parse_provider("{", "x.json"), doctest::Contains("x.json: not valid JSON"));
}

TEST_CASE("cost: access log timestamps") {
  CHECK(parse_timestamp_ms("1970-01-01T00:00:00.000Z") == 0);
  CHECK(parse_timestamp_ms("1970-01-02T00:00:01.5Z") == 86'401'500);
  CHECK(parse_timestamp_ms("2026-11-27T10:00:02Z") == *parse_timestamp_ms("2026-11-27T10:00:00.000Z") + 2000);
  CHECK_FALSE(parse_timestamp_ms("yesterday"));
}

TEST_CASE("cost: --from-log extrapolates measured requests and sizes to a 730-hour month") {
  std::string path = test_temp::path("cost.jsonl");
  std::ofstream(path)
      << R"({"time":"2026-11-27T10:00:00.000Z","method":"GET","path":"/pets","route":"GET /pets","status":200,"duration_ms":0.1,"request_bytes":0,"bytes":2048,"client":"x"})"
      << "\n"
      << R"({"time":"2026-11-27T10:00:01.000Z","method":"POST","path":"/pets","route":"POST /pets","status":201,"duration_ms":0.1,"request_bytes":1024,"bytes":1024,"client":"x"})"
      << "\nnot json\n"
      << R"({"time": "2026-11-27T10:00:02Z", "route": "GET /pets", "request_bytes": 2048, "bytes": 3072})" << "\n";
  LogSummary log = read_access_log(path);
  CHECK(log.records == 3);
  CHECK(log.skipped == 1);
  CHECK(log.routes[0] == std::pair<std::string, uint64_t>{"GET /pets", 2});
  Usage u;
  apply_log(log, 0, path, u);
  // 3 requests in 2 s: 3 × 2,628,000 s / 2 s = 3,942,000 a month; sizes are averages.
  CHECK(u.requests == 3'942'000u);
  CHECK(u.request_bytes == 1024u);
  CHECK(u.response_bytes == 2048u);
  CHECK(u.basis.find("extrapolated") != std::string::npos);
  Usage hourly;
  apply_log(log, 3'600'000, path, hourly);  // the same 3 requests over an hour: 3 × 730
  CHECK(hourly.requests == 2190u);
  std::remove(path.c_str());
}

TEST_CASE("cost: traffic profile with routes") {
  std::string path = test_temp::path("cost.yaml");
  std::ofstream(path) << "routes:\n"
                         "  - {name: list, monthly_requests: 30M, request_size: 1KB, response_size: 16KB}\n"
                         "  - {name: create, monthly_requests: 10M, request_size: 5KB, response_size: 4KB}\n"
                         "units: 2\n";
  Usage u;
  apply_profile(path, u);
  CHECK(u.requests == 40'000'000u);
  CHECK(u.request_bytes == 2048u);        // (30 × 1 + 10 × 5) / 40 KB
  CHECK(u.response_bytes == 13u * 1024);  // (30 × 16 + 10 × 4) / 40 KB
  CHECK(u.units == 2);
  Usage flags;
  flags.requests = 5;  // flags win
  apply_profile(path, flags);
  CHECK(flags.requests == 5u);
  std::ofstream(path) << "monthly_requets: 5M\n";
  Usage bad;
  CHECK_THROWS_WITH_AS(apply_profile(path, bad), doctest::Contains("unknown key 'monthly_requets'"), UsageError);
  std::remove(path.c_str());
}

TEST_CASE("cost: break-even volumes and the SVG plot") {
  std::vector<PricedProvider> providers = {{load_provider("aws"), "us-east-1"}, {load_provider("oci"), "us-ashburn-1"}};
  Usage u = requests(500'000'000);
  std::vector<ProductEstimate> all;
  for (const auto& p : providers)
    for (auto& e : estimate(p.provider, p.region, u)) all.push_back(e);
  mark_cheapest(all);
  auto be = break_evens(providers, u, all);
  // HTTP API is cheapest at 500M and everywhere else: no crossing with REST or OCI.
  CHECK(be.empty());
  Usage azure_usage = requests(500'000'000);
  std::vector<PricedProvider> az = {{load_provider("azure"), "eastus"}, {load_provider("oci"), "us-ashburn-1"}};
  std::vector<ProductEstimate> az_all;
  for (const auto& p : az)
    for (auto& e : estimate(p.provider, p.region, azure_usage)) az_all.push_back(e);
  mark_cheapest(az_all);
  auto az_be = break_evens(az, azure_usage, az_all);
  // OCI at $3.00 per 1M matches Azure Basic ($0.2016 × 730 = $147.168) at 49,056,000 requests.
  bool found = false;
  for (const auto& b : az_be)
    if (b.cheaper_below == "oci API Gateway") {
      found = true;
      CHECK(b.requests == 49'056'000u);
    }
  CHECK(found);
  std::string svg = plot_svg(providers, u);
  CHECK(svg.rfind("<?xml", 0) == 0);
  CHECK(svg.find("<polyline") != std::string::npos);
  CHECK(svg.find("aws REST API") != std::string::npos);
  CHECK(svg.find("</svg>") != std::string::npos);
}
