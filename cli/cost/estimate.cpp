// Turns usage and pricing data into Infracost-style line items per provider and product.
#include <algorithm>

#include "cli/cost/cost.hpp"

namespace apigw::cost {

namespace {

__extension__ typedef __int128 Wide;

std::string format_quantity(uint64_t q, bool bytes) { return bytes ? format_gb(q) : format_count(q); }

std::string price_text(Money price, const std::string& unit) {
  std::string p = price.to_decimal();
  // "$3.50", "$0.035", "$0.0658": at least 2 decimals, no trailing zeros beyond that.
  return "$" + p + " per " + unit;
}

std::optional<Money> first_price(const Component& c) {
  for (const auto& t : c.tiers)
    if (t.price && t.price->nanos() > 0) return t.price;
  for (const auto& t : c.tiers)
    if (t.price) return t.price;
  return std::nullopt;
}

Line base_line(const Component& c) {
  Line l;
  l.component = c.name;
  l.unit = c.unit;
  l.confidence = c.confidence;
  l.source = c.source;
  l.as_of = c.as_of;
  return l;
}

// The cache size to bill: the smallest offered size at least as large as requested.
const SizeOption* pick_cache(const Component& c, uint64_t bytes) {
  const SizeOption* best = nullptr;
  Wide best_nanos = 0;
  for (const auto& s : c.sizes) {
    Wide size_nanos = parse_money(s.size_gb)->nanos();
    // bytes / 1024^3 <= size_gb  <=>  bytes * 1e9 <= size_nanos * 1024^3
    if (Wide(bytes) * Money::k_scale > size_nanos * Wide(1024ULL * 1024 * 1024)) continue;
    if (!best || size_nanos < best_nanos) {
      best = &s;
      best_nanos = size_nanos;
    }
  }
  return best;
}

// The price class of a GCP egress component in the data, which prices each of its regions as traffic staying within
// the region's continent: the class of that within-continent pair. nullopt when its regions disagree or are unknown.
std::optional<int> gcp_egress_class_of(const Component& c) {
  std::optional<int> found;
  for (const auto& r : c.regions) {
    auto continent = gcp_region_continent(r);
    auto pair = continent ? gcp_egress_pair(*continent, *continent) : std::nullopt;
    if (!pair || (found && *found != pair->egress_class)) return std::nullopt;
    found = pair->egress_class;
  }
  return found;
}

}  // namespace

uint64_t metered_count(uint64_t items, std::optional<uint64_t> size_bytes, uint64_t step) {
  if (step == 0 || !size_bytes || *size_bytes <= step) return items;
  uint64_t per_item = (*size_bytes + step - 1) / step;
  return items * per_item;
}

std::vector<TierLine> price_tiers(const std::vector<Tier>& tiers, uint64_t unit_quantity, uint64_t quantity,
                                  uint64_t free, bool bytes) {
  std::vector<TierLine> out;
  uint64_t lo = 0;
  for (size_t i = 0; i < tiers.size(); ++i) {
    const Tier& t = tiers[i];
    uint64_t hi = t.up_to.value_or(UINT64_MAX);
    if (lo >= quantity) break;
    uint64_t start = std::max(lo, free);
    uint64_t end = std::min(hi, quantity);
    if (end > start) {
      TierLine tl;
      if (tiers.size() == 1) tl.label = "";
      else if (i == 0) tl.label = "first " + format_quantity(hi, bytes);
      else if (!t.up_to) tl.label = "over " + format_quantity(lo, bytes);
      else tl.label = "next " + format_quantity(hi - lo, bytes);
      tl.quantity = end - start;
      tl.price = t.price;
      if (t.price) tl.cost = t.price->times(tl.quantity, unit_quantity);
      out.push_back(tl);
    }
    lo = hi;
    if (!t.up_to) break;
  }
  return out;
}

std::vector<ProductEstimate> estimate(const Provider& provider, const std::string& region, const Usage& usage) {
  if (std::find(provider.regions.begin(), provider.regions.end(), region) == provider.regions.end()) {
    std::string known;
    for (const auto& r : provider.regions) known += (known.empty() ? "" : ", ") + r;
    throw UnknownRegion("prices unknown for " + region + " on " + provider.id + " (the pricing data has: " + known + ")");
  }
  // GCP premium-tier egress by region pair: with clients_in, egress is priced by the class of the pair (the region's
  // continent, the clients' continent) instead of as traffic staying within the region's continent.
  std::optional<EgressPair> pair;
  if (provider.id == "gcp" && usage.clients_in) {
    auto source = gcp_region_continent(region);
    if (!source)
      throw UnknownRegion("egress prices by region pair unknown for " + region + " on gcp: its continent is not known");
    pair = gcp_egress_pair(*source, *usage.clients_in);
  }
  // "Premium-tier egress (us-central1 → europe, intercontinental)": the data's name up to its own parentheses.
  auto pair_name = [&](const Component& c) {
    return c.name.substr(0, c.name.find(" (")) + " (" + region + " → " + std::string(continent_id(*usage.clients_in)) +
           ", " + std::string(pair->kind) + ")";
  };
  std::vector<ProductEstimate> out;
  for (const auto& product : provider.products) {
    if (product.optional && !usage.all_products) continue;
    ProductEstimate pe;
    pe.provider = provider.id;
    pe.provider_name = provider.name;
    pe.region = region;
    pe.product = product.id;
    pe.product_name = product.name;
    pe.production = product.production;
    const Component* pair_egress = nullptr;
    bool pair_egress_missing = false;
    if (pair) {
      for (const auto& c : product.components)
        if (c.metric == Metric::egress_bytes && gcp_egress_class_of(c) == pair->egress_class) {
          pair_egress = &c;
          break;
        }
    }
    for (const auto& data_component : product.components) {
      Component by_pair;
      const Component* chosen = &data_component;
      if (pair && data_component.metric == Metric::egress_bytes) {
        if (!pair_egress) {
          if (pair_egress_missing) continue;
          pair_egress_missing = true;
          Line l = base_line(data_component);
          l.component = pair_name(data_component);
          l.note = "no price for egress class " + std::to_string(pair->egress_class) + " in the pricing data";
          l.confidence = "unconfirmed";
          pe.complete = false;
          pe.lines.push_back(l);
          continue;
        }
        if (&data_component != pair_egress) continue;
        by_pair = data_component;
        by_pair.name = pair_name(data_component);
        chosen = &by_pair;
      } else if (!data_component.regions.empty() &&
                 std::find(data_component.regions.begin(), data_component.regions.end(), region) ==
                     data_component.regions.end()) {
        continue;
      }
      const Component& c = *chosen;
      bool bytes = c.metric == Metric::egress_bytes;
      std::optional<uint64_t> quantity;
      std::string quantity_suffix;
      switch (c.metric) {
        case Metric::requests:
          if (usage.requests) quantity = metered_count(*usage.requests, usage.request_bytes, c.increment_bytes);
          break;
        case Metric::ws_messages:
          if (usage.ws_messages) quantity = metered_count(*usage.ws_messages, usage.ws_message_bytes, c.increment_bytes);
          break;
        case Metric::ws_connection_minutes: quantity = usage.ws_connection_minutes; break;
        case Metric::unit_hours:
          quantity = k_hours_per_month * usage.units;
          quantity_suffix = " hours";
          break;
        case Metric::gateway_hours:
          if (usage.gateways == 0) continue;
          quantity = k_hours_per_month * usage.gateways;
          quantity_suffix = " hours";
          break;
        case Metric::cache_hours: {
          if (!usage.cache_bytes) continue;
          const SizeOption* size = pick_cache(c, *usage.cache_bytes);
          Line l = base_line(c);
          l.component = c.name + " (" + (size ? size->size_gb + " GB" : format_gb(*usage.cache_bytes)) + ")";
          if (!size) {
            l.note = "no cache size of " + format_gb(*usage.cache_bytes) + " or more in the pricing data";
            pe.complete = false;
          } else {
            l.quantity = format_count(k_hours_per_month) + " hours";
            l.unit_price = size->price;
            l.cost = size->price.times(k_hours_per_month);
            l.confidence = size->confidence;
            if (!size->note.empty()) l.note = size->note;
            pe.total += *l.cost;
            pe.usage_known = true;
          }
          pe.lines.push_back(l);
          continue;
        }
        case Metric::egress_bytes:
          if (usage.requests && usage.response_bytes) quantity = *usage.requests * *usage.response_bytes;
          break;
        case Metric::monthly: quantity = 1; break;
      }
      if (!quantity) {
        Line l = base_line(c);
        auto p = first_price(c);
        if (p && p->nanos() > 0) l.note = "depends on usage: " + price_text(*p, c.unit);
        else l.note = "depends on usage" + (c.note.empty() ? std::string() : ": " + c.note);
        pe.lines.push_back(l);
        continue;
      }
      // Egress alone does not make a product's usage known: it rides on the requests.
      if (c.metric != Metric::egress_bytes) pe.usage_known = true;
      uint64_t offset = 0;
      if (c.included_quantity > 0) {
        Line l = base_line(c);
        uint64_t inc = std::min(c.included_quantity, *quantity);
        l.component = c.name + " (" + format_quantity(c.included_quantity, bytes) + " included)";
        l.quantity = format_quantity(inc, bytes);
        l.unit_price = Money();
        l.cost = Money();
        pe.lines.push_back(l);
        offset += c.included_quantity;
      }
      if (c.free_allowance && (c.free_allowance->by_default || usage.free_tier) && *quantity > 0) {
        const FreeAllowance& f = *c.free_allowance;
        Line l = base_line(c);
        l.component = c.name + " (free " + format_quantity(f.quantity, bytes) + ")";
        l.quantity = format_quantity(std::min(f.quantity, *quantity), bytes);
        l.unit_price = Money();
        l.cost = Money();
        l.note = f.note;
        if (!f.confidence.empty()) l.confidence = f.confidence;
        pe.lines.push_back(l);
        offset += f.quantity;
      }
      std::string over = offset > 0 && c.tiers.size() == 1 ? " (over " + format_quantity(offset, bytes) + ")" : "";
      for (const auto& tl : price_tiers(c.tiers, c.unit_quantity, *quantity, offset, bytes)) {
        Line l = base_line(c);
        l.component = c.name + (tl.label.empty() ? over : " (" + tl.label + ")");
        l.quantity = format_quantity(tl.quantity, bytes) + quantity_suffix;
        if (c.metric == Metric::unit_hours && usage.units > 1)
          l.quantity = format_count(tl.quantity) + " hours (" + std::to_string(usage.units) + " units)";
        if (c.metric == Metric::monthly) l.quantity = "1 month";
        l.unit_price = tl.price;
        l.cost = tl.cost;
        if (!tl.price) {
          l.note = "price unknown beyond this point in the pricing data";
          pe.complete = false;
        } else if (!c.note.empty()) {
          l.note = c.note;
        }
        if (l.cost) pe.total += *l.cost;
        pe.lines.push_back(l);
      }
    }
    out.push_back(std::move(pe));
  }
  return out;
}

void mark_cheapest(std::vector<ProductEstimate>& estimates) {
  ProductEstimate* best = nullptr;
  for (auto& e : estimates) {
    e.cheapest = false;
    if (!e.production || !e.usage_known || !e.complete || !e.can_host) continue;
    if (!best || e.total < best->total) best = &e;
  }
  if (best) best->cheapest = true;
}

}  // namespace apigw::cost
