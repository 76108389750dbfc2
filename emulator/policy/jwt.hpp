// JSON Web Tokens with OpenSSL: keys from JWKS documents, PEM files or shared secrets; signature verification with an
// algorithm allow-list (RFC 8725's advice: `none` never, a key only for the algorithm family it belongs to); the
// registered claims (iss, aud, exp, nbf with leeway); and signing, for `apigw token`.
// A KeySet is immutable once built and safe to use from many threads.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

typedef struct evp_pkey_st EVP_PKEY;

namespace apigw::policy {

// base64url without padding (RFC 7515 §2). decode is strict: no padding, no '+' or '/', no spare bits set.
std::string b64url_encode(std::string_view bytes);
std::optional<std::string> b64url_decode(std::string_view text);

// The algorithms apigw knows. "none" is not one of them.
const std::vector<std::string>& known_algorithms();
bool is_known_algorithm(const std::string& alg);

struct Key {
  std::string kid;
  std::string kty;     // "oct", "RSA" or "EC"
  std::string alg;     // the JWK's declared alg, "" when it has none
  std::string crv;     // EC: "P-256", "P-384" or "P-521"
  std::string secret;  // oct: the shared secret
  std::shared_ptr<EVP_PKEY> pkey;  // RSA / EC (public, or private when loaded for signing)
  bool is_private = false;
  int bits = 0;        // RSA modulus / EC field size

  // True when this key can check (or make) a signature with `alg`: HS* need an oct key, RS*/PS* an RSA key and
  // ES256/384/512 an EC key on P-256/384/521; a declared `alg` must match too.
  bool fits(const std::string& alg) const;
  // The algorithms fits() accepts, in known_algorithms() order.
  std::vector<std::string> algorithms() const;
};

class KeySet {
 public:
  // A JWKS document ({"keys": [...]}) or a single JWK. On failure returns nullopt and sets *error; *where names the
  // offending key ("keys[1]") when there is one.
  static std::optional<KeySet> from_jwks(const nlohmann::json& jwks, std::string* error, std::string* where = nullptr);
  // A PEM public key, certificate or private key (RSA or EC).
  static std::optional<KeySet> from_pem(const std::string& pem, std::string* error);
  static KeySet from_secret(std::string secret);

  const std::vector<Key>& keys() const { return keys_; }
  void add(Key k) { keys_.push_back(std::move(k)); }
  bool empty() const { return keys_.empty(); }
  // Every algorithm some key of the set fits.
  std::vector<std::string> algorithms() const;

 private:
  std::vector<Key> keys_;
};

struct VerifyOptions {
  std::vector<std::string> algorithms;  // the allow-list; empty: every algorithm the keys fit
  std::string issuer;                   // required `iss` when not empty
  std::vector<std::string> audiences;   // `aud` must hold one of them when not empty
  std::chrono::seconds leeway{60};      // clock skew allowed on exp and nbf
  bool check_signature = true;          // false: decode only (an authorizer with no keys configured yet)
};

struct Verified {
  bool ok = false;
  std::string error;       // why not; never contains the token
  nlohmann::json header;   // set when the token could be decoded
  nlohmann::json claims;
};

// Checks a compact JWS: its shape, `alg` against the allow-list and the keys (a `kid` in the header picks the key),
// the signature, then exp/nbf/iss/aud.
Verified verify(std::string_view token, const KeySet& keys, const VerifyOptions& options,
                std::chrono::system_clock::time_point now);

// A compact JWS of `claims` signed with `key` (private for RS/PS/ES) using `alg`; header {alg, typ: JWT, kid}.
// Empty and *error set on failure.
std::string sign(const nlohmann::json& claims, const Key& key, const std::string& alg, std::string* error);

// The public JWK of an RSA or EC key (kty, n/e or crv/x/y, kid = RFC 7638 thumbprint, alg, use: sig).
nlohmann::json public_jwk(const Key& key, const std::string& alg);
// RFC 7638 SHA-256 thumbprint, base64url.
std::string thumbprint(const Key& key);

// Makes a new private key for `alg` (EC P-256/384/521 for ES*, RSA 2048 for RS*/PS*).
std::optional<Key> generate_key(const std::string& alg, std::string* error);
// PEM (PKCS#8) text of a private key.
std::string private_pem(const Key& key);

// The scopes a token grants: `scope` (space-separated) and `scp` (string or list).
std::vector<std::string> granted_scopes(const nlohmann::json& claims);
// A claim by name; a name with dots ("realm_access.roles") walks into objects when no claim has the whole name.
const nlohmann::json* find_claim(const nlohmann::json& claims, const std::string& name);
// A claim as text: a string as it is, a list of strings joined with ",", anything else as JSON.
std::string claim_text(const nlohmann::json& claim);
// True when the claim equals one of `values` (strings, numbers and booleans compared as text) or, for a list
// claim, holds one of them.
bool claim_matches(const nlohmann::json& claim, const std::vector<std::string>& values);

}  // namespace apigw::policy
