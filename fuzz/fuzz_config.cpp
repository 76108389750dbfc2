// The gateway config loader (emulator/model/config_loader.cpp), YAML or JSON as doc::parse sniffs it, and on success
// the Gateway built from it (router, effective-config JSON). ${VAR}s come from a fixed table, never the environment.
#include <optional>
#include <string>

#include "emulator/model/config.hpp"
#include "emulator/server/gateway.hpp"
#include "fuzz/fuzz_common.hpp"

namespace apigw::fuzz {

void run_config(const uint8_t* data, size_t size) {
  model::LoadOptions options;
  options.env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "PORT") return "8080";
    if (name == "URL") return "http://127.0.0.1:9";
    if (name == "EMPTY") return "";
    return std::nullopt;
  };
  options.missing_env_is_error = (size & 1) == 0;
  // Both file names, so both the JSON and the YAML reader see JSON-looking input.
  std::string path = (size & 2) ? "fuzz/gateway.json" : "fuzz/gateway.yaml";
  model::LoadResult r = model::load_config_text(std::string(as_text(data, size)), path, options);
  for (const auto& d : r.diagnostics) (void)d.format();
  if (r.config) {
    (void)model::is_gateway_config(doc::Node());
    server::Gateway gw(std::move(*r.config));  // no contracts: an `openapi:` file is never read
    (void)gw.routes_json();
  }
}

}  // namespace apigw::fuzz

APIGW_FUZZ_MAIN(config)
