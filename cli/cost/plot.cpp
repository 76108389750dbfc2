// Cost as a function of monthly requests: break-even volumes for --compare and the --plot SVG.
// Money stays integer; doubles appear only for SVG coordinates.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "cli/cost/cost.hpp"

namespace apigw::cost {

namespace {

using Totals = std::map<std::string, std::optional<Money>>;  // "provider/product" -> total when usage is known

std::string key(const ProductEstimate& e) { return e.provider + "/" + e.product; }
std::string label(const ProductEstimate& e) { return e.provider + " " + e.product_name; }

Totals totals_at(const std::vector<PricedProvider>& providers, Usage usage, uint64_t requests) {
  usage.requests = requests;
  Totals out;
  for (const auto& p : providers)
    for (const auto& e : estimate(p.provider, p.region, usage))
      out[key(e)] = e.usage_known && e.complete ? std::optional<Money>(e.total) : std::nullopt;
  return out;
}

// 10^(exp/steps) × base, as a whole number (sample points only, not money).
uint64_t log_point(double from, double to, int i, int n) {
  double lf = std::log10(from), lt = std::log10(to);
  return static_cast<uint64_t>(std::llround(std::pow(10.0, lf + (lt - lf) * i / n)));
}

std::string escape_xml(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else if (c == '"') out += "&quot;";
    else out += c;
  }
  return out;
}

}  // namespace

std::vector<BreakEven> break_evens(const std::vector<PricedProvider>& providers, const Usage& usage,
                                   const std::vector<ProductEstimate>& at_usage) {
  std::vector<BreakEven> out;
  const ProductEstimate* best = nullptr;
  for (const auto& e : at_usage)
    if (e.cheapest) best = &e;
  if (!best || !usage.requests) return out;
  constexpr int k_samples = 96;
  const double lo = 1e3, hi = 1e12;
  std::vector<std::pair<uint64_t, Totals>> samples;
  for (int i = 0; i <= k_samples; ++i) {
    uint64_t n = log_point(lo, hi, i, k_samples);
    samples.emplace_back(n, totals_at(providers, usage, n));
  }
  std::string best_key = key(*best);
  for (const auto& other : at_usage) {
    if (&other == best || !other.usage_known || !other.complete || !other.production || !other.can_host) continue;
    std::string other_key = key(other);
    // sign of best - other at each sample; a change brackets a crossing.
    for (size_t i = 0; i + 1 < samples.size(); ++i) {
      auto a0 = samples[i].second[best_key], b0 = samples[i].second[other_key];
      auto a1 = samples[i + 1].second[best_key], b1 = samples[i + 1].second[other_key];
      if (!a0 || !b0 || !a1 || !b1) continue;
      bool before = *a0 < *b0, after = *a1 < *b1;
      if (before == after) continue;
      uint64_t l = samples[i].first, h = samples[i + 1].first;
      while (h - l > 1) {
        uint64_t mid = l + (h - l) / 2;
        auto t = totals_at(providers, usage, mid);
        if ((*t[best_key] < *t[other_key]) == before) l = mid;
        else h = mid;
      }
      BreakEven be;
      be.requests = l;
      be.cheaper_below = before ? label(*best) : label(other);
      be.cheaper_above = before ? label(other) : label(*best);
      out.push_back(be);
    }
  }
  std::sort(out.begin(), out.end(), [](const BreakEven& a, const BreakEven& b) { return a.requests < b.requests; });
  return out;
}

std::string plot_svg(const std::vector<PricedProvider>& providers, const Usage& usage) {
  constexpr int k_samples = 60;
  constexpr double k_width = 900, k_height = 560, k_left = 80, k_right = 260, k_top = 40, k_bottom = 60;
  const double lo = 1e5, hi = 1e11;
  const double plot_w = k_width - k_left - k_right, plot_h = k_height - k_top - k_bottom;
  std::map<std::string, std::vector<std::pair<uint64_t, Money>>> series;
  std::map<std::string, std::string> names;
  for (int i = 0; i <= k_samples; ++i) {
    uint64_t n = log_point(lo, hi, i, k_samples);
    Usage u = usage;
    u.requests = n;
    for (const auto& p : providers)
      for (const auto& e : estimate(p.provider, p.region, u)) {
        if (!e.usage_known || !e.complete) continue;
        series[key(e)].emplace_back(n, e.total);
        names[key(e)] = label(e);
      }
  }
  // y: log scale from $1 to the largest cost, rounded up to a power of 10.
  double ymax = 10;
  for (const auto& [k, pts] : series)
    for (const auto& [n, m] : pts) ymax = std::max(ymax, static_cast<double>(m.nanos()) / Money::k_scale);
  ymax = std::pow(10.0, std::ceil(std::log10(ymax)));
  auto x_of = [&](double n) { return k_left + plot_w * (std::log10(n) - std::log10(lo)) / (std::log10(hi) - std::log10(lo)); };
  auto y_of = [&](double dollars) {
    double d = std::max(dollars, 1.0);
    return k_top + plot_h * (1 - std::log10(d) / std::log10(ymax));
  };
  static const char* const k_colours[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                                          "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939"};
  char buf[256];
  std::string svg = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  std::snprintf(buf, sizeof buf,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
                "font-family=\"sans-serif\" font-size=\"12\">\n",
                k_width, k_height, k_width, k_height);
  svg += buf;
  svg += "<title>apigw cost: monthly cost against monthly requests</title>\n";
  svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  std::snprintf(buf, sizeof buf, "<text x=\"%.0f\" y=\"24\" font-size=\"15\">Monthly cost (USD) by monthly requests</text>\n",
                k_left);
  svg += buf;
  for (double n = lo; n <= hi * 1.0001; n *= 10) {
    double x = x_of(n);
    std::snprintf(buf, sizeof buf,
                  "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                  "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
                  x, k_top, x, k_top + plot_h, x, k_top + plot_h + 18, format_count(static_cast<uint64_t>(n)).c_str());
    svg += buf;
  }
  for (double d = 1; d <= ymax * 1.0001; d *= 10) {
    double y = y_of(d);
    std::snprintf(buf, sizeof buf,
                  "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                  "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">$%s</text>\n",
                  k_left, y, k_left + plot_w, y, k_left - 6, y + 4, format_count(static_cast<uint64_t>(d)).c_str());
    svg += buf;
  }
  std::snprintf(buf, sizeof buf, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">requests per month (log scale)</text>\n",
                k_left + plot_w / 2, k_height - 16);
  svg += buf;
  size_t index = 0;
  for (const auto& [k, pts] : series) {
    const char* colour = k_colours[index % (sizeof k_colours / sizeof k_colours[0])];
    std::string points;
    for (const auto& [n, m] : pts) {
      std::snprintf(buf, sizeof buf, "%.1f,%.1f ", x_of(static_cast<double>(n)),
                    y_of(static_cast<double>(m.nanos()) / Money::k_scale));
      points += buf;
    }
    svg += "<polyline fill=\"none\" stroke-width=\"2\" stroke=\"" + std::string(colour) + "\" points=\"" + points + "\">";
    svg += "<title>" + escape_xml(names[k]) + "</title></polyline>\n";
    double ly = k_top + 10 + 18.0 * static_cast<double>(index);
    std::snprintf(buf, sizeof buf,
                  "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"3\"/>"
                  "<text x=\"%.1f\" y=\"%.1f\">",
                  k_left + plot_w + 16, ly, k_left + plot_w + 40, ly, colour, k_left + plot_w + 46, ly + 4);
    svg += buf + escape_xml(names[k]) + "</text>\n";
    ++index;
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace apigw::cost
