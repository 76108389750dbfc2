#include <unistd.h>

#include <iostream>

#include "cli/command.hpp"
#include "cli/lint/lint.hpp"

namespace apigw::cli {

Command lint_command() {
  return {"lint", "Check gateway configs for errors and risky settings", [](CLI::App& sub) {
            struct Options {
              std::vector<std::string> files;
              std::string format = "text";
              std::string fail_severity = "error";
            };
            auto o = std::make_shared<Options>();
            sub.add_option("files", o->files, "gateway config files (YAML or JSON)")->required();
            sub.add_option("-f,--format", o->format, "output format")
                ->check(CLI::IsMember({"text", "json"}))
                ->capture_default_str();
            sub.add_option("--fail-severity", o->fail_severity, "exit 1 when a finding is at least this severe")
                ->check(CLI::IsMember({"error", "warn", "info", "hint"}))
                ->capture_default_str();
            sub.footer(
                "Examples:\n"
                "  apigw lint samples/gateway.yaml\n"
                "  apigw lint --format json --fail-severity warn configs/*.yaml\n"
                "\nExit codes: 0 no finding at or above --fail-severity; 1 findings; 2 a file could not be read or\n"
                "is not a valid config (every error is still listed), or bad flags.");
            return [o]() {
              auto report = lint::lint_files(o->files);
              if (o->format == "json") std::cout << lint::format_json(report);
              else std::cout << lint::format_text(report, use_colour(STDOUT_FILENO));
              std::cout.flush();
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
