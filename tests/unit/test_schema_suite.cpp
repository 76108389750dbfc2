// Runs the official JSON-Schema-Test-Suite (../shared/corpus/json-schema-test-suite) for draft 4 and 2020-12.
// Required tests must all pass except those listed, with a reason, in tests/schema-suite-known-failures.txt; the
// optional tests (and optional/format, with formats asserted) are counted and reported but do not fail the run.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>

#include "emulator/schema/schema.hpp"

using namespace apigw;
namespace fs = std::filesystem;

namespace {

const fs::path k_suite = fs::path(APIGW_SOURCE_DIR) / ".." / "shared" / "corpus" / "json-schema-test-suite";

struct Counts {
  size_t passed = 0;
  size_t failed = 0;
};

std::vector<fs::path> json_files(const fs::path& dir) {
  std::vector<fs::path> out;
  if (!fs::is_directory(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ".json") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// Runs one test file; the id of each failure is "draft/file.json | group | test".
void run_file(const fs::path& file, const std::string& rel, schema::Dialect dialect, schema::FormatMode formats,
              Counts& counts, std::vector<std::string>& failures) {
  doc::Document d = doc::load_file(file.string());
  REQUIRE_MESSAGE(d.ok(), file.string());
  for (const auto& group : d.root.items()) {
    std::string group_name = group.find("description")->as_string();
    schema::CompileOptions options;
    options.dialect = dialect;
    options.formats = formats;
    options.url_map["http://localhost:1234/"] = (k_suite / "remotes").string();
    std::vector<std::string> errors;
    auto root = std::make_shared<const doc::Node>(*group.find("schema"));
    auto compiled = schema::Schema::compile(root, "https://apigw.invalid/root.json", "", options, errors);
    for (const auto& test : group.find("tests")->items()) {
      std::string id = rel + " | " + group_name + " | " + test.find("description")->as_string();
      bool expected = test.find("valid")->as_bool();
      bool ok = false;
      if (compiled) {
        bool valid = compiled->is_valid(*test.find("data"));
        // The error-collecting path must agree with the yes/no path.
        bool valid_collecting = compiled->validate(*test.find("data")).empty();
        ok = valid == expected && valid_collecting == expected;
      }
      if (ok) {
        ++counts.passed;
      } else {
        ++counts.failed;
        failures.push_back(id);
      }
    }
  }
}

std::map<std::string, std::string> known_failures() {
  std::map<std::string, std::string> out;
  std::ifstream in(std::string(APIGW_SOURCE_DIR) + "/tests/schema-suite-known-failures.txt");
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    auto last = line.rfind(" | ");
    if (last == std::string::npos) continue;
    out[line.substr(0, last)] = line.substr(last + 3);
  }
  return out;
}

}  // namespace

TEST_CASE("schema: the official JSON-Schema-Test-Suite (draft4, draft2020-12)") {
  if (!fs::exists(k_suite)) {
    MESSAGE("SKIPPED: ../shared/corpus/json-schema-test-suite is not present; the suite did not run");
    return;
  }
  auto known = known_failures();
  std::set<std::string> required_failures;
  const std::pair<const char*, schema::Dialect> drafts[] = {{"draft4", schema::Dialect::Draft4},
                                                            {"draft2020-12", schema::Dialect::Draft2020}};
  for (const auto& [draft_name, dialect] : drafts) {
    const std::string draft = draft_name;
    Counts required, optional, formats;
    std::vector<std::string> failures, optional_failures, format_failures;
    fs::path dir = k_suite / "tests" / draft;
    for (const auto& f : json_files(dir))
      run_file(f, draft + "/" + f.filename().string(), dialect, schema::FormatMode::Default, required, failures);
    for (const auto& f : json_files(dir / "optional"))
      run_file(f, draft + "/optional/" + f.filename().string(), dialect, schema::FormatMode::Default, optional,
               optional_failures);
    for (const auto& f : json_files(dir / "optional" / "format"))
      run_file(f, draft + "/optional/format/" + f.filename().string(), dialect, schema::FormatMode::Assert, formats,
               format_failures);
    std::cout << draft << ": " << required.passed << " passed, " << required.failed << " failed\n"
              << draft << " optional: " << optional.passed << " passed, " << optional.failed << " failed\n"
              << draft << " optional/format: " << formats.passed << " passed, " << formats.failed << " failed\n";
    MESSAGE(draft << ": " << required.passed << " passed, " << required.failed << " failed");
    MESSAGE(draft << " optional: " << optional.passed << " passed, " << optional.failed
                  << " failed; optional/format: " << formats.passed << " passed, " << formats.failed << " failed");
    if (std::getenv("APIGW_SUITE_VERBOSE")) {
      for (const auto& f : optional_failures) std::cout << "optional failure: " << f << "\n";
      for (const auto& f : format_failures) std::cout << "format failure: " << f << "\n";
    }
    for (const auto& f : failures) {
      required_failures.insert(f);
      CHECK_MESSAGE(known.count(f), "not in tests/schema-suite-known-failures.txt: " << f);
    }
  }
  for (const auto& entry : known) {
    const auto& id = entry.first;
    CHECK_MESSAGE(required_failures.count(id), "listed as a known failure but passes now: " << id);
  }
}
