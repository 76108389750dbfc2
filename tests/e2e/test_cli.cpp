// The CLI as a user meets it: help, version, unknown commands and flags, lint's output and exit codes.
#include <doctest/doctest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "e2e/process.hpp"

using e2e::run;
using e2e::source;

TEST_CASE("--version and help") {
  auto v = run({"--version"});
  CHECK(v.exit_code == 0);
  CHECK(v.out == std::string("apigw ") + APIGW_VERSION + "\n");

  auto h = run({"--help"});
  CHECK(h.exit_code == 0);
  CHECK(h.out.find("lint") != std::string::npos);
  CHECK(h.out.find("serve") != std::string::npos);
  CHECK(h.out.find("Exit codes") != std::string::npos);

  for (const char* cmd : {"import", "lint", "serve", "cost"}) {
    INFO(cmd);
    auto sub = run({cmd, "--help"});
    CHECK(sub.exit_code == 0);
    CHECK(sub.out.find("Examples:") != std::string::npos);
    auto via_help = run({"help", cmd});
    CHECK(via_help.exit_code == 0);
    CHECK(via_help.out == sub.out);
  }
}

TEST_CASE("unknown commands and flags suggest the nearest one, exit 2") {
  auto r = run({"serv", "x.yaml"});
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err.find("unknown command 'serv' (did you mean 'serve'?)") != std::string::npos);

  auto f = run({"lint", "--formt", "json", source("samples/gateway.yaml")});
  CHECK(f.exit_code == 2);
  CHECK(f.err.find("did you mean '--format'?") != std::string::npos);

  auto bad_value = run({"lint", "--format", "xml", source("samples/gateway.yaml")});
  CHECK(bad_value.exit_code == 2);

  auto none = run({"lint"});
  CHECK(none.exit_code == 2);
  CHECK(none.err.find("give at least one file (or --list-rules)") != std::string::npos);
}

TEST_CASE("lint: the samples are clean") {
  auto r = run({"lint", source("samples/gateway.yaml")});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("0 errors") != std::string::npos);
  CHECK(r.out.find("\x1b[") == std::string::npos);  // no colour when not on a terminal
}

TEST_CASE("lint: a broken config lists every error with its location and exits 2") {
  std::string path = e2e::write_temp("broken.yaml", R"(apigw: 1
backends:
  pets: { url: "http://127.0.0.1:9000" }
routes:
  - id: a
    methd: GET
    path: /pets
    mock: {}
  - id: b
    method: GET
    path: /pets/{id}
    proxy: { backend: petz }
)");
  auto r = run({"lint", path});
  CHECK(r.exit_code == 2);
  CHECK(r.out.find(path + ":5:5: error: routes[0]: missing required key 'method'") != std::string::npos);
  CHECK(r.out.find(path + ":6:5: error: routes[0].methd: unknown key (did you mean 'method'?) [config-unknown-key]") !=
        std::string::npos);
  CHECK(r.out.find(path + ":12:23: error: routes[1].proxy.backend: unknown backend 'petz' (did you mean 'pets'?)") !=
        std::string::npos);
  CHECK(r.out.find("1 file checked: 3 errors, 0 warnings") != std::string::npos);

  auto j = run({"lint", "--format", "json", path});
  CHECK(j.exit_code == 2);
  auto doc = nlohmann::json::parse(j.out);
  CHECK(doc["summary"]["errors"] == 3);
  CHECK(doc["diagnostics"][1]["line"] == 6);
  CHECK(doc["diagnostics"][1]["column"] == 5);
  CHECK(doc["diagnostics"][1]["rule"] == "config-unknown-key");
  CHECK(doc["files"][0]["loaded"] == false);
}

TEST_CASE("lint: warnings exit 0 by default and 1 with --fail-severity warn") {
  std::string path = e2e::write_temp("warn.yaml", R"(apigw: 1
backends:
  remote: { url: "http://api.example.com", timeout: 60s }
routes:
  - { method: GET, path: /x, proxy: remote }
)");
  auto r = run({"lint", path});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("warn: backends.remote: backend 'remote' is plain http to a non-local host") != std::string::npos);
  CHECK(r.out.find("[upstream-timeout-high]") != std::string::npos);
  CHECK(run({"lint", "--fail-severity", "warn", path}).exit_code == 1);
}

TEST_CASE("lint: unreadable, empty and non-config inputs") {
  auto missing = run({"lint", "/nonexistent.yaml"});
  CHECK(missing.exit_code == 2);
  CHECK(missing.out.find("/nonexistent.yaml: error: cannot read file") != std::string::npos);

  auto empty = run({"lint", e2e::write_temp("empty.yaml", "")});
  CHECK(empty.exit_code == 2);
  CHECK(empty.out.find("expected a mapping at the top level") != std::string::npos);

  auto binary = run({"lint", e2e::write_temp("bin.yaml", std::string("\x00\x01\xff\xfe garbage", 12))});
  CHECK(binary.exit_code == 2);

  auto not_openapi = run({"lint", e2e::write_temp("spec.yaml", "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n")});
  CHECK(not_openapi.exit_code == 2);
  CHECK(not_openapi.out.find(":1:1: error: missing required key 'paths' [openapi-structure]") != std::string::npos);
}

TEST_CASE("lint: OpenAPI documents are checked for structure and references; samples/* is clean") {
  std::string broken = source("tests/fixtures/openapi/broken-ref.yaml");
  auto r = run({"lint", broken});
  CHECK(r.exit_code == 1);
  CHECK(r.out.find(broken + ":11:31: error: $ref: '#/components/schemas/Missing' does not resolve") != std::string::npos);
  CHECK(r.out.find("1 file checked: 3 errors, ") != std::string::npos);  // and the practice rules' warnings

  std::vector<std::string> args = {"lint"};
  for (const auto& e : std::filesystem::directory_iterator(source("samples")))  // samples/functions holds handlers
    if (e.path().extension() == ".yaml" || e.path().extension() == ".json") args.push_back(e.path().string());
  auto samples = run(args);
  CHECK(samples.exit_code == 0);
  CHECK(samples.out.find("0 errors, ") != std::string::npos);  // the OpenAPI practice rules warn (no descriptions)
}

TEST_CASE("lint: SARIF, JUnit, GitHub and Markdown outputs, several at once") {
  std::string path = e2e::write_temp("formats.yaml", R"(apigw: 1
backends:
  remote: { url: "http://api.example.com" }
routes:
  - { method: GET, path: /x, proxy: remote, methd: 1 }
)");
  std::string sarif_file = e2e::temp_path("out.sarif"), junit_file = e2e::temp_path("junit.xml");
  auto r = run({"lint", path, "-f", "github", "-o", "sarif=" + sarif_file, "-o", "junit=" + junit_file});
  CHECK(r.exit_code == 2);  // the unknown key makes the config unusable
  CHECK(r.out.find("::warning file=" + path + ",line=3,col=3,title=upstream-plain-http::backends.remote: backend") ==
        std::string::npos);  // an unusable config gets no rule findings
  CHECK(r.out.find("::error file=" + path + ",line=5,col=45,endLine=5,endColumn=50,title=config-unknown-key::routes[0].methd: "
                   "unknown key (did you mean 'method'?)") != std::string::npos);

  auto sarif = nlohmann::json::parse(e2e::slurp(sarif_file));
  CHECK(sarif["version"] == "2.1.0");
  const auto& run0 = sarif["runs"][0];
  CHECK(run0["tool"]["driver"]["name"] == "apigw");
  REQUIRE(run0["results"].size() == 1);
  const auto& res = run0["results"][0];
  CHECK(res["ruleId"] == "config-unknown-key");
  CHECK(run0["tool"]["driver"]["rules"][res["ruleIndex"].get<size_t>()]["id"] == "config-unknown-key");
  CHECK(res["locations"][0]["physicalLocation"]["region"]["startLine"] == 5);
  CHECK(res["locations"][0]["physicalLocation"]["region"]["startColumn"] == 45);
  CHECK(res["locations"][0]["physicalLocation"]["region"]["endLine"] == 5);
  CHECK(res["locations"][0]["physicalLocation"]["region"]["endColumn"] == 50);  // after "methd"
  std::string fp = res["partialFingerprints"]["apigwFingerprint/v1"];
  CHECK(fp.size() == 16);

  std::string junit = e2e::slurp(junit_file);
  CHECK(junit.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"apigw lint\" failures=\"1\">", 0) == 0);
  CHECK(junit.find("<failure type=\"config-unknown-key\" message=\"unknown key (did you mean &apos;method&apos;?)\">") !=
        std::string::npos);

  // The fingerprint survives the finding moving down a line.
  std::string original = e2e::slurp(path);
  std::ofstream(path, std::ios::binary) << "# a new comment line\n" + original;
  std::string moved_sarif = e2e::temp_path("moved.sarif");
  run({"lint", path, "-f", "json", "-o", "sarif=" + moved_sarif});
  auto again = nlohmann::json::parse(e2e::slurp(moved_sarif));
  CHECK(again["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 6);
  CHECK(again["runs"][0]["results"][0]["partialFingerprints"]["apigwFingerprint/v1"] == fp);
  std::ofstream(path, std::ios::binary) << original;

  auto md = run({"lint", "-f", "markdown", path});
  CHECK(md.out.find("| error | `" + path + ":5:45` | `config-unknown-key` | routes[0].methd: unknown key") != std::string::npos);

  auto bad_o = run({"lint", path, "-o", "xml=out.xml"});
  CHECK(bad_o.exit_code == 2);
  CHECK(bad_o.err.find("-o expects FORMAT=FILE") != std::string::npos);
}

TEST_CASE("lint: --list-rules and --explain") {
  auto list = run({"lint", "--list-rules"});
  CHECK(list.exit_code == 0);
  CHECK(list.out.find("upstream-plain-http") != std::string::npos);
  CHECK(list.out.find("openapi-ref ") != std::string::npos);
  auto ex = run({"lint", "--explain", "upstream-timeout-high"});
  CHECK(ex.exit_code == 0);
  CHECK(ex.out.find("How to fix:") != std::string::npos);
  auto typo = run({"lint", "--explain", "upstream-plain-htp"});
  CHECK(typo.exit_code == 2);
  CHECK(typo.err.find("did you mean 'upstream-plain-http'?") != std::string::npos);
}

TEST_CASE("lint: the SARIF output validates against the official SARIF 2.1.0 schema") {
  std::string schema = source("tests/fixtures/sarif/sarif-schema-2.1.0.json");
  std::string sarif_file = e2e::temp_path("lint.sarif");
  auto r = run({"lint", source("tests/fixtures/openapi/broken-ref.yaml"), source("samples/gateway.yaml"), "-f", "json",
                "-o", "sarif=" + sarif_file});
  CHECK(r.exit_code == 1);
  auto valid = run({"schema", "validate", schema, sarif_file});
  CHECK_MESSAGE(valid.exit_code == 0, (valid.out + valid.err));

  // The check can fail: a result without a message is not SARIF.
  auto doc = nlohmann::json::parse(e2e::slurp(sarif_file));
  doc["runs"][0]["results"][0].erase("message");
  std::string broken = e2e::write_temp("broken.sarif", doc.dump());
  auto invalid = run({"schema", "validate", schema, broken});
  CHECK(invalid.exit_code == 1);
}
