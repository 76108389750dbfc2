#include "emulator/router/router.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace apigw::router {

struct Router::TrieNode {
  std::map<std::string, std::unique_ptr<TrieNode>, std::less<>> literals;
  std::vector<std::pair<Segment, std::unique_ptr<TrieNode>>> mixed;  // longest prefix+suffix first
  std::unique_ptr<TrieNode> param;
  std::unique_ptr<TrieNode> greedy;
  struct Entry {
    int route;
    std::vector<std::string> param_names;  // each route names its parameters its own way
  };
  std::map<std::string, Entry, std::less<>> methods;  // method (or "ANY") -> route
};

Router::Router() : root_(std::make_unique<TrieNode>()) {}
Router::~Router() = default;
Router::Router(Router&&) noexcept = default;
Router& Router::operator=(Router&&) noexcept = default;

bool has_dot_segment(std::string_view path) {
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    std::string_view segment = path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (segment.size() <= 6 && segment.find_first_not_of(".%2eE") == std::string_view::npos) {
      std::string decoded = percent_decode(segment);
      if (decoded == "." || decoded == "..") return true;
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return false;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  auto hexval = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

namespace {
std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  if (!path.empty() && path[0] == '/') path.remove_prefix(1);
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    out.push_back(path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}
}  // namespace

int Router::add(const PathTemplate& tmpl, const std::string& method, int route) {
  TrieNode* node = root_.get();
  std::vector<Segment> segs = tmpl.segments;
  if (tmpl.trailing_slash || segs.empty()) segs.push_back(Segment{Segment::Kind::Literal, "", "", "", ""});
  for (const auto& s : segs) {
    std::unique_ptr<TrieNode>* next = nullptr;
    switch (s.kind) {
      case Segment::Kind::Literal: next = &node->literals[s.literal]; break;
      case Segment::Kind::Param: next = &node->param; break;
      case Segment::Kind::Greedy: next = &node->greedy; break;
      case Segment::Kind::Mixed: {
        auto it = std::find_if(node->mixed.begin(), node->mixed.end(),
                               [&](const auto& p) { return p.first.prefix == s.prefix && p.first.suffix == s.suffix; });
        if (it == node->mixed.end()) {
          node->mixed.emplace_back(s, nullptr);
          std::stable_sort(node->mixed.begin(), node->mixed.end(), [](const auto& a, const auto& b) {
            return a.first.prefix.size() + a.first.suffix.size() > b.first.prefix.size() + b.first.suffix.size();
          });
          it = std::find_if(node->mixed.begin(), node->mixed.end(),
                            [&](const auto& p) { return p.first.prefix == s.prefix && p.first.suffix == s.suffix; });
        }
        next = &it->second;
        break;
      }
    }
    if (!*next) *next = std::make_unique<TrieNode>();
    node = next->get();
  }
  auto [it, inserted] = node->methods.emplace(method, TrieNode::Entry{route, tmpl.param_names()});
  return inserted ? -1 : it->second.route;
}

RouteMatch Router::match(std::string_view method, std::string_view path) const {
  const auto segs = split_path(path);
  std::vector<std::string> values;
  const TrieNode* found = nullptr;

  // Depth-first in priority order; the first node that ends the path and has any route wins.
  auto dfs = [&](auto& self, const TrieNode* node, size_t i) -> bool {
    if (i == segs.size()) {
      if (!node->methods.empty()) {
        found = node;
        return true;
      }
      return false;
    }
    std::string decoded = percent_decode(segs[i]);
    if (auto it = node->literals.find(decoded); it != node->literals.end())
      if (self(self, it->second.get(), i + 1)) return true;
    for (const auto& [seg, child] : node->mixed) {
      const auto& pre = seg.prefix;
      const auto& suf = seg.suffix;
      if (decoded.size() > pre.size() + suf.size() && decoded.compare(0, pre.size(), pre) == 0 &&
          decoded.compare(decoded.size() - suf.size(), suf.size(), suf) == 0) {
        values.push_back(decoded.substr(pre.size(), decoded.size() - pre.size() - suf.size()));
        if (self(self, child.get(), i + 1)) return true;
        values.pop_back();
      }
    }
    if (node->param && !decoded.empty()) {
      values.push_back(decoded);
      if (self(self, node->param.get(), i + 1)) return true;
      values.pop_back();
    }
    if (node->greedy && !decoded.empty() && node->greedy->methods.size()) {
      std::string rest;
      for (size_t j = i; j < segs.size(); ++j) {
        if (j > i) rest += '/';
        rest += percent_decode(segs[j]);
      }
      values.push_back(std::move(rest));
      found = node->greedy.get();
      return true;
    }
    return false;
  };

  RouteMatch result;
  if (!dfs(dfs, root_.get(), 0)) return result;

  auto pick = [&](std::string_view m) -> const TrieNode::Entry* {
    auto it = found->methods.find(m);
    return it == found->methods.end() ? nullptr : &it->second;
  };
  const TrieNode::Entry* entry = pick(method);
  if (!entry && method == "HEAD") entry = pick("GET");
  if (!entry) entry = pick("ANY");
  if (!entry) {
    result.status = RouteMatch::Status::MethodNotAllowed;
    std::set<std::string> allow;
    for (const auto& [m, _] : found->methods) {
      if (m == "ANY") continue;
      allow.insert(m);
      if (m == "GET") allow.insert("HEAD");
    }
    for (const auto& m : allow) {
      if (!result.allow.empty()) result.allow += ", ";
      result.allow += m;
    }
    return result;
  }
  result.status = RouteMatch::Status::Found;
  result.route = entry->route;
  for (size_t k = 0; k < values.size() && k < entry->param_names.size(); ++k)
    result.params.emplace_back(entry->param_names[k], std::move(values[k]));
  return result;
}

}  // namespace apigw::router
