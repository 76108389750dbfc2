#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "cli/command.hpp"
#include "cli/cost/cost.hpp"
#include "emulator/model/config.hpp"
#include "emulator/util/text.hpp"

namespace apigw::cli {

namespace {

struct CostOptions {
  std::string requests, rps, request_size, response_size, cache, ws_messages, ws_message_size, ws_minutes;
  uint64_t units = 1;
  uint64_t gateways = 0;
  std::string providers = "aws,azure,gcp,oci";
  std::string region;
  std::string pricing_dir;
  std::string profile, from_log, period, plot, config, growth;
  std::string clients_in;
  uint64_t months = 0;
  std::string format = "table";
  bool free_tier = false;
  bool compare = false;
  bool all_products = false;
  bool units_given = false, gateways_given = false;
};

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string part; std::getline(in, part, ',');)
    if (!part.empty()) out.push_back(part);
  return out;
}

int bad_input(const std::string& message) {
  std::cerr << "apigw cost: " << message << "\n";
  return k_exit_bad_input;
}

void apply_profile_keeping_flags(const CostOptions& o, cost::Usage& usage) {
  // Flags win over the profile: the profile fills only what the flags left unset.
  uint64_t units = usage.units, gateways = usage.gateways;
  cost::apply_profile(o.profile, usage);
  if (o.units_given) usage.units = units;
  if (o.gateways_given) usage.gateways = gateways;
}

int run_cost(const CostOptions& o) {
  cost::Usage usage;
  std::string error;
  auto read = [&](const std::string& text, const char* flag, std::optional<uint64_t>& into, auto parser) {
    if (text.empty()) return true;
    into = parser(text, &error);
    if (!into) {
      error = std::string(flag) + " " + text + ": " + error;
      return false;
    }
    return true;
  };
  if (!o.requests.empty() && !o.rps.empty()) return bad_input("give --requests or --rps, not both");
  if (!read(o.requests, "--requests", usage.requests, cost::parse_count) ||
      !read(o.rps, "--rps", usage.requests, cost::requests_from_rps) ||
      !read(o.request_size, "--request-size", usage.request_bytes, cost::parse_bytes) ||
      !read(o.response_size, "--response-size", usage.response_bytes, cost::parse_bytes) ||
      !read(o.cache, "--cache", usage.cache_bytes, cost::parse_bytes) ||
      !read(o.ws_messages, "--ws-messages", usage.ws_messages, cost::parse_count) ||
      !read(o.ws_message_size, "--ws-message-size", usage.ws_message_bytes, cost::parse_bytes) ||
      !read(o.ws_minutes, "--ws-connection-minutes", usage.ws_connection_minutes, cost::parse_count))
    return bad_input(error);
  if (usage.requests && usage.response_bytes && *usage.response_bytes > 0 &&
      *usage.requests > UINT64_MAX / 2 / *usage.response_bytes)
    return bad_input("--requests × --response-size is too large");
  if (o.units == 0) return bad_input("--units must be at least 1");
  if (!o.growth.empty()) {
    auto g = cost::parse_percent(o.growth, &error);
    if (!g) return bad_input("--growth " + o.growth + ": " + error);
    usage.growth_bp = *g;
  }
  if (!o.clients_in.empty()) {
    usage.clients_in = cost::parse_continent(o.clients_in);
    if (!usage.clients_in)
      return bad_input("--clients-in " + o.clients_in + ": unknown continent (use one of " + cost::continent_list() +
                       ")");
  }
  if (o.months > 120) return bad_input("--months must be 1 to 120");
  usage.months = o.months;
  usage.units = o.units;
  usage.gateways = o.gateways;
  if (!o.from_log.empty() && !o.profile.empty()) return bad_input("give --profile or --from-log, not both");
  if (!o.period.empty() && o.from_log.empty()) return bad_input("--period applies to --from-log only");
  try {
    if (!o.profile.empty()) apply_profile_keeping_flags(o, usage);
    if (!o.from_log.empty()) {
      int64_t period_ms = 0;
      if (!o.period.empty()) {
        auto d = util::parse_duration(o.period, &error);
        if (!d || d->count() <= 0) return bad_input("--period " + o.period + ": " + (d ? "must be positive" : error));
        period_ms = d->count() / 1000;
        if (period_ms == 0) return bad_input("--period " + o.period + ": must be at least 1ms");
      }
      cost::apply_log(cost::read_access_log(o.from_log), period_ms, o.from_log, usage);
    }
  } catch (const cost::UsageError& e) {
    return bad_input(e.what());
  }
  usage.free_tier = o.free_tier;
  usage.all_products = o.all_products;
  if (usage.growth_bp > 0 && usage.months == 0) usage.months = 12;

  // --config: the features its routes use, checked against what each product can host.
  std::vector<cost::FeatureUse> features;
  if (!o.config.empty()) {
    model::LoadOptions load;
    load.missing_env_is_error = false;  // prices do not need the secrets
    auto loaded = model::load_config_file(o.config, load);
    if (!loaded.config) {
      for (const auto& d : loaded.diagnostics)
        if (d.severity == diag::Severity::Error) std::cerr << d.format() << "\n";
      return bad_input(o.config + " is not a valid gateway config");
    }
    features = cost::config_features(*loaded.config);
  }

  std::vector<std::string> providers = split_commas(o.providers);
  if (providers.empty()) return bad_input("--provider needs at least one of aws, azure, gcp, oci");
  for (const auto& p : providers) {
    const auto& known = cost::provider_ids();
    if (std::find(known.begin(), known.end(), p) == known.end())
      return bad_input("unknown provider '" + p + "' (use aws, azure, gcp or oci)");
  }
  // --region REGION (every selected provider) or --region aws=us-west-2,gcp=europe-west1.
  std::map<std::string, std::string> regions;
  for (const auto& part : split_commas(o.region)) {
    auto eq = part.find('=');
    if (eq == std::string::npos) {
      for (const auto& p : providers) regions[p] = part;
    } else {
      std::string p = part.substr(0, eq);
      if (std::find(providers.begin(), providers.end(), p) == providers.end())
        return bad_input("--region names provider '" + p + "', which is not selected by --provider");
      regions[p] = part.substr(eq + 1);
    }
  }

  cost::ReportOptions report;
  report.compare = o.compare;
  if (o.format == "json") report.format = cost::Format::json;
  else if (o.format == "csv") report.format = cost::Format::csv;
  else if (o.format == "markdown") report.format = cost::Format::markdown;

  std::vector<cost::ProductEstimate> all;
  std::vector<cost::PricedProvider> priced;
  try {
    for (const auto& id : providers) {
      cost::Provider provider = cost::load_provider(id, o.pricing_dir);
      report.currency = provider.currency;
      std::string region = regions.count(id) ? regions[id] : provider.default_region;
      auto estimates = cost::estimate(provider, region, usage);
      all.insert(all.end(), estimates.begin(), estimates.end());
      priced.push_back({std::move(provider), region});
    }
  } catch (const cost::UnknownRegion& e) {
    return bad_input(e.what());
  } catch (const cost::DataError& e) {
    return bad_input(std::string("pricing data: ") + e.what());
  }
  for (auto& e : all)
    for (const auto& w : cost::check_features(features, e)) std::cerr << w.format() << "\n";
  cost::mark_cheapest(all);
  if (usage.months > 0) report.projection = cost::project(priced, usage);
  std::vector<cost::BreakEven> break_evens;
  if (o.compare) break_evens = cost::break_evens(priced, usage, all);
  if (!o.plot.empty()) {
    std::ofstream out(o.plot, std::ios::binary);
    out << cost::plot_svg(priced, usage);
    if (!out.flush()) return bad_input("cannot write " + o.plot);
  }
  std::cout << cost::render(all, usage, report, break_evens);
  std::cout.flush();
  return k_exit_ok;
}

}  // namespace

Command cost_command() {
  return {"cost", "Estimate the monthly cost of an API on AWS, Azure, GCP and OCI", [](CLI::App& sub) {
            auto o = std::make_shared<CostOptions>();
            sub.add_option("--requests", o->requests, "requests per month: 50M, 1.5B, 750K or a plain number");
            sub.add_option("--rps", o->rps, "sustained requests per second, converted to a 730-hour month");
            sub.add_option("--request-size", o->request_size, "average request size: 2KB (1 KB = 1024 B)");
            sub.add_option("--response-size", o->response_size, "average response size, for data transfer out: 16KB");
            sub.add_option("--cache", o->cache, "AWS REST API cache size: 0.5GB (the next size up is billed)");
            sub.add_option("--ws-messages", o->ws_messages, "WebSocket messages per month: 100M");
            sub.add_option("--ws-message-size", o->ws_message_size, "average WebSocket message size: 40KB");
            sub.add_option("--ws-connection-minutes", o->ws_minutes, "WebSocket connection minutes per month: 10M");
            // Ranges checked on the text: CLI11 reads "-1" into an unsigned option as 18446744073709551615.
            sub.add_option("--units", o->units, "Azure API Management units (scale units)")
                ->check(CLI::Range(int64_t{1}, int64_t{1'000'000}))
                ->capture_default_str();
            sub.add_option("--gateways", o->gateways, "Azure self-hosted gateway deployments (Premium)")
                ->check(CLI::Range(int64_t{0}, int64_t{1'000'000}))
                ->capture_default_str();
            sub.add_option("--provider", o->providers, "providers, comma-separated: aws,azure,gcp,oci")
                ->capture_default_str();
            sub.add_option("--region", o->region,
                           "region for every selected provider, or per provider: aws=us-west-2,gcp=europe-west1 "
                           "(default us-east-1, eastus, us-central1, us-ashburn-1)");
            sub.add_option("--clients-in", o->clients_in,
                           "GCP premium-tier egress: the clients' continent (north-america, europe, asia-pacific, "
                           "south-america, oceania, china; default the GCP region's own)");
            sub.add_flag("--free-tier", o->free_tier,
                         "also apply free allowances that do not apply by default (AWS's 12-month free tier, "
                         "OCI's unconfirmed 1M calls)");
            sub.add_flag("--all-products", o->all_products, "include optional products (GCP Apigee pay-as-you-go)");
            sub.add_option("-f,--format", o->format, "output format")
                ->check(CLI::IsMember({"table", "json", "csv", "markdown"}))
                ->capture_default_str();
            sub.add_flag("--compare", o->compare, "only the side-by-side summary, cheapest marked");
            sub.add_option("--pricing", o->pricing_dir,
                           "read PROVIDER.json price files from this directory instead of the built-in ones");
            sub.add_option("--profile", o->profile,
                           "traffic profile (YAML): monthly_requests, request_size, response_size, routes, ...; "
                           "flags override it");
            sub.add_option("--from-log", o->from_log,
                           "measure usage from apigw serve's access log (JSON lines), extrapolated to a month");
            sub.add_option("--period", o->period, "the time the --from-log log covers (default: first to last record)");
            sub.add_option("--config", o->config,
                           "gateway config: warn where a provider/product cannot host its routes' features");
            sub.add_option("--growth", o->growth, "traffic growth per month, compounded: 10% (projection)");
            sub.add_option("--months", o->months, "projection horizon in months (default 12 with --growth)");
            sub.add_option("--plot", o->plot, "also write an SVG of monthly cost against monthly requests");
            sub.footer(
                "Examples:\n"
                "  apigw cost --requests 500M --compare\n"
                "  apigw cost --rps 20 --request-size 2KB --response-size 16KB --provider aws,gcp\n"
                "  apigw cost --provider azure --requests 30M --units 2 --format json\n"
                "  apigw cost --requests 50M --pricing ./my-negotiated-prices\n"
                "  apigw cost --from-log access.jsonl --compare\n"
                "  apigw cost --profile traffic.yaml --plot cost.svg\n"
                "  apigw cost --requests 50M --growth 10% --months 12\n"
                "  apigw cost --provider gcp --requests 10M --response-size 100KB --clients-in europe\n"
                "  apigw cost --config gateway.yaml --requests 50M --compare\n"
                "\nPrices: pricing/*.json, built in (see docs/cost.md); each figure carries its source, date and\n"
                "confidence, and figures that are not confirmed are marked *. A month is 730 hours; USD.\n"
                "Exit codes: 0 ok; 2 bad flags, unknown region, unreadable pricing data or an invalid --config.");
            return [o, &sub]() {
              o->units_given = sub.count("--units") > 0;
              o->gateways_given = sub.count("--gateways") > 0;
              return run_cost(*o);
            };
          }};
}

}  // namespace apigw::cli
