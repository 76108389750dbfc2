#include "emulator/policy/auth.hpp"

#include <algorithm>
#include <optional>

#include <httplib.h>

#include "emulator/policy/credentials.hpp"
#include "emulator/router/router.hpp"
#include "emulator/util/text.hpp"

namespace apigw::policy {

using model::AuthScheme;

namespace {

const Credentials& empty_credentials() {
  static const Credentials none;
  return none;
}

const Credentials& credentials_of(const AuthScheme& s) { return s.credentials ? *s.credentials : empty_credentials(); }

std::string cookie_value(const httplib::Request& req, const std::string& name) {
  std::string cookies = req.get_header_value("Cookie");
  size_t i = 0;
  while (i < cookies.size()) {
    size_t end = cookies.find(';', i);
    std::string part = cookies.substr(i, end == std::string::npos ? std::string::npos : end - i);
    size_t start = part.find_first_not_of(' ');
    if (start != std::string::npos) part = part.substr(start);
    if (auto eq = part.find('='); eq != std::string::npos && part.substr(0, eq) == name) return part.substr(eq + 1);
    if (end == std::string::npos) break;
    i = end + 1;
  }
  return {};
}

// "Bearer abc" -> "abc" for the given scheme word, case-insensitively; "" otherwise.
std::string credentials(const httplib::Request& req, const std::string& scheme) {
  std::string h = req.get_header_value("Authorization");
  if (h.size() <= scheme.size() + 1 || util::to_lower(h.substr(0, scheme.size())) != util::to_lower(scheme) ||
      h[scheme.size()] != ' ')
    return {};
  size_t start = h.find_first_not_of(' ', scheme.size());
  size_t end = h.find_last_not_of(' ');
  return start == std::string::npos ? std::string() : h.substr(start, end - start + 1);
}

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string challenge_of(const AuthScheme& s, const std::string& error = "") {
  const Credentials& c = credentials_of(s);
  switch (s.type) {
    case AuthScheme::Type::Basic: return "Basic realm=" + quoted(c.realm) + ", charset=\"UTF-8\"";
    case AuthScheme::Type::ApiKey:
      return "ApiKey realm=" + quoted(c.realm) + ", in=" + quoted(s.in) + ", name=" + quoted(s.param_name);
    case AuthScheme::Type::Bearer:
    case AuthScheme::Type::Jwt:
      return "Bearer realm=" + quoted(c.realm) + (error.empty() ? "" : ", error=" + quoted(error));
  }
  return {};
}

struct Check {
  bool ok = false;
  bool forbidden = false;  // authenticated but lacking a scope or claim: 403
  bool presented = true;   // a credential was sent (and refused): more telling than another alternative's "missing"
  std::string challenge;
  std::string detail;
  Principal who;
  std::vector<std::pair<std::string, std::string>> headers;
};

Check pass(Principal who) {
  Check c;
  c.ok = true;
  c.who = std::move(who);
  return c;
}
Check fail(std::string challenge, std::string detail) {
  Check c;
  c.challenge = std::move(challenge);
  c.detail = std::move(detail);
  return c;
}
Check missing(std::string challenge, std::string detail) {
  Check c = fail(std::move(challenge), std::move(detail));
  c.presented = false;
  return c;
}

Check check_api_key(const AuthScheme& s, const httplib::Request& req) {
  const Credentials& c = credentials_of(s);
  std::string value = s.in == "header" ? req.get_header_value(s.param_name)
                      : s.in == "query" ? req.get_param_value(s.param_name)
                                        : cookie_value(req, s.param_name);
  std::string where = s.in + " '" + s.param_name + "'";
  if (value.empty()) return missing(challenge_of(s), "missing API key (" + where + ")");
  if (c.keys.empty()) return pass({s.name, "", "", nullptr});
  const ApiKey* found = nullptr;
  for (const auto& k : c.keys)  // every key compared, no early exit
    if (equal_constant_time(value, k.value) && !found) found = &k;
  if (!found) return fail(challenge_of(s), "invalid API key (" + where + ")");
  return pass({s.name, found->name, found->plan, nullptr});
}

Check check_basic(const AuthScheme& s, const httplib::Request& req) {
  const Credentials& c = credentials_of(s);
  std::string b64 = credentials(req, "Basic");
  if (b64.empty()) return missing(challenge_of(s), "missing Basic credentials");
  auto decoded = util::base64_decode(b64);
  auto colon = decoded ? decoded->find(':') : std::string::npos;
  if (!decoded || colon == std::string::npos) return fail(challenge_of(s), "malformed Basic credentials");
  std::string user = decoded->substr(0, colon), password = decoded->substr(colon + 1);
  if (c.users.empty()) return pass({s.name, user, "", nullptr});
  const User* who = nullptr;
  for (const auto& u : c.users)
    if (equal_constant_time(user, u.name) && !who) who = &u;
  bool ok = who && (who->hash.empty() ? equal_constant_time(password, who->password) : check_password(password, who->hash));
  if (!who)  // as slow as a known user's check, so timing does not tell which user names exist
    for (const auto& u : c.users)
      if (!u.hash.empty()) {
        (void)check_password(password, u.hash);
        break;
      }
  if (!ok) return fail(challenge_of(s), "wrong user name or password");
  return pass({s.name, user, "", nullptr});
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const auto& x : v) out += (out.empty() ? "" : sep) + x;
  return out;
}

std::string header_text(const nlohmann::json& v) {
  std::string out = claim_text(v);
  // A header value never carries control characters (no CR/LF injection through a claim).
  out.erase(std::remove_if(out.begin(), out.end(), [](char ch) { return (static_cast<unsigned char>(ch) < 0x20 && ch != '\t') || ch == 0x7f; }),
            out.end());
  return out;
}

Check check_jwt(const AuthScheme& s, const std::vector<std::string>& scopes, const std::vector<ClaimRule>* claims_needed,
                const httplib::Request& req, std::chrono::system_clock::time_point now) {
  const Credentials& c = credentials_of(s);
  std::string token = credentials(req, "Bearer");
  if (token.empty()) return missing(challenge_of(s), "missing bearer token");
  if (s.type == AuthScheme::Type::Bearer) return pass({s.name, "", "", nullptr});

  VerifyOptions options = c.verify;
  options.check_signature = !c.jwt_keys.empty();
  Verified v = verify(token, c.jwt_keys, options, now);
  if (!v.ok) return fail(challenge_of(s, "invalid_token"), v.error);

  Principal who{s.name, "", "", v.claims};
  if (auto it = v.claims.find("sub"); it != v.claims.end() && it->is_string()) who.id = *it;
  auto forbid = [&](std::string detail, std::string challenge) {
    Check f = fail(std::move(challenge), std::move(detail));
    f.forbidden = true;
    return f;
  };
  if (!scopes.empty()) {
    auto granted = granted_scopes(v.claims);
    for (const auto& need : scopes)
      if (std::find(granted.begin(), granted.end(), need) == granted.end())
        return forbid("the token lacks scope '" + need + "'",
                      "Bearer realm=" + quoted(c.realm) + ", error=\"insufficient_scope\", scope=" + quoted(join(scopes, " ")));
  }
  auto check_claims = [&](const std::vector<ClaimRule>& rules) -> std::optional<Check> {
    for (const auto& rule : rules) {
      const nlohmann::json* claim = find_claim(v.claims, rule.claim);
      if (!claim || !claim_matches(*claim, rule.values))
        return forbid("the token's '" + rule.claim + "' claim is not " +
                          (rule.values.size() == 1 ? "'" + rule.values[0] + "'" : "one of " + join(rule.values, ", ")),
                      "Bearer realm=" + quoted(c.realm) + ", error=\"insufficient_scope\"");
    }
    return std::nullopt;
  };
  if (auto f = check_claims(c.required_claims)) return *f;
  if (claims_needed)
    if (auto f = check_claims(*claims_needed)) return *f;
  Check ok = pass(std::move(who));
  for (const auto& [claim, header] : c.forward_claims)
    if (const nlohmann::json* value = find_claim(v.claims, claim); value && !value->is_null())
      ok.headers.emplace_back(header, header_text(*value));
  return ok;
}

}  // namespace

AuthOutcome authorize(const model::Config& config, const model::Route& route, const httplib::Request& req,
                      std::chrono::system_clock::time_point now) {
  AuthOutcome out;
  if (route.auth.empty()) return out;
  for (const auto& requirement : route.auth)
    for (const auto& [name, scopes] : requirement)
      if (const AuthScheme* s = config.find_auth(name))
        for (const auto& [claim, header] : credentials_of(*s).forward_claims) {
          (void)claim;
          if (std::find(out.strip_headers.begin(), out.strip_headers.end(), header) == out.strip_headers.end())
            out.strip_headers.push_back(header);
        }

  std::optional<Check> first_failure, rejected, forbidden;
  std::vector<std::string> challenges;
  for (size_t alt = 0; alt < route.auth.size(); ++alt) {
    const auto& requirement = route.auth[alt];
    bool all = true;
    std::vector<Check> passed;
    for (size_t i = 0; i < requirement.size(); ++i) {
      const auto& [name, scopes] = requirement[i];
      const AuthScheme* s = config.find_auth(name);
      if (!s) {  // the loader guarantees this; a guard, not a path
        all = false;
        break;
      }
      const std::vector<ClaimRule>* claims = nullptr;
      if (alt < route.auth_claims.size() && i < route.auth_claims[alt].size()) claims = &route.auth_claims[alt][i];
      Check c = s->type == AuthScheme::Type::ApiKey  ? check_api_key(*s, req)
                : s->type == AuthScheme::Type::Basic ? check_basic(*s, req)
                                                     : check_jwt(*s, scopes, claims, req, now);
      if (!c.ok) {
        all = false;
        if (c.forbidden && !forbidden) forbidden = c;
        if (!c.forbidden && c.presented && !rejected) rejected = c;
        if (!c.forbidden && !first_failure) first_failure = c;
        if (!c.forbidden && std::find(challenges.begin(), challenges.end(), c.challenge) == challenges.end())
          challenges.push_back(c.challenge);
        break;
      }
      passed.push_back(std::move(c));
    }
    if (all) {
      for (auto& c : passed) {
        out.principals.push_back(std::move(c.who));
        for (auto& h : c.headers) out.forward_headers.push_back(std::move(h));
      }
      return out;
    }
  }
  // Someone who proved who they are but lacks a scope or claim is forbidden (403), not unauthenticated.
  // A credential that was sent and refused says more than "missing" from another alternative.
  out.ok = false;
  if (forbidden) {
    out.status = 403;
    out.detail = forbidden->detail;
    out.challenges = {forbidden->challenge};
    return out;
  }
  const Check& c = rejected ? *rejected : *first_failure;
  out.status = 401;
  out.detail = c.detail;
  out.challenges.push_back(c.challenge);
  for (auto& ch : challenges)
    if (ch != c.challenge && !ch.empty()) out.challenges.push_back(std::move(ch));
  return out;
}

std::vector<std::string> credential_query_params(const model::Config& config) {
  std::vector<std::string> out = {"access_token"};
  for (const auto& a : config.auth)
    if (a.type == AuthScheme::Type::ApiKey && a.in == "query" &&
        std::find(out.begin(), out.end(), a.param_name) == out.end())
      out.push_back(a.param_name);
  return out;
}

std::string redact_query(std::string_view query, const std::vector<std::string>& params) {
  std::string out;
  size_t i = 0;
  while (i <= query.size()) {
    size_t amp = query.find('&', i);
    std::string_view part = query.substr(i, amp == std::string_view::npos ? std::string_view::npos : amp - i);
    size_t eq = part.find('=');
    std::string name = router::percent_decode(part.substr(0, eq));
    bool secret = eq != std::string_view::npos && std::find(params.begin(), params.end(), name) != params.end();
    if (!out.empty() || i > 0) out += '&';
    if (secret) {
      out += part.substr(0, eq);
      out += "=REDACTED";
    } else {
      out += part;
    }
    if (amp == std::string_view::npos) break;
    i = amp + 1;
  }
  return out;
}

}  // namespace apigw::policy
