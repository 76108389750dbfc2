#include "emulator/policy/clock.hpp"

#include <cctype>
#include <cstdio>
#include <ctime>

namespace apigw::policy {

namespace {

int64_t micros(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

Clock::time_point from_micros(int64_t us) {
  return Clock::time_point(std::chrono::duration_cast<Clock::time_point::duration>(std::chrono::microseconds(us)));
}

}  // namespace

void Clock::use(Mode mode) {
  if (mode == Mode::Frozen) at_ = micros(now());
  else offset_ = 0;
  frozen_ = mode == Mode::Frozen;
}

Clock::time_point Clock::now() const {
  if (frozen_) return from_micros(at_);
  return std::chrono::system_clock::now() + std::chrono::microseconds(offset_.load());
}

void Clock::advance(std::chrono::microseconds by) {
  if (frozen_) at_ += by.count();
  else offset_ += by.count();
}

void Clock::set(time_point to) {
  if (frozen_) at_ = micros(to);
  else offset_ = micros(to) - micros(std::chrono::system_clock::now());
}

Clock& gateway_clock() {
  static Clock clock;
  return clock;
}

std::optional<Clock::time_point> parse_timestamp(std::string_view text) {
  std::string s(text);
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, used = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2d%*1[Tt ]%2d:%2d:%2d%n", &year, &month, &day, &hour, &minute, &second, &used) != 6 ||
      used != 19)
    return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  size_t i = 19;
  int64_t fraction_us = 0;
  if (i < s.size() && s[i] == '.') {
    int64_t scale = 100000;
    size_t digits = 0;
    for (++i; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); ++i, ++digits) {
      fraction_us += (s[i] - '0') * scale;
      scale /= 10;
    }
    if (digits == 0) return std::nullopt;
  }
  int64_t offset_s = 0;
  if (i + 1 == s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i + 6 == s.size() && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
    int oh = 0, om = 0;
    if (std::sscanf(s.c_str() + i + 1, "%2d:%2d", &oh, &om) != 2 || oh > 23 || om > 59) return std::nullopt;
    offset_s = (s[i] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
    i += 6;
  } else {
    return std::nullopt;  // RFC 3339 times carry their offset
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  std::time_t t = timegm(&tm);
  if (tm.tm_mday != day) return std::nullopt;  // 31 April and the like roll over
  return from_micros((static_cast<int64_t>(t) - offset_s) * 1'000'000 + fraction_us);
}

std::string format_timestamp(Clock::time_point t) {
  int64_t us = micros(t);
  int64_t seconds = us >= 0 ? us / 1'000'000 : (us - 999'999) / 1'000'000;
  std::time_t tt = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char out[96];  // room for any int the compiler can imagine in each field
  std::snprintf(out, sizeof out, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>((us - seconds * 1'000'000) / 1000));
  return out;
}

}  // namespace apigw::policy
