// YAML documents through yaml-cpp's parser events, built into doc::Node with positions.
// Plain scalars are resolved with the YAML 1.2 core schema (so `no` and `on` stay strings).
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <istream>
#include <streambuf>
#include <string_view>
#include <unordered_map>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include "emulator/doc/node.hpp"
#include "emulator/util/text.hpp"

namespace apigw::doc {
namespace {

struct Failure {
  Mark mark;
  std::string message;
};

bool is_null_word(const std::string& s) { return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL"; }

bool parse_int(const std::string& s, int64_t& out) {
  if (s.empty()) return false;
  const char* b = s.data();
  const char* e = b + s.size();
  int base = 10;
  bool neg = false;
  if (*b == '+' || *b == '-') {
    neg = *b == '-';
    ++b;
  }
  if (e - b > 2 && b[0] == '0' && (b[1] == 'x' || b[1] == 'o')) {
    if (neg || s[0] == '+') return false;  // core schema: no sign on hex/octal
    base = b[1] == 'x' ? 16 : 8;
    b += 2;
  }
  if (b == e) return false;
  for (const char* p = b; p < e; ++p) {
    char c = *p;
    bool ok = base == 16 ? std::isxdigit(static_cast<unsigned char>(c)) != 0 : (c >= '0' && c < '0' + base);
    if (!ok) return false;
  }
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(b, e, v, base);
  if (ec != std::errc() || ptr != e) return false;
  if (neg) {
    if (v > static_cast<uint64_t>(INT64_MAX) + 1) return false;
    out = static_cast<int64_t>(0 - v);
  } else {
    if (v > static_cast<uint64_t>(INT64_MAX)) return false;
    out = static_cast<int64_t>(v);
  }
  return true;
}

bool parse_float(const std::string& s, double& out) {
  if (s == ".inf" || s == ".Inf" || s == ".INF" || s == "+.inf" || s == "+.Inf" || s == "+.INF") {
    out = HUGE_VAL;
    return true;
  }
  if (s == "-.inf" || s == "-.Inf" || s == "-.INF") {
    out = -HUGE_VAL;
    return true;
  }
  if (s == ".nan" || s == ".NaN" || s == ".NAN") {
    out = std::nan("");
    return true;
  }
  // [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
  size_t i = 0, n = s.size();
  if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
  size_t digits = 0;
  while (i < n && std::isdigit(static_cast<unsigned char>(s[i]))) { ++i; ++digits; }
  if (i < n && s[i] == '.') {
    ++i;
    while (i < n && std::isdigit(static_cast<unsigned char>(s[i]))) { ++i; ++digits; }
  }
  if (digits == 0) return false;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    size_t exp = 0;
    while (i < n && std::isdigit(static_cast<unsigned char>(s[i]))) { ++i; ++exp; }
    if (exp == 0) return false;
  }
  if (i != n) return false;
  const char* b = s.data();
  if (*b == '+') ++b;
  auto [ptr, ec] = std::from_chars(b, s.data() + n, out);
  // from_chars leaves `out` alone when out of range; strtod gives ±HUGE_VAL (or the underflowed value).
  if (ec == std::errc::result_out_of_range) out = std::strtod(s.c_str(), nullptr);
  return ec == std::errc() || ec == std::errc::result_out_of_range;
}

}  // namespace

Kind plain_scalar_kind(const std::string& s) {
  if (is_null_word(s)) return Kind::Null;
  if (s == "true" || s == "True" || s == "TRUE" || s == "false" || s == "False" || s == "FALSE") return Kind::Bool;
  int64_t i = 0;
  if (parse_int(s, i)) return Kind::Int;
  double d = 0;
  if (parse_float(s, d)) return Kind::Float;
  return Kind::String;
}

namespace {

// Builds the Node tree straight from yaml-cpp's parser events: YAML::Load's node graph costs about 500 bytes and
// 5 µs a value (a 4 MB list of 1M items took 515 MB), so the limits below could only be checked after the damage.
// Here every value, alias copies included, is counted as it is made.
class Builder : public YAML::EventHandler {
 public:
  // yaml-cpp's scanner takes about a microsecond a value, ten times our JSON parser: YAML gets a quarter of the value
  // limit, so that refusing a 100 MB list stays within seconds.
  static constexpr size_t k_max_yaml_values = 1'000'000;

  Builder(Document& doc, const ParseLimits& limits)
      : doc_(doc), max_values_(std::min(limits.max_nodes, k_max_yaml_values)), max_depth_(limits.max_depth) {}

  Node take_root() { return std::move(root_); }

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    Mark m = mark_of(mark);
    if (awaiting_key()) throw Failure{m, "mapping keys must be scalars"};
    count(1, m, "");
    complete(Node::null(m), anchor, 1, {});
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    Mark m = mark_of(mark);
    auto found = anchors_.find(anchor);
    // yaml-cpp knows an anchor from its start on; the value is ours only once it is complete.
    if (found == anchors_.end()) throw Failure{m, "an alias inside the value it refers to (a recursive alias)"};
    const Anchored& a = found->second;
    count(a.nodes, m, " (an alias bomb?)");
    if (awaiting_key()) {
      if (!a.is_scalar) throw Failure{m, "mapping keys must be scalars"};
      take_key(a.text, m);
      return;
    }
    Node copy = a.node;
    copy.mark = m;
    complete(std::move(copy), 0, a.nodes, {});
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    Mark m = mark_of(mark);
    count(1, m, "");
    if (awaiting_key()) {
      if (anchor) anchors_[anchor] = {Node::string(value, m), 1, true, value};
      take_key(value, m);
      return;
    }
    complete(scalar(value, tag, m), anchor, 1, value);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(Node::array(mark_of(mark)), anchor);
  }
  void OnSequenceEnd() override { close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor, YAML::EmitterStyle::value) override {
    open(Node::object(mark_of(mark)), anchor);
  }
  void OnMapEnd() override { close(); }

 private:
  struct Open {
    Node node;
    YAML::anchor_t anchor;
    size_t count_at_start;
    bool has_key = false;
    bool duplicate = false;  // the pending key was seen before: its value is read and dropped
    std::string key;
    Mark key_mark;
  };
  struct Anchored {
    Node node;
    size_t nodes;  // what one alias to it adds
    bool is_scalar;
    std::string text;  // the scalar as written, for an alias used as a key
  };

  Document& doc_;
  const size_t max_values_;
  const size_t max_depth_;
  size_t count_ = 0;
  std::vector<Open> stack_;
  std::unordered_map<YAML::anchor_t, Anchored> anchors_;
  Node root_ = Node::null(Mark{1, 1});

  static Mark mark_of(const YAML::Mark& ym) {
    if (ym.line < 0 || ym.column < 0) return {};
    return {static_cast<uint32_t>(ym.line + 1), static_cast<uint32_t>(ym.column + 1)};
  }

  void count(size_t nodes, Mark m, const char* why) {
    count_ += nodes;
    if (count_ > max_values_) throw Failure{m, "document has more than " + std::to_string(max_values_) + " values" + why};
  }

  bool awaiting_key() const { return !stack_.empty() && stack_.back().node.is_object() && !stack_.back().has_key; }

  void take_key(const std::string& key, Mark m) {
    Open& top = stack_.back();
    top.has_key = true;
    top.key = key;
    top.key_mark = m;
    top.duplicate = false;
    if (const Member* prev = top.node.find_member(key)) {
      doc_.issues.push_back(
          {m, "duplicate key '" + key + "' (first defined at line " + std::to_string(prev->key_mark.line) + ")", false});
      top.duplicate = true;
    }
  }

  void open(Node node, YAML::anchor_t anchor) {
    if (awaiting_key()) throw Failure{node.mark, "mapping keys must be scalars"};
    if (stack_.size() >= max_depth_)
      throw Failure{node.mark, "nesting deeper than " + std::to_string(max_depth_) + " levels"};
    count(1, node.mark, "");
    stack_.push_back({std::move(node), anchor, count_ - 1, false, false, {}, {}});
  }

  void close() {
    Open done = std::move(stack_.back());
    stack_.pop_back();
    complete(std::move(done.node), done.anchor, count_ - done.count_at_start, {});
  }

  // A finished value: its alias copy is kept (and counted, so nested anchors cannot multiply memory unseen), then
  // it goes into its parent.
  void complete(Node value, YAML::anchor_t anchor, size_t nodes, const std::string& scalar_text) {
    if (anchor) {
      count(nodes, value.mark, "");
      bool is_scalar = value.kind != Kind::Array && value.kind != Kind::Object && value.kind != Kind::Null;
      anchors_[anchor] = {value, nodes, is_scalar, scalar_text};
    }
    if (stack_.empty()) {
      root_ = std::move(value);
      return;
    }
    Open& top = stack_.back();
    if (top.node.is_array()) {
      top.node.items().push_back(std::move(value));
      return;
    }
    top.has_key = false;
    if (!top.duplicate) top.node.members().push_back({std::move(top.key), top.key_mark, std::move(value)});
  }

  static Node scalar(const std::string& s, const std::string& tag, Mark m) {
    if (tag == "!" || tag == "tag:yaml.org,2002:str") return Node::string(s, m);
    // Explicit tags other than !!str and !!null are kept as plain scalars.
    if (tag == "tag:yaml.org,2002:null" || is_null_word(s)) return Node::null(m);
    if (s == "true" || s == "True" || s == "TRUE") return Node::boolean(true, m);
    if (s == "false" || s == "False" || s == "FALSE") return Node::boolean(false, m);
    int64_t i = 0;
    if (parse_int(s, i)) return Node::integer(i, m);
    double d = 0;
    if (parse_float(s, d)) {
      // As in JSON: 1e400 is refused rather than read as some other number.
      if (std::isinf(d) && s.find_first_of("iI") == std::string::npos) throw Failure{m, "number out of range"};
      return Node::number(d, m);
    }
    return Node::string(s, m);
  }
};

// yaml-cpp reads from a stream: this one reads the text in place instead of copying it into an istringstream.
class TextBuffer : public std::streambuf {
 public:
  explicit TextBuffer(const std::string& text) {
    char* begin = const_cast<char*>(text.data());  // only read: a get area needs char*
    setg(begin, begin, begin + text.size());
  }
};

}  // namespace

Document parse_yaml(const std::string& text, std::string path, const ParseLimits& limits) {
  Document doc;
  doc.path = std::move(path);
  // yaml-cpp scans about 13 MB a second: past this size a YAML file takes longer than anyone waits for an error.
  constexpr size_t k_max_yaml_bytes = 32u << 20;
  if (text.size() > k_max_yaml_bytes) {
    auto end = text.begin() + static_cast<std::ptrdiff_t>(k_max_yaml_bytes);
    auto line = static_cast<uint32_t>(std::count(text.begin(), end, '\n') + 1);
    size_t line_start = text.rfind('\n', k_max_yaml_bytes - 1);
    auto col = static_cast<uint32_t>(line_start == std::string::npos ? k_max_yaml_bytes + 1 : k_max_yaml_bytes - line_start);
    doc.issues.push_back({{line, col},
                          "YAML file larger than 32 MiB (" + std::to_string(text.size()) +
                              " bytes; this is where it passes the limit); JSON has no size limit",
                          true});
    return doc;
  }
  if (size_t bad = util::invalid_utf8_at(text); bad != std::string_view::npos) {
    size_t line_start = text.rfind('\n', bad == 0 ? 0 : bad - 1);
    line_start = (line_start == std::string::npos || bad == 0) ? 0 : line_start + 1;
    auto line = static_cast<uint32_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(bad), '\n') + 1);
    char byte[8];
    std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned char>(text[bad]));
    doc.issues.push_back({{line, static_cast<uint32_t>(bad - line_start + 1)},
                          std::string("invalid UTF-8 (byte ") + byte + "); YAML files must be UTF-8", true});
    return doc;
  }
  // YAML excludes NUL; yaml-cpp would take NULs near the start as UTF-16/32 and decode the text as that.
  if (size_t nul = text.find('\0'); nul != std::string::npos) {
    auto line = static_cast<uint32_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(nul), '\n') + 1);
    size_t line_start = nul == 0 ? std::string::npos : text.rfind('\n', nul - 1);
    auto col = static_cast<uint32_t>(line_start == std::string::npos ? nul + 1 : nul - line_start);
    doc.issues.push_back({{line, col}, "a NUL byte; YAML files must be UTF-8 text", true});
    return doc;
  }
  try {
    TextBuffer buffer(text);
    std::istream in(&buffer);
    YAML::Parser parser(in);
    Builder builder(doc, limits);
    parser.HandleNextDocument(builder);  // the first document only, as YAML::Load
    doc.root = builder.take_root();
  } catch (const YAML::Exception& e) {
    doc.root = Node();
    Mark m;
    if (e.mark.line >= 0) m = {static_cast<uint32_t>(e.mark.line + 1), static_cast<uint32_t>(e.mark.column + 1)};
    std::string msg = e.msg;
    // Debian's yaml-cpp stops deep nesting with this message.
    if (msg == "bad file") msg = "nesting too deep";
    doc.issues.push_back({m, "invalid YAML: " + msg, true});
  } catch (const Failure& f) {
    doc.root = Node();
    doc.issues.push_back({f.mark, "invalid YAML: " + f.message, true});
  }
  return doc;
}

}  // namespace apigw::doc
