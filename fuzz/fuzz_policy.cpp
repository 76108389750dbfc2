// JWT and credential parsing (emulator/policy/): the first byte picks what the rest is.
//   0: a compact JWS verified against a shared secret (HS256/384/512), claims checked (iss, aud, exp/nbf, scopes)
//   1: a JWKS document or single JWK, then "#%%" and a token verified against it (decode-only when no key fits)
//   2: a PEM key or certificate, then "#%%" and a token
//   3: htpasswd text (bcrypt and SHA-crypt hashes are checked against one password: few rounds only, see below)
//   4: base64url decoding, which must round-trip
#include <chrono>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "emulator/policy/credentials.hpp"
#include "emulator/policy/jwt.hpp"
#include "fuzz/fuzz_common.hpp"

namespace apigw::fuzz {

namespace {

void check_token(std::string_view token, const policy::KeySet& keys, bool signature) {
  policy::VerifyOptions options;
  options.issuer = "https://id.example.com";
  options.audiences = {"pets"};
  options.check_signature = signature;
  auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));
  policy::Verified v = policy::verify(token, keys, options, now);
  if (v.ok && signature && keys.empty()) std::abort();  // nothing to check a signature with, yet accepted
  if (!v.claims.is_null()) {
    (void)policy::granted_scopes(v.claims);
    if (const nlohmann::json* c = policy::find_claim(v.claims, "realm_access.roles"))
      (void)policy::claim_matches(*c, {"admin", "1", "true"});
  }
}

}  // namespace

void run_policy(const uint8_t* data, size_t size) {
  if (size == 0) return;
  uint8_t mode = data[0] % 5;
  std::string_view text = as_text(data + 1, size - 1);
  switch (mode) {
    case 0: {
      static const policy::KeySet secret = policy::KeySet::from_secret("fuzz-secret");
      check_token(text, secret, true);
      check_token(text, secret, false);
      break;
    }
    case 1: {
      auto parts = split_parts(text, 2);
      nlohmann::json jwks = nlohmann::json::parse(parts[0], nullptr, false);
      if (jwks.is_discarded()) return;
      std::string error, where;
      auto keys = policy::KeySet::from_jwks(jwks, &error, &where);
      if (!keys) return;
      for (const auto& k : keys->keys()) (void)k.algorithms();
      (void)keys->algorithms();
      if (parts.size() > 1) check_token(parts[1], *keys, true);
      break;
    }
    case 2: {
      auto parts = split_parts(text, 2);
      std::string error;
      auto keys = policy::KeySet::from_pem(std::string(parts[0]), &error);
      if (!keys) return;
      if (parts.size() > 1) check_token(parts[1], *keys, true);
      break;
    }
    case 3: {
      std::vector<policy::FileProblem> problems;
      auto users = policy::parse_htpasswd(text, problems);
      size_t checked = 0;
      for (const auto& u : users) {
        // bcrypt's cost is in the hash ("$2y$31$" is 2^31 rounds): check only cheap ones, or the fuzzer only waits.
        if (policy::hash_kind(u.hash) == policy::HashKind::Bcrypt && u.hash.compare(4, 2, "04") != 0) continue;
        if (policy::hash_kind(u.hash) == policy::HashKind::ShaCrypt && u.hash.find("rounds=") != std::string::npos)
          continue;
        if (++checked > 2) break;
        (void)policy::check_password("secret", u.hash);
      }
      break;
    }
    default: {
      auto decoded = policy::b64url_decode(text);
      if (decoded && policy::b64url_encode(*decoded) != text) std::abort();  // strict decoding round-trips
      (void)policy::equal_constant_time(text, decoded ? *decoded : std::string());
      break;
    }
  }
}

}  // namespace apigw::fuzz

APIGW_FUZZ_MAIN(policy)
