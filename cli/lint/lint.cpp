#include "cli/lint/lint.hpp"

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <tuple>

#include <nlohmann/json.hpp>

#include "cli/lint/openapi.hpp"
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

bool is_openapi(const doc::Document& d) {
  return d.ok() && d.root.is_object() && !model::is_gateway_config(d.root) &&
         (d.root.find("openapi") || d.root.find("swagger"));
}

// Applies the settings to one input's findings: severities of the loaders' findings, then ignores.
void finish(diag::Diagnostics& found, const Settings& settings, Report& report) {
  for (auto& d : found) {
    if (auto it = settings.rules.find(d.rule); it != settings.rules.end()) {
      if (!it->second) {
        ++report.ignored;
        continue;
      }
      d.severity = *it->second;
    }
    if (settings.ignored(d)) {
      ++report.ignored;
      continue;
    }
    report.diagnostics.push_back(std::move(d));
  }
  found.clear();
}

}  // namespace

bool lint_openapi(const std::string& file, const Settings& settings, diag::Diagnostics& out,
                  std::shared_ptr<const openapi::Spec> spec) {
  if (!spec) spec = openapi::Spec::load(file, out);
  if (!spec) return false;
  spec->check_references(out);
  OpenApiInput in{file, spec, openapi::normalize(*spec)};
  diag::Diagnostics found;
  for (const auto* rules : {&openapi_rules(), &target_rules()})
    for (const auto& rule : *rules) {
      auto severity = settings.severity_of(rule);
      if (!severity || !rule.check_openapi) continue;
      Rule effective = rule;
      effective.severity = *severity;
      rule.check_openapi(in, effective, found);
    }
  // By file (the root first), then position: a multi-file spec reads file by file.
  const std::string& root = in.file;
  std::stable_sort(found.begin(), found.end(), [&](const auto& a, const auto& b) {
    return std::make_tuple(a.file != root, a.file, a.mark.line, a.mark.col) <
           std::make_tuple(b.file != root, b.file, b.mark.line, b.mark.col);
  });
  for (auto& d : found) out.push_back(std::move(d));
  return true;
}

Report lint_files(const std::vector<std::string>& files, const Options& options) {
  Report report;
  model::LoadOptions load_options;
  load_options.missing_env_is_error = false;  // CI rarely has the secrets; say so as a warning instead
  std::set<std::string> specs_done;
  // Lint config files by path (searched upward from each input, or --config), each loaded and reported once.
  std::map<std::string, Settings> settings_by_file;
  auto settings_for = [&](const std::string& input) -> const Settings& {
    std::string path = options.config.empty() ? find_settings_file(input) : options.config;
    auto it = settings_by_file.find(path);
    if (it == settings_by_file.end()) {
      diag::Diagnostics problems;
      std::optional<Settings> loaded = path.empty() ? Settings{} : load_settings(path, problems);
      if (!loaded) {  // still lint with the defaults, so one mistake in the config hides nothing else
        report.files.push_back({path, false});
        for (auto& d : problems) report.diagnostics.push_back(std::move(d));
        loaded = Settings{};
      }
      if (options.ruleset) loaded->ruleset = *options.ruleset;
      loaded->targets.insert(options.targets.begin(), options.targets.end());
      it = settings_by_file.emplace(path, std::move(*loaded)).first;
    }
    return it->second;
  };
  diag::Diagnostics found;
  for (const auto& file : files) {
    const Settings& settings = settings_for(file);
    FileResult fr{file, false};
    std::string key = std::filesystem::path(file).lexically_normal().string();
    // Most inputs are specs, and a large one takes longer to parse than to lint: load it as a spec first, so it is
    // parsed once. What does not load as one (a config, a broken spec) is read again below and told apart.
    if (!specs_done.count(key)) {
      diag::Diagnostics loading;
      if (std::shared_ptr<const openapi::Spec> spec = openapi::Spec::load(file, loading)) {
        specs_done.insert(key);
        for (auto& d : loading) found.push_back(std::move(d));
        fr.loaded = lint_openapi(file, settings, found, std::move(spec));
        finish(found, settings, report);
        report.files.push_back(fr);
        continue;
      }
    }
    doc::Document document = doc::load_file(file);
    if (is_openapi(document)) {
      if (!specs_done.insert(key).second) continue;  // already linted as a config's spec
      fr.loaded = lint_openapi(file, settings, found);
      finish(found, settings, report);
      report.files.push_back(fr);
      continue;
    }
    auto loaded = model::load_config_document(document, load_options);
    for (auto& d : loaded.diagnostics) found.push_back(std::move(d));
    if (loaded.config) {
      fr.loaded = true;
      diag::Diagnostics checked;
      for (const auto* rules : {&config_rules(), &target_rules()})
        for (const auto& rule : *rules) {
          auto severity = settings.severity_of(rule);
          if (!severity || !rule.check) continue;
          Rule effective = rule;
          effective.severity = *severity;
          rule.check(*loaded.config, effective, checked);
        }
      std::stable_sort(checked.begin(), checked.end(), [](const auto& a, const auto& b) {
        return std::tie(a.mark.line, a.mark.col) < std::tie(b.mark.line, b.mark.col);
      });
      for (auto& d : checked) found.push_back(std::move(d));
      finish(found, settings, report);
      // A config's spec is linted with it.
      const std::string& spec = loaded.config->openapi;
      if (!spec.empty() && specs_done.insert(spec).second) {
        report.files.push_back({spec, true});
        report.files.back().loaded = lint_openapi(spec, settings, found);
        finish(found, settings, report);
      }
    }
    finish(found, settings, report);
    report.files.push_back(fr);
  }
  // The texts findings point into, for where they end and their code frames: read once each, as the parsed documents
  // keep only their trees (a spec's tree can live as long as serve does).
  std::set<std::string> named;
  for (const auto& d : report.diagnostics) named.insert(d.file);
  for (const auto& file : named) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) continue;  // a directory, or a pipe already read to its end
    if (std::optional<std::string> text = doc::read_text(file)) {
      const bool json = doc::reads_as_json(*text, file);
      report.sources.emplace(file, Source{std::move(*text), json});
    }
  }
  return report;
}

doc::Mark Regions::end(const diag::Diagnostic& d) {
  const doc::Lines* file_lines = lines(d.file);
  if (!file_lines || d.mark.line == 0) return {};
  // The node's own name tells a mark at a key (the entry) from a YAML block mapping marked at its first key.
  std::string pointer = json_pointer(d);
  auto token = [&](size_t begin, size_t end) {  // one pointer token, unescaped
    std::string out;
    for (size_t i = begin; i < end; ++i) {
      if (pointer[i] == '~' && i + 1 < end && (pointer[i + 1] == '0' || pointer[i + 1] == '1')) out += pointer[++i] == '0' ? '~' : '/';
      else out += pointer[i];
    }
    return out;
  };
  const size_t last = pointer.rfind('/');
  std::string key = last == std::string::npos ? pointer : token(last + 1, pointer.size());
  const Source& source = report_.sources.at(d.file);
  // A finding about what a node lacks (an operation's 4xx response) may be marked at the node's own key while its
  // pointer names the missing child: the key is the region, not the mapping it opens.
  if (last != std::string::npos && last > 0) {
    const size_t before = pointer.rfind('/', last - 1);
    std::string parent = before == std::string::npos ? std::string() : token(before + 1, last);
    const size_t at = file_lines->offset(d.mark);
    std::string_view text = source.text;
    if (!parent.empty() && at != std::string_view::npos && text.substr(at, parent.size()) == parent &&
        text.substr(at + parent.size(), 1) == ":")
      key = parent;
  }
  return doc::span_end(source.text, *file_lines, d.mark, source.json, key);
}

std::string_view Regions::line(const std::string& file, uint32_t line) {
  const doc::Lines* file_lines = lines(file);
  return file_lines ? file_lines->line(line) : std::string_view{};
}

const doc::Lines* Regions::lines(const std::string& file) {
  auto it = lines_.find(file);
  if (it == lines_.end()) {
    auto source = report_.sources.find(file);
    std::optional<doc::Lines> found;
    if (source != report_.sources.end()) found.emplace(source->second.text);
    it = lines_.emplace(file, std::move(found)).first;
  }
  return it->second ? &*it->second : nullptr;
}

namespace {

bool is_continuation_byte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// The finding's line with its node underlined, to the end of that line when the node goes on. A long line (a minified
// spec is one line) is cut to a window around the start; control characters are not sent to the terminal.
std::string code_frame(const diag::Diagnostic& d, Regions& regions, const std::function<std::string(const char*, const std::string&)>& paint,
                       const char* code) {
  constexpr size_t k_before = 40, k_width = 160;
  std::string_view line = regions.line(d.file, d.mark.line);
  if (d.mark.line == 0 || d.mark.col == 0 || d.mark.col - 1 > line.size()) return {};
  const size_t start = d.mark.col - 1;
  doc::Mark end = regions.end(d);
  size_t stop = end.line == d.mark.line ? std::max<size_t>(start, end.col - 1) : line.size();
  size_t from = 0, to = line.size();
  if (line.size() > k_width) {
    from = start > k_before ? start - k_before : 0;
    while (from > 0 && is_continuation_byte(line[from])) --from;
    to = std::min(line.size(), from + k_width);
    while (to < line.size() && is_continuation_byte(line[to])) ++to;
  }
  std::string shown = from > 0 ? "..." : "", marker(shown.size(), ' ');
  for (size_t i = from; i < to; ++i) {
    const unsigned char c = static_cast<unsigned char>(line[i]);
    shown += c < 0x20 && c != '\t' ? '?' : c == 0x7f ? '?' : static_cast<char>(c);
    if (i >= start || is_continuation_byte(line[i])) continue;
    marker += c == '\t' ? '\t' : ' ';  // one column a character, as a terminal shows it
  }
  if (to < line.size()) shown += "...";
  size_t carets = 0;
  for (size_t i = start; i < std::min(stop, to); ++i) carets += !is_continuation_byte(line[i]);
  std::string number = std::to_string(d.mark.line);
  return paint("2", "  " + number + " | ") + shown + "\n" + paint("2", "  " + std::string(number.size(), ' ') + " | ") +
         marker + paint(code, std::string(std::max<size_t>(carets, 1), '^')) + "\n";
}

}  // namespace

std::string format_text(const Report& report, bool colour) {
  std::string out;
  std::function<std::string(const char*, const std::string&)> paint = [&](const char* code, const std::string& text) {
    return colour ? std::string("\x1b[") + code + "m" + text + "\x1b[0m" : text;
  };
  Regions regions(report);
  // Grouped by file, in the order files first appear (a config's findings, then its spec's), each finding keeping
  // its own file:line:col so terminals and editors can jump to it; a header per file when there are several.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const diag::Diagnostic*>> by_file;
  for (const auto& d : report.diagnostics) {
    auto& group = by_file[d.file];
    if (group.empty()) order.push_back(d.file);
    group.push_back(&d);
  }
  auto plural = [](size_t n, const char* word) { return std::to_string(n) + " " + word + (n == 1 ? "" : "s"); };
  for (const auto& file : order) {
    const auto& group = by_file[file];
    if (order.size() > 1) {
      size_t errors = 0, warnings = 0;
      for (const auto* d : group) {
        errors += d->severity == Severity::Error;
        warnings += d->severity == Severity::Warn;
      }
      out += (&file == &order.front() ? "" : "\n") + paint("1;4", file.empty() ? "(no file)" : file) + " " +
             paint("2", "(" + plural(errors, "error") + ", " + plural(warnings, "warning") + ")") + "\n";
    }
    for (const auto* finding : group) {
      const diag::Diagnostic& d = *finding;
      const char* code = d.severity == Severity::Error ? "1;31" : d.severity == Severity::Warn ? "1;33" : "1;36";
      out += paint("1", doc::where(d.file, d.mark)) + ": " + paint(code, diag::severity_name(d.severity)) + ": ";
      if (!d.path.empty()) out += d.path + ": ";
      out += d.message + " " + paint("2", "[" + d.rule + "]") + "\n";
      out += code_frame(d, regions, paint, code);
    }
  }
  size_t e = report.count(Severity::Error), w = report.count(Severity::Warn);
  size_t other = report.diagnostics.size() - e - w;
  out += plural(report.files.size(), "file") + " checked: " + plural(e, "error") + ", " + plural(w, "warning");
  if (other) out += ", " + std::to_string(other) + " info/hints";
  if (report.ignored) out += " (" + std::to_string(report.ignored) + " ignored by the lint config)";
  if (report.baselined) out += " (" + std::to_string(report.baselined) + " in the baseline)";
  out += "\n";
  return out;
}

std::string format_json(const Report& report) {
  nlohmann::json j;
  j["files"] = nlohmann::json::array();
  for (const auto& f : report.files) j["files"].push_back({{"file", f.file}, {"loaded", f.loaded}});
  j["diagnostics"] = nlohmann::json::array();
  Regions regions(report);
  for (const auto& d : report.diagnostics) {
    nlohmann::json item = {{"file", d.file}, {"severity", diag::severity_name(d.severity)}, {"rule", d.rule},
                           {"path", d.path}, {"message", d.message}};
    item["line"] = d.mark.line ? nlohmann::json(d.mark.line) : nlohmann::json(nullptr);
    item["column"] = d.mark.col ? nlohmann::json(d.mark.col) : nlohmann::json(nullptr);
    doc::Mark end = regions.end(d);
    item["end"] = end.line ? nlohmann::json{{"line", end.line}, {"column", end.col}} : nlohmann::json(nullptr);
    j["diagnostics"].push_back(std::move(item));
  }
  j["summary"] = {{"errors", report.count(Severity::Error)},
                  {"warnings", report.count(Severity::Warn)},
                  {"infos", report.count(Severity::Info)},
                  {"hints", report.count(Severity::Hint)},
                  {"ignored", report.ignored},
                  {"baselined", report.baselined}};
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace apigw::lint
