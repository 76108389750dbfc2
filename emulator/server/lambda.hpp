// Lambda backends (docs/config.md#lambda-backends): API Gateway's Lambda proxy integration, run locally. A request
// becomes the event AWS documents (payload format 1.0 or 2.0); a local command gets it on stdin and writes the
// response object to stdout, or a Lambda runtime interface emulator gets it POSTed. What comes back becomes the answer,
// 502 when it is malformed or the function fails, 504 when the integration's timeout passes first.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "emulator/model/config.hpp"
#include "emulator/router/router.hpp"
#include "emulator/server/gateway.hpp"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace apigw::server {

// AWS Lambda's limit on a synchronous invocation's payload, in and out: a larger response is a 502.
inline constexpr size_t k_lambda_payload_limit = 6 * 1024 * 1024;

// What an event is made of besides the request itself.
struct LambdaEventInput {
  std::string_view path;                  // the path the route matched (without the stage prefix)
  const router::Params* params = nullptr;  // path parameters
  const nlohmann::json* claims = nullptr;  // the verified JWT claims of the caller; null when none
  std::string request_id;
  std::chrono::system_clock::time_point time;
};

// The proxy-integration event for `req` on `route`, in the backend's payload format. Bodies that are not text (a
// content type that is not text, JSON, XML, form or JavaScript, or bytes that are not UTF-8) go base64-encoded.
nlohmann::json lambda_event(model::Lambda::Format format, const model::Config& config, const model::Route& route,
                            const httplib::Request& req, const LambdaEventInput& in);

// Reads a function's output (the response object) into `res`. Returns "" when it is well formed, else what is wrong.
std::string read_lambda_response(model::Lambda::Format format, std::string_view output, httplib::Response& res);

// Invokes the route's lambda backend with the request and answers with what it returns, or a problem: 502 for a
// malformed response, a failed function (non-zero exit, crash, its own timeout, output above the payload limit), 504
// when the route's integration timeout passes before the function's. Sets record.upstream_ms.
void invoke_lambda(const Gateway& gw, const model::Route& route, const model::Backend& backend,
                   const router::Params& params, std::string_view path, const httplib::Request& req,
                   const nlohmann::json* claims, httplib::Response& res, AccessRecord& record);

}  // namespace apigw::server
