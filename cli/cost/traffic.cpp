// Usage from a traffic profile (YAML) or from apigw serve's access log (JSON lines).
#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "cli/cost/cost.hpp"
#include "emulator/doc/node.hpp"

namespace apigw::cost {

namespace {

__extension__ typedef __int128 Wide;

constexpr int64_t k_month_ms = static_cast<int64_t>(k_hours_per_month) * 3600 * 1000;
constexpr uintmax_t k_max_profile_bytes = 1024 * 1024;
constexpr size_t k_max_log_line_bytes = 64 * 1024;

std::string scalar(const YAML::Node& n) { return n.IsScalar() ? n.Scalar() : std::string(); }

uint64_t profile_value(const YAML::Node& map, const char* key, const std::string& path, bool bytes) {
  std::string text = scalar(map[key]);
  std::string error;
  auto v = bytes ? parse_bytes(text, &error) : parse_count(text, &error);
  if (!v) {
    auto mark = map[key].Mark();
    throw UsageError(path + ":" + std::to_string(mark.line + 1) + ": " + key + ": " +
                     (text.empty() ? std::string("expected a value") : error));
  }
  return *v;
}

void fill(std::optional<uint64_t>& into, const YAML::Node& map, const char* key, const std::string& path, bool bytes) {
  if (into || !map[key]) return;
  into = profile_value(map, key, path, bytes);
}

// Reads an unsigned integer right after `key` in `line` (our own log format), or nullopt.
std::optional<uint64_t> number_after(std::string_view line, std::string_view key) {
  auto at = line.find(key);
  if (at == std::string_view::npos) return std::nullopt;
  const char* begin = line.data() + at + key.size();
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(begin, line.data() + line.size(), v);
  if (ec != std::errc()) return std::nullopt;
  return v;
}

std::optional<std::string_view> string_after(std::string_view line, std::string_view key) {
  auto at = line.find(key);
  if (at == std::string_view::npos) return std::nullopt;
  size_t start = at + key.size();
  auto end = line.find('"', start);
  if (end == std::string_view::npos) return std::nullopt;
  return line.substr(start, end - start);
}

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

}  // namespace

std::optional<int64_t> parse_timestamp_ms(std::string_view t) {
  // YYYY-MM-DDTHH:MM:SS[.mmm]Z
  if (t.size() < 20 || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' || t[16] != ':') return std::nullopt;
  auto num = [&](size_t pos, size_t len) -> std::optional<int> {
    int v = 0;
    auto [ptr, ec] = std::from_chars(t.data() + pos, t.data() + pos + len, v);
    if (ec != std::errc() || ptr != t.data() + pos + len) return std::nullopt;
    return v;
  };
  auto y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2), s = num(17, 2);
  if (!y || !mo || !d || !h || !mi || !s || *mo < 1 || *mo > 12 || *d < 1 || *d > 31) return std::nullopt;
  int ms = 0;
  if (t[19] == '.') {
    size_t end = t.find('Z', 20);
    if (end == std::string_view::npos || end < 21) return std::nullopt;
    auto frac = num(20, std::min<size_t>(3, end - 20));
    if (!frac) return std::nullopt;
    ms = *frac;
    for (size_t i = end - 20; i < 3; ++i) ms *= 10;
  } else if (t[19] != 'Z') {
    return std::nullopt;
  }
  int64_t days = days_from_civil(*y, static_cast<unsigned>(*mo), static_cast<unsigned>(*d));
  return ((days * 24 + *h) * 60 + *mi) * 60000 + int64_t(*s) * 1000 + ms;
}

void apply_profile(const std::string& path, Usage& usage) {
  // The project's loader first, for its limits and located errors; yaml-cpp's node graph (about 500 bytes a value)
  // is then built only for a file of a profile's size.
  std::error_code ec;
  if (auto size = std::filesystem::file_size(path, ec); !ec && size > k_max_profile_bytes)
    throw UsageError(path + ": " + std::to_string(size) + " bytes; a traffic profile is at most 1 MiB");
  doc::Document d = doc::load_file(path);
  for (const auto& issue : d.issues)
    if (issue.fatal) throw UsageError(doc::where(path, issue.mark) + ": " + issue.message);
  if (!d.root.is_object())
    throw UsageError(doc::where(path, d.root.mark) + ": a traffic profile is a mapping of usage keys");
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw UsageError("cannot read " + path);
  } catch (const YAML::Exception& e) {
    throw UsageError(path + ": " + e.what());
  }
  if (!root.IsMap()) throw UsageError(path + ": a traffic profile is a mapping of usage keys");
  static const char* const k_keys[] = {"monthly_requests", "rps", "request_size", "response_size", "cache",
                                       "ws_messages", "ws_message_size", "ws_connection_minutes", "units",
                                       "self_hosted_gateway_count", "routes", "growth", "months", "clients_in"};
  for (const auto& kv : root) {
    std::string key = kv.first.as<std::string>();
    if (std::find(std::begin(k_keys), std::end(k_keys), key) == std::end(k_keys))
      throw UsageError(path + ":" + std::to_string(kv.first.Mark().line + 1) + ": unknown key '" + key + "'");
  }
  if (!usage.requests && root["routes"]) {
    if (!root["routes"].IsSequence()) throw UsageError(path + ": routes must be a list");
    uint64_t total = 0;
    Wide req_weighted = 0, resp_weighted = 0;
    bool req_sizes = true, resp_sizes = true;
    for (const auto& r : root["routes"]) {
      uint64_t n = profile_value(r, "monthly_requests", path, false);
      total += n;
      if (r["request_size"]) req_weighted += Wide(n) * profile_value(r, "request_size", path, true);
      else req_sizes = false;
      if (r["response_size"]) resp_weighted += Wide(n) * profile_value(r, "response_size", path, true);
      else resp_sizes = false;
    }
    usage.requests = total;
    if (total > 0 && req_sizes && !usage.request_bytes) usage.request_bytes = static_cast<uint64_t>(req_weighted / total);
    if (total > 0 && resp_sizes && !usage.response_bytes)
      usage.response_bytes = static_cast<uint64_t>(resp_weighted / total);
  }
  fill(usage.requests, root, "monthly_requests", path, false);
  if (!usage.requests && root["rps"]) {
    std::string error;
    usage.requests = requests_from_rps(scalar(root["rps"]), &error);
    if (!usage.requests) throw UsageError(path + ": rps: " + error);
  }
  fill(usage.request_bytes, root, "request_size", path, true);
  fill(usage.response_bytes, root, "response_size", path, true);
  fill(usage.cache_bytes, root, "cache", path, true);
  fill(usage.ws_messages, root, "ws_messages", path, false);
  fill(usage.ws_message_bytes, root, "ws_message_size", path, true);
  fill(usage.ws_connection_minutes, root, "ws_connection_minutes", path, false);
  if (root["units"]) usage.units = profile_value(root, "units", path, false);
  if (root["self_hosted_gateway_count"]) usage.gateways = profile_value(root, "self_hosted_gateway_count", path, false);
  if (root["growth"] && usage.growth_bp == 0) {
    std::string error;
    auto g = parse_percent(scalar(root["growth"]), &error);
    if (!g)
      throw UsageError(path + ":" + std::to_string(root["growth"].Mark().line + 1) + ": growth: " + error);
    usage.growth_bp = *g;
  }
  if (root["months"] && usage.months == 0) {
    usage.months = profile_value(root, "months", path, false);
    if (usage.months == 0 || usage.months > 120)
      throw UsageError(path + ":" + std::to_string(root["months"].Mark().line + 1) + ": months: 1 to 120");
  }
  if (root["clients_in"] && !usage.clients_in) {
    usage.clients_in = parse_continent(scalar(root["clients_in"]));
    if (!usage.clients_in)
      throw UsageError(path + ":" + std::to_string(root["clients_in"].Mark().line + 1) + ": clients_in: '" +
                       scalar(root["clients_in"]) + "' is not a continent (use one of " + continent_list() + ")");
  }
  if (usage.basis.empty()) usage.basis = "traffic profile " + path;
}

LogSummary read_access_log(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError("cannot read " + path);
  LogSummary s;
  std::map<std::string, uint64_t, std::less<>> routes;
  std::string line;
  bool first = true;
  while (std::getline(in, line)) {
    std::string_view v = line;
    if (v.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    // apigw serve writes records of a few hundred bytes; a longer line is not one, and its JSON could be anything
    // (a 100 MB array took 1.7 GB to parse).
    if (v.size() > k_max_log_line_bytes) {
      ++s.skipped;
      continue;
    }
    // Fast path for the fields apigw serve writes; anything else goes through a real JSON parser.
    auto time = string_after(v, "\"time\":\"");
    auto req = number_after(v, "\"request_bytes\":");
    auto resp = number_after(v, ",\"bytes\":");
    std::optional<int64_t> ms = time ? parse_timestamp_ms(*time) : std::nullopt;
    std::string route;
    if (auto r = string_after(v, "\"route\":\"")) route = std::string(*r);
    if (!ms || !req || !resp) {
      try {
        auto j = nlohmann::json::parse(line);
        ms = parse_timestamp_ms(j.at("time").get<std::string>());
        req = j.at("request_bytes").get<uint64_t>();
        resp = j.at("bytes").get<uint64_t>();
        route = j.contains("route") && j["route"].is_string() ? j["route"].get<std::string>() : "";
      } catch (const nlohmann::json::exception&) {
        ms.reset();
      }
      if (!ms) {
        ++s.skipped;
        continue;
      }
    }
    const int64_t when = ms.value_or(0);
    ++s.records;
    s.request_bytes += req.value_or(0);
    s.response_bytes += resp.value_or(0);
    if (first || when < s.first_ms) s.first_ms = when;
    if (first || when > s.last_ms) s.last_ms = when;
    first = false;
    auto it = routes.find(route);
    if (it == routes.end()) routes.emplace(route, 1);
    else ++it->second;
  }
  if (s.records == 0) throw UsageError(path + ": no access log records (JSON lines from apigw serve --access-log)");
  s.routes.assign(routes.begin(), routes.end());
  std::stable_sort(s.routes.begin(), s.routes.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  return s;
}

void apply_log(const LogSummary& log, int64_t period_ms, const std::string& path, Usage& usage) {
  int64_t span = period_ms > 0 ? period_ms : log.last_ms - log.first_ms;
  if (span <= 0)
    throw UsageError(path + ": the log covers no time (one timestamp); give its period with --period, e.g. 1h");
  // Half-up rounding of records × month / span.
  Wide scaled = (Wide(log.records) * k_month_ms * 2 + span) / (Wide(span) * 2);
  if (!usage.requests) usage.requests = static_cast<uint64_t>(scaled);
  if (!usage.request_bytes) usage.request_bytes = (log.request_bytes + log.records / 2) / log.records;
  if (!usage.response_bytes) usage.response_bytes = (log.response_bytes + log.records / 2) / log.records;
  std::string routes;
  for (size_t i = 0; i < log.routes.size() && i < 5; ++i) {
    const auto& [name, n] = log.routes[i];
    uint64_t pct = (n * 100 + log.records / 2) / log.records;
    routes += (i ? ", " : "") + (name.empty() ? std::string("(no route)") : name) + " " + std::to_string(pct) + "%";
  }
  usage.basis = "extrapolated to a 730-hour month from " + format_count(log.records) + " requests over " +
                std::to_string(span / 1000) + "." + std::to_string((span % 1000) / 100) + " s in " + path +
                (period_ms > 0 ? " (--period)" : " (the log's own span)") + "; average sizes measured; routes: " + routes;
  if (log.skipped > 0) usage.basis += "; " + std::to_string(log.skipped) + " lines that are not access records skipped";
}

}  // namespace apigw::cost
