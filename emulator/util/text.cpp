#include "emulator/util/text.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>

namespace apigw::util {

size_t edit_distance(std::string_view a, std::string_view b) {
  // Optimal string alignment distance (Levenshtein plus adjacent transpositions), case-insensitive.
  auto lower = [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); };
  std::vector<size_t> prev2(b.size() + 1), prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) && lower(a[i - 2]) == lower(b[j - 1]))
        cur[j] = std::min(cur[j], prev2[j - 2] + 1);
    }
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string nearest(std::string_view word, const std::vector<std::string_view>& candidates) {
  std::string_view best;
  size_t best_d = SIZE_MAX;
  for (auto c : candidates) {
    size_t d = edit_distance(word, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  // Allow roughly one edit per three characters, at least one.
  size_t allowed = std::max<size_t>(1, std::max(word.size(), best.size()) / 3);
  if (best_d == 0 || best_d > allowed) return {};
  return std::string(best);
}

namespace {
bool split_number(std::string_view text, double& value, std::string_view& unit) {
  size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  if (i == 0) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + i, value);
  if (ec != std::errc() || ptr != text.data() + i || !std::isfinite(value)) return false;
  unit = text.substr(i);
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  return true;
}
}  // namespace

std::optional<std::chrono::microseconds> parse_duration(std::string_view text, std::string* error) {
  double v = 0;
  std::string_view unit;
  if (!split_number(text, v, unit) || unit.empty()) {
    if (error) *error = "expected a duration such as 250ms, 5s, 1m or 1h";
    return std::nullopt;
  }
  double us_per = 0;
  if (unit == "us" || unit == "µs") us_per = 1;
  else if (unit == "ms") us_per = 1e3;
  else if (unit == "s") us_per = 1e6;
  else if (unit == "m" || unit == "min") us_per = 60e6;
  else if (unit == "h") us_per = 3600e6;
  else if (unit == "d") us_per = 86400e6;
  else {
    if (error) *error = "unknown duration unit '" + std::string(unit) + "' (use us, ms, s, m, h or d)";
    return std::nullopt;
  }
  double us = v * us_per;
  if (us > 1e15) {
    if (error) *error = "duration too large";
    return std::nullopt;
  }
  return std::chrono::microseconds(static_cast<int64_t>(std::llround(us)));
}

std::string format_duration(std::chrono::microseconds d) {
  int64_t us = d.count();
  if (us % 3600'000'000 == 0 && us != 0) return std::to_string(us / 3600'000'000) + "h";
  if (us % 60'000'000 == 0 && us != 0) return std::to_string(us / 60'000'000) + "m";
  if (us % 1'000'000 == 0) return std::to_string(us / 1'000'000) + "s";
  if (us % 1'000 == 0) return std::to_string(us / 1'000) + "ms";
  return std::to_string(us) + "us";
}

std::optional<uint64_t> parse_size(std::string_view text, std::string* error) {
  double v = 0;
  std::string_view unit;
  if (!split_number(text, v, unit)) {
    if (error) *error = "expected a size such as 512KB, 10MB or 1GiB";
    return std::nullopt;
  }
  double mult = 0;
  if (unit.empty() || unit == "B") mult = 1;
  else if (unit == "KB" || unit == "kB") mult = 1e3;
  else if (unit == "MB") mult = 1e6;
  else if (unit == "GB") mult = 1e9;
  else if (unit == "TB") mult = 1e12;
  else if (unit == "KiB") mult = 1024.0;
  else if (unit == "MiB") mult = 1024.0 * 1024;
  else if (unit == "GiB") mult = 1024.0 * 1024 * 1024;
  else if (unit == "TiB") mult = 1024.0 * 1024 * 1024 * 1024;
  else {
    if (error) *error = "unknown size unit '" + std::string(unit) + "' (use B, KB, MB, GB, KiB, MiB or GiB)";
    return std::nullopt;
  }
  double bytes = v * mult;
  if (bytes > 9e18) {
    if (error) *error = "size too large";
    return std::nullopt;
  }
  if (bytes != std::floor(bytes)) {
    if (error) *error = "size is not a whole number of bytes";
    return std::nullopt;
  }
  return static_cast<uint64_t>(bytes);
}

std::string expand_env(std::string_view text,
                       const std::function<std::optional<std::string>(const std::string&)>& lookup,
                       std::vector<std::string>* missing, std::string* error) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '$' && text.substr(i, 3) == "$${") {
      out += "${";
      i += 3;
      continue;
    }
    if (text[i] != '$' || text.substr(i, 2) != "${") {
      out += text[i++];
      continue;
    }
    size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      if (error) *error = "unterminated ${...} (write $${ for a literal ${)";
      out.append(text.substr(i));
      return out;
    }
    std::string_view inner = text.substr(i + 2, close - i - 2);
    std::string_view name = inner;
    std::optional<std::string_view> fallback;
    if (auto sep = inner.find(":-"); sep != std::string_view::npos) {
      name = inner.substr(0, sep);
      fallback = inner.substr(sep + 2);
    }
    // A dotted name ("stageVariables.host") goes to `lookup` as written: the config loader resolves stage variables.
    bool valid = !name.empty() && !std::isdigit(static_cast<unsigned char>(name[0])) && name[0] != '.' &&
                 name.back() != '.';
    for (char c : name) valid = valid && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.');
    if (!valid) {
      if (error) *error = "invalid variable name '" + std::string(name) + "' in ${...}";
      out.append(text.substr(i, close + 1 - i));
      i = close + 1;
      continue;
    }
    auto value = lookup(std::string(name));
    if (value && !(value->empty() && fallback)) out += *value;
    else if (fallback) out.append(*fallback);
    else if (missing) missing->emplace_back(name);
    i = close + 1;
  }
  return out;
}

std::optional<std::string> getenv_lookup(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  if (!v) return std::nullopt;
  return std::string(v);
}

std::string to_upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

size_t utf8_sequence_length(const unsigned char* s, size_t available) {
  if (available == 0) return 0;
  unsigned char c = s[0];
  if (c < 0x80) return 1;
  size_t len = 0;
  uint32_t cp = 0;
  if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; }
  else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; }
  else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; }
  else return 0;
  if (available < len) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((s[k] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (s[k] & 0x3F);
  }
  if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
    return 0;
  return len;
}

std::optional<std::string> base64_decode(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '+' || c == '-') v = 62;
    else if (c == '/' || c == '_') v = 63;
    else return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  if (bits >= 6) return std::nullopt;  // a single leftover character cannot encode a byte
  return out;
}

std::string base64_encode(std::string_view bytes) {
  static const char* k_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t v = static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    if (i + 2 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 2]);
    out += k_alphabet[(v >> 18) & 63];
    out += k_alphabet[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? k_alphabet[(v >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? k_alphabet[v & 63] : '=';
  }
  return out;
}

size_t invalid_utf8_at(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  for (size_t i = 0; i < s.size();) {
    size_t len = utf8_sequence_length(p + i, s.size() - i);
    if (len == 0) return i;
    i += len;
  }
  return std::string_view::npos;
}

std::string percent_encode_segment(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == ':' || c == '@' || c == '!' ||
        c == '$' || c == '&' || c == '\'' || c == '(' || c == ')' || c == '*' || c == '+' || c == ',' || c == ';' ||
        c == '=') {
      out += ch;
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

void append_json_escaped(std::string& out, std::string_view s) {
  static const char* hex = "0123456789abcdef";
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  for (size_t i = 0; i < s.size();) {
    unsigned char c = p[i];
    if (c >= 0x80) {
      // Bytes from the network may not be UTF-8; the log line must stay valid JSON, so bad bytes become U+FFFD.
      size_t len = utf8_sequence_length(p + i, s.size() - i);
      if (len == 0) {
        out += "\\ufffd";
        ++i;
      } else {
        out.append(s.substr(i, len));
        i += len;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
}

std::string xml_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' && c != '\r') out += ' ';
        else out += c;
    }
  }
  return out;
}

}  // namespace apigw::util
