// Lambda backends against the real binary: a python3 handler run per request (the event on stdin, the response on
// stdout), malformed answers, failures and timeouts (the child killed and reaped), and url mode against an in-test
// stand-in for the Lambda runtime interface emulator.
#include <doctest/doctest.h>

#include <cerrno>
#include <csignal>
#include <fstream>
#include <mutex>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "e2e/process.hpp"

using e2e::Process;

namespace {

// Echoes the event back as the body; some paths misbehave on purpose.
const char* k_handler = R"(import json, os, sys, time
event = json.load(sys.stdin)
path = event.get("rawPath") or event.get("path")
if path.endswith("/slow"):
    with open("handler.pid", "w") as f:
        f.write(str(os.getpid()))
    time.sleep(60)
if path.endswith("/bad"):
    print("this is not JSON")
    sys.exit(0)
if path.endswith("/crash"):
    print("handler gives up", file=sys.stderr)
    sys.exit(3)
print("handled " + path, file=sys.stderr)
print(json.dumps({"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(event)}))
)";

struct LambdaGateway {
  std::string dir = e2e::make_dir("lambda");
  std::vector<std::string> env = {"XDG_CONFIG_HOME=" + dir + "/home"};
  std::unique_ptr<Process> server;
  int port = -1;

  LambdaGateway() {
    std::filesystem::create_directories(dir + "/home");
    std::ofstream(dir + "/handler.py") << k_handler;
    std::ofstream(dir + "/gateway.yaml") << R"(apigw: 1
stages:
  dev: { variables: { colour: blue } }
auth:
  dev: { type: jwt, pem_file: "${XDG_CONFIG_HOME}/apigw/dev-key.pem" }
backends:
  fn: { lambda: { command: [python3, handler.py] } }
  fn1: { lambda: { command: [python3, handler.py], payload_format: "1.0" } }
  slow: { lambda: { command: [python3, handler.py], timeout: 2s } }
routes:
  - { method: GET, path: "/pets/{id}", proxy: fn, auth: [dev] }
  - { method: POST, path: /upload, proxy: fn }
  - { method: GET, path: "/v1/pets/{id}", proxy: fn1 }
  - { method: GET, path: /bad, proxy: fn }
  - { method: GET, path: /crash, proxy: fn }
  - { method: GET, path: /slow, proxy: slow }
  - { method: GET, path: /impatient/slow, proxy: { backend: slow, timeout: 1s } }
)";
    // The dev key the authorizer trusts, made by `apigw token` itself.
    auto made = e2e::run({"token", "--jwks"}, env);
    REQUIRE_MESSAGE(made.exit_code == 0, made.err);
    server = std::make_unique<Process>(
        std::vector<std::string>{"serve", dir + "/gateway.yaml", "--port", "0", "--access-log", dir + "/access.jsonl"},
        env);
    port = server->wait_for_port();
    REQUIRE_MESSAGE(port > 0, server->err());
  }

  std::string token(std::vector<std::string> args) {
    args.insert(args.begin(), "token");
    auto r = e2e::run(args, env);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    return r.out.substr(0, r.out.find('\n'));
  }
};

nlohmann::json event_of(const httplib::Result& r) {
  REQUIRE(r);
  INFO(r->body);
  REQUIRE(r->status == 200);
  return nlohmann::json::parse(r->body);
}

}  // namespace

TEST_CASE("lambda: a 2.0 event carries path parameters, query, headers, cookies, stage and the JWT's claims") {
  LambdaGateway gw;
  httplib::Client c("127.0.0.1", gw.port);
  c.set_read_timeout(std::chrono::seconds(20));
  CHECK(c.Get("/pets/7")->status == 401);  // the authorizer runs before the function
  std::string jwt = gw.token({"--claim", "role=admin", "--scope", "pets:read"});
  auto e = event_of(c.Get("/pets/7?tag=a&tag=b&q=x%20y",
                          {{"Authorization", "Bearer " + jwt}, {"X-Trace", "t1"}, {"Cookie", "session=abc; theme=dark"}}));
  CHECK(e["version"] == "2.0");
  CHECK(e["routeKey"] == "GET /pets/{id}");
  CHECK(e["rawPath"] == "/pets/7");
  CHECK(e["rawQueryString"] == "tag=a&tag=b&q=x%20y");
  CHECK(e["pathParameters"] == nlohmann::json({{"id", "7"}}));
  CHECK(e["queryStringParameters"] == nlohmann::json({{"tag", "a,b"}, {"q", "x y"}}));
  CHECK(e["headers"]["x-trace"] == "t1");
  CHECK(e["cookies"] == nlohmann::json::array({"session=abc", "theme=dark"}));
  CHECK(e["requestContext"]["stage"] == "dev");
  CHECK(e["stageVariables"] == nlohmann::json({{"colour", "blue"}}));
  CHECK(e["requestContext"]["http"]["sourceIp"] == "127.0.0.1");
  CHECK(e["requestContext"]["authorizer"]["jwt"]["claims"]["role"] == "admin");
  CHECK(e["requestContext"]["authorizer"]["jwt"]["scopes"] == nlohmann::json::array({"pets:read"}));
  CHECK(gw.server->err().find("apigw lambda fn: handled /pets/7") != std::string::npos);  // stderr, prefixed
}

TEST_CASE("lambda: a 1.0 event, and binary bodies arrive base64-encoded") {
  LambdaGateway gw;
  httplib::Client c("127.0.0.1", gw.port);
  c.set_read_timeout(std::chrono::seconds(20));
  auto v1 = event_of(c.Get("/v1/pets/9?tag=a&tag=b", {{"X-Trace", "t1"}}));
  CHECK(v1["resource"] == "/v1/pets/{id}");
  CHECK(v1["path"] == "/v1/pets/9");
  CHECK(v1["httpMethod"] == "GET");
  CHECK(v1["pathParameters"]["id"] == "9");
  CHECK(v1["multiValueQueryStringParameters"]["tag"] == nlohmann::json::array({"a", "b"}));
  CHECK(v1["headers"]["X-Trace"] == "t1");
  CHECK(v1["requestContext"]["stage"] == "dev");
  CHECK(v1["requestContext"]["identity"]["sourceIp"] == "127.0.0.1");
  CHECK(v1["body"].is_null());

  std::string png("\x89PNG\r\n\x1a\n\0\0", 10);
  auto binary = event_of(c.Post("/upload", png, "image/png"));
  CHECK(binary["isBase64Encoded"] == true);
  CHECK(binary["body"] == "iVBORw0KGgoAAA==");
  auto text = event_of(c.Post("/upload", R"({"name":"Rex"})", "application/json"));
  CHECK(text["isBase64Encoded"] == false);
  CHECK(text["body"] == R"({"name":"Rex"})");
}

TEST_CASE("lambda: a malformed response or a failed handler is 502; a timeout kills the handler, which is reaped") {
  LambdaGateway gw;
  httplib::Client c("127.0.0.1", gw.port);
  c.set_read_timeout(std::chrono::seconds(20));
  auto bad = c.Get("/bad");
  REQUIRE(bad);
  CHECK(bad->status == 502);
  CHECK(e2e::detail(bad) == "lambda backend 'fn': malformed Lambda proxy response: its output is not JSON");
  auto crash = c.Get("/crash");
  REQUIRE(crash);
  CHECK(crash->status == 502);
  CHECK(e2e::detail(crash) == "lambda backend 'fn': it exited with status 3");
  CHECK(gw.server->err().find("apigw lambda fn: handler gives up") != std::string::npos);

  auto started = std::chrono::steady_clock::now();
  auto slow = c.Get("/slow");
  REQUIRE(slow);
  CHECK(slow->status == 502);  // the function's own timeout: API Gateway answers 502 for a function that timed out
  CHECK(e2e::detail(slow) == "lambda backend 'slow': the function did not finish within its timeout (2s) and was stopped");
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(10));
  pid_t child = std::stoi(e2e::slurp(gw.dir + "/handler.pid"));
  // Gone altogether: killed and reaped (a zombie would still answer kill 0).
  CHECK(::kill(child, 0) == -1);
  CHECK(errno == ESRCH);

  std::filesystem::remove(gw.dir + "/handler.pid");
  auto impatient = c.Get("/impatient/slow");
  REQUIRE(impatient);
  CHECK(impatient->status == 504);  // the integration's timeout passed before the function's
  CHECK(e2e::detail(impatient) == "lambda backend 'slow': no answer within the integration timeout (1s)");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  if (std::filesystem::exists(gw.dir + "/handler.pid")) {
    pid_t second = std::stoi(e2e::slurp(gw.dir + "/handler.pid"));
    CHECK(::kill(second, 0) == -1);
  }
  gw.server->signal(SIGTERM);
  CHECK(gw.server->wait() == 0);
  auto log = e2e::log_lines(e2e::slurp(gw.dir + "/access.jsonl"));
  REQUIRE(log.size() == 4);
  CHECK(log[0]["status"] == 502);
  CHECK(log[0]["stage"] == "dev");
  CHECK(log[0].contains("upstream_ms"));
}

TEST_CASE("lambda: url mode POSTs the event to the runtime interface emulator's invocation path") {
  httplib::Server rie;
  std::mutex mutex;
  std::string seen_path, seen_body;
  rie.Post(".*", [&](const httplib::Request& req, httplib::Response& res) {
    {
      std::lock_guard lock(mutex);
      seen_path = req.path;
      seen_body = req.body;
    }
    res.set_content(R"({"statusCode": 201, "headers": {"x-from": "rie"}, "body": "made", "cookies": ["a=1"]})",
                    "application/json");
  });
  int rie_port = rie.bind_to_any_port("127.0.0.1");
  std::thread rie_thread([&] { rie.listen_after_bind(); });
  std::string dir = e2e::make_dir("lambda-url");
  std::ofstream(dir + "/gateway.yaml") << "apigw: 1\nbackends:\n  fn: { lambda: { url: \"http://127.0.0.1:" +
                                              std::to_string(rie_port) +
                                              "/2015-03-31/functions/function/invocations\" } }\n"
                                              "routes:\n  - { method: PUT, path: \"/items/{id}\", proxy: fn }\n";
  {
    Process server({"serve", dir + "/gateway.yaml", "--port", "0", "--access-log", "off"});
    int port = server.wait_for_port();
    REQUIRE_MESSAGE(port > 0, server.err());
    httplib::Client c("127.0.0.1", port);
    auto r = c.Put("/items/5", "hello", "text/plain");
    REQUIRE(r);
    CHECK(r->status == 201);
    CHECK(r->body == "made");
    CHECK(r->get_header_value("x-from") == "rie");
    CHECK(r->get_header_value("Set-Cookie") == "a=1");
    std::lock_guard lock(mutex);
    CHECK(seen_path == "/2015-03-31/functions/function/invocations");
    auto event = nlohmann::json::parse(seen_body);
    CHECK(event["routeKey"] == "PUT /items/{id}");
    CHECK(event["pathParameters"]["id"] == "5");
    CHECK(event["body"] == "hello");
  }
  rie.stop();
  rie_thread.join();
}
