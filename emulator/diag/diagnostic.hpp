// A finding about an input file: where it is, how bad it is, and what to do about it.
#pragma once

#include <string>
#include <vector>

#include "emulator/doc/node.hpp"

namespace apigw::diag {

enum class Severity { Hint = 0, Info = 1, Warn = 2, Error = 3 };

const char* severity_name(Severity s);
// Parses "error", "warn", "warning", "info", "hint".
bool parse_severity(const std::string& text, Severity& out);

struct Diagnostic {
  Severity severity = Severity::Error;
  std::string rule;      // kebab-case rule id, e.g. "config-unknown-key"
  std::string file;
  doc::Mark mark;
  std::string path;      // key path in the document, e.g. "routes[1].method"
  std::string message;

  // "file:line:col: path: message" — the form every loader error takes.
  std::string format() const;
};

using Diagnostics = std::vector<Diagnostic>;

bool has_errors(const Diagnostics& ds);

}  // namespace apigw::diag
