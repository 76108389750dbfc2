#include <doctest/doctest.h>

#include "emulator/util/text.hpp"

using namespace apigw::util;
using namespace std::chrono_literals;

TEST_CASE("nearest suggests plausible typos only") {
  std::vector<std::string_view> keys = {"method", "path", "mock", "proxy", "id"};
  CHECK(nearest("methd", keys) == "method");
  CHECK(nearest("pth", keys) == "path");
  CHECK(nearest("moc", keys) == "mock");
  CHECK(nearest("proxy", keys) == "");  // exact match is not a suggestion
  CHECK(nearest("zzzzzz", keys) == "");
  CHECK(nearest("mehtod", keys) == "method");  // transposition
}

TEST_CASE("durations") {
  CHECK(parse_duration("250ms") == 250ms);
  CHECK(parse_duration("5s") == 5s);
  CHECK(parse_duration("1.5s") == 1500ms);
  CHECK(parse_duration("2m") == 2min);
  CHECK(parse_duration("1h") == 1h);
  std::string err;
  CHECK_FALSE(parse_duration("5", &err));
  CHECK(err == "expected a duration such as 250ms, 5s, 1m or 1h");
  CHECK_FALSE(parse_duration("5 sec", &err));
  CHECK(err == "unknown duration unit 'sec' (use us, ms, s, m, h or d)");
  CHECK_FALSE(parse_duration("-5s", &err));
  CHECK(format_duration(1500ms) == "1500ms");
  CHECK(format_duration(2s) == "2s");
}

TEST_CASE("sizes: SI and binary units") {
  CHECK(parse_size("10MB") == 10'000'000u);
  CHECK(parse_size("10MiB") == 10u * 1024 * 1024);
  CHECK(parse_size("512") == 512u);
  CHECK(parse_size("1.5KB") == 1500u);
  std::string err;
  CHECK_FALSE(parse_size("10XB", &err));
  CHECK(err == "unknown size unit 'XB' (use B, KB, MB, GB, KiB, MiB or GiB)");
  CHECK_FALSE(parse_size("0.5B", &err));
}

TEST_CASE("environment expansion") {
  auto env = [](const std::string& n) -> std::optional<std::string> {
    if (n == "HOST") return "example.com";
    if (n == "EMPTY") return "";
    return std::nullopt;
  };
  std::vector<std::string> missing;
  CHECK(expand_env("https://${HOST}/v1", env, &missing) == "https://example.com/v1");
  CHECK(expand_env("${PORT:-8080}", env, &missing) == "8080");
  CHECK(expand_env("${EMPTY:-fallback}", env, &missing) == "fallback");
  CHECK(expand_env("$${HOST}", env, &missing) == "${HOST}");
  CHECK(missing.empty());
  CHECK(expand_env("key=${SECRET}", env, &missing) == "key=");
  REQUIRE(missing.size() == 1);
  CHECK(missing[0] == "SECRET");
  std::string err;
  expand_env("${OPEN", env, &missing, &err);
  CHECK(err == "unterminated ${...} (write $${ for a literal ${)");
  // Dotted names reach the lookup as written (the config loader resolves ${stageVariables.NAME} that way).
  auto staged = [](const std::string& n) -> std::optional<std::string> {
    if (n == "stageVariables.host") return "dev.local";
    return std::nullopt;
  };
  CHECK(expand_env("http://${stageVariables.host}/v1", staged, &missing) == "http://dev.local/v1");
  err.clear();
  expand_env("${.host}", staged, &missing, &err);
  CHECK(err == "invalid variable name '.host' in ${...}");
}

TEST_CASE("JSON escaping keeps log lines valid JSON whatever bytes arrive") {
  std::string out;
  append_json_escaped(out, std::string("a\"b\\c\n\x01\x7f J\xC3\xBCrgen \xff\xfe \xE2\x82", 22));
  CHECK(out == "a\\\"b\\\\c\\n\\u0001\\u007f J\xC3\xBCrgen \\ufffd\\ufffd \\ufffd\\ufffd");
}
