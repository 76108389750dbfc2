// apigw token: development JWTs signed with a local key, and the JWKS a config trusts them with.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "cli/command.hpp"
#include "emulator/policy/jwt.hpp"
#include "emulator/util/text.hpp"

namespace apigw::cli {

namespace {

namespace fs = std::filesystem;

// $XDG_CONFIG_HOME/apigw, else ~/.config/apigw.
std::string config_dir() {
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  if (xdg && *xdg) return std::string(xdg) + "/apigw";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : ".") + "/.config/apigw";
}

// One development key per key type: the default ES256 key is dev-key.pem.
std::string default_key_file(const std::string& alg) {
  std::string name = alg == "ES256"   ? "dev-key.pem"
                     : alg == "ES384" ? "dev-key-p384.pem"
                     : alg == "ES512" ? "dev-key-p521.pem"
                                      : "dev-key-rsa.pem";
  return config_dir() + "/" + name;
}

std::string read_file(const std::string& path, bool& ok) {
  std::ifstream in(path, std::ios::binary);
  ok = static_cast<bool>(in);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Writes a new private key readable by its owner only; false (and *error) when the file cannot be made. A file that
// appeared meanwhile (another apigw token) is left alone.
bool write_private(const std::string& path, const std::string& pem, std::string* error) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return true;
    *error = "cannot create " + path + ": " + std::strerror(errno);
    return false;
  }
  bool ok = ::write(fd, pem.data(), pem.size()) == static_cast<ssize_t>(pem.size());
  ok = ::close(fd) == 0 && ok;
  if (!ok) *error = "cannot write " + path;
  return ok;
}

// "1h", "30m", "-5m" (negative: in the past, for trying expired tokens) as seconds.
std::optional<long long> seconds_of(const std::string& text, std::string* error) {
  bool negative = !text.empty() && text[0] == '-';
  auto d = util::parse_duration(negative ? std::string_view(text).substr(1) : std::string_view(text), error);
  if (!d) return std::nullopt;
  long long s = std::chrono::duration_cast<std::chrono::seconds>(*d).count();
  return negative ? -s : s;
}

struct Options {
  std::string sub = "dev-user";
  std::vector<std::string> audiences;
  std::string issuer = "apigw-dev";
  std::vector<std::string> scopes;
  std::vector<std::string> claims;
  std::string exp = "1h";
  std::string nbf;
  std::string alg = "ES256";
  std::string key;
  std::string secret;
  bool jwks = false;
};

int run_token(const Options& o) {
  auto bad = [](const std::string& message) {
    std::cerr << "apigw token: " << message << "\n";
    return k_exit_bad_input;
  };
  if (!policy::is_known_algorithm(o.alg)) {
    std::string all;
    for (const auto& a : policy::known_algorithms()) all += (all.empty() ? "" : ", ") + a;
    return bad("unknown --alg '" + o.alg + "' (" + all + ")");
  }
  // Flags are checked before a development key is made on first use.
  std::string error;
  auto exp = seconds_of(o.exp, &error);
  if (!exp) return bad("invalid --exp '" + o.exp + "': " + error);
  std::optional<long long> nbf;
  if (!o.nbf.empty()) {
    nbf = seconds_of(o.nbf, &error);
    if (!nbf) return bad("invalid --nbf '" + o.nbf + "': " + error);
  }
  policy::Key key;
  bool hmac = o.alg[0] == 'H';
  if (hmac) {
    if (o.secret.empty()) return bad(o.alg + " needs --secret (the authorizer's 'secret')");
    if (o.jwks) return bad("--jwks prints public keys; an " + o.alg + " secret is not one (put it in the config's 'secret')");
    key = policy::KeySet::from_secret(o.secret).keys()[0];
  } else {
    if (!o.secret.empty()) return bad("--secret is for HS256/384/512; " + o.alg + " signs with a private key");
    std::string path = o.key.empty() ? default_key_file(o.alg) : o.key;
    bool exists = fs::exists(path);
    if (!exists && !o.key.empty()) return bad("cannot read key file " + path + ": no such file");
    if (!exists) {
      auto made = policy::generate_key(o.alg, &error);
      if (!made) return bad(error);
      if (!write_private(path, policy::private_pem(*made), &error)) return bad(error);
      std::cerr << "apigw token: made a new " << o.alg << " development key: " << path << "\n";
    }
    bool ok = false;
    std::string pem = read_file(path, ok);
    if (!ok) return bad("cannot read key file " + path + ": " + std::strerror(errno));
    auto set = policy::KeySet::from_pem(pem, &error);
    if (!set) return bad(path + ": " + error);
    key = set->keys()[0];
    if (!key.is_private && !o.jwks) return bad(path + ": signing needs a private key, not a public key or certificate");
    if (!key.fits(o.alg)) {
      std::string fits;
      for (const auto& a : key.algorithms()) fits += (fits.empty() ? "" : ", ") + a;
      return bad(path + ": an " + key.kty + (key.crv.empty() ? "" : " " + key.crv) + " key cannot sign " + o.alg +
                 " (it signs " + fits + ")");
    }
  }
  if (o.jwks) {
    nlohmann::json jwks = {{"keys", nlohmann::json::array({policy::public_jwk(key, o.alg)})}};
    std::cout << jwks.dump(2) << "\n";
    return k_exit_ok;
  }

  long long now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  nlohmann::json claims = nlohmann::json::object();
  if (!o.issuer.empty()) claims["iss"] = o.issuer;
  if (!o.sub.empty()) claims["sub"] = o.sub;
  if (o.audiences.size() == 1) claims["aud"] = o.audiences[0];
  else if (!o.audiences.empty()) claims["aud"] = o.audiences;
  claims["iat"] = now;
  claims["exp"] = now + *exp;
  if (nbf) claims["nbf"] = now + *nbf;
  std::string scope;
  for (const auto& s : o.scopes) {
    std::istringstream words(s);  // "--scope 'a b'" and "--scope a --scope b" both work
    for (std::string w; words >> w;) scope += (scope.empty() ? "" : " ") + w;
  }
  if (!scope.empty()) claims["scope"] = scope;
  for (const auto& c : o.claims) {
    auto eq = c.find('=');
    if (eq == std::string::npos || eq == 0) return bad("invalid --claim '" + c + "' (expected name=value)");
    std::string name = c.substr(0, eq), value = c.substr(eq + 1);
    // JSON values (numbers, true, lists, objects) are kept as such; anything else is a string.
    nlohmann::json parsed = nlohmann::json::parse(value, nullptr, false);
    claims[name] = parsed.is_discarded() ? nlohmann::json(value) : parsed;
  }
  std::string token = policy::sign(claims, key, o.alg, &error);
  if (token.empty()) return bad(error);
  std::cout << token << "\n";
  return k_exit_ok;
}

}  // namespace

Command token_command() {
  return {"token", "Mint a development JWT signed with a local key (or print that key's JWKS)", [](CLI::App& sub) {
            auto o = std::make_shared<Options>();
            sub.add_option("--sub", o->sub, "the subject (sub claim)")->capture_default_str();
            sub.add_option("--aud", o->audiences, "an audience (aud claim); repeat for several");
            sub.add_option("--iss", o->issuer, "the issuer (iss claim); '' for none")->capture_default_str();
            sub.add_option("--scope", o->scopes, "a scope for the scope claim (space-separated); repeat for several");
            sub.add_option("--claim", o->claims,
                           "another claim, name=value; a JSON value (42, true, [\"a\",\"b\"]) stays JSON; repeatable");
            sub.add_option("--exp", o->exp, "lifetime from now (30s, 15m, 1h, 7d); negative (-1h) for an expired token")
                ->capture_default_str();
            sub.add_option("--nbf", o->nbf, "not valid before now plus this (5m); negative for the past");
            sub.add_option("--alg", o->alg, "ES256, ES384, ES512, RS256/384/512, PS256/384/512, or HS256/384/512 with --secret")
                ->capture_default_str();
            sub.add_option("--key", o->key,
                           "PEM private key to sign with (default: a development key made on first use in "
                           "$XDG_CONFIG_HOME/apigw or ~/.config/apigw: dev-key.pem for ES256, dev-key-p384.pem, "
                           "dev-key-p521.pem, dev-key-rsa.pem for RS and PS)");
            sub.add_option("--secret", o->secret, "the shared secret for HS256/384/512");
            sub.add_flag("--jwks", o->jwks, "print the JWKS of the key (public part) instead of a token");
            sub.footer(
                "Examples:\n"
                "  apigw token --jwks > dev-jwks.json          (then in the config: jwks_file: dev-jwks.json)\n"
                "  curl -H \"Authorization: Bearer $(apigw token --scope pets:read)\" http://127.0.0.1:8080/pets\n"
                "  apigw token --aud pets --claim role=admin --claim 'groups=[\"ops\"]' --exp 15m\n"
                "  apigw token --alg RS256 --key signing-key.pem\n"
                "  apigw token --alg HS256 --secret \"$JWT_SECRET\"\n"
                "\nThe token goes to stdout (iss apigw-dev, sub dev-user, iat, exp; kid is the key's RFC 7638\n"
                "thumbprint). The development key is made once, readable by you only; delete it to make a new one.\n"
                "Exit codes: 0 printed; 2 bad flag or unusable key.");
            return [o]() -> int { return run_token(*o); };
          }};
}

}  // namespace apigw::cli
