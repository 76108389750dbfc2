// Rate limits and quotas: token buckets and calendar-window counters, as AWS usage plans and route throttles count
// them. The limits come from the config (immutable); the counters live in a LimitStore shared by every worker thread
// and kept across config reloads, keyed by what is limited, for whom, and the limit's values, so a reload that leaves a
// plan unchanged keeps its counts and one that changes it starts afresh.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "emulator/model/config.hpp"

namespace apigw::policy {

using TimePoint = std::chrono::system_clock::time_point;

// A token bucket's state: full (burst tokens) when made, refilled at the rate, never above the burst.
struct Bucket {
  double tokens = 0;
  TimePoint updated;
};
Bucket full_bucket(const model::Throttle& t, TimePoint now);
// Adds the tokens earned since the last update (none when the clock went back).
void refill(const model::Throttle& t, Bucket& b, TimePoint now);
// Seconds until the bucket holds `tokens` again (0 when it does).
double seconds_until(const model::Throttle& t, const Bucket& b, double tokens);

// The calendar window (UTC) that holds `now`: [start, end).
struct Window {
  TimePoint start, end;
};
Window quota_window(model::Quota::Period period, TimePoint now);

// One limit on one request: a throttle and/or a quota with the counters' identity.
struct Limit {
  std::string counter;  // what is limited, for whom ("plan gold, key mobile")
  std::optional<model::Throttle> throttle;
  std::optional<model::Quota> quota;
};

struct LimitVerdict {
  bool allowed = true;
  const char* reason = nullptr;  // when refused: "rate" or "quota"
  std::string detail;            // when refused, for the problem body
  // The limit closest to running out (the refusing one when refused), for the RateLimit-* headers; limit 0: none.
  int64_t limit = 0;
  int64_t remaining = 0;
  int64_t reset_seconds = 0;  // until the limit is whole again (quota: the window's end)
  int64_t retry_after = 0;    // refused: seconds until a retry can pass
};

class LimitStore {
 public:
  // Counts one request against every limit, all or none: when one refuses, nothing is taken from the others.
  LimitVerdict take(const std::vector<Limit>& limits, TimePoint now);
  // Forgets every counter.
  void clear();
  // Counters held (buckets and quota windows), for tests that check the store does not grow with distinct callers.
  size_t size();

  // take() sweeps after this many calls: counters that could be made afresh without changing any answer are dropped.
  static constexpr uint64_t k_sweep_every = 1024;

 private:
  struct Counter {
    Bucket bucket;
    model::Throttle throttle;
  };
  struct QuotaCount {
    TimePoint window_start;
    int64_t used = 0;
    TimePoint window_end;
    bool offset = false;  // counted from an offset: the first window differs from a fresh counter's next ones
  };
  void sweep(TimePoint now);
  std::mutex mutex_;
  std::unordered_map<std::string, Counter> buckets_;
  std::unordered_map<std::string, QuotaCount> quotas_;
  uint64_t takes_ = 0;
};

// The store serve counts in: one per process, so counts outlive reloads.
LimitStore& limit_store();

// A rate as people write it: "10", "0.5".
std::string format_rate(double requests_per_second);

// The limits on a request to `route` from `client_ip` by `caller` (the principal's name, "" when anonymous) holding
// API key plan `plan` ("" for none).
std::vector<Limit> limits_for(const model::Config& config, const model::Route& route, const std::string& caller,
                              const std::string& plan, const std::string& client_ip);

}  // namespace apigw::policy
