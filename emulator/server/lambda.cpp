#include "emulator/server/lambda.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <random>
#include <thread>

#include <httplib.h>

#include "emulator/policy/clock.hpp"
#include "emulator/util/text.hpp"

extern char** environ;

namespace apigw::server {

namespace {

using Json = nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

// Content types whose bodies the event carries as text; anything else (images, octet streams, PDFs) goes base64, as
// API Gateway does for binary media types.
bool is_text_type(std::string_view content_type) {
  std::string type = util::to_lower(content_type.substr(0, content_type.find(';')));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  if (type.empty() || type.rfind("text/", 0) == 0) return true;
  static const std::string_view k_text[] = {"application/json", "application/xml", "application/javascript",
                                            "application/x-www-form-urlencoded", "application/graphql",
                                            "application/yaml", "application/x-yaml"};
  for (auto t : k_text)
    if (type == t) return true;
  return type.ends_with("+json") || type.ends_with("+xml");
}

std::string request_path(const httplib::Request& req) { return req.target.substr(0, req.target.find('?')); }

std::string raw_query(const httplib::Request& req) {
  auto q = req.target.find('?');
  return q == std::string::npos ? "" : req.target.substr(q + 1);
}

// Claims as API Gateway passes them to functions: every value a string (numbers and lists as their JSON text).
Json claims_as_strings(const Json& claims) {
  Json out = Json::object();
  for (const auto& [name, value] : claims.items()) out[name] = value.is_string() ? value.get<std::string>() : value.dump();
  return out;
}

Json stage_variables(const model::Config& config) {
  const model::Stage* stage = config.find_stage(config.stage);
  if (!stage || stage->variables.empty()) return nullptr;
  Json out = Json::object();
  for (const auto& [name, value] : stage->variables) out[name] = value;
  return out;
}

Json path_parameters(const router::Params* params) {
  if (!params || params->empty()) return nullptr;
  Json out = Json::object();
  for (const auto& [name, value] : *params) out[name] = value;
  return out;
}

// "GET /pets/{id}", or "ANY /pets/{id}" for a route that takes several methods.
std::string route_key(const model::Route& route) {
  return (route.methods.size() == 1 ? route.methods[0] : "ANY") + " " + route.path.text;
}

void set_body(Json& event, const httplib::Request& req) {
  if (req.body.empty()) {
    event["body"] = nullptr;
    event["isBase64Encoded"] = false;
    return;
  }
  bool binary = !is_text_type(req.get_header_value("Content-Type")) ||
                util::invalid_utf8_at(req.body) != std::string_view::npos;
  event["body"] = binary ? util::base64_encode(req.body) : req.body;
  event["isBase64Encoded"] = binary;
}

Json event_v1(const model::Config& config, const model::Route& route, const httplib::Request& req,
              const LambdaEventInput& in) {
  Json headers = Json::object(), multi_headers = Json::object();
  for (const auto& [name, value] : req.headers) {
    headers[name] = value;  // the last one, as AWS does
    multi_headers[name].push_back(value);
  }
  Json query = nullptr, multi_query = nullptr;
  for (const auto& [name, value] : req.params) {
    query[name] = value;
    multi_query[name].push_back(value);
  }
  auto epoch_ms = std::chrono::duration_cast<std::chrono::milliseconds>(in.time.time_since_epoch()).count();
  Json identity = {{"sourceIp", req.remote_addr}, {"userAgent", req.get_header_value("User-Agent")}};
  Json context = {{"accountId", "000000000000"},
                  {"apiId", "apigw-local"},
                  {"resourceId", route.id},
                  {"resourcePath", route.path.text},
                  {"httpMethod", req.method},
                  {"path", request_path(req)},
                  {"protocol", req.version},
                  {"requestId", in.request_id},
                  {"requestTimeEpoch", epoch_ms},
                  {"stage", config.stage.empty() ? "$default" : config.stage},
                  {"identity", identity}};
  if (in.claims) context["authorizer"] = {{"claims", claims_as_strings(*in.claims)}};
  Json event = {{"version", "1.0"},
                {"resource", route.path.text},
                {"path", std::string(in.path)},
                {"httpMethod", req.method},
                {"headers", headers},
                {"multiValueHeaders", multi_headers},
                {"queryStringParameters", query},
                {"multiValueQueryStringParameters", multi_query},
                {"pathParameters", path_parameters(in.params)},
                {"stageVariables", stage_variables(config)},
                {"requestContext", context}};
  set_body(event, req);
  return event;
}

Json event_v2(const model::Config& config, const model::Route& route, const httplib::Request& req,
              const LambdaEventInput& in) {
  Json headers = Json::object();
  Json cookies = Json::array();
  for (const auto& [name, value] : req.headers) {
    std::string lower = util::to_lower(name);
    if (lower == "cookie") {  // 2.0 moves cookies out of the headers, one item per cookie
      for (size_t at = 0; at < value.size();) {
        size_t end = value.find(';', at);
        std::string cookie = value.substr(at, end == std::string::npos ? std::string::npos : end - at);
        while (!cookie.empty() && cookie.front() == ' ') cookie.erase(0, 1);
        if (!cookie.empty()) cookies.push_back(cookie);
        at = end == std::string::npos ? value.size() : end + 1;
      }
      continue;
    }
    auto& slot = headers[lower];
    slot = slot.is_string() ? slot.get<std::string>() + "," + value : value;
  }
  Json query = Json::object();
  for (const auto& [name, value] : req.params) {
    auto& slot = query[name];
    slot = slot.is_string() ? slot.get<std::string>() + "," + value : value;
  }
  auto epoch_ms = std::chrono::duration_cast<std::chrono::milliseconds>(in.time.time_since_epoch()).count();
  std::string host = req.get_header_value("Host");
  Json context = {{"accountId", "000000000000"},
                  {"apiId", "apigw-local"},
                  {"domainName", host},
                  {"domainPrefix", host.substr(0, host.find('.'))},
                  {"http",
                   {{"method", req.method},
                    {"path", request_path(req)},
                    {"protocol", req.version},
                    {"sourceIp", req.remote_addr},
                    {"userAgent", req.get_header_value("User-Agent")}}},
                  {"requestId", in.request_id},
                  {"routeKey", route_key(route)},
                  {"stage", config.stage.empty() ? "$default" : config.stage},
                  {"time", policy::format_timestamp(in.time)},
                  {"timeEpoch", epoch_ms}};
  if (in.claims) {
    Json scopes = nullptr;
    if (auto it = in.claims->find("scope"); it != in.claims->end() && it->is_string()) {
      scopes = Json::array();
      std::string text = it->get<std::string>();
      for (size_t at = 0; at < text.size();) {
        size_t end = std::min(text.find(' ', at), text.size());
        if (end > at) scopes.push_back(text.substr(at, end - at));
        at = end + 1;
      }
    }
    context["authorizer"] = {{"jwt", {{"claims", claims_as_strings(*in.claims)}, {"scopes", scopes}}}};
  }
  Json event = {{"version", "2.0"},
                {"routeKey", route_key(route)},
                {"rawPath", request_path(req)},
                {"rawQueryString", raw_query(req)}};
  if (!cookies.empty()) event["cookies"] = cookies;
  event["headers"] = headers;
  if (!query.empty()) event["queryStringParameters"] = query;
  event["requestContext"] = context;
  if (Json params = path_parameters(in.params); !params.is_null()) event["pathParameters"] = params;
  if (Json variables = stage_variables(config); !variables.is_null()) event["stageVariables"] = variables;
  set_body(event, req);
  if (event["body"].is_null()) event.erase("body");
  return event;
}

// A header value from a response object: strings as they are, numbers and booleans as their JSON text.
std::optional<std::string> header_value(const Json& v) {
  std::string text;
  if (v.is_string()) text = v.get<std::string>();
  else if (v.is_number() || v.is_boolean()) text = v.dump();
  else return std::nullopt;
  if (text.find_first_of("\r\n") != std::string::npos || text.find('\0') != std::string::npos) return std::nullopt;
  return text;
}

bool valid_header_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos))
      return false;
  return true;
}

std::string random_request_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  uint64_t a = rng(), b = rng();
  char out[40];
  std::snprintf(out, sizeof out, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3fff)),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return out;
}

// How a run of the function ended.
struct Outcome {
  enum class Kind { Ok, Failed, FunctionTimeout, IntegrationTimeout } kind = Kind::Ok;
  std::string output;  // what it wrote to stdout (Ok), or why it failed
};

// Lines a handler writes to stderr go to apigw's stderr, each prefixed with the backend's name, whole lines at once
// so two handlers running together do not interleave within a line.
class StderrForwarder {
 public:
  explicit StderrForwarder(std::string name) : prefix_("apigw lambda " + name + ": ") {}
  void add(std::string_view data) {
    pending_.append(data);
    for (size_t nl; (nl = pending_.find('\n')) != std::string::npos; pending_.erase(0, nl + 1))
      write(std::string_view(pending_).substr(0, nl));
    if (pending_.size() > 8192) {  // a line without an end: passed on in pieces
      write(pending_);
      pending_.clear();
    }
  }
  ~StderrForwarder() {
    if (!pending_.empty()) write(pending_);
  }

 private:
  void write(std::string_view line) {
    static std::mutex mutex;
    std::string out = prefix_;
    out.append(line);
    out += '\n';
    std::lock_guard lock(mutex);
    std::fwrite(out.data(), 1, out.size(), stderr);
    std::fflush(stderr);
  }
  std::string prefix_;
  std::string pending_;
};

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// Runs the command with `input` on stdin, without a shell, in its own process group (killed whole at the deadline);
// reads stdout up to the payload limit and forwards stderr. The child is always reaped.
Outcome run_command(const model::Backend& backend, const std::string& input, SteadyClock::time_point function_deadline,
                    SteadyClock::time_point integration_deadline) {
  const model::Lambda& fn = *backend.lambda;
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0) return {Outcome::Kind::Failed, std::string("pipe: ") + std::strerror(errno)};
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    ::close(in_pipe[0]), ::close(in_pipe[1]);
    return {Outcome::Kind::Failed, std::string("pipe: ") + std::strerror(errno)};
  }
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    ::close(in_pipe[0]), ::close(in_pipe[1]), ::close(out_pipe[0]), ::close(out_pipe[1]);
    return {Outcome::Kind::Failed, std::string("pipe: ") + std::strerror(errno)};
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_pipe[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
  posix_spawn_file_actions_addchdir_np(&actions, fn.directory.c_str());
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  // Its own process group, so the deadline kills what it started too; signals as a fresh process has them, since
  // serve blocks SIGINT, SIGTERM and SIGHUP in its threads and ignores SIGPIPE (both survive exec).
  sigset_t none, ignored;
  sigemptyset(&none);
  sigemptyset(&ignored);
  sigaddset(&ignored, SIGPIPE);
  posix_spawnattr_setpgroup(&attributes, 0);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setsigdefault(&attributes, &ignored);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> argv;
  for (const auto& a : fn.command) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  int spawned = posix_spawnp(&pid, argv[0], &actions, &attributes, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  int to_child = in_pipe[1], from_child = out_pipe[0], errors = err_pipe[0];
  if (spawned != 0) {
    close_fd(to_child), close_fd(from_child), close_fd(errors);
    return {Outcome::Kind::Failed, "cannot run '" + fn.command[0] + "' in " + fn.directory + ": " + std::strerror(spawned)};
  }
  fcntl(to_child, F_SETFL, O_NONBLOCK);

  StderrForwarder forward(backend.name);
  Outcome outcome;
  size_t written = 0;
  auto deadline = std::min(function_deadline, integration_deadline);
  if (input.empty()) close_fd(to_child);
  while (from_child >= 0 || errors >= 0) {
    auto now = SteadyClock::now();
    if (now >= deadline) {
      outcome.kind = function_deadline <= integration_deadline ? Outcome::Kind::FunctionTimeout
                                                               : Outcome::Kind::IntegrationTimeout;
      break;
    }
    pollfd fds[3];
    nfds_t count = 0;
    if (from_child >= 0) fds[count++] = {from_child, POLLIN, 0};
    if (errors >= 0) fds[count++] = {errors, POLLIN, 0};
    if (to_child >= 0) fds[count++] = {to_child, POLLOUT, 0};
    auto wait_ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1;
    if (::poll(fds, count, static_cast<int>(std::min<long long>(wait_ms, 1000))) < 0 && errno != EINTR) break;
    for (nfds_t i = 0; i < count; ++i) {
      if (!fds[i].revents) continue;
      if (fds[i].fd == to_child) {
        ssize_t n = ::write(to_child, input.data() + written, input.size() - written);
        if (n > 0) written += static_cast<size_t>(n);
        // A handler that exits without reading its whole event is its own business: its output still counts.
        if (n < 0 && errno != EAGAIN && errno != EINTR) close_fd(to_child);
        else if (written == input.size()) close_fd(to_child);
        continue;
      }
      char buffer[65536];
      ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (n <= 0) {
        if (fds[i].fd == from_child) close_fd(from_child);
        else close_fd(errors);
        continue;
      }
      if (fds[i].fd == errors) {
        forward.add(std::string_view(buffer, static_cast<size_t>(n)));
      } else if (outcome.output.size() + static_cast<size_t>(n) > k_lambda_payload_limit) {
        outcome.kind = Outcome::Kind::Failed;
        outcome.output = "its response is larger than Lambda's payload limit (" +
                         std::to_string(k_lambda_payload_limit) + " bytes)";
        close_fd(from_child), close_fd(errors);
        break;
      } else {
        outcome.output.append(buffer, static_cast<size_t>(n));
      }
    }
    if (outcome.kind == Outcome::Kind::Failed) break;
  }
  close_fd(to_child), close_fd(from_child), close_fd(errors);
  int status = 0;
  bool finished = false;
  if (outcome.kind == Outcome::Kind::Ok) {
    // stdout closed: the handler is done or about to be; waiting for it stays under the deadline too.
    while (!finished && SteadyClock::now() < deadline) {
      pid_t r = ::waitpid(pid, &status, WNOHANG);
      if (r == pid || (r < 0 && errno != EINTR)) finished = true;
      else std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    if (!finished)
      outcome.kind = function_deadline <= integration_deadline ? Outcome::Kind::FunctionTimeout
                                                               : Outcome::Kind::IntegrationTimeout;
  }
  if (!finished) {
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  if (outcome.kind == Outcome::Kind::Ok) {
    if (WIFSIGNALED(status)) outcome = {Outcome::Kind::Failed, "it was killed by signal " + std::to_string(WTERMSIG(status))};
    else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
      outcome = {Outcome::Kind::Failed, "it exited with status " + std::to_string(WEXITSTATUS(status))};
  }
  return outcome;
}

// POSTs the event to a runtime interface emulator (or anything speaking Lambda's Invoke API).
Outcome invoke_url(const model::Lambda& fn, const std::string& input, SteadyClock::time_point function_deadline,
                   SteadyClock::time_point integration_deadline) {
  const model::Url& url = *fn.url;
  auto deadline = std::min(function_deadline, integration_deadline);
  auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - SteadyClock::now());
  auto timeout_kind = function_deadline <= integration_deadline ? Outcome::Kind::FunctionTimeout
                                                                : Outcome::Kind::IntegrationTimeout;
  if (left.count() <= 0) return {timeout_kind, ""};
  httplib::Client client(url.origin());
  client.set_connection_timeout(left);
  client.set_read_timeout(left);
  client.set_write_timeout(left);
  std::string path = url.base_path.empty() ? "/2015-03-31/functions/function/invocations" : url.base_path;
  auto result = client.Post(path, input, "application/json");
  if (!result) {
    if (SteadyClock::now() >= deadline - left / 10) return {timeout_kind, ""};
    return {Outcome::Kind::Failed, url.origin() + ": " + httplib::to_string(result.error())};
  }
  if (result->status != 200)
    return {Outcome::Kind::Failed, url.origin() + path + " answered " + std::to_string(result->status)};
  if (result->has_header("X-Amz-Function-Error"))
    return {Outcome::Kind::Failed, "the function failed (" + result->get_header_value("X-Amz-Function-Error") +
                                       "): " + result->body.substr(0, 500)};
  if (result->body.size() > k_lambda_payload_limit)
    return {Outcome::Kind::Failed, "its response is larger than Lambda's payload limit (" +
                                       std::to_string(k_lambda_payload_limit) + " bytes)"};
  return {Outcome::Kind::Ok, std::move(result->body)};
}

}  // namespace

Json lambda_event(model::Lambda::Format format, const model::Config& config, const model::Route& route,
                  const httplib::Request& req, const LambdaEventInput& in) {
  return format == model::Lambda::Format::V1 ? event_v1(config, route, req, in) : event_v2(config, route, req, in);
}

std::string read_lambda_response(model::Lambda::Format format, std::string_view output, httplib::Response& res) {
  Json reply = Json::parse(output, nullptr, false);
  if (reply.is_discarded()) return "its output is not JSON";
  bool v2 = format == model::Lambda::Format::V2;
  if (v2 && !(reply.is_object() && reply.contains("statusCode"))) {
    // 2.0 takes any JSON without a statusCode as a 200 with that JSON as the body.
    res.status = 200;
    res.set_content(std::string(output), "application/json");
    return "";
  }
  if (!reply.is_object()) return "expected a response object ({\"statusCode\": 200, \"body\": ...})";
  static const std::string_view k_v1_keys[] = {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"};
  for (const auto& [key, value] : reply.items()) {
    bool known = std::find(std::begin(k_v1_keys), std::end(k_v1_keys), key) != std::end(k_v1_keys) ||
                 (v2 && key == "cookies");
    if (!known) return "unexpected key '" + key + "' in the response object";
  }
  const Json& status = reply["statusCode"];
  if (!status.is_number_integer() || status.get<int64_t>() < 100 || status.get<int64_t>() > 599)
    return "statusCode must be an HTTP status from 100 to 599, got " + status.dump();
  httplib::Response out;
  out.status = status.get<int>();
  if (auto it = reply.find("headers"); it != reply.end() && !it->is_null()) {
    if (!it->is_object()) return "headers must be an object";
    for (const auto& [name, value] : it->items()) {
      auto text = header_value(value);
      if (!valid_header_name(name) || !text) return "invalid header '" + name + "'";
      out.headers.emplace(name, *text);
    }
  }
  if (auto it = reply.find("multiValueHeaders"); it != reply.end() && !it->is_null()) {
    if (!it->is_object()) return "multiValueHeaders must be an object of lists";
    for (const auto& [name, values] : it->items()) {
      if (!valid_header_name(name) || !values.is_array()) return "invalid multiValueHeaders entry '" + name + "'";
      out.headers.erase(name);  // the list replaces a single value of the same name
      for (const auto& value : values) {
        auto text = header_value(value);
        if (!text) return "invalid value in multiValueHeaders '" + name + "'";
        out.headers.emplace(name, *text);
      }
    }
  }
  if (auto it = reply.find("cookies"); it != reply.end() && !it->is_null()) {
    if (!it->is_array()) return "cookies must be a list of strings";
    for (const auto& cookie : *it) {
      auto text = cookie.is_string() ? header_value(cookie) : std::nullopt;
      if (!text) return "cookies must be a list of strings";
      out.headers.emplace("Set-Cookie", *text);
    }
  }
  bool base64 = false;
  if (auto it = reply.find("isBase64Encoded"); it != reply.end() && !it->is_null()) {
    if (!it->is_boolean()) return "isBase64Encoded must be true or false";
    base64 = it->get<bool>();
  }
  if (auto it = reply.find("body"); it != reply.end() && !it->is_null()) {
    if (!it->is_string()) return "body must be a string (serialise JSON bodies with json.dumps)";
    out.body = it->get<std::string>();
    if (base64) {
      auto decoded = util::base64_decode(out.body);
      if (!decoded) return "isBase64Encoded is true but the body is not base64";
      out.body = std::move(*decoded);
    }
  }
  if (!out.has_header("Content-Type") && !out.body.empty()) out.set_header("Content-Type", "application/json");
  res.status = out.status;
  for (auto& [name, value] : out.headers) res.headers.emplace(name, value);
  res.body = std::move(out.body);
  return "";
}

void invoke_lambda(const Gateway& gw, const model::Route& route, const model::Backend& backend,
                   const router::Params& params, std::string_view path, const httplib::Request& req,
                   const nlohmann::json* claims, httplib::Response& res, AccessRecord& record) {
  const model::Lambda& fn = *backend.lambda;
  LambdaEventInput in;
  in.path = path;
  in.params = &params;
  in.claims = claims;
  in.request_id = random_request_id();
  in.time = policy::gateway_clock().now();
  std::string event = lambda_event(fn.format, gw.config(), route, req, in)
                          .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string who = "lambda backend '" + backend.name + "'";
  if (event.size() > k_lambda_payload_limit) {
    record.error = "DEFAULT_4XX";
    set_problem(res, 413, "Payload Too Large",
                who + ": the event is larger than Lambda's payload limit (" + std::to_string(k_lambda_payload_limit) +
                    " bytes)");
    return;
  }
  auto integration_timeout = route.proxy->timeout.value_or(backend.timeout);
  auto start = SteadyClock::now();
  auto function_deadline = start + fn.timeout;
  auto integration_deadline = start + integration_timeout;
  Outcome outcome = fn.url ? invoke_url(fn, event, function_deadline, integration_deadline)
                           : run_command(backend, event, function_deadline, integration_deadline);
  record.upstream_ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - start).count();
  switch (outcome.kind) {
    case Outcome::Kind::FunctionTimeout:
      record.error = "INTEGRATION_FAILURE";
      set_problem(res, 502, "Bad Gateway",
                  who + ": the function did not finish within its timeout (" + util::format_duration(fn.timeout) +
                      ") and was stopped");
      return;
    case Outcome::Kind::IntegrationTimeout:
      record.error = "INTEGRATION_TIMEOUT";
      set_problem(res, 504, "Gateway Timeout",
                  who + ": no answer within the integration timeout (" + util::format_duration(integration_timeout) +
                      ")");
      return;
    case Outcome::Kind::Failed:
      record.error = "INTEGRATION_FAILURE";
      set_problem(res, 502, "Bad Gateway", who + ": " + outcome.output);
      return;
    case Outcome::Kind::Ok: break;
  }
  std::string malformed = read_lambda_response(fn.format, outcome.output, res);
  if (!malformed.empty()) {
    res.headers.clear();
    record.error = "INTEGRATION_FAILURE";
    set_problem(res, 502, "Bad Gateway", who + ": malformed Lambda proxy response: " + malformed);
  }
}

}  // namespace apigw::server
