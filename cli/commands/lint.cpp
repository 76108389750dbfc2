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
  auto pad = [](std::string s, size_t width) { return s.size() < width ? s + std::string(width - s.size(), ' ') : s + " "; };
  for (const auto& r : lint::catalogue()) {
    bool loader = !r.check && !r.check_openapi;
    std::string when = loader ? "always" : r.target ? std::string("--target ") + r.target : lint::ruleset_name(r.ruleset);
    std::cout << pad(r.id, 28) << pad(diag::severity_name(r.severity), 7) << pad(r.category, 19) << pad(when, 13)
              << r.description << "\n";
  }
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
  bool loader = !r->check && !r->check_openapi;
  std::string when = loader     ? std::string("always reported")
                     : r->target ? std::string("with --target ") + r->target
                                 : std::string("in ruleset ") + lint::ruleset_name(r->ruleset) +
                                       (r->ruleset == lint::Ruleset::All ? "" : " and up");
  std::cout << r->id << " (" << diag::severity_name(r->severity) << ", " << r->category << ", " << when << ")\n  "
            << r->description << "\n  How to fix: " << r->how_to_fix << "\n";
  if (r->details) std::cout << "  " << r->details << "\n";
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
              std::string ruleset;
              std::string config;
              std::string baseline;
              std::string write_baseline;
              std::vector<std::string> targets;
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
            sub.add_option("--ruleset", o->ruleset,
                           "which rules run: recommended (default), strict (more rules, warnings become errors), all, "
                           "off; replaces the lint config's 'extends'")
                ->check(CLI::IsMember({"recommended", "strict", "all", "off"}));
            sub.add_option("--config", o->config,
                           "lint config file (default: the nearest .apigw-lint.yaml above each linted file)");
            sub.add_option("--target", o->targets,
                           "also check what this gateway's import rejects or ignores, and its limits (repeatable, or "
                           "comma-separated): aws-rest, aws-http, azure, gcp, oci")
                ->delimiter(',')
                ->allow_extra_args(false)  // one value per --target, so the files after it stay files
                ->check(CLI::IsMember(lint::target_names()));
            sub.add_option("--baseline", o->baseline, "report only findings not recorded in this baseline file");
            sub.add_option("--write-baseline", o->write_baseline,
                           "record today's findings in this file (for --baseline) and exit 0");
            sub.footer(
                "Examples:\n"
                "  apigw lint samples/gateway.yaml\n"
                "  apigw lint --format json --fail-severity warn configs/*.yaml\n"
                "  apigw lint gateway.yaml openapi.yaml -f github -o sarif=apigw.sarif -o junit=apigw-junit.xml\n"
                "  apigw lint --ruleset strict openapi.yaml\n"
                "  apigw lint gateway.yaml --target aws-rest --target gcp   # will the clouds take it?\n"
                "  apigw lint openapi.yaml --write-baseline lint-baseline.json   # then, in CI:\n"
                "  apigw lint openapi.yaml --baseline lint-baseline.json\n"
                "\nFormats: text, json, sarif (2.1.0, for GitHub code scanning), junit, github (workflow annotations),\n"
                "markdown (PR comments).\n"
                "Lint config (.apigw-lint.yaml): extends: RULESET; rules: {RULE: off|error|warn|info|hint};\n"
                "ignore: [{rule, file, pointer, reason}] (globs; reason required). See docs/lint.md.\n"
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
              lint::Options options;
              options.config = o->config;
              options.targets = o->targets;
              if (lint::Ruleset r{}; !o->ruleset.empty() && lint::parse_ruleset(o->ruleset, r)) options.ruleset = r;
              auto report = lint::lint_files(o->files, options);
              if (!o->write_baseline.empty()) {
                std::ofstream out(o->write_baseline, std::ios::binary);
                out << lint::format_baseline(report, o->write_baseline);
                if (!out) {
                  std::cerr << "apigw lint: cannot write " << o->write_baseline << "\n";
                  return k_exit_bad_input;
                }
                std::cerr << "apigw lint: recorded " << report.diagnostics.size() << " finding(s) in "
                          << o->write_baseline << "\n";
                return report.any_unloadable() ? k_exit_bad_input : k_exit_ok;
              }
              if (!o->baseline.empty()) {
                std::string error;
                if (!lint::apply_baseline(report, o->baseline, error)) {
                  std::cerr << "apigw lint: " << error << "\n";
                  return k_exit_bad_input;
                }
              }
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
