// The tests' own files (tests/common/temp_dir.hpp): one private directory per test process, gone when it exits.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "e2e/process.hpp"

namespace fs = std::filesystem;

namespace {

const char* const k_child_case = "test files: what a child test process writes";

// Runs this test binary on the case above alone, with its files under `tmpdir`.
e2e::Result run_child(const std::string& tmpdir, const std::string& keep) {
  return e2e::run({"--no-skip", std::string("--test-case=") + k_child_case},
                  {"TMPDIR=" + tmpdir, "APIGW_KEEP_TEST_FILES=" + keep}, fs::read_symlink("/proc/self/exe"));
}

}  // namespace

TEST_CASE("test files: what a child test process writes" * doctest::skip()) {
  std::string dir = e2e::make_dir("nested");
  std::ofstream(dir + "/inside.txt") << "x";
  CHECK(fs::exists(e2e::write_temp("config.yaml", "apigw: 1\n")));
}

TEST_CASE("test files: one private directory under $TMPDIR, removed at exit unless APIGW_KEEP_TEST_FILES=1") {
  std::string removed = e2e::make_dir("tmpdir-removed");
  auto plain = run_child(removed, "0");
  INFO(plain.out << plain.err);
  CHECK(plain.exit_code == 0);
  CHECK(plain.out.find("test cases: 1 | 1 passed") != std::string::npos);
  CHECK(plain.err.find("APIGW_KEEP_TEST_FILES") == std::string::npos);
  CHECK(fs::is_empty(removed));

  std::string kept = e2e::make_dir("tmpdir-kept");
  auto keeping = run_child(kept, "1");
  INFO(keeping.out << keeping.err);
  CHECK(keeping.exit_code == 0);
  const std::string said = "APIGW_KEEP_TEST_FILES=1: test files are kept in ";
  auto at = keeping.err.find(said);
  REQUIRE(at != std::string::npos);
  CHECK(keeping.err.find(said, at + 1) == std::string::npos);  // said once
  fs::path dir = keeping.err.substr(at + said.size(), keeping.err.find('\n', at) - at - said.size());
  CHECK(dir.parent_path() == kept);
  CHECK(dir.filename().string().rfind("apigw-test-", 0) == 0);
  CHECK(fs::exists(dir / "1-nested" / "inside.txt"));
  CHECK(fs::exists(dir / "2-config.yaml"));
}
