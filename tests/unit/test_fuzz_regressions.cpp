// Replays every input kept under fuzz/regressions/<target>/ (crashes, hangs, leaks and sanitizer reports the fuzzers
// found, see docs/fuzzing.md) through the same entry points the libFuzzer targets call, so the normal g++ build (and
// its AddressSanitizer build) checks them without clang.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "fuzz/fuzz_common.hpp"

namespace fs = std::filesystem;

namespace {

using Entry = void (*)(const uint8_t*, size_t);

const std::map<std::string, Entry>& entries() {
  static const std::map<std::string, Entry> m = {
      {"doc_json", apigw::fuzz::run_doc_json}, {"doc_yaml", apigw::fuzz::run_doc_yaml},
      {"config", apigw::fuzz::run_config},     {"openapi", apigw::fuzz::run_openapi},
      {"schema", apigw::fuzz::run_schema},     {"router", apigw::fuzz::run_router},
      {"request", apigw::fuzz::run_request},   {"policy", apigw::fuzz::run_policy},
  };
  return m;
}

}  // namespace

TEST_CASE("fuzz regressions: every kept input replays without a crash") {
  fs::path root = fs::path(APIGW_SOURCE_DIR) / "fuzz" / "regressions";
  REQUIRE(fs::is_directory(root));
  size_t replayed = 0;
  std::vector<fs::path> dirs;
  for (const auto& e : fs::directory_iterator(root))
    if (e.is_directory()) dirs.push_back(e.path());
  std::sort(dirs.begin(), dirs.end());
  for (const auto& dir : dirs) {
    std::string target = dir.filename().string();
    auto it = entries().find(target);
    INFO("fuzz/regressions/" << target << " names no fuzz target");
    REQUIRE(it != entries().end());
    std::vector<fs::path> files;
    for (const auto& f : fs::directory_iterator(dir))
      if (f.is_regular_file() && f.path().filename().string()[0] != '.' && f.path().extension() != ".md")
        files.push_back(f.path());
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      CAPTURE(file.string());
      std::ifstream in(file, std::ios::binary);
      std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      it->second(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
      ++replayed;
    }
  }
  MESSAGE("replayed " << replayed << " fuzz regression inputs");
}

TEST_CASE("fuzz regressions: the seeds of every target replay too") {
  // A cheap check that the entry points accept well-formed input in the normal build.
  fs::path root = fs::path(APIGW_SOURCE_DIR) / "fuzz" / "seeds";
  if (!fs::is_directory(root)) return;
  for (const auto& [target, entry] : entries()) {
    fs::path dir = root / target;
    if (!fs::is_directory(dir)) continue;
    for (const auto& f : fs::directory_iterator(dir)) {
      if (!f.is_regular_file()) continue;
      CAPTURE(f.path().string());
      std::ifstream in(f.path(), std::ios::binary);
      std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      entry(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    }
  }
}
