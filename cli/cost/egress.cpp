// GCP premium-tier internet egress by region pair: which of the three price classes in pricing/gcp.json applies to
// traffic from a GCP region's continent to the clients' continent. The selection is the one table below.
#include <array>

#include "cli/cost/cost.hpp"

namespace apigw::cost {

namespace {

struct ContinentInfo {
  Continent continent;
  std::string_view id;       // the --clients-in / clients_in value
  std::string_view display;  // "North America"
};

constexpr std::array<ContinentInfo, 6> k_continents = {{
    {Continent::north_america, "north-america", "North America"},
    {Continent::europe, "europe", "Europe"},
    {Continent::asia_pacific, "asia-pacific", "Asia-Pacific"},
    {Continent::south_america, "south-america", "South America"},
    {Continent::oceania, "oceania", "Oceania"},
    {Continent::china, "china", "China"},
}};

// GCP region name prefix -> continent (every region in pricing/gcp.json has one of these prefixes).
constexpr std::array<std::pair<std::string_view, Continent>, 6> k_region_prefixes = {{
    {"us-", Continent::north_america},
    {"northamerica-", Continent::north_america},
    {"europe-", Continent::europe},
    {"asia-", Continent::asia_pacific},
    {"southamerica-", Continent::south_america},
    {"australia-", Continent::oceania},
}};

// Source continent (row) × destination continent (column), both in Continent order -> price class and the pair's
// kind, as the line item names it.
// Class 1: within North America or within Europe ($0.105 / $0.08 / $0.06 per GiB).
// Class 2: within Asia-Pacific or South America, and intercontinental without Oceania or China
//          ($0.12 / $0.085 / $0.08).
// Class 3: to or from Oceania, and to China ($0.19 / $0.16 / $0.15).
// Within Oceania is class 3 here, as pricing/gcp.json has always priced australia-southeast1 (the price reference
// lists "within Oceania" with class 2; see docs/cost.md). No GCP region in the data is in China: no China row.
constexpr EgressPair within_na{1, "within North America"}, within_eu{1, "within Europe"},
    within_ap{2, "within Asia-Pacific"}, within_sa{2, "within South America"}, inter{2, "intercontinental"},
    within_oc{3, "within Oceania"}, to_oc{3, "to Oceania"}, from_oc{3, "from Oceania"}, to_cn{3, "to China"};
constexpr int k_sources = 5, k_destinations = 6;
constexpr EgressPair k_pairs[k_sources][k_destinations] = {
    // to: north-america, europe,  asia-pacific, south-america, oceania,   china
    /* from north-america */ {within_na, inter, inter, inter, to_oc, to_cn},
    /* from europe        */ {inter, within_eu, inter, inter, to_oc, to_cn},
    /* from asia-pacific  */ {inter, inter, within_ap, inter, to_oc, to_cn},
    /* from south-america */ {inter, inter, inter, within_sa, to_oc, to_cn},
    /* from oceania       */ {from_oc, from_oc, from_oc, from_oc, within_oc, to_cn},
};

}  // namespace

std::optional<Continent> parse_continent(std::string_view id) {
  for (const auto& c : k_continents)
    if (c.id == id) return c.continent;
  return std::nullopt;
}

std::string_view continent_id(Continent continent) {
  return k_continents[static_cast<size_t>(continent)].id;
}

std::string continent_list() {
  std::string out;
  for (const auto& c : k_continents) out += (out.empty() ? "" : ", ") + std::string(c.id);
  return out;
}

std::optional<Continent> gcp_region_continent(std::string_view region) {
  for (const auto& [prefix, continent] : k_region_prefixes)
    if (region.starts_with(prefix)) return continent;
  return std::nullopt;
}

std::optional<EgressPair> gcp_egress_pair(Continent from, Continent to) {
  auto row = static_cast<int>(from), column = static_cast<int>(to);
  if (row >= k_sources || column >= k_destinations) return std::nullopt;
  return k_pairs[row][column];
}

}  // namespace apigw::cost
