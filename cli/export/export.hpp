// Gateway config → the artifact a managed gateway imports (`apigw export --target NAME`): a pure function that
// returns the files to write and what the target could not express (never dropped silently).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "emulator/diag/diagnostic.hpp"
#include "emulator/model/config.hpp"

namespace apigw::exporter {

// The --target names, in the order docs/export.md describes them.
const std::vector<std::string>& target_names();

// The lint --target whose compatibility rules run before exporting ("" when lint has none, e.g. kong).
std::string lint_target(const std::string& target);

struct File {
  std::string name;  // relative to -o DIR: "openapi.json", "kong.yaml", "policies/getPet.xml"
  std::string text;
  // Settings to apply beside the main document (aws-settings.json): stdout gets the main document alone.
  bool companion = false;
};

struct Result {
  std::vector<File> files;     // the first one is the main document (what stdout gets)
  diag::Diagnostics findings;  // warnings: what was dropped or approximated (rules export-unsupported, export-approximated)
};

// `cfg` must be a loaded config. Reads cfg.openapi (when set) for the linked operations' schemas.
Result export_config(const model::Config& cfg, const std::string& target);

// The Kong regex path for a template: "/pets/{petId}" → "~/pets/(?<petId>[^/]+)$"; literal paths stay as written.
std::string kong_path(const router::PathTemplate& path);

}  // namespace apigw::exporter
