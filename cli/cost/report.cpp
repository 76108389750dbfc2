// Renders cost estimates as a table, JSON, CSV or Markdown; --compare renders a side-by-side summary.
#include <algorithm>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/cost/cost.hpp"

namespace apigw::cost {

namespace {

using Row = std::vector<std::string>;

std::string dollars(Money m) { return "$" + m.to_cents(); }

std::string unit_price_text(const Line& l) {
  if (!l.unit_price) return l.cost ? "" : "-";
  if (l.unit_price->nanos() == 0) return "free";
  return "$" + l.unit_price->to_decimal() + " per " + l.unit;
}

bool is_caveat(const std::string& confidence) { return !confidence.empty() && confidence != "confirmed"; }

std::string cost_text(const Line& l) {
  if (!l.cost) return l.note.empty() ? "-" : l.note;
  return dollars(*l.cost) + (is_caveat(l.confidence) ? " *" : "");
}

std::string total_text(const ProductEstimate& e) {
  if (!e.usage_known) return "depends on usage";
  return dollars(e.total) + (e.complete ? "" : " + unknown");
}

std::string title(const ProductEstimate& e) { return e.provider_name + " - " + e.product_name + " (" + e.region + ")"; }

std::string usage_summary(const Usage& u) {
  std::ostringstream s;
  if (!u.basis.empty()) s << "Usage " << u.basis << "\n";
  s << "Usage per month: ";
  s << (u.requests ? format_count(*u.requests) + " requests" : std::string("requests not given"));
  if (u.request_bytes) s << ", request " << *u.request_bytes << " B";
  if (u.response_bytes) s << ", response " << *u.response_bytes << " B";
  if (u.ws_messages) s << ", " << format_count(*u.ws_messages) << " WebSocket messages";
  if (u.ws_connection_minutes) s << ", " << format_count(*u.ws_connection_minutes) << " connection minutes";
  if (u.cache_bytes) s << ", cache " << format_gb(*u.cache_bytes);
  if (u.units != 1) s << ", " << u.units << " units";
  if (u.gateways) s << ", " << u.gateways << " self-hosted gateways";
  if (u.clients_in) s << ", clients in " << continent_id(*u.clients_in) << " (GCP egress)";
  s << "; " << (u.free_tier ? "all free tiers applied (--free-tier)" : "only free allowances that apply by default")
    << "; a month is 730 hours";
  if (u.months > 0) s << "\nLine items are month 1; the projection over " << u.months << " months follows the summary";
  return s.str();
}

// Display width of UTF-8 text: code points, not bytes ("→" in egress labels is one column).
size_t display_width(const std::string& text) {
  size_t n = 0;
  for (unsigned char ch : text)
    if ((ch & 0xC0) != 0x80) ++n;
  return n;
}

// Plain-text table with left-aligned columns, except the right-aligned last one.
std::string layout(const std::vector<Row>& rows, const std::string& indent, bool right_last) {
  std::vector<size_t> width;
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], display_width(r[i]));
    }
  std::string out;
  for (const auto& r : rows) {
    std::string line = indent;
    for (size_t i = 0; i < r.size(); ++i) {
      bool last = i + 1 == r.size();
      std::string pad(width[i] - display_width(r[i]), ' ');
      if (last && right_last) line += pad + r[i];
      else line += r[i] + (last ? "" : pad + "  ");
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::vector<const ProductEstimate*> by_total(const std::vector<ProductEstimate>& estimates) {
  std::vector<const ProductEstimate*> order;
  for (const auto& e : estimates) order.push_back(&e);
  std::stable_sort(order.begin(), order.end(), [](const ProductEstimate* a, const ProductEstimate* b) {
    if (a->usage_known != b->usage_known) return a->usage_known;
    if (!a->usage_known) return false;
    return a->total < b->total;
  });
  return order;
}

std::string compare_note(const ProductEstimate& e) {
  std::string note;
  if (e.cheapest) note = "<- cheapest";
  if (!e.production) note += std::string(note.empty() ? "" : "; ") + "no SLA, not for production";
  if (!e.complete) note += std::string(note.empty() ? "" : "; ") + "part of the price is unknown";
  bool caveat = false;
  for (const auto& l : e.lines) caveat = caveat || (l.cost && is_caveat(l.confidence));
  if (caveat) note += std::string(note.empty() ? "" : "; ") + "includes non-confirmed prices (*)";
  for (const auto& f : e.feature_notes) note += std::string(note.empty() ? "" : "; ") + f;
  return note;
}

std::vector<std::string> caveats(const ProductEstimate& e) {
  std::vector<std::string> out;
  for (const auto& l : e.lines) {
    if (!is_caveat(l.confidence)) continue;
    std::string name = l.component.substr(0, l.component.find(" ("));
    std::string c = "* " + name + ": " + l.confidence + " (" + l.source + ", " + l.as_of + ")";
    if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  }
  return out;
}

const ProductEstimate* cheapest(const std::vector<ProductEstimate>& estimates) {
  for (const auto& e : estimates)
    if (e.cheapest) return &e;
  return nullptr;
}

std::vector<std::string> break_even_lines(const std::vector<BreakEven>& break_evens) {
  std::vector<std::string> out;
  for (const auto& b : break_evens)
    out.push_back(b.cheaper_below + " costs no more up to " + format_count(b.requests) + " requests/month; " +
                  b.cheaper_above + " is cheaper beyond");
  return out;
}

std::string percent_text(uint64_t bp) {
  std::string out = std::to_string(bp / 100);
  if (bp % 100) {
    std::string frac = std::to_string(bp % 100 + 100).substr(1);
    if (frac.back() == '0') frac.pop_back();
    out += "." + frac;
  }
  return out + "%";
}

std::string money_or(const std::optional<Money>& m, bool complete) {
  if (!m) return "depends on usage";
  return dollars(*m) + (complete ? "" : " + unknown");
}

std::string projection_heading(const Projection& p) {
  std::string out = "Projection over " + std::to_string(p.months) + " months (a projection, not a measurement): traffic grows " +
                    percent_text(p.growth_bp) +
                    " a month, compounded on whole counts (each month rounded half up); sizes, units and cache fixed; "
                    "free allowances applied every month.";
  if (p.first_requests && p.last_requests)
    out += "\nRequests: month 1 " + format_count(*p.first_requests) + ", month " + std::to_string(p.months) + " " +
           format_count(*p.last_requests) + ".";
  return out;
}

std::vector<Row> projection_rows(const Projection& p) {
  std::string n = std::to_string(p.months);
  std::vector<Row> rows = {{"Provider", "Product", "Month 1", "Month " + n, "Total months 1-" + n}};
  for (const auto& r : p.rows)
    rows.push_back({r.provider, r.product_name, money_or(r.first, r.complete), money_or(r.last, r.complete),
                    money_or(r.total, r.complete)});
  return rows;
}

std::string render_table(const std::vector<ProductEstimate>& estimates, const Usage& usage, bool compare,
                         const std::vector<BreakEven>& break_evens, const std::optional<Projection>& projection) {
  std::string out = usage_summary(usage) + "\n\n";
  if (!compare) {
    for (const auto& e : estimates) {
      out += title(e) + (e.cheapest ? "  <- cheapest" : "") + "\n";
      std::vector<Row> rows = {{"Component", "Quantity", "Unit price", "Monthly cost"}};
      for (const auto& l : e.lines)
        rows.push_back({l.component, l.quantity.empty() ? "-" : l.quantity, unit_price_text(l), cost_text(l)});
      rows.push_back({"Total", "", "", total_text(e)});
      out += layout(rows, "  ", true);
      for (const auto& c : caveats(e)) out += "  " + c + "\n";
      for (const auto& f : e.feature_notes) out += "  ! " + f + "\n";
      out += "\n";
    }
  }
  std::vector<Row> rows = {{"Provider", "Product", "Region", "Monthly cost", "Note"}};
  for (const auto* e : by_total(estimates))
    rows.push_back({e->provider, e->product_name, e->region, total_text(*e), compare_note(*e)});
  out += std::string(compare ? "Side by side" : "Summary") + " (USD per month):\n" + layout(rows, "  ", false);
  if (const auto* c = cheapest(estimates))
    out += "\nCheapest: " + c->provider_name + " " + c->product_name + " at " + dollars(c->total) + " per month.\n";
  if (!break_evens.empty()) {
    out += "\nBreak-even against the cheapest (monthly requests; other usage fixed):\n";
    for (const auto& l : break_even_lines(break_evens)) out += "  " + l + "\n";
  }
  if (projection && projection->months > 0)
    out += "\n" + projection_heading(*projection) + "\n" + layout(projection_rows(*projection), "  ", false);
  out += "Prices from the pricing data files (see 'apigw cost --help'); * marks figures that are not confirmed.\n";
  return out;
}

std::string md_escape(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else out += c;
  }
  return out;
}

std::string render_markdown(const std::vector<ProductEstimate>& estimates, const Usage& usage, bool compare,
                            const std::vector<BreakEven>& break_evens, const std::optional<Projection>& projection) {
  std::string out = "# API gateway cost estimate\n\n" + usage_summary(usage) + "\n\n";
  if (!compare) {
    for (const auto& e : estimates) {
      out += "## " + md_escape(title(e)) + (e.cheapest ? " (cheapest)" : "") + "\n\n";
      out += "| Component | Quantity | Unit price | Monthly cost |\n|---|---:|---|---:|\n";
      for (const auto& l : e.lines)
        out += "| " + md_escape(l.component) + " | " + md_escape(l.quantity.empty() ? "-" : l.quantity) + " | " +
               md_escape(unit_price_text(l)) + " | " + md_escape(cost_text(l)) + " |\n";
      out += "| **Total** | | | **" + md_escape(total_text(e)) + "** |\n";
      auto cv = caveats(e);
      if (!cv.empty()) out += "\n";
      for (const auto& c : cv) out += "- " + md_escape(c.substr(2)) + " *\n";
      for (const auto& f : e.feature_notes) out += "- " + md_escape(f) + "\n";
      out += "\n";
    }
  }
  out += "## Summary\n\n| Provider | Product | Region | Monthly cost | Note |\n|---|---|---|---:|---|\n";
  for (const auto* e : by_total(estimates))
    out += "| " + e->provider + " | " + md_escape(e->product_name) + " | " + e->region + " | " + md_escape(total_text(*e)) +
           " | " + md_escape(compare_note(*e)) + " |\n";
  if (!break_evens.empty()) out += "\n## Break-even against the cheapest\n\n";
  for (const auto& l : break_even_lines(break_evens)) out += "- " + l + "\n";
  if (projection && projection->months > 0) {
    std::string heading = projection_heading(*projection);
    for (auto at = heading.find('\n'); at != std::string::npos; at = heading.find('\n')) heading.replace(at, 1, " ");
    out += "\n## Projection\n\n" + heading + "\n\n";
    auto rows = projection_rows(*projection);
    out += "| " + rows[0][0] + " | " + rows[0][1] + " | " + rows[0][2] + " | " + rows[0][3] + " | " + rows[0][4] +
           " |\n|---|---|---:|---:|---:|\n";
    for (size_t i = 1; i < rows.size(); ++i)
      out += "| " + rows[i][0] + " | " + md_escape(rows[i][1]) + " | " + rows[i][2] + " | " + rows[i][3] + " | " +
             rows[i][4] + " |\n";
  }
  return out;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string csv_row(const Row& r) {
  std::string out;
  for (size_t i = 0; i < r.size(); ++i) {
    if (i) out += ',';
    out += csv_field(r[i]);
  }
  return out + "\n";
}

std::string render_csv(const std::vector<ProductEstimate>& estimates, bool compare,
                       const std::optional<Projection>& projection) {
  std::string out;
  if (compare) {
    out = csv_row({"provider", "product", "region", "monthly_cost", "currency", "cheapest", "complete"});
    for (const auto* e : by_total(estimates))
      out += csv_row({e->provider, e->product, e->region, e->usage_known ? e->total.to_decimal() : "", "USD",
                      e->cheapest ? "true" : "false", e->complete ? "true" : "false"});
    return out;
  }
  out = csv_row({"provider", "region", "product", "component", "quantity", "unit", "unit_price", "monthly_cost",
                 "currency", "confidence", "note"});
  for (const auto& e : estimates) {
    for (const auto& l : e.lines)
      out += csv_row({e.provider, e.region, e.product, l.component, l.quantity, l.unit,
                      l.unit_price ? l.unit_price->to_decimal() : "", l.cost ? l.cost->to_decimal() : "", "USD",
                      l.confidence, l.note});
    std::string total_note = e.cheapest ? "cheapest" : "";
    for (const auto& f : e.feature_notes) total_note += (total_note.empty() ? "" : "; ") + f;
    out += csv_row({e.provider, e.region, e.product, "Total", "", "", "", e.usage_known ? e.total.to_decimal() : "",
                    "USD", "", total_note});
  }
  if (projection && projection->months > 0) {
    std::string n = std::to_string(projection->months);
    std::string note = "projection: " + percent_text(projection->growth_bp) + " growth a month, compounded";
    for (const auto& r : projection->rows) {
      auto row = [&](const std::string& component, const std::optional<Money>& m) {
        out += csv_row({r.provider, "", r.product, component, "", "", "", m ? m->to_decimal() : "", "USD", "", note});
      };
      row("Projected month " + n, r.last);
      row("Projected total months 1-" + n, r.total);
    }
  }
  return out;
}

std::string render_json(const std::vector<ProductEstimate>& estimates, const Usage& usage, const std::string& currency,
                        const std::vector<BreakEven>& break_evens, const std::optional<Projection>& projection) {
  using nlohmann::json;
  auto opt = [](const std::optional<uint64_t>& v) { return v ? json(*v) : json(nullptr); };
  json j;
  j["currency"] = currency;
  j["hours_per_month"] = k_hours_per_month;
  j["usage"] = {{"requests", opt(usage.requests)},
                {"request_bytes", opt(usage.request_bytes)},
                {"response_bytes", opt(usage.response_bytes)},
                {"cache_bytes", opt(usage.cache_bytes)},
                {"ws_messages", opt(usage.ws_messages)},
                {"ws_message_bytes", opt(usage.ws_message_bytes)},
                {"ws_connection_minutes", opt(usage.ws_connection_minutes)},
                {"units", usage.units},
                {"self_hosted_gateways", usage.gateways},
                {"free_tier", usage.free_tier},
                {"clients_in", usage.clients_in ? json(std::string(continent_id(*usage.clients_in))) : json(nullptr)},
                {"basis", usage.basis.empty() ? json("flags") : json(usage.basis)}};
  j["estimates"] = json::array();
  for (const auto& e : estimates) {
    json pe = {{"provider", e.provider},
               {"provider_name", e.provider_name},
               {"region", e.region},
               {"product", e.product},
               {"product_name", e.product_name},
               {"monthly_cost", e.usage_known ? json(e.total.to_decimal()) : json(nullptr)},
               {"usage_known", e.usage_known},
               {"complete", e.complete},
               {"production", e.production},
               {"cheapest", e.cheapest},
               {"can_host", e.can_host},
               {"feature_notes", e.feature_notes}};
    pe["lines"] = json::array();
    for (const auto& l : e.lines) {
      json lj = {{"component", l.component},
                 {"quantity", l.quantity.empty() ? json(nullptr) : json(l.quantity)},
                 {"unit", l.unit},
                 {"unit_price", l.unit_price ? json(l.unit_price->to_decimal()) : json(nullptr)},
                 {"monthly_cost", l.cost ? json(l.cost->to_decimal()) : json(nullptr)},
                 {"confidence", l.confidence},
                 {"source", l.source},
                 {"as_of", l.as_of}};
      if (!l.note.empty()) lj["note"] = l.note;
      pe["lines"].push_back(lj);
    }
    j["estimates"].push_back(pe);
  }
  j["cheapest"] = nullptr;
  if (const auto* c = cheapest(estimates))
    j["cheapest"] = {{"provider", c->provider}, {"product", c->product}, {"monthly_cost", c->total.to_decimal()}};
  j["break_even"] = json::array();
  for (const auto& b : break_evens)
    j["break_even"].push_back(
        {{"requests", b.requests}, {"cheaper_below", b.cheaper_below}, {"cheaper_above", b.cheaper_above}});
  if (projection && projection->months > 0) {
    auto m = [](const std::optional<Money>& v) { return v ? json(v->to_decimal()) : json(nullptr); };
    json pj = {{"kind", "projection"},
               {"months", projection->months},
               {"growth_per_month", percent_text(projection->growth_bp)},
               {"rounding", "request counts compounded monthly, rounded half up to whole counts"},
               {"requests_month_1", opt(projection->first_requests)},
               {"requests_last_month", opt(projection->last_requests)},
               {"estimates", json::array()}};
    for (const auto& r : projection->rows)
      pj["estimates"].push_back({{"provider", r.provider},
                                 {"product", r.product},
                                 {"month_1", m(r.first)},
                                 {"last_month", m(r.last)},
                                 {"total", m(r.total)},
                                 {"complete", r.complete}});
    j["projection"] = pj;
  }
  return j.dump(2) + "\n";
}

}  // namespace

std::string render(const std::vector<ProductEstimate>& estimates, const Usage& usage, const ReportOptions& options,
                   const std::vector<BreakEven>& break_evens) {
  switch (options.format) {
    case Format::json: return render_json(estimates, usage, options.currency, break_evens, options.projection);
    case Format::csv: return render_csv(estimates, options.compare, options.projection);
    case Format::markdown:
      return render_markdown(estimates, usage, options.compare, break_evens, options.projection);
    case Format::table: break;
  }
  return render_table(estimates, usage, options.compare, break_evens, options.projection);
}

}  // namespace apigw::cost
