// A read-only JSON value in one array: every value is a 24-byte entry laid out in document order, an object's key
// before each member's value, a container's entry saying how many entries its subtree spans; strings live in one
// buffer. simdjson calls this a tape. It is what the schema validator walks: a request body is parsed straight into
// it (no allocation per value, freed at once), and walking it touches memory in order.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/doc/node.hpp"

namespace apigw::doc {

class Tape;

// A handle to one value of a tape (two pointers, passed by value). Null handles (`!value`) come from find().
class Value {
 public:
  struct Entry {
    Kind kind = Kind::Null;
    uint32_t size = 0;  // a string's bytes, an array's items, an object's members
    Mark mark;
    union {
      int64_t i = 0;
      double d;
      bool b;
      struct {
        uint32_t offset;  // a string's first byte in the tape's text
        uint32_t span;    // a container's entries, its own included
      } x;
    };
  };
  static_assert(sizeof(Entry) == 24);

  Value() = default;
  Value(const Entry* e, const char* text) : e_(e), text_(text) {}
  explicit operator bool() const { return e_ != nullptr; }

  Kind kind() const { return e_->kind; }
  Mark mark() const { return e_->mark; }
  bool is_null() const { return e_->kind == Kind::Null; }
  bool is_bool() const { return e_->kind == Kind::Bool; }
  bool is_int() const { return e_->kind == Kind::Int; }
  bool is_number() const { return e_->kind == Kind::Int || e_->kind == Kind::Float; }
  bool is_string() const { return e_->kind == Kind::String; }
  bool is_array() const { return e_->kind == Kind::Array; }
  bool is_object() const { return e_->kind == Kind::Object; }

  bool as_bool() const { return e_->kind == Kind::Bool && e_->b; }
  int64_t as_int() const { return e_->kind == Kind::Int ? e_->i : 0; }
  double as_double() const {
    return e_->kind == Kind::Int ? static_cast<double>(e_->i) : e_->kind == Kind::Float ? e_->d : 0.0;
  }
  std::string_view as_string() const {
    return e_->kind == Kind::String ? std::string_view(text_ + e_->x.offset, e_->size) : std::string_view();
  }
  // Items of an array, members of an object; 0 otherwise.
  size_t size() const { return is_array() || is_object() ? e_->size : 0; }

  // The value after this one and its subtree.
  const Entry* skip() const { return is_array() || is_object() ? e_ + e_->x.span : e_ + 1; }

  struct Member;
  class ItemIterator;
  class MemberIterator;
  template <class It>
  struct Range {
    It first, last;
    It begin() const { return first; }
    It end() const { return last; }
  };
  // Empty for other kinds.
  Range<ItemIterator> items() const;
  Range<MemberIterator> members() const;

  // The first member with this key (a null handle when none).
  Value find(std::string_view key) const;

  // The same value as a doc::Node (for the rare paths that need one: messages, uniqueItems).
  Node to_node() const;

 private:
  const Entry* e_ = nullptr;
  const char* text_ = nullptr;
};

struct Value::Member {
  std::string_view key;
  Mark key_mark;
  Value value;
};

class Value::ItemIterator {
 public:
  ItemIterator(const Entry* e, const char* text) : e_(e), text_(text) {}
  Value operator*() const { return {e_, text_}; }
  ItemIterator& operator++() {
    e_ = Value(e_, text_).skip();
    return *this;
  }
  bool operator!=(const ItemIterator& o) const { return e_ != o.e_; }

 private:
  const Entry* e_;
  const char* text_;
};

class Value::MemberIterator {
 public:
  MemberIterator(const Entry* e, const char* text) : e_(e), text_(text) {}
  Member operator*() const { return {std::string_view(text_ + e_->x.offset, e_->size), e_->mark, Value(e_ + 1, text_)}; }
  MemberIterator& operator++() {
    e_ = Value(e_ + 1, text_).skip();
    return *this;
  }
  bool operator!=(const MemberIterator& o) const { return e_ != o.e_; }

 private:
  const Entry* e_;  // the member's key
  const char* text_;
};

inline Value::Range<Value::ItemIterator> Value::items() const {
  const Entry* end = is_array() ? skip() : e_ + 1;
  return {{e_ + 1, text_}, {end, text_}};
}
inline Value::Range<Value::MemberIterator> Value::members() const {
  const Entry* end = is_object() ? skip() : e_ + 1;
  return {{e_ + 1, text_}, {end, text_}};
}

class Tape {
 public:
  Tape() = default;
  // A tape of a tree (YAML documents, values built in code).
  static Tape from_node(const Node& node);

  // Valid while the tape lives and is not changed.
  Value root() const { return entries_.empty() ? Value() : Value(entries_.data(), text_.data()); }
  bool empty() const { return entries_.empty(); }
  // Empties the tape, keeping its memory for the next parse.
  void clear() {
    entries_.clear();
    text_.clear();
  }
  size_t capacity_bytes() const { return entries_.capacity() * sizeof(Value::Entry) + text_.capacity(); }

  // For the code that builds tapes. The text's capacity is reserved up front (at least 16 bytes, so that it is never
  // kept inside the std::string itself, where moving the tape would move it away from the values' pointers).
  std::vector<Value::Entry>& entries() { return entries_; }
  std::string& text() { return text_; }

 private:
  std::vector<Value::Entry> entries_;
  std::string text_;  // every string and key, unescaped, one after the other
};

// A scalar Node seen as a Value without building a tape (a string stays in the node, which must outlive this):
// what validating a path or query parameter needs, with no allocation.
class ScalarView {
 public:
  explicit ScalarView(const Node& n) {
    entry_.kind = n.kind;
    entry_.mark = n.mark;
    switch (n.kind) {
      case Kind::Bool: entry_.b = n.as_bool(); break;
      case Kind::Int: entry_.i = n.as_int(); break;
      case Kind::Float: entry_.d = n.as_double(); break;
      case Kind::String:
        text_ = n.as_string().data();
        entry_.size = static_cast<uint32_t>(n.as_string().size());
        entry_.x.offset = 0;
        entry_.x.span = 1;
        break;
      default: break;
    }
  }
  // Whether ScalarView can show this node: not a container, not a string of 4 GB or more.
  static bool fits(const Node& n) {
    return !n.is_array() && !n.is_object() && (!n.is_string() || n.as_string().size() < UINT32_MAX);
  }
  ScalarView(const ScalarView&) = delete;
  ScalarView& operator=(const ScalarView&) = delete;
  Value value() const { return {&entry_, text_}; }

 private:
  Value::Entry entry_;
  const char* text_ = "";
};

struct TapeDocument {
  Tape tape;
  std::vector<ParseIssue> issues;  // as Document's: duplicate keys, or the fatal one (the tape is then empty)
  bool ok() const;
};

// Parses JSON the way parse_json does (same rules, limits, marks and messages), into a tape.
TapeDocument parse_json_tape(std::string_view text, const ParseLimits& limits = {});
// The same into a tape whose memory is reused (a server thread's, from one request to the next); false when the
// JSON is invalid (issues then has the fatal one, and the tape is empty).
bool parse_json_tape(std::string_view text, Tape& tape, std::vector<ParseIssue>& issues, const ParseLimits& limits = {});

}  // namespace apigw::doc
