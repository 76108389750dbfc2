// apigw cost --config (features a gateway config needs, per provider) and growth projections, as a user runs them.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "e2e/process.hpp"

using e2e::run;
using e2e::source;

namespace {

bool has(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

}  // namespace

TEST_CASE("cost: --config warns where a provider cannot host the config's features") {
  std::string config = source("tests/fixtures/cost/gateway.yaml");
  auto r = run({"cost", "--config", config, "--requests", "50M", "--compare"});
  CHECK(r.exit_code == 0);
  // Warnings on stderr, located at the route or auth scheme.
  CHECK(has(r.err, config + ":12:5: warning: aws HTTP API: mock response of route 'health': cannot host mock responses"));
  CHECK(has(r.err, config + ":8:3: warning: aws REST API: basic auth of auth scheme 'users' (basic): needs a Lambda "
                            "authorizer for basic auth"));
  CHECK(has(r.err, config + ":7:3: warning: aws HTTP API: API key auth of auth scheme 'keys' (api_key)"));
  CHECK(has(r.err, "warning: gcp API Gateway: basic auth of auth scheme 'users' (basic): cannot check basic auth"));
  CHECK(has(r.err, "warning: oci API Gateway: API key auth of auth scheme 'keys' (api_key): needs an authorizer function"));
  CHECK_FALSE(has(r.err, "azure"));
  CHECK_FALSE(has(r.err, "'unused'"));  // no route requires it
  // The products stay in the comparison, marked.
  CHECK(has(r.out, "cannot host mock responses"));
  CHECK(has(r.out, "needs a Lambda authorizer for basic auth"));
  CHECK(has(r.out, "does not apply: the config's routes are HTTP routes"));
  // AWS HTTP API ($50.00) would be cheapest, but cannot host the mock route: REST or another product is.
  CHECK(has(r.out, "<- cheapest"));
  CHECK_FALSE(has(r.out, "Cheapest: AWS API Gateway HTTP API"));
  CHECK(has(r.out, "Cheapest: Azure API Management Basic at $147.17"));
  CHECK_FALSE(has(r.out, "aws HTTP API costs no more"));  // no break-even against a product that cannot host it

  auto j = run({"cost", "--config", config, "--requests", "50M", "--provider", "aws", "--format", "json"});
  CHECK(j.exit_code == 0);
  auto doc = nlohmann::json::parse(j.out);
  for (const auto& e : doc["estimates"]) {
    if (e["product"] == "http") {
      CHECK(e["can_host"] == false);
      CHECK(e["cheapest"] == false);
    }
    if (e["product"] == "rest") {
      CHECK(e["can_host"] == true);
      CHECK(e["feature_notes"].size() == 2);
    }
  }
}

TEST_CASE("cost: --config with a bad gateway config prints its located errors and exits 2") {
  std::string bad = source("tests/fixtures/cost/bad-gateway.yaml");
  auto r = run({"cost", "--config", bad, "--requests", "1M"});
  CHECK(r.exit_code == 2);
  CHECK(has(r.err, bad + ":4:5: "));
  CHECK(has(r.err, "methd"));
  CHECK(has(r.err, "is not a valid gateway config"));
  CHECK(r.out.empty());
  auto missing = run({"cost", "--config", "/nonexistent/gateway.yaml"});
  CHECK(missing.exit_code == 2);
}

TEST_CASE("cost: a profile with growth prints a labelled projection") {
  std::string profile = source("tests/fixtures/cost/growth.yaml");
  auto r = run({"cost", "--profile", profile, "--provider", "aws,oci", "--compare"});
  CHECK(r.exit_code == 0);
  CHECK(has(r.out, "Projection over 3 months (a projection, not a measurement): traffic grows 10% a month"));
  CHECK(has(r.out, "Requests: month 1 10M, month 3 12.1M."));
  CHECK(has(r.out, "Total months 1-3"));
  CHECK(has(r.out, "$12.10"));   // AWS HTTP API in month 3
  CHECK(has(r.out, "$33.10"));   // over the 3 months
  CHECK(has(r.out, "$99.30"));   // OCI over the 3 months
  auto j = run({"cost", "--profile", profile, "--provider", "aws", "--format", "json"});
  auto doc = nlohmann::json::parse(j.out);
  CHECK(doc["projection"]["months"] == 3);
  CHECK(doc["projection"]["growth_per_month"] == "10%");
  CHECK(doc["projection"]["requests_last_month"] == 12'100'000);
  bool found = false;
  for (const auto& e : doc["projection"]["estimates"])
    if (e["product"] == "rest") {
      found = true;
      CHECK(e["last_month"] == "42.35");
      CHECK(e["total"] == "115.85");
    }
  CHECK(found);
  // Flags: --growth without --months projects 12 months.
  auto f = run({"cost", "--requests", "1M", "--growth", "5%", "--provider", "oci"});
  CHECK(f.exit_code == 0);
  CHECK(has(f.out, "Projection over 12 months"));
  auto bad = run({"cost", "--requests", "1M", "--growth", "5"});
  CHECK(bad.exit_code == 2);
  CHECK(has(bad.err, "--growth 5: expected a percentage"));
}
