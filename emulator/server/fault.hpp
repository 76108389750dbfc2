// Faults a developer asks for, to see how a client copes: a connection reset, an empty reply, a malformed chunk.
// (WireMock has these; Prism has none.) Asked per request with `Prefer: fault=reset` or `?__fault=reset`, or per
// route in the config (`fault:`), optionally for a fraction of requests.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace httplib {
struct Request;
}

namespace apigw::server {

enum class Fault { Reset, Empty, MalformedChunk };

// What a request asks for with `Prefer: delay=200, fault=reset` or `?__delay=200&__fault=reset` (Prefer wins).
struct Chaos {
  int delay_ms = 0;
  std::optional<Fault> fault;
  std::string error;  // a value that does not parse (the request gets 422)
};
Chaos read_chaos(const httplib::Request& req);

// "reset", "empty", "malformed_chunk".
std::optional<Fault> parse_fault(std::string_view text);
const char* fault_name(Fault f);

// Breaks the client connection `req` arrived on, at once: Reset sends a TCP RST, Empty closes it without a byte of
// response, MalformedChunk sends a 200 head with a chunked body whose chunk size is not hexadecimal, then closes.
// Returns false when the connection's socket cannot be found (the caller answers normally then).
bool inject_fault(Fault f, const httplib::Request& req);

}  // namespace apigw::server
