// apigw cost: GCP premium-tier egress by region pair (--clients-in), with figures computed by hand.
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>

#include "cli/cost/cost.hpp"
#include "common/temp_dir.hpp"

using namespace apigw::cost;

namespace {

constexpr uint64_t k_gib = 1024ULL * 1024 * 1024;

Money usd(const char* text) { return *parse_money(text); }

// 1,000 requests of 1 GiB each: 1,000 GiB of egress; the calls are inside GCP's 2M free calls, so the total is the
// egress alone.
Usage thousand_gib(std::optional<Continent> clients_in) {
  Usage u;
  u.requests = 1000;
  u.response_bytes = k_gib;
  u.clients_in = clients_in;
  return u;
}

ProductEstimate gateway(const std::string& region, const Usage& u) {
  Provider p = load_provider("gcp");
  for (auto& e : estimate(p, region, u))
    if (e.product == "api_gateway") return e;
  FAIL("no api_gateway");
  return {};
}

std::vector<std::string> egress_lines(const ProductEstimate& e) {
  std::vector<std::string> out;
  for (const auto& l : e.lines)
    if (l.component.starts_with("Premium-tier egress")) out.push_back(l.component);
  return out;
}

}  // namespace

TEST_CASE("cost egress: continents and the pair table") {
  CHECK(parse_continent("north-america") == Continent::north_america);
  CHECK(parse_continent("china") == Continent::china);
  CHECK_FALSE(parse_continent("North-America"));
  CHECK_FALSE(parse_continent("mars"));
  CHECK(continent_list() == "north-america, europe, asia-pacific, south-america, oceania, china");
  CHECK(continent_id(Continent::asia_pacific) == "asia-pacific");
  CHECK(gcp_region_continent("us-central1") == Continent::north_america);
  CHECK(gcp_region_continent("northamerica-northeast1") == Continent::north_america);
  CHECK(gcp_region_continent("europe-west4") == Continent::europe);
  CHECK(gcp_region_continent("asia-south1") == Continent::asia_pacific);
  CHECK(gcp_region_continent("southamerica-east1") == Continent::south_america);
  CHECK(gcp_region_continent("australia-southeast1") == Continent::oceania);
  CHECK_FALSE(gcp_region_continent("me-west1"));

  auto cls = [](Continent from, Continent to) { return gcp_egress_pair(from, to)->egress_class; };
  using C = Continent;
  CHECK(cls(C::north_america, C::north_america) == 1);
  CHECK(cls(C::europe, C::europe) == 1);
  CHECK(cls(C::north_america, C::europe) == 2);  // intercontinental
  CHECK(cls(C::europe, C::north_america) == 2);
  CHECK(cls(C::asia_pacific, C::asia_pacific) == 2);
  CHECK(cls(C::south_america, C::south_america) == 2);
  CHECK(cls(C::south_america, C::asia_pacific) == 2);
  CHECK(cls(C::north_america, C::oceania) == 3);  // to Oceania
  CHECK(cls(C::oceania, C::europe) == 3);         // from Oceania
  CHECK(cls(C::oceania, C::oceania) == 3);
  CHECK(cls(C::europe, C::china) == 3);  // to China
  CHECK(gcp_egress_pair(C::north_america, C::europe)->kind == "intercontinental");
  CHECK(gcp_egress_pair(C::europe, C::europe)->kind == "within Europe");
  CHECK_FALSE(gcp_egress_pair(C::china, C::europe));  // no GCP region in China
}

TEST_CASE("cost egress: 1,000 GiB from us-central1 by the clients' continent") {
  // 1000 × $0.105 = $105.00 within North America; 1000 × $0.12 = $120.00 intercontinental;
  // 1000 × $0.19 = $190.00 to Oceania or to China.
  CHECK(gateway("us-central1", thousand_gib(Continent::north_america)).total == usd("105.00"));
  CHECK(gateway("us-central1", thousand_gib(Continent::europe)).total == usd("120.00"));
  CHECK(gateway("us-central1", thousand_gib(Continent::asia_pacific)).total == usd("120.00"));
  CHECK(gateway("us-central1", thousand_gib(Continent::south_america)).total == usd("120.00"));
  CHECK(gateway("us-central1", thousand_gib(Continent::oceania)).total == usd("190.00"));
  CHECK(gateway("us-central1", thousand_gib(Continent::china)).total == usd("190.00"));
  // Without --clients-in: the region's own continent, as before.
  CHECK(gateway("us-central1", thousand_gib(std::nullopt)).total == usd("105.00"));
}

TEST_CASE("cost egress: other source regions") {
  CHECK(gateway("europe-west1", thousand_gib(Continent::europe)).total == usd("105.00"));
  CHECK(gateway("europe-west1", thousand_gib(Continent::north_america)).total == usd("120.00"));
  CHECK(gateway("asia-east1", thousand_gib(Continent::asia_pacific)).total == usd("120.00"));
  CHECK(gateway("asia-east1", thousand_gib(Continent::europe)).total == usd("120.00"));
  CHECK(gateway("southamerica-east1", thousand_gib(Continent::north_america)).total == usd("120.00"));
  CHECK(gateway("australia-southeast1", thousand_gib(Continent::north_america)).total == usd("190.00"));
  CHECK(gateway("asia-east1", thousand_gib(Continent::oceania)).total == usd("190.00"));
}

TEST_CASE("cost egress: the default is the region's own continent, for every GCP region") {
  Provider p = load_provider("gcp");
  for (const auto& region : p.regions) {
    CAPTURE(region);
    auto own = gcp_region_continent(region);
    REQUIRE(own);
    CHECK(gateway(region, thousand_gib(own)).total == gateway(region, thousand_gib(std::nullopt)).total);
  }
}

TEST_CASE("cost egress: one egress line naming the pair, tiers across 10 TiB") {
  auto e = gateway("us-central1", thousand_gib(Continent::europe));
  auto lines = egress_lines(e);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0] == "Premium-tier egress (us-central1 → europe, intercontinental) (first 10 TB)");
  CHECK(egress_lines(gateway("us-central1", thousand_gib(Continent::north_america)))[0] ==
        "Premium-tier egress (us-central1 → north-america, within North America) (first 10 TB)");
  CHECK(egress_lines(gateway("australia-southeast1", thousand_gib(Continent::europe)))[0] ==
        "Premium-tier egress (australia-southeast1 → europe, from Oceania) (first 10 TB)");

  // 20 TiB to Europe: 10,240 GiB × $0.12 + 10,240 GiB × $0.085 = $1,228.80 + $870.40 = $2,099.20.
  Usage u;
  u.requests = 20 * 1024;
  u.response_bytes = k_gib;
  u.clients_in = Continent::europe;
  auto big = gateway("us-central1", u);
  CHECK(big.total == usd("2099.20"));
  CHECK(egress_lines(big).size() == 2);
  // 20 TiB to China: 10,240 × $0.19 + 10,240 × $0.16 = $1,945.60 + $1,638.40 = $3,584.00.
  u.clients_in = Continent::china;
  CHECK(gateway("us-central1", u).total == usd("3584.00"));
}

TEST_CASE("cost egress: clients_in in a traffic profile") {
  std::string path = test_temp::path("egress.yaml");
  {
    std::ofstream(path) << "monthly_requests: 1000\nresponse_size: 1GB\nclients_in: oceania\n";
  }
  Usage u;
  apply_profile(path, u);
  CHECK(u.clients_in == Continent::oceania);
  CHECK(gateway("us-central1", u).total == usd("190.00"));

  Usage flag;  // --clients-in wins over the profile
  flag.clients_in = Continent::europe;
  apply_profile(path, flag);
  CHECK(flag.clients_in == Continent::europe);

  {
    std::ofstream(path) << "monthly_requests: 1000\nclients_in: mars\n";
  }
  Usage bad;
  CHECK_THROWS_WITH_AS(apply_profile(path, bad),
                       doctest::Contains(":2: clients_in: 'mars' is not a continent (use one of north-america"),
                       UsageError);
  std::remove(path.c_str());
}

TEST_CASE("cost egress: a class missing from --pricing data is an unknown price, not a wrong one") {
  Provider p = load_provider("gcp");
  for (auto& product : p.products)
    std::erase_if(product.components, [](const Component& c) {
      return c.metric == Metric::egress_bytes && c.name.find("Oceania") != std::string::npos;
    });
  Usage u = thousand_gib(Continent::oceania);
  const ProductEstimate* e = nullptr;
  auto all = estimate(p, "us-central1", u);
  for (const auto& x : all)
    if (x.product == "api_gateway") e = &x;
  REQUIRE(e);
  CHECK_FALSE(e->complete);
  CHECK(e->total == Money());
  auto lines = egress_lines(*e);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0] == "Premium-tier egress (us-central1 → oceania, to Oceania)");
}
