// YAML documents through yaml-cpp, converted into doc::Node with positions.
// Plain scalars are resolved with the YAML 1.2 core schema (so `no` and `on` stay strings).
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <string_view>
#include <cmath>

#include <yaml-cpp/yaml.h>

#include "emulator/doc/node.hpp"
#include "emulator/util/text.hpp"

namespace apigw::doc {
namespace {

struct Failure {
  Mark mark;
  std::string message;
};

bool is_null_word(const std::string& s) { return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL"; }

bool parse_int(const std::string& s, int64_t& out) {
  if (s.empty()) return false;
  const char* b = s.data();
  const char* e = b + s.size();
  int base = 10;
  bool neg = false;
  if (*b == '+' || *b == '-') {
    neg = *b == '-';
    ++b;
  }
  if (e - b > 2 && b[0] == '0' && (b[1] == 'x' || b[1] == 'o')) {
    if (neg || s[0] == '+') return false;  // core schema: no sign on hex/octal
    base = b[1] == 'x' ? 16 : 8;
    b += 2;
  }
  if (b == e) return false;
  for (const char* p = b; p < e; ++p) {
    char c = *p;
    bool ok = base == 16 ? std::isxdigit(static_cast<unsigned char>(c)) != 0 : (c >= '0' && c < '0' + base);
    if (!ok) return false;
  }
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(b, e, v, base);
  if (ec != std::errc() || ptr != e) return false;
  if (neg) {
    if (v > static_cast<uint64_t>(INT64_MAX) + 1) return false;
    out = static_cast<int64_t>(0 - v);
  } else {
    if (v > static_cast<uint64_t>(INT64_MAX)) return false;
    out = static_cast<int64_t>(v);
  }
  return true;
}

bool parse_float(const std::string& s, double& out) {
  if (s == ".inf" || s == ".Inf" || s == ".INF" || s == "+.inf" || s == "+.Inf" || s == "+.INF") {
    out = HUGE_VAL;
    return true;
  }
  if (s == "-.inf" || s == "-.Inf" || s == "-.INF") {
    out = -HUGE_VAL;
    return true;
  }
  if (s == ".nan" || s == ".NaN" || s == ".NAN") {
    out = std::nan("");
    return true;
  }
  // [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
  size_t i = 0, n = s.size();
  if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
  size_t digits = 0;
  while (i < n && std::isdigit(static_cast<unsigned char>(s[i]))) { ++i; ++digits; }
  if (i < n && s[i] == '.') {
    ++i;
    while (i < n && std::isdigit(static_cast<unsigned char>(s[i]))) { ++i; ++digits; }
  }
  if (digits == 0) return false;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    size_t exp = 0;
    while (i < n && std::isdigit(static_cast<unsigned char>(s[i]))) { ++i; ++exp; }
    if (exp == 0) return false;
  }
  if (i != n) return false;
  const char* b = s.data();
  if (*b == '+') ++b;
  auto [ptr, ec] = std::from_chars(b, s.data() + n, out);
  return ec == std::errc() || ec == std::errc::result_out_of_range;
}

}  // namespace

Kind plain_scalar_kind(const std::string& s) {
  if (is_null_word(s)) return Kind::Null;
  if (s == "true" || s == "True" || s == "TRUE" || s == "false" || s == "False" || s == "FALSE") return Kind::Bool;
  int64_t i = 0;
  if (parse_int(s, i)) return Kind::Int;
  double d = 0;
  if (parse_float(s, d)) return Kind::Float;
  return Kind::String;
}

namespace {

class Converter {
 public:
  Converter(Document& doc, const ParseLimits& limits) : doc_(doc), limits_(limits) {}

  Node convert(const YAML::Node& y, Mark fallback, size_t depth) {
    if (++count_ > limits_.max_nodes)
      throw Failure{fallback, "document expands to more than " + std::to_string(limits_.max_nodes) +
                                  " nodes (an alias bomb?)"};
    if (depth > limits_.max_depth)
      throw Failure{fallback, "nesting deeper than " + std::to_string(limits_.max_depth) + " levels"};
    Mark m = mark_of(y, fallback);
    switch (y.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        return Node::null(m);
      case YAML::NodeType::Scalar:
        return scalar(y, m);
      case YAML::NodeType::Sequence: {
        Node arr = Node::array(m);
        arr.items().reserve(y.size());
        for (const auto& item : y) arr.items().push_back(convert(item, m, depth + 1));
        return arr;
      }
      case YAML::NodeType::Map: {
        Node obj = Node::object(m);
        obj.members().reserve(y.size());
        for (const auto& kv : y) {
          // Copies: yaml-cpp's iterator proxies are temporaries.
          const YAML::Node k = kv.first;
          const YAML::Node v = kv.second;
          Mark km = mark_of(k, m);
          if (!k.IsScalar()) throw Failure{km, "mapping keys must be scalars"};
          const std::string& key = k.Scalar();
          if (const Member* prev = obj.find_member(key)) {
            doc_.issues.push_back({km,
                                   "duplicate key '" + key + "' (first defined at line " +
                                       std::to_string(prev->key_mark.line) + ")",
                                   false});
            continue;
          }
          obj.members().push_back({key, km, convert(v, km, depth + 1)});
        }
        return obj;
      }
    }
    return Node::null(m);
  }

 private:
  Document& doc_;
  const ParseLimits& limits_;
  size_t count_ = 0;

  static Mark mark_of(const YAML::Node& y, Mark fallback) {
    YAML::Mark ym = y.Mark();
    if (ym.line < 0 || ym.column < 0) return fallback;
    return {static_cast<uint32_t>(ym.line + 1), static_cast<uint32_t>(ym.column + 1)};
  }

  static Node scalar(const YAML::Node& y, Mark m) {
    const std::string& s = y.Scalar();
    const std::string& tag = y.Tag();
    if (tag == "!" || tag == "tag:yaml.org,2002:str") return Node::string(s, m);
    if (tag != "?") {
      // Explicit tags other than !!str: honour the core ones, keep the rest as strings.
      if (tag == "tag:yaml.org,2002:null") return Node::null(m);
    }
    if (is_null_word(s)) return Node::null(m);
    if (s == "true" || s == "True" || s == "TRUE") return Node::boolean(true, m);
    if (s == "false" || s == "False" || s == "FALSE") return Node::boolean(false, m);
    int64_t i = 0;
    if (parse_int(s, i)) return Node::integer(i, m);
    double d = 0;
    if (parse_float(s, d)) return Node::number(d, m);
    return Node::string(s, m);
  }
};

}  // namespace

// Returns the offset of the first byte that is not valid UTF-8, or npos.
size_t invalid_utf8_at(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  for (size_t i = 0; i < s.size();) {
    size_t len = util::utf8_sequence_length(p + i, s.size() - i);
    if (len == 0) return i;
    i += len;
  }
  return std::string_view::npos;
}

Document parse_yaml(const std::string& text, std::string path, const ParseLimits& limits) {
  Document doc;
  doc.path = std::move(path);
  if (size_t bad = invalid_utf8_at(text); bad != std::string_view::npos) {
    size_t line_start = text.rfind('\n', bad == 0 ? 0 : bad - 1);
    line_start = (line_start == std::string::npos || bad == 0) ? 0 : line_start + 1;
    auto line = static_cast<uint32_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(bad), '\n') + 1);
    char byte[8];
    std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned char>(text[bad]));
    doc.issues.push_back({{line, static_cast<uint32_t>(bad - line_start + 1)},
                          std::string("invalid UTF-8 (byte ") + byte + "); YAML files must be UTF-8", true});
    return doc;
  }
  // YAML excludes NUL; yaml-cpp would take NULs near the start as UTF-16/32 and decode the text as that.
  if (size_t nul = text.find('\0'); nul != std::string::npos) {
    auto line = static_cast<uint32_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(nul), '\n') + 1);
    size_t line_start = nul == 0 ? std::string::npos : text.rfind('\n', nul - 1);
    auto col = static_cast<uint32_t>(line_start == std::string::npos ? nul + 1 : nul - line_start);
    doc.issues.push_back({{line, col}, "a NUL byte; YAML files must be UTF-8 text", true});
    return doc;
  }
  try {
    YAML::Node y = YAML::Load(text);
    Converter conv(doc, limits);
    doc.root = conv.convert(y, Mark{1, 1}, 0);
  } catch (const YAML::Exception& e) {
    doc.root = Node();
    Mark m;
    if (e.mark.line >= 0) m = {static_cast<uint32_t>(e.mark.line + 1), static_cast<uint32_t>(e.mark.column + 1)};
    std::string msg = e.msg;
    // Debian's yaml-cpp stops deep nesting with this message.
    if (msg == "bad file") msg = "nesting too deep";
    doc.issues.push_back({m, "invalid YAML: " + msg, true});
  } catch (const Failure& f) {
    doc.root = Node();
    doc.issues.push_back({f.mark, "invalid YAML: " + f.message, true});
  }
  return doc;
}

}  // namespace apigw::doc
