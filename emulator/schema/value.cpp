#include "emulator/schema/value.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>

#include <nlohmann/json.hpp>

namespace apigw::schema::value {

namespace {

__extension__ typedef __int128 Int128;

// value = digits * 10^exp, from the shortest round-trip text of a double.
bool decimal_parts(double d, Int128& digits, int& exp) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  if (ec != std::errc()) return false;
  std::string_view s(buf, static_cast<size_t>(end - buf));
  bool negative = false;
  if (!s.empty() && s[0] == '-') {
    negative = true;
    s.remove_prefix(1);
  }
  size_t e = s.find('e');
  if (e == std::string_view::npos) return false;
  Int128 m = 0;
  int frac_digits = 0;
  bool after_dot = false;
  for (char c : s.substr(0, e)) {
    if (c == '.') {
      after_dot = true;
      continue;
    }
    m = m * 10 + (c - '0');
    if (after_dot) ++frac_digits;
  }
  int e10 = std::atoi(std::string(s.substr(e + 1)).c_str());
  digits = negative ? -m : m;
  exp = e10 - frac_digits;
  return true;
}

bool pow10(int n, Int128& out) {
  if (n < 0 || n > 36) return false;
  out = 1;
  for (int i = 0; i < n; ++i) out *= 10;
  return true;
}

// a * b when it fits (the digits of a double are at most 17, so |a| never is the most negative value).
bool multiply(Int128 a, Int128 b, Int128& out) {
  const Int128 max = ~(Int128(1) << 127);
  const Int128 abs_a = a < 0 ? -a : a;
  if (b != 0 && abs_a > max / b) return false;
  out = a * b;
  return true;
}

// doc::Node and doc::Value share these accessors (is_int, as_int, as_double, is_number).
template <class A, class B>
int compare(const A& a, const B& b) {
  if (a.is_int() && b.is_int()) return a.as_int() < b.as_int() ? -1 : a.as_int() > b.as_int() ? 1 : 0;
  double x = a.as_double(), y = b.as_double();
  return x < y ? -1 : x > y ? 1 : 0;
}

bool integral(doc::Kind kind, double d) {
  if (kind == doc::Kind::Int) return true;
  return kind == doc::Kind::Float && std::isfinite(d) && std::floor(d) == d;
}

}  // namespace

bool is_integer(const doc::Node& n) { return integral(n.kind, n.as_double()); }
bool is_integer(doc::Value v) { return integral(v.kind(), v.as_double()); }

int compare_numbers(const doc::Node& a, const doc::Node& b) { return compare(a, b); }
int compare_numbers(doc::Value a, const doc::Node& b) { return compare(a, b); }

bool equal(const doc::Node& a, const doc::Node& b) {
  if (a.is_number() && b.is_number()) return compare_numbers(a, b) == 0;
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case doc::Kind::Null:
      return true;
    case doc::Kind::Bool:
      return a.as_bool() == b.as_bool();
    case doc::Kind::String:
      return a.as_string() == b.as_string();
    case doc::Kind::Array: {
      if (a.items().size() != b.items().size()) return false;
      for (size_t i = 0; i < a.items().size(); ++i)
        if (!equal(a.items()[i], b.items()[i])) return false;
      return true;
    }
    case doc::Kind::Object: {
      if (a.members().size() != b.members().size()) return false;
      for (const auto& m : a.members()) {
        const doc::Node* other = b.find(m.key);
        if (!other || !equal(m.value, *other)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

bool equal(const doc::Node& a, doc::Value b) {
  if (a.is_number() && b.is_number()) return compare(b, a) == 0;
  if (a.kind != b.kind()) return false;
  switch (a.kind) {
    case doc::Kind::Null:
      return true;
    case doc::Kind::Bool:
      return a.as_bool() == b.as_bool();
    case doc::Kind::String:
      return a.as_string() == b.as_string();
    case doc::Kind::Array: {
      if (a.items().size() != b.size()) return false;
      size_t i = 0;
      for (doc::Value item : b.items())
        if (!equal(a.items()[i++], item)) return false;
      return true;
    }
    case doc::Kind::Object: {
      if (a.members().size() != b.size()) return false;
      for (const auto& m : a.members()) {
        doc::Value other = b.find(m.key);
        if (!other || !equal(m.value, other)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

bool is_multiple_of(doc::Value x, const doc::Node& m) {
  if (x.is_int() && m.is_int()) return m.as_int() == 0 ? false : x.as_int() % m.as_int() == 0;
  double xd = x.as_double(), md = m.as_double();
  if (md == 0 || !std::isfinite(xd)) return false;
  if (xd == 0) return true;
  Int128 xm = 0, mm = 0;
  int xe = 0, me = 0;
  if (decimal_parts(xd, xm, xe) && decimal_parts(md, mm, me)) {
    // x / m = xm/mm * 10^(xe-me)
    Int128 scale = 0;
    Int128 big = 0;
    if (xe >= me && pow10(xe - me, scale)) {
      if (multiply(xm, scale, big) && mm != 0) return big % mm == 0;
    } else if (xe < me && pow10(me - xe, scale)) {
      if (multiply(mm, scale, big) && big != 0) return xm % big == 0;
    }
  }
  // Every integer is a multiple of 1/k (0.5, 0.25, ...), even where x / m overflows.
  double inverse = 1.0 / md;
  if (is_integer(x) && std::isfinite(inverse) && std::floor(inverse) == inverse) return true;
  double q = xd / md;
  if (!std::isfinite(q)) return false;
  return std::fabs(q - std::round(q)) < 1e-9;
}

bool find_duplicate(const std::vector<doc::Node>& items, size_t& first, size_t& second) {
  bool scalars = items.size() > 16;
  for (const auto& item : items)
    if (item.is_array() || item.is_object()) scalars = false;
  if (!scalars) {
    for (size_t i = 0; i < items.size(); ++i)
      for (size_t j = i + 1; j < items.size(); ++j)
        if (equal(items[i], items[j])) {
          first = i;
          second = j;
          return true;
        }
    return false;
  }
  auto rank = [](const doc::Node& n) {
    switch (n.kind) {
      case doc::Kind::Null:
        return 0;
      case doc::Kind::Bool:
        return 1;
      case doc::Kind::Int:
      case doc::Kind::Float:
        return 2;
      default:
        return 3;
    }
  };
  std::vector<size_t> order(items.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const doc::Node& x = items[a];
    const doc::Node& y = items[b];
    int rx = rank(x), ry = rank(y);
    if (rx != ry) return rx < ry;
    if (rx == 1 && x.as_bool() != y.as_bool()) return !x.as_bool();
    if (rx == 2) {
      int c = compare_numbers(x, y);
      if (c != 0) return c < 0;
    }
    if (rx == 3 && x.as_string() != y.as_string()) return x.as_string() < y.as_string();
    return a < b;
  });
  bool found = false;
  for (size_t k = 1; k < order.size(); ++k) {
    if (!equal(items[order[k - 1]], items[order[k]])) continue;
    size_t a = std::min(order[k - 1], order[k]), b = std::max(order[k - 1], order[k]);
    if (!found || a < first || (a == first && b < second)) {
      first = a;
      second = b;
      found = true;
    }
  }
  return found;
}

size_t code_points(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

const char* type_name(const doc::Node& n) {
  switch (n.kind) {
    case doc::Kind::Null:
      return "null";
    case doc::Kind::Bool:
      return "boolean";
    case doc::Kind::Int:
      return "integer";
    case doc::Kind::Float:
      return is_integer(n) ? "integer" : "number";
    case doc::Kind::String:
      return "string";
    case doc::Kind::Array:
      return "array";
    case doc::Kind::Object:
      return "object";
  }
  return "?";
}

std::string shorten(std::string_view text, size_t limit) {
  if (text.size() <= limit) return std::string(text);
  size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + "...";
}

std::string to_text(const doc::Node& n, size_t limit) { return shorten(n.to_json().dump(), limit); }

std::string describe(doc::Value v) {
  switch (v.kind()) {
    case doc::Kind::Null:
      return "null";
    case doc::Kind::Object:
      return "object";
    case doc::Kind::Array:
      return "array";
    default:
      return describe(v.to_node());  // a scalar: cheap to copy
  }
}

std::string describe(const doc::Node& n) {
  switch (n.kind) {
    case doc::Kind::Null:
      return "null";
    case doc::Kind::Object:
      return "object";
    case doc::Kind::Array:
      return "array";
    default:
      return std::string(type_name(n)) + " " + to_text(n);
  }
}

}  // namespace apigw::schema::value
