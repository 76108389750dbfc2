// apigw cost --clients-in: GCP premium-tier egress by region pair, as a user runs it.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "e2e/process.hpp"

using e2e::run;

namespace {

bool contains(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

}  // namespace

TEST_CASE("cost: --clients-in prices GCP egress by region pair") {
  // 1,000 requests of 1GB = 1,000 GiB, inside the 2M free calls: the total is the egress alone.
  auto europe = run({"cost", "--provider", "gcp", "--requests", "1000", "--response-size", "1GB", "--clients-in",
                     "europe"});
  CHECK(europe.exit_code == 0);
  CHECK(europe.err.empty());
  CHECK(contains(europe.out, "Premium-tier egress (us-central1 → europe, intercontinental) (first 10 TB)"));
  CHECK(contains(europe.out, "$0.12 per GiB"));
  CHECK(contains(europe.out, "$120.00"));
  CHECK(contains(europe.out, "clients in europe (GCP egress)"));

  auto oceania = run({"cost", "--provider", "gcp", "--requests", "1000", "--response-size", "1GB", "--clients-in",
                      "oceania", "--format", "json"});
  CHECK(oceania.exit_code == 0);
  auto j = nlohmann::json::parse(oceania.out);
  CHECK(j["usage"]["clients_in"] == "oceania");
  CHECK(j["estimates"][0]["monthly_cost"] == "190.00");

  // Without the flag: the region's own continent, as before (within North America, $0.105).
  auto plain = run({"cost", "--provider", "gcp", "--requests", "1000", "--response-size", "1GB"});
  CHECK(plain.exit_code == 0);
  CHECK(contains(plain.out, "$105.00"));
  CHECK_FALSE(contains(plain.out, "→"));

  // Per-provider region with the pair: europe-west1 to north-america is intercontinental.
  auto west = run({"cost", "--provider", "gcp", "--region", "europe-west1", "--requests", "1000", "--response-size",
                   "1GB", "--clients-in", "north-america"});
  CHECK(west.exit_code == 0);
  CHECK(contains(west.out, "Premium-tier egress (europe-west1 → north-america, intercontinental)"));
  CHECK(contains(west.out, "$120.00"));
}

TEST_CASE("cost: a bad --clients-in exits 2 with the valid list") {
  auto r = run({"cost", "--provider", "gcp", "--requests", "1M", "--clients-in", "antarctica"});
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(contains(r.err, "--clients-in antarctica: unknown continent (use one of north-america, europe, asia-pacific, "
                        "south-america, oceania, china)"));
}
