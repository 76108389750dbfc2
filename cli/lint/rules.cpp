// The rules that run on a config that loaded. One function per rule; the table below is their registry.
#include <algorithm>

#include "cli/lint/lint.hpp"

namespace apigw::lint {
namespace {

using diag::Severity;

void add(diag::Diagnostics& out, const Rule& rule, const model::Config& cfg, doc::Mark mark, std::string path,
         std::string message) {
  out.push_back({rule.severity, rule.id, cfg.file, mark, std::move(path), std::move(message)});
}

bool is_local_host(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0 || host.ends_with(".localhost");
}

void upstream_plain_http(const model::Config& cfg, const Rule& self, diag::Diagnostics& out) {
  for (const auto& b : cfg.backends)
    if (b.url.scheme == "http" && !is_local_host(b.url.host))
      add(out, self, cfg, b.mark, "backends." + b.name,
          "backend '" + b.name + "' is plain http to a non-local host (" + b.url.host + "); traffic and credentials travel unencrypted");
}

// AWS REST APIs cap integration timeouts at 29 s; longer ones are a portability and latency smell.
void upstream_timeout_high(const model::Config& cfg, const Rule& self, diag::Diagnostics& out) {
  for (const auto& b : cfg.backends)
    if (b.timeout > std::chrono::seconds(29))
      add(out, self, cfg, b.mark, "backends." + b.name,
          "backend '" + b.name + "' has a timeout over 29s, the longest AWS API Gateway REST APIs allow");
}

void mock_body_without_content(const model::Config& cfg, const Rule& self, diag::Diagnostics& out) {
  for (const auto& r : cfg.routes)
    if (r.mock && (r.mock->status == 204 || r.mock->status == 304 || r.mock->status < 200) && !r.mock->body.empty())
      add(out, self, cfg, r.mark, r.key_path + ".mock",
          "status " + std::to_string(r.mock->status) + " has no body in HTTP; the mock's body is never sent");
}

void route_no_routes(const model::Config& cfg, const Rule& self, diag::Diagnostics& out) {
  if (cfg.routes.empty()) add(out, self, cfg, {1, 1}, "routes", "the config has no routes; every request will get 404");
}

}  // namespace

const std::vector<Rule>& config_rules() {
  static const std::vector<Rule> rules = {
      {"upstream-plain-http", Severity::Warn, "Backends on non-local hosts use https",
       "Use an https:// URL, or keep plain http for hosts on loopback only.", upstream_plain_http},
      {"upstream-timeout-high", Severity::Warn, "Backend timeouts stay within 29 s",
       "Lower the backend's timeout to 29s or less, or move the slow work off the request path.", upstream_timeout_high},
      {"mock-body-without-content", Severity::Warn, "Mocks with 1xx, 204 or 304 statuses have no body",
       "Remove the body, or use a status that carries one (200).", mock_body_without_content},
      {"config-no-routes", Severity::Warn, "A config has at least one route", "Add a route under 'routes'.",
       route_no_routes},
  };
  return rules;
}

}  // namespace apigw::lint
