// Lint configuration: rulesets, the `.apigw-lint.yaml` file (extends, rules, ignore) and baselines.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "cli/lint/lint.hpp"
#include "emulator/util/text.hpp"

namespace apigw::lint {

namespace fs = std::filesystem;
using diag::Severity;

const char* ruleset_name(Ruleset r) {
  switch (r) {
    case Ruleset::Off: return "off";
    case Ruleset::Recommended: return "recommended";
    case Ruleset::Strict: return "strict";
    case Ruleset::All: return "all";
  }
  return "recommended";
}

bool parse_ruleset(const std::string& text, Ruleset& out) {
  for (Ruleset r : {Ruleset::Off, Ruleset::Recommended, Ruleset::Strict, Ruleset::All})
    if (text == ruleset_name(r)) {
      out = r;
      return true;
    }
  return false;
}

std::optional<Severity> Settings::severity_of(const Rule& rule) const {
  // Provider rules run exactly when their --target is given, whatever the ruleset: portability is asked for.
  if (rule.target && !targets.count(rule.target)) return std::nullopt;
  if (auto it = rules.find(rule.id); it != rules.end()) return it->second;
  if (rule.target) return rule.severity;
  if (!rule.check && !rule.check_openapi) return rule.severity;  // the loaders' findings are always reported
  if (ruleset == Ruleset::Off || rule.ruleset > ruleset) return std::nullopt;
  // Strict is for CI gates that want nothing left over: its warnings fail the build.
  if (ruleset == Ruleset::Strict && rule.severity == Severity::Warn) return Severity::Error;
  return rule.severity;
}

bool glob_match(std::string_view pattern, std::string_view text) {
  // Recursive: patterns are a few characters, so backtracking over each star costs nothing.
  if (pattern.empty()) return text.empty();
  if (pattern.substr(0, 2) == "**") {
    for (size_t k = 0; k <= text.size(); ++k)
      if (glob_match(pattern.substr(2), text.substr(k))) return true;
    return false;
  }
  if (pattern[0] == '*') {
    for (size_t k = 0; k <= text.size(); ++k) {
      if (glob_match(pattern.substr(1), text.substr(k))) return true;
      if (k < text.size() && text[k] == '/') break;
    }
    return false;
  }
  if (text.empty() || !(pattern[0] == text[0] || (pattern[0] == '?' && text[0] != '/'))) return false;
  return glob_match(pattern.substr(1), text.substr(1));
}

std::string json_pointer(const diag::Diagnostic& d) {
  if (d.path.empty() || d.path[0] == '/') return d.path;
  // A config key path: routes[1].proxy, paths["/a"].get.
  std::string out;
  const std::string& s = d.path;
  for (size_t i = 0; i < s.size();) {
    if (s[i] == '.') {
      ++i;
      continue;
    }
    std::string token;
    if (s[i] == '[') {
      size_t close = s.find(']', i);
      if (close == std::string::npos) close = s.size();
      token = s.substr(i + 1, close - i - 1);
      if (token.size() >= 2 && token.front() == '"') {
        try {
          token = nlohmann::json::parse(token).get<std::string>();
        } catch (const nlohmann::json::exception&) {
          // not a JSON string after all: keep the text as written
        }
      }
      i = close + 1;
    } else {
      size_t end = s.find_first_of(".[", i);
      if (end == std::string::npos) end = s.size();
      token = s.substr(i, end - i);
      i = end;
    }
    out += "/";
    for (char c : token) out += c == '~' ? std::string("~0") : c == '/' ? std::string("~1") : std::string(1, c);
  }
  return out;
}

bool Settings::ignored(const diag::Diagnostic& d) const {
  if (ignores.empty()) return false;
  std::error_code ec;
  fs::path file = fs::absolute(d.file, ec).lexically_normal();
  std::string relative = source.empty() ? d.file
                                        : file.lexically_relative(fs::absolute(source, ec).parent_path()).generic_string();
  std::string name = file.filename().string();
  std::string pointer = json_pointer(d);
  for (const auto& i : ignores) {
    if (!glob_match(i.rule, d.rule)) continue;
    bool file_ok = i.file.empty() || glob_match(i.file, relative) ||
                   (i.file.find('/') == std::string::npos && glob_match(i.file, name));
    if (file_ok && (i.pointer.empty() || glob_match(i.pointer, pointer))) return true;
  }
  return false;
}

namespace {

void problem(diag::Diagnostics& out, const std::string& file, doc::Mark mark, std::string path, std::string message) {
  out.push_back({Severity::Error, "lint-config", file, mark, std::move(path), std::move(message)});
}

std::string did_you_mean(const std::string& word, const std::vector<std::string_view>& candidates) {
  std::string near = util::nearest(word, candidates);
  return near.empty() ? "" : " (did you mean '" + near + "'?)";
}

std::vector<std::string_view> rule_ids() {
  std::vector<std::string_view> ids;
  for (const auto& r : catalogue()) ids.push_back(r.id);
  return ids;
}

// A rule id, or a glob over rule ids in ignore entries ("openapi-*").
bool check_rule_id(const doc::Member& m, const std::string& file, const std::string& path, bool allow_glob,
                   diag::Diagnostics& out) {
  const std::string& id = m.value.is_string() ? m.value.as_string() : m.key;
  if (allow_glob && id.find('*') != std::string::npos) return true;
  if (find_rule(id)) return true;
  problem(out, file, m.value.is_string() ? m.value.mark : m.key_mark, path,
          "unknown rule '" + id + "'" + did_you_mean(id, rule_ids()) + "; see apigw lint --list-rules");
  return false;
}

}  // namespace

std::optional<Settings> load_settings(const std::string& path, diag::Diagnostics& out) {
  const size_t before = out.size();
  doc::Document d = doc::load_file(path);
  for (const auto& issue : d.issues) problem(out, path, issue.mark, "", issue.message);
  if (!d.ok()) return std::nullopt;
  Settings s;
  s.source = path;
  if (d.root.is_null()) return s;  // an empty file: the defaults
  if (!d.root.is_object()) {
    problem(out, path, d.root.mark, "", "expected a mapping with extends, rules and ignore");
    return std::nullopt;
  }
  for (const auto& m : d.root.members()) {
    if (m.key == "extends") {
      if (!m.value.is_string() || !parse_ruleset(m.value.as_string(), s.ruleset))
        problem(out, path, m.value.mark, "extends", "expected one of recommended, strict, all, off");
    } else if (m.key == "rules") {
      if (!m.value.is_object()) {
        problem(out, path, m.value.mark, "rules", "expected a mapping of rule id to off, error, warn, info or hint");
        continue;
      }
      for (const auto& r : m.value.members()) {
        std::string at = "rules." + r.key;
        if (!check_rule_id(doc::Member{r.key, r.key_mark, doc::Node()}, path, at, false, out)) continue;
        Severity sev{};
        std::string value = r.value.is_string() ? r.value.as_string() : "";
        if (value == "off") s.rules[r.key] = std::nullopt;
        else if (diag::parse_severity(value, sev)) s.rules[r.key] = sev;
        else problem(out, path, r.value.mark, at, "expected off, error, warn, info or hint");
      }
    } else if (m.key == "ignore") {
      if (!m.value.is_array()) {
        problem(out, path, m.value.mark, "ignore", "expected a list of {rule, file, pointer, reason}");
        continue;
      }
      for (size_t i = 0; i < m.value.items().size(); ++i) {
        const doc::Node& item = m.value.items()[i];
        std::string at = "ignore[" + std::to_string(i) + "]";
        if (!item.is_object()) {
          problem(out, path, item.mark, at, "expected a mapping with rule, file, pointer and reason");
          continue;
        }
        Ignore ig;
        bool ok = true;
        for (const auto& f : item.members()) {
          std::string* field = f.key == "rule" ? &ig.rule : f.key == "file" ? &ig.file : f.key == "pointer" ? &ig.pointer
                             : f.key == "reason" ? &ig.reason : nullptr;
          if (!field) {
            problem(out, path, f.key_mark, at + "." + f.key,
                    "unknown key" + did_you_mean(f.key, {"rule", "file", "pointer", "reason"}));
            ok = false;
          } else if (!f.value.is_string()) {
            problem(out, path, f.value.mark, at + "." + f.key, "expected a string");
            ok = false;
          } else {
            *field = f.value.as_string();
            if (f.key == "rule") ok = check_rule_id(f, path, at + ".rule", true, out) && ok;
          }
        }
        if (ig.rule.empty()) {
          problem(out, path, item.mark, at, "missing 'rule' (a rule id, or a glob such as openapi-*)");
          ok = false;
        }
        if (ig.reason.empty()) {
          problem(out, path, item.mark, at, "missing 'reason': say why the finding is acceptable");
          ok = false;
        }
        if (ok) s.ignores.push_back(std::move(ig));
      }
    } else {
      problem(out, path, m.key_mark, m.key, "unknown key" + did_you_mean(m.key, {"extends", "rules", "ignore"}));
    }
  }
  if (out.size() > before) return std::nullopt;
  return s;
}

std::string find_settings_file(const std::string& file) {
  std::error_code ec;
  fs::path dir = fs::absolute(file, ec).lexically_normal().parent_path();
  while (true) {
    fs::path candidate = dir / ".apigw-lint.yaml";
    if (fs::is_regular_file(candidate, ec)) return candidate.string();
    if (!dir.has_parent_path() || dir.parent_path() == dir) return {};
    dir = dir.parent_path();
  }
}

namespace {

// The finding as the baseline records it: its file relative to the baseline's directory.
diag::Diagnostic for_baseline(const diag::Diagnostic& d, const fs::path& base) {
  std::error_code ec;
  diag::Diagnostic copy = d;
  copy.file = fs::absolute(d.file, ec).lexically_normal().lexically_relative(base).generic_string();
  return copy;
}

fs::path baseline_dir(const std::string& baseline_path) {
  std::error_code ec;
  return fs::absolute(baseline_path, ec).lexically_normal().parent_path();
}

}  // namespace

std::string format_baseline(const Report& report, const std::string& baseline_path) {
  fs::path base = baseline_dir(baseline_path);
  nlohmann::ordered_json findings = nlohmann::ordered_json::array();
  for (const auto& d : report.diagnostics) {
    diag::Diagnostic b = for_baseline(d, base);
    findings.push_back({{"fingerprint", fingerprint(b)},
                        {"rule", b.rule},
                        {"file", b.file},
                        {"pointer", json_pointer(b)},
                        {"message", b.message}});
  }
  nlohmann::ordered_json j = {{"apigw-lint-baseline", 1}, {"findings", findings}};
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

bool apply_baseline(Report& report, const std::string& baseline_path, std::string& error) {
  std::ifstream in(baseline_path, std::ios::binary);
  if (!in) {
    error = "cannot read baseline " + baseline_path;
    return false;
  }
  std::map<std::string, size_t> known;
  try {
    auto j = nlohmann::json::parse(in);
    if (!j.is_object() || !j.contains("findings") || !j["findings"].is_array()) throw std::runtime_error("no findings list");
    for (const auto& f : j["findings"]) ++known[f.at("fingerprint").get<std::string>()];
  } catch (const std::exception& e) {
    error = baseline_path + " is not an apigw lint baseline (" + e.what() + "); write one with --write-baseline";
    return false;
  }
  fs::path base = baseline_dir(baseline_path);
  diag::Diagnostics fresh;
  for (auto& d : report.diagnostics) {
    auto it = known.find(fingerprint(for_baseline(d, base)));
    if (it != known.end() && it->second > 0) {
      --it->second;
      ++report.baselined;
    } else {
      fresh.push_back(std::move(d));
    }
  }
  report.diagnostics = std::move(fresh);
  return true;
}

}  // namespace apigw::lint
