// Lint: load each input, collect the loader's findings, then run the rules on what loaded.
#pragma once

#include <string>
#include <vector>

#include "emulator/diag/diagnostic.hpp"
#include "emulator/model/config.hpp"

namespace apigw::lint {

struct Rule {
  const char* id;
  diag::Severity severity;
  const char* description;
  const char* how_to_fix;
  void (*check)(const model::Config& config, const Rule& self, diag::Diagnostics& out);
};

const std::vector<Rule>& config_rules();

struct FileResult {
  std::string file;
  bool loaded = false;  // false: the file is not a usable config (syntax or schema errors)
};

struct Report {
  std::vector<FileResult> files;
  diag::Diagnostics diagnostics;
  bool any_unloadable() const;
  size_t count(diag::Severity s) const;
};

Report lint_files(const std::vector<std::string>& files);

std::string format_text(const Report& report, bool colour);
std::string format_json(const Report& report);

}  // namespace apigw::lint
