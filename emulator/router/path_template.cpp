#include "emulator/router/path_template.hpp"

#include <set>

namespace apigw::router {

namespace {
bool valid_param_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')) return false;
  return true;
}
bool valid_literal_char(char c) {
  auto u = static_cast<unsigned char>(c);
  // RFC 3986 pchar without '%' escapes checked separately; no '?', '#', spaces or controls.
  if (u < 0x21 || u == 0x7f) return false;
  return c != '?' && c != '#' && c != '{' && c != '}';
}
}  // namespace

std::vector<std::string> PathTemplate::param_names() const {
  std::vector<std::string> out;
  for (const auto& s : segments)
    if (s.kind != Segment::Kind::Literal) out.push_back(s.param);
  return out;
}

std::string PathTemplate::shape() const {
  std::string out;
  for (const auto& s : segments) {
    out += '/';
    switch (s.kind) {
      case Segment::Kind::Literal: out += s.literal; break;
      case Segment::Kind::Param: out += "{}"; break;
      case Segment::Kind::Mixed: out += s.prefix + "{}" + s.suffix; break;
      case Segment::Kind::Greedy: out += "{+}"; break;
    }
  }
  if (trailing_slash || segments.empty()) out += '/';
  return out;
}

std::optional<PathTemplate> parse_template(std::string_view text, std::string* error) {
  auto fail = [&](std::string msg) -> std::optional<PathTemplate> {
    if (error) *error = std::move(msg);
    return std::nullopt;
  };
  if (text.empty() || text[0] != '/') return fail("must start with '/'");
  PathTemplate t;
  t.text = std::string(text);
  std::set<std::string> seen;
  std::string_view rest = text.substr(1);
  if (rest.empty()) return t;  // "/"
  while (true) {
    size_t slash = rest.find('/');
    std::string_view seg = rest.substr(0, slash);
    bool last = slash == std::string_view::npos;
    if (seg.empty()) {
      if (last) {
        t.trailing_slash = true;
        break;
      }
      return fail("empty path segment ('//')");
    }
    Segment s;
    size_t open = seg.find('{');
    if (open == std::string_view::npos) {
      if (seg.find('}') != std::string_view::npos) return fail("unbalanced '}' in segment '" + std::string(seg) + "'");
      for (char c : seg)
        if (!valid_literal_char(c))
          return fail("invalid character '" + std::string(1, c) + "' in segment '" + std::string(seg) + "'");
      s.kind = Segment::Kind::Literal;
      s.literal = std::string(seg);
    } else {
      size_t close = seg.find('}', open);
      if (close == std::string_view::npos) return fail("unclosed '{' in segment '" + std::string(seg) + "'");
      if (seg.find('{', open + 1) != std::string_view::npos)
        return fail("more than one parameter in segment '" + std::string(seg) + "'");
      std::string_view name = seg.substr(open + 1, close - open - 1);
      std::string_view prefix = seg.substr(0, open);
      std::string_view suffix = seg.substr(close + 1);
      if (suffix.find('}') != std::string_view::npos) return fail("unbalanced '}' in segment '" + std::string(seg) + "'");
      for (char c : std::string(prefix) + std::string(suffix))
        if (!valid_literal_char(c))
          return fail("invalid character '" + std::string(1, c) + "' in segment '" + std::string(seg) + "'");
      bool greedy = !name.empty() && name.back() == '+';
      if (greedy) name.remove_suffix(1);
      if (!valid_param_name(name))
        return fail("invalid parameter name '" + std::string(name) + "' (letters, digits, '_', '-', '.')");
      if (!seen.insert(std::string(name)).second) return fail("parameter '" + std::string(name) + "' appears twice");
      s.param = std::string(name);
      if (greedy) {
        if (!prefix.empty() || !suffix.empty()) return fail("a greedy parameter {" + s.param + "+} must be a whole segment");
        if (!last) return fail("a greedy parameter {" + s.param + "+} must be the last segment");
        s.kind = Segment::Kind::Greedy;
      } else if (prefix.empty() && suffix.empty()) {
        s.kind = Segment::Kind::Param;
      } else {
        s.kind = Segment::Kind::Mixed;
        s.prefix = std::string(prefix);
        s.suffix = std::string(suffix);
      }
    }
    t.segments.push_back(std::move(s));
    if (last) break;
    rest = rest.substr(slash + 1);
  }
  return t;
}

}  // namespace apigw::router
