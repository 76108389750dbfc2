// A parsed YAML or JSON document: a tree of values that remembers where each one came from,
// so that every later error (config loader, OpenAPI loader, lint) can say file:line:col.
#pragma once

#include <cstdint>
#include <memory>
#include <new>
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

// A value is 48 bytes: the kind, the mark and one payload (a union of the scalar, the string, the items or the
// members), so a tree of many small objects stays dense in memory (validating a 1 MB body walks all of it).
class Node {
 public:
  Node() noexcept : i_(0) {}
  Node(const Node& o);
  Node(Node&& o) noexcept;
  Node& operator=(const Node& o);
  Node& operator=(Node&& o) noexcept;
  ~Node();

  // Defined after Member: clang needs Member complete wherever a Node is made (libstdc++'s vector<Member>).
  static Node null(Mark m);
  static Node boolean(bool v, Mark m);
  static Node integer(int64_t v, Mark m);
  static Node number(double v, Mark m);
  static Node string(std::string v, Mark m);
  static Node array(Mark m);
  static Node object(Mark m);
  static Node array(std::vector<Node> items, Mark m);
  static Node object(std::vector<Member> members, Mark m);

  // Read-only in practice: the payload follows the kind, which the factories above set.
  Kind kind = Kind::Null;
  Mark mark;

  bool is_null() const { return kind == Kind::Null; }
  bool is_bool() const { return kind == Kind::Bool; }
  bool is_int() const { return kind == Kind::Int; }
  bool is_number() const { return kind == Kind::Int || kind == Kind::Float; }
  bool is_string() const { return kind == Kind::String; }
  bool is_array() const { return kind == Kind::Array; }
  bool is_object() const { return kind == Kind::Object; }

  bool as_bool() const { return kind == Kind::Bool && b_; }
  int64_t as_int() const { return kind == Kind::Int ? i_ : 0; }
  double as_double() const { return kind == Kind::Int ? static_cast<double>(i_) : kind == Kind::Float ? d_ : 0.0; }
  const std::string& as_string() const { return kind == Kind::String ? s_ : empty_string(); }
  // Makes the node a string first if it is not one.
  std::string& mutable_string() {
    if (kind != Kind::String) reset(Kind::String);
    return s_;
  }

  // Empty for other kinds; the mutable forms make the node an array (an object) first if it is not one.
  const std::vector<Node>& items() const { return kind == Kind::Array ? items_ : empty_items(); }
  std::vector<Node>& items() {
    if (kind != Kind::Array) reset(Kind::Array);
    return items_;
  }
  const std::vector<Member>& members() const { return kind == Kind::Object ? members_ : empty_members(); }
  std::vector<Member>& members() {
    if (kind != Kind::Object) reset(Kind::Object);
    return members_;
  }

  // First member with this key, or nullptr.
  const Node* find(std::string_view key) const;
  const Member* find_member(std::string_view key) const;

  // Converts to nlohmann::json (positions are dropped).
  nlohmann::json to_json() const;
  // Same, keeping the document's key order.
  nlohmann::ordered_json to_ordered_json() const;

 private:
  union {
    bool b_;
    int64_t i_;
    double d_;
    std::string s_;
    std::vector<Node> items_;
    std::vector<Member> members_;
  };
  static const std::string& empty_string();
  static const std::vector<Node>& empty_items();
  static const std::vector<Member>& empty_members();
  void destroy() noexcept;
  void reset(Kind k);  // destroys the payload and makes an empty one of kind k
  void copy_from(const Node& o);
  void move_from(Node&& o) noexcept;
};

struct Member {
  std::string key;
  Mark key_mark;
  Node value;
};

inline void Node::destroy() noexcept {
  switch (kind) {
    case Kind::String: s_.~basic_string(); break;
    case Kind::Array: items_.~vector(); break;
    case Kind::Object: members_.~vector(); break;
    default: break;
  }
}
inline void Node::copy_from(const Node& o) {
  switch (o.kind) {
    case Kind::String: new (&s_) std::string(o.s_); break;
    case Kind::Array: new (&items_) std::vector<Node>(o.items_); break;
    case Kind::Object: new (&members_) std::vector<Member>(o.members_); break;
    default: i_ = o.i_; break;  // the scalars share the first 8 bytes
  }
  kind = o.kind;
  mark = o.mark;
}
inline void Node::move_from(Node&& o) noexcept {
  switch (o.kind) {
    case Kind::String: new (&s_) std::string(std::move(o.s_)); break;
    case Kind::Array: new (&items_) std::vector<Node>(std::move(o.items_)); break;
    case Kind::Object: new (&members_) std::vector<Member>(std::move(o.members_)); break;
    default: i_ = o.i_; break;
  }
  kind = o.kind;
  mark = o.mark;
}
inline void Node::reset(Kind k) {
  destroy();
  kind = Kind::Null;
  switch (k) {
    case Kind::String: new (&s_) std::string(); break;
    case Kind::Array: new (&items_) std::vector<Node>(); break;
    case Kind::Object: new (&members_) std::vector<Member>(); break;
    default: i_ = 0; break;
  }
  kind = k;
}
inline Node::Node(const Node& o) : i_(0) { copy_from(o); }
inline Node::Node(Node&& o) noexcept : i_(0) { move_from(std::move(o)); }
inline Node& Node::operator=(const Node& o) {
  if (this != &o) {
    Node tmp(o);  // o may live inside this node's payload
    destroy();
    kind = Kind::Null;
    move_from(std::move(tmp));
  }
  return *this;
}
inline Node& Node::operator=(Node&& o) noexcept {
  if (this != &o) {
    Node tmp(std::move(o));  // o may live inside this node's payload
    destroy();
    kind = Kind::Null;
    move_from(std::move(tmp));
  }
  return *this;
}
inline Node::~Node() { destroy(); }

inline Node Node::null(Mark m) { Node n; n.mark = m; return n; }
inline Node Node::boolean(bool v, Mark m) { Node n; n.kind = Kind::Bool; n.b_ = v; n.mark = m; return n; }
inline Node Node::integer(int64_t v, Mark m) { Node n; n.kind = Kind::Int; n.i_ = v; n.mark = m; return n; }
inline Node Node::number(double v, Mark m) { Node n; n.kind = Kind::Float; n.d_ = v; n.mark = m; return n; }
inline Node Node::string(std::string v, Mark m) {
  Node n;
  new (&n.s_) std::string(std::move(v));
  n.kind = Kind::String;
  n.mark = m;
  return n;
}
inline Node Node::array(Mark m) { return array({}, m); }
inline Node Node::object(Mark m) { return object({}, m); }
inline Node Node::array(std::vector<Node> items, Mark m) {
  Node n;
  new (&n.items_) std::vector<Node>(std::move(items));
  n.kind = Kind::Array;
  n.mark = m;
  return n;
}
inline Node Node::object(std::vector<Member> members, Mark m) {
  Node n;
  new (&n.members_) std::vector<Member>(std::move(members));
  n.kind = Kind::Object;
  n.mark = m;
  return n;
}

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
  size_t max_nodes = 4'000'000;     // values, YAML aliases expanded ("billion laughs"): bounds memory and time
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
