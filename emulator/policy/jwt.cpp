#include "emulator/policy/jwt.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cmath>

namespace apigw::policy {

namespace {

constexpr size_t k_max_token = 16 * 1024;

const char k_b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM, OSSL_PARAM_free>>;
using EcSigPtr = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG, ECDSA_SIG_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;

std::shared_ptr<EVP_PKEY> own(EVP_PKEY* p) { return std::shared_ptr<EVP_PKEY>(p, EVP_PKEY_free); }

const EVP_MD* digest_for(const std::string& alg) {
  std::string_view bits = std::string_view(alg).substr(alg.size() >= 3 ? alg.size() - 3 : 0);
  if (bits == "256") return EVP_sha256();
  if (bits == "384") return EVP_sha384();
  if (bits == "512") return EVP_sha512();
  return nullptr;
}

// The field size in bytes of an EC curve (the length of x, y, r and s).
size_t curve_bytes(const std::string& crv) { return crv == "P-256" ? 32 : crv == "P-384" ? 48 : crv == "P-521" ? 66 : 0; }

std::string crv_of_group(const std::string& group) {
  if (group == "prime256v1" || group == "P-256" || group == "secp256r1") return "P-256";
  if (group == "secp384r1" || group == "P-384") return "P-384";
  if (group == "secp521r1" || group == "P-521") return "P-521";
  return "";
}

std::string bn_bytes(const BIGNUM* bn, size_t pad = 0) {
  std::string out(pad ? pad : static_cast<size_t>(BN_num_bytes(bn)), '\0');
  if (pad) BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(pad));
  else BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

// Fills kty/crv/bits of a key from its EVP_PKEY; false for a type apigw does not use.
bool describe(Key& k, std::string* error) {
  EVP_PKEY* p = k.pkey.get();
  k.bits = EVP_PKEY_get_bits(p);
  if (EVP_PKEY_is_a(p, "RSA")) {
    k.kty = "RSA";
    if (k.bits < 2048) {
      if (error) *error = "RSA key of " + std::to_string(k.bits) + " bits is too weak (at least 2048)";
      return false;
    }
    return true;
  }
  if (EVP_PKEY_is_a(p, "EC")) {
    k.kty = "EC";
    char group[64] = {0};
    size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(p, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) != 1) {
      if (error) *error = "EC key without a named curve";
      return false;
    }
    k.crv = crv_of_group(group);
    if (k.crv.empty()) {
      if (error) *error = std::string("EC curve '") + group + "' is not one JWS uses (P-256, P-384, P-521)";
      return false;
    }
    return true;
  }
  if (error) *error = "unsupported key type (RSA or EC keys only)";
  return false;
}

std::optional<std::string> member_bytes(const nlohmann::json& jwk, const char* name, std::string* error) {
  auto it = jwk.find(name);
  if (it == jwk.end() || !it->is_string()) {
    if (error) *error = std::string("missing '") + name + "' (a base64url string)";
    return std::nullopt;
  }
  auto bytes = b64url_decode(it->get<std::string>());
  if (!bytes || bytes->empty()) {
    if (error) *error = std::string("'") + name + "' is not base64url (RFC 7515, no padding)";
    return std::nullopt;
  }
  return bytes;
}

std::optional<Key> key_from_jwk(const nlohmann::json& jwk, std::string* error) {
  if (!jwk.is_object()) {
    if (error) *error = "expected a JWK (a JSON object)";
    return std::nullopt;
  }
  auto text = [&](const char* name) {
    auto it = jwk.find(name);
    return it != jwk.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  Key k;
  k.kty = text("kty");
  k.kid = text("kid");
  k.alg = text("alg");
  if (!k.alg.empty() && !is_known_algorithm(k.alg)) {
    if (error) *error = "unsupported alg '" + k.alg + "'";
    return std::nullopt;
  }
  if (auto use = text("use"); !use.empty() && use != "sig") {
    if (error) *error = "key for use '" + use + "', not 'sig'";
    return std::nullopt;
  }
  if (jwk.contains("d") || jwk.contains("p")) {
    if (error) *error = "a private key in a JWKS: publish only the public part (kty, n, e or crv, x, y)";
    return std::nullopt;
  }
  if (k.kty == "oct") {
    auto secret = member_bytes(jwk, "k", error);
    if (!secret) return std::nullopt;
    k.secret = *secret;
    return k;
  }
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  PkeyCtxPtr ctx;
  BnPtr n, e;
  std::string point;
  if (k.kty == "RSA") {
    auto n_bytes = member_bytes(jwk, "n", error);
    if (!n_bytes) return std::nullopt;
    auto e_bytes = member_bytes(jwk, "e", error);
    if (!e_bytes) return std::nullopt;
    n.reset(BN_bin2bn(reinterpret_cast<const unsigned char*>(n_bytes->data()), static_cast<int>(n_bytes->size()), nullptr));
    e.reset(BN_bin2bn(reinterpret_cast<const unsigned char*>(e_bytes->data()), static_cast<int>(e_bytes->size()), nullptr));
    OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get());
    OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get());
    ctx.reset(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  } else if (k.kty == "EC") {
    k.crv = text("crv");
    size_t size = curve_bytes(k.crv);
    if (!size) {
      if (error) *error = "unsupported curve '" + k.crv + "' (P-256, P-384 or P-521)";
      return std::nullopt;
    }
    auto x = member_bytes(jwk, "x", error);
    if (!x) return std::nullopt;
    auto y = member_bytes(jwk, "y", error);
    if (!y) return std::nullopt;
    // RFC 7518 6.2.1.2 wants the full length, but some encoders (PyJWT before 2.8) drop leading zero bytes: a
    // shorter big-endian coordinate means the same number, so it is padded back; a longer one is an error.
    if (x->size() < size && !x->empty()) x->insert(0, size - x->size(), '\0');
    if (y->size() < size && !y->empty()) y->insert(0, size - y->size(), '\0');
    if (x->size() != size || y->size() != size) {
      if (error) *error = "'x' and 'y' of a " + k.crv + " key are " + std::to_string(size) + " bytes each";
      return std::nullopt;
    }
    point = "\x04" + *x + *y;
    OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, k.crv.c_str(), 0);
    OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
    ctx.reset(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  } else {
    if (error) *error = k.kty.empty() ? "missing 'kty'" : "unsupported kty '" + k.kty + "' (RSA, EC or oct)";
    return std::nullopt;
  }
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  EVP_PKEY* pkey = nullptr;
  if (!ctx || !params || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params.get()) != 1 || !pkey) {
    if (error) *error = k.kty == "EC" ? "the point (x, y) is not on curve " + k.crv : "not a usable RSA public key";
    return std::nullopt;
  }
  k.pkey = own(pkey);
  if (!describe(k, error)) return std::nullopt;
  return k;
}

// ECDSA: JWS carries r || s, each padded to the curve's size; OpenSSL speaks DER.
std::optional<std::string> raw_to_der(std::string_view raw, size_t size) {
  if (raw.size() != 2 * size) return std::nullopt;
  EcSigPtr sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), static_cast<int>(size), nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data() + size), static_cast<int>(size), nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return std::nullopt;
  }
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0) return std::nullopt;
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

std::optional<std::string> der_to_raw(const std::string& der, size_t size) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  EcSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) return std::nullopt;
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  return bn_bytes(r, size) + bn_bytes(s, size);
}

bool setup_padding(EVP_PKEY_CTX* pctx, const std::string& alg) {
  if (alg[0] != 'P') return true;
  return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1;
}

std::string hmac(const std::string& alg, const std::string& secret, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(digest_for(alg), secret.data(), static_cast<int>(secret.size()),
            reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &len))
    return {};
  return std::string(reinterpret_cast<char*>(mac), len);
}

bool verify_signature(const Key& key, const std::string& alg, std::string_view data, const std::string& signature) {
  if (alg[0] == 'H') {
    std::string mac = hmac(alg, key.secret, data);
    return !mac.empty() && mac.size() == signature.size() && CRYPTO_memcmp(mac.data(), signature.data(), mac.size()) == 0;
  }
  std::string der;
  const std::string* sig = &signature;
  if (alg[0] == 'E') {
    auto converted = raw_to_der(signature, curve_bytes(key.crv));
    if (!converted) return false;
    der = std::move(*converted);
    sig = &der;
  }
  MdCtxPtr md(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!md || EVP_DigestVerifyInit(md.get(), &pctx, digest_for(alg), nullptr, key.pkey.get()) != 1) return false;
  if (!setup_padding(pctx, alg)) return false;
  return EVP_DigestVerify(md.get(), reinterpret_cast<const unsigned char*>(sig->data()), sig->size(),
                          reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
}

// "" when a key of the set made `signature` over `data` with `alg`; else why not.
std::string check_signature(std::string_view data, const std::string& alg, const std::string& signature,
                            const nlohmann::json& header, const KeySet& keys) {
  std::string kid;
  if (header.contains("kid")) {
    if (!header["kid"].is_string()) return "malformed JWT ('kid' is not a string)";
    kid = header["kid"];
  }
  if (std::none_of(keys.keys().begin(), keys.keys().end(), [&](const Key& k) { return k.fits(alg); })) {
    std::string all;
    for (const auto& a : keys.algorithms()) all += (all.empty() ? "" : ", ") + a;
    return "no key for JWT algorithm '" + alg + "' (the keys fit " + (all.empty() ? std::string("nothing") : all) + ")";
  }
  std::vector<const Key*> candidates;
  bool kid_known = false;
  for (const auto& k : keys.keys()) {
    if (!kid.empty() && !k.kid.empty() && k.kid != kid) continue;
    if (!kid.empty() && k.kid == kid) kid_known = true;
    if (k.fits(alg)) candidates.push_back(&k);
  }
  // A kid that names a key of the set picks that key alone.
  if (kid_known)
    candidates.erase(std::remove_if(candidates.begin(), candidates.end(), [&](const Key* k) { return k->kid != kid; }),
                     candidates.end());
  if (candidates.empty()) return "no key with kid '" + kid.substr(0, 64) + "' for JWT algorithm '" + alg + "'";
  for (const Key* k : candidates)
    if (verify_signature(*k, alg, data, signature)) return "";
  return "JWT signature does not verify";
}

}  // namespace

std::string b64url_encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() * 4 + 2) / 3);
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : in) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += k_b64url[(acc >> bits) & 63];
    }
  }
  if (bits > 0) out += k_b64url[(acc << (6 - bits)) & 63];
  return out;
}

std::optional<std::string> b64url_decode(std::string_view in) {
  if (in.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = c >= 'A' && c <= 'Z'   ? c - 'A'
            : c >= 'a' && c <= 'z' ? c - 'a' + 26
            : c >= '0' && c <= '9' ? c - '0' + 52
            : c == '-'             ? 62
            : c == '_'             ? 63
                                   : -1;
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  // The unused low bits of the last character must be zero: one canonical text per byte string.
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

const std::vector<std::string>& known_algorithms() {
  static const std::vector<std::string> algs = {"HS256", "HS384", "HS512", "RS256", "RS384", "RS512",
                                                "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"};
  return algs;
}

bool is_known_algorithm(const std::string& alg) {
  const auto& a = known_algorithms();
  return std::find(a.begin(), a.end(), alg) != a.end();
}

bool Key::fits(const std::string& a) const {
  if (!is_known_algorithm(a)) return false;
  if (!alg.empty() && alg != a) return false;
  switch (a[0]) {
    case 'H': return kty == "oct" && !secret.empty();
    case 'R':
    case 'P': return kty == "RSA" && pkey != nullptr;
    case 'E':
      return kty == "EC" && pkey != nullptr &&
             crv == (a == "ES256" ? "P-256" : a == "ES384" ? "P-384" : "P-521");
  }
  return false;
}

std::vector<std::string> Key::algorithms() const {
  std::vector<std::string> out;
  for (const auto& a : known_algorithms())
    if (fits(a)) out.push_back(a);
  return out;
}

std::vector<std::string> KeySet::algorithms() const {
  std::vector<std::string> out;
  for (const auto& a : known_algorithms())
    if (std::any_of(keys_.begin(), keys_.end(), [&](const Key& k) { return k.fits(a); })) out.push_back(a);
  return out;
}

std::optional<KeySet> KeySet::from_jwks(const nlohmann::json& jwks, std::string* error, std::string* where) {
  KeySet set;
  if (jwks.is_object() && jwks.contains("keys")) {
    const auto& keys = jwks["keys"];
    if (!keys.is_array()) {
      if (error) *error = "'keys' is not a list";
      if (where) *where = "keys";
      return std::nullopt;
    }
    for (size_t i = 0; i < keys.size(); ++i) {
      auto k = key_from_jwk(keys[i], error);
      if (!k) {
        if (where) *where = "keys[" + std::to_string(i) + "]";
        return std::nullopt;
      }
      set.keys_.push_back(std::move(*k));
    }
  } else {
    auto k = key_from_jwk(jwks, error);
    if (!k) return std::nullopt;
    set.keys_.push_back(std::move(*k));
  }
  if (set.keys_.empty()) {
    if (error) *error = "the JWKS has no keys";
    return std::nullopt;
  }
  return set;
}

namespace {
int no_passphrase(char*, int, int, void*) { return -1; }
}  // namespace

std::optional<KeySet> KeySet::from_pem(const std::string& pem, std::string* error) {
  auto bio = [&] { return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()))); };
  Key k;
  if (pem.find("-----BEGIN PUBLIC KEY-----") != std::string::npos) {
    auto b = bio();
    k.pkey = own(PEM_read_bio_PUBKEY(b.get(), nullptr, no_passphrase, nullptr));
  } else if (pem.find("-----BEGIN CERTIFICATE-----") != std::string::npos) {
    auto b = bio();
    X509Ptr cert(PEM_read_bio_X509(b.get(), nullptr, no_passphrase, nullptr));
    if (cert) k.pkey = own(X509_get_pubkey(cert.get()));
  } else if (pem.find("PRIVATE KEY-----") != std::string::npos) {
    auto b = bio();
    k.pkey = own(PEM_read_bio_PrivateKey(b.get(), nullptr, no_passphrase, nullptr));
    k.is_private = true;
    if (pem.find("ENCRYPTED") != std::string::npos && !k.pkey) {
      if (error) *error = "the private key is encrypted; give the public key (openssl pkey -pubout) instead";
      return std::nullopt;
    }
  } else {
    if (error) *error = "no PEM public key, certificate or private key found";
    return std::nullopt;
  }
  if (!k.pkey) {
    if (error) *error = "the PEM block could not be read";
    return std::nullopt;
  }
  if (!describe(k, error)) return std::nullopt;
  KeySet set;
  set.keys_.push_back(std::move(k));
  return set;
}

KeySet KeySet::from_secret(std::string secret) {
  KeySet set;
  Key k;
  k.kty = "oct";
  k.secret = std::move(secret);
  set.keys_.push_back(std::move(k));
  return set;
}

Verified verify(std::string_view token, const KeySet& keys, const VerifyOptions& options,
                std::chrono::system_clock::time_point now) {
  Verified out;
  auto fail = [&](std::string why) {
    out.ok = false;
    out.error = std::move(why);
    return out;
  };
  if (token.size() > k_max_token) return fail("JWT too long");
  size_t d1 = token.find('.');
  size_t d2 = d1 == std::string_view::npos ? d1 : token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos)
    return fail("malformed JWT (expected header.payload.signature)");
  auto header_text = b64url_decode(token.substr(0, d1));
  auto payload_text = b64url_decode(token.substr(d1 + 1, d2 - d1 - 1));
  auto signature = b64url_decode(token.substr(d2 + 1));
  if (!header_text || !payload_text || !signature) return fail("malformed JWT (bad base64url)");
  out.header = nlohmann::json::parse(*header_text, nullptr, false);
  if (!out.header.is_object() || !out.header.contains("alg") || !out.header["alg"].is_string())
    return fail("malformed JWT (the header is not a JSON object with an 'alg')");
  std::string alg = out.header["alg"];
  if (out.header.contains("crit")) return fail("JWT header has 'crit' extensions apigw does not understand");
  if (alg == "none" || alg == "None" || alg == "NONE") return fail("unsigned JWT (alg 'none') refused");
  const auto& allowed = options.algorithms;
  bool listed = allowed.empty() ? is_known_algorithm(alg) : std::find(allowed.begin(), allowed.end(), alg) != allowed.end();
  if (!listed) return fail("JWT algorithm '" + alg + "' is not accepted");

  if (options.check_signature)
    if (std::string why = check_signature(token.substr(0, d2), alg, *signature, out.header, keys); !why.empty())
      return fail(std::move(why));

  out.claims = nlohmann::json::parse(*payload_text, nullptr, false);
  if (!out.claims.is_object()) return fail("malformed JWT (the claims are not a JSON object)");
  const auto& c = out.claims;
  double t = std::chrono::duration<double>(now.time_since_epoch()).count();
  double leeway = static_cast<double>(options.leeway.count());
  if (c.contains("exp")) {
    if (!c["exp"].is_number() || !std::isfinite(c["exp"].get<double>())) return fail("JWT 'exp' is not a number");
    if (t >= c["exp"].get<double>() + leeway) return fail("JWT expired");
  }
  if (c.contains("nbf")) {
    if (!c["nbf"].is_number() || !std::isfinite(c["nbf"].get<double>())) return fail("JWT 'nbf' is not a number");
    if (t + leeway < c["nbf"].get<double>()) return fail("JWT not valid yet (nbf)");
  }
  if (!options.issuer.empty() && !(c.contains("iss") && c["iss"].is_string() && c["iss"] == options.issuer))
    return fail("JWT issuer is not '" + options.issuer + "'");
  if (!options.audiences.empty()) {
    bool ok = false;
    if (auto it = c.find("aud"); it != c.end())
      for (const auto& want : options.audiences)
        ok = ok || (it->is_string() && *it == want) ||
             (it->is_array() && std::find(it->begin(), it->end(), nlohmann::json(want)) != it->end());
    if (!ok) return fail("JWT audience is not accepted");
  }
  out.ok = true;
  return out;
}

std::string sign(const nlohmann::json& claims, const Key& key, const std::string& alg, std::string* error) {
  if (!key.fits(alg)) {
    if (error) *error = "the key cannot sign " + alg + " (it fits " + [&] {
      std::string all;
      for (const auto& a : key.algorithms()) all += (all.empty() ? "" : ", ") + a;
      return all.empty() ? std::string("nothing") : all;
    }() + ")";
    return {};
  }
  if (alg[0] != 'H' && !key.is_private) {
    if (error) *error = "signing needs a private key";
    return {};
  }
  nlohmann::ordered_json header = {{"alg", alg}, {"typ", "JWT"}};
  std::string kid = key.kid.empty() && alg[0] != 'H' ? thumbprint(key) : key.kid;
  if (!kid.empty()) header["kid"] = kid;
  std::string data = b64url_encode(header.dump()) + "." + b64url_encode(claims.dump());
  std::string signature;
  if (alg[0] == 'H') {
    signature = hmac(alg, key.secret, data);
  } else {
    MdCtxPtr md(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;
    size_t len = 0;
    if (!md || EVP_DigestSignInit(md.get(), &pctx, digest_for(alg), nullptr, key.pkey.get()) != 1 ||
        !setup_padding(pctx, alg) ||
        EVP_DigestSign(md.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
      if (error) *error = "signing failed";
      return {};
    }
    signature.resize(len);
    if (EVP_DigestSign(md.get(), reinterpret_cast<unsigned char*>(signature.data()), &len,
                       reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
      if (error) *error = "signing failed";
      return {};
    }
    signature.resize(len);
    if (alg[0] == 'E') {
      auto raw = der_to_raw(signature, curve_bytes(key.crv));
      if (!raw) {
        if (error) *error = "signing failed";
        return {};
      }
      signature = std::move(*raw);
    }
  }
  if (signature.empty()) {
    if (error) *error = "signing failed";
    return {};
  }
  return data + "." + b64url_encode(signature);
}

namespace {

// The required members of a public JWK (RFC 7638's thumbprint input).
nlohmann::json jwk_members(const Key& key) {
  nlohmann::json j = {{"kty", key.kty}};
  EVP_PKEY* p = key.pkey.get();
  if (key.kty == "oct") {
    j["k"] = b64url_encode(key.secret);
  } else if (key.kty == "RSA") {
    BIGNUM* n = nullptr;
    BIGNUM* e = nullptr;
    EVP_PKEY_get_bn_param(p, OSSL_PKEY_PARAM_RSA_N, &n);
    EVP_PKEY_get_bn_param(p, OSSL_PKEY_PARAM_RSA_E, &e);
    BnPtr nn(n), ee(e);
    if (n && e) {
      j["n"] = b64url_encode(bn_bytes(n));
      j["e"] = b64url_encode(bn_bytes(e));
    }
  } else if (key.kty == "EC") {
    BIGNUM* x = nullptr;
    BIGNUM* y = nullptr;
    EVP_PKEY_get_bn_param(p, OSSL_PKEY_PARAM_EC_PUB_X, &x);
    EVP_PKEY_get_bn_param(p, OSSL_PKEY_PARAM_EC_PUB_Y, &y);
    BnPtr xx(x), yy(y);
    j["crv"] = key.crv;
    if (x && y) {
      j["x"] = b64url_encode(bn_bytes(x, curve_bytes(key.crv)));
      j["y"] = b64url_encode(bn_bytes(y, curve_bytes(key.crv)));
    }
  }
  return j;
}

}  // namespace

std::string thumbprint(const Key& key) {
  std::string canonical = jwk_members(key).dump();  // keys sorted, no spaces: RFC 7638's form
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(canonical.data(), canonical.size(), digest, &len, EVP_sha256(), nullptr);
  return b64url_encode(std::string_view(reinterpret_cast<char*>(digest), len));
}

nlohmann::json public_jwk(const Key& key, const std::string& alg) {
  nlohmann::ordered_json j;
  nlohmann::json m = jwk_members(key);
  j["kty"] = key.kty;
  if (key.kty == "RSA") {
    j["n"] = m["n"];
    j["e"] = m["e"];
  } else if (key.kty == "EC") {
    j["crv"] = m["crv"];
    j["x"] = m["x"];
    j["y"] = m["y"];
  }
  j["kid"] = key.kid.empty() ? thumbprint(key) : key.kid;
  if (!alg.empty()) j["alg"] = alg;
  j["use"] = "sig";
  return nlohmann::json::parse(j.dump());
}

std::optional<Key> generate_key(const std::string& alg, std::string* error) {
  EVP_PKEY* p = nullptr;
  if (alg == "ES256") p = EVP_EC_gen("P-256");
  else if (alg == "ES384") p = EVP_EC_gen("P-384");
  else if (alg == "ES512") p = EVP_EC_gen("P-521");
  else if (alg[0] == 'R' || alg[0] == 'P') p = EVP_RSA_gen(2048);
  if (!p) {
    if (error) *error = "cannot make a key for " + alg;
    return std::nullopt;
  }
  Key k;
  k.pkey = own(p);
  k.is_private = true;
  if (!describe(k, error)) return std::nullopt;
  return k;
}

std::string private_pem(const Key& key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key.pkey.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) return {};
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

std::vector<std::string> granted_scopes(const nlohmann::json& claims) {
  std::vector<std::string> granted;
  if (!claims.is_object()) return granted;
  for (const char* name : {"scope", "scp"}) {
    auto it = claims.find(name);
    if (it == claims.end()) continue;
    if (it->is_string()) {
      std::string all = *it;
      size_t i = 0;
      while (i < all.size()) {
        size_t sp = all.find(' ', i);
        if (sp != i) granted.push_back(all.substr(i, sp == std::string::npos ? std::string::npos : sp - i));
        if (sp == std::string::npos) break;
        i = sp + 1;
      }
    } else if (it->is_array()) {
      for (const auto& x : *it)
        if (x.is_string()) granted.push_back(x);
    }
  }
  return granted;
}

std::string claim_text(const nlohmann::json& claim) {
  if (claim.is_string()) return claim.get<std::string>();
  std::string out;
  if (claim.is_array() && std::all_of(claim.begin(), claim.end(), [](const auto& x) { return x.is_string(); })) {
    for (const auto& x : claim) out += (out.empty() ? "" : ",") + x.get<std::string>();
    return out;
  }
  return claim.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

const nlohmann::json* find_claim(const nlohmann::json& claims, const std::string& name) {
  if (!claims.is_object()) return nullptr;
  if (auto it = claims.find(name); it != claims.end()) return &*it;
  const nlohmann::json* at = &claims;
  size_t i = 0;
  while (i <= name.size()) {
    size_t dot = name.find('.', i);
    std::string part = name.substr(i, dot == std::string::npos ? std::string::npos : dot - i);
    if (!at->is_object()) return nullptr;
    auto it = at->find(part);
    if (it == at->end()) return nullptr;
    at = &*it;
    if (dot == std::string::npos) return at;
    i = dot + 1;
  }
  return nullptr;
}

namespace {
std::string scalar_text(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean() || v.is_number()) return v.dump();
  return {};
}
}  // namespace

bool claim_matches(const nlohmann::json& claim, const std::vector<std::string>& values) {
  auto one = [&](const nlohmann::json& v) {
    if (!(v.is_string() || v.is_boolean() || v.is_number())) return false;
    std::string text = scalar_text(v);
    return std::find(values.begin(), values.end(), text) != values.end();
  };
  if (claim.is_array()) return std::any_of(claim.begin(), claim.end(), one);
  return one(claim);
}

}  // namespace apigw::policy
