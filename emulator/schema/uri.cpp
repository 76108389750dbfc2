#include "emulator/schema/uri.hpp"

#include <vector>

namespace apigw::schema::uri {

namespace {

struct Parts {
  std::string scheme;  // without ':'
  bool has_authority = false;
  std::string authority;
  std::string path;
  bool has_query = false;
  std::string query;
  bool has_fragment = false;
  std::string fragment;
};

Parts parse(std::string_view s) {
  Parts p;
  if (has_scheme(s)) {
    size_t colon = s.find(':');
    p.scheme = std::string(s.substr(0, colon));
    s.remove_prefix(colon + 1);
  }
  if (auto hash = s.find('#'); hash != std::string_view::npos) {
    p.has_fragment = true;
    p.fragment = std::string(s.substr(hash + 1));
    s = s.substr(0, hash);
  }
  if (auto q = s.find('?'); q != std::string_view::npos) {
    p.has_query = true;
    p.query = std::string(s.substr(q + 1));
    s = s.substr(0, q);
  }
  if (s.substr(0, 2) == "//") {
    p.has_authority = true;
    s.remove_prefix(2);
    size_t slash = s.find('/');
    p.authority = std::string(s.substr(0, slash));
    s = slash == std::string_view::npos ? std::string_view() : s.substr(slash);
  }
  p.path = std::string(s);
  return p;
}

std::string remove_dots(const std::string& path) {
  if (path.find('.') == std::string::npos) return path;
  std::vector<std::string> out;
  bool absolute = !path.empty() && path[0] == '/';
  size_t i = absolute ? 1 : 0;
  bool trailing = false;
  while (i <= path.size()) {
    size_t slash = path.find('/', i);
    std::string seg = path.substr(i, slash == std::string::npos ? std::string::npos : slash - i);
    trailing = false;
    if (seg == ".") {
      trailing = true;
    } else if (seg == "..") {
      if (!out.empty()) out.pop_back();
      trailing = true;
    } else {
      out.push_back(seg);
    }
    if (slash == std::string::npos) break;
    i = slash + 1;
  }
  std::string r = absolute ? "/" : "";
  for (size_t k = 0; k < out.size(); ++k) {
    if (k) r += '/';
    r += out[k];
  }
  if (trailing && (r.empty() || r.back() != '/')) r += '/';
  return r;
}

std::string compose(const Parts& p) {
  std::string r;
  if (!p.scheme.empty()) r += p.scheme + ":";
  if (p.has_authority) r += "//" + p.authority;
  r += p.path;
  if (p.has_query) r += "?" + p.query;
  if (p.has_fragment) r += "#" + p.fragment;
  return r;
}

}  // namespace

bool has_scheme(std::string_view s) {
  if (s.empty() || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z'))) return false;
  for (size_t i = 1; i < s.size(); ++i) {
    char c = s[i];
    if (c == ':') return true;
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return false;
}

std::string resolve(std::string_view base, std::string_view ref) {
  Parts r = parse(ref);
  if (!r.scheme.empty()) {
    r.path = remove_dots(r.path);
    return compose(r);
  }
  Parts b = parse(base);
  Parts t;
  t.scheme = b.scheme;
  if (r.has_authority) {
    t.has_authority = true;
    t.authority = r.authority;
    t.path = remove_dots(r.path);
    t.has_query = r.has_query;
    t.query = r.query;
  } else {
    t.has_authority = b.has_authority;
    t.authority = b.authority;
    if (r.path.empty()) {
      t.path = b.path;
      t.has_query = r.has_query || b.has_query;
      t.query = r.has_query ? r.query : b.query;
    } else {
      if (r.path[0] == '/') {
        t.path = remove_dots(r.path);
      } else {
        std::string merged;
        if (b.has_authority && b.path.empty()) {
          merged = "/" + r.path;
        } else {
          size_t slash = b.path.rfind('/');
          merged = (slash == std::string::npos ? std::string() : b.path.substr(0, slash + 1)) + r.path;
        }
        t.path = remove_dots(merged);
      }
      t.has_query = r.has_query;
      t.query = r.query;
    }
  }
  t.has_fragment = r.has_fragment;
  t.fragment = r.fragment;
  return compose(t);
}

void split_fragment(std::string_view u, std::string& without, std::string& fragment) {
  auto hash = u.find('#');
  without = std::string(u.substr(0, hash));
  fragment = hash == std::string_view::npos ? std::string() : std::string(u.substr(hash + 1));
}

}  // namespace apigw::schema::uri
