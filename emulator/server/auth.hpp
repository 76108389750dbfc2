// Route authentication: API keys, Basic, bearer tokens and JWTs, with OpenAPI's OR-of-ANDs semantics.
#pragma once

#include <chrono>
#include <string>

#include "emulator/model/config.hpp"

namespace httplib {
struct Request;
}

namespace apigw::server {

struct AuthOutcome {
  bool ok = true;
  int status = 200;             // 401 (no or bad credentials) or 403 (authenticated, not allowed)
  std::string www_authenticate; // the challenge header for 401/403, when the scheme has one
  std::string detail;           // for the problem body; never echoes a credential
};

AuthOutcome authorize(const model::Config& config, const model::Route& route, const httplib::Request& req,
                      std::chrono::system_clock::time_point now);

}  // namespace apigw::server
