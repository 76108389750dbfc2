#include "emulator/server/observe.hpp"

#include <cstdio>

#include "emulator/util/text.hpp"

namespace apigw::server {

namespace {

// A Prometheus label value: backslash, double quote and newline escaped.
std::string label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string route_name(const AccessRecord& r) { return r.route.empty() ? "(none)" : r.route; }

}  // namespace

void Observer::record(const AccessRecord& r) {
  std::string route = route_name(r);
  double seconds = r.duration_ms / 1000;
  std::lock_guard lock(mutex_);
  ++requests_[{route, r.method, r.status}];
  Latency& l = latency_[route];
  size_t i = 0;
  while (i < k_buckets.size() && seconds > k_buckets[i]) ++i;
  if (i < k_buckets.size()) ++l.buckets[i];
  ++l.count;
  l.sum += seconds;
  if (r.upstream_ms >= 0 && (r.status == 502 || r.status == 504)) ++upstream_errors_[route];
  if (r.violations > 0) ++violations_[route];
  if (r.limited) ++limited_[{route, r.limited}];
  if (journal_size_ > 0) {
    journal_.push_front(r);
    if (journal_.size() > journal_size_) journal_.pop_back();
    ++journal_seen_;
  }
}

std::string Observer::metrics() const {
  std::lock_guard lock(mutex_);
  std::string out;
  char num[64];
  out += "# HELP apigw_requests_total Requests answered, by route, method and status.\n"
         "# TYPE apigw_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    const auto& [route, method, status] = key;
    out += "apigw_requests_total{route=\"" + label(route) + "\",method=\"" + label(method) + "\",status=\"" +
           std::to_string(status) + "\"} " + std::to_string(n) + "\n";
  }
  out += "# HELP apigw_request_duration_seconds Time from request to answer, by route.\n"
         "# TYPE apigw_request_duration_seconds histogram\n";
  for (const auto& [route, l] : latency_) {
    uint64_t cumulative = 0;
    std::string r = label(route);
    for (size_t i = 0; i < k_buckets.size(); ++i) {
      cumulative += l.buckets[i];
      std::snprintf(num, sizeof num, "%g", k_buckets[i]);
      out += "apigw_request_duration_seconds_bucket{route=\"" + r + "\",le=\"" + num + "\"} " +
             std::to_string(cumulative) + "\n";
    }
    out += "apigw_request_duration_seconds_bucket{route=\"" + r + "\",le=\"+Inf\"} " + std::to_string(l.count) + "\n";
    std::snprintf(num, sizeof num, "%.6f", l.sum);
    out += "apigw_request_duration_seconds_sum{route=\"" + r + "\"} " + num + "\n";
    out += "apigw_request_duration_seconds_count{route=\"" + r + "\"} " + std::to_string(l.count) + "\n";
  }
  out += "# HELP apigw_upstream_errors_total Proxied requests answered 502 or 504 (upstream unreachable or slow).\n"
         "# TYPE apigw_upstream_errors_total counter\n";
  for (const auto& [route, n] : upstream_errors_)
    out += "apigw_upstream_errors_total{route=\"" + label(route) + "\"} " + std::to_string(n) + "\n";
  out += "# HELP apigw_validation_failures_total Exchanges with violations of the OpenAPI operation.\n"
         "# TYPE apigw_validation_failures_total counter\n";
  for (const auto& [route, n] : violations_)
    out += "apigw_validation_failures_total{route=\"" + label(route) + "\"} " + std::to_string(n) + "\n";
  out += "# HELP apigw_rate_limited_total Requests answered 429, by route and reason (rate or quota).\n"
         "# TYPE apigw_rate_limited_total counter\n";
  for (const auto& [key, n] : limited_)
    out += "apigw_rate_limited_total{route=\"" + label(key.first) + "\",reason=\"" + key.second + "\"} " +
           std::to_string(n) + "\n";
  return out;
}

std::string Observer::journal() const {
  std::lock_guard lock(mutex_);
  std::string out = "{\"size\":" + std::to_string(journal_size_) + ",\"seen\":" + std::to_string(journal_seen_) +
                    ",\"entries\":[";
  bool first = true;
  for (const auto& r : journal_) {
    std::string line = format_access_record(r);
    line.pop_back();  // the newline
    if (!r.violation_detail.empty()) {
      line.pop_back();  // the closing brace
      line += ",\"violation_detail\":" + r.violation_detail + "}";
    }
    out += (first ? "" : ",") + line;
    first = false;
  }
  out += "]}\n";
  return out;
}

}  // namespace apigw::server
