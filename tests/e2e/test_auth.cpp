// Route auth against the real binary: API keys, Basic, JWT (HS256) with expiry, issuer, audience and scopes.
// test_auth_jwt.cpp has the other algorithms and PyJWT's tokens; test_auth_keys.cpp keys, htpasswd and policy levels.
#include <doctest/doctest.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <chrono>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "e2e/process.hpp"

namespace {
std::string b64url(const std::string& in) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : in) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += k[(acc >> bits) & 63];
    }
  }
  if (bits > 0) out += k[(acc << (6 - bits)) & 63];
  return out;
}

std::string jwt(const nlohmann::json& claims, const std::string& secret, const std::string& alg = "HS256") {
  std::string signing = b64url(nlohmann::json({{"alg", alg}, {"typ", "JWT"}}).dump()) + "." + b64url(claims.dump());
  if (alg == "none") return signing + ".";
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(signing.data()),
       signing.size(), mac, &len);
  return signing + "." + b64url(std::string(reinterpret_cast<char*>(mac), len));
}

long long now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}
}  // namespace

TEST_CASE("serve enforces route auth: OR of ANDs, 401 with a challenge, 403 for missing scopes") {
  std::string cfg = e2e::write_temp("auth.yaml", R"(apigw: 1
auth:
  key: { type: api_key, name: x-api-key, keys: ["${E2E_KEY}"] }
  basic: { type: basic, users: { alice: "${E2E_BASIC_PASSWORD}" } }
  token: { type: jwt, secret: "${E2E_SECRET}", issuer: "https://id.test", audiences: [pets] }
routes:
  - { id: open, method: GET, path: /open, mock: { body: open } }
  - { id: keyed, method: GET, path: /keyed, mock: { body: keyed }, auth: [key] }
  - { id: either, method: GET, path: /either, mock: { body: either }, auth: [basic, { token: [pets.read] }] }
  - { id: both, method: POST, path: /both, mock: { status: 201 }, auth: [{ key: [], token: [pets.write] }] }
)");
  e2e::Process server({"serve", cfg, "--port", "0", "--access-log", "off"}, {"E2E_KEY=k-123", "E2E_SECRET=shh", "E2E_BASIC_PASSWORD=wonderland"});
  int port = server.wait_for_port();
  REQUIRE_MESSAGE(port > 0, server.err());
  CHECK(server.err().find("warning: auth scheme") == std::string::npos);  // every scheme has something to check
  httplib::Client c("127.0.0.1", port);

  CHECK(c.Get("/open")->status == 200);

  auto no_key = c.Get("/keyed");
  CHECK(no_key->status == 401);
  CHECK(nlohmann::json::parse(no_key->body)["detail"] == "missing API key (header 'x-api-key')");
  CHECK(c.Get("/keyed", {{"x-api-key", "wrong"}})->status == 401);
  CHECK(c.Get("/keyed", {{"x-api-key", "k-123"}})->body == "keyed");

  auto none = c.Get("/either");
  CHECK(none->status == 401);
  // One challenge per way in, in the route's order.
  auto range = none->headers.equal_range("WWW-Authenticate");
  std::vector<std::string> challenges;
  for (auto it = range.first; it != range.second; ++it) challenges.push_back(it->second);
  CHECK(challenges == std::vector<std::string>{"Basic realm=\"apigw\", charset=\"UTF-8\"", "Bearer realm=\"apigw\""});
  c.set_basic_auth("alice", "wonderland");
  CHECK(c.Get("/either")->status == 200);
  c.set_basic_auth("alice", "wrong");
  CHECK(c.Get("/either")->status == 401);
  c.set_basic_auth("", "");

  nlohmann::json good = {{"iss", "https://id.test"}, {"aud", "pets"}, {"exp", now_s() + 600}, {"scope", "pets.read other"}};
  auto bearer = [](const std::string& t) { return httplib::Headers{{"Authorization", "Bearer " + t}}; };
  CHECK(c.Get("/either", bearer(jwt(good, "shh")))->status == 200);

  auto expired = good;
  expired["exp"] = now_s() - 3600;
  auto r = c.Get("/either", bearer(jwt(expired, "shh")));
  CHECK(r->status == 401);
  CHECK(nlohmann::json::parse(r->body)["detail"] == "JWT expired");

  auto forged = c.Get("/either", bearer(jwt(good, "not-the-secret")));
  CHECK(forged->status == 401);
  CHECK(nlohmann::json::parse(forged->body)["detail"] == "JWT signature does not verify");
  CHECK(c.Get("/either", bearer(jwt(good, "", "none")))->status == 401);

  auto wrong_aud = good;
  wrong_aud["aud"] = "other";
  CHECK(c.Get("/either", bearer(jwt(wrong_aud, "shh")))->status == 401);

  auto no_scope = good;
  no_scope["scope"] = "other";
  auto forbidden = c.Get("/either", bearer(jwt(no_scope, "shh")));
  CHECK(forbidden->status == 403);
  CHECK(forbidden->get_header_value("WWW-Authenticate") ==
        "Bearer realm=\"apigw\", error=\"insufficient_scope\", scope=\"pets.read\"");

  // AND: both the key and a token with pets.write.
  auto write = good;
  write["scope"] = "pets.write";
  auto headers = bearer(jwt(write, "shh"));
  CHECK(c.Post("/both", headers, "{}", "application/json")->status == 401);  // no key
  headers.emplace("x-api-key", "k-123");
  CHECK(c.Post("/both", headers, "{}", "application/json")->status == 201);

  server.signal(SIGTERM);
  CHECK(server.wait() == 0);
}

TEST_CASE("schemes with nothing to check against are warned about at start and by lint") {
  std::string cfg = e2e::write_temp("open-auth.yaml", R"(apigw: 1
auth:
  key: { type: api_key }
routes:
  - { method: GET, path: /k, mock: {}, auth: [key] }
  - { method: DELETE, path: /k, mock: { status: 204 } }
)");
  auto lint = e2e::run({"lint", cfg});
  CHECK(lint.exit_code == 0);
  CHECK(lint.out.find("warn: auth.key: auth scheme 'key': no 'keys' are listed, so any non-empty key is accepted [auth-accepts-anything]") !=
        std::string::npos);
  CHECK(lint.out.find("DELETE /k changes data and requires no auth [write-without-auth]") != std::string::npos);

  e2e::Process server({"serve", cfg, "--port", "0", "--access-log", "off"});
  int port = server.wait_for_port();
  REQUIRE(port > 0);
  CHECK(server.err().find("warning: auth scheme 'key' accepts any credential") != std::string::npos);
  httplib::Client c("127.0.0.1", port);
  CHECK(c.Get("/k")->status == 401);
  CHECK(c.Get("/k", {{"x-api-key", "anything"}})->status == 200);
  server.signal(SIGTERM);
  CHECK(server.wait() == 0);
}
