// Hostile and broken files through every command that reads files: a documented exit code and a located message,
// never a crash or a hang (run() kills a command after 30 s and reports -1).
#include <doctest/doctest.h>

#include <string>

#include "e2e/process.hpp"

using e2e::run;

namespace {
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
}  // namespace

TEST_CASE("bad input files give exit 2 and a located message for lint, import and serve") {
  struct Case {
    const char* name;
    std::string content;
    const char* message;  // expected in the output, after "name:line:col: "
  };
  const Case cases[] = {
      {"empty.yaml", "", "expected a mapping at the top level"},
      {"binary.yaml", std::string("\x00\x01\x02\xff\xfe\x80garbage", 12), "invalid UTF-8 (byte 0xFF)"},
      {"deep.json", std::string(100000, '['), "invalid JSON: nesting deeper than 256 levels"},
      {"bomb.yaml", alias_bomb(), "an alias bomb?"},
      {"hugenum.json", "{\"apigw\": 1e999999, \"routes\": []}", "invalid JSON: number out of range"},
      {"truncated.json", "{\"apigw\": 1, \"routes\": [", "invalid JSON: unexpected end of input"},
      {"tabs.yaml", "apigw: 1\nroutes:\n\t- x\n", "invalid YAML"},
  };
  for (const auto& c : cases) {
    std::string path = e2e::write_temp(c.name, c.content);
    for (const char* cmd : {"lint", "import", "serve"}) {
      INFO(cmd << " " << c.name);
      std::vector<std::string> args = {cmd, path};
      if (std::string(cmd) == "serve") args.insert(args.end(), {"--port", "0"});
      auto r = run(args);
      CHECK(r.exit_code == 2);
      std::string all = r.out + r.err;
      CHECK(all.find(path + ":") != std::string::npos);
      CHECK(all.find(c.message) != std::string::npos);
    }
  }
}

TEST_CASE("missing files and directories") {
  for (const char* cmd : {"lint", "import", "serve"}) {
    INFO(cmd);
    auto r = run({cmd, "/nonexistent/x.yaml"});
    CHECK(r.exit_code == 2);
    CHECK((r.out + r.err).find("/nonexistent/x.yaml: error: cannot read file: No such file or directory") != std::string::npos);
    auto d = run({cmd, "/tmp"});
    CHECK(d.exit_code == 2);
    CHECK((d.out + d.err).find("is a directory, not a file") != std::string::npos);
  }
}
