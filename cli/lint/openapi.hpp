// What the OpenAPI rules read: the loaded spec (raw nodes, for locations) and its normalised model.
#pragma once

#include <memory>

#include "cli/lint/lint.hpp"
#include "emulator/openapi/model.hpp"
#include "emulator/openapi/spec.hpp"

namespace apigw::lint {

struct OpenApiInput {
  std::string file;  // the root document as the user named it (the spec knows it by its canonical path too)
  std::shared_ptr<const openapi::Spec> spec;
  openapi::Model model;

  // Whether a node lives in the root document, and the name findings there use.
  bool in_root(const openapi::Located& l) const {
    return !l.file || l.file == spec->root_located().file || *l.file == file || *l.file == spec->path();
  }
  const std::string& file_of(const openapi::Located& l) const { return in_root(l) ? file : *l.file; }
};

// Loads `file`, reports the loader's and reference findings, then runs every OpenAPI rule `settings` turns on.
// Returns false when the file is not a usable OpenAPI document.
bool lint_openapi(const std::string& file, const Settings& settings, diag::Diagnostics& out);

}  // namespace apigw::lint
