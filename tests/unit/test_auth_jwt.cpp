// The JWT verifier and signer, key loading (JWKS, PEM), and the password hashes of htpasswd files.
#include <doctest/doctest.h>

#include <chrono>

#include "emulator/policy/credentials.hpp"
#include "emulator/policy/jwt.hpp"

using namespace apigw::policy;
using nlohmann::json;

namespace {

const auto k_now = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));
const long long k_t = 1'800'000'000;

// Keys are made once: RSA generation is slow.
const Key& key_for(const std::string& alg) {
  static std::map<std::string, Key> keys;
  std::string family = alg[0] == 'R' || alg[0] == 'P' ? "RSA" : alg;
  auto it = keys.find(family);
  if (it == keys.end()) {
    std::string error;
    auto k = generate_key(alg, &error);
    REQUIRE_MESSAGE(k, error);
    it = keys.emplace(family, *k).first;
  }
  return it->second;
}

// The public half, as a relying party holds it.
KeySet public_set(const Key& k, const std::string& alg = "") {
  std::string error;
  auto set = KeySet::from_jwks(json{{"keys", json::array({public_jwk(k, alg)})}}, &error);
  REQUIRE_MESSAGE(set, error);
  return *set;
}

std::string token(const json& claims, const Key& k, const std::string& alg) {
  std::string error;
  std::string t = sign(claims, k, alg, &error);
  REQUIRE_MESSAGE(!t.empty(), error);
  return t;
}

// header.payload.signature with each part base64url'd as given.
std::string assemble(const json& header, const json& claims, const std::string& signature) {
  return b64url_encode(header.dump()) + "." + b64url_encode(claims.dump()) + "." + b64url_encode(signature);
}

VerifyOptions opts(std::vector<std::string> algs = {}) {
  VerifyOptions o;
  o.algorithms = std::move(algs);
  return o;
}

}  // namespace

TEST_CASE("base64url is strict: no padding, no '+' or '/', no stray bits") {
  CHECK(b64url_encode("hi?>") == "aGk_Pg");
  CHECK(b64url_decode("aGk_Pg") == std::optional<std::string>("hi?>"));
  CHECK_FALSE(b64url_decode("aGk_Pg=="));
  CHECK_FALSE(b64url_decode("aGk/Pg"));
  CHECK_FALSE(b64url_decode("aGk_Ph"));  // same bytes with a spare bit set: a second spelling of one signature
  CHECK_FALSE(b64url_decode("a"));
  CHECK(b64url_decode("") == std::optional<std::string>(""));
}

TEST_CASE("every supported algorithm signs and verifies; the public JWKS is enough to verify") {
  for (std::string alg : {"ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}) {
    CAPTURE(alg);
    const Key& k = key_for(alg);
    std::string t = token({{"sub", "u1"}, {"exp", k_t + 60}}, k, alg);
    auto v = verify(t, public_set(k), opts(), k_now);
    CHECK_MESSAGE(v.ok, v.error);
    CHECK(v.claims["sub"] == "u1");
    CHECK(v.header["kid"] == thumbprint(k));
  }
  for (std::string alg : {"HS256", "HS384", "HS512"}) {
    CAPTURE(alg);
    KeySet s = KeySet::from_secret("a shared secret of enough length");
    std::string t = token({{"sub", "u1"}}, s.keys()[0], alg);
    CHECK(verify(t, s, opts(), k_now).ok);
    auto wrong = verify(t, KeySet::from_secret("another secret"), opts(), k_now);
    CHECK_FALSE(wrong.ok);
    CHECK(wrong.error == "JWT signature does not verify");
  }
}

TEST_CASE("an EC JWK whose coordinate lost its leading zero byte (PyJWT before 2.8) still loads and verifies") {
  // About one P-256 key in 128 has a coordinate starting with a zero byte; make keys until one does.
  for (int i = 0; i < 20000; ++i) {
    std::string error;
    auto k = generate_key("ES256", &error);
    REQUIRE_MESSAGE(k, error);
    json jwk = public_jwk(*k, "ES256");
    for (const char* c : {"x", "y"}) {
      auto bytes = b64url_decode(jwk[c].get<std::string>());
      REQUIRE(bytes);
      REQUIRE(bytes->size() == 32);
      if ((*bytes)[0] != '\0') continue;
      json short_jwk = jwk;
      short_jwk[c] = b64url_encode(bytes->substr(1));
      auto set = KeySet::from_jwks(json{{"keys", json::array({short_jwk})}}, &error);
      REQUIRE_MESSAGE(set, error);
      auto v = verify(token({{"sub", "u1"}}, *k, "ES256"), *set, opts(), k_now);
      CHECK_MESSAGE(v.ok, v.error);
      json long_jwk = jwk;
      long_jwk[c] = b64url_encode(std::string(1, '\x01') + *bytes);
      CHECK_FALSE(KeySet::from_jwks(json{{"keys", json::array({long_jwk})}}, &error));
      CHECK(error.find("are 32 bytes each") != std::string::npos);
      return;
    }
  }
  FAIL("no key with a leading zero byte in 20000 tries");
}

TEST_CASE("alg none, algorithms off the allow-list and HS/RS key confusion are refused") {
  const Key& rsa = key_for("RS256");
  KeySet pub = public_set(rsa);
  json claims = {{"sub", "mallory"}};

  for (std::string none : {"none", "None", "NONE"}) {
    auto v = verify(assemble({{"alg", none}}, claims, ""), pub, opts(), k_now);
    CHECK_FALSE(v.ok);
    CHECK(v.error == "unsigned JWT (alg 'none') refused");
    VerifyOptions decode_only = opts();
    decode_only.check_signature = false;  // even an authorizer with no keys yet refuses it
    CHECK_FALSE(verify(assemble({{"alg", none}}, claims, ""), KeySet(), decode_only, k_now).ok);
  }

  // The classic confusion: an HS256 token whose HMAC key is the server's RSA public key (which is public).
  std::string pem_text = json(public_jwk(rsa, "")).dump();
  KeySet as_secret = KeySet::from_secret(pem_text);
  std::string forged = token(claims, as_secret.keys()[0], "HS256");
  auto v = verify(forged, pub, opts(), k_now);
  CHECK_FALSE(v.ok);
  CHECK(v.error == "no key for JWT algorithm 'HS256' (the keys fit RS256, RS384, RS512, PS256, PS384, PS512)");
  // Listing HS256 on the authorizer does not change that: an RSA key never checks an HMAC.
  CHECK_FALSE(verify(forged, pub, opts({"HS256", "RS256"}), k_now).ok);

  // Allow-list: a valid RS256 token is refused where only ES256 is accepted.
  std::string good = token(claims, rsa, "RS256");
  CHECK(verify(good, pub, opts({"RS256"}), k_now).ok);
  auto off_list = verify(good, pub, opts({"ES256"}), k_now);
  CHECK_FALSE(off_list.ok);
  CHECK(off_list.error == "JWT algorithm 'RS256' is not accepted");

  // A JWK that declares its alg is used for that alg only.
  std::string ps = token(claims, rsa, "PS256");
  CHECK(verify(ps, public_set(rsa), opts(), k_now).ok);
  CHECK_FALSE(verify(ps, public_set(rsa, "RS256"), opts(), k_now).ok);

  // crit extensions are not understood, so refused.
  CHECK_FALSE(verify(assemble({{"alg", "HS256"}, {"crit", {"exp"}}}, claims, "x"), KeySet::from_secret("s"), opts(), k_now).ok);
}

TEST_CASE("tampered tokens fail: payload, signature, header, ES signature length") {
  const Key& ec = key_for("ES256");
  KeySet pub = public_set(ec);
  std::string t = token({{"sub", "alice"}, {"admin", false}}, ec, "ES256");
  REQUIRE(verify(t, pub, opts(), k_now).ok);

  size_t d1 = t.find('.'), d2 = t.rfind('.');
  std::string other_payload = b64url_encode(json({{"sub", "alice"}, {"admin", true}}).dump());
  CHECK(verify(t.substr(0, d1 + 1) + other_payload + t.substr(d2), pub, opts(), k_now).error ==
        "JWT signature does not verify");
  std::string sig = *b64url_decode(t.substr(d2 + 1));
  sig[5] ^= 1;
  CHECK(verify(t.substr(0, d2 + 1) + b64url_encode(sig), pub, opts(), k_now).error == "JWT signature does not verify");
  CHECK(verify(t.substr(0, d2 + 1) + b64url_encode(sig.substr(1)), pub, opts(), k_now).error ==
        "JWT signature does not verify");
  CHECK(verify(t.substr(0, d2), pub, opts(), k_now).error == "malformed JWT (expected header.payload.signature)");
  CHECK(verify(t + ".x", pub, opts(), k_now).error == "malformed JWT (expected header.payload.signature)");
  CHECK(verify("a.b.c", pub, opts(), k_now).error == "malformed JWT (bad base64url)");
  CHECK(verify(b64url_encode("[1]") + ".e30.", pub, opts(), k_now).error ==
        "malformed JWT (the header is not a JSON object with an 'alg')");
  CHECK(verify(std::string(20000, 'a'), pub, opts(), k_now).error == "JWT too long");
}

TEST_CASE("exp, nbf with leeway, iss and aud") {
  KeySet s = KeySet::from_secret("secret");
  const Key& k = s.keys()[0];
  auto check = [&](const json& claims, VerifyOptions o = opts()) { return verify(token(claims, k, "HS256"), s, o, k_now); };

  CHECK(check({{"exp", k_t + 1}}).ok);
  CHECK(check({{"exp", k_t - 30}}).ok);  // within the default 60 s leeway
  CHECK(check({{"exp", k_t - 61}}).error == "JWT expired");
  VerifyOptions strict = opts();
  strict.leeway = std::chrono::seconds(0);
  CHECK(check({{"exp", k_t}}, strict).error == "JWT expired");
  CHECK(check({{"exp", "tomorrow"}}).error == "JWT 'exp' is not a number");
  CHECK(check({{"nbf", k_t + 30}}).ok);
  CHECK(check({{"nbf", k_t + 120}}).error == "JWT not valid yet (nbf)");
  CHECK(check({{"nbf", k_t + 1}}, strict).error == "JWT not valid yet (nbf)");

  VerifyOptions o = opts();
  o.issuer = "https://id.test";
  o.audiences = {"pets", "shop"};
  CHECK(check({{"iss", "https://id.test"}, {"aud", "shop"}}, o).ok);
  CHECK(check({{"iss", "https://id.test"}, {"aud", {"other", "pets"}}}, o).ok);
  CHECK(check({{"iss", "https://id.test"}, {"aud", "other"}}, o).error == "JWT audience is not accepted");
  CHECK(check({{"iss", "https://id.test"}}, o).error == "JWT audience is not accepted");
  CHECK(check({{"iss", "https://evil.test"}, {"aud", "pets"}}, o).error == "JWT issuer is not 'https://id.test'");
}

TEST_CASE("kid picks the key; an unknown kid fails when every key has one") {
  std::string error;
  auto a = generate_key("ES256", &error);
  auto b = generate_key("ES256", &error);
  REQUIRE(a);
  REQUIRE(b);
  KeySet both = *KeySet::from_jwks(json{{"keys", {public_jwk(*a, "ES256"), public_jwk(*b, "ES256")}}}, &error);
  CHECK(verify(token({{"sub", "x"}}, *b, "ES256"), both, opts(), k_now).ok);
  Key stranger = *generate_key("ES256", &error);
  stranger.kid = "nobody";
  CHECK(verify(token({{"sub", "x"}}, stranger, "ES256"), both, opts(), k_now).error == "no key with kid 'nobody' for JWT algorithm 'ES256'");
  // A kid that names key a, on a token made by key b: a alone is tried.
  Key b_as_a = *b;
  b_as_a.kid = thumbprint(*a);
  CHECK(verify(token({{"sub", "x"}}, b_as_a, "ES256"), both, opts(), k_now).error == "JWT signature does not verify");
}

TEST_CASE("JWKS and PEM keys load; unusable keys are explained") {
  const Key& ec = key_for("ES256");
  json jwk = public_jwk(ec, "ES256");
  std::string error, where;

  auto single = KeySet::from_jwks(jwk, &error);
  REQUIRE(single);
  CHECK(single->algorithms() == std::vector<std::string>{"ES256"});

  auto bad = [&](json j) {
    error.clear();
    where.clear();
    CHECK_FALSE(KeySet::from_jwks(j, &error, &where));
    return error;
  };
  json with_d = jwk;
  with_d["d"] = "AAAA";
  CHECK(bad(json{{"keys", {jwk, with_d}}}) ==
        "a private key in a JWKS: publish only the public part (kty, n, e or crv, x, y)");
  CHECK(where == "keys[1]");
  json off_curve = jwk;
  std::string y = *b64url_decode(jwk["y"].get<std::string>());
  y[31] ^= 1;
  off_curve["y"] = b64url_encode(y);
  CHECK(bad(off_curve) == "the point (x, y) is not on curve P-256");
  json padded = jwk;
  padded["x"] = jwk["x"].get<std::string>() + "=";
  CHECK(bad(padded) == "'x' is not base64url (RFC 7515, no padding)");
  CHECK(bad(json{{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", "AAAA"}}) == "unsupported kty 'OKP' (RSA, EC or oct)");
  CHECK(bad(json{{"keys", json::array()}}) == "the JWKS has no keys");
  CHECK(bad(json{{"kty", "EC"}, {"crv", "P-256"}, {"x", jwk["x"]}, {"y", jwk["y"]}, {"alg", "none"}}) ==
        "unsupported alg 'none'");
  json enc = jwk;
  enc["use"] = "enc";
  CHECK(bad(enc) == "key for use 'enc', not 'sig'");

  // PEM: the private key file apigw token writes, and its public half.
  std::string pem = private_pem(ec);
  auto from_private = KeySet::from_pem(pem, &error);
  REQUIRE(from_private);
  CHECK(from_private->keys()[0].is_private);
  CHECK(verify(token({{"sub", "x"}}, ec, "ES256"), *from_private, opts(), k_now).ok);
  CHECK_FALSE(KeySet::from_pem("not a key", &error));
  CHECK(error == "no PEM public key, certificate or private key found");
  CHECK_FALSE(KeySet::from_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", &error));
  CHECK(error == "the PEM block could not be read");
}

TEST_CASE("scopes and claims a route can require") {
  json claims = {{"scope", "pets:read  pets:write"},
                 {"scp", {"admin"}},
                 {"role", "ops"},
                 {"level", 3},
                 {"groups", {"a", "b"}},
                 {"realm_access", {{"roles", {"viewer", "editor"}}}}};
  CHECK(granted_scopes(claims) == std::vector<std::string>{"pets:read", "pets:write", "admin"});
  CHECK(claim_matches(*find_claim(claims, "role"), {"ops", "dev"}));
  CHECK_FALSE(claim_matches(*find_claim(claims, "role"), {"dev"}));
  CHECK(claim_matches(*find_claim(claims, "level"), {"3"}));
  CHECK(claim_matches(*find_claim(claims, "groups"), {"b"}));
  CHECK(claim_matches(*find_claim(claims, "realm_access.roles"), {"editor"}));
  CHECK(find_claim(claims, "realm_access.missing") == nullptr);
  CHECK(find_claim(claims, "role.x") == nullptr);
}

TEST_CASE("htpasswd: bcrypt, SHA-crypt and {SHA} entries check; plain, apr1 and DES lines are refused") {
  std::vector<FileProblem> problems;
  auto users = parse_htpasswd(
      "# people\n"
      "alice:$2y$05$J1GXWKGXCc2zJlVGkmLK.es7U70XPH04kQ.jWykMb1XZ.xWxBOily\n"
      "\n"
      "bob:$6$.5Avbo1igKNgzNrD$7a96sHhX8a0R/nx7bOepZe4eNJL2m0DAwyY5/Ocv/5Fyk5J96GYsIdtL7jfr.hcqYOdSrtSBHtLjIETOHikHZ1\r\n"
      "carol:{SHA}tiY7sUhYKUwI5L3866kDY+ENcrQ=\n"
      "dave:wonderland\n"
      "erin:$apr1$abc$def\n"
      "frank:xxj31ZMTZzkVA\n"
      "nocolon\n",
      problems);
  REQUIRE(users.size() == 3);
  for (const auto& u : users) {
    CAPTURE(u.name);
    CHECK(check_password("wonderland", u.hash));
    CHECK_FALSE(check_password("wonderlanD", u.hash));
    CHECK_FALSE(check_password("", u.hash));
  }
  REQUIRE(problems.size() == 4);
  CHECK(problems[0].line == 6);
  CHECK(problems[0].col == 6);
  CHECK(problems[0].message ==
        "user 'dave': not a bcrypt ($2y$), SHA-crypt ($5$, $6$) or {SHA} hash; plain-text and DES passwords are "
        "refused (make one with htpasswd -B)");
  CHECK(problems[1].message == "user 'erin': Apache MD5 ($apr1$) is not supported; use bcrypt (htpasswd -B)");
  CHECK(problems[2].line == 8);
  CHECK(problems[3].message == "expected 'user:hash'");
  CHECK(hash_kind("wonderland") == HashKind::None);
  CHECK_FALSE(check_password("wonderland", "wonderland"));  // a plain value is never a hash
}
