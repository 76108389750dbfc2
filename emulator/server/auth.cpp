#include "emulator/server/auth.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "emulator/util/text.hpp"

namespace apigw::server {

using model::AuthScheme;

namespace {

bool equal_constant_time(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

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
  return start == std::string::npos ? std::string() : h.substr(start);
}

struct Check {
  bool ok = false;
  bool forbidden = false;  // authenticated but lacking scopes: 403
  std::string challenge;
  std::string detail;
  bool presented = true;   // a credential was sent but did not pass (more telling than "missing")
};

Check fail(std::string challenge, std::string detail) { return {false, false, std::move(challenge), std::move(detail)}; }
Check missing(std::string challenge, std::string detail) {
  return {false, false, std::move(challenge), std::move(detail), false};
}

Check check_api_key(const AuthScheme& s, const httplib::Request& req) {
  std::string value = s.in == "header" ? req.get_header_value(s.param_name)
                      : s.in == "query" ? req.get_param_value(s.param_name)
                                        : cookie_value(req, s.param_name);
  std::string where = s.in + " '" + s.param_name + "'";
  if (value.empty()) return missing("", "missing API key (" + where + ")");
  if (s.keys.empty()) return {true, false, "", ""};
  bool match = false;
  for (const auto& k : s.keys) match = equal_constant_time(value, k) || match;  // no early exit
  return match ? Check{true, false, "", ""} : fail("", "invalid API key (" + where + ")");
}

Check check_basic(const AuthScheme& s, const httplib::Request& req) {
  const std::string challenge = "Basic realm=\"apigw\", charset=\"UTF-8\"";
  std::string b64 = credentials(req, "Basic");
  if (b64.empty()) return missing(challenge, "missing Basic credentials");
  auto decoded = util::base64_decode(b64);
  auto colon = decoded ? decoded->find(':') : std::string::npos;
  if (!decoded || colon == std::string::npos) return fail(challenge, "malformed Basic credentials");
  if (s.users.empty()) return {true, false, "", ""};
  std::string user = decoded->substr(0, colon), password = decoded->substr(colon + 1);
  bool match = false;
  for (const auto& [u, p] : s.users) match = (equal_constant_time(user, u) & equal_constant_time(password, p)) || match;
  return match ? Check{true, false, "", ""} : fail(challenge, "wrong user name or password");
}

Check check_jwt(const AuthScheme& s, const std::vector<std::string>& scopes, const httplib::Request& req,
                std::chrono::system_clock::time_point now) {
  const std::string challenge = "Bearer realm=\"apigw\"";
  const std::string invalid = "Bearer realm=\"apigw\", error=\"invalid_token\"";
  std::string token = credentials(req, "Bearer");
  if (token.empty()) return missing(challenge, "missing bearer token");
  if (s.type == AuthScheme::Type::Bearer) return {true, false, "", ""};

  size_t d1 = token.find('.'), d2 = d1 == std::string::npos ? d1 : token.find('.', d1 + 1);
  if (d2 == std::string::npos || token.find('.', d2 + 1) != std::string::npos) return fail(invalid, "malformed JWT");
  auto header_text = util::base64_decode(std::string_view(token).substr(0, d1));
  auto payload_text = util::base64_decode(std::string_view(token).substr(d1 + 1, d2 - d1 - 1));
  auto signature = util::base64_decode(std::string_view(token).substr(d2 + 1));
  if (!header_text || !payload_text || !signature) return fail(invalid, "malformed JWT (bad base64url)");
  nlohmann::json header = nlohmann::json::parse(*header_text, nullptr, false);
  nlohmann::json claims = nlohmann::json::parse(*payload_text, nullptr, false);
  if (!header.is_object() || !claims.is_object() || !header.contains("alg") || !header["alg"].is_string())
    return fail(invalid, "malformed JWT (header or claims are not JSON objects)");
  std::string alg = header["alg"];

  if (!s.secret.empty()) {
    // Only the HMAC algorithms the secret can check: "none" and asymmetric algs (key confusion) are refused.
    const EVP_MD* md = alg == "HS256" ? EVP_sha256() : alg == "HS384" ? EVP_sha384() : alg == "HS512" ? EVP_sha512() : nullptr;
    if (!md) return fail(invalid, "JWT algorithm '" + alg + "' is not accepted (HS256, HS384, HS512)");
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    std::string signed_part = token.substr(0, d2);
    HMAC(md, s.secret.data(), static_cast<int>(s.secret.size()), reinterpret_cast<const unsigned char*>(signed_part.data()),
         signed_part.size(), mac, &mac_len);
    if (!equal_constant_time(*signature, std::string(reinterpret_cast<char*>(mac), mac_len)))
      return fail(invalid, "JWT signature does not verify");
  }

  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  auto leeway = std::chrono::duration_cast<std::chrono::seconds>(s.leeway).count();
  if (claims.contains("exp") && claims["exp"].is_number() && seconds > claims["exp"].get<double>() + static_cast<double>(leeway))
    return fail(invalid, "JWT expired");
  if (claims.contains("nbf") && claims["nbf"].is_number() && seconds + leeway < claims["nbf"].get<double>())
    return fail(invalid, "JWT not valid yet (nbf)");
  if (!s.issuer.empty() && !(claims.contains("iss") && claims["iss"] == s.issuer))
    return fail(invalid, "JWT issuer is not '" + s.issuer + "'");
  if (!s.audiences.empty()) {
    bool ok = false;
    if (claims.contains("aud")) {
      const auto& aud = claims["aud"];
      for (const auto& want : s.audiences)
        ok = ok || (aud.is_string() && aud == want) ||
             (aud.is_array() && std::find(aud.begin(), aud.end(), nlohmann::json(want)) != aud.end());
    }
    if (!ok) return fail(invalid, "JWT audience is not accepted");
  }
  if (!scopes.empty()) {
    std::vector<std::string> granted;
    for (const char* claim : {"scope", "scp"}) {
      if (!claims.contains(claim)) continue;
      const auto& v = claims[claim];
      if (v.is_string()) {
        std::string all = v;
        for (size_t i = 0; i < all.size();) {
          size_t sp = all.find(' ', i);
          if (sp != i) granted.push_back(all.substr(i, sp == std::string::npos ? std::string::npos : sp - i));
          if (sp == std::string::npos) break;
          i = sp + 1;
        }
      } else if (v.is_array()) {
        for (const auto& x : v)
          if (x.is_string()) granted.push_back(x);
      }
    }
    for (const auto& need : scopes)
      if (std::find(granted.begin(), granted.end(), need) == granted.end()) {
        std::string all;
        for (const auto& sc : scopes) all += (all.empty() ? "" : " ") + sc;
        return {false, true, "Bearer realm=\"apigw\", error=\"insufficient_scope\", scope=\"" + all + "\"",
                "the token lacks scope '" + need + "'"};
      }
  }
  return {true, false, "", ""};
}

}  // namespace

AuthOutcome authorize(const model::Config& config, const model::Route& route, const httplib::Request& req,
                      std::chrono::system_clock::time_point now) {
  if (route.auth.empty()) return {};
  std::optional<Check> first_failure, rejected, forbidden;
  for (const auto& requirement : route.auth) {
    bool all = true;
    for (const auto& [name, scopes] : requirement) {
      const AuthScheme* s = config.find_auth(name);
      if (!s) {  // the loader guarantees this; a guard, not a path
        all = false;
        break;
      }
      Check c = s->type == AuthScheme::Type::ApiKey  ? check_api_key(*s, req)
                : s->type == AuthScheme::Type::Basic ? check_basic(*s, req)
                                                     : check_jwt(*s, scopes, req, now);
      if (!c.ok) {
        all = false;
        if (c.forbidden && !forbidden) forbidden = c;
        if (!c.forbidden && c.presented && !rejected) rejected = c;
        if (!c.forbidden && !first_failure) first_failure = c;
        break;
      }
    }
    if (all) return {};
  }
  // Someone who proved who they are but lacks a scope is forbidden (403), not unauthenticated.
  // A credential that was sent and refused says more than "missing" from another alternative.
  const Check& c = forbidden ? *forbidden : rejected ? *rejected : *first_failure;
  return {false, forbidden ? 403 : 401, c.challenge, c.detail};
}

}  // namespace apigw::server
