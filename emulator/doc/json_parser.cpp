// A strict RFC 8259 JSON parser that records the line and column of every value and key.
// Written by hand because nlohmann::json drops positions; it is also faster than going through yaml-cpp.
#include <charconv>
#include <cstring>
#include <iterator>

#include "emulator/doc/node.hpp"
#include "emulator/util/text.hpp"

namespace apigw::doc {
namespace {

struct Failure {
  Mark mark;
  std::string message;
};

class JsonParser {
 public:
  JsonParser(std::string_view text, Document& doc, const ParseLimits& limits)
      : p_(text.data()), end_(text.data() + text.size()), line_start_(p_), doc_(doc), limits_(limits) {
    if (text.substr(0, 3) == "\xEF\xBB\xBF") { p_ += 3; line_start_ = p_; }
  }

  Node run() {
    skip_ws();
    Node root = value(0);
    skip_ws();
    if (p_ != end_) fail("unexpected " + describe_here() + " after the end of the JSON value");
    return root;
  }

 private:
  const char* p_;
  const char* end_;
  const char* line_start_;
  uint32_t line_ = 1;
  Document& doc_;
  const ParseLimits& limits_;
  size_t count_ = 0;

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

  void skip_ws() {
    while (p_ < end_) {
      char c = *p_;
      if (c == '\n') { ++line_; ++p_; line_start_ = p_; }
      else if (c == ' ' || c == '\t' || c == '\r') ++p_;
      else break;
    }
  }

  Node value(size_t depth) {
    if (p_ >= end_) fail("unexpected end of input, expected a JSON value");
    // A bound on memory: a 100 MB "[1,1,1,..." would otherwise become 50M values (2.4 GB).
    if (++count_ > limits_.max_nodes) fail("document has more than " + std::to_string(limits_.max_nodes) + " values");
    Mark m = here();
    switch (*p_) {
      case '{': return object(depth, m);
      case '[': return array(depth, m);
      case '"': return Node::string(string(), m);
      case 't': literal("true"); return Node::boolean(true, m);
      case 'f': literal("false"); return Node::boolean(false, m);
      case 'n': literal("null"); return Node::null(m);
      default:
        if (*p_ == '-' || (*p_ >= '0' && *p_ <= '9')) return number(m);
        fail("unexpected " + describe_here() + ", expected a JSON value");
    }
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

  // Members and items gather on these stacks (a nested value's are gone again before its parent's next one) and move
  // into a vector of the exact size when the object or array ends: one allocation each, no regrowing.
  std::vector<Member> member_stack_;
  std::vector<Node> item_stack_;

  Node object(size_t depth, Mark m) {
    enter(depth);
    ++p_;
    skip_ws();
    if (p_ < end_ && *p_ == '}') { ++p_; return Node::object(m); }
    const size_t start = member_stack_.size();
    for (;;) {
      skip_ws();
      if (p_ >= end_ || *p_ != '"') fail("unexpected " + describe_here() + ", expected a string key");
      Mark key_mark = here();
      std::string key = string();
      skip_ws();
      if (p_ >= end_ || *p_ != ':') fail("unexpected " + describe_here() + ", expected ':' after key");
      ++p_;
      skip_ws();
      Node v = value(depth + 1);
      const Member* prev = nullptr;
      for (size_t i = start; i < member_stack_.size(); ++i)
        if (member_stack_[i].key == key) {
          prev = &member_stack_[i];
          break;
        }
      if (prev) {
        doc_.issues.push_back({key_mark,
                               "duplicate key '" + key + "' (first defined at line " +
                                   std::to_string(prev->key_mark.line) + ")",
                               false});
      } else {
        member_stack_.push_back({std::move(key), key_mark, std::move(v)});
      }
      skip_ws();
      if (p_ < end_ && *p_ == ',') { ++p_; continue; }
      if (p_ < end_ && *p_ == '}') {
        ++p_;
        std::vector<Member> members(std::make_move_iterator(member_stack_.begin() + static_cast<std::ptrdiff_t>(start)),
                                    std::make_move_iterator(member_stack_.end()));
        member_stack_.resize(start);
        return Node::object(std::move(members), m);
      }
      fail("unexpected " + describe_here() + ", expected ',' or '}'");
    }
  }

  Node array(size_t depth, Mark m) {
    enter(depth);
    ++p_;
    skip_ws();
    if (p_ < end_ && *p_ == ']') { ++p_; return Node::array(m); }
    const size_t start = item_stack_.size();
    for (;;) {
      skip_ws();
      Node v = value(depth + 1);
      item_stack_.push_back(std::move(v));
      skip_ws();
      if (p_ < end_ && *p_ == ',') { ++p_; continue; }
      if (p_ < end_ && *p_ == ']') {
        ++p_;
        std::vector<Node> items(std::make_move_iterator(item_stack_.begin() + static_cast<std::ptrdiff_t>(start)),
                                std::make_move_iterator(item_stack_.end()));
        item_stack_.resize(start);
        return Node::array(std::move(items), m);
      }
      fail("unexpected " + describe_here() + ", expected ',' or ']'");
    }
  }

  Node number(Mark m) {
    const char* start = p_;
    bool is_float = false;
    if (*p_ == '-') ++p_;
    if (p_ >= end_) fail("unexpected end of input in a number");
    if (*p_ == '0') {
      ++p_;
    } else if (*p_ >= '1' && *p_ <= '9') {
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    } else {
      fail("invalid number");
    }
    if (p_ < end_ && *p_ == '.') {
      is_float = true;
      ++p_;
      if (p_ >= end_ || !(*p_ >= '0' && *p_ <= '9')) fail("invalid number: expected a digit after '.'");
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      is_float = true;
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ >= end_ || !(*p_ >= '0' && *p_ <= '9')) fail("invalid number: expected a digit in the exponent");
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    }
    if (!is_float) {
      int64_t v = 0;
      auto [ptr, ec] = std::from_chars(start, p_, v);
      if (ec == std::errc() && ptr == p_) return Node::integer(v, m);
      // Integers beyond 64 bits fall through to double.
    }
    double d = 0;
    auto [ptr, ec] = std::from_chars(start, p_, d);
    if (ec == std::errc::result_out_of_range) {
      p_ = start;
      fail("number out of range");
    }
    return Node::number(d, m);
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

  std::string string() {
    ++p_;  // opening quote
    std::string out;
    for (;;) {
      // Fast path: copy a run of plain characters.
      const char* run = p_;
      while (p_ < end_) {
        unsigned char c = static_cast<unsigned char>(*p_);
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
        ++p_;
      }
      out.append(run, p_);
      if (p_ >= end_) fail("unterminated string");
      unsigned char c = static_cast<unsigned char>(*p_);
      if (c == '"') { ++p_; return out; }
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

}  // namespace

Document parse_json(std::string_view text, std::string path, const ParseLimits& limits) {
  Document doc;
  doc.path = std::move(path);
  doc.is_json = true;
  try {
    JsonParser parser(text, doc, limits);
    doc.root = parser.run();
  } catch (const Failure& f) {
    doc.root = Node();
    doc.issues.push_back({f.mark, "invalid JSON: " + f.message, true});
  }
  return doc;
}

}  // namespace apigw::doc
