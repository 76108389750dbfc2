// Stages against the real binary: --stage picks the variables that reach backend URLs and mocks, the first stage by
// default, an unknown one exits 2 with the list, and --stage-prefix serves routes under /STAGE only.
#include <doctest/doctest.h>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "e2e/process.hpp"
#include "e2e/upstream.hpp"

using e2e::Process;
using e2e::Upstream;

namespace {

std::string staged_config(const Upstream& dev, const Upstream& prod) {
  return "apigw: 1\n"
         "stages:\n"
         "  dev: { variables: { port: \"" + std::to_string(dev.port()) + "\", greeting: hello dev } }\n"
         "  prod: { description: the real one, variables: { port: \"" + std::to_string(prod.port()) +
         "\", greeting: hello prod } }\n"
         "backends:\n"
         "  api: \"http://127.0.0.1:${stageVariables.port}\"\n"
         "routes:\n"
         "  - { method: GET, path: /api, proxy: api }\n"
         "  - { method: GET, path: /hello, mock: { headers: { x-greeting: \"${stageVariables.greeting}\" }, body: "
         "\"${stageVariables.greeting}\" } }\n";
}

std::string body_of(const httplib::Result& r) { return r ? std::to_string(r->status) + " " + r->body : "no answer"; }

}  // namespace

TEST_CASE("stages: --stage chooses the variables in backend URLs and mocks; the first stage by default") {
  Upstream dev("dev upstream"), prod("prod upstream");
  std::string config = e2e::write_temp("stages.yaml", staged_config(dev, prod));
  {
    Process server({"serve", config, "--port", "0", "--access-log", "off"});
    int port = server.wait_for_port();
    REQUIRE_MESSAGE(port > 0, server.err());
    CHECK(server.err().find("  stage: dev (the first of 2; choose one with --stage)\n") != std::string::npos);
    httplib::Client c("127.0.0.1", port);
    CHECK(body_of(c.Get("/api")) == "200 dev upstream");
    CHECK(body_of(c.Get("/hello")) == "200 hello dev");
  }
  Process server({"serve", config, "--stage", "prod", "--port", "0", "--access-log", "off"});
  int port = server.wait_for_port();
  REQUIRE_MESSAGE(port > 0, server.err());
  httplib::Client c("127.0.0.1", port);
  CHECK(body_of(c.Get("/api")) == "200 prod upstream");
  auto hello = c.Get("/hello");
  CHECK(body_of(hello) == "200 hello prod");
  CHECK(hello->get_header_value("x-greeting") == "hello prod");
  CHECK(dev.hits() == 1);
  CHECK(prod.hits() == 1);
  auto effective = nlohmann::json::parse(c.Get("/__apigw/config")->body);
  CHECK(effective["stage"] == "prod");
  CHECK(effective["stages"]["prod"]["description"] == "the real one");
  CHECK(effective["stages"]["prod"]["variables"]["greeting"] == "hello prod");
  CHECK(effective["backends"]["api"]["urls"][0] == "http://127.0.0.1:" + std::to_string(prod.port()));
}

TEST_CASE("stages: an unknown --stage exits 2 naming the stages; a variable the stage lacks is located") {
  Upstream dev("dev"), prod("prod");
  std::string config = e2e::write_temp("stages.yaml", staged_config(dev, prod));
  auto unknown = e2e::run({"serve", config, "--stage", "qa", "--port", "0"});
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err.find(config + ":3:3: error: stages: unknown stage 'qa' (stages: dev, prod)") != std::string::npos);

  std::string lacking = e2e::write_temp("lacking.yaml", R"(apigw: 1
stages:
  dev: { variables: { port: "9000" } }
  prod: { variables: {} }
backends:
  api: "http://127.0.0.1:${stageVariables.port}"
routes:
  - { method: GET, path: /api, proxy: api }
)");
  auto missing = e2e::run({"serve", lacking, "--stage", "prod", "--port", "0"});
  CHECK(missing.exit_code == 2);
  CHECK(missing.err.find(lacking + ":6:8: error: backends.api: stage 'prod' does not define the variable 'port'") !=
        std::string::npos);
}

TEST_CASE("stages: --stage-prefix serves routes under /STAGE only, and the upstream gets the path without it") {
  Upstream dev("dev upstream"), prod("prod upstream");
  std::string config = e2e::write_temp("stages.yaml", staged_config(dev, prod));
  std::string log = e2e::temp_path("access.jsonl");
  Process server({"serve", config, "--stage", "prod", "--stage-prefix", "--port", "0", "--access-log", log});
  int port = server.wait_for_port();
  REQUIRE_MESSAGE(port > 0, server.err());
  CHECK(server.err().find("/prod/") != std::string::npos);  // the "try:" line has the prefix
  httplib::Client c("127.0.0.1", port);
  CHECK(body_of(c.Get("/prod/api")) == "200 prod upstream");
  CHECK(body_of(c.Get("/prod/hello")) == "200 hello prod");
  auto bare = c.Get("/api");
  REQUIRE(bare);
  CHECK(bare->status == 404);
  CHECK(e2e::detail(bare) == "no route matches GET /api: this gateway serves stage 'prod' under /prod");
  CHECK(c.Get("/production/api")->status == 404);
  CHECK(c.Get("/__apigw/health")->status == 200);  // the admin API stays where it is
  CHECK(nlohmann::json::parse(c.Get("/__apigw/config")->body)["stage_prefix"] == "/prod");
  server.signal(SIGTERM);
  CHECK(server.wait() == 0);
  auto lines = e2e::log_lines(e2e::slurp(log));
  REQUIRE(lines.size() >= 2);
  CHECK(lines[0]["path"] == "/prod/api");
  CHECK(lines[0]["stage"] == "prod");

  auto without = e2e::run({"serve", e2e::write_temp("plain.yaml", "apigw: 1\nroutes:\n  - { method: GET, path: /, mock: {} }\n"),
                           "--stage-prefix", "--port", "0"});
  CHECK(without.exit_code == 2);
  CHECK(without.err.find("--stage-prefix needs a stage") != std::string::npos);
}
