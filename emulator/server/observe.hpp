// What the admin API shows about traffic: Prometheus metrics (requests by route, method and status; latency
// histograms per route; upstream errors; validation failures; 429s by reason) and a bounded journal of recent
// exchanges.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include "emulator/server/gateway.hpp"

namespace apigw::server {

class Observer {
 public:
  explicit Observer(size_t journal_size) : journal_size_(journal_size) {}
  // Counts one answered request; safe from any thread.
  void record(const AccessRecord& r);
  // GET /__apigw/metrics: Prometheus text exposition format 0.0.4.
  std::string metrics() const;
  // GET /__apigw/journal: the most recent exchanges, newest first, as JSON.
  std::string journal() const;

  static constexpr std::array<double, 14> k_buckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                        0.1,    0.25,  0.5,    1,     2.5,  5,     10};

 private:
  struct Latency {
    std::array<uint64_t, k_buckets.size()> buckets{};  // not cumulative here; summed when printed
    uint64_t count = 0;
    double sum = 0;
  };
  size_t journal_size_;
  mutable std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests_;  // (route, method, status)
  std::map<std::string, Latency> latency_;                                 // by route
  std::map<std::string, uint64_t> upstream_errors_;                        // by route: 502 and 504 from proxying
  std::map<std::string, uint64_t> violations_;                             // by route
  std::map<std::pair<std::string, std::string>, uint64_t> limited_;       // 429s by (route, reason)
  std::deque<AccessRecord> journal_;
  uint64_t journal_seen_ = 0;
};

}  // namespace apigw::server
