// Where a node ends, measured in the text it was parsed from: the tree keeps only where each node starts (a Node stays
// 48 bytes), and reports that want a whole region (SARIF, annotations, code frames) ask here, once per finding.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/doc/node.hpp"

namespace apigw::doc {

// A file's text as load_file reads it; nullopt (errno says why) when it cannot be read.
std::optional<std::string> read_text(const std::string& path);
// Whether parse() takes this text for JSON: the name ends in .json or the text starts with '{' or '['.
bool reads_as_json(std::string_view text, std::string_view path);

// The start of every line of a text, so that a Mark becomes a byte offset (and back) without scanning the text again.
// Columns are counted as the parsers count them: bytes from the line's start (after a UTF-8 BOM on the first line).
class Lines {
 public:
  explicit Lines(std::string_view text);

  // The byte offset of `m`, or npos when the text has no such line or column.
  size_t offset(Mark m) const;
  // The mark of the byte at `offset`.
  Mark mark(size_t offset) const;
  // Line `line`'s text without its line break (\n or \r\n); empty past the end.
  std::string_view line(uint32_t line) const;
  size_t count() const { return starts_.size(); }

 private:
  std::string_view text_;
  std::vector<size_t> starts_;
};

// The end of the node that starts at `start`: the mark just past its last character (the column after it, on the
// line of that character — SARIF's exclusive endColumn). JSON: a string, number, literal, or a balanced object or
// array. YAML: a plain or quoted scalar (a plain one folded over more indented lines), a flow collection, a block
// scalar (its indented lines), a block sequence or mapping (the lines more indented than it, and its own siblings).
// A mark at a mapping key spans the key alone when `key` is empty or names it: that is the entry a finding is about.
// A YAML block mapping starts at its first key, so a mark at a key with another name than `key` is the mapping's.
// Returns `start` when there is nothing to measure, and {} when `start` is not in the text.
Mark span_end(std::string_view text, const Lines& lines, Mark start, bool json, std::string_view key = {});
// The same for one-off uses; a report with many findings keeps one Lines per file.
Mark span_end(std::string_view text, Mark start, bool json, std::string_view key = {});

}  // namespace apigw::doc
