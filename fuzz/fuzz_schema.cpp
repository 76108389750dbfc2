// The JSON Schema compiler and validator (emulator/schema/): the input is a schema and an instance separated by the
// line "#%%" (fuzz_common.hpp), both JSON or YAML. The first byte picks the default dialect and format mode; `$schema`
// may still choose. Remote $refs go to a loader that knows one document and refuses the rest (no disk, no network).
// A schema that compiles validates the instance with errors collected, yes/no, and in both directions.
#include <memory>
#include <string>
#include <vector>

#include "emulator/doc/node.hpp"
#include "emulator/doc/tape.hpp"
#include "emulator/schema/schema.hpp"
#include "fuzz/fuzz_common.hpp"

namespace apigw::fuzz {

void run_schema(const uint8_t* data, size_t size) {
  if (size == 0) return;
  uint8_t mode = data[0];
  auto parts = split_parts(as_text(data + 1, size - 1), 2);
  doc::ParseLimits limits;
  limits.max_nodes = 100'000;
  doc::Document sd = doc::parse(std::string(parts[0]), "schema.json", limits);
  if (!sd.ok()) return;
  auto schema_doc = std::make_shared<const doc::Node>(std::move(sd.root));

  schema::CompileOptions options;
  static const schema::Dialect k_dialects[] = {schema::Dialect::Draft4, schema::Dialect::OpenApi30,
                                               schema::Dialect::Draft2020, schema::Dialect::Draft2020};
  options.dialect = k_dialects[mode & 3];
  options.use_schema_keyword = (mode & 4) == 0;
  static const schema::FormatMode k_formats[] = {schema::FormatMode::Default, schema::FormatMode::Assert,
                                                 schema::FormatMode::Annotate, schema::FormatMode::Default};
  options.formats = k_formats[(mode >> 3) & 3];
  options.loader = [](const std::string& uri, std::string& error) -> std::shared_ptr<const doc::Node> {
    if (uri == "https://fuzz.example/other.json") {
      static const auto other = std::make_shared<const doc::Node>(
          doc::parse_json(R"({"$defs":{"int":{"type":"integer"},"self":{"$ref":"#"}},"type":["object","integer"]})",
                          "other.json")
              .root);
      return other;
    }
    error = "the fuzzer loads no remote documents";
    return nullptr;
  };
  std::vector<std::string> errors;
  auto compiled = schema::Schema::compile(schema_doc, "https://fuzz.example/schema.json", "", options, errors);
  if (!compiled) return;
  (void)compiled->node_count();

  const std::string_view instance_text = parts.size() > 1 ? parts[1] : std::string_view("null");
  doc::Document inst = doc::parse(std::string(instance_text), "instance.json", limits);
  if (!inst.ok()) return;
  schema::ValidateOptions vo;
  vo.max_errors = (mode & 0x20) ? 3 : 0;
  vo.direction = (mode & 0x40) ? schema::Direction::Request : schema::Direction::None;
  auto found = compiled->validate(inst.root, vo);
  bool valid = compiled->is_valid(inst.root, vo.direction);
  // The fast yes/no path and the full error-collecting path must agree.
  if (valid != found.empty() && vo.max_errors == 0) __builtin_trap();
  (void)compiled->is_valid(inst.root, schema::Direction::Response);
  // A JSON instance parsed as request bodies are (a tape whose objects in arrays have shapes, which the yes/no path
  // plans on) must get the same verdicts.
  if (vo.max_errors == 0 && inst.is_json) {
    doc::TapeDocument tape = doc::parse_json_tape(instance_text, limits);
    if (tape.ok()) {
      const bool tape_valid = compiled->is_valid(tape.tape.root(), vo.direction);
      if (tape_valid != compiled->validate(tape.tape.root(), vo).empty() || tape_valid != valid) __builtin_trap();
    }
  }
}

}  // namespace apigw::fuzz

APIGW_FUZZ_MAIN(schema)
