#include "emulator/schema/format.hpp"

#include <algorithm>
#include <array>
#include <bitset>
#include <cstdio>
#include <cmath>
#include <regex>
#include <string>
#include <vector>

#include "emulator/schema/value.hpp"

namespace apigw::schema::format {

namespace {

bool digit(char c) { return c >= '0' && c <= '9'; }
bool hex(char c) { return digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool digits(std::string_view s, size_t at, size_t n, int& out) {
  if (at + n > s.size()) return false;
  out = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (!digit(s[i])) return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

bool leap_year(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

bool date(std::string_view s) {
  int y = 0, m = 0, d = 0;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  if (!digits(s, 0, 4, y) || !digits(s, 5, 2, m) || !digits(s, 8, 2, d)) return false;
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return false;
  int max = days[m - 1] + (m == 2 && leap_year(y) ? 1 : 0);
  return d <= max;
}

// RFC 3339 full-time: HH:MM:SS[.frac](Z|+HH:MM|-HH:MM); a leap second only at 23:59:60 UTC.
bool time(std::string_view s) {
  int h = 0, mi = 0, se = 0;
  if (s.size() < 9 || s[2] != ':' || s[5] != ':') return false;
  if (!digits(s, 0, 2, h) || !digits(s, 3, 2, mi) || !digits(s, 6, 2, se)) return false;
  size_t i = 8;
  if (i < s.size() && s[i] == '.') {
    ++i;
    size_t start = i;
    while (i < s.size() && digit(s[i])) ++i;
    if (i == start) return false;
  }
  if (i >= s.size()) return false;
  int oh = 0, om = 0, sign = 0;
  if (s[i] == 'Z' || s[i] == 'z') {
    if (i + 1 != s.size()) return false;
  } else if (s[i] == '+' || s[i] == '-') {
    sign = s[i] == '+' ? 1 : -1;
    if (s.size() != i + 6 || s[i + 3] != ':' || !digits(s, i + 1, 2, oh) || !digits(s, i + 4, 2, om)) return false;
    if (oh > 23 || om > 59) return false;
  } else {
    return false;
  }
  if (h > 23 || mi > 59 || se > 60) return false;
  if (se == 60) {
    int minutes = h * 60 + mi - sign * (oh * 60 + om);
    minutes = ((minutes % 1440) + 1440) % 1440;
    if (minutes != 23 * 60 + 59) return false;
  }
  return true;
}

bool date_time(std::string_view s) {
  if (s.size() < 11 || (s[10] != 'T' && s[10] != 't')) return false;
  return date(s.substr(0, 10)) && time(s.substr(11));
}

bool hostname(std::string_view s, bool idna = false, bool unicode = false) {
  if (s.empty() || s.size() > 253) return false;
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    std::string_view label = s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (char c : label)
      if (!alpha(c) && !digit(c) && c != '-' && !(unicode && static_cast<unsigned char>(c) >= 0x80)) return false;
    if (idna && label.size() >= 4 && label[2] == '-' && label[3] == '-' && label.substr(0, 2) != "xn") return false;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return true;
}

bool ipv4(std::string_view s) {
  int parts = 0;
  size_t i = 0;
  while (true) {
    size_t start = i;
    int v = 0;
    while (i < s.size() && digit(s[i])) v = v * 10 + (s[i++] - '0');
    size_t len = i - start;
    if (len == 0 || len > 3 || v > 255 || (len > 1 && s[start] == '0')) return false;
    ++parts;
    if (i == s.size()) break;
    if (s[i] != '.' || parts == 4) return false;
    ++i;
  }
  return parts == 4;
}

bool ipv6(std::string_view s) {
  if (s.empty()) return false;
  int groups = 0;
  bool compressed = false;
  size_t i = 0;
  if (s.substr(0, 2) == "::") {
    compressed = true;
    i = 2;
    if (i == s.size()) return true;
  } else if (s[0] == ':') {
    return false;
  }
  while (i < s.size()) {
    size_t start = i;
    while (i < s.size() && hex(s[i])) ++i;
    size_t len = i - start;
    if (i < s.size() && s[i] == '.') {  // trailing IPv4
      if (!ipv4(s.substr(start))) return false;
      groups += 2;
      i = s.size();
      break;
    }
    if (len == 0 || len > 4) return false;
    ++groups;
    if (i == s.size()) break;
    if (s[i] != ':') return false;
    ++i;
    if (i < s.size() && s[i] == ':') {
      if (compressed) return false;
      compressed = true;
      ++i;
      if (i == s.size()) break;
    } else if (i == s.size()) {
      return false;
    }
  }
  return compressed ? groups < 8 : groups == 8;
}

// A set of bytes as a table: one load per character, where string_view("...").find(c) calls memchr for each one.
constexpr std::array<bool, 256> byte_set(std::string_view chars, bool controls = false) {
  std::array<bool, 256> t{};
  if (controls) {
    for (int c = 0; c <= 0x20; ++c) t[c] = true;  // controls and space
    t[0x7F] = true;
  }
  for (char c : chars) t[static_cast<unsigned char>(c)] = true;
  return t;
}
// Characters never allowed unescaped in a URI, and in a URI template's literals.
constexpr auto k_uri_excluded = byte_set("\"<>\\^`{|}", true);
constexpr auto k_uri_template_excluded = byte_set("\"<>\\^`|", true);
// The unquoted local part of an email: RFC 5322 atext and '.' (bytes past ASCII are let through apart).
constexpr auto k_email_local =
    byte_set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~.");

bool email(std::string_view s, bool idn = false) {
  auto at = s.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == s.size()) return false;
  std::string_view local = s.substr(0, at), domain = s.substr(at + 1);
  if (local.front() == '"' && local.back() == '"' && local.size() >= 2) {
    // quoted local part
  } else {
    if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) return false;
    for (char c : local) {
      if (!k_email_local[static_cast<unsigned char>(c)] && static_cast<unsigned char>(c) < 0x80) return false;
    }
  }
  if (domain.front() == '[' && domain.back() == ']') {
    std::string_view lit = domain.substr(1, domain.size() - 2);
    if (lit.substr(0, 5) == "IPv6:") return ipv6(lit.substr(5));
    return ipv4(lit);
  }
  return hostname(domain, false, idn);
}

// The first of a few characters from pos on (npos when none). string_view::find_first_of calls memchr on the set for
// every character of the string, which made uri checks the bulk of validating a GitHub repository object.
template <char... Cs>
size_t first_of(std::string_view s, size_t pos = 0) {
  for (size_t i = pos; i < s.size(); ++i)
    if (((s[i] == Cs) || ...)) return i;
  return std::string_view::npos;
}

bool uri_chars(std::string_view s, bool unicode = false) {
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '%') {
      if (i + 2 >= s.size() || !hex(s[i + 1]) || !hex(s[i + 2])) return false;
      i += 2;
      continue;
    }
    if (k_uri_excluded[c] || (c >= 0x80 && !unicode)) return false;
  }
  return true;
}

// RFC 3986: optional scheme, optional //authority, then path/query/fragment; '[' and ']' only around an IP literal.
bool uri_like(std::string_view s, bool require_scheme, bool unicode = false) {
  if (!uri_chars(s, unicode)) return false;
  auto hash = s.find('#');
  if (hash != std::string_view::npos && s.find('#', hash + 1) != std::string_view::npos) return false;
  std::string_view rest = s;
  size_t colon = s.find(':');
  size_t first_delim = first_of<'/', '?', '#'>(s);
  bool has_scheme = colon != std::string_view::npos && colon > 0 &&
                    (first_delim == std::string_view::npos || colon < first_delim) && alpha(s[0]);
  if (has_scheme)
    for (size_t i = 1; i < colon; ++i)
      if (!alpha(s[i]) && !digit(s[i]) && s[i] != '+' && s[i] != '-' && s[i] != '.') has_scheme = false;
  if (has_scheme) {
    rest = s.substr(colon + 1);
  } else {
    if (require_scheme) return false;
    // A relative-path reference cannot have ':' in its first segment.
    std::string_view first = s.substr(0, first_delim);
    if (first.find(':') != std::string_view::npos) return false;
  }
  if (rest.substr(0, 2) == "//") {
    size_t end = first_of<'/', '?', '#'>(rest, 2);
    std::string_view auth = rest.substr(2, end == std::string_view::npos ? std::string_view::npos : end - 2);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
    auto at = auth.find('@');
    if (at != std::string_view::npos && auth.find('@', at + 1) != std::string_view::npos) return false;
    std::string_view userinfo = at == std::string_view::npos ? std::string_view() : auth.substr(0, at);
    if (first_of<'[', ']'>(userinfo) != std::string_view::npos) return false;
    std::string_view host = at == std::string_view::npos ? auth : auth.substr(at + 1);
    std::string_view port;
    if (!host.empty() && host.front() == '[') {
      auto close = host.find(']');
      if (close == std::string_view::npos) return false;
      std::string_view literal = host.substr(1, close - 1);
      bool future = !literal.empty() && (literal[0] == 'v' || literal[0] == 'V');
      if (!future && !ipv6(literal)) return false;
      std::string_view after = host.substr(close + 1);
      if (!after.empty()) {
        if (after[0] != ':') return false;
        port = after.substr(1);
      }
    } else {
      if (first_of<'[', ']'>(host) != std::string_view::npos) return false;
      auto pc = host.find(':');
      if (pc != std::string_view::npos) port = host.substr(pc + 1);
    }
    for (char c : port)
      if (!digit(c)) return false;
  }
  return first_of<'[', ']'>(rest) == std::string_view::npos;
}

bool uri_reference(std::string_view s) { return uri_like(s, false); }
bool uri(std::string_view s) { return uri_like(s, true); }

// RFC 3339 appendix A: P[nY[nM[nD]]|nM[nD]|nD][T(nH[nM[nS]]|nM[nS]|nS)] or PnW.
bool duration(std::string_view s) {
  if (s.size() < 3 || s[0] != 'P') return false;
  size_t i = 1;
  auto component = [&](char& unit) {
    size_t start = i;
    while (i < s.size() && digit(s[i])) ++i;
    if (i == start || i >= s.size()) return false;
    unit = s[i++];
    return true;
  };
  auto chain = [](const std::string& units, const std::string& order) {
    if (units.empty()) return true;
    auto at = order.find(units);
    return at != std::string::npos;
  };
  std::string date_units, time_units;
  while (i < s.size() && s[i] != 'T') {
    char u = 0;
    if (!component(u)) return false;
    date_units += u;
  }
  bool has_t = i < s.size();
  if (has_t) {
    ++i;
    while (i < s.size()) {
      char u = 0;
      if (!component(u)) return false;
      time_units += u;
    }
    if (time_units.empty()) return false;
  }
  if (date_units == "W") return !has_t;
  if (date_units.empty() && time_units.empty()) return false;
  return chain(date_units, "YMD") && chain(time_units, "HMS");
}

bool json_pointer(std::string_view s) {
  if (s.empty()) return true;
  if (s[0] != '/') return false;
  for (size_t i = 0; i < s.size(); ++i)
    if (s[i] == '~' && (i + 1 >= s.size() || (s[i + 1] != '0' && s[i + 1] != '1'))) return false;
  return true;
}

bool relative_json_pointer(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && digit(s[i])) ++i;
  if (i == 0 || (i > 1 && s[0] == '0')) return false;
  std::string_view rest = s.substr(i);
  if (!rest.empty() && (rest[0] == '+' || rest[0] == '-')) {  // index manipulation: +N / -N
    size_t j = 1;
    while (j < rest.size() && digit(rest[j])) ++j;
    if (j == 1 || (j > 2 && rest[1] == '0')) return false;
    rest = rest.substr(j);
  }
  return rest == "#" || json_pointer(rest);
}

// RFC 6570 syntax (levels 1-4).
bool uri_template(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '}') return false;
    if (c == '{') {
      size_t close = s.find('}', i);
      if (close == std::string_view::npos) return false;
      std::string_view expr = s.substr(i + 1, close - i - 1);
      if (expr.find('{') != std::string_view::npos || expr.empty()) return false;
      if (std::string_view("+#./;?&").find(expr[0]) != std::string_view::npos)
        expr.remove_prefix(1);
      else if (std::string_view("=,!@|").find(expr[0]) != std::string_view::npos)
        return false;
      size_t start = 0;
      while (true) {
        size_t comma = expr.find(',', start);
        std::string_view spec =
            expr.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        std::string_view name = spec;
        auto mod = spec.find_first_of(":*");
        if (mod != std::string_view::npos) {
          name = spec.substr(0, mod);
          std::string_view m = spec.substr(mod);
          if (m == "*") {
          } else if (m[0] == ':') {
            std::string_view len = m.substr(1);
            if (len.empty() || len.size() > 4 || len[0] == '0') return false;
            for (char d : len)
              if (!digit(d)) return false;
          } else {
            return false;
          }
        }
        if (name.empty() || name.front() == '.' || name.back() == '.' || name.find("..") != std::string_view::npos)
          return false;
        for (size_t k = 0; k < name.size(); ++k) {
          char n = name[k];
          if (n == '%') {
            if (k + 2 >= name.size() || !hex(name[k + 1]) || !hex(name[k + 2])) return false;
            k += 2;
          } else if (!alpha(n) && !digit(n) && n != '_' && n != '.') {
            return false;
          }
        }
        if (comma == std::string_view::npos) break;
        start = comma + 1;
      }
      i = close;
      continue;
    }
    if (k_uri_template_excluded[c]) return false;
    if (c == '%' && (i + 2 >= s.size() || !hex(s[i + 1]) || !hex(s[i + 2]))) return false;
  }
  return true;
}

bool uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < 36; ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !hex(s[i])) return false;
  }
  return true;
}

bool base64(std::string_view s) {
  if (s.size() % 4 != 0) return false;
  size_t pad = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '=') {
      ++pad;
      if (i < s.size() - 2) return false;
      continue;
    }
    if (pad) return false;
    if (!alpha(c) && !digit(c) && c != '+' && c != '/') return false;
  }
  return pad <= 2;
}

bool regex(const std::string& source) {
  if (!regex_refusal(source).empty()) return false;
  std::string s, problem;
  if (!translate_unicode_properties(source, s, problem)) return false;
  try {
    std::regex r(s, std::regex::ECMAScript);
    return true;
  } catch (const std::regex_error&) {
    return false;
  }
}

}  // namespace

namespace {

// The ASCII members of a supported property, or false for an unknown name.
bool property_ascii_set(std::string_view name, std::bitset<128>& set, bool& non_ascii) {
  for (std::string_view prefix : {"General_Category=", "gc=", "Script=", "sc=", "Script_Extensions=", "scx="})
    if (name.substr(0, prefix.size()) == prefix) {
      name.remove_prefix(prefix.size());
      break;
    }
  auto range = [&](int lo, int hi) {
    for (int c = lo; c <= hi; ++c) set[static_cast<size_t>(c)] = true;
  };
  auto chars = [&](std::string_view cs) {
    for (char c : cs) set[static_cast<size_t>(static_cast<unsigned char>(c))] = true;
  };
  non_ascii = true;
  if (name == "L" || name == "Letter" || name == "Alphabetic" || name == "Alpha" || name == "Latin" || name == "Latn") {
    range('A', 'Z');
    range('a', 'z');
  } else if (name == "Lu" || name == "Uppercase_Letter" || name == "Uppercase" || name == "Upper") {
    range('A', 'Z');
  } else if (name == "Ll" || name == "Lowercase_Letter" || name == "Lowercase" || name == "Lower") {
    range('a', 'z');
  } else if (name == "Lt" || name == "Titlecase_Letter" || name == "Lm" || name == "Modifier_Letter" || name == "Lo" ||
             name == "Other_Letter" || name == "Nl" || name == "Letter_Number" || name == "No" ||
             name == "Other_Number") {
    // No ASCII members.
  } else if (name == "N" || name == "Number" || name == "Nd" || name == "Decimal_Number" || name == "digit") {
    range('0', '9');
  } else if (name == "P" || name == "Punctuation" || name == "punct") {
    chars("!\"#%&'()*,-./:;?@[\\]_{}");
  } else if (name == "S" || name == "Symbol") {
    chars("$+<=>^`|~");
  } else if (name == "Z" || name == "Separator" || name == "Zs" || name == "Space_Separator") {
    chars(" ");
  } else if (name == "ASCII") {
    range(0, 127);
    non_ascii = false;
  } else if (name == "Any") {
    range(0, 127);
  } else {
    return false;
  }
  return true;
}

// A class body ("\x41-\x5A\x61-\x7A\x80-\xFF") for the members of `set` (and every non-ASCII byte).
std::string class_body(const std::bitset<128>& set, bool non_ascii) {
  std::string out;
  char buf[16];
  for (int c = 0; c < 128;) {
    if (!set[static_cast<size_t>(c)]) {
      ++c;
      continue;
    }
    int end = c;
    while (end + 1 < 128 && set[static_cast<size_t>(end + 1)]) ++end;
    std::snprintf(buf, sizeof buf, "\\x%02X", c);
    out += buf;
    if (end > c) {
      std::snprintf(buf, sizeof buf, "-\\x%02X", end);
      out += buf;
    }
    c = end + 1;
  }
  if (non_ascii) out += "\\x80-\\xFF";
  return out;
}

}  // namespace

bool translate_unicode_properties(std::string_view source, std::string& out, std::string& error) {
  if (source.find("\\p{") == std::string_view::npos && source.find("\\P{") == std::string_view::npos) {
    out.assign(source);
    return true;
  }
  out.clear();
  bool in_class = false, negated_class = false;
  for (size_t i = 0; i < source.size(); ++i) {
    char c = source[i];
    if (c == '\\' && i + 1 < source.size()) {
      char e = source[i + 1];
      if ((e == 'p' || e == 'P') && i + 2 < source.size() && source[i + 2] == '{') {
        size_t close = source.find('}', i + 3);
        if (close == std::string_view::npos) {
          error = "unterminated \\" + std::string(1, e) + "{ in the pattern";
          return false;
        }
        std::string_view name = source.substr(i + 3, close - i - 3);
        std::bitset<128> set;
        bool non_ascii = true;
        if (!property_ascii_set(name, set, non_ascii)) {
          error = "unsupported Unicode property escape \\" + std::string(1, e) + "{" + std::string(name) +
                  "} (supported: L, Lu, Ll, Lt, Lm, Lo, N, Nd, Nl, No, P, S, Z, Zs, Script=Latin, ASCII, Any)";
          return false;
        }
        if (in_class && negated_class) {
          error = "\\" + std::string(1, e) + "{" + std::string(name) +
                  "} inside a negated class [^...] is not supported";
          return false;
        }
        if (e == 'P') {
          set.flip();
          non_ascii = true;  // lenient: a non-ASCII character is taken to be in the negation too
        }
        std::string body = class_body(set, non_ascii);
        if (in_class)
          out += body;
        else if (body.empty())
          out += "[^\\x00-\\xFF]";  // matches nothing
        else
          out += "[" + body + "]";
        i = close;
        continue;
      }
      out += c;
      out += e;
      ++i;
      continue;
    }
    if (!in_class && c == '[') {
      in_class = true;
      negated_class = i + 1 < source.size() && source[i + 1] == '^';
    } else if (in_class && c == ']') {
      in_class = false;
    }
    out += c;
  }
  return true;
}

size_t regex_nesting(std::string_view source) {
  size_t depth = 0, deepest = 0;
  for (size_t i = 0; i < source.size(); ++i) {
    char c = source[i];
    if (c == '\\') {
      ++i;
    } else if (c == '(') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ')' && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

unsigned long long regex_expanded_size(std::string_view source) {
  static constexpr unsigned long long cap = k_max_regex_states + 1;
  auto sat_mul = [](unsigned long long a, unsigned long long b) {
    return (b != 0 && a > cap / b) ? cap : std::min(cap, a * b);
  };
  auto sat_add = [](unsigned long long a, unsigned long long b) { return std::min(cap, a + b); };
  struct Frame {
    unsigned long long total = 0;  // expanded size of the group so far
    unsigned long long last = 0;   // size of the last atom, which a quantifier repeats
  };
  std::vector<Frame> stack(1);
  auto atom = [&](unsigned long long size) {
    stack.back().last = size;
    stack.back().total = sat_add(stack.back().total, size);
  };
  auto repeat = [&](unsigned long long times) {  // the last atom now appears `times` times
    Frame& f = stack.back();
    if (times == 0) times = 1;
    f.total = sat_add(f.total, sat_mul(f.last, times - 1));
    f.last = sat_mul(f.last, times);
  };
  for (size_t i = 0; i < source.size(); ++i) {
    char c = source[i];
    if (c == '\\') {
      ++i;
      atom(1);
    } else if (c == '[') {
      for (++i; i < source.size() && source[i] != ']'; ++i)
        if (source[i] == '\\') ++i;
      atom(1);
    } else if (c == '(') {
      stack.emplace_back();
    } else if (c == ')') {
      if (stack.size() == 1) {
        atom(1);
        continue;
      }
      unsigned long long size = std::max<unsigned long long>(1, stack.back().total);
      stack.pop_back();
      atom(size);
    } else if (c == '|') {
      stack.back().last = 0;
    } else if (c == '*' || c == '?') {
      if (c == '?' && i > 0 && (source[i - 1] == '*' || source[i - 1] == '+' || source[i - 1] == '?' ||
                                source[i - 1] == '}'))
        continue;  // lazy marker
      repeat(1);
    } else if (c == '+') {
      repeat(2);
    } else if (c == '{') {
      // {n}, {n,} or {n,m}; anything else is a literal brace
      size_t j = i + 1;
      unsigned long long lo = 0, hi = 0;
      bool any = false, comma = false, any_hi = false;
      for (; j < source.size() && source[j] >= '0' && source[j] <= '9'; ++j, any = true)
        lo = sat_add(sat_mul(lo, 10), static_cast<unsigned long long>(source[j] - '0'));
      if (j < source.size() && source[j] == ',') {
        comma = true;
        for (++j; j < source.size() && source[j] >= '0' && source[j] <= '9'; ++j, any_hi = true)
          hi = sat_add(sat_mul(hi, 10), static_cast<unsigned long long>(source[j] - '0'));
      }
      if (!any || j >= source.size() || source[j] != '}') {
        atom(1);
        continue;
      }
      unsigned long long times = comma ? (any_hi ? std::max(lo, hi) : lo + 1) : lo;
      repeat(std::min(cap, times));
      i = j;
    } else {
      atom(1);
    }
  }
  while (stack.size() > 1) {  // unclosed groups: std::regex refuses them; count what was seen
    unsigned long long size = stack.back().total;
    stack.pop_back();
    atom(size);
  }
  return stack.back().total;
}

// True when a back-reference number (\123) or a number inside braces ({12,34}) has more than 9 digits. libstdc++
// reads those into a long without a check (signed overflow, found by fuzz_schema), wherever they stand: after an
// alternation, at the start of a group, or as a back-reference to a group that does not exist.
bool regex_number_too_long(std::string_view source) {
  static constexpr size_t k_max_digits = 9;
  auto digits_from = [&](size_t i) {
    size_t j = i;
    while (j < source.size() && source[j] >= '0' && source[j] <= '9') ++j;
    return j - i;
  };
  bool in_braces = false;
  for (size_t i = 0; i < source.size(); ++i) {
    char c = source[i];
    if (c == '\\') {
      if (digits_from(i + 1) > k_max_digits) return true;
      ++i;
    } else if (c == '{') {
      in_braces = true;
      if (digits_from(i + 1) > k_max_digits) return true;
    } else if (c == ',' && in_braces) {
      if (digits_from(i + 1) > k_max_digits) return true;
    } else if (c == '}') {
      in_braces = false;
    }
  }
  return false;
}

std::string regex_refusal(std::string_view source) {
  if (regex_nesting(source) > k_max_regex_nesting)
    return "groups nested more than " + std::to_string(k_max_regex_nesting) + " deep";
  if (regex_expanded_size(source) > k_max_regex_states)
    return "repetition counts expand past " + std::to_string(k_max_regex_states) + " atoms";
  if (regex_number_too_long(source)) return "a repetition count or back-reference number has more than 9 digits";
  return {};
}

Id lookup(std::string_view name) {
  if (name == "date-time") return Id::DateTime;
  if (name == "date") return Id::Date;
  if (name == "time") return Id::Time;
  if (name == "email") return Id::Email;
  if (name == "hostname") return Id::Hostname;
  if (name == "ipv4") return Id::Ipv4;
  if (name == "ipv6") return Id::Ipv6;
  if (name == "uri") return Id::Uri;
  if (name == "uri-reference") return Id::UriReference;
  if (name == "uuid") return Id::Uuid;
  if (name == "byte") return Id::Byte;
  if (name == "int32") return Id::Int32;
  if (name == "int64") return Id::Int64;
  if (name == "regex") return Id::Regex;
  if (name == "duration") return Id::Duration;
  if (name == "json-pointer") return Id::JsonPointer;
  if (name == "relative-json-pointer") return Id::RelativeJsonPointer;
  if (name == "uri-template") return Id::UriTemplate;
  if (name == "iri") return Id::Iri;
  if (name == "iri-reference") return Id::IriReference;
  if (name == "idn-email") return Id::IdnEmail;
  return Id::Unknown;
}

bool check(Id id, doc::Value v, bool idna) {
  if (id == Id::Int32 || id == Id::Int64) {
    if (!v.is_number()) return true;
    if (!value::is_integer(v)) return false;
    if (v.is_int()) return id == Id::Int64 || (v.as_int() >= INT32_MIN && v.as_int() <= INT32_MAX);
    double d = v.as_double();
    return id == Id::Int32 ? d >= INT32_MIN && d <= INT32_MAX
                           : d >= -9223372036854775808.0 && d < 9223372036854775808.0;
  }
  return !v.is_string() || check_string(id, v.as_string(), idna);
}

bool check_string(Id id, std::string_view s, bool idna) {
  switch (id) {
    case Id::DateTime:
      return date_time(s);
    case Id::Date:
      return date(s);
    case Id::Time:
      return time(s);
    case Id::Email:
      return email(s);
    case Id::Hostname:
      return hostname(s, idna);
    case Id::Ipv4:
      return ipv4(s);
    case Id::Ipv6:
      return ipv6(s);
    case Id::Uri:
      return uri(s);
    case Id::UriReference:
      return uri_reference(s);
    case Id::Uuid:
      return uuid(s);
    case Id::Byte:
      return base64(s);
    case Id::Regex:
      return regex(std::string(s));
    case Id::Duration:
      return duration(s);
    case Id::JsonPointer:
      return json_pointer(s);
    case Id::RelativeJsonPointer:
      return relative_json_pointer(s);
    case Id::UriTemplate:
      return uri_template(s);
    case Id::Iri:
      return uri_like(s, true, true);
    case Id::IriReference:
      return uri_like(s, false, true);
    case Id::IdnEmail:
      return email(s, true);
    default:
      return true;
  }
}

}  // namespace apigw::schema::format
