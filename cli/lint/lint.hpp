// Lint: load each input, collect the loader's findings, then run the rules on what loaded.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "emulator/diag/diagnostic.hpp"
#include "emulator/doc/span.hpp"
#include "emulator/model/config.hpp"

namespace apigw::lint {

// Each ruleset includes the one before it: recommended ⊂ strict ⊂ all. Off runs no rule (the loaders' findings stay).
enum class Ruleset { Off, Recommended, Strict, All };
const char* ruleset_name(Ruleset r);
bool parse_ruleset(const std::string& text, Ruleset& out);

struct OpenApiInput;  // a loaded spec and its normalised model (cli/lint/openapi.hpp)

struct Rule {
  const char* id;
  diag::Severity severity;  // the default
  const char* category;     // config, gateway, openapi-structure, openapi-practice
  Ruleset ruleset;          // the smallest ruleset that turns it on
  const char* description;
  const char* how_to_fix;
  void (*check)(const model::Config& config, const Rule& self, diag::Diagnostics& out) = nullptr;
  void (*check_openapi)(const OpenApiInput& spec, const Rule& self, diag::Diagnostics& out) = nullptr;
  const char* target = nullptr;   // provider rules: the --target that turns the rule on (it never runs without)
  const char* details = nullptr;  // --explain's longer text: for provider rules, each limit and its source
};

const std::vector<Rule>& config_rules();
const std::vector<Rule>& openapi_rules();
// Provider compatibility (cli/lint/targets.cpp): one rule per --target, checking configs and specs alike.
const std::vector<Rule>& target_rules();
// The --target names: aws-rest, aws-http, azure, gcp, oci.
const std::vector<std::string>& target_names();

// Every rule id lint can report: the checks above plus the loaders' own findings (no check function).
const std::vector<Rule>& catalogue();
const Rule* find_rule(const std::string& id);

// An `ignore:` entry of the lint config: findings of `rule` in files matching `file` at JSON pointers matching
// `pointer` are not reported. Globs: `*` within a path segment, `**` across segments; empty matches everything.
struct Ignore {
  std::string rule;
  std::string file;
  std::string pointer;
  std::string reason;
};

// What runs: a ruleset, per-rule severities (nullopt: off) and ignores. From flags and `.apigw-lint.yaml`.
struct Settings {
  Ruleset ruleset = Ruleset::Recommended;
  std::map<std::string, std::optional<diag::Severity>> rules;
  std::vector<Ignore> ignores;
  std::set<std::string> targets;  // --target: the providers whose rules run
  std::string source;  // the config file these came from, "" for the defaults; ignore globs are relative to it

  // The severity `rule` reports at, or nullopt when it does not run.
  std::optional<diag::Severity> severity_of(const Rule& rule) const;
  bool ignored(const diag::Diagnostic& d) const;
};

// Reads a lint config file. Problems (unknown rule ids with "did you mean", bad values, an ignore without a reason)
// go to `out` with file:line:col; returns nullopt when there are any.
std::optional<Settings> load_settings(const std::string& path, diag::Diagnostics& out);
// The nearest `.apigw-lint.yaml` in the directory of `file` or above it, "" when there is none.
std::string find_settings_file(const std::string& file);

struct Options {
  std::optional<Ruleset> ruleset;  // --ruleset: replaces the config file's `extends`
  std::string config;              // --config FILE: instead of searching upward from each input
  std::vector<std::string> targets;  // --target: provider compatibility rules to run
};

struct FileResult {
  std::string file;
  bool loaded = false;  // false: the file is not a usable config or spec (syntax or schema errors)
};

// A file's text, read once for the report.
struct Source {
  std::string text;
  bool json = false;
};

struct Report {
  std::vector<FileResult> files;
  diag::Diagnostics diagnostics;
  size_t ignored = 0;    // findings an ignore entry suppressed
  size_t baselined = 0;  // findings already in the baseline
  // The text of each file findings point into, by the name they use: for end positions and code frames.
  std::map<std::string, Source> sources;
  bool any_unloadable() const;
  size_t count(diag::Severity s) const;
};

// Where findings end and what their lines say, measured in Report::sources when a format asks: the tree keeps only
// starts. Each file's line starts are found once, so this costs one scan per file plus the offending nodes.
class Regions {
 public:
  explicit Regions(const Report& report) : report_(report) {}
  // The end of the finding's node (exclusive column, as SARIF's endColumn); {} when its text or start is unknown.
  doc::Mark end(const diag::Diagnostic& d);
  // Line `line` of `file` without its line break; empty when unknown.
  std::string_view line(const std::string& file, uint32_t line);

 private:
  const doc::Lines* lines(const std::string& file);  // nullptr when lint has no text for the file
  const Report& report_;
  std::map<std::string, std::optional<doc::Lines>> lines_;
};

Report lint_files(const std::vector<std::string>& files, const Options& options = {});

// The finding's location as a JSON pointer: OpenAPI findings carry one; config key paths (routes[1].method) are
// converted (/routes/1/method).
std::string json_pointer(const diag::Diagnostic& d);
// Glob match for ignore entries: `*` matches within a segment (no '/'), `**` matches anything.
bool glob_match(std::string_view pattern, std::string_view text);

// Baselines: the findings of a run, by fingerprint, so that a later run reports only new ones. File names are stored
// relative to the baseline's directory, so the baseline works from any working directory.
std::string format_baseline(const Report& report, const std::string& baseline_path);
// Removes findings recorded in the baseline (each recorded finding absorbs one) and counts them in `baselined`.
// Returns false with `error` set when the baseline cannot be read.
bool apply_baseline(Report& report, const std::string& baseline_path, std::string& error);

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
