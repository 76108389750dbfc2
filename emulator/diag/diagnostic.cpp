#include "emulator/diag/diagnostic.hpp"

namespace apigw::diag {

const char* severity_name(Severity s) {
  switch (s) {
    case Severity::Hint: return "hint";
    case Severity::Info: return "info";
    case Severity::Warn: return "warn";
    case Severity::Error: return "error";
  }
  return "error";
}

bool parse_severity(const std::string& text, Severity& out) {
  if (text == "error") out = Severity::Error;
  else if (text == "warn" || text == "warning") out = Severity::Warn;
  else if (text == "info") out = Severity::Info;
  else if (text == "hint") out = Severity::Hint;
  else return false;
  return true;
}

std::string Diagnostic::format() const {
  std::string out = doc::where(file, mark);
  out += ": ";
  if (!path.empty()) {
    out += path;
    out += ": ";
  }
  out += message;
  return out;
}

bool has_errors(const Diagnostics& ds) {
  for (const auto& d : ds)
    if (d.severity == Severity::Error) return true;
  return false;
}

}  // namespace apigw::diag
