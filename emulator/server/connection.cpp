#include "emulator/server/connection.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <thread>
#include <vector>

namespace apigw::server {

ElasticPool::ElasticPool(size_t min_threads, size_t max_threads, std::chrono::milliseconds idle_time)
    : min_threads_(min_threads), max_threads_(std::max(min_threads, max_threads)), idle_time_(idle_time) {}

ElasticPool::~ElasticPool() { shutdown(); }

void ElasticPool::enqueue(std::function<void()> job) {
  std::lock_guard lock(mutex_);
  jobs_.push_back(std::move(job));
  if (idle_ < jobs_.size() && threads_ < max_threads_) {
    ++threads_;
    // Detached: a thread that ends while idle is not joined; shutdown() waits for the count to reach zero instead.
    std::thread([this] { work(); }).detach();
  }
  wake_.notify_one();
}

void ElasticPool::shutdown() {
  std::unique_lock lock(mutex_);
  shutdown_ = true;
  wake_.notify_all();
  ended_.wait(lock, [&] { return threads_ == 0; });
}

void ElasticPool::work() {
  std::unique_lock lock(mutex_);
  while (true) {
    ++idle_;
    bool woken = wake_.wait_for(lock, idle_time_, [&] { return !jobs_.empty() || shutdown_; });
    --idle_;
    if (jobs_.empty() && (shutdown_ || (!woken && threads_ > min_threads_))) break;
    if (jobs_.empty()) continue;
    auto job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    job();
    lock.lock();
  }
  --threads_;
  // Notified under the lock: shutdown() cannot return (and destroy the pool) before this thread let go of it.
  ended_.notify_all();
}

namespace {

using Clock = std::chrono::steady_clock;

// Rounded up: a poll that returns before a deadline would be taken for an error rather than the deadline.
int to_ms(Clock::duration d) {
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(d).count();
  return static_cast<int>(std::clamp<decltype(ms)>(ms, 0, 24 * 3600 * 1000));
}

// Waits until `sock` has `events`; false on timeout, error, or when `stop_fd` (if any) became readable.
bool wait_for(int sock, short events, int timeout_ms, int stop_fd = -1) {
  pollfd fds[2] = {{sock, events, 0}, {stop_fd, POLLIN, 0}};
  while (true) {
    int n = ::poll(fds, stop_fd < 0 ? 1 : 2, timeout_ms);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || fds[1].revents) return false;
    return (fds[0].revents & (events | POLLHUP | POLLERR)) != 0;
  }
}

std::string address_of(const sockaddr_storage& addr, socklen_t len, int& port) {
  char host[NI_MAXHOST] = "";
  char service[NI_MAXSERV] = "";
  if (::getnameinfo(reinterpret_cast<const sockaddr*>(&addr), len, host, sizeof host, service, sizeof service,
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0)
    return "";
  port = std::atoi(service);
  return host;
}

// One plain-HTTP connection as httplib's Stream. Unlike httplib's own stream (made anew for every request, dropping
// whatever it had read ahead), it lives as long as the connection: bytes of a pipelined next request stay buffered.
class Connection : public httplib::Stream {
 public:
  Connection(int sock, const model::Limits& limits) : sock_(sock), limits_(limits) {}

  bool is_readable() const override {
    return buffered() > 0 || wait_for(sock_, POLLIN, to_ms(limits_.read_timeout));
  }
  bool is_writable() const override { return wait_for(sock_, POLLOUT, to_ms(limits_.write_timeout)); }

  ssize_t read(char* out, size_t size) override {
    if (buffered() == 0) {
      if (size >= k_chunk) return count(receive(out, size, to_ms(limits_.read_timeout)));
      if (fill(to_ms(limits_.read_timeout)) <= 0) return -1;
    }
    size_t n = std::min(size, buffered());
    std::memcpy(out, buffer_.data() + offset_, n);
    offset_ += n;
    return count(static_cast<ssize_t>(n));
  }

  ssize_t write(const char* data, size_t size) override {
    // The final status: a 100 Continue comes first when the client asked for it.
    if (status_ < 200 && size >= 12 && std::string_view(data, 7) == "HTTP/1.") status_ = std::atoi(data + 9);
    if (!is_writable()) return -1;
    ssize_t n;
    do n = ::send(sock_, data, size, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    return n;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (::getpeername(sock_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) ip = address_of(addr, len, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (::getsockname(sock_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) ip = address_of(addr, len, port);
  }
  socket_t socket() const override { return sock_; }

  // Waits up to keep_alive_timeout for the first byte of the next request (empty lines before it are skipped, RFC
  // 9112 2.2); false when the client closed, stayed idle, or the server is stopping.
  bool wait_for_request(int stop_fd) {
    auto deadline = Clock::now() + limits_.keep_alive_timeout;
    while (true) {
      while (buffered() > 0 && (buffer_[offset_] == '\r' || buffer_[offset_] == '\n')) ++offset_;
      if (buffered() > 0) return true;
      if (!wait_for(sock_, POLLIN, to_ms(deadline - Clock::now()), stop_fd)) return false;
      if (fill(0) <= 0) return false;
    }
  }

  // Buffers the whole request head, within header_timeout of its first byte. The head's size, or 0 when the client
  // closed; -408 past the deadline; -414 or -431 when the request line or the head grew past its limit.
  ssize_t read_head() {
    auto deadline = Clock::now() + limits_.header_timeout;
    size_t line_limit = std::min<uint64_t>(limits_.max_request_line, k_httplib_line_limit);
    size_t searched = 0;
    while (true) {
      std::string_view data(buffer_.data() + offset_, buffered());
      for (size_t at = data.find('\n', searched); at != std::string_view::npos; at = data.find('\n', at + 1)) {
        if (at + 1 < data.size() && data[at + 1] == '\n') return static_cast<ssize_t>(at + 2);
        if (at + 2 < data.size() && data[at + 1] == '\r' && data[at + 2] == '\n') return static_cast<ssize_t>(at + 3);
      }
      searched = data.size() < 2 ? 0 : data.size() - 2;
      size_t line_end = data.find('\n');
      if ((line_end == std::string_view::npos ? data.size() : line_end) > line_limit) return -414;
      if (line_end != std::string_view::npos && data.size() - line_end > limits_.max_header_size) return -431;
      auto left = deadline - Clock::now();
      if (left <= Clock::duration::zero()) return -408;
      ssize_t n = fill(to_ms(left));
      if (n == 0) return 0;
      if (n < 0) return Clock::now() >= deadline ? -408 : 0;
    }
  }

  std::string_view buffered_view(size_t n) const { return {buffer_.data() + offset_, n}; }
  // Bytes handed to httplib since the request started (head and body), to tell whether it read the whole body.
  uint64_t consumed() const { return consumed_; }
  // The status of the response written since the request started; 0 before it is.
  int status() const { return status_; }
  void start_request() {
    consumed_ = 0;
    status_ = 0;
  }

 private:
  static constexpr size_t k_chunk = 16384;
  // cpp-httplib 0.11 answers 414 itself past 8192 bytes (CPPHTTPLIB_REQUEST_URI_MAX_LENGTH, compiled in).
  static constexpr size_t k_httplib_line_limit = 8192;

  size_t buffered() const { return buffer_.size() - offset_; }
  ssize_t count(ssize_t n) {
    if (n > 0) consumed_ += static_cast<uint64_t>(n);
    return n;
  }
  ssize_t receive(char* out, size_t size, int timeout_ms) {
    if (!wait_for(sock_, POLLIN, timeout_ms)) return -1;
    ssize_t n;
    do n = ::recv(sock_, out, size, 0);
    while (n < 0 && errno == EINTR);
    return n;
  }
  // Appends what the socket has (waiting up to timeout_ms); the bytes read, 0 at end of stream, -1 on timeout/error.
  ssize_t fill(int timeout_ms) {
    buffer_.erase(0, offset_);
    offset_ = 0;
    size_t old = buffer_.size();
    buffer_.resize(old + k_chunk);
    ssize_t n = receive(buffer_.data() + old, k_chunk, timeout_ms);
    buffer_.resize(old + static_cast<size_t>(std::max<ssize_t>(n, 0)));
    return n;
  }

  int sock_;
  const model::Limits& limits_;
  std::string buffer_;
  size_t offset_ = 0;
  uint64_t consumed_ = 0;
  int status_ = 0;
};

bool is_token_char(unsigned char c) {
  return std::isalnum(c) || std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

// Well-formed UTF-8 without control characters (HTAB allowed where `tab_ok`).
bool valid_text(std::string_view s, bool tab_ok) {
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if ((c < 0x20 && !(tab_ok && c == '\t')) || c == 0x7f) return false;
      ++i;
      continue;
    }
    size_t n = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
    if (n == 0 || i + n >= s.size()) return false;
    auto second = static_cast<unsigned char>(s[i + 1]);
    if ((c == 0xe0 && second < 0xa0) || (c == 0xed && second > 0x9f) || (c == 0xf0 && second < 0x90) ||
        (c == 0xf4 && second > 0x8f))
      return false;  // overlong forms, surrogates, past U+10FFFF
    for (size_t k = 1; k <= n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return false;
    i += n + 1;
  }
  return true;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return std::tolower(x) == std::tolower(y); });
}

// A lingering close, as nginx does: closing with unread bytes makes the kernel send a reset, which can destroy the
// answer before the client read it. The rest of the request is read and dropped for a short while first.
void linger(int sock) {
  ::shutdown(sock, SHUT_WR);
  auto until = Clock::now() + std::chrono::seconds(1);
  char sink[16384];
  for (size_t dropped = 0; dropped < (size_t{1} << 20) && wait_for(sock, POLLIN, to_ms(until - Clock::now()));) {
    ssize_t n = ::recv(sock, sink, sizeof sink, 0);
    if (n <= 0) break;
    dropped += static_cast<size_t>(n);
  }
}

HeadCheck refused(int status, std::string detail) {
  HeadCheck check;
  check.status = status;
  check.detail = std::move(detail);
  return check;
}

const char* reason(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 408: return "Request Timeout";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 503: return "Service Unavailable";
    default: return "Error";
  }
}

}  // namespace

HeadCheck check_head(std::string_view head, const model::Limits& limits) {
  HeadCheck check;  // method and target filled as soon as known, for the access log of a refused request
  auto refuse = [&check](int status, std::string detail) {
    check.status = status;
    check.detail = std::move(detail);
    return check;
  };
  std::vector<std::string_view> lines;
  for (size_t start = 0; start < head.size();) {
    size_t end = head.find('\n', start);
    if (end == std::string_view::npos) end = head.size();
    std::string_view line = head.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    start = end + 1;
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  if (lines.empty()) return refuse(400, "the request has no request line");

  std::string_view line = lines[0];
  if (line.size() > std::min<uint64_t>(limits.max_request_line, 8192))
    return refuse(414, "the request line is longer than limits.max_request_line");
  size_t first = line.find(' ');
  size_t last = line.rfind(' ');
  if (first == std::string_view::npos || first == last)
    return refuse(400, "the request line is not METHOD TARGET HTTP/1.x");
  check.method = std::string(line.substr(0, first));
  check.target = std::string(line.substr(first + 1, last - first - 1));
  std::string_view version = line.substr(last + 1);
  if (check.method.empty() || !std::all_of(check.method.begin(), check.method.end(), [](char c) { return is_token_char(static_cast<unsigned char>(c)); }))
    return refuse(400, "the request method is not a token");
  if (check.target.empty() || check.target.find(' ') != std::string::npos || !valid_text(check.target, false))
    return refuse(400, "the request target has spaces, control characters or invalid UTF-8");
  if (check.target.find("%00") != std::string::npos)
    return refuse(400, "the request target has a NUL byte (%00)");
  if (version != "HTTP/1.1" && version != "HTTP/1.0") return refuse(400, "the HTTP version is not HTTP/1.0 or HTTP/1.1");

  size_t head_bytes = head.size() - std::min(head.size(), line.size() + 2);
  if (head_bytes > limits.max_header_size) return refuse(431, "the header fields are larger than limits.max_header_size");
  std::vector<std::string> lengths;
  std::string transfer_encoding;
  bool has_transfer_encoding = false;
  for (size_t i = 1; i < lines.size(); ++i) {
    std::string_view field = lines[i];
    if (field.size() > 8192) return refuse(431, "a header field is longer than 8192 bytes");
    if (field.empty()) return refuse(400, "an empty line inside the header fields");
    if (field.front() == ' ' || field.front() == '\t')
      return refuse(400, "a header field is folded over lines (obs-fold, RFC 9112 5.2)");
    size_t colon = field.find(':');
    std::string_view name = field.substr(0, colon == std::string_view::npos ? 0 : colon);
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) { return is_token_char(static_cast<unsigned char>(c)); }))
      return refuse(400, "a header field name is empty or not a token (no space before the colon)");
    std::string_view value = field.substr(colon + 1);
    if (!valid_text(value, true)) return refuse(400, "a header field value has control characters, NUL or invalid UTF-8");
    if (iequals(name, "Content-Length")) {
      for (size_t start = 0; start <= value.size();) {
        size_t comma = std::min(value.find(',', start), value.size());
        lengths.push_back(trim(value.substr(start, comma - start)));
        start = comma + 1;
      }
    } else if (iequals(name, "Transfer-Encoding")) {
      if (has_transfer_encoding) transfer_encoding += ",";
      transfer_encoding += value;
      has_transfer_encoding = true;
    }
  }
  if (has_transfer_encoding) {
    // RFC 9112 6.1 lets a server prefer Transfer-Encoding over Content-Length; a gateway in front of other servers
    // must not guess what the next hop will prefer (request smuggling), so both together are refused.
    if (!lengths.empty()) return refuse(400, "the request has both Content-Length and Transfer-Encoding");
    if (!iequals(trim(transfer_encoding), "chunked"))
      return refuse(400, "Transfer-Encoding '" + trim(transfer_encoding) + "': only 'chunked' alone is accepted");
    if (version == "HTTP/1.0") return refuse(400, "Transfer-Encoding in an HTTP/1.0 request");
    check.chunked = true;
  }
  for (const auto& length : lengths) {
    if (length.empty() || length.size() > 18 || !std::all_of(length.begin(), length.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return refuse(400, "Content-Length '" + length + "' is not a number");
    if (length != lengths[0]) return refuse(400, "the request has different Content-Length values");
  }
  if (!lengths.empty()) {
    check.content_length = std::stoull(lengths[0]);
    if (*check.content_length > limits.max_body_size)
      return refuse(413, "the request body is larger than limits.max_body_size (" + std::to_string(limits.max_body_size) + " bytes)");
  }
  return check;
}

Listener::Listener(Limits limits, Rejected rejected) : limits_(std::move(limits)), rejected_(std::move(rejected)) {
  if (::pipe2(stop_pipe_, O_CLOEXEC) != 0) stop_pipe_[0] = stop_pipe_[1] = -1;
}

Listener::~Listener() {
  for (int fd : stop_pipe_)
    if (fd >= 0) ::close(fd);
}

void Listener::shut_down() {
  if (stop_pipe_[1] >= 0) (void)!::write(stop_pipe_[1], "x", 1);
  stop();
}

void Listener::reject(int sock, const HeadCheck& check, const std::string& client) {
  httplib::Response res;
  set_problem(res, check.status, reason(check.status), check.detail);
  std::string out = "HTTP/1.1 " + std::to_string(check.status) + " " + reason(check.status) +
                    "\r\nContent-Type: application/problem+json\r\nContent-Length: " + std::to_string(res.body.size()) +
                    "\r\nConnection: close\r\n\r\n" + res.body;
  int timeout_ms = to_ms(limits_().write_timeout);
  for (size_t sent = 0; sent < out.size();) {
    if (!wait_for(sock, POLLOUT, timeout_ms)) break;
    ssize_t n = ::send(sock, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  AccessRecord record;
  record.time = std::chrono::system_clock::now();
  record.method = check.method;
  // A rejected target may be huge or broken; the log keeps its start (the writer replaces invalid UTF-8).
  record.path = check.target.substr(0, std::min(check.target.find('?'), size_t{1024}));
  record.status = check.status;
  record.response_bytes = res.body.size();
  record.client = client;
  rejected_(record);
}

bool Listener::process_and_close_socket(socket_t sock) {
  const model::Limits limits = limits_();
  Connection connection(sock, limits);
  std::string client;
  int port = 0;
  connection.get_remote_ip_and_port(client, port);
  bool ok = true;
  bool unread = false;  // the client may have sent bytes not read: linger before closing
  if (connections_.fetch_add(1) >= limits.max_connections) {
    unread = true;
    reject(sock, refused(503, "the gateway serves limits.max_connections (" + std::to_string(limits.max_connections) +
                                 ") connections already"), client);
  } else {
    while (connection.wait_for_request(stop_pipe_[0])) {
      ssize_t head_size = connection.read_head();
      if (head_size == 0) break;
      HeadCheck check;
      if (head_size < 0) {
        check = refused(static_cast<int>(-head_size), head_size == -408 ? "the request head did not arrive within limits.header_timeout"
                                                     : head_size == -414 ? "the request line is longer than limits.max_request_line"
                                                                         : "the header fields are larger than limits.max_header_size");
      } else {
        check = check_head(connection.buffered_view(static_cast<size_t>(head_size)), limits);
      }
      if (check.status != 0) {
        reject(sock, check, client);
        unread = true;
        break;
      }
      connection.start_request();
      bool closed = false;
      ok = process_request(connection, false, closed, nullptr);
      if (!ok || closed) break;
      // A body the handler left unread (an error answered early) would be taken for the next request: close instead.
      // Where a chunked body ends is not known here; after an error it may not have been read to its end.
      unread = (check.content_length && connection.consumed() < static_cast<uint64_t>(head_size) + *check.content_length) ||
               (check.chunked && connection.status() >= 400);
      if (unread) break;
    }
  }
  if (unread) linger(sock);
  connections_.fetch_sub(1);
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return ok;
}

}  // namespace apigw::server
