// Which gateway-config features each provider's product can host. Facts come from the project's references
// (../shared/reference/lint.md: AWS HTTP API has only Lambda-proxy and HTTP-proxy integrations; OCI has
// STOCK_RESPONSE_BACKEND; REST API security schemes other than apiKey need an authorizer) and the providers'
// documented features (AWS HTTP APIs have no API keys or usage plans but a JWT authorizer; GCP API Gateway checks
// API keys and JWTs only; OCI checks JWTs and calls authorizer functions; Azure APIM and Apigee use policies).
#include <algorithm>

#include "cli/cost/cost.hpp"

namespace apigw::cost {

namespace {

using enum Feature;
using enum Support;

std::string location(const FeatureUse& u) { return doc::where(u.file, u.mark); }

}  // namespace

const std::vector<FeatureSupport>& feature_support() {
  static const std::vector<FeatureSupport> k_table = {
      // AWS REST API
      {"aws", "rest", basic_auth, workaround, "needs a Lambda authorizer for basic auth (Lambda not priced)",
       "REST APIs have no built-in basic auth"},
      {"aws", "rest", bearer_token, workaround, "needs a Lambda authorizer for bearer tokens (Lambda not priced)",
       "REST APIs check opaque bearer tokens only with a Lambda authorizer"},
      {"aws", "rest", jwt, workaround, "needs a Lambda or Cognito authorizer for JWT (not priced)",
       "REST APIs have no generic JWT authorizer (Cognito user pools check only Cognito-issued tokens)"},
      // AWS HTTP API
      {"aws", "http", mock_response, none, "cannot host mock responses",
       "HTTP APIs have only Lambda-proxy and HTTP-proxy integrations, no mock integration"},
      {"aws", "http", api_key, workaround, "needs a Lambda authorizer for API keys (Lambda not priced)",
       "HTTP APIs have no API keys or usage plans"},
      {"aws", "http", basic_auth, workaround, "needs a Lambda authorizer for basic auth (Lambda not priced)",
       "HTTP APIs have no built-in basic auth"},
      {"aws", "http", bearer_token, workaround, "needs a Lambda authorizer for bearer tokens (Lambda not priced)",
       "HTTP APIs check opaque bearer tokens only with a Lambda authorizer"},
      // AWS WebSocket API
      {"aws", "websocket", http_routes, none, "does not apply: the config's routes are HTTP routes",
       "a WebSocket API serves WebSocket routes, not HTTP request/response routes"},
      // GCP API Gateway (Apigee hosts everything with policies)
      {"gcp", "api_gateway", mock_response, none, "cannot host mock responses",
       "API Gateway routes every operation to a backend (x-google-backend); it has no mock responses"},
      {"gcp", "api_gateway", basic_auth, none, "cannot check basic auth (the backend must)",
       "API Gateway checks only API keys and JWTs"},
      {"gcp", "api_gateway", bearer_token, none, "cannot check opaque bearer tokens (the backend must)",
       "API Gateway checks only API keys and JWTs"},
      // OCI API Gateway
      {"oci", "api_gateway", api_key, workaround, "needs an authorizer function for API keys (Functions not priced)",
       "OCI API Gateway has no built-in API keys; it checks JWTs or calls an authorizer function"},
      {"oci", "api_gateway", basic_auth, workaround,
       "needs an authorizer function for basic auth (Functions not priced)",
       "OCI API Gateway has no built-in basic auth; it checks JWTs or calls an authorizer function"},
      {"oci", "api_gateway", bearer_token, workaround,
       "needs an authorizer function for bearer tokens (Functions not priced)",
       "OCI API Gateway checks opaque bearer tokens only with an authorizer function"},
      // Azure API Management: every tier hosts all of these with policies (mock-response, subscription keys,
      // validate-jwt, policy expressions on the Authorization header), so no entries.
  };
  return k_table;
}

const FeatureSupport* find_support(std::string_view provider, std::string_view product, Feature feature) {
  for (const auto& s : feature_support())
    if (s.provider == provider && (s.product == product || s.product == "*") && s.feature == feature) return &s;
  return nullptr;
}

std::string_view feature_name(Feature feature) {
  switch (feature) {
    case http_routes: return "HTTP routes";
    case mock_response: return "mock response";
    case api_key: return "API key auth";
    case basic_auth: return "basic auth";
    case bearer_token: return "bearer token auth";
    case jwt: return "JWT auth";
  }
  return "";
}

std::vector<FeatureUse> config_features(const model::Config& config) {
  std::vector<FeatureUse> out;
  if (!config.routes.empty()) {
    const auto& first = config.routes.front();
    std::string more = config.routes.size() > 1 ? " and " + std::to_string(config.routes.size() - 1) + " more" : "";
    out.push_back({http_routes, "route '" + first.id + "'" + more, config.file, first.mark});
  }
  for (const auto& r : config.routes)
    if (r.mock) out.push_back({mock_response, "route '" + r.id + "'", config.file, r.mark});
  // Auth schemes that at least one route requires, in the order of the auth section.
  for (const auto& scheme : config.auth) {
    bool used = std::any_of(config.routes.begin(), config.routes.end(), [&](const model::Route& r) {
      return std::any_of(r.auth.begin(), r.auth.end(), [&](const model::AuthRequirement& req) {
        return std::any_of(req.begin(), req.end(), [&](const auto& ref) { return ref.first == scheme.name; });
      });
    });
    if (!used) continue;
    Feature f = api_key;
    const char* type = "api_key";
    switch (scheme.type) {
      case model::AuthScheme::Type::ApiKey: break;
      case model::AuthScheme::Type::Basic: f = basic_auth; type = "basic"; break;
      case model::AuthScheme::Type::Bearer: f = bearer_token; type = "bearer"; break;
      case model::AuthScheme::Type::Jwt: f = jwt; type = "jwt"; break;
    }
    out.push_back({f, "auth scheme '" + scheme.name + "' (" + type + ")", config.file, scheme.mark});
  }
  return out;
}

std::vector<FeatureWarning> check_features(const std::vector<FeatureUse>& uses, ProductEstimate& estimate) {
  std::vector<FeatureWarning> out;
  for (const auto& u : uses) {
    const FeatureSupport* s = find_support(estimate.provider, estimate.product, u.feature);
    if (!s || s->support == native) continue;
    std::string note(s->note);
    if (std::find(estimate.feature_notes.begin(), estimate.feature_notes.end(), note) == estimate.feature_notes.end())
      estimate.feature_notes.push_back(note);
    if (s->support == none) estimate.can_host = false;
    std::string head = estimate.provider + " " + estimate.product_name + ": " + std::string(feature_name(u.feature)) +
                       " of " + u.what + ": ";
    out.push_back({location(u), head + note + "; " + std::string(s->reason)});
  }
  return out;
}

}  // namespace apigw::cost
