#include <unistd.h>

#include <fstream>
#include <iostream>

#include "cli/command.hpp"
#include "cli/lint/lint.hpp"
#include "emulator/util/text.hpp"

namespace apigw::cli {

namespace {
const std::vector<std::string> k_formats = {"text", "json", "sarif", "junit", "github", "markdown"};

int list_rules() {
  for (const auto& r : lint::catalogue())
    std::cout << r.id << std::string(r.id && std::string(r.id).size() < 28 ? 28 - std::string(r.id).size() : 1, ' ')
              << diag::severity_name(r.severity) << std::string(7 - std::string(diag::severity_name(r.severity)).size(), ' ')
              << r.description << "\n";
  return k_exit_ok;
}

int explain(const std::string& id) {
  const lint::Rule* r = lint::find_rule(id);
  if (!r) {
    std::vector<std::string_view> ids;
    for (const auto& rule : lint::catalogue()) ids.push_back(rule.id);
    std::string suggestion = util::nearest(id, ids);
    std::cerr << "apigw lint: unknown rule '" << id << "'"
              << (suggestion.empty() ? "" : " (did you mean '" + suggestion + "'?)") << "; see --list-rules\n";
    return k_exit_bad_input;
  }
  std::cout << r->id << " (" << diag::severity_name(r->severity) << ")\n  " << r->description << "\n  How to fix: "
            << r->how_to_fix << "\n";
  return k_exit_ok;
}
}  // namespace

Command lint_command() {
  return {"lint", "Check gateway configs and OpenAPI documents, with CI-ready output", [](CLI::App& sub) {
            struct Options {
              std::vector<std::string> files;
              std::string format = "text";
              std::string fail_severity = "error";
              std::vector<std::string> outputs;
              bool list_rules = false;
              std::string explain;
            };
            auto o = std::make_shared<Options>();
            sub.add_option("files", o->files, "gateway configs and OpenAPI documents (YAML or JSON)");
            sub.add_option("-f,--format", o->format, "output format on stdout")
                ->check(CLI::IsMember(k_formats))
                ->capture_default_str();
            sub.add_option("-o,--output", o->outputs, "also write FORMAT to FILE (repeatable), e.g. -o sarif=lint.sarif");
            sub.add_option("--fail-severity", o->fail_severity, "exit 1 when a finding is at least this severe")
                ->check(CLI::IsMember({"error", "warn", "info", "hint"}))
                ->capture_default_str();
            sub.add_flag("--list-rules", o->list_rules, "list every rule with its severity and exit");
            sub.add_option("--explain", o->explain, "describe a rule and how to fix its findings");
            sub.footer(
                "Examples:\n"
                "  apigw lint samples/gateway.yaml\n"
                "  apigw lint --format json --fail-severity warn configs/*.yaml\n"
                "  apigw lint gateway.yaml openapi.yaml -f github -o sarif=apigw.sarif -o junit=apigw-junit.xml\n"
                "\nFormats: text, json, sarif (2.1.0, for GitHub code scanning), junit, github (workflow annotations),\n"
                "markdown (PR comments).\n"
                "Exit codes: 0 no finding at or above --fail-severity; 1 findings; 2 a file could not be read or\n"
                "is not a valid config or spec (every error is still listed), or bad flags.");
            return [o]() {
              if (o->list_rules) return list_rules();
              if (!o->explain.empty()) return explain(o->explain);
              if (o->files.empty()) {
                std::cerr << "apigw lint: give at least one file (or --list-rules)\n";
                return k_exit_bad_input;
              }
              std::vector<std::pair<std::string, std::string>> outputs;
              for (const auto& spec : o->outputs) {
                auto eq = spec.find('=');
                std::string fmt = spec.substr(0, eq);
                if (eq == std::string::npos || eq + 1 == spec.size() ||
                    std::find(k_formats.begin(), k_formats.end(), fmt) == k_formats.end()) {
                  std::cerr << "apigw lint: -o expects FORMAT=FILE with FORMAT one of text, json, sarif, junit, github, "
                               "markdown; got '" << spec << "'\n";
                  return k_exit_bad_input;
                }
                outputs.emplace_back(fmt, spec.substr(eq + 1));
              }
              auto report = lint::lint_files(o->files);
              std::cout << lint::format(report, o->format, use_colour(STDOUT_FILENO));
              std::cout.flush();
              for (const auto& [fmt, file] : outputs) {
                std::ofstream out(file, std::ios::binary);
                out << lint::format(report, fmt, false);
                if (!out) {
                  std::cerr << "apigw lint: cannot write " << file << "\n";
                  return k_exit_bad_input;
                }
              }
              if (report.any_unloadable()) return k_exit_bad_input;
              diag::Severity threshold = diag::Severity::Error;
              diag::parse_severity(o->fail_severity, threshold);
              for (const auto& d : report.diagnostics)
                if (d.severity >= threshold) return k_exit_findings;
              return k_exit_ok;
            };
          }};
}

}  // namespace apigw::cli
