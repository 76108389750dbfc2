// Runs the real apigw binary for end-to-end tests: one-shot commands and background servers.
#pragma once

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "common/temp_dir.hpp"

extern char** environ;

namespace e2e {

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::string temp_path(const std::string& stem) { return test_temp::path(stem); }

inline std::string write_temp(const std::string& name, const std::string& content) {
  std::string path = temp_path(name);
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

// Writes then renames, as editors do, so a watching server never reads half a file.
inline void write_file(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  std::ofstream(tmp, std::ios::binary) << text;
  std::rename(tmp.c_str(), path.c_str());
}

struct Result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

class Process {
 public:
  // `env_extra` ("NAME=value") replaces variables of the same name in this process's environment.
  Process(std::vector<std::string> args, std::vector<std::string> env_extra = {}, std::string program = APIGW_BINARY) {
    out_path_ = temp_path("stdout");
    err_path_ = temp_path("stderr");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, 2, err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    std::vector<char*> argv;
    argv.push_back(program.data());
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    auto left_out = [&](const std::string& variable) {
      std::string name = variable.substr(0, variable.find('=') + 1);
      if (name == "NO_COLOR=") return true;
      return std::any_of(env_extra.begin(), env_extra.end(), [&](const std::string& e) { return e.rfind(name, 0) == 0; });
    };
    std::vector<std::string> env_store;
    for (char** e = environ; *e; ++e)
      if (!left_out(*e)) env_store.emplace_back(*e);
    for (auto& e : env_extra) env_store.push_back(e);
    std::vector<char*> envp;
    for (auto& e : env_store) envp.push_back(e.data());
    envp.push_back(nullptr);
    if (posix_spawn(&pid_, program.c_str(), &actions, nullptr, argv.data(), envp.data()) != 0)
      throw std::runtime_error("cannot start " + program);
    posix_spawn_file_actions_destroy(&actions);
  }
  ~Process() {
    if (pid_ > 0 && !done_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    unlink(out_path_.c_str());
    unlink(err_path_.c_str());
  }
  std::string out() const { return slurp(out_path_); }
  std::string err() const { return slurp(err_path_); }

  // Waits up to `timeout` for the process to exit; returns its exit code, or -1 on timeout (the process is killed).
  int wait(std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    while (true) {
      pid_t r = waitpid(pid_, &status, WNOHANG);
      if (r == pid_) break;
      if (std::chrono::steady_clock::now() > deadline) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        done_ = true;
        return -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    done_ = true;
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
  }
  void signal(int sig) { kill(pid_, sig); }
  pid_t pid() const { return pid_; }

  // For servers: waits until stderr says "listening on http(s)://host:PORT" and returns PORT (or -1).
  int wait_for_port(std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      std::string e = err();
      auto at = e.find("listening on http");
      if (at != std::string::npos) {
        auto colon = e.find(':', e.find("://", at) + 3);
        auto end = e.find('\n', colon);
        if (colon != std::string::npos && end != std::string::npos) return std::stoi(e.substr(colon + 1, end - colon - 1));
      }
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        done_ = true;
        return -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
  bool done_ = false;
  std::string out_path_, err_path_;
};

inline Result run(std::vector<std::string> args, std::vector<std::string> env_extra = {},
                  std::string program = APIGW_BINARY) {
  Process p(std::move(args), std::move(env_extra), std::move(program));
  Result r;
  r.exit_code = p.wait();
  r.out = p.out();
  r.err = p.err();
  return r;
}

// A loopback port with nothing listening on it (bound, read, closed).
inline int unused_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// A blocking TCP connection to 127.0.0.1:port (for raw, hand-written requests); -1 on failure.
inline int connect_loopback(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// The access log's JSON lines; nlohmann::json throws (failing the test) on a line that is not valid JSON.
inline std::vector<nlohmann::json> log_lines(const std::string& text) {
  std::vector<nlohmann::json> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  return out;
}

// How many descriptors process `pid` has open (its /proc/PID/fd entries), for leak checks; -1 when it is gone.
inline int open_descriptors(pid_t pid) {
  std::string dir = "/proc/" + std::to_string(pid) + "/fd";
  DIR* d = opendir(dir.c_str());
  if (!d) return -1;
  int n = 0;
  while (dirent* e = readdir(d))
    if (e->d_name[0] != '.') ++n;
  closedir(d);
  return n;
}

// A fresh directory under the test's temporary files.
inline std::string make_dir(const std::string& stem) {
  std::string dir = temp_path(stem);
  std::filesystem::create_directories(dir);
  return dir;
}

// The `detail` of a problem+json answer, else the whole body.
inline std::string detail(const httplib::Result& r) {
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  return j.is_object() && j.contains("detail") ? j["detail"].get<std::string>() : r->body;
}

inline std::string source(const std::string& rel) { return std::string(APIGW_SOURCE_DIR) + "/" + rel; }

}  // namespace e2e
