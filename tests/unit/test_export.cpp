// The exporter as a function: Kong regex paths, XML escaping, and findings for what a target cannot express.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "cli/export/export.hpp"
#include "emulator/model/config.hpp"
#include "emulator/util/text.hpp"

using namespace apigw;

namespace {

router::PathTemplate tmpl(const std::string& text) {
  std::string err;
  auto t = router::parse_template(text, &err);
  REQUIRE_MESSAGE(t.has_value(), err);
  return *t;
}

model::Config config(const std::string& text) {
  auto r = model::load_config_text(text, "gateway.yaml");
  std::string problems;
  for (const auto& d : r.diagnostics) problems += d.format() + "\n";
  REQUIRE_MESSAGE(r.config.has_value(), problems);
  return *r.config;
}

bool reported(const exporter::Result& r, const std::string& rule, const std::string& path, const std::string& part) {
  for (const auto& d : r.findings)
    if (d.rule == rule && d.path == path && d.message.find(part) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("kong regex paths: named captures for parameters, anchored, literal text escaped") {
  CHECK(exporter::kong_path(tmpl("/pets/{petId}")) == "~/pets/(?<petId>[^/]+)$");
  CHECK(exporter::kong_path(tmpl("/files/{path+}")) == "~/files/(?<path>.+)$");
  CHECK(exporter::kong_path(tmpl("/v1.0/pets")) == "~/v1\\.0/pets$");
  CHECK(exporter::kong_path(tmpl("/reports/{id}.json")) == "~/reports/(?<id>[^/]+)\\.json$");
  CHECK(exporter::kong_path(tmpl("/")) == "~/$");
}

TEST_CASE("xml_escape makes attribute values and text safe") {
  CHECK(util::xml_escape(R"(a<b>&"c"'d)") == "a&lt;b&gt;&amp;&quot;c&quot;&apos;d");
  CHECK(util::xml_escape(std::string("x\x01y\tz")) == "x y\tz");  // \x01 is not allowed in XML 1.0
}

TEST_CASE("what a target cannot express is reported at the route, never dropped silently") {
  auto cfg = config(
      "apigw: 1\n"
      "backends:\n  api: https://api.example.com\n"
      "routes:\n"
      "  - id: slow\n    method: GET\n    path: /slow\n    delay: 1s\n    proxy: api\n"
      "  - id: users\n    method: GET\n    path: /users\n    state: users\n");
  auto aws = exporter::export_config(cfg, "aws-rest");
  REQUIRE(aws.files.size() == 1);
  CHECK(aws.files[0].name == "openapi.json");
  CHECK(reported(aws, "export-unsupported", "routes[0].delay", "delay"));
  CHECK(reported(aws, "export-approximated", "routes[1].state", "501"));
  auto doc = nlohmann::json::parse(aws.files[0].text);
  CHECK(doc["paths"]["/users"]["get"]["x-amazon-apigateway-integration"]["responses"]["default"]["statusCode"] == "501");

  auto gcp = exporter::export_config(cfg, "gcp");
  CHECK(reported(gcp, "export-unsupported", "routes[1]", "route not exported"));
  auto gdoc = nlohmann::json::parse(gcp.files[0].text);
  CHECK_FALSE(gdoc["paths"].contains("/users"));
  CHECK(gdoc["paths"]["/slow"]["get"]["x-google-backend"]["address"] == "https://api.example.com");

  // The same config gives the same files.
  auto again = exporter::export_config(cfg, "aws-rest");
  CHECK(again.files[0].text == aws.files[0].text);
}

TEST_CASE("rate limits and usage plans: aws-settings.json where AWS takes them, a finding at the policy where not") {
  auto cfg = config(
      "apigw: 1\n"
      "usage_plans:\n  gold: { quota: { limit: 10, period: day } }\n"
      "backends:\n  api: https://api.example.com\n"
      "routes:\n"
      "  - { id: a, method: GET, path: /a, proxy: api, rate_limit: { rate: 5 } }\n"
      "  - { id: b, method: GET, path: /b, proxy: api }\n"
      "  - { id: c, method: GET, path: /c, proxy: api, rate_limit: { rate: 1, per: ip } }\n");
  auto aws = exporter::export_config(cfg, "aws-rest");
  REQUIRE(aws.files.size() == 2);
  CHECK(aws.files[1].name == "aws-settings.json");
  CHECK(aws.files[1].companion);
  auto settings = nlohmann::json::parse(aws.files[1].text);
  CHECK(settings["usagePlans"][0]["quota"] == nlohmann::json::parse(R"({"limit": 10, "offset": 0, "period": "DAY"})"));
  REQUIRE(settings["stage"]["methodSettings"].size() == 1);  // c's per-IP limit has no AWS throttle
  CHECK(settings["stage"]["methodSettings"][0]["resourcePath"] == "/a");
  CHECK(settings["stage"]["methodSettings"][0]["throttlingRateLimit"] == 5.0);
  CHECK(settings["stage"]["methodSettings"][0]["throttlingBurstLimit"] == 5);
  CHECK(reported(aws, "export-unsupported", "routes[2].rate_limit", "AWS WAF rate-based rule"));
  CHECK_FALSE(reported(aws, "export-unsupported", "usage_plans.gold", ""));
  CHECK_FALSE(reported(aws, "export-unsupported", "routes[1].rate_limit", ""));

  auto gcp = exporter::export_config(cfg, "gcp");
  CHECK(reported(gcp, "export-unsupported", "usage_plans.gold", "usage plan 'gold'"));
  CHECK(reported(gcp, "export-unsupported", "routes[0].rate_limit", "per consumer project"));
  REQUIRE(gcp.files.size() == 1);
  CHECK_FALSE(nlohmann::json::parse(gcp.files[0].text).contains("x-google-management"));
}
