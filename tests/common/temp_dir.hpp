// One private directory per test process for every file a test writes, removed with everything in it when the process
// exits: runs leave nothing behind in $TMPDIR, and two runs at once never share a name.
#pragma once

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <string>

namespace test_temp {

class Directory {
 public:
  Directory() : owner_(::getpid()) {
    const char* tmpdir = std::getenv("TMPDIR");
    std::string pattern = std::string(tmpdir && *tmpdir ? tmpdir : "/tmp") + "/apigw-test-XXXXXX";
    if (!::mkdtemp(pattern.data()))
      throw std::runtime_error("cannot make a test directory from " + pattern + ": " + std::strerror(errno));
    path_ = pattern;
    const char* keep = std::getenv("APIGW_KEEP_TEST_FILES");
    keep_ = keep && std::string(keep) == "1";
    if (keep_) std::cerr << "APIGW_KEEP_TEST_FILES=1: test files are kept in " << path_ << "\n";
  }
  ~Directory() {
    // A forked child that exits must not take its parent's files with it.
    if (keep_ || ::getpid() != owner_) return;
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  Directory(const Directory&) = delete;
  Directory& operator=(const Directory&) = delete;

  const std::string& path() const { return path_; }

 private:
  pid_t owner_;
  bool keep_ = false;
  std::string path_;
};

// Made on first use, so a run that writes nothing makes no directory; tests stop the servers they start (their
// Process objects) before the process exits and this goes.
inline const std::string& directory() {
  static Directory dir;
  return dir.path();
}

// A fresh name in the directory (nothing is created): "N-stem", N counting up so that no two calls collide.
inline std::string path(const std::string& stem) {
  static std::atomic<int> counter = 0;
  return directory() + "/" + std::to_string(++counter) + "-" + stem;
}

}  // namespace test_temp
