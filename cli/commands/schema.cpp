// apigw schema validate SCHEMA INSTANCE...: checks JSON/YAML instances against a JSON Schema file or a schema
// inside an OpenAPI document (openapi.yaml#/components/schemas/Pet).
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>

#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "emulator/doc/span.hpp"
#include "emulator/doc/tape.hpp"
#include "emulator/schema/source.hpp"
#include "emulator/util/text.hpp"

namespace apigw::cli {

namespace {

struct SchemaOptions {
  std::string schema;
  std::vector<std::string> instances;
  std::string dialect;
  std::vector<std::string> maps;
  int64_t max_errors = 0;
  std::string format = "text";
  std::string formats = "default";
  std::string direction = "none";
  size_t repeat = 0;
};

int fail(const std::string& message) {
  std::cerr << "apigw schema validate: " << message << "\n";
  return k_exit_bad_input;
}

// Loads SCHEMA (a schema file, or an OpenAPI document with a #pointer) and compiles it.
std::shared_ptr<const schema::Schema> load_schema(const SchemaOptions& o, std::string& display_prefix) {
  schema::CompileOptions options;
  if (o.formats == "assert") options.formats = schema::FormatMode::Assert;
  if (o.formats == "annotate") options.formats = schema::FormatMode::Annotate;
  for (const auto& m : o.maps) {
    auto eq = m.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == m.size()) {
      fail("--map expects URL=DIR, got '" + m + "'");
      return nullptr;
    }
    options.url_map[m.substr(0, eq)] = m.substr(eq + 1);
  }
  std::optional<schema::Dialect> dialect;
  if (schema::Dialect d{}; !o.dialect.empty() && schema::parse_dialect(o.dialect, d)) dialect = d;
  std::vector<std::string> errors;
  auto loaded = schema::load(o.schema, options, errors, dialect);
  for (const auto& e : errors) fail(e);
  display_prefix = loaded.folder_uri;
  return errors.empty() ? loaded.schema : nullptr;
}

std::string shorten(const std::string& location, const std::string& prefix) {
  return location.rfind(prefix, 0) == 0 ? location.substr(prefix.size()) : location;
}

}  // namespace

Command schema_command() {
  return {
      "schema", "Validate JSON/YAML documents against a JSON Schema or a schema in an OpenAPI spec", [](CLI::App& sub) {
        auto o = std::make_shared<SchemaOptions>();
        sub.require_subcommand(0, 1);
        sub.allow_extras();  // an unknown subcommand gets a "did you mean" below
        sub.footer(
            "Examples:\n"
            "  apigw schema validate pet.schema.json pet.json\n"
            "  apigw schema validate openapi.yaml#/components/schemas/Pet examples/*.json\n"
            "\nExit codes: 0 every instance is valid; 1 an instance is not; 2 bad input or usage.");
        CLI::App* validate = sub.add_subcommand("validate", "Check instances against a schema");
        validate
            ->add_option("schema", o->schema,
                         "a JSON Schema file (JSON or YAML), or an OpenAPI document with a pointer: "
                         "openapi.yaml#/components/schemas/Pet")
            ->required();
        validate->add_option("instances", o->instances, "JSON or YAML files to check")->required();
        validate
            ->add_option("--dialect", o->dialect,
                         "draft4, oas3.0 or 2020-12 (default: from $schema, or the OpenAPI version: 2.0 "
                         "draft4, 3.0 oas3.0, 3.1 2020-12; else 2020-12)")
            ->check(CLI::IsMember({"draft4", "oas3.0", "2020-12"}));
        validate->add_option("--map", o->maps, "resolve remote $refs starting with URL from the folder DIR (URL=DIR)");
        validate->add_option("--max-errors", o->max_errors, "report at most N errors per instance (0: all)")
            ->check(CLI::Range(int64_t{0}, int64_t{1000000}))
            ->capture_default_str();
        validate->add_option("-f,--format", o->format, "output format")
            ->check(CLI::IsMember({"text", "json"}))
            ->capture_default_str();
        validate
            ->add_option("--formats", o->formats,
                         "'format' keywords: default (assert for draft4/oas3.0, annotate for 2020-12), "
                         "assert, annotate")
            ->check(CLI::IsMember({"default", "assert", "annotate"}))
            ->capture_default_str();
        validate
            ->add_option("--direction", o->direction,
                         "request: readOnly properties are rejected; response: writeOnly ones are")
            ->check(CLI::IsMember({"none", "request", "response"}))
            ->capture_default_str();
        validate->add_option("--repeat", o->repeat,
                             "benchmark: also validate each instance N times, and parse+validate a JSON one N times, and print the "
                             "throughputs to stderr");
        validate->footer(
            "Examples:\n"
            "  apigw schema validate pet.schema.json pet.json other.yaml\n"
            "  apigw schema validate openapi.yaml#/components/schemas/Pet pet.json --direction request\n"
            "  apigw schema validate schema.json doc.json --map https://example.com/schemas/=./schemas\n"
            "\nErrors print as FILE:LINE:COL: POINTER: MESSAGE (schema: SCHEMA-LOCATION).\n"
            "Exit codes: 0 every instance is valid; 1 an instance is not; 2 a file cannot be read or parsed, the\n"
            "schema cannot be compiled (a $ref that does not resolve, a bad regex), or bad flags.");
        return [o, validate, &sub]() -> int {
          if (!validate->parsed()) {
            auto extras = sub.remaining();
            if (extras.empty()) {
              std::cerr << "apigw schema: missing subcommand (validate)\nRun 'apigw schema --help' for usage.\n";
            } else {
              std::cerr << "apigw schema: unknown subcommand '" << extras.front() << "'";
              if (!util::nearest(extras.front(), {"validate"}).empty()) std::cerr << " (did you mean 'validate'?)";
              std::cerr << "\nRun 'apigw schema --help' for usage.\n";
            }
            return k_exit_bad_input;
          }
          auto extras = validate->remaining();
          for (auto& e : sub.remaining()) extras.push_back(e);
          if (!extras.empty()) {
            std::cerr << "apigw schema validate: unknown argument '" << extras.front() << "'";
            std::vector<std::string> names;
            for (const auto* opt : validate->get_options())
              for (const auto& l : opt->get_lnames()) names.push_back("--" + l);
            std::vector<std::string_view> views(names.begin(), names.end());
            std::string flag = extras.front().substr(0, extras.front().find('='));
            if (auto near = util::nearest(flag, views); !near.empty()) std::cerr << " (did you mean '" << near << "'?)";
            std::cerr << "\nRun 'apigw schema validate --help' for usage.\n";
            return k_exit_bad_input;
          }
          std::string prefix;
          auto started = std::chrono::steady_clock::now();
          auto compiled = load_schema(*o, prefix);
          auto ms_since = [](std::chrono::steady_clock::time_point t) {
            return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
          };
          if (compiled && o->repeat)
            std::cerr << "apigw schema validate: compiled " << compiled->node_count() << " schema nodes in "
                      << ms_since(started) << " ms\n";
          if (!compiled) return k_exit_bad_input;
          schema::ValidateOptions options;
          options.max_errors = static_cast<size_t>(o->max_errors);
          if (o->direction == "request") options.direction = schema::Direction::Request;
          if (o->direction == "response") options.direction = schema::Direction::Response;
          bool bad_input = false, invalid = false;
          nlohmann::json report = nlohmann::json::array();
          for (const auto& file : o->instances) {
            // The validator walks a tape: a JSON file is parsed straight into one (as the emulator parses bodies,
            // with no tree in between); YAML, and JSON that does not parse (the tree parser gives the message, and
            // tries YAML for a flow mapping such as "{a: 1}"), through a tree.
            std::error_code ec;
            std::optional<std::string> text =
                std::filesystem::is_directory(file, ec) ? std::nullopt : doc::read_text(file);
            doc::Tape tape;
            bool from_json = false;
            if (text && doc::reads_as_json(*text, file)) {
              doc::TapeDocument parsed = doc::parse_json_tape(*text);
              if (parsed.ok() && !parsed.tape.empty()) {
                tape = std::move(parsed.tape);
                from_json = true;
              }
            }
            if (!from_json) {
              doc::Document d = text ? doc::parse(std::move(*text), file) : doc::load_file(file);
              if (!d.ok()) {
                for (const auto& issue : d.issues)
                  if (issue.fatal) fail(doc::where(file, issue.mark) + ": " + issue.message);
                bad_input = true;
                continue;
              }
              tape = doc::Tape::from_node(d.root);
            }
            if (o->repeat) {
              compiled->is_valid(tape.root(), options.direction);  // warm-up
              auto t0 = std::chrono::steady_clock::now();
              size_t valid_count = 0;
              for (size_t i = 0; i < o->repeat; ++i) valid_count += compiled->is_valid(tape.root(), options.direction);
              double ms = ms_since(t0);
              std::cerr << "apigw schema validate: " << file << ": " << o->repeat << " validations in " << ms << " ms ("
                        << (ms > 0 ? o->repeat / ms * 1000 : 0) << "/s, " << valid_count << " valid)\n";
              // What a gateway's caller waits for: a request body arrives as bytes, so also time parsing them as the
              // emulator does (doc::parse_json_tape into the tape its server thread keeps between requests) together
              // with the validation.
              if (from_json) {
                t0 = std::chrono::steady_clock::now();
                valid_count = 0;
                doc::Tape reused;
                std::vector<doc::ParseIssue> issues;
                for (size_t i = 0; i < o->repeat; ++i)
                  valid_count += doc::parse_json_tape(*text, reused, issues) &&
                                 compiled->is_valid(reused.root(), options.direction);
                ms = ms_since(t0);
                std::cerr << "apigw schema validate: " << file << ": " << o->repeat << " parse+validations in " << ms
                          << " ms (" << (ms > 0 ? o->repeat / ms * 1000 : 0) << "/s, " << valid_count << " valid)\n";
              }
            }
            auto errors = compiled->validate(tape.root(), options);
            invalid = invalid || !errors.empty();
            if (o->format == "json") {
              nlohmann::json list = nlohmann::json::array();
              for (const auto& e : errors)
                list.push_back({{"instance_location", e.instance_location},
                                {"schema_location", shorten(e.schema_location, prefix)},
                                {"line", e.mark.line},
                                {"column", e.mark.col},
                                {"message", e.message}});
              report.push_back({{"file", file}, {"valid", errors.empty()}, {"errors", list}});
            } else if (errors.empty()) {
              std::cout << file << ": valid\n";
            } else {
              for (const auto& e : errors)
                std::cout << doc::where(file, e.mark) << ": "
                          << (e.instance_location.empty() ? "(root)" : e.instance_location) << ": " << e.message
                          << " (schema: " << shorten(e.schema_location, prefix) << ")\n";
            }
          }
          if (o->format == "json") std::cout << report.dump(2) << "\n";
          std::cout.flush();
          if (bad_input) return k_exit_bad_input;
          return invalid ? k_exit_findings : k_exit_ok;
        };
      }};
}

}  // namespace apigw::cli
