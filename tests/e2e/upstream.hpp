// Well-behaved upstreams for proxy tests (test_proxy.cpp, test_resilience.cpp).
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <string>
#include <thread>

namespace e2e {

// An httplib::Server on a free loopback port (or a given one), in its own thread, that counts the requests and
// the client ports they came from (one per TCP connection).
class Upstream {
 public:
  explicit Upstream(std::string name, int port = 0) : name_(std::move(name)) {
    server_.set_keep_alive_max_count(100000);  // httplib closes after 5 requests by default; a pool would not show
    auto handler = [this](const httplib::Request& req, httplib::Response& res) {
      {
        std::lock_guard lock(mutex_);
        ports_.insert(req.remote_port);
        last_headers_ = req.headers;
        last_target_ = req.target;
        last_body_ = req.body;
      }
      ++hits_;
      if (req.path == "/slow") std::this_thread::sleep_for(std::chrono::milliseconds(1500));
      if (req.path == "/fail") {
        res.status = 503;
        return;
      }
      if (req.path == "/json") {  // a JSON answer, for response transforms
        res.set_header("X-Up-Public", "ok");
        res.set_content(R"({"user_name":"ann","secret":"s3","id":1})", "application/json");
        return;
      }
      res.set_header("Connection", "X-Up-Private");  // names a header meant for this hop only
      res.set_header("X-Up-Private", "secret");
      res.set_header("X-Up-Public", "ok");
      res.set_content(name_, "text/plain");
    };
    server_.Get(".*", handler);
    server_.Post(".*", handler);
    if (port == 0) {
      port_ = server_.bind_to_any_port("127.0.0.1");
    } else {
      port_ = server_.bind_to_port("127.0.0.1", port) ? port : -1;
    }
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (port_ > 0 && !server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Upstream() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int hits() const { return hits_; }
  size_t connections() {
    std::lock_guard lock(mutex_);
    return ports_.size();
  }
  httplib::Headers last_headers() {
    std::lock_guard lock(mutex_);
    return last_headers_;
  }
  std::string last_target() {  // path and query as received
    std::lock_guard lock(mutex_);
    return last_target_;
  }
  std::string last_body() {
    std::lock_guard lock(mutex_);
    return last_body_;
  }

 private:
  std::string name_;
  httplib::Server server_;
  int port_ = -1;
  std::thread thread_;
  std::atomic<int> hits_{0};
  std::mutex mutex_;
  std::set<int> ports_;
  httplib::Headers last_headers_;
  std::string last_target_;
  std::string last_body_;
};

}  // namespace e2e
