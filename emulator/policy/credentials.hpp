// What an authorizer checks credentials against: API keys (with the name and usage plan of each), Basic users (plain
// passwords from ${ENV}, or bcrypt / {SHA} hashes from the config or an htpasswd file) and JWT keys.
// Built once when the config loads; immutable and shared by every worker thread afterwards.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "emulator/policy/claim_rule.hpp"
#include "emulator/policy/jwt.hpp"

namespace apigw::policy {

// Equal bytes, in time that depends only on the lengths (CRYPTO_memcmp).
bool equal_constant_time(std::string_view a, std::string_view b);

struct ApiKey {
  std::string name;   // who holds it: shown in logs and passed on, never the value
  std::string value;
  std::string plan;   // the usage plan it belongs to ("" for none)
};

// A password hash as htpasswd writes it. Plain text is not one.
enum class HashKind { None, Bcrypt, ShaCrypt, Sha1 };
// Classifies a stored value: "$2y$..", "$2b$..", "$2a$.." bcrypt; "$5$..", "$6$.." SHA-crypt; "{SHA}base64" SHA-1.
HashKind hash_kind(std::string_view stored);
// True when `password` hashes to `stored` (bcrypt and SHA-crypt through libcrypt's crypt_r, {SHA} with OpenSSL).
bool check_password(std::string_view password, std::string_view stored);

struct User {
  std::string name;
  std::string password;  // plain, from ${ENV}; empty when `hash` is set
  std::string hash;      // bcrypt, SHA-crypt or {SHA}
};

// One line of an htpasswd file that could not be used, with its 1-based line number.
struct FileProblem {
  size_t line = 0;
  size_t col = 1;
  std::string message;
};

// Parses htpasswd text ("user:hash" lines, '#' comments and blank lines skipped). Plain-text passwords, Apache's
// $apr1$ MD5 and old DES crypt are refused with a problem each.
std::vector<User> parse_htpasswd(std::string_view text, std::vector<FileProblem>& problems);

// Everything one named authorizer (an entry of the config's `auth:`) checks, compiled at load.
struct Credentials {
  std::vector<ApiKey> keys;                 // api_key; empty: any non-empty key
  std::vector<User> users;                  // basic; empty: any well-formed pair
  KeySet jwt_keys;                          // jwt; empty: signatures are not checked
  VerifyOptions verify;                     // jwt: allow-list, issuer, audiences, leeway
  std::vector<ClaimRule> required_claims;   // jwt: every route using the authorizer needs these
  std::vector<std::pair<std::string, std::string>> forward_claims;  // jwt: claim -> upstream request header
  std::string realm = "apigw";
};

}  // namespace apigw::policy
