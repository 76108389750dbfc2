// JWT auth against the real binary: tokens minted by another implementation (PyJWT, Debian's python3-jwt), good and
// hostile; JWKS files, inline JWKS and PEM keys; scopes, claims, forwarded claims; `apigw token` end to end.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <atomic>
#include <cctype>
#include <map>
#include <filesystem>
#include <mutex>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "e2e/process.hpp"

namespace {

long long now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Debian's python3 (not a pyenv or venv one that may lack the packages).
const char* k_python = "/usr/bin/python3";

bool have_pyjwt() {
  return std::system((std::string(k_python) + " -c 'import jwt, cryptography' 2>/dev/null").c_str()) == 0;
}

using e2e::make_dir;

// An upstream that answers with the headers it received, as JSON.
class EchoUpstream {
 public:
  EchoUpstream() {
    server_.Get(".*", [](const httplib::Request& req, httplib::Response& res) {
      nlohmann::json h = nlohmann::json::object();
      for (const auto& [k, v] : req.headers) h[k] = v;  // names as sent (a repeated name keeps its last value)
      res.set_content(h.dump(), "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~EchoUpstream() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

httplib::Headers bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

using e2e::detail;

}  // namespace

TEST_CASE("tokens minted by PyJWT: good ones pass, hostile ones get 401 or 403 with the reason") {
  if (!have_pyjwt()) {
    MESSAGE("SKIPPED: Debian's python3-jwt and python3-cryptography are not installed (bash .ci/dev deps)");
    return;
  }
  std::string dir = make_dir("pyjwt");
  REQUIRE(std::system((std::string(k_python) + " " + e2e::source("tests/fixtures/auth/mint.py") + " " + dir + " " +
                       std::to_string(now_s()))
                          .c_str()) == 0);
  auto tokens = nlohmann::json::parse(e2e::slurp(dir + "/tokens.json"));
  EchoUpstream upstream;
  std::string cfg = dir + "/gateway.yaml";
  std::ofstream(cfg) << R"(apigw: 1
backends:
  echo: )" << upstream.url() << R"(
auth:
  rsa:
    type: jwt
    jwks_file: rsa.jwks.json
    algorithms: [RS256, RS384, PS256]
    issuer: https://id.test
    audiences: [pets]
    leeway: 2m
    forward_claims: { sub: x-user-id, groups: x-user-groups }
  ec: { type: jwt, jwks_file: ec.jwks.json, issuer: https://id.test, audiences: [pets] }
  pem: { type: jwt, pem_file: p384.pub.pem, audiences: [pets] }
  hs: { type: jwt, secret: "${E2E_HS_SECRET}", audiences: [pets] }
routes:
  - { id: rsa, method: GET, path: /rsa, mock: { body: rsa }, auth: [rsa] }
  - { id: ec, method: GET, path: /ec, mock: { body: ec }, auth: [ec] }
  - { id: pem, method: GET, path: /pem, mock: { body: pem }, auth: [pem] }
  - { id: hs, method: GET, path: /hs, mock: { body: hs }, auth: [hs] }
  - { id: admin, method: GET, path: /admin, mock: { body: admin }, auth: [{ rsa: [pets:admin] }] }
  - { id: ops, method: GET, path: /ops, mock: { body: ops }, auth: [{ rsa: { claims: { groups: ops, email: [alice@example.com] } } }] }
  - { id: root, method: GET, path: /root, mock: { body: root }, auth: [{ rsa: { claims: { groups: root } } }] }
  - { id: echo, method: GET, path: /echo, proxy: echo, auth: [rsa] }
)";
  e2e::Process server({"serve", cfg, "--port", "0", "--access-log", "off"},
                      {"E2E_HS_SECRET=e2e-shared-secret-of-32-bytes!!!"});
  int port = server.wait_for_port();
  REQUIRE_MESSAGE(port > 0, server.err());
  CHECK(server.err().find("warning") == std::string::npos);
  httplib::Client c("127.0.0.1", port);
  auto get = [&](const std::string& path, const std::string& token_name) {
    return c.Get(path, bearer(tokens[token_name].get<std::string>()));
  };

  SUBCASE("accepted") {
    for (const char* name : {"rs256", "rs384", "ps256", "expired_in_leeway", "audience_list"}) {
      CAPTURE(name);
      auto r = get("/rsa", name);
      CHECK(r->status == 200);
      CHECK(r->body == "rsa");
    }
    CHECK(get("/ec", "es256")->status == 200);
    CHECK(get("/pem", "es384_pem")->status == 200);
    CHECK(get("/hs", "hs256")->status == 200);
    CHECK(get("/admin", "admin_scope")->status == 200);
    CHECK(get("/ops", "rs256")->status == 200);
  }

  SUBCASE("refused with 401 and the reason") {
    struct Case {
      const char* path;
      const char* token;
      const char* detail;
    };
    for (const Case& k : std::vector<Case>{
             {"/rsa", "none", "unsigned JWT (alg 'none') refused"},
             {"/rsa", "hs_confusion", "JWT algorithm 'HS256' is not accepted"},
             {"/rsa", "rs512_not_allowed", "JWT algorithm 'RS512' is not accepted"},
             {"/rsa", "expired", "JWT expired"},
             {"/rsa", "not_yet_valid", "JWT not valid yet (nbf)"},
             {"/rsa", "wrong_audience", "JWT audience is not accepted"},
             {"/rsa", "wrong_issuer", "JWT issuer is not 'https://id.test'"},
             {"/rsa", "tampered_signature", "JWT signature does not verify"},
             {"/rsa", "tampered_payload", "JWT signature does not verify"},
             {"/rsa", "other_key_same_kid", "JWT signature does not verify"},
             {"/rsa", "unknown_kid", "no key with kid 'rsa-2' for JWT algorithm 'RS256'"},
             {"/rsa", "es256", "JWT algorithm 'ES256' is not accepted"},
             {"/ec", "rs256", "no key for JWT algorithm 'RS256' (the keys fit ES256)"},
             {"/hs", "hs256_wrong_secret", "JWT signature does not verify"},
             {"/hs", "rs256", "no key for JWT algorithm 'RS256' (the keys fit HS256, HS384, HS512)"},
         }) {
      CAPTURE(k.path);
      CAPTURE(k.token);
      auto r = get(k.path, k.token);
      REQUIRE(r);
      CHECK(r->status == 401);
      CHECK(detail(r) == k.detail);
      CHECK(r->get_header_value("WWW-Authenticate") == "Bearer realm=\"apigw\", error=\"invalid_token\"");
      CHECK(r->get_header_value("Content-Type") == "application/problem+json");
    }
    // The key-confusion token also fails where HS256 is allowed but only RSA keys exist (the ec authorizer lists no
    // algorithms: its EC key fits ES256 alone).
    CHECK(detail(get("/ec", "hs_confusion")) == "no key for JWT algorithm 'HS256' (the keys fit ES256)");
    auto none = c.Get("/rsa");
    CHECK(none->status == 401);
    CHECK(none->get_header_value("WWW-Authenticate") == "Bearer realm=\"apigw\"");
    CHECK(detail(none) == "missing bearer token");
  }

  SUBCASE("403 when authenticated but lacking a scope or claim") {
    auto r = get("/admin", "rs256");
    CHECK(r->status == 403);
    CHECK(detail(r) == "the token lacks scope 'pets:admin'");
    CHECK(r->get_header_value("WWW-Authenticate") ==
          "Bearer realm=\"apigw\", error=\"insufficient_scope\", scope=\"pets:admin\"");
    auto claim = get("/root", "rs256");
    CHECK(claim->status == 403);
    CHECK(detail(claim) == "the token's 'groups' claim is not 'root'");
    CHECK(get("/ops", "no_scope")->status == 200);  // claims, not scopes
  }

  SUBCASE("chosen claims reach the upstream as headers; a client cannot set them itself") {
    auto h = bearer(tokens["rs256"].get<std::string>());
    h.emplace("X-User-Id", "mallory");
    h.emplace("x-user-groups", "root");
    auto r = c.Get("/echo", h);
    REQUIRE(r->status == 200);
    auto seen = nlohmann::json::parse(r->body);
    std::map<std::string, std::vector<std::string>> by_name;  // header names compared case-insensitively
    for (const auto& [k, v] : seen.items()) {
      std::string lower = k;
      for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      by_name[lower].push_back(v.get<std::string>());
    }
    CHECK(by_name["x-user-id"] == std::vector<std::string>{"alice"});
    CHECK(by_name["x-user-groups"] == std::vector<std::string>{"ops,dev"});
    CHECK(r->body.find("mallory") == std::string::npos);
    CHECK(r->body.find("root") == std::string::npos);
  }

  server.signal(SIGTERM);
  CHECK(server.wait() == 0);
}

TEST_CASE("apigw token: a dev key made once, its JWKS trusted by a config, one-line calls; PyJWT agrees") {
  std::string home = make_dir("token-home");
  std::vector<std::string> env = {"XDG_CONFIG_HOME=" + home};
  auto jwks = e2e::run({"token", "--jwks"}, env);
  REQUIRE_MESSAGE(jwks.exit_code == 0, jwks.err);
  CHECK(jwks.err.find("made a new ES256 development key: " + home + "/apigw/dev-key.pem") != std::string::npos);
  struct stat st {};
  REQUIRE(stat((home + "/apigw/dev-key.pem").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto set = nlohmann::json::parse(jwks.out);
  CHECK(set["keys"][0]["kty"] == "EC");
  CHECK(set["keys"][0]["crv"] == "P-256");
  CHECK(set["keys"][0]["alg"] == "ES256");
  CHECK_FALSE(set["keys"][0].contains("d"));
  auto again = e2e::run({"token", "--jwks"}, env);
  CHECK(again.out == jwks.out);  // the same key, not a new one
  CHECK(again.err.empty());

  std::string dir = make_dir("token-cfg");
  std::ofstream(dir + "/apigw.jwks.json") << jwks.out;
  std::string cfg = dir + "/gateway.yaml";
  std::ofstream(cfg) << R"(apigw: 1
auth:
  dev: { type: jwt, jwks_file: apigw.jwks.json, issuer: apigw-dev, audiences: [pets] }
  devpem: { type: jwt, pem_file: "${XDG_CONFIG_HOME}/apigw/dev-key.pem" }
policies:
  auth: [{ dev: [pets:read] }]
groups:
  admin:
    auth: [{ dev: { scopes: [pets:read], claims: { role: admin } } }]
routes:
  - { method: GET, path: /pets, mock: { body: [] } }
  - { method: GET, path: /admin, group: admin, mock: { body: admin } }
  - { method: GET, path: /pem, mock: { body: pem }, auth: [devpem] }
  - { method: GET, path: /health, mock: { body: ok }, auth: [] }
)";
  e2e::Process server({"serve", cfg, "--port", "0", "--access-log", "off"}, env);
  int port = server.wait_for_port();
  REQUIRE_MESSAGE(port > 0, server.err());
  httplib::Client c("127.0.0.1", port);
  auto mint = [&](std::vector<std::string> args) {
    args.insert(args.begin(), "token");
    auto r = e2e::run(args, env);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    return r.out.substr(0, r.out.find('\n'));
  };

  CHECK(c.Get("/health")->status == 200);
  CHECK(c.Get("/pets")->status == 401);
  std::string read = mint({"--scope", "pets:read", "--aud", "pets"});
  CHECK(c.Get("/pets", bearer(read))->status == 200);
  CHECK(c.Get("/pets", bearer(mint({"--aud", "pets"})))->status == 403);
  CHECK(detail(c.Get("/pets", bearer(mint({"--scope", "pets:read"})))) == "JWT audience is not accepted");
  CHECK(detail(c.Get("/pets", bearer(mint({"--scope", "pets:read", "--aud", "pets", "--exp", "-1h"})))) == "JWT expired");
  CHECK(detail(c.Get("/pets", bearer(mint({"--scope", "pets:read", "--aud", "pets", "--nbf", "1h"})))) ==
        "JWT not valid yet (nbf)");
  CHECK(c.Get("/admin", bearer(read))->status == 403);
  CHECK(c.Get("/admin", bearer(mint({"--scope", "pets:read", "--aud", "pets", "--claim", "role=admin"})))->status == 200);
  CHECK(c.Get("/pem", bearer(mint({})))->status == 200);
  // A token from another key (an RSA dev key) is refused.
  CHECK(detail(c.Get("/pets", bearer(mint({"--alg", "RS256", "--scope", "pets:read", "--aud", "pets"})))) ==
        "no key for JWT algorithm 'RS256' (the keys fit ES256)");

  // The other way round: PyJWT verifies apigw's token with the printed JWKS.
  if (have_pyjwt()) {
    std::string token = mint({"--scope", "pets:read", "--aud", "pets", "--claim", "n=42", "--claim", "tags=[\"a\"]"});
    std::string out_file = dir + "/pyjwt.out";
    int rc = std::system((std::string(k_python) + " " + e2e::source("tests/fixtures/auth/mint.py") + " " + dir + " 0 " +
                          token + " > " + out_file)
                             .c_str());
    CHECK(rc == 0);
    auto claims = nlohmann::json::parse(e2e::slurp(out_file), nullptr, false);
    CHECK(claims["iss"] == "apigw-dev");
    CHECK(claims["sub"] == "dev-user");
    CHECK(claims["scope"] == "pets:read");
    CHECK(claims["n"] == 42);
    CHECK(claims["tags"] == nlohmann::json::array({"a"}));
  }

  auto bad = e2e::run({"token", "--alg", "none"}, env);
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("apigw token: unknown --alg 'none'") != std::string::npos);
  auto wrong_key = e2e::run({"token", "--alg", "ES384", "--key", home + "/apigw/dev-key.pem"}, env);
  CHECK(wrong_key.exit_code == 2);
  CHECK(wrong_key.err.find("an EC P-256 key cannot sign ES384 (it signs ES256)") != std::string::npos);
  auto hs = e2e::run({"token", "--alg", "HS256"}, env);
  CHECK(hs.exit_code == 2);
  CHECK(hs.err.find("HS256 needs --secret") != std::string::npos);

  server.signal(SIGTERM);
  CHECK(server.wait() == 0);
}
