// The hand-written JSON parser (emulator/doc/json_parser.cpp): any bytes must give a tree or a located error.
#include <nlohmann/json.hpp>

#include "emulator/doc/node.hpp"
#include "fuzz/fuzz_common.hpp"

namespace apigw::fuzz {

void run_doc_json(const uint8_t* data, size_t size) {
  doc::ParseLimits limits;
  limits.max_nodes = 200'000;
  doc::Document d = doc::parse_json(as_text(data, size), "fuzz.json", limits);
  if (d.ok()) {
    (void)d.root.to_json();  // the conversion every consumer (schema, import) relies on
    (void)d.root.to_ordered_json();
  }
  for (const auto& issue : d.issues) (void)doc::where(d.path, issue.mark);
}

}  // namespace apigw::fuzz

APIGW_FUZZ_MAIN(doc_json)
