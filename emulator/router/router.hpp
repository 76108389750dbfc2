// Method + path-template matching. Pure: no sockets, built once per config and shared read-only between threads.
//
// Rules: the path is matched first, then the method. Among templates that match a path, at each segment a literal
// beats "prefix{param}suffix", which beats "{param}", which beats a greedy "{param+}" (so /pets/mine beats
// /pets/{id}). The winning path answers 405 with an Allow header when it has no route for the method.
// HEAD uses the GET route when the path has no HEAD route. "ANY" routes take every method.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "emulator/router/path_template.hpp"

namespace apigw::router {

using Params = std::vector<std::pair<std::string, std::string>>;

struct RouteMatch {
  enum class Status { Found, NotFound, MethodNotAllowed };
  Status status = Status::NotFound;
  int route = -1;     // index given to add()
  Params params;      // decoded parameter values, in template order
  std::string allow;  // for MethodNotAllowed: "GET, HEAD, POST"
};

class Router {
 public:
  Router();
  ~Router();
  Router(Router&&) noexcept;
  Router& operator=(Router&&) noexcept;

  // Adds a route; returns the index of an existing route with the same method and path shape, or -1.
  int add(const PathTemplate& tmpl, const std::string& method, int route);

  // `path` is the raw request path (no query), still percent-encoded.
  RouteMatch match(std::string_view method, std::string_view path) const;

 private:
  struct TrieNode;
  std::unique_ptr<TrieNode> root_;
};

std::string percent_decode(std::string_view s);

// True when a segment of the path is "." or "..", written plainly or percent-encoded ("%2e%2E"). The gateway refuses
// such paths (400) rather than guess how an upstream would resolve them: forwarded, "/static/a/../../etc" would leave
// the prefix a route maps to.
bool has_dot_segment(std::string_view path);

}  // namespace apigw::router
