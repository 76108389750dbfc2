// Path templates and the router (emulator/router/): the input is a list of lines; "METHOD TEMPLATE" lines add routes
// (parse_template must accept or refuse each), the other lines are "METHOD PATH" requests matched against them.
// Every match must name a route that was added with parameters the template declares.
#include <cstdlib>
#include <string>
#include <vector>

#include "emulator/router/router.hpp"
#include "fuzz/fuzz_common.hpp"

namespace apigw::fuzz {

void run_router(const uint8_t* data, size_t size) {
  std::string_view text = as_text(data, size);
  router::Router r;
  std::vector<router::PathTemplate> added;
  std::vector<std::string_view> requests;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    size_t sp = line.find(' ');
    std::string_view method = sp == std::string_view::npos ? std::string_view("GET") : line.substr(0, sp);
    std::string_view rest = sp == std::string_view::npos ? line : line.substr(sp + 1);
    if (!rest.empty() && rest[0] == '=') {  // "GET =/pets/{id}" adds a template
      std::string error;
      auto t = router::parse_template(rest.substr(1), &error);
      if (!t) continue;
      (void)t->shape();
      (void)t->param_names();
      if (added.size() < 64) {
        r.add(*t, std::string(method), static_cast<int>(added.size()));
        added.push_back(std::move(*t));
      }
    } else {
      requests.push_back(line);
    }
  }
  for (std::string_view line : requests) {
    size_t sp = line.find(' ');
    std::string_view method = sp == std::string_view::npos ? std::string_view("GET") : line.substr(0, sp);
    std::string_view path = sp == std::string_view::npos ? line : line.substr(sp + 1);
    router::RouteMatch m = r.match(method, path);
    if (m.status == router::RouteMatch::Status::Found) {
      if (m.route < 0 || static_cast<size_t>(m.route) >= added.size()) std::abort();
      if (m.params.size() != added[static_cast<size_t>(m.route)].param_names().size()) std::abort();
    }
    (void)router::percent_decode(path);
  }
}

}  // namespace apigw::fuzz

APIGW_FUZZ_MAIN(router)
