// apigw cost as a user runs it: each output format, --compare, --pricing overrides and bad input.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <algorithm>

#include "e2e/process.hpp"

using e2e::run;

namespace {

bool contains(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

}  // namespace

TEST_CASE("cost: 500M --compare prints every provider with the cheapest marked") {
  auto r = run({"cost", "--requests", "500M", "--compare"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK(contains(r.out, "$1,633.10"));  // AWS REST
  CHECK(contains(r.out, "$480.00"));    // AWS HTTP
  CHECK(contains(r.out, "$1,494.00"));  // GCP
  CHECK(contains(r.out, "$1,500.00"));  // OCI
  CHECK(contains(r.out, "$1,746.50"));  // Azure Consumption
  CHECK(contains(r.out, "<- cheapest"));
  CHECK(contains(r.out, "no SLA"));
  CHECK(contains(r.out, "depends on usage"));  // WebSocket without messages
}

TEST_CASE("cost: table line items with tier labels and caveats") {
  auto r = run({"cost", "--requests", "500M", "--provider", "aws", "--response-size", "16KB"});
  CHECK(r.exit_code == 0);
  CHECK(contains(r.out, "Requests (first 333M)"));
  CHECK(contains(r.out, "Requests (next 667M)"));
  CHECK(contains(r.out, "$3.50 per 1M requests"));
  CHECK(contains(r.out, "Data transfer out"));
  CHECK(contains(r.out, "* Data transfer out: third-party"));
}

TEST_CASE("cost: no usage prints per-unit prices, never $0") {
  auto r = run({"cost", "--provider", "aws"});
  CHECK(r.exit_code == 0);
  CHECK(contains(r.out, "depends on usage: $3.50 per 1M requests"));
  CHECK_FALSE(contains(r.out, "REST API (us-east-1)  <- cheapest"));
}

TEST_CASE("cost: JSON has a currency and decimal strings") {
  auto r = run({"cost", "--requests", "500M", "--provider", "aws,gcp", "--format", "json"});
  CHECK(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["currency"] == "USD");
  bool found = false;
  for (const auto& e : j["estimates"])
    if (e["provider"] == "aws" && e["product"] == "rest") {
      found = true;
      CHECK(e["monthly_cost"] == "1633.10");
      CHECK(e["lines"][0]["component"] == "Requests (first 333M)");
      CHECK(e["lines"][0]["unit_price"] == "3.50");
      CHECK(e["lines"][0]["monthly_cost"] == "1165.50");
      CHECK(e["lines"][0]["confidence"] == "confirmed");
    }
  CHECK(found);
  CHECK(j["cheapest"]["provider"] == "aws");
  CHECK(j["cheapest"]["product"] == "http");
  CHECK(j["cheapest"]["monthly_cost"] == "480.00");
}

TEST_CASE("cost: CSV and Markdown") {
  auto csv = run({"cost", "--requests", "500M", "--provider", "gcp", "--format", "csv"});
  CHECK(csv.exit_code == 0);
  CHECK(csv.out.rfind("provider,region,product,component,quantity,unit,unit_price,monthly_cost", 0) == 0);
  CHECK(contains(csv.out, "gcp,us-central1,api_gateway,Total,,,,1494.00,USD"));
  auto cmp = run({"cost", "--requests", "500M", "--format", "csv", "--compare"});
  CHECK(cmp.exit_code == 0);
  CHECK(contains(cmp.out, "aws,rest,us-east-1,1633.10,USD,false,true"));

  auto md = run({"cost", "--requests", "500M", "--provider", "oci", "--format", "markdown"});
  CHECK(md.exit_code == 0);
  CHECK(contains(md.out, "| Component | Quantity | Unit price | Monthly cost |"));
  CHECK(contains(md.out, "| API calls | 500M | $3.00 per 1M calls | $1,500.00 |"));
  CHECK(contains(md.out, "## Summary"));
}

TEST_CASE("cost: --rps, --free-tier and --region") {
  // 20 rps × 730 h = 52.56M requests; AWS HTTP: $52.56.
  auto r = run({"cost", "--rps", "20", "--provider", "aws", "--format", "json"});
  CHECK(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["usage"]["requests"] == 52560000);
  for (const auto& e : j["estimates"])
    if (e["product"] == "http") CHECK(e["monthly_cost"] == "52.56");

  auto free = run({"cost", "--requests", "1M", "--provider", "aws", "--free-tier", "--format", "csv", "--compare"});
  CHECK(contains(free.out, "aws,rest,us-east-1,0.00,USD"));

  auto west = run({"cost", "--requests", "1M", "--provider", "aws", "--region", "us-west-2"});
  CHECK(west.exit_code == 0);
  CHECK(contains(west.out, "(us-west-2)"));
}

TEST_CASE("cost: bad input exits 2 with a clear message") {
  auto unknown_region = run({"cost", "--requests", "1M", "--provider", "aws", "--region", "eu-west-1"});
  CHECK(unknown_region.exit_code == 2);
  CHECK(contains(unknown_region.err, "prices unknown for eu-west-1"));
  CHECK(unknown_region.out.empty());

  auto bad_count = run({"cost", "--requests", "5X"});
  CHECK(bad_count.exit_code == 2);
  CHECK(contains(bad_count.err, "--requests 5X: unknown count suffix 'X'"));

  auto bad_size = run({"cost", "--requests", "1M", "--request-size", "2QB"});
  CHECK(bad_size.exit_code == 2);
  CHECK(contains(bad_size.err, "--request-size 2QB"));

  auto bad_provider = run({"cost", "--provider", "ibm"});
  CHECK(bad_provider.exit_code == 2);
  CHECK(contains(bad_provider.err, "unknown provider 'ibm'"));

  auto both = run({"cost", "--requests", "1M", "--rps", "2"});
  CHECK(both.exit_code == 2);

  auto bad_format = run({"cost", "--format", "xml"});
  CHECK(bad_format.exit_code == 2);

  auto missing_dir = run({"cost", "--pricing", "/nonexistent-apigw-dir"});
  CHECK(missing_dir.exit_code == 2);
  CHECK(contains(missing_dir.err, "cannot read /nonexistent-apigw-dir/aws.json"));
}

TEST_CASE("cost: --pricing DIR overrides the built-in prices") {
  std::string dir = e2e::temp_path("pricing");
  mkdir(dir.c_str(), 0700);
  std::string oci = e2e::slurp(e2e::source("pricing/oci.json"));
  auto j = nlohmann::json::parse(oci);
  j["products"][0]["components"][0]["tiers"][0]["price"] = "2.00";  // a negotiated rate
  std::string path = dir + "/oci.json";
  std::ofstream(path) << j.dump(2);
  auto r = run({"cost", "--requests", "10M", "--provider", "oci", "--pricing", dir, "--format", "csv", "--compare"});
  CHECK(r.exit_code == 0);
  CHECK(contains(r.out, "oci,api_gateway,us-ashburn-1,20.00,USD"));
  unlink(path.c_str());
  rmdir(dir.c_str());
}

TEST_CASE("cost: --from-log reads a log written by apigw serve") {
  std::string log = e2e::temp_path("access.jsonl");
  {
    e2e::Process server({"serve", e2e::source("samples/gateway.yaml"), "--port", "0", "--access-log", log});
    int port = server.wait_for_port();
    REQUIRE_MESSAGE(port > 0, server.err());
    httplib::Client client("127.0.0.1", port);
    for (int i = 0; i < 8; ++i) REQUIRE(client.Get("/pets"));
    for (int i = 0; i < 2; ++i) REQUIRE(client.Post("/pets", "{}", "application/json"));
    // The log is written after each response: wait for all ten lines.
    for (int tries = 0; tries < 200; ++tries) {
      std::string text = e2e::slurp(log);
      if (std::count(text.begin(), text.end(), '\n') >= 10) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  // Ten requests in one hour: 10 × 730 = 7,300 a month.
  auto r = run({"cost", "--from-log", log, "--period", "1h", "--provider", "aws", "--format", "json"});
  CHECK(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["usage"]["requests"] == 7300);
  CHECK(j["usage"]["basis"].get<std::string>().find("extrapolated to a 730-hour month from 10 requests") !=
        std::string::npos);
  CHECK(j["usage"]["basis"].get<std::string>().find("listPets 80%") != std::string::npos);
  auto table = run({"cost", "--from-log", log, "--period", "1h", "--provider", "aws"});
  CHECK(table.exit_code == 0);
  CHECK(contains(table.out, "Usage extrapolated"));
  auto missing = run({"cost", "--from-log", "/nonexistent-apigw.jsonl"});
  CHECK(missing.exit_code == 2);
  CHECK(contains(missing.err, "cannot read /nonexistent-apigw.jsonl"));
  unlink(log.c_str());
}

TEST_CASE("cost: traffic profile, --plot and break-even in --compare") {
  std::string profile = e2e::write_temp("traffic.yaml", "monthly_requests: 500M\n");
  std::string svg = e2e::temp_path("cost.svg");
  auto r = run({"cost", "--profile", profile, "--compare", "--provider", "azure,oci", "--plot", svg});
  CHECK(r.exit_code == 0);
  CHECK(contains(r.out, "Usage traffic profile"));
  CHECK(contains(r.out, "oci API Gateway costs no more up to 49,056,000 requests/month; azure Basic is cheaper beyond"));
  std::string plot = e2e::slurp(svg);
  CHECK(plot.rfind("<?xml", 0) == 0);
  CHECK(contains(plot, "<polyline"));
  auto bad = run({"cost", "--profile", e2e::write_temp("bad.yaml", "monthly_requests: lots\n")});
  CHECK(bad.exit_code == 2);
  CHECK(contains(bad.err, "monthly_requests"));
  unlink(profile.c_str());
  unlink(svg.c_str());
}
