// The YAML loader (emulator/doc/yaml_loader.cpp over yaml-cpp) and the JSON/YAML sniffing of doc::parse: anchors,
// aliases, merge keys, tags and core-schema scalars must give a tree or a located error within the node limit.
#include <nlohmann/json.hpp>

#include "emulator/doc/node.hpp"
#include "fuzz/fuzz_common.hpp"

namespace apigw::fuzz {

void run_doc_yaml(const uint8_t* data, size_t size) {
  doc::ParseLimits limits;
  limits.max_nodes = 200'000;
  doc::Document d = doc::parse(std::string(as_text(data, size)), "fuzz.yaml", limits);
  if (d.ok()) (void)d.root.to_json();
}

}  // namespace apigw::fuzz

APIGW_FUZZ_MAIN(doc_yaml)
