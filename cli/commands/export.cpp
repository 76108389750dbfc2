// apigw export CONFIG --target NAME [-o DIR]: lint with the target's compatibility rules, then write the artifact the
// target's own tooling imports (cli/export/export.hpp, docs/export.md).
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/command.hpp"
#include "cli/export/export.hpp"
#include "cli/lint/lint.hpp"
#include "cli/lint/openapi.hpp"
#include "emulator/openapi/model.hpp"
#include "emulator/openapi/spec.hpp"

namespace apigw::cli {

namespace {

void print(const diag::Diagnostic& d) {
  std::cerr << doc::where(d.file, d.mark) << ": " << diag::severity_name(d.severity) << ": ";
  if (!d.path.empty()) std::cerr << d.path << ": ";
  std::cerr << d.message << " [" << d.rule << "]\n";
}

// The target's provider rule from cli/lint (read-only use of its API), on the config and on its linked spec.
diag::Diagnostics lint_for(const model::Config& cfg, const std::string& target) {
  diag::Diagnostics out;
  std::string name = exporter::lint_target(target);
  if (name.empty()) return out;
  for (const auto& rule : lint::target_rules()) {
    if (!rule.target || name != rule.target) continue;
    if (rule.check) rule.check(cfg, rule, out);
    if (rule.check_openapi && !cfg.openapi.empty()) {
      diag::Diagnostics spec_problems;
      std::shared_ptr<const openapi::Spec> spec = openapi::Spec::load(cfg.openapi, spec_problems);
      if (!spec) continue;  // the exporter reports an unreadable spec
      lint::OpenApiInput in;
      in.file = cfg.openapi;
      in.spec = spec;
      in.model = openapi::normalize(*spec);
      rule.check_openapi(in, rule, out);
    }
  }
  return out;
}

bool write_file(const std::filesystem::path& path, const std::string& text) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  std::string tmp = path.string() + ".tmp";
  std::ofstream out(tmp, std::ios::binary);
  out << text;
  out.close();
  if (!out || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return false;
  }
  return true;
}

}  // namespace

Command export_command() {
  return {"export", "Turn a gateway config into what a managed gateway imports (AWS, Kong, GCP, OCI, Azure)", [](CLI::App& sub) {
            struct Options {
              std::string config;
              std::string target;
              std::string output;
            };
            auto o = std::make_shared<Options>();
            sub.add_option("config", o->config, "gateway config (YAML or JSON)")->required();
            sub.add_option("-t,--target", o->target, "aws-rest, aws-http, kong, gcp, oci or azure")
                ->required()
                ->check(CLI::IsMember(exporter::target_names()));
            sub.add_option("-o,--output", o->output,
                           "write into this directory (openapi.json, kong.yaml, deployment.json, policies/*.xml) "
                           "instead of stdout");
            sub.footer(
                "Examples:\n"
                "  apigw export gateway.yaml --target aws-rest -o dist/aws\n"
                "  aws apigateway import-rest-api --body fileb://dist/aws/openapi.json\n"
                "  apigw export gateway.yaml --target kong > kong.yaml && deck gateway sync kong.yaml\n"
                "  apigw export gateway.yaml --target azure -o dist/azure   # openapi.json + policies/OPERATION.xml\n"
                "\nThe config is first linted with the target's compatibility rules (apigw lint --target): errors stop\n"
                "the export, warnings are printed. What the target cannot express is listed on stderr, never dropped\n"
                "silently. See docs/export.md.\n"
                "Exit codes: 0 exported (warnings allowed); 2 the config cannot be read, or the target rejects it.");
            return [o]() -> int {
              model::LoadOptions load;
              load.missing_env_is_error = false;
              auto loaded = model::load_config_file(o->config, load);
              for (const auto& d : loaded.diagnostics) print(d);
              if (!loaded.config) {
                std::cerr << "apigw export: " << o->config << ": not a usable gateway config; nothing exported\n";
                return k_exit_bad_input;
              }
              const model::Config& cfg = *loaded.config;
              auto findings = lint_for(cfg, o->target);
              for (const auto& d : findings) print(d);
              if (diag::has_errors(findings)) {
                size_t errors = 0;
                for (const auto& d : findings) errors += d.severity == diag::Severity::Error;
                std::cerr << "apigw export: " << o->target << " cannot take " << o->config << " (" << errors
                          << (errors == 1 ? " error" : " errors") << " above); nothing exported\n";
                return k_exit_bad_input;
              }
              exporter::Result result;
              try {
                result = exporter::export_config(cfg, o->target);
              } catch (const std::exception& e) {
                std::cerr << "apigw export: " << e.what() << "\n";
                return k_exit_bad_input;
              }
              for (const auto& d : result.findings) print(d);
              if (o->output.empty()) {
                size_t needed = 0;
                for (const auto& f : result.files) needed += !f.companion;
                if (needed > 1) {
                  std::cerr << "apigw export: --target " << o->target << " writes " << result.files.size()
                            << " files (a document and a policy per operation); give -o DIR\n";
                  return k_exit_bad_input;
                }
                std::cout << result.files.front().text;
                for (const auto& f : result.files)
                  if (f.companion)
                    std::cerr << "apigw export: " << f.name << " (settings to apply beside the document) is written with -o DIR only\n";
              } else {
                namespace fs = std::filesystem;
                std::error_code ec;
                if (fs::exists(o->output, ec) && !fs::is_directory(o->output, ec)) {
                  std::cerr << "apigw export: " << o->output << " is a file; -o takes a directory\n";
                  return k_exit_bad_input;
                }
                for (const auto& f : result.files)
                  if (!write_file(fs::path(o->output) / f.name, f.text)) {
                    std::cerr << "apigw export: cannot write " << (fs::path(o->output) / f.name).string() << "\n";
                    return k_exit_bad_input;
                  }
                std::cerr << "apigw export: wrote " << result.files.size() << (result.files.size() == 1 ? " file" : " files")
                          << " to " << o->output << " (" << result.findings.size()
                          << (result.findings.size() == 1 ? " note" : " notes") << " above)\n";
              }
              return k_exit_ok;
            };
          }};
}

}  // namespace apigw::cli
