#include "cli/lint/lint.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

#include <nlohmann/json.hpp>

#include "emulator/openapi/spec.hpp"

namespace apigw::lint {

using diag::Severity;

bool Report::any_unloadable() const {
  return std::any_of(files.begin(), files.end(), [](const FileResult& f) { return !f.loaded; });
}

size_t Report::count(Severity s) const {
  return static_cast<size_t>(std::count_if(diagnostics.begin(), diagnostics.end(), [s](const auto& d) { return d.severity == s; }));
}

namespace {

// OpenAPI documents: structure and references for now (the full rule set is the lint issue's work).
bool lint_openapi(const std::string& file, diag::Diagnostics& out) {
  diag::Diagnostics found;
  auto spec = openapi::Spec::load(file, found);
  if (spec) spec->check_references(found);
  for (auto& d : found) out.push_back(std::move(d));
  return spec != nullptr;
}

bool is_openapi(const doc::Document& d) {
  return d.ok() && d.root.is_object() && !model::is_gateway_config(d.root) &&
         (d.root.find("openapi") || d.root.find("swagger"));
}

}  // namespace

Report lint_files(const std::vector<std::string>& files) {
  Report report;
  model::LoadOptions options;
  options.missing_env_is_error = false;  // CI rarely has the secrets; say so as a warning instead
  std::set<std::string> specs_done;
  for (const auto& file : files) {
    doc::Document document = doc::load_file(file);
    FileResult fr{file, false};
    if (is_openapi(document)) {
      std::string key = std::filesystem::path(file).lexically_normal().string();
      if (!specs_done.insert(key).second) continue;  // already linted as a config's spec
      fr.loaded = lint_openapi(file, report.diagnostics);
      report.files.push_back(fr);
      continue;
    }
    auto loaded = model::load_config_document(document, options);
    for (auto& d : loaded.diagnostics) report.diagnostics.push_back(std::move(d));
    if (loaded.config) {
      fr.loaded = true;
      diag::Diagnostics found;
      for (const auto& rule : config_rules()) rule.check(*loaded.config, rule, found);
      std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
        return std::tie(a.mark.line, a.mark.col) < std::tie(b.mark.line, b.mark.col);
      });
      for (auto& d : found) report.diagnostics.push_back(std::move(d));
      // A config's spec is linted with it.
      const std::string& spec = loaded.config->openapi;
      if (!spec.empty() && specs_done.insert(spec).second) {
        report.files.push_back({spec, true});
        report.files.back().loaded = lint_openapi(spec, report.diagnostics);
      }
    }
    report.files.push_back(fr);
  }
  return report;
}

std::string format_text(const Report& report, bool colour) {
  std::string out;
  auto paint = [&](const char* code, const std::string& text) {
    return colour ? std::string("\x1b[") + code + "m" + text + "\x1b[0m" : text;
  };
  for (const auto& d : report.diagnostics) {
    const char* code = d.severity == Severity::Error ? "1;31" : d.severity == Severity::Warn ? "1;33" : "1;36";
    out += paint("1", doc::where(d.file, d.mark)) + ": " + paint(code, diag::severity_name(d.severity)) + ": ";
    if (!d.path.empty()) out += d.path + ": ";
    out += d.message + " " + paint("2", "[" + d.rule + "]") + "\n";
  }
  size_t e = report.count(Severity::Error), w = report.count(Severity::Warn);
  size_t other = report.diagnostics.size() - e - w;
  auto plural = [](size_t n, const char* word) { return std::to_string(n) + " " + word + (n == 1 ? "" : "s"); };
  out += plural(report.files.size(), "file") + " checked: " + plural(e, "error") + ", " + plural(w, "warning");
  if (other) out += ", " + std::to_string(other) + " info/hints";
  out += "\n";
  return out;
}

std::string format_json(const Report& report) {
  nlohmann::json j;
  j["files"] = nlohmann::json::array();
  for (const auto& f : report.files) j["files"].push_back({{"file", f.file}, {"loaded", f.loaded}});
  j["diagnostics"] = nlohmann::json::array();
  for (const auto& d : report.diagnostics) {
    nlohmann::json item = {{"file", d.file}, {"severity", diag::severity_name(d.severity)}, {"rule", d.rule},
                           {"path", d.path}, {"message", d.message}};
    item["line"] = d.mark.line ? nlohmann::json(d.mark.line) : nlohmann::json(nullptr);
    item["column"] = d.mark.col ? nlohmann::json(d.mark.col) : nlohmann::json(nullptr);
    j["diagnostics"].push_back(std::move(item));
  }
  j["summary"] = {{"errors", report.count(Severity::Error)},
                  {"warnings", report.count(Severity::Warn)},
                  {"infos", report.count(Severity::Info)},
                  {"hints", report.count(Severity::Hint)}};
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace apigw::lint
