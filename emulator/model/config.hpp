// The gateway config (format version 1): the contract that import writes, lint checks, serve runs,
// and cost and export read. docs/config.md describes every key; schemas/gateway-config.schema.json is its schema.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "emulator/diag/diagnostic.hpp"
#include "emulator/doc/node.hpp"
#include "emulator/policy/claim_rule.hpp"
#include "emulator/router/path_template.hpp"

namespace apigw::policy {
struct Credentials;
}

namespace apigw::model {

using Duration = std::chrono::microseconds;
using HeaderList = std::vector<std::pair<std::string, std::string>>;

inline constexpr int k_config_version = 1;

struct Url {
  std::string scheme;  // "http" or "https"
  std::string host;    // without brackets for IPv6
  int port = 0;        // explicit or the scheme's default
  std::string base_path;  // "" or "/v1" (no trailing slash)
  std::string origin() const;  // "http://host:port"
};

// A `lambda:` backend: an AWS Lambda proxy integration run locally (docs/config.md#lambda-backends). Each request
// becomes an API Gateway event (payload format 1.0 or 2.0) given to `command` on stdin, or POSTed to `url` (a Lambda
// runtime interface emulator); the response object it gives back is the answer.
struct Lambda {
  enum class Format { V1, V2 };
  std::vector<std::string> command;  // argv, run without a shell in the config's folder; empty with url
  std::string directory;             // where the command runs: the config file's folder
  std::optional<Url> url;            // the invocation endpoint, with its path
  std::string url_text;
  std::string function;              // the deployed function's ARN or name, for export; "" = the backend's name
  doc::Mark function_mark;
  Format format = Format::V2;
  Duration timeout = std::chrono::seconds(3);  // the function's (AWS's default); past it the run is killed, 502
};

struct Backend {
  std::string name;
  std::string url_text;  // the first target's URL as written
  Url url;               // the first target (lint and cost look at it)
  std::vector<Url> urls;                   // every target, `url:` or `urls:`; requests go round-robin
  std::vector<std::string> urls_text;      // as written, for the effective config
  std::vector<doc::Mark> url_marks;        // where each target is written (lint points at it)
  Duration timeout = std::chrono::seconds(29);  // AWS REST APIs allow at most 29 s
  int retries = 1;                              // extra attempts for idempotent methods after a connection failure
  Duration unhealthy_for = std::chrono::seconds(10);  // a target that failed to connect is skipped this long
  bool tls_verify = true;                       // false accepts any certificate (dev upstreams)
  std::optional<Lambda> lambda;                 // set: a Lambda function, no urls
  doc::Mark mark;
};

struct MockResponse {
  int status = 200;
  HeaderList headers;  // as written, content-type included when one applies
  std::string body;    // serialised once at load: strings as written, other values as JSON
  Duration delay{0};
};

struct ProxyTarget {
  std::string backend;                          // name of an entry in backends
  std::optional<router::PathTemplate> path;     // upstream path; none = the request path unchanged
  std::optional<Duration> timeout;              // overrides the backend's timeout
};

// A named way to authenticate (the config's `auth:` section), like an OpenAPI security scheme.
struct AuthScheme {
  enum class Type { ApiKey, Basic, Bearer, Jwt };
  std::string name;
  Type type = Type::ApiKey;
  std::string in = "header";          // api_key: header, query or cookie
  std::string param_name = "x-api-key";  // api_key: the header, query parameter or cookie name
  std::vector<std::string> keys;      // api_key: accepted keys; empty = any non-empty key
  std::vector<std::pair<std::string, std::string>> users;  // basic: user -> password; empty = any
  std::string secret;                 // jwt: HMAC secret (HS256/384/512); empty = signature not verified
  std::string issuer;                 // jwt: required `iss`
  std::vector<std::string> audiences; // jwt: one must be in `aud`
  std::vector<std::string> scopes;    // jwt: scopes the scheme knows (routes require some of them)
  Duration leeway = std::chrono::seconds(60);  // jwt: clock skew allowed on exp/nbf
  std::vector<std::string> files;     // keys_file, htpasswd, jwks_file, pem_file (resolved), watched by serve --watch
  std::string source;                 // the authorizer as written (JSON), to tell two definitions apart
  // What requests are checked against (named keys with plans, users with hashes, JWT keys and rules), built at load,
  // immutable and shared by every worker thread.
  std::shared_ptr<const policy::Credentials> credentials;
  doc::Mark mark;
  // True when the scheme lets any credential of the right shape in (nothing configured to check it against).
  bool accepts_anything() const;
};

// A token bucket: `burst` requests at once, refilled at `rate` per second (AWS usage plans' burstLimit and rateLimit).
struct Throttle {
  double rate = 0;
  int64_t burst = 0;
};

// A number of requests per calendar window in UTC: a day from 00:00, a week from Monday 00:00, a month from the 1st.
struct Quota {
  enum class Period { Day, Week, Month };
  int64_t limit = 0;
  Period period = Period::Day;
  int64_t offset = 0;  // requests counted as already made in the first window (AWS's quota offset)
};

// What API keys that name the plan may do, counted per key (AWS usage plans).
struct UsagePlan {
  std::string name;
  std::string description;
  std::optional<Throttle> throttle;
  std::optional<Quota> quota;
  std::map<std::string, Throttle> route_throttle;  // route id -> throttle in place of the plan's on that route
  doc::Mark mark;
};

// A route's `rate_limit`: a throttle and/or quota, counted per caller, per client IP, per route, or once for every
// route it applies to.
struct RateLimit {
  enum class Per { Key, Ip, Route, Global };
  std::optional<Throttle> throttle;
  std::optional<Quota> quota;
  Per per = Per::Route;
  std::string from;  // where it was written: "policies", "group NAME" or "route ID" (counters are kept per place)
};

// OpenAPI semantics: a route accepts a request when any requirement passes; a requirement passes when every scheme
// in it passes (with its scopes).
using AuthRequirement = std::vector<std::pair<std::string, std::vector<std::string>>>;

// Cross-origin resource sharing for browser clients (`cors:` under policies, a group or a route). The gateway answers
// preflights itself and adds the Access-Control-* headers to every answer of the route, errors included.
struct CorsPolicy {
  std::vector<std::string> origins;         // "https://app.example.com", "https://*.example.com" or "*"
  std::vector<std::string> methods;         // upper case; empty: the route's own methods
  std::vector<std::string> headers;         // request headers allowed, lower case; empty: whatever a preflight asks
  std::vector<std::string> expose_headers;  // response headers scripts may read
  bool credentials = false;                 // Access-Control-Allow-Credentials (the origin is echoed, never "*")
  std::optional<Duration> max_age;          // how long a browser may cache a preflight
  doc::Mark mark;
  std::string from;  // where it was written: "route", "group NAME" or "policies"
};

// A route's response cache (`cache:`), like API Gateway's stage cache: answers to GET and HEAD kept for `ttl` under a
// key of method, path and the chosen query parameters and headers. docs/config.md#cache.
struct CachePolicy {
  enum class Invalidation { Authorized, Anyone, Never };
  Duration ttl = std::chrono::seconds(300);
  std::vector<std::string> query;    // query parameters in the key
  std::vector<std::string> headers;  // request headers in the key, lower case
  size_t max_entries = 1000;         // per route; the least recently used goes first
  uint64_t max_entry_size = 1 << 20;  // larger bodies are not kept
  // Who may make the gateway skip the cache with `Cache-Control: max-age=0` (or no-cache): callers who passed the
  // route's auth (AWS's "require authorization"), anyone, or no one.
  Invalidation invalidation = Invalidation::Authorized;
  doc::Mark mark;
  std::string from;  // where it was written: "route", "group NAME" or "policies" (entries are still kept per route)
};

// A value with ${source.name} references (docs/config.md#transform), split into parts once at load.
struct Template {
  enum class Source { Text, Path, Query, Header, Claim, RequestId, Method, RequestPath, ErrorMessage, ErrorStatus };
  struct Part {
    Source source = Source::Text;
    std::string text;  // the literal text, or the name looked up (path parameter, query parameter, header, claim)
  };
  std::vector<Part> parts;
};

// A value a transform sets: a template, or (JSON bodies only) a YAML value that is not a string, inserted as written.
struct Assignment {
  std::string name;  // header or query parameter name, or a JSON pointer into a body
  Template value;
  std::shared_ptr<const nlohmann::json> literal;  // set instead of `value` when not null
};

// set / remove / rename on one part of a message: header names, query parameter names, or JSON pointers into a body.
struct Edits {
  std::vector<Assignment> set;
  std::vector<std::string> remove;
  std::vector<std::pair<std::string, std::string>> rename;  // from -> to
  bool empty() const { return set.empty() && remove.empty() && rename.empty(); }
};

// A route's `transform:` (docs/config.md#transform): edits of the request before the terminal (mock, proxy, state)
// and of the terminal's answer after it.
struct TransformPolicy {
  Edits request_headers, request_query, request_body;
  Edits response_headers, response_body;
  doc::Mark mark;
  std::string from;  // where it was written: "route", "group NAME" or "policies"
};

// A customised error answer of the gateway itself (`gateway_responses:`, like API Gateway's gateway responses).
struct GatewayResponse {
  std::string type;  // UNAUTHORIZED, THROTTLED, ..., DEFAULT_4XX, DEFAULT_5XX
  std::optional<int> status;  // none: the error's own status
  std::vector<Assignment> headers;
  std::optional<Template> body;  // none: the RFC 9457 problem document
  bool json_body = false;        // the body was written as a YAML value: served as JSON, substitutions escaped
  doc::Mark mark;
};

// A named set of routes that share policies (`groups:`); routes join one with `group:`.
struct RouteGroup {
  std::string name;
  std::string description;
  doc::Mark mark;
};

// What a route linked to an OpenAPI operation checks against it.
enum class Validate { Request, Response, Both, Off };
inline bool validates_requests(Validate v) { return v == Validate::Request || v == Validate::Both; }
inline bool validates_responses(Validate v) { return v == Validate::Response || v == Validate::Both; }

struct Route {
  std::string id;
  std::vector<std::string> methods;  // upper case; "ANY" matches every method
  router::PathTemplate path;
  std::string description;
  std::optional<MockResponse> mock;
  std::optional<ProxyTarget> proxy;
  std::vector<AuthRequirement> auth;  // empty: public (the route's own, else its group's, else policies.auth)
  // Claims each scheme of each alternative requires besides scopes: auth_claims[alternative][scheme], parallel to auth.
  std::vector<std::vector<std::vector<policy::ClaimRule>>> auth_claims;
  std::string auth_from;  // where `auth` came from: "route", "group NAME", "policies", or "" (none anywhere)
  std::shared_ptr<const CorsPolicy> cors;  // the route's, else its group's, else policies.cors; null: no CORS
  std::shared_ptr<const CachePolicy> cache;  // the route's, else its group's, else policies.cache; null: not cached
  std::shared_ptr<const TransformPolicy> transform;  // the route's, else its group's, else policies.transform; null: none
  // The route's own `rate_limit`, else its group's, else policies.rate_limit; none with `rate_limit: off`.
  std::optional<RateLimit> rate_limit;
  std::string group;      // the route group it belongs to, "" for none
  // The OpenAPI operation served (operationId or "METHOD /path"); with neither mock nor proxy, mocked from the spec.
  std::string operation;
  doc::Mark operation_mark;
  std::string openapi;  // the spec `operation` names: the config's `openapi` (kept per route when configs are merged)
  std::string file;     // the config file the route was written in
  std::optional<Validate> validate;  // none: the config's
  Duration delay{0};             // waited before answering (any route)
  std::string state;             // stateful mock: the in-memory collection this route reads and writes; "" for none
  std::string state_key = "id";  // the member of stored objects that identifies them
  std::string fault;             // "reset", "empty" or "malformed_chunk"; "" for none
  double fault_rate = 1;         // the fraction of requests that get the fault
  doc::Mark mark;
  std::string key_path;  // "routes[3]", for messages
};

// A deployment of the API (`stages:`), like an API Gateway stage: its variables fill ${stageVariables.NAME} in backend
// URLs, mock headers and mock bodies when serve runs it.
struct Stage {
  std::string name;
  std::string description;
  std::vector<std::pair<std::string, std::string>> variables;  // in the order written
  doc::Mark mark;
};

struct Limits {
  uint64_t max_body_size = 10'000'000;          // 413 above this
  Duration read_timeout = std::chrono::seconds(5);
  Duration write_timeout = std::chrono::seconds(5);
  Duration keep_alive_timeout = std::chrono::seconds(5);
  Duration header_timeout = std::chrono::seconds(10);  // for a whole request head, from its first byte; then 408
  uint64_t max_request_line = 8192;                    // 414 above this (at most 8192, cpp-httplib's own limit)
  uint64_t max_header_size = 65536;                    // 431 above this (all header fields together)
  uint64_t max_connections = 4096;                     // open client connections; past it 503 and close
};

struct Config {
  std::string file;  // the path it was loaded from
  int version = k_config_version;
  std::string name;
  std::string description;
  std::string openapi;  // path of the OpenAPI document, resolved against the config's folder; "" when none
  doc::Mark openapi_mark;
  Validate validate = Validate::Request;
  bool fail_on_violations = false;  // serve --errors: a proxied response that breaks the contract becomes 502
  std::string listen_host = "127.0.0.1";
  int listen_port = 8080;
  Limits limits;
  std::vector<Backend> backends;
  std::vector<AuthScheme> auth;
  std::vector<RouteGroup> groups;
  std::vector<UsagePlan> usage_plans;
  std::vector<GatewayResponse> gateway_responses;
  std::vector<std::string> auth_files;  // every file the authorizers read (serve --watch reloads when one changes)
  std::vector<Route> routes;
  std::vector<Stage> stages;
  std::string stage;          // the stage served (LoadOptions::stage, else the first); "" when there are none
  bool stage_prefix = false;  // serve --stage-prefix: routes answer under /STAGE only, as execute-api URLs do

  const Backend* find_backend(const std::string& name) const;
  const AuthScheme* find_auth(const std::string& name) const;
  const UsagePlan* find_plan(const std::string& name) const;
  const Stage* find_stage(const std::string& name) const;
  const GatewayResponse* find_gateway_response(std::string_view type) const;
};

struct LoadOptions {
  // Where ${VAR} values come from (the process environment by default).
  std::function<std::optional<std::string>(const std::string&)> env;
  // serve needs every variable; lint only warns, since CI rarely has the secrets.
  bool missing_env_is_error = true;
  // The stage whose variables fill ${stageVariables.NAME} (serve --stage); "" for the config's first stage.
  std::string stage;
};

struct LoadResult {
  std::optional<Config> config;  // set when there is no error
  diag::Diagnostics diagnostics; // every problem found, errors and warnings, in file order
};

LoadResult load_config_file(const std::string& path, const LoadOptions& options = {});
LoadResult load_config_text(std::string text, const std::string& path, const LoadOptions& options = {});
LoadResult load_config_document(const doc::Document& document, const LoadOptions& options = {});

// The keys each object of the format accepts ("root", "limits", "backend", "route", "mock", "proxy"), besides x-*.
const std::map<std::string, std::vector<std::string_view>>& config_keys();

// True when the document looks like a gateway config (has a top-level "apigw" key).
bool is_gateway_config(const doc::Node& root);

// Parses "http://host:port/base". On failure returns nullopt and sets error.
std::optional<Url> parse_url(const std::string& text, std::string* error);

// Parses "host:port", "[::1]:port", ":port" or "port".
bool parse_listen(const std::string& text, std::string& host, int& port, std::string* error);

}  // namespace apigw::model
