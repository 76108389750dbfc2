// The hand-written JSON parser (emulator/doc/json_parser.cpp): any bytes must give a tree or a located error, and
// the tape parser (what request bodies go through) must agree with the tree parser on every input: the same verdict,
// issues and values. The tape's object shapes must be right: a shape's keys are its objects' keys, one key sequence
// has one shape, and every object inside an array has one.
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "emulator/doc/node.hpp"
#include "emulator/doc/tape.hpp"
#include "fuzz/fuzz_common.hpp"

namespace apigw::fuzz {

void check_shapes(const doc::Tape& tape, doc::Value v, bool in_array,
                  std::map<std::vector<std::string_view>, uint32_t>& shape_of) {
  for (doc::Value item : v.items()) check_shapes(tape, item, true, shape_of);
  if (!v.is_object()) return;
  std::vector<std::string_view> keys;
  for (const doc::Value::Member m : v.members()) {
    keys.push_back(m.key);
    check_shapes(tape, m.value, in_array, shape_of);
  }
  if (v.shape() == 0) {
    if (in_array) std::abort();
    return;
  }
  if (tape.shape_keys(v.shape()) != keys) std::abort();
  if (shape_of.emplace(keys, v.shape()).first->second != v.shape()) std::abort();
}
void check_shapes(const doc::Tape& tape, doc::Value v, bool in_array) {
  std::map<std::vector<std::string_view>, uint32_t> shape_of;
  check_shapes(tape, v, in_array, shape_of);
}

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
  if (t.ok()) check_shapes(t.tape, t.tape.root(), false);
}

}  // namespace apigw::fuzz

APIGW_FUZZ_MAIN(doc_json)
