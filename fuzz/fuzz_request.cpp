// The request handling path: raw HTTP request bytes through cpp-httplib's own request parser (Server::process_request
// reading a detail::BufferStream instead of a socket: request line, headers, chunked and gzip bodies, the body-size
// limit) into the same handlers emulator/server/server.cpp installs, which call Gateway::handle_request.
// The gateway is a fixed config (mock, spec-linked, authenticated, mixed and greedy templates, a proxy to a closed
// port) over a small OpenAPI document, both written to a private temporary directory on the first run.
//
// Differences from serve, on purpose: the handler wiring is repeated here (server.cpp keeps it private), the metrics
// and journal endpoints and the access log are left out, and "delay" in the input is rewritten to "dxlay" so that
// `Prefer: delay=60000` cannot stall the fuzzer (delays are plain sleeps; nothing to find there). Faults need the
// connection's socket, which a buffer has not, so they answer normally (inject_fault returns false).
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>

#include <httplib.h>

#include "emulator/model/config.hpp"
#include "emulator/server/contract.hpp"
#include "emulator/server/gateway.hpp"
#include "fuzz/fuzz_common.hpp"

namespace apigw::fuzz {

namespace {

const char* const k_spec = R"(openapi: 3.0.3
info: { title: fuzz, version: "1" }
servers: [{ url: https://api.example.com/v1 }]
paths:
  /pets:
    get:
      operationId: listPets
      parameters:
        - { name: limit, in: query, schema: { type: integer, minimum: 1, maximum: 100 } }
        - { name: tags, in: query, style: form, explode: false,
            schema: { type: array, items: { type: string, enum: [dog, cat] } } }
        - { name: x-request-id, in: header, schema: { type: string, format: uuid } }
        - { name: session, in: cookie, schema: { type: string, maxLength: 8 } }
      responses:
        "200":
          description: Pets
          headers: { x-total: { schema: { type: integer } } }
          content:
            application/json: { schema: { type: array, items: { $ref: "#/components/schemas/Pet" } } }
            application/xml: { example: "<pets/>" }
    post:
      operationId: createPet
      requestBody:
        required: true
        content:
          application/json: { schema: { $ref: "#/components/schemas/Pet" } }
          application/x-www-form-urlencoded: { schema: { $ref: "#/components/schemas/Pet" } }
      responses:
        "201": { description: Created, content: { application/json: { schema: { $ref: "#/components/schemas/Pet" } } } }
        "422": { description: Invalid, content: { application/json: { example: { error: invalid } } } }
  /pets/{petId}:
    parameters: [{ name: petId, in: path, required: true, schema: { type: integer, minimum: 1 } }]
    get:
      operationId: getPet
      deprecated: true
      parameters:
        - { name: filter, in: query, style: deepObject, explode: true,
            schema: { type: object, properties: { a: { type: string } }, additionalProperties: false } }
        - { name: ids, in: query, style: pipeDelimited, schema: { type: array, items: { type: integer } } }
      responses:
        "200": { description: A pet, content: { application/json: { schema: { $ref: "#/components/schemas/Pet" },
                  examples: { rex: { value: { id: 1, name: Rex } }, tom: { value: { id: 2, name: Tom } } } } } }
        "404": { description: No pet }
    put:
      operationId: putPet
      requestBody:
        content:
          application/json: { schema: { $ref: "#/components/schemas/Pet" } }
          text/plain: { schema: { type: string, pattern: "^[a-z]+$" } }
      responses:
        default: { description: any, content: { application/json: { schema: { $ref: "#/components/schemas/Node" } } } }
components:
  schemas:
    Pet:
      type: object
      required: [id, name]
      properties:
        id: { type: integer, format: int64, readOnly: true }
        name: { type: string, minLength: 1, maxLength: 20 }
        tag: { type: string, nullable: true }
        born: { type: string, format: date-time }
        email: { type: string, format: email }
        kind: { oneOf: [{ type: string, enum: [dog] }, { type: integer }] }
        extra: { type: object, additionalProperties: { type: number, multipleOf: 0.5 } }
    Node:
      type: object
      properties: { value: { type: integer }, next: { $ref: "#/components/schemas/Node" } }
)";

const char* const k_config = R"(apigw: 1
name: fuzz
openapi: ./openapi.yaml
validate: both
limits: { max_body_size: 64KB }
backends:
  closed: { url: "http://127.0.0.1:1", timeout: 1s, retries: 0 }
auth:
  key: { type: api_key, keys: [dev-key] }
  qkey: { type: api_key, in: query, name: key, keys: [k] }
  ckey: { type: api_key, in: cookie, name: sid }
  basic: { type: basic, users: { alice: "{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=", bob: "${FUZZ_BOB_PASSWORD:-pw}" } }
  bearer: { type: bearer }
  token: { type: jwt, secret: "fuzz-secret", issuer: https://id.example.com, audiences: [pets], scopes: [pets.read] }
  open: { type: jwt }
routes:
  - { id: listPets, method: GET, path: /pets, operation: listPets }
  - { id: createPet, method: POST, path: /pets, operation: createPet, auth: [key, basic, { token: [pets.read] }] }
  - { id: getMine, method: GET, path: /pets/mine, mock: { status: 200, headers: { x-a: b }, body: { id: 1 } } }
  - { id: getPet, method: GET, path: "/pets/{petId}", operation: getPet }
  - { id: putPet, method: PUT, path: "/pets/{petId}", operation: putPet, auth: [{ open: [pets.read] }, bearer] }
  - { id: files, method: [GET, HEAD], path: "/files/{name}.json", auth: [qkey, ckey], mock: { body: [1, 2] } }
  - { id: v, method: DELETE, path: "/v{version}/x/", mock: { status: 204 } }
  - { id: proxied, method: ANY, path: "/up/{rest+}", proxy: { backend: closed, path: "/{rest+}" } }
)";

// A httplib::Server whose process_request (protected) reads from a buffer.
class BufferServer : public httplib::Server {
 public:
  explicit BufferServer(std::shared_ptr<const server::Gateway> gw) : gw_(std::move(gw)) {
    set_payload_max_length(gw_->config().limits.max_body_size);
    auto handler = [this](const httplib::Request& req, httplib::Response& res) {
      server::AccessRecord record;
      server::handle_request(*gw_, req, res, record);
      (void)server::format_access_record(record);
    };
    // As server.cpp: body methods without Content-Length or Transfer-Encoding are answered before httplib reads.
    set_pre_routing_handler([handler](const httplib::Request& req, httplib::Response& res) {
      bool body_method = req.method == "POST" || req.method == "PUT" || req.method == "PATCH" || req.method == "DELETE";
      if (!body_method || req.has_header("Content-Length") || req.has_header("Transfer-Encoding"))
        return httplib::Server::HandlerResponse::Unhandled;
      handler(req, res);
      return httplib::Server::HandlerResponse::Handled;
    });
    const char* k_any = ".*";
    Get(k_any, handler);
    Post(k_any, handler);
    Put(k_any, handler);
    Patch(k_any, handler);
    Delete(k_any, handler);
    Options(k_any, handler);
    set_error_handler([](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty()) return;
      server::set_problem(res, res.status, "Error", "Error: " + req.method + " " + req.path);
    });
  }

  void feed(std::string_view bytes) {
    httplib::detail::BufferStream stream;
    stream.write(bytes.data(), bytes.size());
    bool closed = false;
    process_request(stream, true, closed, [](httplib::Request&) {});
  }

 private:
  std::shared_ptr<const server::Gateway> gw_;
};

// The gateway every input goes to. A config the loader refuses (the format moved on) throws with the loader's
// messages: the regression test then fails with them, and the fuzzer stops at once.
BufferServer& the_server() {
  static BufferServer* srv = [] {
    const char* base = std::getenv("TMPDIR");
    std::string dir = std::string(base && *base ? base : "/tmp") + "/apigw-fuzz-request-XXXXXX";
    if (!mkdtemp(dir.data())) throw std::runtime_error("fuzz_request: cannot make a temporary directory");
    std::ofstream(dir + "/openapi.yaml") << k_spec;
    std::ofstream(dir + "/gateway.yaml") << k_config;
    model::LoadResult r = model::load_config_file(dir + "/gateway.yaml");
    diag::Diagnostics ds = r.diagnostics;
    std::shared_ptr<const server::Contracts> contracts;
    if (r.config) contracts = server::Contracts::build(*r.config, ds);
    std::error_code ec;
    if (!r.config || !contracts) {
      std::filesystem::remove_all(dir, ec);
      std::string why = "fuzz_request: the target's own config does not load:";
      for (const auto& d : ds) why += "\n" + d.format();
      throw std::runtime_error(why);
    }
    auto* made = new BufferServer(std::make_shared<const server::Gateway>(std::move(*r.config), contracts));
    std::filesystem::remove_all(dir, ec);  // everything is loaded (Contracts::build checked every $ref)
    return made;
  }();
  return *srv;
}

}  // namespace

void run_request(const uint8_t* data, size_t size) {
  std::string bytes(as_text(data, size));
  for (size_t i = 0; i + 5 <= bytes.size(); ++i)
    if (strncasecmp(bytes.data() + i, "delay", 5) == 0) bytes[i + 1] = 'x';
  the_server().feed(bytes);
}

}  // namespace apigw::fuzz

APIGW_FUZZ_MAIN(request)
