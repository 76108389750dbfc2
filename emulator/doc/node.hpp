// A parsed YAML or JSON document: a tree of values that remembers where each one came from,
// so that every later error (config loader, OpenAPI loader, lint) can say file:line:col.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace apigw::doc {

// 1-based line and column; 0 means unknown.
struct Mark {
  uint32_t line = 0;
  uint32_t col = 0;
};

enum class Kind : uint8_t { Null, Bool, Int, Float, String, Array, Object };

std::string_view kind_name(Kind kind);

struct Member;

class Node {
 public:
  Node() = default;
  static Node null(Mark m) { Node n; n.mark = m; return n; }
  static Node boolean(bool v, Mark m) { Node n; n.kind = Kind::Bool; n.b_ = v; n.mark = m; return n; }
  static Node integer(int64_t v, Mark m) { Node n; n.kind = Kind::Int; n.i_ = v; n.mark = m; return n; }
  static Node number(double v, Mark m) { Node n; n.kind = Kind::Float; n.d_ = v; n.mark = m; return n; }
  static Node string(std::string v, Mark m) { Node n; n.kind = Kind::String; n.s_ = std::move(v); n.mark = m; return n; }
  static Node array(Mark m) { Node n; n.kind = Kind::Array; n.mark = m; return n; }
  static Node object(Mark m) { Node n; n.kind = Kind::Object; n.mark = m; return n; }

  Kind kind = Kind::Null;
  Mark mark;

  bool is_null() const { return kind == Kind::Null; }
  bool is_bool() const { return kind == Kind::Bool; }
  bool is_int() const { return kind == Kind::Int; }
  bool is_number() const { return kind == Kind::Int || kind == Kind::Float; }
  bool is_string() const { return kind == Kind::String; }
  bool is_array() const { return kind == Kind::Array; }
  bool is_object() const { return kind == Kind::Object; }

  bool as_bool() const { return b_; }
  int64_t as_int() const { return i_; }
  double as_double() const { return kind == Kind::Int ? static_cast<double>(i_) : d_; }
  const std::string& as_string() const { return s_; }
  std::string& mutable_string() { return s_; }

  const std::vector<Node>& items() const { return items_; }
  std::vector<Node>& items() { return items_; }
  const std::vector<Member>& members() const { return members_; }
  std::vector<Member>& members() { return members_; }

  // First member with this key, or nullptr.
  const Node* find(std::string_view key) const;
  const Member* find_member(std::string_view key) const;

  // Converts to nlohmann::json (positions are dropped).
  nlohmann::json to_json() const;
  // Same, keeping the document's key order.
  nlohmann::ordered_json to_ordered_json() const;

 private:
  bool b_ = false;
  int64_t i_ = 0;
  double d_ = 0;
  std::string s_;
  std::vector<Node> items_;
  std::vector<Member> members_;
};

struct Member {
  std::string key;
  Mark key_mark;
  Node value;
};

// A problem found while reading a document, before any meaning is given to it.
struct ParseIssue {
  Mark mark;
  std::string message;
  bool fatal = false;  // the document could not be read at all
};

struct Document {
  std::string path;  // as given by the user; used in messages
  Node root;
  bool is_json = false;
  std::vector<ParseIssue> issues;  // non-fatal problems (duplicate keys); a fatal one leaves root null
  bool ok() const;
};

struct ParseLimits {
  size_t max_depth = 256;          // nesting of arrays/objects
  size_t max_nodes = 4'000'000;     // YAML nodes after alias expansion ("billion laughs")
};

// Parses text as JSON when it looks like JSON (or the name ends in .json), else as YAML 1.2 (core schema).
Document parse(std::string text, std::string path, const ParseLimits& limits = {});
// Reads a file and parses it; a missing or unreadable file is a fatal issue.
Document load_file(const std::string& path, const ParseLimits& limits = {});

Document parse_json(std::string_view text, std::string path, const ParseLimits& limits = {});
Document parse_yaml(const std::string& text, std::string path, const ParseLimits& limits = {});

// What YAML 1.2's core schema makes of an unquoted scalar with this text.
Kind plain_scalar_kind(const std::string& text);

// "file:line:col" (or "file" when the mark is unknown).
std::string where(const std::string& path, Mark mark);

}  // namespace apigw::doc
