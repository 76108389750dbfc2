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

// Every rule id lint can report: the checks above plus the loaders' own findings (check == nullptr).
const std::vector<Rule>& catalogue();
const Rule* find_rule(const std::string& id);

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
// SARIF 2.1.0 for code scanning: rule metadata, 1-based regions, URIs relative to `base_dir`, stable fingerprints.
std::string format_sarif(const Report& report, const std::string& base_dir);
std::string format_junit(const Report& report);
std::string format_github(const Report& report);  // workflow commands (::error file=...)
std::string format_markdown(const Report& report);

// A fingerprint that survives lines moving: rule, file, key path and message.
std::string fingerprint(const diag::Diagnostic& d);

// "text", "json", "sarif", "junit", "github", "markdown"; empty for an unknown name.
std::string format(const Report& report, const std::string& name, bool colour);

}  // namespace apigw::lint
