// A strict RFC 8259 JSON parser that records the line and column of every value and key, into a tree (parse_json) or
// a tape (parse_json_tape): one lexer, two builders, so both give the same values, marks and messages.
// Written by hand because nlohmann::json drops positions; it is also faster than going through yaml-cpp.
#include <charconv>
#include <cstring>
#include <iterator>

#include "emulator/doc/node.hpp"
#include "emulator/doc/tape.hpp"
#include "emulator/util/text.hpp"

namespace apigw::doc {
namespace {

struct Failure {
  Mark mark;
  std::string message;
};

// What both builders share: the position, the tokens, the limits and the messages.
class Lexer {
 protected:
  Lexer(std::string_view text, const ParseLimits& limits)
      : p_(text.data()), end_(text.data() + text.size()), line_start_(p_), limits_(limits) {
    if (text.substr(0, 3) == "\xEF\xBB\xBF") { p_ += 3; line_start_ = p_; }
  }

  const char* p_;
  const char* end_;
  const char* line_start_;
  uint32_t line_ = 1;
  const ParseLimits& limits_;
  size_t count_ = 0;

  void finish_document() {
    skip_ws();
    if (p_ != end_) fail("unexpected " + describe_here() + " after the end of the JSON value");
  }

  // Called before each value; returns its mark.
  Mark start_value() {
    if (p_ >= end_) fail("unexpected end of input, expected a JSON value");
    // A bound on memory: a 100 MB "[1,1,1,..." would otherwise become 50M values (2.4 GB).
    if (++count_ > limits_.max_nodes) fail("document has more than " + std::to_string(limits_.max_nodes) + " values");
    return here();
  }
  [[noreturn]] void fail_value() { fail("unexpected " + describe_here() + ", expected a JSON value"); }
  bool at_number() const { return *p_ == '-' || (*p_ >= '0' && *p_ <= '9'); }

  Mark here() const { return {line_, static_cast<uint32_t>(p_ - line_start_) + 1}; }

  [[noreturn]] void fail(std::string message) { throw Failure{here(), std::move(message)}; }

  std::string describe_here() const {
    if (p_ >= end_) return "end of input";
    unsigned char c = static_cast<unsigned char>(*p_);
    if (c >= 0x20 && c < 0x7f) return std::string("'") + static_cast<char>(c) + "'";
    char buf[16];
    std::snprintf(buf, sizeof buf, "byte 0x%02X", c);
    return buf;
  }

  // The hot loops work on a local pointer: p_ is a member, and a char read could alias it, so the compiler would
  // store and reload it on every byte.
  void skip_ws() {
    const char* p = p_;
    while (p < end_) {
      char c = *p;
      if (c == ' ' || c == '\t' || c == '\r') ++p;
      else if (c == '\n') { ++line_; ++p; line_start_ = p; }
      else break;
    }
    p_ = p;
  }

  const char* digits_end(const char* p) const {
    while (p < end_ && *p >= '0' && *p <= '9') ++p;
    return p;
  }

  void literal(const char* word) {
    size_t n = std::strlen(word);
    if (static_cast<size_t>(end_ - p_) < n || std::memcmp(p_, word, n) != 0)
      fail("unexpected " + describe_here() + ", expected a JSON value");
    p_ += n;
  }

  void enter(size_t depth) {
    if (depth >= limits_.max_depth)
      fail("nesting deeper than " + std::to_string(limits_.max_depth) + " levels");
  }
  [[noreturn]] void fail_key() { fail("unexpected " + describe_here() + ", expected a string key"); }
  void colon() {
    skip_ws();
    if (p_ >= end_ || *p_ != ':') fail("unexpected " + describe_here() + ", expected ':' after key");
    ++p_;
    skip_ws();
  }
  // After a member (an item): true when another follows, false at the end of the object (array).
  bool next(char close) {
    skip_ws();
    if (p_ < end_ && *p_ == ',') { ++p_; return true; }
    if (p_ < end_ && *p_ == close) { ++p_; return false; }
    fail(close == '}' ? "unexpected " + describe_here() + ", expected ',' or '}'"
                      : "unexpected " + describe_here() + ", expected ',' or ']'");
  }
  // An empty object (array): consumes it.
  bool empty_container(char close) {
    ++p_;
    skip_ws();
    if (p_ < end_ && *p_ == close) { ++p_; return true; }
    return false;
  }
  static std::string duplicate_message(std::string_view key, uint32_t first_line) {
    return "duplicate key '" + std::string(key) + "' (first defined at line " + std::to_string(first_line) + ")";
  }

  struct Number {
    bool is_float = false;
    int64_t i = 0;
    double d = 0;
  };
  Number number() {
    const char* start = p_;
    bool is_float = false;
    if (*p_ == '-') ++p_;
    if (p_ >= end_) fail("unexpected end of input in a number");
    if (*p_ == '0') {
      ++p_;
    } else if (*p_ >= '1' && *p_ <= '9') {
      p_ = digits_end(p_);
    } else {
      fail("invalid number");
    }
    if (p_ < end_ && *p_ == '.') {
      is_float = true;
      ++p_;
      if (p_ >= end_ || !(*p_ >= '0' && *p_ <= '9')) fail("invalid number: expected a digit after '.'");
      p_ = digits_end(p_);
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      is_float = true;
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ >= end_ || !(*p_ >= '0' && *p_ <= '9')) fail("invalid number: expected a digit in the exponent");
      p_ = digits_end(p_);
    }
    if (!is_float) {
      int64_t v = 0;
      auto [ptr, ec] = std::from_chars(start, p_, v);
      if (ec == std::errc() && ptr == p_) return {false, v, 0};
      // Integers beyond 64 bits fall through to double.
    }
    double d = 0;
    auto [ptr, ec] = std::from_chars(start, p_, d);
    if (ec == std::errc::result_out_of_range) {
      p_ = start;
      fail("number out of range");
    }
    return {true, 0, d};
  }

  static void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  uint32_t hex4() {
    if (end_ - p_ < 4) fail("truncated \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = *p_++;
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<uint32_t>(c - 'A' + 10);
      else { --p_; fail("invalid hex digit in \\u escape"); }
    }
    return v;
  }

  // Validates one UTF-8 sequence starting at p_ (a byte >= 0x80) and copies it.
  void utf8_sequence(std::string& out) {
    size_t len = util::utf8_sequence_length(reinterpret_cast<const unsigned char*>(p_), static_cast<size_t>(end_ - p_));
    if (len == 0) fail("invalid UTF-8 in string");
    out.append(p_, len);
    p_ += len;
  }

  // The end of the run of plain characters from p: the first '"', '\\', control character or non-ASCII byte. Most of a
  // body is such runs, so they are scanned eight bytes at a time.
  const char* plain_run_end(const char* p) const {
    constexpr uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    auto has_zero_byte = [](uint64_t x) { return (x - ones) & ~x; };  // exact once masked with `highs`
    while (end_ - p >= 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      // `w` itself flags the bytes >= 0x80; (w - 0x20..) & ~w flags some byte below 0x20 when there is one.
      if ((has_zero_byte(w ^ (ones * '"')) | has_zero_byte(w ^ (ones * '\\')) | ((w - ones * 0x20) & ~w) | w) & highs)
        break;
      p += 8;
    }
    while (p < end_) {
      unsigned char c = static_cast<unsigned char>(*p);
      if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
      ++p;
    }
    return p;
  }

  // Appends the string at p_ to `out`.
  void string(std::string& out) {
    ++p_;  // opening quote
    for (;;) {
      const char* run = p_;
      p_ = plain_run_end(p_);
      out.append(run, p_);
      if (p_ >= end_) fail("unterminated string");
      unsigned char c = static_cast<unsigned char>(*p_);
      if (c == '"') { ++p_; return; }
      if (c >= 0x80) { utf8_sequence(out); continue; }
      if (c < 0x20) fail(c == '\n' ? "unterminated string (raw newline)" : "control character in string");
      ++p_;  // backslash
      if (p_ >= end_) fail("unterminated string");
      char e = *p_++;
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          uint32_t cp = hex4();
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (end_ - p_ < 6 || p_[0] != '\\' || p_[1] != 'u') fail("unpaired surrogate in \\u escape");
            p_ += 2;
            uint32_t lo = hex4();
            if (lo < 0xDC00 || lo > 0xDFFF) fail("unpaired surrogate in \\u escape");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            fail("unpaired surrogate in \\u escape");
          }
          append_utf8(out, cp);
          break;
        }
        default:
          --p_;
          fail("invalid escape '\\" + std::string(1, e) + "' in string");
      }
    }
  }
};

// Each value is parsed into its place in the tree, `out` (a null node): an object's members and an array's items are
// made in their vector, keys and strings read straight into their std::string, so nothing is moved afterwards.
class NodeParser : Lexer {
 public:
  NodeParser(std::string_view text, Document& doc, const ParseLimits& limits) : Lexer(text, limits), doc_(doc) {}

  Node run() {
    skip_ws();
    Node root;
    value(0, root);
    finish_document();
    return root;
  }

 private:
  Document& doc_;

  void value(size_t depth, Node& out) {
    Mark m = start_value();
    out.mark = m;
    switch (*p_) {
      case '{': return object(depth, out.members());
      case '[': return array(depth, out.items());
      case '"': return string(out.mutable_string());
      case 't': literal("true"); out = Node::boolean(true, m); return;
      case 'f': literal("false"); out = Node::boolean(false, m); return;
      case 'n': literal("null"); return;
      default:
        if (!at_number()) fail_value();
        Number n = number();
        out = n.is_float ? Node::number(n.d, m) : Node::integer(n.i, m);
    }
  }

  // How many members (items) the last object (array) that ended at each depth had. The next one at that depth reserves
  // as many: in an array of like objects each one's vector is then allocated once, at its exact size.
  std::vector<uint32_t> member_hints_, item_hints_;

  template <class T>
  void reserve_like_last(std::vector<T>& values, std::vector<uint32_t>& hints, size_t depth) {
    if (depth >= hints.size()) hints.resize(depth + 1);
    values.reserve(hints[depth]);
  }
  // A vector that grew (no hint, or a smaller one) or kept a larger hint gives back what it does not use.
  template <class T>
  void finish(std::vector<T>& values, std::vector<uint32_t>& hints, size_t depth) {
    if (values.capacity() > values.size() + values.size() / 4) values.shrink_to_fit();
    hints[depth] = static_cast<uint32_t>(values.size());
  }

  // Most keys of an object differ in their length or first byte: no call to memcmp for those.
  static bool same_key(const std::string& a, const std::string& b) {
    return a.size() == b.size() && (a.empty() || (a[0] == b[0] && std::memcmp(a.data(), b.data(), a.size()) == 0));
  }

  void object(size_t depth, std::vector<Member>& members) {
    enter(depth);
    if (empty_container('}')) return;
    reserve_like_last(members, member_hints_, depth);
    do {
      skip_ws();
      if (p_ >= end_ || *p_ != '"') fail_key();
      Member& member = members.emplace_back();
      member.key_mark = here();
      string(member.key);
      colon();
      value(depth + 1, member.value);
      for (size_t i = 0; i + 1 < members.size(); ++i)
        if (same_key(members[i].key, member.key)) {
          doc_.issues.push_back({member.key_mark, duplicate_message(member.key, members[i].key_mark.line), false});
          members.pop_back();  // the first one stays
          break;
        }
    } while (next('}'));
    finish(members, member_hints_, depth);
  }

  void array(size_t depth, std::vector<Node>& items) {
    enter(depth);
    if (empty_container(']')) return;
    reserve_like_last(items, item_hints_, depth);
    do {
      skip_ws();
      value(depth + 1, items.emplace_back());
    } while (next(']'));
    finish(items, item_hints_, depth);
  }

};

// Entries are appended in document order; a container's entry is completed (its size and span) when it closes. They
// are referred to by index while the vector grows.
class TapeParser : Lexer {
 public:
  TapeParser(std::string_view text, Tape& tape, std::vector<ParseIssue>& issues, const ParseLimits& limits)
      : Lexer(text, limits), entries_(tape.entries()), text_(tape.text()), issues_(issues), shapes_(tape) {
    // Unescaped strings are never longer than their source: the text never reallocates. About one entry per 12
    // bytes of JSON is typical of request bodies; the vector grows past that if it must.
    text_.reserve(std::max<size_t>(text.size(), 16));
    entries_.reserve(text.size() / 12 + 4);
  }

  void run() {
    if (static_cast<size_t>(end_ - p_) >= UINT32_MAX) fail("document larger than 4 GB");
    skip_ws();
    value(0);
    finish_document();
  }

 private:
  using Entry = Value::Entry;
  std::vector<Entry>& entries_;
  std::string& text_;
  std::vector<ParseIssue>& issues_;
  Tape::ShapeBuilder shapes_;

  size_t push(Kind kind, Mark mark) {
    Entry& e = entries_.emplace_back();
    e.kind = kind;
    e.mark = mark;
    return entries_.size() - 1;
  }
  void close(size_t index, uint32_t count) {
    entries_[index].size = count;
    entries_[index].x.span = static_cast<uint32_t>(entries_.size() - index);
  }
  size_t after(size_t index) const {
    const Entry& e = entries_[index];
    return e.kind == Kind::Array || e.kind == Kind::Object ? index + e.x.span : index + 1;
  }
  void string_at(size_t index) {
    size_t offset = text_.size();
    string(text_);
    entries_[index].x.offset = static_cast<uint32_t>(offset);
    entries_[index].size = static_cast<uint32_t>(text_.size() - offset);
  }
  std::string_view text_of(size_t index) const {
    return std::string_view(text_.data() + entries_[index].x.offset, entries_[index].size);
  }

  void value(size_t depth) {
    Mark m = start_value();
    switch (*p_) {
      case '{': return object(depth, push(Kind::Object, m));
      case '[': return array(depth, push(Kind::Array, m));
      case '"': return string_at(push(Kind::String, m));
      case 't': literal("true"); entries_[push(Kind::Bool, m)].b = true; return;
      case 'f': literal("false"); entries_[push(Kind::Bool, m)].b = false; return;
      case 'n': literal("null"); push(Kind::Null, m); return;
      default: {
        if (!at_number()) fail_value();
        Number n = number();
        if (n.is_float)
          entries_[push(Kind::Float, m)].d = n.d;
        else
          entries_[push(Kind::Int, m)].i = n.i;
      }
    }
  }

  // Objects inside arrays get shapes (see tape.hpp): the keys are interned, and duplicates found by id. Others (a
  // request body's top object, most often) are validated once: their keys are compared as text with the ones before,
  // as shapes would cost more than they save; past k_scan_keys members they are interned all the same, so that the
  // search for duplicates stays bounded (at most ~2,000 short comparisons per object) rather than quadratic.
  static constexpr uint32_t k_scan_keys = 64;
  size_t arrays_open_ = 0;

  void object(size_t depth, size_t index) {
    enter(depth);
    uint32_t count = 0;
    bool interned = arrays_open_ > 0;
    if (empty_container('}')) {
      if (interned) entries_[index].x.offset = shapes_.end_object(shapes_.begin_object(depth), depth);
      return close(index, 0);
    }
    Tape::ShapeBuilder::Open shape = shapes_.begin_object(depth);
    do {
      skip_ws();
      if (p_ >= end_ || *p_ != '"') fail_key();
      size_t key = push(Kind::String, here());
      string_at(key);
      if (!interned && count == k_scan_keys) {
        for (size_t k = index + 1; k < key; k = after(k + 1))
          shapes_.add_key(shape, entries_[k].x.offset, entries_[k].size, entries_[k].x.span);
        interned = true;
      }
      size_t first = key;  // the member this key repeats
      if (interned) {
        uint32_t id = 0;
        const bool added = shapes_.add_key(shape, entries_[key].x.offset, entries_[key].size, id);
        entries_[key].x.span = id;
        if (!added)
          for (size_t k = index + 1; k < key; k = after(k + 1))
            if (entries_[k].x.span == id) {
              first = k;
              break;
            }
      } else {
        const std::string_view name = text_of(key);
        for (size_t k = index + 1; k < key; k = after(k + 1))
          if (text_of(k) == name) {
            first = k;
            break;
          }
      }
      colon();
      value(depth + 1);
      if (first != key) {  // the first one stays
        issues_.push_back({entries_[key].mark, duplicate_message(text_of(key), entries_[first].mark.line), false});
        // Its entries go; its text stays, as keys interned inside the value point into it.
        entries_.resize(key);
      } else {
        ++count;
      }
    } while (next('}'));
    if (interned) entries_[index].x.offset = shapes_.end_object(shape, depth);
    close(index, count);
  }

  void array(size_t depth, size_t index) {
    enter(depth);
    uint32_t count = 0;
    if (empty_container(']')) return close(index, 0);
    ++arrays_open_;
    do {
      skip_ws();
      value(depth + 1);
      ++count;
    } while (next(']'));
    --arrays_open_;
    close(index, count);
  }
};

}  // namespace

Document parse_json(std::string_view text, std::string path, const ParseLimits& limits) {
  Document doc;
  doc.path = std::move(path);
  doc.is_json = true;
  try {
    NodeParser parser(text, doc, limits);
    doc.root = parser.run();
  } catch (const Failure& f) {
    doc.root = Node();
    doc.issues.push_back({f.mark, "invalid JSON: " + f.message, true});
  }
  return doc;
}

bool TapeDocument::ok() const {
  for (const auto& issue : issues)
    if (issue.fatal) return false;
  return true;
}

bool parse_json_tape(std::string_view text, Tape& tape, std::vector<ParseIssue>& issues, const ParseLimits& limits) {
  tape.clear();
  issues.clear();
  try {
    TapeParser parser(text, tape, issues, limits);
    parser.run();
    return true;
  } catch (const Failure& f) {
    tape.clear();
    issues.push_back({f.mark, "invalid JSON: " + f.message, true});
    return false;
  }
}

TapeDocument parse_json_tape(std::string_view text, const ParseLimits& limits) {
  TapeDocument doc;
  parse_json_tape(text, doc.tape, doc.issues, limits);
  return doc;
}

}  // namespace apigw::doc
