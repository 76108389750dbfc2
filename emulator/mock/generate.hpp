// Example values generated from a schema, for mock responses (and request samples): static (the schema's own
// default/example/const/enum, else a fixed value per type and format) or dynamic (realistic fake data from a seed,
// the same seed giving the same value). A generated value validates against the schema it came from.
#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

#include "emulator/openapi/spec.hpp"
#include "emulator/schema/schema.hpp"

namespace apigw::mock {

struct GenerateOptions {
  bool dynamic = false;  // false: static values; true: fake data drawn from `seed`
  uint64_t seed = 0;
  // Response: writeOnly properties left out; Request: readOnly ones left out.
  schema::Direction direction = schema::Direction::Response;
  // Recursive schemas stop here: optional members dropped, arrays get only minItems items, nullable values are null.
  size_t max_depth = 8;
};

// A value for the schema at `schema` (a node in one of `spec`'s files; $refs are followed through `spec`, in any
// file). An empty Located (no schema) gives null. Never throws on odd schemas: it does its best and stays valid
// where the schema is satisfiable.
nlohmann::ordered_json generate(const openapi::Spec& spec, openapi::Located schema, const GenerateOptions& options);

}  // namespace apigw::mock
