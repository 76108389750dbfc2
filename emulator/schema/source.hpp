// Where schemas come from: a schema file, a pointer into a file, or a schema inside a loaded OpenAPI document
// (whose $refs to other files are read through the spec). For the CLI, lint and the emulator alike.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "emulator/openapi/spec.hpp"
#include "emulator/schema/schema.hpp"

namespace apigw::schema {

// The dialect an OpenAPI version uses for its Schema Objects: 2.0 draft4, 3.0 oas3.0, 3.1 2020-12.
Dialect dialect_for(openapi::Version version);

// Compiles the schema at `pointer` (e.g. "/components/schemas/Pet") of a loaded spec. `options.dialect` is set from the
// spec's version unless `dialect` is given; other files are read through the spec (its cache is shared).
std::shared_ptr<const Schema> compile_in_spec(std::shared_ptr<const openapi::Spec> spec, const std::string& pointer,
                                              CompileOptions options, std::vector<std::string>& errors,
                                              std::optional<Dialect> dialect = std::nullopt);

// Compiles a schema node of a loaded spec (an operation's parameter or body schema, for instance), wherever it lives:
// in the root document, in another file its $refs reach, or synthesised by openapi::normalize. `label`, a JSON pointer
// ("/paths/~1pets/get/requestBody/content/application~1json/schema"), names it in schema locations when the node is
// not inside its file's tree.
std::shared_ptr<const Schema> compile_located(std::shared_ptr<const openapi::Spec> spec, openapi::Located schema,
                                              const std::string& label, CompileOptions options,
                                              std::vector<std::string>& errors);

struct Loaded {
  std::shared_ptr<const Schema> schema;
  std::string folder_uri;  // "file:///dir/" of the schema file: strip it from schema locations for display
};

// Loads "file.json", "file.yaml#/definitions/X" or "openapi.yaml#/components/schemas/Pet" (a pointer into an OpenAPI
// document loads it as a spec). Errors are "file#/location: message" or "file:line:col: message".
Loaded load(const std::string& reference, CompileOptions options, std::vector<std::string>& errors,
            std::optional<Dialect> dialect = std::nullopt);

}  // namespace apigw::schema
