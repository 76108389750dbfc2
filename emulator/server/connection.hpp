// Client connections on the edge: what cpp-httplib 0.11 leaves open to hostile clients, closed here.
// - ElasticPool: a thread per connection as httplib wants, but grown on demand up to a cap and shrunk when idle, so
//   slow clients cannot starve a fixed pool.
// - Listener: plain-HTTP connections read with a deadline for the whole request head, the head checked before httplib
//   parses it (sizes, malformed lines, smuggling), and one buffered stream per connection so pipelined requests are
//   answered in order. docs/hardening.md describes the behaviour, docs/config.md#limits the limits.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <httplib.h>

#include "emulator/model/config.hpp"
#include "emulator/server/gateway.hpp"

namespace apigw::server {

class ElasticPool : public httplib::TaskQueue {
 public:
  // Keeps `min_threads` alive; starts another thread while no thread is free, up to `max_threads` (jobs past it wait);
  // a thread idle for `idle_time` above the minimum ends.
  ElasticPool(size_t min_threads, size_t max_threads, std::chrono::milliseconds idle_time);
  ~ElasticPool() override;
  void enqueue(std::function<void()> job) override;
  // Runs the jobs already queued, then waits for every thread to end.
  void shutdown() override;

 private:
  void work();
  std::mutex mutex_;
  std::condition_variable wake_, ended_;
  std::deque<std::function<void()>> jobs_;
  size_t min_threads_, max_threads_;
  std::chrono::milliseconds idle_time_;
  size_t threads_ = 0;
  size_t idle_ = 0;
  bool shutdown_ = false;
};

// What check_head found in a request head.
struct HeadCheck {
  int status = 0;      // 0: acceptable; else the status to answer before closing (400, 413, 414, 431)
  std::string detail;  // why, for the problem body
  std::string method, target;
  std::optional<uint64_t> content_length;
  bool chunked = false;
};

// Checks a complete request head (request line and header lines, up to and including the empty line) against the
// limits and RFC 9112, rejecting what a gateway in front of other servers must not pass on.
HeadCheck check_head(std::string_view head, const model::Limits& limits);

class Listener : public httplib::Server {
 public:
  using Limits = std::function<model::Limits()>;
  using Rejected = std::function<void(AccessRecord&)>;
  // `limits` gives the current config's limits (they change on reload); `rejected` logs a request answered here.
  Listener(Limits limits, Rejected rejected);
  ~Listener() override;
  // Closes idle keep-alive connections now (and from now on); requests in flight finish. Then httplib's stop().
  void shut_down();

 private:
  bool process_and_close_socket(socket_t sock) override;
  void reject(int sock, const HeadCheck& check, const std::string& client);
  Limits limits_;
  Rejected rejected_;
  std::atomic<size_t> connections_{0};
  int stop_pipe_[2] = {-1, -1};  // readable once shut_down() ran
};

}  // namespace apigw::server
