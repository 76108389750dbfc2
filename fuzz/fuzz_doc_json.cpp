// The hand-written JSON parser (emulator/doc/json_parser.cpp): any bytes must give a tree or a located error, and
// the tape parser (what request bodies go through) must agree with the tree parser on every input: the same verdict,
// issues and values.
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "emulator/doc/node.hpp"
#include "emulator/doc/tape.hpp"
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

  doc::TapeDocument t = doc::parse_json_tape(as_text(data, size), limits);
  if (t.ok() != d.ok() || t.issues.size() != d.issues.size()) std::abort();
  for (size_t i = 0; i < d.issues.size(); ++i)
    if (t.issues[i].message != d.issues[i].message || t.issues[i].mark.line != d.issues[i].mark.line ||
        t.issues[i].mark.col != d.issues[i].mark.col)
      std::abort();
  if (d.ok() && t.tape.root().to_node().to_json() != d.root.to_json()) std::abort();
}

}  // namespace apigw::fuzz

APIGW_FUZZ_MAIN(doc_json)
