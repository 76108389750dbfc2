#include "emulator/doc/span.hpp"

#include <algorithm>

namespace apigw::doc {

namespace {

constexpr size_t npos = std::string_view::npos;

bool is_blank(char c) { return c == ' ' || c == '\t'; }
bool is_break(char c) { return c == '\n' || c == '\r'; }

// The offset just past the character at `at` (a whole UTF-8 sequence), or `at` itself at a line break or the end:
// what to show when the node's form is not recognised (a syntax error's position).
size_t one_character(std::string_view text, size_t at) {
  if (at >= text.size() || is_break(text[at])) return at;
  size_t i = at + 1;
  while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) ++i;
  return i;
}

// JSON --------------------------------------------------------------------------------------------------------------

size_t json_string_end(std::string_view text, size_t at) {
  for (size_t i = at + 1; i < text.size(); ++i) {
    if (text[i] == '\\') ++i;
    else if (text[i] == '"') return i + 1;
  }
  return text.size();
}

size_t json_end(std::string_view text, size_t at) {
  const char c = text[at];
  if (c == '"') return json_string_end(text, at);  // a value, or a key: the key alone
  if (c == '{' || c == '[') {
    size_t depth = 0;
    for (size_t i = at; i < text.size(); ++i) {
      const char ch = text[i];
      if (ch == '"') i = json_string_end(text, i) - 1;
      else if (ch == '{' || ch == '[') ++depth;
      else if ((ch == '}' || ch == ']') && --depth == 0) return i + 1;
    }
    return text.size();  // unbalanced: a truncated document runs to its end
  }
  size_t i = at;
  auto in_token = [](char ch) {
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '-' || ch == '+' ||
           ch == '.';
  };
  while (i < text.size() && in_token(text[i])) ++i;
  return i > at ? i : one_character(text, at);
}

// YAML --------------------------------------------------------------------------------------------------------------

// One line of the text: [begin, end) without its line break.
struct Line {
  size_t begin = 0, end = 0;
};

Line line_at(std::string_view text, size_t begin) {
  size_t end = text.find('\n', begin);
  if (end == npos) end = text.size();
  if (end > begin && text[end - 1] == '\r') --end;
  return {begin, end};
}

// The line after `line`, or an empty one at the end of the text.
bool next_line(std::string_view text, Line& line) {
  size_t next = text.find('\n', line.end);
  if (next == npos) return false;
  line = line_at(text, next + 1);
  return true;
}

size_t indent_of(std::string_view text, Line line) {
  size_t i = line.begin;
  while (i < line.end && text[i] == ' ') ++i;
  return i - line.begin;
}

bool is_blank_line(std::string_view text, Line line) {
  for (size_t i = line.begin; i < line.end; ++i)
    if (!is_blank(text[i])) return false;
  return true;
}

// Blank and comment-only lines say nothing about where a block ends.
bool is_filler(std::string_view text, Line line) {
  size_t i = line.begin;
  while (i < line.end && is_blank(text[i])) ++i;
  return i == line.end || text[i] == '#';
}

bool is_document_marker(std::string_view text, Line line) {
  std::string_view s = text.substr(line.begin, line.end - line.begin);
  return (s.starts_with("---") || s.starts_with("...")) && (s.size() == 3 || is_blank(s[3]));
}

// The end of a line's content from `from`: before a comment (a '#' after a blank, outside quotes), trailing blanks off.
size_t content_end(std::string_view text, size_t from, Line line) {
  char quote = 0;
  size_t end = line.end;
  for (size_t i = from; i < line.end; ++i) {
    const char c = text[i];
    if (quote) {
      if (c == '\\' && quote == '"') ++i;
      else if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      if (i == from || is_blank(text[i - 1]) || text[i - 1] == '[' || text[i - 1] == '{' || text[i - 1] == ',') quote = c;
    } else if (c == '#' && (i == line.begin || is_blank(text[i - 1]))) {
      end = i;
      break;
    }
  }
  while (end > from && is_blank(text[end - 1])) --end;
  return end;
}

size_t trimmed_end(std::string_view text, Line line) {
  size_t end = line.end;
  while (end > line.begin && is_blank(text[end - 1])) --end;
  return end;
}

bool is_sequence_entry(std::string_view text, size_t i, size_t end) {
  return i < end && text[i] == '-' && (i + 1 == end || is_blank(text[i + 1]));
}

// A ':' that makes what is before it a key.
bool is_key_indicator(std::string_view text, size_t i, bool flow) {
  if (i >= text.size() || text[i] != ':') return false;
  if (i + 1 == text.size()) return true;
  const char next = text[i + 1];
  return is_blank(next) || is_break(next) || (flow && (next == ',' || next == ']' || next == '}'));
}

// The column that lines continuing a scalar at `at` must be indented beyond: its key's, its sequence entry's '-',
// or one less than its own when it starts the line.
long parent_indent(std::string_view text, Line line, size_t at) {
  size_t i = line.begin;
  while (i < line.end && is_blank(text[i])) ++i;
  long dash = -1;
  while (i < at && is_sequence_entry(text, i, line.end)) {
    dash = static_cast<long>(i - line.begin);
    ++i;
    while (i < line.end && is_blank(text[i])) ++i;
  }
  if (i == at) return dash >= 0 ? dash : static_cast<long>(at - line.begin) - 1;
  return static_cast<long>(i - line.begin);
}

// A single- or double-quoted scalar from its opening quote, over as many lines as it takes.
size_t quoted_end(std::string_view text, size_t at) {
  const char quote = text[at];
  for (size_t i = at + 1; i < text.size(); ++i) {
    if (quote == '"' && text[i] == '\\') ++i;
    else if (text[i] == quote) {
      if (quote == '\'' && i + 1 < text.size() && text[i + 1] == '\'') ++i;  // '' is an escaped quote
      else return i + 1;
    }
  }
  return text.size();
}

// A flow collection from its bracket to the matching one; quoted scalars and comments inside are skipped.
size_t flow_end(std::string_view text, size_t at) {
  size_t depth = 0;
  for (size_t i = at; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"' || c == '\'') i = quoted_end(text, i) - 1;
    else if (c == '#' && i > 0 && (is_blank(text[i - 1]) || is_break(text[i - 1]))) {
      size_t eol = text.find('\n', i);
      if (eol == npos) return text.size();
      i = eol;
    } else if (c == '[' || c == '{') ++depth;
    else if ((c == ']' || c == '}') && --depth == 0) return i + 1;
  }
  return text.size();
}

// Whether `at` is inside a flow collection: an unclosed bracket before it on its line, or a ',', '[' or '{' just
// before it (a collection spread over lines).
bool in_flow(std::string_view text, Line line, size_t at) {
  long depth = 0;
  for (size_t i = line.begin; i < at; ++i) {
    const char c = text[i];
    if (c == '"' || c == '\'') i = std::min(quoted_end(text, i), at) - 1;
    else if (c == '[' || c == '{') ++depth;
    else if (c == ']' || c == '}') --depth;
  }
  if (depth > 0) return true;
  size_t i = at;
  while (i > 0 && (is_blank(text[i - 1]) || is_break(text[i - 1]))) --i;
  return i > 0 && (text[i - 1] == ',' || text[i - 1] == '[' || text[i - 1] == '{');
}

// The end of the last line, after `first`, that belongs to a block: `belongs` says which lines do; blank and comment
// lines in between neither end it nor extend it.
template <typename Belongs>
size_t block_end(std::string_view text, Line first, size_t first_end, Belongs belongs) {
  size_t end = first_end;
  Line line = first;
  while (next_line(text, line)) {
    if (is_filler(text, line)) continue;
    if (is_document_marker(text, line) || !belongs(line)) break;
    end = content_end(text, line.begin, line);
  }
  return end;
}

size_t yaml_end(std::string_view text, const Lines& lines, Mark start, size_t at, std::string_view key) {
  Line line = line_at(text, lines.offset({start.line, 1}));
  // An anchor or a tag comes before its node, which may begin on the next line (a block collection).
  while (at < line.end && (text[at] == '&' || text[at] == '!')) {
    size_t property_end = at;
    while (property_end < line.end && !is_blank(text[property_end])) ++property_end;
    at = property_end;
    while (at < line.end && is_blank(text[at])) ++at;
    if (at == line.end || text[at] == '#') {
      do {
        if (!next_line(text, line)) return property_end;
      } while (is_filler(text, line));
      at = line.begin + indent_of(text, line);
    }
  }
  if (at >= line.end || text[at] == '#') return at;
  const size_t col = at - line.begin;
  const char c = text[at];

  if (c == '[' || c == '{') return flow_end(text, at);

  if (c == '|' || c == '>') {  // a block scalar: its header, then the lines indented beyond its parent
    const long parent = parent_indent(text, line, at);
    size_t end = content_end(text, at, line);
    Line next = line;
    while (next_line(text, next)) {
      if (is_blank_line(text, next)) continue;
      if (static_cast<long>(indent_of(text, next)) <= parent) break;
      end = trimmed_end(text, next);
    }
    return end;
  }

  if (is_sequence_entry(text, at, line.end)) {  // a block sequence: its entries and what is indented beyond them
    return block_end(text, line, content_end(text, at, line), [&](Line l) {
      size_t indent = indent_of(text, l);
      return indent > col || (indent == col && is_sequence_entry(text, l.begin + indent, l.end));
    });
  }

  const bool flow = in_flow(text, line, at);
  size_t token_end;
  std::string_view token;  // the scalar's text when it is a key
  if (c == '"' || c == '\'') {
    token_end = quoted_end(text, at);
    token = text.substr(at + 1, token_end > at + 1 ? token_end - at - 2 : 0);
  } else {
    token_end = at;
    while (token_end < line.end && !is_key_indicator(text, token_end, flow) &&
           !(flow && (text[token_end] == ',' || text[token_end] == ']' || text[token_end] == '}')) &&
           !(text[token_end] == '#' && token_end > at && is_blank(text[token_end - 1])))
      ++token_end;
    while (token_end > at && is_blank(text[token_end - 1])) --token_end;
    token = text.substr(at, token_end - at);
  }
  size_t after = token_end;
  while (after < text.size() && is_blank(text[after])) ++after;
  const bool is_key = is_key_indicator(text, after, flow);

  if (is_key) {
    if (key.empty() || token == key || flow) return token_end;
    // A block mapping is marked at its first key: the mapping is every line indented as far as that key, or further.
    return block_end(text, line, content_end(text, at, line), [&](Line l) { return indent_of(text, l) >= col; });
  }
  if (flow || c == '"' || c == '\'' || token_end == at) return token_end == at ? one_character(text, at) : token_end;
  if (trimmed_end(text, line) != token_end) return token_end;  // a comment after it: the scalar ends there

  // A plain scalar folds over the following lines indented beyond its parent, up to a comment or a key.
  const long parent = parent_indent(text, line, at);
  size_t end = token_end;
  Line next = line;
  while (next_line(text, next)) {
    if (is_blank_line(text, next)) continue;
    size_t indent = indent_of(text, next);
    if (static_cast<long>(indent) <= parent || text[next.begin + indent] == '#' || is_document_marker(text, next)) break;
    size_t continued = content_end(text, next.begin + indent, next);
    bool looks_like_key = false;
    for (size_t i = next.begin + indent; i < continued && !looks_like_key; ++i) looks_like_key = is_key_indicator(text, i, false);
    if (looks_like_key) break;
    end = continued;
    if (continued != trimmed_end(text, next)) break;  // a comment ends the scalar
  }
  return end;
}

}  // namespace

Lines::Lines(std::string_view text) : text_(text) {
  const size_t first = text.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;  // the parsers count columns after a BOM
  starts_.push_back(first);
  for (size_t i = text.find('\n', first); i != npos; i = text.find('\n', i + 1)) starts_.push_back(i + 1);
}

size_t Lines::offset(Mark m) const {
  if (m.line == 0 || m.col == 0 || m.line > starts_.size()) return npos;
  const size_t begin = starts_[m.line - 1];
  const size_t end = m.line < starts_.size() ? starts_[m.line] - 1 : text_.size();  // the '\n' or the end
  const size_t at = begin + (m.col - 1);
  return at <= end ? at : npos;
}

Mark Lines::mark(size_t offset) const {
  auto it = std::upper_bound(starts_.begin(), starts_.end(), offset);
  const size_t index = it == starts_.begin() ? 0 : static_cast<size_t>(it - starts_.begin()) - 1;
  const size_t begin = starts_[index];
  return {static_cast<uint32_t>(index + 1), static_cast<uint32_t>(offset >= begin ? offset - begin + 1 : 1)};
}

std::string_view Lines::line(uint32_t line) const {
  if (line == 0 || line > starts_.size()) return {};
  const size_t begin = starts_[line - 1];
  size_t end = line < starts_.size() ? starts_[line] - 1 : text_.size();  // not a search: a minified spec is one line
  if (end > begin && text_[end - 1] == '\r') --end;
  return text_.substr(begin, end - begin);
}

Mark span_end(std::string_view text, const Lines& lines, Mark start, bool json, std::string_view key) {
  const size_t at = lines.offset(start);
  if (at == npos) return {};
  const size_t end = at == text.size() ? at : json ? json_end(text, at) : yaml_end(text, lines, start, at, key);
  if (end <= at) return start;
  const Mark last = lines.mark(end - 1);
  return {last.line, last.col + 1};
}

Mark span_end(std::string_view text, Mark start, bool json, std::string_view key) {
  return span_end(text, Lines(text), start, json, key);
}

}  // namespace apigw::doc
