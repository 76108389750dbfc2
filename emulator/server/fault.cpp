#include "emulator/server/fault.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <cctype>
#include <cstring>
#include <strings.h>
#include <filesystem>

#include <httplib.h>

namespace apigw::server {

namespace {

int port_of(const sockaddr_storage& a) {
  if (a.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(a).sin_port);
  if (a.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(a).sin6_port);
  return -1;
}

std::string address_of(const sockaddr_storage& a) {
  char text[INET6_ADDRSTRLEN] = {};
  if (a.ss_family == AF_INET) inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(a).sin_addr, text, sizeof text);
  if (a.ss_family == AF_INET6) inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(a).sin6_addr, text, sizeof text);
  return text;
}

// cpp-httplib does not hand the socket to handlers; the connection is the one socket whose two ends are the
// request's local and remote addresses. Faults are rare and asked for, so a scan of the open descriptors is fine.
int find_socket(const httplib::Request& req) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
    int fd = std::atoi(entry.path().filename().c_str());
    sockaddr_storage peer{}, local{};
    socklen_t peer_len = sizeof peer, local_len = sizeof local;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0) continue;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0) continue;
    if (port_of(peer) == req.remote_port && port_of(local) == req.local_port && address_of(peer) == req.remote_addr)
      return fd;
  }
  return -1;
}

}  // namespace

std::optional<Fault> parse_fault(std::string_view text) {
  if (text == "reset") return Fault::Reset;
  if (text == "empty") return Fault::Empty;
  if (text == "malformed_chunk") return Fault::MalformedChunk;
  return std::nullopt;
}

const char* fault_name(Fault f) {
  switch (f) {
    case Fault::Reset: return "reset";
    case Fault::Empty: return "empty";
    case Fault::MalformedChunk: return "malformed_chunk";
  }
  return "";
}

Chaos read_chaos(const httplib::Request& req) {
  Chaos c;
  auto apply = [&](const std::string& key, const std::string& value) {
    if (key == "delay") {
      char* end = nullptr;
      long ms = std::strtol(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || ms < 0 || ms > 60000)
        c.error = "delay must be milliseconds from 0 to 60000, got '" + value + "'";
      else
        c.delay_ms = static_cast<int>(ms);
    } else if (key == "fault") {
      if (auto f = parse_fault(value)) c.fault = f;
      else c.error = "fault must be reset, empty or malformed_chunk, got '" + value + "'";
    }
  };
  for (const char* key : {"delay", "fault"})
    if (req.has_param(std::string("__") + key)) apply(key, req.get_param_value(std::string("__") + key));
  if (!req.has_header("Prefer")) return c;
  for (const auto& [name, value] : req.headers) {
    if (strcasecmp(name.c_str(), "prefer") != 0) continue;
    size_t start = 0;
    while (start <= value.size()) {
      size_t end = value.find_first_of(",;", start);
      std::string token = value.substr(start, end == std::string::npos ? std::string::npos : end - start);
      size_t eq = token.find('=');
      if (eq != std::string::npos) {
        auto trim = [](std::string t) {
          t.erase(0, t.find_first_not_of(" \t\""));
          t.erase(t.find_last_not_of(" \t\"") + 1);
          return t;
        };
        std::string key = trim(token.substr(0, eq));
        for (auto& ch : key) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        apply(key, trim(token.substr(eq + 1)));
      }
      if (end == std::string::npos) break;
      start = end + 1;
    }
  }
  return c;
}

bool inject_fault(Fault f, const httplib::Request& req) {
  int fd = find_socket(req);
  if (fd < 0) return false;
  if (f == Fault::Reset) {
    // Dissolving a TCP socket's association (connect to AF_UNSPEC) aborts the connection with a RST; the server's
    // own write then fails and it closes the descriptor as usual.
    sockaddr unspec{};
    unspec.sa_family = AF_UNSPEC;
    linger hard{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    connect(fd, &unspec, sizeof unspec);
  } else {
    if (f == Fault::MalformedChunk) {
      static const char k_head[] =
          "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{\"broken\r\n";
      [[maybe_unused]] auto n = ::send(fd, k_head, sizeof k_head - 1, MSG_NOSIGNAL);
    }
    ::shutdown(fd, SHUT_RDWR);
  }
  return true;
}

}  // namespace apigw::server
