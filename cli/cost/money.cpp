// Exact money and quantity parsing for apigw cost: integers only, never binary floating point.
#include <limits>

#include "cli/cost/cost.hpp"

namespace apigw::cost {

namespace {

__extension__ typedef __int128 Wide;

constexpr uint64_t k_max_count = 1'000'000'000'000'000ULL;  // 1e15: far beyond any monthly volume

// Splits "1.5M" into whole digits, fraction digits and the suffix. False if not a plain decimal.
bool split_decimal(std::string_view text, std::string_view& whole, std::string_view& frac, std::string_view& suffix) {
  size_t i = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  whole = text.substr(0, i);
  frac = {};
  if (i < text.size() && text[i] == '.') {
    size_t start = ++i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    frac = text.substr(start, i - start);
    if (frac.empty()) return false;
  }
  suffix = text.substr(i);
  return !whole.empty();
}

// value = whole.frac × multiplier, which must be a whole number.
std::optional<uint64_t> scale_decimal(std::string_view whole, std::string_view frac, uint64_t multiplier) {
  if (whole.size() > 15) return std::nullopt;
  Wide numerator = 0;
  Wide denominator = 1;
  for (char c : whole) numerator = numerator * 10 + (c - '0');
  for (char c : frac) {
    if (denominator > Wide(1'000'000'000'000'000'000)) return std::nullopt;
    numerator = numerator * 10 + (c - '0');
    denominator *= 10;
  }
  Wide product = numerator * multiplier;
  if (product % denominator != 0) return std::nullopt;
  Wide value = product / denominator;
  if (value > Wide(k_max_count)) return std::nullopt;
  return static_cast<uint64_t>(value);
}

std::string quoted(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '\'';
  out.append(text);
  out += '\'';
  return out;
}

std::string group_thousands(std::string digits) {
  std::string out;
  int n = static_cast<int>(digits.size());
  for (int i = 0; i < n; ++i) {
    if (i > 0 && (n - i) % 3 == 0) out += ',';
    out += digits[static_cast<size_t>(i)];
  }
  return out;
}

}  // namespace

Money Money::times(uint64_t quantity, uint64_t per) const {
  if (per == 0) per = 1;
  Wide product = Wide(nanos_) * Wide(quantity);
  Wide q = product / per;
  Wide r = product % per;
  if (r * 2 >= Wide(per)) ++q;  // half up (prices are never negative)
  return from_nanos(static_cast<int64_t>(q));
}

std::string Money::to_decimal() const {
  int64_t v = nanos_ < 0 ? -nanos_ : nanos_;
  std::string frac = std::to_string(v % k_scale);
  frac.insert(0, 9 - frac.size(), '0');
  while (frac.size() > 2 && frac.back() == '0') frac.pop_back();
  std::string out = nanos_ < 0 ? "-" : "";
  out += std::to_string(v / k_scale);
  out += '.';
  out += frac;
  return out;
}

std::string Money::to_cents() const {
  int64_t v = nanos_ < 0 ? -nanos_ : nanos_;
  int64_t cents = v / 10'000'000 + ((v % 10'000'000) >= 5'000'000 ? 1 : 0);
  std::string c = std::to_string(cents % 100);
  if (c.size() < 2) c.insert(0, 1, '0');
  std::string out = nanos_ < 0 ? "-" : "";
  out += group_thousands(std::to_string(cents / 100));
  out += '.';
  out += c;
  return out;
}

std::optional<Money> parse_money(std::string_view text) {
  std::string_view whole, frac, suffix;
  if (!split_decimal(text, whole, frac, suffix) || !suffix.empty() || frac.size() > 9 || whole.size() > 9)
    return std::nullopt;
  auto nanos = scale_decimal(whole, frac, static_cast<uint64_t>(Money::k_scale));
  if (!nanos) return std::nullopt;
  return Money::from_nanos(static_cast<int64_t>(*nanos));
}

std::optional<uint64_t> parse_count(std::string_view text, std::string* error) {
  std::string_view whole, frac, suffix;
  if (!split_decimal(text, whole, frac, suffix)) {
    if (error) *error = "expected a count such as 50M, 1.5B, 750K or 1200";
    return std::nullopt;
  }
  uint64_t mult = 0;
  if (suffix.empty()) mult = 1;
  else if (suffix == "K" || suffix == "k") mult = 1'000;
  else if (suffix == "M" || suffix == "m") mult = 1'000'000;
  else if (suffix == "B" || suffix == "b" || suffix == "G") mult = 1'000'000'000;
  else {
    if (error) *error = "unknown count suffix " + quoted(suffix) + " (use K, M or B)";
    return std::nullopt;
  }
  auto v = scale_decimal(whole, frac, mult);
  if (!v) {
    if (error) *error = quoted(text) + " is not a whole number, or is too large";
    return std::nullopt;
  }
  return v;
}

std::optional<uint64_t> parse_percent(std::string_view text, std::string* error) {
  std::string_view whole, frac, suffix;
  if (!split_decimal(text, whole, frac, suffix) || suffix != "%") {
    if (error) *error = "expected a percentage such as 10%, 2.5% or 0%";
    return std::nullopt;
  }
  auto v = scale_decimal(whole, frac, 100);  // basis points
  if (!v || *v > 1'000'000) {
    if (error) *error = quoted(text) + " has more than 2 decimals or is over 10000%";
    return std::nullopt;
  }
  return v;
}

std::optional<uint64_t> parse_bytes(std::string_view text, std::string* error) {
  std::string_view whole, frac, suffix;
  if (!split_decimal(text, whole, frac, suffix)) {
    if (error) *error = "expected a size such as 2KB, 512KB, 1.5MB or 0.5GB";
    return std::nullopt;
  }
  uint64_t mult = 0;
  if (suffix.empty() || suffix == "B") mult = 1;
  else if (suffix == "KB" || suffix == "kB" || suffix == "KiB" || suffix == "K") mult = 1024;
  else if (suffix == "MB" || suffix == "MiB" || suffix == "M") mult = 1024ULL * 1024;
  else if (suffix == "GB" || suffix == "GiB" || suffix == "G") mult = 1024ULL * 1024 * 1024;
  else if (suffix == "TB" || suffix == "TiB" || suffix == "T") mult = 1024ULL * 1024 * 1024 * 1024;
  else {
    if (error) *error = "unknown size unit " + quoted(suffix) + " (use B, KB, MB, GB or TB; 1 KB = 1024 B)";
    return std::nullopt;
  }
  auto v = scale_decimal(whole, frac, mult);
  if (!v) {
    if (error) *error = quoted(text) + " is not a whole number of bytes, or is too large";
    return std::nullopt;
  }
  return v;
}

std::optional<uint64_t> requests_from_rps(std::string_view text, std::string* error) {
  std::string_view whole, frac, suffix;
  if (!split_decimal(text, whole, frac, suffix) || !suffix.empty()) {
    if (error) *error = "expected requests per second such as 20 or 0.5";
    return std::nullopt;
  }
  auto v = scale_decimal(whole, frac, k_hours_per_month * 3600);
  if (!v) {
    if (error) *error = quoted(text) + " requests per second is not a whole number of requests a month";
    return std::nullopt;
  }
  return v;
}

std::string format_count(uint64_t n) {
  struct Suffix {
    uint64_t size;
    const char* name;
  };
  for (Suffix s : {Suffix{1'000'000'000, "B"}, Suffix{1'000'000, "M"}, Suffix{1'000, "K"}}) {
    if (n < s.size) continue;
    // Exact with at most one decimal: 1.5B, 333M.
    if (n % s.size == 0) return group_thousands(std::to_string(n / s.size)) + s.name;
    if (n % (s.size / 10) == 0)
      return std::to_string(n / s.size) + "." + std::to_string((n % s.size) / (s.size / 10)) + s.name;
    break;
  }
  return group_thousands(std::to_string(n));
}

std::string format_gb(uint64_t bytes) {
  constexpr uint64_t k_gb = 1024ULL * 1024 * 1024;
  constexpr uint64_t k_tb = k_gb * 1024;
  if (bytes >= k_tb && bytes % k_tb == 0) return group_thousands(std::to_string(bytes / k_tb)) + " TB";
  // Hundredths of a GB, rounded half up.
  Wide hundredths = (Wide(bytes) * 100 + k_gb / 2) / k_gb;
  auto h = static_cast<uint64_t>(hundredths);
  std::string frac = std::to_string(h % 100);
  if (frac.size() < 2) frac.insert(0, 1, '0');
  return group_thousands(std::to_string(h / 100)) + "." + frac + " GB";
}

}  // namespace apigw::cost
