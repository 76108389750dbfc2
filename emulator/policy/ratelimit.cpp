#include "emulator/policy/ratelimit.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "emulator/policy/clock.hpp"

namespace apigw::policy {

namespace {

using model::Quota;
using model::RateLimit;
using model::Throttle;

constexpr int64_t k_day = 86400;

double seconds_between(TimePoint from, TimePoint to) { return std::chrono::duration<double>(to - from).count(); }

int64_t whole_seconds(double s) { return s <= 0 ? 0 : static_cast<int64_t>(std::ceil(s - 1e-9)); }

TimePoint at_seconds(int64_t s) { return TimePoint(std::chrono::seconds(s)); }

const char* period_name(Quota::Period p) {
  switch (p) {
    case Quota::Period::Day: return "day";
    case Quota::Period::Week: return "week";
    case Quota::Period::Month: return "month";
  }
  return "?";
}

std::string bucket_key(const Limit& l) {
  return "rate " + l.counter + " " + format_rate(l.throttle->rate) + "/" + std::to_string(l.throttle->burst);
}

std::string quota_key(const Limit& l) {
  return "quota " + l.counter + " " + std::to_string(l.quota->limit) + "/" + period_name(l.quota->period) + "+" +
         std::to_string(l.quota->offset);
}

}  // namespace

std::string format_rate(double requests_per_second) {
  char out[32];
  std::snprintf(out, sizeof out, "%.6g", requests_per_second);
  return out;
}

Bucket full_bucket(const Throttle& t, TimePoint now) { return {static_cast<double>(t.burst), now}; }

void refill(const Throttle& t, Bucket& b, TimePoint now) {
  if (now > b.updated)
    b.tokens = std::min(static_cast<double>(t.burst), b.tokens + seconds_between(b.updated, now) * t.rate);
  b.updated = now;
}

double seconds_until(const Throttle& t, const Bucket& b, double tokens) {
  return b.tokens >= tokens ? 0 : (tokens - b.tokens) / t.rate;
}

Window quota_window(Quota::Period period, TimePoint now) {
  int64_t seconds = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  if (now < at_seconds(seconds)) --seconds;  // the cast rounds toward zero; before 1970 that is up
  int64_t day = seconds / k_day - (seconds % k_day < 0);
  switch (period) {
    case Quota::Period::Day: return {at_seconds(day * k_day), at_seconds((day + 1) * k_day)};
    case Quota::Period::Week: {
      int64_t monday = day - (((day + 3) % 7) + 7) % 7;  // 1970-01-01 was a Thursday
      return {at_seconds(monday * k_day), at_seconds((monday + 7) * k_day)};
    }
    case Quota::Period::Month: {
      std::time_t t = static_cast<std::time_t>(seconds);
      std::tm tm{};
      gmtime_r(&t, &tm);
      std::tm first{};
      first.tm_year = tm.tm_year;
      first.tm_mon = tm.tm_mon;
      first.tm_mday = 1;
      std::tm next = first;
      ++next.tm_mon;  // timegm normalises December + 1 into January
      return {at_seconds(timegm(&first)), at_seconds(timegm(&next))};
    }
  }
  return {now, now};
}

LimitVerdict LimitStore::take(const std::vector<Limit>& limits, TimePoint now) {
  struct Counted {
    const Limit* limit = nullptr;
    Bucket* bucket = nullptr;
    QuotaCount* quota = nullptr;
    Window window;
  };
  std::vector<Counted> counted;
  LimitVerdict v;
  std::lock_guard lock(mutex_);
  if (++takes_ % k_sweep_every == 0) sweep(now);
  for (const auto& l : limits) {
    Counted c;
    c.limit = &l;
    if (l.throttle) {
      auto [it, fresh] = buckets_.try_emplace(bucket_key(l), Counter{full_bucket(*l.throttle, now), *l.throttle});
      c.bucket = &it->second.bucket;
      refill(*l.throttle, *c.bucket, now);
      if (c.bucket->tokens < 1) {
        int64_t retry = std::max<int64_t>(1, whole_seconds(seconds_until(*l.throttle, *c.bucket, 1)));
        if (v.allowed || retry > v.retry_after) {
          v = {false, "rate",
               "rate limit exceeded (" + l.counter + ": " + format_rate(l.throttle->rate) + " per second, bursts of " +
                   std::to_string(l.throttle->burst) + "); retry in " + std::to_string(retry) + " s",
               l.throttle->burst, 0, retry, retry};
        }
      }
    }
    if (l.quota) {
      c.window = quota_window(l.quota->period, now);
      auto [it, fresh] = quotas_.try_emplace(
          quota_key(l), QuotaCount{c.window.start, l.quota->offset, c.window.end, l.quota->offset > 0});
      c.quota = &it->second;
      if (c.quota->window_start != c.window.start) *c.quota = {c.window.start, 0, c.window.end, c.quota->offset};
      if (c.quota->used >= l.quota->limit) {
        int64_t retry = std::max<int64_t>(1, whole_seconds(seconds_between(now, c.window.end)));
        if (v.allowed || retry > v.retry_after) {
          v = {false, "quota",
               "quota exceeded (" + l.counter + ": " + std::to_string(l.quota->limit) + " requests per " +
                   period_name(l.quota->period) + "); it renews at " + format_timestamp(c.window.end),
               l.quota->limit, 0, retry, retry};
        }
      }
    }
    counted.push_back(c);
  }
  if (!v.allowed) return v;
  bool first = true;
  auto report = [&](int64_t limit, int64_t remaining, int64_t reset) {
    if (first || remaining < v.remaining || (remaining == v.remaining && reset > v.reset_seconds)) {
      v.limit = limit;
      v.remaining = remaining;
      v.reset_seconds = reset;
      first = false;
    }
  };
  for (const auto& c : counted) {
    if (c.bucket) {
      c.bucket->tokens -= 1;
      const Throttle& t = *c.limit->throttle;
      report(t.burst, static_cast<int64_t>(std::floor(c.bucket->tokens + 1e-9)),
             whole_seconds(seconds_until(t, *c.bucket, static_cast<double>(t.burst))));
    }
    if (c.quota) {
      ++c.quota->used;
      report(c.limit->quota->limit, c.limit->quota->limit - c.quota->used,
             whole_seconds(seconds_between(now, c.window.end)));
    }
  }
  return v;
}

// A bucket that has refilled to its burst is what a new one would be; a quota count of a window that has ended is
// what a new one would be, except when the quota has an offset (a new counter would count the offset again), so those
// stay. Sweeping every k_sweep_every takes keeps the cost per request constant and the store as large as the callers
// of the last refill time and quota window.
void LimitStore::sweep(TimePoint now) {
  std::erase_if(buckets_, [&](auto& entry) {
    Bucket b = entry.second.bucket;
    refill(entry.second.throttle, b, now);
    return b.tokens >= static_cast<double>(entry.second.throttle.burst);
  });
  std::erase_if(quotas_, [&](const auto& entry) { return !entry.second.offset && now >= entry.second.window_end; });
}

void LimitStore::clear() {
  std::lock_guard lock(mutex_);
  buckets_.clear();
  quotas_.clear();
}

size_t LimitStore::size() {
  std::lock_guard lock(mutex_);
  return buckets_.size() + quotas_.size();
}

LimitStore& limit_store() {
  static LimitStore store;
  return store;
}

std::vector<Limit> limits_for(const model::Config& config, const model::Route& route, const std::string& caller,
                              const std::string& plan, const std::string& client_ip) {
  std::vector<Limit> out;
  if (const auto& r = route.rate_limit) {
    std::string counter = "rate_limit of " + r->from;
    switch (r->per) {
      case RateLimit::Per::Key:
        counter += caller.empty() ? " for client " + client_ip : " for caller '" + caller + "'";
        break;
      case RateLimit::Per::Ip: counter += " for client " + client_ip; break;
      case RateLimit::Per::Route:
        if (r->from != "route " + route.id) counter += " on route " + route.id;
        break;
      case RateLimit::Per::Global: break;
    }
    out.push_back({counter, r->throttle, r->quota});
  }
  if (const model::UsagePlan* p = plan.empty() ? nullptr : config.find_plan(plan)) {
    std::string counter = "plan '" + p->name + "' for key '" + caller + "'";
    if (auto it = p->route_throttle.find(route.id); it != p->route_throttle.end())
      out.push_back({counter + " on route " + route.id, it->second, std::nullopt});
    else if (p->throttle)
      out.push_back({counter, p->throttle, std::nullopt});
    if (p->quota) out.push_back({counter, std::nullopt, p->quota});
  }
  return out;
}

}  // namespace apigw::policy
