// Routes linked to an OpenAPI operation (the config's `operation:` key): the operation's request checks and its mock
// responses, chosen the way Stoplight Prism chooses them. Built once per config; each operation's schemas are compiled
// on its first request (so a 1,000-operation spec starts instantly), then immutable and shared by every worker.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "emulator/diag/diagnostic.hpp"
#include "emulator/model/config.hpp"
#include "emulator/openapi/model.hpp"
#include "emulator/router/router.hpp"
#include "emulator/schema/schema.hpp"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace apigw::server {

// One thing wrong with a request or response, as the problem document's `validation` list shows it.
struct Violation {
  std::string location;  // "query.limit", "path.petId", "header.x-request-id", "body"
  std::string pointer;   // JSON pointer inside a body ("" for the whole value)
  std::string message;
};

// What to do with a request that failed its checks.
struct RequestVerdict {
  int status = 0;  // 0: valid; else 400 (unreadable body), 415 (media type) or 422 (everything else)
  std::vector<Violation> violations;
};

// One OpenAPI document routes link to, loaded once however many routes (or served files) name it.
struct LinkedSpec {
  std::shared_ptr<const openapi::Spec> spec;
  std::unique_ptr<openapi::Model> model;
  std::string base_path;     // the path of servers[0]'s URL ("/v1"), "" when none
  mutable std::mutex compile_mutex;  // compiling reads the spec's file cache; one operation at a time
};

class Contract {
 public:
  Contract(const LinkedSpec& spec, const openapi::Operation& op) : spec_(spec), op_(op) {}
  const openapi::Operation& operation() const { return op_; }
  // Where the operation's spec says its server lives: routes answer under this path too.
  const std::string& base_path() const { return spec_.base_path; }

  // Parameters (path, query, header, cookie; with style/explode), the body's media type and the body.
  RequestVerdict check_request(const httplib::Request& req, const router::Params& params) const;

  // Answers from the spec: Prefer / __code / __example / __dynamic / __seed select the response, Accept the media
  // type. `verdict` (when the request failed) makes it answer the operation's own 4xx response when it defines one,
  // else a problem document listing the violations.
  void respond(const httplib::Request& req, httplib::Response& res, const RequestVerdict* verdict = nullptr) const;

  // Checks an upstream's answer against the response the spec defines for its status and media type.
  std::vector<Violation> check_response(int status, const std::string& content_type, const std::string& body) const;

 private:
  struct Media {
    const openapi::MediaType* spec = nullptr;
    std::shared_ptr<const schema::Schema> schema;  // null: no schema, or one that does not compile
    std::string static_body;                        // the first example, else a value generated from the schema
    bool has_static_body = false;
  };
  struct Response {
    const openapi::Response* spec = nullptr;
    std::vector<Media> content;
    std::vector<std::pair<std::string, std::string>> headers;  // example or generated values
  };
  struct Param {
    const openapi::Parameter* spec = nullptr;
    std::shared_ptr<const schema::Schema> schema;
    std::string type;       // the schema's type when it is plain ("integer", "array", ...), else ""
    std::string item_type;  // for arrays
  };
  struct Compiled {
    std::vector<Param> params;
    std::vector<Media> body;
    std::vector<Response> responses;
  };

  const Compiled& compiled() const;
  Compiled compile() const;
  Media compile_media(const openapi::MediaType& m, const std::string& label, schema::Direction direction) const;
  void answer(const Response& r, int status, const httplib::Request& req, httplib::Response& res,
              const std::string& example, std::optional<uint64_t> seed) const;

  const LinkedSpec& spec_;
  const openapi::Operation& op_;
  mutable std::once_flag once_;
  mutable std::unique_ptr<Compiled> compiled_;
};

class Contracts {
 public:
  // Loads the OpenAPI documents routes name (each route's `openapi`, once each) and links every route's `operation`.
  // Problems (a document does not load, an operation that does not exist) are errors in `out`, located at the
  // config's keys; returns nullptr then. `loaded` holds documents already loaded and checked, by path (serve SPEC
  // imports them first). Routes that name no operation load nothing.
  static std::shared_ptr<const Contracts> build(const model::Config& config, diag::Diagnostics& out,
                                                const std::map<std::string, std::shared_ptr<const openapi::Spec>>& loaded = {});

  // The contract of route `index`, or nullptr when the route names no operation.
  const Contract* for_route(size_t index) const {
    return index < by_route_.size() ? by_route_[index] : nullptr;
  }
  // Every file of every linked spec (the root documents and what their $refs reach), for --watch.
  std::vector<std::string> files() const;

 private:
  std::vector<std::unique_ptr<LinkedSpec>> specs_;
  std::vector<std::unique_ptr<Contract>> contracts_;
  std::vector<const Contract*> by_route_;
};

// An application/problem+json answer listing violations (status 400, 415 or 422 for a request; 502 for an upstream's
// response under --errors), with `detail` saying what did not match.
void set_violations_problem(httplib::Response& res, const RequestVerdict& verdict, const std::string& detail);
// "the request does not match operation 'listPets' (2 violations)"
std::string mismatch_detail(const char* what, const std::string& operation, size_t count);

// The violations as the x-apigw-violations header carries them: a JSON array, cut to stay under `limit` bytes.
std::string violations_header(const std::vector<Violation>& violations, size_t limit = 8192);

}  // namespace apigw::server
