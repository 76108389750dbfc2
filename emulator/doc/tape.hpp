// A read-only JSON value in one array: every value is a 24-byte entry laid out in document order, an object's key
// before each member's value, a container's entry saying how many entries its subtree spans; strings live in one
// buffer. simdjson calls this a tape. It is what the schema validator walks: a request body is parsed straight into
// it (no allocation per value, freed at once), and walking it touches memory in order.
//
// Objects have shapes, as V8's objects have hidden classes: the builder gives each distinct key an id and each
// distinct sequence of keys a shape id, kept in the object's entry. Objects with the same keys in the same order
// (an array's items, mostly) share a shape, so the validator decides once per shape what the keys alone decide
// (which property each member is, whether the required ones are all there) and reuses that for every object of the
// shape.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/doc/node.hpp"

namespace apigw::doc {

class Tape;

// A text of at most 8 bytes made ready to be compared with the strings of tapes in a few instructions (an enum's
// values, compared with Value::tail()).
struct ShortText {  // no default member initializers: arrays of them (in a validator's records) cost nothing to make
  uint32_t size;
  uint64_t word;  // the text's bytes as the top `size` bytes of a little-endian word
  uint64_t mask;  // those bytes
  // False when the text is longer than 8 bytes.
  static bool make(std::string_view text, ShortText& out) {
    if (text.size() > 8) return false;
    const auto n = static_cast<uint32_t>(text.size());
    out = {n, 0, n ? ~uint64_t{0} << (8 * (8 - n)) : 0};
    for (uint32_t i = 0; i < n; ++i) out.word |= uint64_t{static_cast<unsigned char>(text[i])} << (8 * (8 - n + i));
    return true;
  }
  // Whether it is the string whose size and tail Value::tail() gave.
  bool matches(uint32_t string_size, uint64_t tail) const { return string_size == size && ((tail ^ word) & mask) == 0; }
};

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
        uint32_t offset;  // a string's first byte in the tape's text; an object's shape
        uint32_t span;    // a container's entries, its own included; a key's id
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
  // For comparisons with ShortTexts: a string's size and the 8 bytes of the tape's text that end where it does (which
  // lie inside the text: no padding needed). False for other kinds, and for the few strings that end less than 8
  // bytes into their text (compare as_string() then).
  bool tail(uint32_t& size, uint64_t& word) const {
    size = e_->size;
    const uint32_t end = e_->x.offset + size;
    if (std::endian::native != std::endian::little || e_->kind != Kind::String || end < 8) return false;
    std::memcpy(&word, text_ + end - 8, 8);
    return true;
  }
  // An object's shape: equal for two objects of one tape exactly when they have the same keys in the same order
  // (from 1; 0 for other kinds).
  uint32_t shape() const { return is_object() ? e_->x.offset : 0; }
  // An object's i-th member's value, when the values before it are all scalars (one entry each): its place is then
  // known without walking the members before it.
  Value flat_member(size_t i) const { return {e_ + 2 + 2 * i, text_}; }
  // For loops that know the layout (an object of `m` scalar members spans 1 + 2m entries): the value `n` entries on.
  Value ahead(size_t n) const { return {e_ + n, text_}; }
  // The value after this one and its subtree (an array's next item; past its last item, its end).
  Value next() const { return {skip(), text_}; }
  // Whether two handles are of the same value.
  bool operator==(const Value& o) const { return e_ == o.e_; }
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
    shapes_.clear();
  }
  size_t capacity_bytes() const {
    return entries_.capacity() * sizeof(Value::Entry) + text_.capacity() + shapes_.capacity_bytes();
  }

  // The shapes' tables (see the top of this file): what a shape's keys are, how many shapes and keys there are.
  size_t shape_count() const { return shapes_.shape_span.size(); }
  size_t key_count() const { return shapes_.key_text.size(); }
  std::vector<std::string_view> shape_keys(uint32_t shape) const;

  // Interns keys and key sequences while a tape is built (the JSON parser, from_node). Objects nest: begin_object()
  // and end_object() pair up as the object's braces do. An object is first expected to have the shape of the last
  // object completed at its depth (its sibling in an array, most often): while its keys follow that shape's, each is
  // one comparison, with no hashing and no search for duplicates.
  class ShapeBuilder {
   public:
    // Empties the tape's shape tables.
    explicit ShapeBuilder(Tape& tape);
    struct Open {
      size_t base = 0;         // its first key in the stack of open keys
      uint32_t expected = 0;   // the shape it is expected to have (0: none)
      bool on_track = false;   // its keys so far are that shape's first ones
      size_t set = SIZE_MAX;   // past Shapes::k_scan_keys members, its set of keys (an index into Shapes::sets)
    };
    Open begin_object(size_t depth);
    // Adds the key whose text is at `offset` (`size` bytes) of the tape's text, its id in `id`; false when the
    // object already has it (a duplicate key: not added).
    bool add_key(Open& object, uint32_t offset, uint32_t size, uint32_t& id) {
      if (object.on_track && follows(object, offset, size, id)) return true;
      object.on_track = false;
      return add_new_key(object, offset, size, id);
    }
    // The object's shape; its keys popped.
    uint32_t end_object(const Open& object, size_t depth);

   private:
    // The expected shape's next key, when the key is that one: then it is added (a shape has no duplicate keys, so
    // neither has an object whose keys are its first ones).
    bool follows(const Open& object, uint32_t offset, uint32_t size, uint32_t& id) {
      const Shapes& s = tape_.shapes_;
      const size_t position = open_.size() - object.base;
      const auto [first, count] = s.shape_span[object.expected - 1];
      if (position >= count) return false;
      const uint32_t expected = s.shape_keys[first + position];
      const auto [text, n] = s.key_text[expected];
      const char* base = tape_.text_.data();
      if (n != size || !same_bytes(base + text, base + offset, size)) return false;
      open_.push_back(expected);
      id = expected;
      return true;
    }
    bool add_new_key(Open& object, uint32_t offset, uint32_t size, uint32_t& id);
    // Equality of two texts of `n` bytes, a word at a time (keys are short; memcmp would be a call).
    static bool same_bytes(const char* a, const char* b, size_t n) {
      auto word = [](const char* p) {
        uint64_t w;
        std::memcpy(&w, p, 8);
        return w;
      };
      if (n >= 8) {
        for (size_t i = 0; i + 8 < n; i += 8)
          if (word(a + i) != word(b + i)) return false;
        return word(a + n - 8) == word(b + n - 8);
      }
      if (n >= 4) {
        uint32_t x0, y0, x1, y1;
        std::memcpy(&x0, a, 4);
        std::memcpy(&y0, b, 4);
        std::memcpy(&x1, a + n - 4, 4);
        std::memcpy(&y1, b + n - 4, 4);
        return x0 == y0 && x1 == y1;
      }
      for (size_t i = 0; i < n; ++i)
        if (a[i] != b[i]) return false;
      return true;
    }
    uint32_t key_id(uint32_t offset, uint32_t size);
    void prepare();
    Tape& tape_;
    bool ready_ = false;
    std::vector<uint32_t>& open_;  // the key ids of the objects being built, innermost last
  };

  // For the code that builds tapes. The text's capacity is reserved up front (at least 16 bytes, so that it is never
  // kept inside the std::string itself, where moving the tape would move it away from the values' pointers).
  std::vector<Value::Entry>& entries() { return entries_; }
  std::string& text() { return text_; }

 private:
  struct Shapes {
    // Open addressing, a power of two in size, at most half full: {hash, id + 1} (0: empty).
    std::vector<std::pair<uint32_t, uint32_t>> key_table, shape_table, scratch;
    std::vector<std::pair<uint32_t, uint32_t>> key_text;    // by key id: offset and size in the tape's text
    std::vector<std::pair<uint32_t, uint32_t>> shape_span;  // by shape id - 1: offset and count in shape_keys
    std::vector<uint32_t> shape_keys;
    std::vector<uint32_t> open;
    std::vector<uint32_t> last_at_depth;  // the shape of the last object completed at each depth
    // Objects of more than k_scan_keys members look their keys up in a set rather than scan them: one per level of
    // such objects being built, open addressing over key id + 1.
    static constexpr size_t k_scan_keys = 16;
    std::vector<std::vector<uint32_t>> sets;
    size_t sets_used = 0;
    void clear() {
      key_table.clear();
      shape_table.clear();
      key_text.clear();
      shape_span.clear();
      shape_keys.clear();
      open.clear();
      last_at_depth.clear();
      sets_used = 0;
    }
    size_t capacity_bytes() const {
      return (key_table.capacity() + shape_table.capacity() + scratch.capacity() + key_text.capacity() +
              shape_span.capacity()) * 8 +
             (shape_keys.capacity() + open.capacity()) * 4;
    }
  };
  std::vector<Value::Entry> entries_;
  std::string text_;  // every string and key, unescaped, one after the other
  Shapes shapes_;
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
