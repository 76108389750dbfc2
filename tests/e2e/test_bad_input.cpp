// Hostile and broken files, wrong flags and hostile values through every command: a documented exit code (README's
// exit-code table) and a message naming the location (file:line:col where there is a file, the flag otherwise),
// within bounded time and memory — never a crash, a hang or a billion-laughs expansion.
#include <doctest/doctest.h>

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "e2e/process.hpp"

using e2e::run;

namespace {

// Generous bounds that hold in an AddressSanitizer build too: what they catch is a hang or an expansion, not speed.
constexpr auto k_case_time_bound = std::chrono::seconds(20);
constexpr long k_case_rss_bound_kib = 1024L * 1024;  // 1 GiB

std::string alias_bomb() {
  std::string s = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'k'; ++c) {
    s += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) s += std::string(i ? ", *" : "*") + prev;
    s += "]\n";
    prev = c;
  }
  return s;
}

std::string repeat(const std::string& unit, size_t times) {
  std::string s;
  s.reserve(unit.size() * times);
  for (size_t i = 0; i < times; ++i) s += unit;
  return s;
}

constexpr size_t k_hundred_mb = 100u * 1000 * 1000;

// A temp dir for one test, removed with everything in it at the end.
struct TempDir {
  std::string path;
  TempDir() {
    std::string tmpl = e2e::temp_path("bad-input-XXXXXX");
    path = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::permissions(path, std::filesystem::perms::owner_all, ec);
    std::filesystem::remove_all(path, ec);
  }
  std::string write(const std::string& name, const std::string& content) const {
    std::string file = path + "/" + name;
    std::ofstream(file, std::ios::binary) << content;
    return file;
  }
};

// "PATH:LINE:COL" somewhere in the output.
bool located(const std::string& output, const std::string& path) {
  for (size_t at = output.find(path + ":"); at != std::string::npos; at = output.find(path + ":", at + 1)) {
    size_t i = at + path.size() + 1, digits = 0;
    while (i < output.size() && std::isdigit(static_cast<unsigned char>(output[i]))) ++i, ++digits;
    if (digits == 0 || i >= output.size() || output[i] != ':') continue;
    size_t col_digits = 0;
    for (++i; i < output.size() && std::isdigit(static_cast<unsigned char>(output[i])); ++i) ++col_digits;
    if (col_digits > 0) return true;
  }
  return false;
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
}

// The largest peak RSS of any command this test process has waited for (Linux's ru_maxrss, KiB): checked after each
// case, so the first case to pass the bound is the one that fails.
long children_peak_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_CHILDREN, &usage);
  return usage.ru_maxrss;
}

// Runs one command and checks what every case shares: the exit code, the time and the memory bound.
e2e::Result run_bounded(const std::vector<std::string>& args, int expected_exit, std::vector<std::string> env = {}) {
  auto started = std::chrono::steady_clock::now();
  auto r = run(args, std::move(env));
  auto took = std::chrono::steady_clock::now() - started;
  std::string all = r.out + r.err;
  INFO("output: " << all.substr(0, 2000));
  CHECK(r.exit_code == expected_exit);
  CHECK(took < k_case_time_bound);
  CHECK(children_peak_rss_kib() < k_case_rss_bound_kib);
  CHECK(all.find("internal error") == std::string::npos);
  return r;
}

}  // namespace

TEST_CASE("bad input files give exit 2 and a located message for every command that reads them") {
  TempDir dir;
  const std::string good_schema = dir.write("good.schema.json", R"({"type": "object"})");
  const std::string good_instance = dir.write("good.json", R"({"a": 1})");
  const std::string out_dir = dir.path + "/export-out";

  struct File {
    const char* name;
    std::string content;
    const char* message;  // expected in the output, after "name:line:col: "
  };
  const File files[] = {
      {"empty.yaml", "", nullptr},  // each command's own check of the top level (a separate case below for schema)
      {"binary.yaml", std::string("\x00\x01\x02\xff\xfe\x80garbage", 12), "invalid UTF-8 (byte 0xFF)"},
      {"invalid-utf8.json", "{\"apigw\": \"caf\xC3\x28\", \"routes\": []}", "invalid JSON: invalid UTF-8 in string"},
      {"nul.yaml", std::string("apigw: 1\nname: a\0b\nroutes: []\n", 27), "a NUL byte"},
      {"nul.json", std::string("{\"apigw\": 1, \"name\": \"a\0b\"}", 27), "invalid JSON: control character in string"},
      {"deep.json", std::string(100000, '['), "invalid JSON: nesting deeper than 256 levels"},
      {"deep.yaml", repeat("- ", 100000) + "x\n", "invalid YAML: nesting deeper than 256 levels"},
      {"deep-map.yaml", repeat("{a: ", 100000), "invalid"},
      {"bomb.yaml", alias_bomb(), "an alias bomb?"},
      {"recursive-alias.yaml", "apigw: 1\nroutes: &r [*r]\n", "a recursive alias"},
      {"hugenum.json", "{\"apigw\": 1e999999, \"routes\": []}", "invalid JSON: number out of range"},
      {"hugenum.yaml", "apigw: 1e400\nroutes: []\n", "invalid YAML: number out of range"},
      {"truncated.json", "{\"apigw\": 1, \"routes\": [", "invalid JSON: unexpected end of input"},
      {"tabs.yaml", "apigw: 1\nroutes:\n\t- x\n", "invalid YAML"},
      {"not-a-scalar-key.yaml", "apigw: 1\n[a, b]: 1\n", "mapping keys must be scalars"},
  };
  // An empty YAML file is the document `null`: a fine instance (not an object: exit 1), not a schema.
  const std::string empty = dir.write("empty-instance.yaml", "");
  auto instance = run_bounded({"schema", "validate", good_schema, empty}, 1);
  CHECK(instance.out.find(empty + ":1:1: (root): expected object, got null") != std::string::npos);
  auto schema = run_bounded({"schema", "validate", empty, good_instance}, 2);
  CHECK(schema.err.find(empty + "#: a schema must be an object or a boolean, got null") != std::string::npos);

  for (const auto& f : files) {
    std::string path = dir.write(f.name, f.content);
    const bool empty_file = f.content.empty();
    const std::vector<std::vector<std::string>> commands = {
        {"lint", path},
        {"import", path},
        {"serve", path, "--port", "0"},
        {"export", path, "--target", "kong", "-o", out_dir},
        {"cost", "--config", path, "--requests", "1M"},
        {"cost", "--profile", path},
        {"schema", "validate", path, good_instance},
        {"schema", "validate", good_schema, path},
    };
    for (const auto& args : commands) {
      if (empty_file && args[0] == "schema") continue;  // above
      INFO(args[0] << " " << args[1] << " with " << f.name);
      auto r = run_bounded(args, 2);
      std::string all = r.out + r.err;
      CHECK(located(all, path));
      if (f.message) CHECK(all.find(f.message) != std::string::npos);
    }
  }
}

TEST_CASE("100 MB files are refused or read within the time and memory bounds") {
  TempDir dir;
  const std::string good_schema = dir.write("good.schema.json", R"({"type": "object"})");
  // 100 MB of YAML stops at the YAML size limit (32 MiB), at the line where the file passes it.
  const std::string many_yaml = dir.write("many.yaml", repeat("- x\n", k_hundred_mb / 4));
  // Values of 2 to 4 bytes stop at the value limits (README: 1,000,000 in YAML, 4,000,000 in JSON) within 8 MB.
  const std::string values_yaml = dir.write("values.yaml", repeat("- x\n", 1'100'000));
  const std::string many_json = dir.write("many.json", "[" + repeat("1,", k_hundred_mb / 2) + "1]");
  // 200-byte values, under the value limit: JSON is read whole (and is not a config).
  const std::string long_json =
      dir.write("long.json", "[" + repeat("\"" + std::string(196, 'x') + "\",", k_hundred_mb / 200) + "0]");
  struct Case {
    std::vector<std::string> args;
    std::string file;
    const char* message;
  };
  const Case cases[] = {
      {{"lint", many_yaml}, many_yaml, "YAML file larger than 32 MiB (100000000 bytes"},
      {{"serve", many_yaml, "--port", "0"}, many_yaml, "YAML file larger than 32 MiB (100000000 bytes"},
      {{"lint", values_yaml}, values_yaml, "invalid YAML: document has more than 1000000 values"},
      {{"lint", many_json}, many_json, "invalid JSON: document has more than 4000000 values"},
      {{"serve", many_json, "--port", "0"}, many_json, "invalid JSON: document has more than 4000000 values"},
      {{"schema", "validate", good_schema, many_json}, many_json, "invalid JSON: document has more than 4000000 values"},
      {{"lint", long_json}, long_json, "expected a mapping at the top level"},
  };
  for (const auto& c : cases) {
    INFO(c.args[0] << " " << c.args[1] << " " << c.file);
    auto r = run_bounded(c.args, 2);
    std::string all = r.out + r.err;
    CHECK(located(all, c.file));
    CHECK(all.find(c.message) != std::string::npos);
  }
  // An access log line of 100 MB is no record of apigw serve's: skipped, not parsed.
  auto log = run_bounded({"cost", "--from-log", many_json}, 2);
  CHECK(log.err.find(many_json + ": no access log records") != std::string::npos);
  // A traffic profile is a few keys: its size is checked before any parsing.
  auto profile = run_bounded({"cost", "--profile", many_yaml}, 2);
  CHECK(profile.err.find(many_yaml + ": 100000000 bytes; a traffic profile is at most 1 MiB") != std::string::npos);
}

TEST_CASE("duplicate keys in a config are an error with both lines") {
  TempDir dir;
  std::string path = dir.write("dup.yaml", "apigw: 1\nname: one\nname: two\nroutes: []\n");
  for (const std::string cmd : {"lint", "serve"}) {
    INFO(cmd);
    auto r = run_bounded({cmd, path}, 2);
    CHECK((r.out + r.err).find(path + ":3:1: error: duplicate key 'name' (first defined at line 2)") != std::string::npos);
  }
}

TEST_CASE("missing files, directories and unreadable files") {
  TempDir dir;
  std::string unreadable = dir.write("unreadable.yaml", "apigw: 1\nroutes: []\n");
  chmod(unreadable.c_str(), 0);
  const bool root = geteuid() == 0;  // root reads a mode-000 file: that case is skipped
  if (root) MESSAGE("running as root: the unreadable-file (chmod 000) cases are skipped");
  for (const std::string cmd : {"lint", "import", "serve", "export"}) {
    INFO(cmd);
    auto with = [&](const std::string& file) {
      std::vector<std::string> args = {cmd, file};
      if (cmd == "export") args.insert(args.end(), {"--target", "kong"});
      return args;
    };
    auto r = run_bounded(with("/nonexistent/x.yaml"), 2);
    CHECK((r.out + r.err).find("/nonexistent/x.yaml: error: cannot read file: No such file or directory") != std::string::npos);
    auto d = run_bounded(with(dir.path), 2);
    CHECK((d.out + d.err).find(dir.path + ": error: is a directory, not a file") != std::string::npos);
    if (!root) {
      auto u = run_bounded(with(unreadable), 2);
      CHECK((u.out + u.err).find(unreadable + ": error: cannot read file: Permission denied") != std::string::npos);
    }
  }
}

TEST_CASE("wrong flags and flag values give exit 2 and name the flag") {
  TempDir dir;
  const std::string config = dir.write("gateway.yaml", "apigw: 1\nroutes:\n  - path: /x\n    mock: {status: 200}\n");
  struct Case {
    std::vector<std::string> args;
    const char* message;  // names the flag, the command or the value
  };
  const Case cases[] = {
      {{"frobnicate"}, "unknown command 'frobnicate'"},
      {{"lint", "--bogus", "{config}"}, "--bogus"},
      {{"lint", "--format", "xml", "{config}"}, "--format"},
      {{"lint", "{config}", "--format"}, "--format"},
      {{"lint", "--fail-severity", "fatal", "{config}"}, "--fail-severity"},
      {{"import", "{config}", "--mode", "fake"}, "--mode"},
      {{"serve", "{config}", "--port", "-1"}, "--port"},
      {{"serve", "{config}", "--port", "70000"}, "--port"},
      {{"serve", "{config}", "--port", "99999999999999999999999"}, "--port"},
      {{"serve", "{config}", "--port", "eighty"}, "--port"},
      {{"serve", "{config}", "--port"}, "--port"},
      {{"serve", "{config}", "--validate", "sometimes"}, "--validate"},
      {{"export", "{config}", "--target", "nowhere"}, "--target"},
      {{"export", "{config}"}, "--target"},
      {{"cost", "--requests", "lots"}, "--requests"},
      {{"cost", "--requests", "1e400"}, "--requests"},
      {{"cost", "--units", "-1"}, "--units"},  // was read as 18446744073709551615 units, exit 0
      {{"cost", "--units", "0"}, "--units"},
      {{"cost", "--gateways", "-3"}, "--gateways"},
      {{"cost", "--format", "pdf"}, "--format"},
      {{"schema", "validate", "{config}", "{config}", "--max-errors", "-5"}, "--max-errors"},
      {{"schema", "validate", "{config}", "{config}", "--dialect", "draft99"}, "--dialect"},
      {{"token", "--exp", "banana"}, "--exp"},
      {{"token", "--alg", "XX999"}, "--alg"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args = c.args;
    for (auto& a : args) replace_all(a, "{config}", config);
    INFO(args[0] << " " << (args.size() > 1 ? args[1] : "") << " ... expecting " << c.message);
    // token makes a development key on first use: a wrong flag must be refused before that.
    auto r = run_bounded(args, 2, {"XDG_CONFIG_HOME=" + dir.path + "/config"});
    CHECK((r.out + r.err).find(c.message) != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(dir.path + "/config/apigw"));
  }
}
