// Loads pricing/*.json (embedded at build time, or from --pricing DIR) into cost::Provider.
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/cost/cost.hpp"

namespace apigw::embedded {
std::string_view find(std::string_view name);
}

namespace apigw::cost {

namespace {

using nlohmann::json;

struct Reader {
  std::string origin;

  [[noreturn]] void fail(const std::string& where, const std::string& what) const {
    throw DataError(origin + ": " + where + ": " + what);
  }
  std::string text(const json& j, const char* key, const std::string& where, bool required = true) const {
    if (!j.contains(key)) {
      if (required) fail(where, std::string("missing '") + key + "'");
      return {};
    }
    if (!j[key].is_string()) fail(where, std::string("'") + key + "' must be a string");
    return j[key].get<std::string>();
  }
  uint64_t count(const json& j, const char* key, const std::string& where, uint64_t fallback) const {
    if (!j.contains(key)) return fallback;
    if (!j[key].is_number_unsigned()) fail(where, std::string("'") + key + "' must be a non-negative integer");
    return j[key].get<uint64_t>();
  }
  Money money(const json& j, const std::string& where) const {
    if (!j.is_string()) fail(where, "prices are decimal strings such as \"3.50\"");
    auto m = parse_money(j.get<std::string>());
    if (!m) fail(where, "'" + j.get<std::string>() + "' is not a decimal price");
    return *m;
  }
};

Metric parse_metric(const Reader& r, const std::string& name, const std::string& where) {
  static const std::pair<const char*, Metric> k_names[] = {
      {"requests", Metric::requests},
      {"ws_messages", Metric::ws_messages},
      {"ws_connection_minutes", Metric::ws_connection_minutes},
      {"unit_hours", Metric::unit_hours},
      {"gateway_hours", Metric::gateway_hours},
      {"cache_hours", Metric::cache_hours},
      {"egress_bytes", Metric::egress_bytes},
      {"monthly", Metric::monthly},
  };
  for (const auto& [n, m] : k_names)
    if (name == n) return m;
  r.fail(where, "unknown metric '" + name + "'");
}

Component parse_component(const Reader& r, const json& j, const std::string& where_parent) {
  if (!j.is_object()) r.fail(where_parent, "a component must be an object");
  Component c;
  c.id = r.text(j, "id", where_parent);
  std::string where = where_parent + "." + c.id;
  c.name = r.text(j, "name", where);
  c.metric = parse_metric(r, r.text(j, "metric", where), where);
  c.unit = r.text(j, "unit", where);
  c.unit_quantity = r.count(j, "unit_quantity", where, 1);
  if (c.unit_quantity == 0) r.fail(where, "'unit_quantity' must be at least 1");
  c.increment_bytes = r.count(j, "increment_bytes", where, 0);
  c.included_quantity = r.count(j, "included_quantity", where, 0);
  c.note = r.text(j, "note", where, false);
  c.source = r.text(j, "source", where);
  c.as_of = r.text(j, "as_of", where);
  c.confidence = r.text(j, "confidence", where);
  if (c.confidence != "confirmed" && c.confidence != "third-party" && c.confidence != "unconfirmed")
    r.fail(where, "'confidence' must be confirmed, third-party or unconfirmed");
  if (j.contains("regions")) {
    if (!j["regions"].is_array()) r.fail(where, "'regions' must be an array");
    for (const auto& reg : j["regions"]) c.regions.push_back(reg.get<std::string>());
  }
  if (j.contains("tiers")) {
    if (!j["tiers"].is_array() || j["tiers"].empty()) r.fail(where, "'tiers' must be a non-empty array");
    std::optional<uint64_t> last_bound = 0;
    for (size_t i = 0; i < j["tiers"].size(); ++i) {
      const auto& t = j["tiers"][i];
      std::string tw = where + ".tiers[" + std::to_string(i) + "]";
      if (!last_bound) r.fail(tw, "only the last tier may be unbounded");
      Tier tier;
      if (!t.contains("up_to")) r.fail(tw, "missing 'up_to' (null for the last tier)");
      if (!t["up_to"].is_null()) {
        tier.up_to = r.count(t, "up_to", tw, 0);
        if (*tier.up_to <= *last_bound) r.fail(tw, "tier bounds must increase");
      }
      if (!t.contains("price")) r.fail(tw, "missing 'price' (null when unknown)");
      if (!t["price"].is_null()) tier.price = r.money(t["price"], tw);
      last_bound = tier.up_to;
      c.tiers.push_back(tier);
    }
    if (last_bound) r.fail(where, "the last tier must have \"up_to\": null");
  }
  if (j.contains("sizes")) {
    for (size_t i = 0; i < j["sizes"].size(); ++i) {
      const auto& s = j["sizes"][i];
      std::string sw = where + ".sizes[" + std::to_string(i) + "]";
      SizeOption o;
      o.size_gb = r.text(s, "size_gb", sw);
      if (!parse_money(o.size_gb)) r.fail(sw, "'size_gb' must be a decimal string");
      if (!s.contains("price")) r.fail(sw, "missing 'price'");
      o.price = r.money(s["price"], sw);
      o.confidence = r.text(s, "confidence", sw, false);
      if (o.confidence.empty()) o.confidence = c.confidence;
      o.note = r.text(s, "note", sw, false);
      c.sizes.push_back(o);
    }
  }
  if (c.metric == Metric::cache_hours ? c.sizes.empty() : c.tiers.empty())
    r.fail(where, c.metric == Metric::cache_hours ? "a cache component needs 'sizes'" : "missing 'tiers'");
  if (j.contains("free_allowance")) {
    const auto& f = j["free_allowance"];
    std::string fw = where + ".free_allowance";
    FreeAllowance a;
    a.quantity = r.count(f, "quantity", fw, 0);
    if (!f.contains("by_default") || !f["by_default"].is_boolean()) r.fail(fw, "'by_default' must be true or false");
    a.by_default = f["by_default"].get<bool>();
    a.note = r.text(f, "note", fw);
    a.confidence = r.text(f, "confidence", fw, false);
    c.free_allowance = a;
  }
  return c;
}

}  // namespace

Provider parse_provider(std::string_view json_text, std::string_view origin) {
  Reader r{std::string(origin)};
  json j;
  try {
    j = json::parse(json_text);
  } catch (const json::parse_error& e) {
    throw DataError(r.origin + ": not valid JSON: " + e.what());
  }
  if (!j.is_object()) r.fail("top level", "expected an object");
  try {
    Provider p;
    p.id = r.text(j, "provider", "top level");
    p.name = r.text(j, "name", "top level");
    p.currency = r.text(j, "currency", "top level");
    p.default_region = r.text(j, "default_region", "top level");
    p.regions_note = r.text(j, "regions_note", "top level", false);
    if (!j.contains("regions") || !j["regions"].is_array()) r.fail("top level", "'regions' must be an array");
    for (const auto& reg : j["regions"]) p.regions.push_back(reg.get<std::string>());
    std::vector<Component> shared;
    if (j.contains("shared_components"))
      for (const auto& c : j["shared_components"]) shared.push_back(parse_component(r, c, "shared_components"));
    if (!j.contains("products") || !j["products"].is_array()) r.fail("top level", "'products' must be an array");
    for (const auto& pj : j["products"]) {
      Product prod;
      prod.id = r.text(pj, "id", "products");
      prod.name = r.text(pj, "name", "products." + prod.id);
      prod.optional = pj.value("optional", false);
      prod.production = pj.value("production", true);
      if (!pj.contains("components") || !pj["components"].is_array())
        r.fail("products." + prod.id, "'components' must be an array");
      for (const auto& c : pj["components"]) prod.components.push_back(parse_component(r, c, "products." + prod.id));
      for (const auto& c : shared) prod.components.push_back(c);
      p.products.push_back(std::move(prod));
    }
    return p;
  } catch (const json::exception& e) {
    throw DataError(r.origin + ": " + e.what());
  }
}

Provider load_provider(std::string_view id, const std::string& dir) {
  std::string rel = "pricing/" + std::string(id) + ".json";
  if (dir.empty()) {
    std::string_view data = embedded::find(rel);
    if (data.empty()) throw DataError("no embedded pricing data for '" + std::string(id) + "'");
    return parse_provider(data, rel + " (built in)");
  }
  std::string path = dir + "/" + std::string(id) + ".json";
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return parse_provider(s.str(), path);
}

}  // namespace apigw::cost
