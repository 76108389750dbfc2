// Transformations, run after validation and the cache lookup: the request transform edits what the terminal (mock,
// proxy, state) gets, the response transform edits every answer the terminal gave, cached or fresh. And the gateway's
// own error answers (401, 403, 404, 429, 502, 504...), replaced by the config's `gateway_responses`. Templates were
// compiled at load (model::Template); here they are expanded per request. docs/config.md#transform.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "emulator/model/config.hpp"
#include "emulator/router/router.hpp"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace apigw::policy {

// What ${...} reads during one request. The values always come from the request as the client sent it.
struct TemplateContext {
  TemplateContext(const httplib::Request& client_request, std::string_view request_path,
                  const router::Params* path_params = nullptr, const nlohmann::json* jwt_claims = nullptr)
      : request(client_request), path(request_path), params(path_params), claims(jwt_claims) {}
  const httplib::Request& request;
  std::string_view path;                    // the request path, without the query
  const router::Params* params = nullptr;   // the matched route's path parameters
  const nlohmann::json* claims = nullptr;   // the claims of the JWT the auth policy accepted
  std::string request_id;                   // made when first asked for, then the same for the whole request
  std::string error_message;                // gateway responses: the error's detail
  int error_status = 0;
  std::string warnings;  // values dropped because they would have put CR, LF or NUL in a header, for the access log
};

// The template's text with each ${...} replaced by its value ("" when absent), JSON-escaped when `json_escape`.
std::string expand(const model::Template& value, TemplateContext& context, bool json_escape = false);

// True for a */json or */*+json media type (parameters ignored).
bool is_json_media_type(std::string_view content_type);

// Edits `out`, the request the terminal gets (a copy of the client's): headers, the query (in `target` and `params`),
// and a JSON body. Each edit runs remove, then rename, then set; a set value that is empty is not sent.
void transform_request(const model::TransformPolicy& transform, TemplateContext& context, httplib::Request& out);

// Edits the terminal's answer: headers and a JSON body.
void transform_response(const model::TransformPolicy& transform, TemplateContext& context, httplib::Response& res);

// Replaces the gateway's error answer in `res` with the config's gateway response for `type` (an AWS gateway response
// type such as THROTTLED), else DEFAULT_4XX or DEFAULT_5XX by the error's status; leaves it as it is when the config
// has none of them. Headers the gateway set (WWW-Authenticate, Retry-After, Allow...) stay unless overridden.
void apply_gateway_response(const model::Config& config, std::string_view type, TemplateContext& context,
                            httplib::Response& res);

}  // namespace apigw::policy
