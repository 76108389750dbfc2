// apigw cost: monthly cost of an API on AWS, Azure, GCP and OCI from the pricing data files in pricing/.
// Money is integer nano-dollars throughout: every price in the data has at most 9 decimals, so each line is exact
// to 1e-9 dollars and only the display rounds (half up) to cents.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/model/config.hpp"

namespace apigw::cost {

class Money {
 public:
  static constexpr int64_t k_scale = 1'000'000'000;  // nano-units per dollar

  constexpr Money() = default;
  static constexpr Money from_nanos(int64_t nanos) {
    Money m;
    m.nanos_ = nanos;
    return m;
  }
  constexpr int64_t nanos() const { return nanos_; }
  constexpr Money operator+(Money other) const { return from_nanos(nanos_ + other.nanos_); }
  constexpr Money operator-(Money other) const { return from_nanos(nanos_ - other.nanos_); }
  constexpr Money& operator+=(Money other) {
    nanos_ += other.nanos_;
    return *this;
  }
  constexpr auto operator<=>(const Money&) const = default;

  // quantity × this price ÷ per (the price is per `per` units), rounded half up to a nano-unit.
  Money times(uint64_t quantity, uint64_t per = 1) const;
  // Exact decimal with at least 2 decimals: "1633.10", "0.0000035".
  std::string to_decimal() const;
  // Rounded half up to cents with thousands separators: "1,633.10".
  std::string to_cents() const;

 private:
  int64_t nanos_ = 0;
};

// "3.50", "0.035", "12" -> Money. At most 9 decimals, no sign, no exponent.
std::optional<Money> parse_money(std::string_view text);

// Usage quantities. "50M", "1.5B", "750K", "1200" -> whole count (K=1e3, M=1e6, B=1e9).
std::optional<uint64_t> parse_count(std::string_view text, std::string* error = nullptr);
// "2KB", "512KB", "1.5MB", "0.5GB", "100" (bytes). KB/MB/GB are binary (1024-based), as in AWS's own metering;
// KiB/MiB/GiB are accepted too.
std::optional<uint64_t> parse_bytes(std::string_view text, std::string* error = nullptr);
// Sustained requests per second over a 730-hour month; decimals allowed ("0.5"), the result must be whole.
std::optional<uint64_t> requests_from_rps(std::string_view text, std::string* error = nullptr);

inline constexpr uint64_t k_hours_per_month = 730;

// "333M", "1.2B" only when exact, else "1,234,567".
std::string format_count(uint64_t n);
// Bytes as GB (1024^3) with up to 2 decimals, or "10 TB" when a whole number of TB.
std::string format_gb(uint64_t bytes);

// ---- Pricing data ----

enum class Metric { requests, ws_messages, ws_connection_minutes, unit_hours, gateway_hours, cache_hours, egress_bytes, monthly };

struct Tier {
  std::optional<uint64_t> up_to;  // absolute upper bound in the component's base quantity; none = unbounded
  std::optional<Money> price;     // per unit_quantity; none = price unknown
};

struct FreeAllowance {
  uint64_t quantity = 0;
  bool by_default = false;  // false: only with --free-tier
  std::string note;
  std::string confidence;  // empty = the component's
};

struct SizeOption {  // REST API cache sizes
  std::string size_gb;
  Money price;  // per hour
  std::string confidence;
  std::string note;
};

struct Component {
  std::string id, name;
  Metric metric = Metric::requests;
  std::string unit;            // display: "1M requests", "10K calls", "GB", "unit-hour"
  uint64_t unit_quantity = 1;  // base units per priced unit
  uint64_t increment_bytes = 0;  // metering step (0 = each item counts once)
  uint64_t included_quantity = 0;
  std::vector<Tier> tiers;
  std::optional<FreeAllowance> free_allowance;
  std::vector<SizeOption> sizes;
  std::vector<std::string> regions;  // empty = every region of the provider
  std::string note, source, as_of, confidence;
};

struct Product {
  std::string id, name;
  bool optional = false;     // listed only with --all-products
  bool production = true;    // false: never marked cheapest (no SLA)
  std::vector<Component> components;
};

struct Provider {
  std::string id, name, currency, default_region, regions_note;
  std::vector<std::string> regions;
  std::vector<Product> products;  // shared components already appended to each product
};

struct DataError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline const std::vector<std::string>& provider_ids() {
  static const std::vector<std::string> ids = {"aws", "azure", "gcp", "oci"};
  return ids;
}

// Throws DataError naming `origin` on malformed data.
Provider parse_provider(std::string_view json_text, std::string_view origin);
// From `dir`/ID.json when dir is not empty, else the copy embedded in the binary.
Provider load_provider(std::string_view id, const std::string& dir = "");

// ---- GCP premium-tier egress by region pair (cli/cost/egress.cpp) ----

enum class Continent { north_america, europe, asia_pacific, south_america, oceania, china };

// "north-america", "europe", "asia-pacific", "south-america", "oceania", "china" (the --clients-in values).
std::optional<Continent> parse_continent(std::string_view id);
std::string_view continent_id(Continent continent);
std::string continent_list();  // "north-america, europe, ..." for messages
// The continent of a GCP region by its name ("us-central1" -> north_america); nullopt when not known.
std::optional<Continent> gcp_region_continent(std::string_view region);

struct EgressPair {
  int egress_class = 0;   // 1, 2 or 3: the price class (1 cheapest)
  std::string_view kind;  // "intercontinental", "within Europe", "to Oceania", "to China"
};
// The price class of egress from a region in `from` to clients in `to`; nullopt when `from` is China (no region).
std::optional<EgressPair> gcp_egress_pair(Continent from, Continent to);

// ---- Estimates ----

struct Usage {
  std::optional<uint64_t> requests, request_bytes, response_bytes, cache_bytes;
  std::optional<uint64_t> ws_messages, ws_message_bytes, ws_connection_minutes;
  uint64_t units = 1;
  uint64_t gateways = 0;
  bool free_tier = false;
  bool all_products = false;
  // GCP premium-tier egress: where the clients are (--clients-in); none = the GCP region's own continent.
  std::optional<Continent> clients_in;
  std::string basis;  // where the usage came from when not flags: "extrapolated from ..."
  // Growth projection: traffic (requests, WebSocket messages and connection minutes) grows by growth_bp basis
  // points (1/100 of a percent) a month, compounded; months = 0 means no projection.
  uint64_t growth_bp = 0;
  uint64_t months = 0;
};

// "10%", "2.5%", "0.25%" -> basis points (1000, 250, 25); at most 2 decimals.
std::optional<uint64_t> parse_percent(std::string_view text, std::string* error = nullptr);
// `quantity` after `months` months of growth at `growth_bp` a month: each month is the previous month's
// count × (10000 + growth_bp) / 10000, rounded half up to a whole count (so month 1 is `quantity` itself
// after 0 months). Saturates at UINT64_MAX.
uint64_t grow(uint64_t quantity, uint64_t growth_bp, uint64_t months);
// The usage of month `month` (1-based) of the projection: traffic grown by month - 1 months.
Usage usage_in_month(const Usage& base, uint64_t month);

// ---- Usage from files ----

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A traffic profile (YAML): monthly_requests or rps, request_size, response_size, cache, ws_messages,
// ws_message_size, ws_connection_minutes, units, self_hosted_gateway_count, and optionally routes: a list of
// {name, monthly_requests, request_size, response_size} summed into the totals (sizes weighted by requests);
// growth ("10%" a month) and months (1 to 120) for a projection; clients_in (a continent, as --clients-in).
// Fills only quantities `usage` does not have yet. Throws UsageError.
void apply_profile(const std::string& path, Usage& usage);

// apigw serve's access log (JSON lines). Measured requests and average sizes over `period_ms` (0 = the log's own
// span from first to last record), extrapolated to a 730-hour month.
struct LogSummary {
  uint64_t records = 0;
  uint64_t request_bytes = 0, response_bytes = 0;  // totals
  int64_t first_ms = 0, last_ms = 0;
  std::vector<std::pair<std::string, uint64_t>> routes;  // requests per route, most first
  uint64_t skipped = 0;  // lines that were not access records
};
LogSummary read_access_log(const std::string& path);  // throws UsageError
void apply_log(const LogSummary& log, int64_t period_ms, const std::string& path, Usage& usage);

// Milliseconds since the epoch of "2026-11-27T14:44:17.123Z"; nullopt if not that shape.
std::optional<int64_t> parse_timestamp_ms(std::string_view text);

struct Line {
  std::string component;      // "Requests (first 333M)"
  std::string quantity;       // "333M", "730 hours", "" when unknown
  std::string unit;           // "1M requests"
  std::optional<Money> unit_price;
  std::optional<Money> cost;  // none: depends on usage, or price unknown
  std::string note;           // "depends on usage: $3.50 per 1M requests"
  std::string confidence, source, as_of;
};

struct ProductEstimate {
  std::string provider, provider_name, region, product, product_name;
  std::vector<Line> lines;
  Money total;
  bool usage_known = false;  // at least one line has a cost
  bool complete = true;      // no line with an unknown price or unknown usage that matters
  bool production = true;
  bool cheapest = false;
  // From --config: what the product cannot host natively ("needs a Lambda authorizer for basic auth").
  std::vector<std::string> feature_notes;
  bool can_host = true;  // false: at least one feature of the config cannot be hosted at all; never cheapest
};

struct UnknownRegion : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Throws UnknownRegion ("prices unknown for REGION ...") when the data has no prices for `region`.
std::vector<ProductEstimate> estimate(const Provider& provider, const std::string& region, const Usage& usage);
// Marks the cheapest production product with known, complete usage that can host the config.
void mark_cheapest(std::vector<ProductEstimate>& estimates);

// Tiered cost of `quantity` with the first `free` units free; one line per tier used.
struct TierLine {
  std::string label;  // "first 333M", "next 667M", "over 20B"
  uint64_t quantity = 0;
  std::optional<Money> price;
  std::optional<Money> cost;
};
std::vector<TierLine> price_tiers(const std::vector<Tier>& tiers, uint64_t unit_quantity, uint64_t quantity,
                                  uint64_t free, bool bytes = false);
// Items metered in steps: ceil(size / step) each, at least 1.
uint64_t metered_count(uint64_t items, std::optional<uint64_t> size_bytes, uint64_t step);

// ---- Output ----

// ---- Gateway config: which features each product can host ----

enum class Feature { http_routes, mock_response, api_key, basic_auth, bearer_token, jwt };
enum class Support { native, workaround, none };  // workaround: possible with extra pieces (named in the note)

struct FeatureSupport {
  std::string_view provider, product;  // product "*" = every product of the provider
  Feature feature;
  Support support;
  std::string_view note;    // short, for the report: "needs a Lambda authorizer for basic auth"
  std::string_view reason;  // why, for the warning
};
// The one table of limitations; a (provider, product, feature) not in it is hosted natively.
const std::vector<FeatureSupport>& feature_support();
const FeatureSupport* find_support(std::string_view provider, std::string_view product, Feature feature);
std::string_view feature_name(Feature feature);

// A feature the config uses, and where: a route (mock) or an auth scheme that at least one route requires.
struct FeatureUse {
  Feature feature;
  std::string what;  // "route 'health'", "auth scheme 'users' (basic)"
  std::string file;
  doc::Mark mark;
};
std::vector<FeatureUse> config_features(const model::Config& config);

// Notes and warnings for one product; appends to estimate.feature_notes and clears can_host when needed.
struct FeatureWarning {
  std::string location;  // "gateway.yaml:12:5"
  std::string message;   // "aws HTTP API cannot host the mock response of route 'health' (...)"
  std::string format() const { return location + ": warning: " + message; }
};
std::vector<FeatureWarning> check_features(const std::vector<FeatureUse>& uses, ProductEstimate& estimate);

// ---- Output ----

enum class Format { table, json, csv, markdown };

struct ProjectionRow {
  std::string provider, product, product_name;
  std::optional<Money> first, last, total;  // none: usage unknown
  bool complete = true;
};

struct Projection {
  uint64_t months = 0, growth_bp = 0;
  std::optional<uint64_t> first_requests, last_requests;
  std::vector<ProjectionRow> rows;
};

struct ReportOptions {
  Format format = Format::table;
  bool compare = false;
  std::string currency = "USD";
  std::optional<Projection> projection;
};

struct BreakEven {
  std::string cheaper_below, cheaper_above;  // "aws HTTP API"
  uint64_t requests = 0;  // the last monthly volume at which cheaper_below costs no more than cheaper_above
};

std::string render(const std::vector<ProductEstimate>& estimates, const Usage& usage, const ReportOptions& options,
                   const std::vector<BreakEven>& break_evens = {});

// A priced provider at its region, for re-estimating at other volumes.
struct PricedProvider {
  Provider provider;
  std::string region;
};

// Monthly request volumes between 1K and 1T where the cheapest product (at `usage`) and another product with
// known usage cost the same; other usage held fixed.
std::vector<BreakEven> break_evens(const std::vector<PricedProvider>& providers, const Usage& usage,
                                   const std::vector<ProductEstimate>& at_usage);

// Cost of each product in month 1 and month usage.months of the growth projection, and the sum of every month.
Projection project(const std::vector<PricedProvider>& providers, const Usage& usage);

// Self-contained SVG: monthly cost against monthly requests, both log scale, one line per product.
std::string plot_svg(const std::vector<PricedProvider>& providers, const Usage& usage);

}  // namespace apigw::cost
