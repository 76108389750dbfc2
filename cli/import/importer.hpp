// OpenAPI document → gateway config: a pure function plus the warnings about what it could not map.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "emulator/diag/diagnostic.hpp"
#include "emulator/openapi/spec.hpp"

namespace apigw::import {

struct Options {
  std::string mode = "mock";  // "mock", "proxy", or "stateful" (mock, with CRUD routes answering from a store)
  std::string upstream;       // proxy mode: overrides the spec's servers
  std::string spec_reference; // what the config's `openapi:` key says (a path relative to the config)
};

struct Result {
  nlohmann::ordered_json config;
  diag::Diagnostics warnings;  // what was not mapped, with its location
  bool ok = true;              // false: an error in `warnings` stops the import
};

Result import_spec(const openapi::Spec& spec, const Options& options);

// YAML text of a config, keys in the order given, strings quoted whenever YAML would read them as something else.
std::string to_yaml(const nlohmann::ordered_json& config, const std::string& header_comment);

}  // namespace apigw::import
