// apigw serve against hostile and broken clients (docs/hardening.md): slow and idle connections, oversized and
// malformed requests, smuggling attempts, pipelining, clients that vanish mid-exchange, and thousands of connections.
#include <doctest/doctest.h>

#include <poll.h>
#include <sys/resource.h>

#include <atomic>
#include <filesystem>
#include <mutex>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "e2e/process.hpp"

using e2e::log_lines;
using e2e::Process;
using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::steady_clock;

void send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return;
    data.remove_prefix(static_cast<size_t>(n));
  }
}

// Everything the server sends until it closes the connection or `deadline` passes.
std::string read_until_closed(int fd, Clock::time_point deadline, bool* closed = nullptr) {
  std::string got;
  char buf[16384];
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    pollfd p{fd, POLLIN, 0};
    if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) break;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      if (closed) *closed = true;
      break;
    }
    got.append(buf, static_cast<size_t>(n));
  }
  return got;
}

// One request on a new connection the server is expected to close after answering.
std::string exchange_and_close(int port, std::string_view request, bool* closed = nullptr) {
  int fd = e2e::connect_loopback(port);
  if (fd < 0) return "";
  send_all(fd, request);
  std::string got = read_until_closed(fd, Clock::now() + 3s, closed);
  ::close(fd);
  return got;
}

// The end of the first complete response (head and Content-Length body) in `data`, or 0 when it is not all there.
size_t response_end(const std::string& data) {
  size_t head = data.find("\r\n\r\n");
  if (head == std::string::npos) return 0;
  std::string lower = data.substr(0, head);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  size_t at = lower.find("content-length:");
  size_t length = at == std::string::npos ? 0 : std::stoul(lower.substr(at + 15));
  return data.size() >= head + 4 + length ? head + 4 + length : 0;
}

std::string problem_body(const std::string& response) {
  size_t head = response.find("\r\n\r\n");
  return head == std::string::npos ? "" : response.substr(head + 4);
}

size_t descriptors(pid_t pid) { return static_cast<size_t>(std::max(0, e2e::open_descriptors(pid))); }

// Waits up to `timeout` for the server's descriptor count to come down to `baseline`; returns the last count.
size_t descriptors_settled(pid_t pid, size_t baseline, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  size_t n = descriptors(pid);
  while (n > baseline && Clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
    n = descriptors(pid);
  }
  return n;
}

struct Served {
  std::unique_ptr<Process> process;
  int port = -1;
};

Served serve(const std::string& yaml, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"serve", e2e::write_temp("hostile.yaml", yaml), "--port", "0"};
  args.insert(args.end(), extra.begin(), extra.end());
  Served s;
  s.process = std::make_unique<Process>(args);
  s.port = s.process->wait_for_port();
  return s;
}

const std::string k_ping_routes = "routes:\n  - { method: GET, path: /ping, mock: { body: pong } }\n";

}  // namespace

TEST_CASE("hostile: 200 clients sending a header byte per second starve no one and are closed at limits.header_timeout") {
  auto s = serve("apigw: 1\nlimits: { header_timeout: 3s }\n" + k_ping_routes, {"--access-log", "off"});
  REQUIRE_MESSAGE(s.port > 0, s.process->err());
  const std::string request = "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n";
  std::vector<int> slow;
  for (int i = 0; i < 200; ++i) {
    int fd = e2e::connect_loopback(s.port);
    REQUIRE(fd >= 0);
    slow.push_back(fd);
  }
  auto started = Clock::now();
  httplib::Client normal("127.0.0.1", s.port);
  for (size_t second = 0; second < 3; ++second) {
    for (int fd : slow) send_all(fd, request.substr(second, 1));
    std::this_thread::sleep_for(300ms);  // the slow heads are being read by now
    auto asked = Clock::now();
    auto answer = normal.Get("/ping");
    auto took = Clock::now() - asked;
    REQUIRE(answer);
    CHECK(answer->body == "pong");
    CHECK_MESSAGE(took < 100ms, "answered in " << std::chrono::duration<double, std::milli>(took).count() << " ms");
    std::this_thread::sleep_until(started + (second + 1) * 1s);
  }
  // The heads started arriving at 0 s; at 3 s each is answered 408 and closed.
  size_t timed_out = 0;
  for (int fd : slow) {
    bool closed = false;
    std::string got = read_until_closed(fd, started + 6s, &closed);
    if (closed && got.rfind("HTTP/1.1 408 Request Timeout\r\n", 0) == 0) ++timed_out;
    ::close(fd);
  }
  CHECK(timed_out == 200);
  CHECK(Clock::now() - started < 6s);
  s.process->signal(SIGTERM);
  CHECK(s.process->wait() == 0);
}

TEST_CASE("hostile: idle connections are closed after limits.keep_alive_timeout, before and between requests") {
  auto s = serve("apigw: 1\nlimits: { keep_alive_timeout: 1s }\n" + k_ping_routes, {"--access-log", "off"});
  REQUIRE_MESSAGE(s.port > 0, s.process->err());
  int silent = e2e::connect_loopback(s.port);
  int after_one = e2e::connect_loopback(s.port);
  REQUIRE(silent >= 0);
  REQUIRE(after_one >= 0);
  auto started = Clock::now();
  send_all(after_one, "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n");
  bool closed = false;
  CHECK(read_until_closed(silent, started + 4s, &closed).empty());
  CHECK(closed);
  closed = false;
  std::string got = read_until_closed(after_one, started + 4s, &closed);
  CHECK(got.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(closed);
  auto took = Clock::now() - started;
  CHECK(took > 900ms);
  CHECK(took < 3s);
  ::close(silent);
  ::close(after_one);
  s.process->signal(SIGTERM);
  CHECK(s.process->wait() == 0);
}

TEST_CASE("hostile: oversized request lines, header fields and bodies get 414, 431 and 413 with a problem body") {
  auto s = serve("apigw: 1\nlimits: { max_request_line: 1KiB, max_header_size: 4KiB, max_body_size: 1KiB }\n"
                 "routes:\n  - { method: GET, path: /ping, mock: { body: pong } }\n"
                 "  - { method: POST, path: /upload, mock: { status: 201 } }\n");
  REQUIRE_MESSAGE(s.port > 0, s.process->err());
  std::string many_fields;
  for (int i = 0; i < 8; ++i) many_fields += "X-Field-" + std::to_string(i) + ": " + std::string(600, 'v') + "\r\n";
  struct Case {
    std::string name, request;
    int status;
  };
  std::vector<Case> cases = {
      {"request line", "GET /" + std::string(2000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n", 414},
      {"request line without its end", "GET /" + std::string(5000, 'a'), 414},
      {"header fields", "GET /ping HTTP/1.1\r\nHost: x\r\n" + many_fields + "\r\n", 431},
      {"one huge header field", "GET /ping HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(10000, 'v') + "\r\n\r\n", 431},
      {"Content-Length", "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" + std::string(5000, 'b'), 413},
      {"chunked body", "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1388\r\n" +
                           std::string(5000, 'b') + "\r\n0\r\n\r\n", 413},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    std::string got = exchange_and_close(s.port, c.request);
    REQUIRE(got.rfind("HTTP/1.1 " + std::to_string(c.status) + " ", 0) == 0);
    CHECK(got.find("Content-Type: application/problem+json\r\n") != std::string::npos);
    CHECK(nlohmann::json::parse(problem_body(got))["status"] == c.status);
    // One answer only: nothing of the refused request is read as a next one.
    CHECK(got.find("HTTP/1.1", 1) == std::string::npos);
  }
  auto ok = httplib::Client("127.0.0.1", s.port).Post("/upload", std::string(1000, 'b'), "text/plain");
  REQUIRE(ok);
  CHECK(ok->status == 201);
  s.process->signal(SIGTERM);
  CHECK(s.process->wait() == 0);
  auto lines = log_lines(s.process->out());
  REQUIRE(lines.size() == cases.size() + 1);
  for (size_t i = 0; i < cases.size(); ++i) CHECK(lines[i]["status"] == cases[i].status);
}

TEST_CASE("hostile: malformed HTTP, invalid UTF-8 and NUL bytes get 400 and a close; the access log stays valid JSON") {
  auto s = serve("apigw: 1\n" + k_ping_routes);
  REQUIRE_MESSAGE(s.port > 0, s.process->err());
  using namespace std::string_literals;
  std::vector<std::pair<std::string, std::string>> cases = {
      {"not HTTP", "GARBAGE\r\n\r\n"},
      {"no version", "GET /ping\r\n\r\n"},
      {"unknown version", "GET /ping HTTP/2.0\r\nHost: x\r\n\r\n"},
      {"two spaces", "GET /ping  HTTP/1.1\r\nHost: x\r\n\r\n"},
      {"control byte in the method", "G\x01T /ping HTTP/1.1\r\nHost: x\r\n\r\n"},
      {"NUL in the path", "GET /pi\0ng HTTP/1.1\r\nHost: x\r\n\r\n"s},
      {"%00 in the path", "GET /ping%00 HTTP/1.1\r\nHost: x\r\n\r\n"},
      {"invalid UTF-8 in the path", "GET /caf\xc3\x28 HTTP/1.1\r\nHost: x\r\n\r\n"},
      {"overlong UTF-8 in the path", "GET /\xc0\xafping HTTP/1.1\r\nHost: x\r\n\r\n"},
      {"NUL in a header", "GET /ping HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n"s},
      {"invalid UTF-8 in a header", "GET /ping HTTP/1.1\r\nHost: x\r\nX-A: \xff\xfe\r\n\r\n"},
      {"bare CR in a header", "GET /ping HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n"},
      {"header without a colon", "GET /ping HTTP/1.1\r\nHost: x\r\nX-A b\r\n\r\n"},
      {"space before the colon", "GET /ping HTTP/1.1\r\nHost : x\r\n\r\n"},
  };
  for (const auto& entry : cases) {
    const std::string& name = entry.first;
    const std::string& request = entry.second;
    CAPTURE(name);
    bool closed = false;
    std::string got = exchange_and_close(s.port, request, &closed);
    CHECK(got.rfind("HTTP/1.1 400 Bad Request\r\n", 0) == 0);
    CHECK(got.find("Connection: close\r\n") != std::string::npos);
    CHECK(closed);
  }
  // Valid UTF-8 in a path is a path like any other.
  CHECK(exchange_and_close(s.port, "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").rfind("HTTP/1.1 404", 0) == 0);
  auto ok = httplib::Client("127.0.0.1", s.port).Get("/ping");
  REQUIRE(ok);
  CHECK(ok->body == "pong");
  s.process->signal(SIGTERM);
  CHECK(s.process->wait() == 0);
  auto lines = log_lines(s.process->out());
  REQUIRE(lines.size() == cases.size() + 2);
  for (size_t i = 0; i < cases.size(); ++i) CHECK(lines[i]["status"] == 400);
  CHECK(lines.back()["status"] == 200);
}

namespace {

// A raw-socket upstream that keeps every byte it receives and answers each connection's first request 200 "ok".
class RecordingUpstream {
 public:
  RecordingUpstream() {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(listener_, 64);
    socklen_t len = sizeof addr;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~RecordingUpstream() {
    stop_ = true;
    thread_.join();
    ::close(listener_);
  }
  std::string received() {
    std::lock_guard lock(mutex_);
    return received_;
  }
  int port = 0;

 private:
  void run() {
    while (!stop_) {
      pollfd p{listener_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0) continue;
      std::string got;
      char buf[4096];
      auto deadline = Clock::now() + 2s;
      while (response_end(got) == 0 && Clock::now() < deadline) {
        pollfd c{fd, POLLIN, 0};
        if (::poll(&c, 1, 50) <= 0) continue;
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        got.append(buf, static_cast<size_t>(n));
      }
      {
        std::lock_guard lock(mutex_);
        received_ += got;
      }
      send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
      ::close(fd);
    }
  }
  int listener_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mutex_;
  std::string received_;
};

}  // namespace

TEST_CASE("hostile: request smuggling attempts get 400 and a close, and never reach the upstream") {
  RecordingUpstream upstream;
  auto s = serve("apigw: 1\nbackends:\n  up: \"http://127.0.0.1:" + std::to_string(upstream.port) +
                     "\"\nroutes:\n  - { method: POST, path: \"/api/{rest+}\", proxy: up }\n",
                 {"--access-log", "off"});
  REQUIRE_MESSAGE(s.port > 0, s.process->err());
  std::string legit = exchange_and_close(s.port, "POST /api/legit HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
  CHECK(legit.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);

  const std::string smuggled = "0\r\n\r\nPOST /api/smuggled HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc";
  const std::string length = std::to_string(smuggled.size());
  std::vector<std::pair<std::string, std::string>> cases = {
      {"Content-Length then Transfer-Encoding", "Content-Length: " + length + "\r\nTransfer-Encoding: chunked\r\n"},
      {"Transfer-Encoding then Content-Length", "Transfer-Encoding: chunked\r\nContent-Length: " + length + "\r\n"},
      {"two different Content-Length", "Content-Length: " + length + "\r\nContent-Length: 5\r\n"},
      {"a Content-Length list", "Content-Length: 5, " + length + "\r\n"},
      {"a signed Content-Length", "Content-Length: +" + length + "\r\n"},
      {"chunked, identity", "Transfer-Encoding: chunked, identity\r\n"},
      {"two Transfer-Encoding fields", "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n"},
      {"an unknown coding", "Transfer-Encoding: xchunked\r\n"},
      {"obs-fold", "Content-Length: " + length + "\r\nX-Folded: a\r\n Transfer-Encoding: chunked\r\n"},
      {"space before the colon", "Content-Length: " + length + "\r\nTransfer-Encoding : chunked\r\n"},
  };
  for (const auto& entry : cases) {
    const std::string& name = entry.first;
    const std::string& fields = entry.second;
    CAPTURE(name);
    bool closed = false;
    std::string got = exchange_and_close(s.port, "POST /api/x HTTP/1.1\r\nHost: x\r\n" + fields + "\r\n" + smuggled, &closed);
    CHECK(got.rfind("HTTP/1.1 400 Bad Request\r\n", 0) == 0);
    CHECK(got.find("HTTP/1.1", 1) == std::string::npos);
    CHECK(closed);
  }
  s.process->signal(SIGTERM);
  CHECK(s.process->wait() == 0);
  std::string received = upstream.received();
  CHECK(received.find("/api/legit") != std::string::npos);
  CHECK(received.find("hello") != std::string::npos);
  CHECK(received.find("/api/x") == std::string::npos);
  CHECK(received.find("smuggled") == std::string::npos);
}

TEST_CASE("hostile: pipelined requests are answered in order on one connection") {
  auto s = serve("apigw: 1\nroutes:\n  - { method: GET, path: /a, mock: { body: first } }\n"
                 "  - { method: GET, path: /b, mock: { body: second } }\n"
                 "  - { method: POST, path: /c, mock: { status: 201, body: third } }\n",
                 {"--access-log", "off"});
  REQUIRE_MESSAGE(s.port > 0, s.process->err());
  int fd = e2e::connect_loopback(s.port);
  REQUIRE(fd >= 0);
  send_all(fd, "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n"
               "POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbodyGET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  bool closed = false;
  std::string got = read_until_closed(fd, Clock::now() + 3s, &closed);
  ::close(fd);
  CHECK(closed);
  std::vector<std::string> bodies;
  while (size_t end = response_end(got)) {
    bodies.push_back(got.substr(0, 12) + problem_body(got.substr(0, end)));
    got.erase(0, end);
  }
  CHECK(got.empty());
  CHECK(bodies == std::vector<std::string>{"HTTP/1.1 200first", "HTTP/1.1 200second", "HTTP/1.1 201third", "HTTP/1.1 200first"});
  s.process->signal(SIGTERM);
  CHECK(s.process->wait() == 0);
}

TEST_CASE("hostile: clients gone mid-request or mid-response leave the server answering, with no descriptor growth") {
  httplib::Server upstream;
  const std::string big(8'000'000, 'u');
  upstream.Get("/big", [&](const httplib::Request&, httplib::Response& res) { res.set_content(big, "text/plain"); });
  int up_port = upstream.bind_to_any_port("127.0.0.1");
  std::thread up_thread([&] { upstream.listen_after_bind(); });
  auto s = serve("apigw: 1\nbackends:\n  up: \"http://127.0.0.1:" + std::to_string(up_port) + "\"\nroutes:\n"
                 "  - { method: GET, path: /ping, mock: { body: pong } }\n"
                 "  - { method: POST, path: /upload, mock: { status: 201 } }\n"
                 "  - { method: GET, path: /mock/big, mock: { body: \"" + std::string(2'000'000, 'm') + "\" } }\n"
                 "  - { method: GET, path: /big, proxy: up }\n",
                 {"--access-log", "off"});
  REQUIRE_MESSAGE(s.port > 0, s.process->err());
  httplib::Client client("127.0.0.1", s.port);
  for (const char* path : {"/ping", "/mock/big", "/big"}) {
    auto warm = client.Get(path);
    REQUIRE(warm);
    CHECK(warm->status == 200);
  }
  client.stop();
  std::this_thread::sleep_for(200ms);
  size_t baseline = descriptors(s.process->pid());

  for (int i = 0; i < 20; ++i) {  // half a body, then gone
    int fd = e2e::connect_loopback(s.port);
    REQUIRE(fd >= 0);
    send_all(fd, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 10000\r\n\r\n" + std::string(5000, 'b'));
    ::close(fd);
  }
  // One at a time: concurrent proxied requests would rightly open (and pool) more upstream connections.
  for (const char* path : {"/mock/big", "/big"}) {
    for (int i = 0; i < 10; ++i) {  // the start of a large answer, then gone
      int fd = e2e::connect_loopback(s.port);
      REQUIRE(fd >= 0);
      send_all(fd, std::string("GET ") + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
      char buf[65536];
      CHECK(::recv(fd, buf, sizeof buf, 0) > 0);
      ::close(fd);
      descriptors_settled(s.process->pid(), baseline, 3s);
    }
  }
  size_t after = descriptors_settled(s.process->pid(), baseline, 8s);
  CHECK_MESSAGE(after <= baseline, "descriptors: " << baseline << " before, " << after << " after");
  auto ok = httplib::Client("127.0.0.1", s.port).Get("/ping");
  REQUIRE(ok);
  CHECK(ok->body == "pong");
  s.process->signal(SIGTERM);
  CHECK(s.process->wait() == 0);
  upstream.stop();
  up_thread.join();
}

TEST_CASE("hostile: 2,000 concurrent keep-alive clients are served without errors or descriptor leaks") {
  rlimit files{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &files) == 0);
  constexpr size_t k_clients = 2000;
  REQUIRE_MESSAGE(files.rlim_max >= k_clients + 100, "RLIMIT_NOFILE hard limit " << files.rlim_max << " is too low");
  // apigw starts with the common soft limit of 1024 and must raise its own; this test then raises its own.
  rlimit low = files;
  low.rlim_cur = 1024;
  REQUIRE(::setrlimit(RLIMIT_NOFILE, &low) == 0);
  auto s = serve("apigw: 1\n" + k_ping_routes, {"--access-log", "off"});
  files.rlim_cur = files.rlim_max;
  REQUIRE(::setrlimit(RLIMIT_NOFILE, &files) == 0);
  REQUIRE_MESSAGE(s.port > 0, s.process->err());
  std::string limits = e2e::slurp("/proc/" + std::to_string(s.process->pid()) + "/limits");
  size_t line = limits.find("Max open files");
  REQUIRE(line != std::string::npos);
  std::istringstream open_files(limits.substr(line + 14));
  std::string soft, hard;
  open_files >> soft >> hard;
  CHECK(soft == hard);
  CHECK(soft != "1024");
  size_t baseline = descriptors(s.process->pid());

  std::vector<pollfd> fds;
  for (size_t i = 0; i < k_clients; ++i) {
    int fd = e2e::connect_loopback(s.port);
    REQUIRE(fd >= 0);
    fds.push_back({fd, POLLIN, 0});
  }
  // Every connection stays open for two rounds; the second reuses it (keep-alive).
  size_t answered = 0;
  for (int round = 0; round < 2; ++round) {
    for (auto& p : fds) send_all(p.fd, "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n");
    std::vector<std::string> got(k_clients);
    std::vector<bool> done(k_clients, false);
    size_t left = k_clients;
    auto deadline = Clock::now() + 15s;
    while (left > 0 && Clock::now() < deadline) {
      for (size_t i = 0; i < k_clients; ++i) fds[i].events = done[i] ? 0 : POLLIN;
      if (::poll(fds.data(), fds.size(), 1000) <= 0) continue;
      for (size_t i = 0; i < k_clients; ++i) {
        if (done[i] || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        char buf[1024];
        ssize_t n = ::recv(fds[i].fd, buf, sizeof buf, 0);
        if (n > 0) got[i].append(buf, static_cast<size_t>(n));
        if (n <= 0 || response_end(got[i]) != 0) {
          done[i] = true;
          --left;
          if (got[i].rfind("HTTP/1.1 200 OK\r\n", 0) == 0 && problem_body(got[i]) == "pong") ++answered;
        }
      }
    }
  }
  CHECK(answered == 2 * k_clients);
  for (auto& p : fds) ::close(p.fd);
  size_t after = descriptors_settled(s.process->pid(), baseline, 10s);
  CHECK_MESSAGE(after <= baseline, "descriptors: " << baseline << " before, " << after << " after");
  s.process->signal(SIGTERM);
  CHECK(s.process->wait() == 0);
}

TEST_CASE("hostile: past limits.max_connections a connection gets 503 and a close") {
  auto s = serve("apigw: 1\nlimits: { max_connections: 2 }\n" + k_ping_routes, {"--access-log", "off"});
  REQUIRE_MESSAGE(s.port > 0, s.process->err());
  int first = e2e::connect_loopback(s.port);
  int second = e2e::connect_loopback(s.port);
  REQUIRE(first >= 0);
  REQUIRE(second >= 0);
  std::this_thread::sleep_for(200ms);  // both accepted and waiting for a request
  bool closed = false;
  std::string busy = exchange_and_close(s.port, "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n", &closed);
  CHECK(busy.rfind("HTTP/1.1 503 Service Unavailable\r\n", 0) == 0);
  CHECK(nlohmann::json::parse(problem_body(busy))["status"] == 503);
  CHECK(closed);
  ::close(first);
  // Once one is gone, a new connection is served.
  std::string served;
  for (auto deadline = Clock::now() + 3s; served.rfind("HTTP/1.1 200", 0) != 0 && Clock::now() < deadline;) {
    std::this_thread::sleep_for(50ms);
    served = exchange_and_close(s.port, "GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  }
  CHECK(served.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  ::close(second);
  s.process->signal(SIGTERM);
  CHECK(s.process->wait() == 0);
}
