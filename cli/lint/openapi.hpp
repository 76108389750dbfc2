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

// Helpers the OpenAPI and provider rules share (cli/lint/openapi_rules.cpp).
// "/paths/~1pets/get" from {"paths", "/pets", "get"}: each token escaped.
std::string pointer(const std::vector<std::string>& tokens);
// Where an operation is: /paths/~1pets/get (/webhooks/NAME/post), or its real pointer when its path item lives in
// another file.
std::string op_pointer(const OpenApiInput& in, const openapi::Operation& op);
// "GET /pets", "POST webhook 'pet.created'".
std::string op_name(const openapi::Operation& op);

// Loads `file`, reports the loader's and reference findings, then runs every OpenAPI rule `settings` turns on.
// Returns false when the file is not a usable OpenAPI document.
// `spec`: the document already loaded (Spec::load), or nullptr to load it here.
bool lint_openapi(const std::string& file, const Settings& settings, diag::Diagnostics& out,
                  std::shared_ptr<const openapi::Spec> spec = nullptr);

}  // namespace apigw::lint
