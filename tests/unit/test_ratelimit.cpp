// Rate limits and quotas with a fake clock: token buckets, calendar windows, the all-or-none store, the controllable
// clock, and what the loader accepts and refuses.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "emulator/model/config.hpp"
#include "unit/config_helpers.hpp"
#include "emulator/policy/clock.hpp"
#include "emulator/policy/ratelimit.hpp"

using namespace apigw;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {
using test::messages;

policy::TimePoint at(const char* timestamp) {
  auto t = policy::parse_timestamp(timestamp);
  REQUIRE(t);
  return *t;
}


policy::Limit throttle(const std::string& counter, double rate, int64_t burst) {
  return {counter, model::Throttle{rate, burst}, std::nullopt};
}

policy::Limit quota(const std::string& counter, int64_t limit, model::Quota::Period period, int64_t offset = 0) {
  return {counter, std::nullopt, model::Quota{limit, period, offset}};
}

}  // namespace

TEST_CASE("a token bucket starts full, refills at its rate and never holds more than its burst") {
  model::Throttle t{2, 5};
  auto start = at("2026-01-01T00:00:00Z");
  policy::Bucket b = policy::full_bucket(t, start);
  CHECK(b.tokens == 5);
  b.tokens = 0;
  policy::refill(t, b, start + milliseconds(500));
  CHECK(b.tokens == doctest::Approx(1));
  CHECK(policy::seconds_until(t, b, 5) == doctest::Approx(2));
  policy::refill(t, b, start + seconds(60));
  CHECK(b.tokens == 5);
  policy::refill(t, b, start);  // the clock went back: nothing earned, nothing lost
  CHECK(b.tokens == 5);
}

TEST_CASE("quota windows are UTC days, weeks from Monday and calendar months") {
  using P = model::Quota::Period;
  auto day = policy::quota_window(P::Day, at("2026-03-04T17:30:00Z"));
  CHECK(policy::format_timestamp(day.start) == "2026-03-04T00:00:00.000Z");
  CHECK(policy::format_timestamp(day.end) == "2026-03-05T00:00:00.000Z");
  auto week = policy::quota_window(P::Week, at("2026-01-07T12:00:00Z"));  // a Wednesday
  CHECK(policy::format_timestamp(week.start) == "2026-01-05T00:00:00.000Z");
  CHECK(policy::format_timestamp(week.end) == "2026-01-12T00:00:00.000Z");
  auto sunday = policy::quota_window(P::Week, at("2026-01-11T23:59:59Z"));
  CHECK(sunday.start == week.start);
  auto monday = policy::quota_window(P::Week, at("2026-01-12T00:00:00Z"));
  CHECK(monday.start == week.end);
  auto december = policy::quota_window(P::Month, at("2026-12-31T23:59:59.999Z"));
  CHECK(policy::format_timestamp(december.start) == "2026-12-01T00:00:00.000Z");
  CHECK(policy::format_timestamp(december.end) == "2027-01-01T00:00:00.000Z");
  auto february = policy::quota_window(P::Month, at("2028-02-29T08:00:00Z"));
  CHECK(policy::format_timestamp(february.end) == "2028-03-01T00:00:00.000Z");
}

TEST_CASE("a frozen clock passes exactly the burst; the rate earns more as time moves") {
  policy::LimitStore store;
  auto now = at("2026-01-01T00:00:00Z");
  std::vector<policy::Limit> limits = {throttle("route a", 1, 3)};
  for (int i = 0; i < 3; ++i) {
    auto v = store.take(limits, now);
    CHECK(v.allowed);
    CHECK(v.limit == 3);
    CHECK(v.remaining == 2 - i);
    CHECK(v.reset_seconds == i + 1);  // one token a second until the bucket is full again
  }
  auto refused = store.take(limits, now);
  CHECK_FALSE(refused.allowed);
  CHECK(std::string(refused.reason) == "rate");
  CHECK(refused.retry_after == 1);
  CHECK(refused.remaining == 0);
  CHECK(refused.detail == "rate limit exceeded (route a: 1 per second, bursts of 3); retry in 1 s");
  CHECK_FALSE(store.take(limits, now + milliseconds(999)).allowed);
  CHECK(store.take(limits, now + seconds(1)).allowed);
  CHECK_FALSE(store.take(limits, now + seconds(1)).allowed);
}

TEST_CASE("threads taking from shared buckets at once never pass more than the burst") {
  policy::LimitStore store;
  auto now = at("2026-01-01T00:00:00Z");
  std::atomic<int64_t> passed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20000; ++i) {
        // Each thread also makes buckets of its own as it goes, so the map grows while others read it.
        std::vector<policy::Limit> limits = {throttle("shared", 1, 50000),
                                             throttle("own " + std::to_string(t * 100000 + i), 1, 1)};
        if (store.take(limits, now).allowed) ++passed;
      }
    });
  for (auto& t : threads) t.join();
  CHECK(passed == 50000);
}

TEST_CASE("a refused request takes nothing from the other limits; the closest to running out is reported") {
  policy::LimitStore store;
  auto now = at("2026-01-01T10:00:00Z");
  std::vector<policy::Limit> both = {throttle("wide", 100, 100), quota("narrow", 2, model::Quota::Period::Day)};
  auto first = store.take(both, now);
  CHECK(first.allowed);
  CHECK(first.limit == 2);
  CHECK(first.remaining == 1);
  CHECK(first.reset_seconds == 14 * 3600);  // the quota renews at midnight UTC
  CHECK(store.take(both, now).allowed);
  for (int i = 0; i < 5; ++i) {
    auto v = store.take(both, now);
    CHECK_FALSE(v.allowed);
    CHECK(std::string(v.reason) == "quota");
    CHECK(v.retry_after == 14 * 3600);
    CHECK(v.detail == "quota exceeded (narrow: 2 requests per day); it renews at 2026-01-02T00:00:00.000Z");
  }
  // The bucket lost only the two requests that passed.
  auto wide = store.take({throttle("wide", 100, 100)}, now);
  CHECK(wide.remaining == 97);
}

TEST_CASE("a quota renews when its window passes; the offset counts in the first window only") {
  policy::LimitStore store;
  auto now = at("2026-01-31T12:00:00Z");
  std::vector<policy::Limit> limits = {quota("plan gold", 3, model::Quota::Period::Month, 2)};
  CHECK(store.take(limits, now).allowed);
  CHECK_FALSE(store.take(limits, now).allowed);
  auto next_month = at("2026-02-01T00:00:00Z");
  for (int i = 0; i < 3; ++i) CHECK(store.take(limits, next_month).allowed);
  CHECK_FALSE(store.take(limits, next_month).allowed);
}

TEST_CASE("counters are kept per limit value: a changed limit starts afresh, an unchanged one keeps its count") {
  policy::LimitStore store;
  auto now = at("2026-01-01T00:00:00Z");
  CHECK(store.take({throttle("route a", 1, 1)}, now).allowed);
  CHECK_FALSE(store.take({throttle("route a", 1, 1)}, now).allowed);
  CHECK(store.take({throttle("route a", 1, 2)}, now).allowed);
  CHECK_FALSE(store.take({throttle("route a", 1, 1)}, now).allowed);
  store.clear();
  CHECK(store.take({throttle("route a", 1, 1)}, now).allowed);
}

TEST_CASE("the store does not grow with distinct callers: refilled buckets and past quota windows are dropped") {
  policy::LimitStore store;
  auto now = at("2026-01-01T00:00:00Z");
  // Each round a thousand new clients call once; by the next round (25 hours on) their buckets are full again and
  // their day's quota windows are over.
  size_t largest = 0;
  for (int round = 0; round < 30; ++round) {
    auto t = now + std::chrono::hours(25) * round;
    for (int client = 0; client < 1000; ++client) {
      std::string who = "client " + std::to_string(round * 1000 + client);
      CHECK(store.take({throttle(who, 1, 1), quota(who, 5, model::Quota::Period::Day)}, t).allowed);
    }
    largest = std::max(largest, store.size());
  }
  // 30,000 callers with two counters each; kept at most: this round's callers and those since the last sweep.
  CHECK(largest <= 2 * (1000 + policy::LimitStore::k_sweep_every));
}

TEST_CASE("a swept counter that was still counting keeps its count") {
  policy::LimitStore store;
  auto now = at("2026-01-01T00:00:00Z");
  CHECK(store.take({throttle("busy", 1, 1), quota("busy", 1, model::Quota::Period::Day)}, now).allowed);
  for (uint64_t i = 0; i < policy::LimitStore::k_sweep_every; ++i)
    store.take({throttle("other " + std::to_string(i), 1, 1)}, now + milliseconds(500));
  // Half a second on, the bucket is half full and today's quota is used: both still refuse.
  auto v = store.take({throttle("busy", 1, 1)}, now + milliseconds(500));
  CHECK_FALSE(v.allowed);
  CHECK_FALSE(store.take({quota("busy", 1, model::Quota::Period::Day)}, now + seconds(2)).allowed);
}

TEST_CASE("the controllable clock: frozen until advanced or set; RFC 3339 in and out") {
  policy::Clock clock;
  CHECK(clock.mode() == policy::Clock::Mode::System);
  clock.use(policy::Clock::Mode::Frozen);
  auto t0 = clock.now();
  CHECK(clock.now() == t0);
  clock.advance(std::chrono::hours(24));
  CHECK(clock.now() - t0 == std::chrono::hours(24));
  clock.set(at("2026-01-01T00:00:00Z"));
  CHECK(policy::format_timestamp(clock.now()) == "2026-01-01T00:00:00.000Z");
  clock.use(policy::Clock::Mode::System);
  clock.set(at("2030-06-01T00:00:00Z"));  // system time keeps running from there
  CHECK(clock.now() >= at("2030-06-01T00:00:00Z"));
  CHECK(clock.now() < at("2030-06-01T00:01:00Z"));

  CHECK(policy::format_timestamp(at("2026-05-06T07:08:09.25+02:00")) == "2026-05-06T05:08:09.250Z");
  for (const char* bad : {"2026-01-01", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-01-01T00:00:00",
                          "2026-01-01T00:00:00Zjunk", "yesterday"}) {
    CAPTURE(bad);
    CHECK_FALSE(policy::parse_timestamp(bad));
  }
}

TEST_CASE("usage plans and rate limits load once, with the most specific rate_limit winning") {
  auto r = model::load_config_text(R"(apigw: 1
usage_plans:
  gold:
    throttle: { rate: 10, burst: 20 }
    quota: { limit: 1000, period: month, offset: 10 }
    routes: { slow: { rate: 0.5, burst: 1 } }
auth:
  key: { type: api_key, keys: [{ name: app, value: k1, plan: gold }] }
policies:
  rate_limit: { rate: 100, per: ip }
groups:
  admin: { rate_limit: { quota: { limit: 5, period: day }, per: global } }
  open: { rate_limit: off }
routes:
  - { id: plain, method: GET, path: /a, mock: {} }
  - { id: slow, method: GET, path: /b, mock: {}, group: admin }
  - { id: own, method: GET, path: /c, mock: {}, group: admin, rate_limit: { rate: 1, burst: 4, per: key } }
  - { id: free, method: GET, path: /d, mock: {}, group: open }
  - { id: none, method: GET, path: /e, mock: {}, rate_limit: off }
)",
                                   "g.yaml");
  REQUIRE_MESSAGE(r.config, messages(r));
  const auto& c = *r.config;
  const auto* gold = c.find_plan("gold");
  REQUIRE(gold);
  CHECK(gold->throttle->rate == 10);
  CHECK(gold->throttle->burst == 20);
  CHECK(gold->quota->limit == 1000);
  CHECK(gold->quota->period == model::Quota::Period::Month);
  CHECK(gold->quota->offset == 10);
  CHECK(gold->route_throttle.at("slow").rate == 0.5);
  const auto& plain = *c.routes[0].rate_limit;
  CHECK(plain.from == "policies");
  CHECK(plain.per == model::RateLimit::Per::Ip);
  CHECK(plain.throttle->burst == 100);  // the rate rounded up when no burst is given
  CHECK(c.routes[1].rate_limit->from == "group admin");
  CHECK(c.routes[1].rate_limit->quota->limit == 5);
  CHECK(c.routes[2].rate_limit->from == "route own");
  CHECK(c.routes[2].rate_limit->per == model::RateLimit::Per::Key);
  CHECK_FALSE(c.routes[3].rate_limit);
  CHECK_FALSE(c.routes[4].rate_limit);

  // The limits on a request: the route's rate_limit, then the caller's plan (its per-route throttle on 'slow').
  auto on_plain = policy::limits_for(c, c.routes[0], "app", "gold", "10.0.0.1");
  REQUIRE(on_plain.size() == 3);
  CHECK(on_plain[0].counter == "rate_limit of policies for client 10.0.0.1");
  CHECK(on_plain[1].counter == "plan 'gold' for key 'app'");
  CHECK(on_plain[1].throttle->rate == 10);
  CHECK(on_plain[2].quota->limit == 1000);
  auto on_slow = policy::limits_for(c, c.routes[1], "app", "gold", "10.0.0.1");
  REQUIRE(on_slow.size() == 3);
  CHECK(on_slow[0].counter == "rate_limit of group admin");
  CHECK(on_slow[1].counter == "plan 'gold' for key 'app' on route slow");
  CHECK(on_slow[1].throttle->rate == 0.5);
  auto anonymous = policy::limits_for(c, c.routes[2], "", "", "10.0.0.2");
  REQUIRE(anonymous.size() == 1);
  CHECK(anonymous[0].counter == "rate_limit of route own for client 10.0.0.2");
  CHECK(policy::limits_for(c, c.routes[3], "app", "", "10.0.0.1").empty());
}

TEST_CASE("bad rates, bursts, quotas and plan names are errors at load, each with its place") {
  auto r = model::load_config_text(R"(apigw: 1
usage_plans:
  gold:
    throttle: { rate: 0 }
    quota: { limit: 10, period: fortnight }
  silver:
    throttle: { rate: 10, burst: 5 }
    routes: { nope: { rate: 1 } }
  bronze: { description: nothing }
auth:
  key: { type: api_key, keys: [{ name: app, value: k1, plan: gld }] }
policies:
  rate_limit: { rate: -1, per: user }
routes:
  - { method: GET, path: /a, mock: {}, rate_limit: { burst: 3 } }
  - { method: GET, path: /b, mock: {}, rate_limit: { quota: { limit: 0, period: day, offset: 2 } } }
  - { method: GET, path: /c, mock: {}, rate_limit: 5 }
  - { method: GET, path: /d, mock: {}, rate_limit: { quota: { limit: 2, period: week, offset: 2 } } }
)",
                                   "g.yaml");
  CHECK_FALSE(r.config);
  CHECK(messages(r) ==
        "g.yaml:4:23: usage_plans.gold.throttle.rate: expected a rate in requests per second above 0, got integer 0\n"
        "g.yaml:5:33: usage_plans.gold.quota.period: unknown quota period 'fortnight' (day, week or month)\n"
        "g.yaml:7:34: usage_plans.silver.throttle.burst: the burst (5) is below the rate (10 per second): the bucket "
        "could never hold one second's requests\n"
        "g.yaml:8:15: usage_plans.silver.routes.nope: unknown route 'nope'\n"
        "g.yaml:9:11: usage_plans.bronze: a usage plan sets a throttle, a quota or both\n"
        "g.yaml:11:62: auth.key.keys[0].plan: unknown usage plan 'gld' (did you mean 'gold'?)\n"
        "g.yaml:13:23: policies.rate_limit.rate: expected a rate in requests per second above 0, got integer -1\n"
        "g.yaml:13:32: policies.rate_limit.per: unknown rate limit scope 'user' (key, ip, route or global)\n"
        "g.yaml:15:52: routes[0].rate_limit: a rate limit sets a rate, a quota or both (or is 'off')\n"
        "g.yaml:15:61: routes[0].rate_limit.burst: a burst needs a rate (requests per second)\n"
        "g.yaml:16:70: routes[1].rate_limit.quota.limit: expected a quota of at least 1 request (an integer), got integer 0\n"
        "g.yaml:17:52: routes[2].rate_limit: expected a mapping (rate, burst, per, quota) or 'off', got integer 5\n"
        "g.yaml:18:95: routes[3].rate_limit.quota.offset: expected the requests counted as made in the first period, "
        "from 0 to below the limit, got integer 2\n");
}

TEST_CASE("without usage_plans a key's plan is only a label, as before") {
  auto r = model::load_config_text(R"(apigw: 1
auth:
  key: { type: api_key, keys: [{ name: app, value: k1, plan: anything }] }
routes:
  - { method: GET, path: /a, mock: {}, auth: [key] }
)",
                                   "g.yaml");
  REQUIRE_MESSAGE(r.config, messages(r));
  CHECK(policy::limits_for(*r.config, r.config->routes[0], "app", "anything", "10.0.0.1").empty());
}
