// Lint's machine formats: SARIF (code scanning), JUnit (CI test reports), GitHub workflow annotations, Markdown.
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/lint/lint.hpp"
#include "emulator/util/text.hpp"

namespace apigw::lint {

using diag::Severity;
using util::xml_escape;

std::string fingerprint(const diag::Diagnostic& d) {
  // FNV-1a, 64 bit: the same on every platform and run, unlike std::hash.
  uint64_t h = 1469598103934665603ull;
  for (const std::string* part : {&d.rule, &d.file, &d.path, &d.message}) {
    for (unsigned char c : *part) {
      h ^= c;
      h *= 1099511628211ull;
    }
    h ^= 0xff;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

namespace {

const char* sarif_level(Severity s) {
  switch (s) {
    case Severity::Error: return "error";
    case Severity::Warn: return "warning";
    default: return "note";
  }
}

std::string relative_uri(const std::string& file, const std::string& base_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path abs = fs::absolute(file, ec);
  fs::path rel = abs.lexically_relative(fs::absolute(base_dir, ec));
  std::string r = rel.generic_string();
  if (!rel.empty() && r.rfind("..", 0) != 0) return r;
  return "file://" + abs.generic_string();
}


std::string location(const diag::Diagnostic& d) { return doc::where(d.file, d.mark); }

// SARIF counts columns in code points (or UTF-16 units), never bytes as apigw does. A byte column less the UTF-8
// continuation bytes before it on its line is the code point column; each file's continuation bytes are found once,
// as counting along the line per finding costs the whole file per finding when the file is one line (minified JSON).
class CodePoints {
 public:
  CodePoints(const Report& report, Regions& regions) : report_(report), regions_(regions) {}

  // The byte column unchanged when lint has no text for the file.
  uint32_t column(const std::string& file, doc::Mark m) {
    std::string_view line = regions_.line(file, m.line);
    auto source = report_.sources.find(file);
    if (source == report_.sources.end() || m.col == 0 || m.col - 1 > line.size()) return m.col;
    const std::string& text = source->second.text;
    auto it = continuations_.find(file);
    if (it == continuations_.end()) {
      std::vector<size_t> found;
      for (size_t i = 0; i < text.size(); ++i)
        if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) found.push_back(i);
      it = continuations_.emplace(file, std::move(found)).first;
    }
    const std::vector<size_t>& at = it->second;
    const size_t begin = static_cast<size_t>(line.data() - text.data()), end = begin + m.col - 1;
    auto inside = std::lower_bound(at.begin(), at.end(), end) - std::lower_bound(at.begin(), at.end(), begin);
    return m.col - static_cast<uint32_t>(inside);
  }

 private:
  const Report& report_;
  Regions& regions_;
  std::map<std::string, std::vector<size_t>> continuations_;  // offsets of UTF-8 continuation bytes, by file
};

}  // namespace

std::string format_sarif(const Report& report, const std::string& base_dir) {
  nlohmann::ordered_json rules = nlohmann::ordered_json::array();
  std::map<std::string, size_t> index;
  for (const auto& r : catalogue()) {
    index[r.id] = rules.size();
    rules.push_back({{"id", r.id},
                     {"name", r.id},
                     {"shortDescription", {{"text", r.description}}},
                     {"help", {{"text", r.how_to_fix}}},
                     {"defaultConfiguration", {{"level", sarif_level(r.severity)}}}});
  }
  nlohmann::ordered_json results = nlohmann::ordered_json::array();
  Regions regions(report);
  CodePoints code_points(report, regions);
  for (const auto& d : report.diagnostics) {
    nlohmann::ordered_json result;
    result["ruleId"] = d.rule;
    if (auto it = index.find(d.rule); it != index.end()) result["ruleIndex"] = it->second;
    result["level"] = sarif_level(d.severity);
    result["message"] = {{"text", d.path.empty() ? d.message : d.path + ": " + d.message}};
    nlohmann::ordered_json physical = {{"artifactLocation", {{"uri", relative_uri(d.file, base_dir)}}}};
    if (d.mark.line > 0) {
      nlohmann::ordered_json region = {
          {"startLine", d.mark.line},
          {"startColumn", std::max<uint32_t>(1, code_points.column(d.file, d.mark))}};
      if (doc::Mark end = regions.end(d); end.line) {
        region["endLine"] = end.line;
        region["endColumn"] = code_points.column(d.file, end);
      }
      physical["region"] = std::move(region);
    }
    result["locations"] = nlohmann::ordered_json::array({{{"physicalLocation", physical}}});
    result["partialFingerprints"] = {{"apigwFingerprint/v1", fingerprint(d)}};
    results.push_back(std::move(result));
  }
  nlohmann::ordered_json sarif = {
      {"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
      {"version", "2.1.0"},
      {"runs", nlohmann::ordered_json::array({{{"tool", {{"driver", {{"name", "apigw"},
                                                                      {"version", APIGW_VERSION},
                                                                      {"informationUri", "https://github.com/apigw/apigw"},
                                                                      {"rules", rules}}}}},
                                               {"columnKind", "unicodeCodePoints"},
                                               {"results", results}}})}};
  return sarif.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string format_junit(const Report& report) {
  size_t failures = 0;
  std::string suites;
  for (const auto& f : report.files) {
    std::string cases;
    size_t n = 0, fails = 0;
    for (const auto& d : report.diagnostics) {
      if (d.file != f.file) continue;
      ++n;
      std::string name = d.rule + (d.path.empty() ? "" : " " + d.path);
      cases += "    <testcase classname=\"" + xml_escape(f.file) + "\" name=\"" + xml_escape(name) + "\">\n";
      if (d.severity >= Severity::Warn) {
        ++fails;
        cases += "      <failure type=\"" + xml_escape(d.rule) + "\" message=\"" + xml_escape(d.message) + "\">" +
                 xml_escape(location(d) + ": " + diag::severity_name(d.severity) + ": " + d.message) + "</failure>\n";
      } else {
        cases += "      <system-out>" + xml_escape(location(d) + ": " + d.message) + "</system-out>\n";
      }
      cases += "    </testcase>\n";
    }
    if (n == 0) {
      cases += "    <testcase classname=\"" + xml_escape(f.file) + "\" name=\"apigw lint\"/>\n";
      n = 1;
    }
    failures += fails;
    suites += "  <testsuite name=\"" + xml_escape(f.file) + "\" tests=\"" + std::to_string(n) + "\" failures=\"" +
              std::to_string(fails) + "\" errors=\"0\">\n" + cases + "  </testsuite>\n";
  }
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"apigw lint\" failures=\"" +
         std::to_string(failures) + "\">\n" + suites + "</testsuites>\n";
}

std::string format_github(const Report& report) {
  auto escape_data = [](const std::string& s) {
    std::string out;
    for (char c : s) {
      if (c == '%') out += "%25";
      else if (c == '\r') out += "%0D";
      else if (c == '\n') out += "%0A";
      else out += c;
    }
    return out;
  };
  auto escape_property = [&](const std::string& s) {
    std::string out;
    for (char c : escape_data(s)) {
      if (c == ':') out += "%3A";
      else if (c == ',') out += "%2C";
      else out += c;
    }
    return out;
  };
  std::string out;
  Regions regions(report);
  for (const auto& d : report.diagnostics) {
    const char* kind = d.severity == Severity::Error ? "error" : d.severity == Severity::Warn ? "warning" : "notice";
    out += std::string("::") + kind + " file=" + escape_property(d.file);
    doc::Mark end = d.mark.line ? regions.end(d) : doc::Mark{};
    if (end.line > d.mark.line) {
      // The runner drops columns from an annotation over several lines (actions/runner#2082): lines only.
      out += ",line=" + std::to_string(d.mark.line) + ",endLine=" + std::to_string(end.line);
    } else if (d.mark.line) {
      out += ",line=" + std::to_string(d.mark.line) + ",col=" + std::to_string(d.mark.col);
      if (end.line) out += ",endLine=" + std::to_string(end.line) + ",endColumn=" + std::to_string(end.col);
    }
    out += ",title=" + escape_property(d.rule) + "::" + escape_data(d.path.empty() ? d.message : d.path + ": " + d.message) + "\n";
  }
  return out;
}

std::string format_markdown(const Report& report) {
  auto cell = [](std::string s) {
    std::string out;
    for (char c : s) {
      if (c == '|') out += "\\|";
      else if (c == '\n') out += ' ';
      else out += c;
    }
    return out;
  };
  size_t e = report.count(Severity::Error), w = report.count(Severity::Warn);
  std::string out = "### apigw lint\n\n";
  out += std::to_string(report.files.size()) + " file(s): **" + std::to_string(e) + " error(s)**, " + std::to_string(w) +
         " warning(s)\n\n";
  if (report.diagnostics.empty()) return out + "No findings.\n";
  out += "| Severity | Location | Rule | Message |\n|---|---|---|---|\n";
  for (const auto& d : report.diagnostics)
    out += std::string("| ") + diag::severity_name(d.severity) + " | `" + cell(location(d)) + "` | `" + d.rule + "` | " +
           cell(d.path.empty() ? d.message : d.path + ": " + d.message) + " |\n";
  return out;
}

std::string format(const Report& report, const std::string& name, bool colour) {
  if (name == "text") return format_text(report, colour);
  if (name == "json") return format_json(report);
  if (name == "sarif") return format_sarif(report, std::filesystem::current_path().string());
  if (name == "junit") return format_junit(report);
  if (name == "github") return format_github(report);
  if (name == "markdown") return format_markdown(report);
  return {};
}

}  // namespace apigw::lint
