// Traffic growth per month: compounded request counts (integers, rounded half up each month) and the projected
// cost of each product in the first and last month and over the whole horizon, in exact Money.
#include "cli/cost/cost.hpp"

namespace apigw::cost {

namespace {

__extension__ typedef __int128 Wide;

constexpr uint64_t k_basis = 10'000;  // basis points in 100%

std::optional<uint64_t> grown(const std::optional<uint64_t>& q, uint64_t growth_bp, uint64_t months) {
  if (!q) return std::nullopt;
  return grow(*q, growth_bp, months);
}

}  // namespace

uint64_t grow(uint64_t quantity, uint64_t growth_bp, uint64_t months) {
  Wide q = quantity;
  for (uint64_t m = 0; m < months && growth_bp > 0; ++m) {
    q = (q * (k_basis + growth_bp) * 2 + k_basis) / (Wide(k_basis) * 2);  // × (1 + rate), half up
    if (q >= Wide(UINT64_MAX)) return UINT64_MAX;
  }
  return static_cast<uint64_t>(q);
}

Usage usage_in_month(const Usage& base, uint64_t month) {
  Usage u = base;
  uint64_t after = month > 0 ? month - 1 : 0;
  u.requests = grown(base.requests, base.growth_bp, after);
  u.ws_messages = grown(base.ws_messages, base.growth_bp, after);
  u.ws_connection_minutes = grown(base.ws_connection_minutes, base.growth_bp, after);
  return u;
}

Projection project(const std::vector<PricedProvider>& providers, const Usage& usage) {
  Projection p;
  p.months = usage.months;
  p.growth_bp = usage.growth_bp;
  if (usage.months == 0) return p;
  for (uint64_t month = 1; month <= usage.months; ++month) {
    Usage u = usage_in_month(usage, month);
    if (month == 1) p.first_requests = u.requests;
    if (month == usage.months) p.last_requests = u.requests;
    size_t row = 0;
    for (const auto& pp : providers) {
      for (const auto& e : estimate(pp.provider, pp.region, u)) {
        if (month == 1) p.rows.push_back({e.provider, e.product, e.product_name, {}, {}, Money(), true});
        ProjectionRow& r = p.rows[row++];
        if (!e.usage_known) {
          r.total.reset();
          continue;
        }
        r.complete = r.complete && e.complete;
        if (month == 1) r.first = e.total;
        if (month == usage.months) r.last = e.total;
        if (r.total) *r.total += e.total;
      }
    }
  }
  return p;
}

}  // namespace apigw::cost
