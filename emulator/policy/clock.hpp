// The gateway's notion of "now" for policies (JWT exp/nbf, rate limits, quota windows): the system clock, or a
// frozen one that only moves when told to (serve --clock frozen, POST /__apigw/clock), so a test or a demo can pass a
// quota window in an instant. Shared by every worker thread and kept across config reloads.
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace apigw::policy {

class Clock {
 public:
  using time_point = std::chrono::system_clock::time_point;
  enum class Mode { System, Frozen };

  // Frozen: stands still at the system time of the call until advanced or set.
  void use(Mode mode);
  Mode mode() const { return frozen_.load() ? Mode::Frozen : Mode::System; }
  time_point now() const;
  // Moves time forward (or back, with a negative amount); in system mode the offset stays for later readings.
  void advance(std::chrono::microseconds by);
  void set(time_point to);

 private:
  std::atomic<bool> frozen_{false};
  std::atomic<int64_t> at_{0};      // frozen: microseconds since the epoch
  std::atomic<int64_t> offset_{0};  // system: microseconds added to the system clock
};

// The clock serve answers with.
Clock& gateway_clock();

// "2026-01-01T00:00:00Z", with optional fractional seconds and a numeric offset ("+02:00") instead of Z (RFC 3339).
std::optional<Clock::time_point> parse_timestamp(std::string_view text);
// RFC 3339 in UTC with milliseconds: "2026-01-01T00:00:00.000Z".
std::string format_timestamp(Clock::time_point t);

}  // namespace apigw::policy
