// The auth policy: a route's requirements (OpenAPI security semantics: OR between alternatives, AND within one)
// checked against a request with the config's authorizers. 401 with WWW-Authenticate when no alternative's
// credentials pass, 403 when the caller proved who they are but lacks a scope or claim the route needs.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "emulator/model/config.hpp"

namespace httplib {
struct Request;
}

namespace apigw::policy {

// Who a passing credential belongs to.
struct Principal {
  std::string scheme;  // the authorizer's name
  std::string id;      // API key name, Basic user, or the JWT's sub ("" when it has none)
  std::string plan;    // API keys: the key's usage plan
  nlohmann::json claims;  // JWTs: the verified claims
};

struct AuthOutcome {
  bool ok = true;
  int status = 200;                     // 401 or 403 when not ok
  std::vector<std::string> challenges;  // WWW-Authenticate values, the most telling first
  std::string detail;                   // for the problem body; never echoes a credential
  std::vector<Principal> principals;    // the alternative that passed
  // For the upstream: headers made from JWT claims (forward_claims), and every header name those may use, which is
  // removed from the client's request first so a client cannot pose as someone else.
  std::vector<std::pair<std::string, std::string>> forward_headers;
  std::vector<std::string> strip_headers;
};

AuthOutcome authorize(const model::Config& config, const model::Route& route, const httplib::Request& req,
                      std::chrono::system_clock::time_point now);

// The names of query parameters that carry credentials in this config (api_key schemes `in: query`, and OAuth's
// access_token), for redacting logs.
std::vector<std::string> credential_query_params(const model::Config& config);
// `query` (without '?') with the values of those parameters replaced by REDACTED.
std::string redact_query(std::string_view query, const std::vector<std::string>& params);

}  // namespace apigw::policy
