// The OpenAPI loader and $ref resolver (emulator/openapi/): the input is up to three documents separated by the line
// "#%%" (fuzz_common.hpp): the root, then "a.yaml" and "b.json", written to a private temporary directory so that
// relative $refs between them ("a.yaml#/components/schemas/Pet") are followed. Then every reference is checked, the
// model normalised, and each operation (up to 8) compiled into a Contract that checks a request and answers a mock
// from the spec, so schemas and examples reached through fuzzed $refs go through the schema compiler and the mock
// generator too.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include <httplib.h>

#include "emulator/openapi/model.hpp"
#include "emulator/openapi/spec.hpp"
#include "emulator/server/contract.hpp"
#include "fuzz/fuzz_common.hpp"

namespace apigw::fuzz {

namespace {

// A private directory for the input's files, removed at exit.
struct TempDir {
  std::string path;
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    path = std::string(base && *base ? base : "/tmp") + "/apigw-fuzz-openapi-XXXXXX";
    if (!mkdtemp(path.data())) std::abort();
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

const std::string& temp_dir() {
  static const TempDir dir;
  return dir.path;
}

void put(const std::string& path, const std::string_view* text) {
  if (!text) {
    std::remove(path.c_str());
    return;
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text->data(), static_cast<std::streamsize>(text->size()));
}

}  // namespace

void run_openapi(const uint8_t* data, size_t size) {
  auto parts = split_parts(as_text(data, size), 3);
  const std::string& dir = temp_dir();
  std::string root = dir + "/openapi.yaml";
  put(root, &parts[0]);
  put(dir + "/a.yaml", parts.size() > 1 ? &parts[1] : nullptr);
  put(dir + "/b.json", parts.size() > 2 ? &parts[2] : nullptr);

  diag::Diagnostics ds;
  std::unique_ptr<openapi::Spec> loaded = openapi::Spec::load(root, ds);
  if (!loaded) return;
  loaded->check_references(ds);
  for (const auto& d : ds) (void)d.format();

  server::LinkedSpec linked;
  linked.spec = std::shared_ptr<const openapi::Spec>(std::move(loaded));
  linked.model = std::make_unique<openapi::Model>(openapi::normalize(*linked.spec, &ds));
  size_t n = 0;
  for (const auto& op : linked.model->operations) {
    if (++n > 8) break;
    server::Contract contract(linked, op);
    httplib::Request req;
    req.method = "GET";
    req.path = req.target = op.path;
    req.headers.emplace("Accept", "*/*");
    (void)contract.check_request(req, {});
    httplib::Response res;
    contract.respond(req, res);
    (void)contract.check_response(res.status, res.get_header_value("Content-Type"), res.body);
  }
}

}  // namespace apigw::fuzz

APIGW_FUZZ_MAIN(openapi)
