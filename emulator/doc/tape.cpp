#include "emulator/doc/tape.hpp"

#include <algorithm>

namespace apigw::doc {

Value Value::find(std::string_view key) const {
  for (const Member& m : members())
    if (m.key == key) return m.value;
  return {};
}

Node Value::to_node() const {
  switch (kind()) {
    case Kind::Null: return Node::null(mark());
    case Kind::Bool: return Node::boolean(as_bool(), mark());
    case Kind::Int: return Node::integer(as_int(), mark());
    case Kind::Float: return Node::number(as_double(), mark());
    case Kind::String: return Node::string(std::string(as_string()), mark());
    case Kind::Array: {
      std::vector<Node> items;
      items.reserve(size());
      for (Value item : this->items()) items.push_back(item.to_node());
      return Node::array(std::move(items), mark());
    }
    case Kind::Object: {
      std::vector<doc::Member> members;
      members.reserve(size());
      for (const Member& m : this->members()) members.push_back({std::string(m.key), m.key_mark, m.value.to_node()});
      return Node::object(std::move(members), mark());
    }
  }
  return Node();
}

namespace {

// How many entries and text bytes a tree needs, so that the tape is allocated once.
void measure(const Node& n, size_t& entries, size_t& bytes) {
  ++entries;
  if (n.is_string()) bytes += n.as_string().size();
  for (const auto& item : n.items()) measure(item, entries, bytes);
  for (const auto& m : n.members()) {
    ++entries;
    bytes += m.key.size();
    measure(m.value, entries, bytes);
  }
}

class NodeToTape {
 public:
  explicit NodeToTape(Tape& tape) : entries_(tape.entries()), text_(tape.text()) {}

  void add(const Node& n) {
    size_t index = entries_.size();
    Value::Entry& e = entries_.emplace_back();
    e.kind = n.kind;
    e.mark = n.mark;
    switch (n.kind) {
      case Kind::Null: break;
      case Kind::Bool: e.b = n.as_bool(); break;
      case Kind::Int: e.i = n.as_int(); break;
      case Kind::Float: e.d = n.as_double(); break;
      case Kind::String: add_text(index, n.as_string()); break;
      case Kind::Array:
        for (const auto& item : n.items()) add(item);
        close(index, n.items().size());
        break;
      case Kind::Object:
        for (const auto& m : n.members()) {
          size_t key = entries_.size();
          Value::Entry& k = entries_.emplace_back();
          k.kind = Kind::String;
          k.mark = m.key_mark;
          add_text(key, m.key);
          add(m.value);
        }
        close(index, n.members().size());
        break;
    }
  }

 private:
  std::vector<Value::Entry>& entries_;
  std::string& text_;

  void add_text(size_t index, std::string_view s) {
    entries_[index].x.offset = static_cast<uint32_t>(text_.size());
    entries_[index].size = static_cast<uint32_t>(s.size());
    text_.append(s);
  }
  void close(size_t index, size_t count) {
    entries_[index].size = static_cast<uint32_t>(count);
    entries_[index].x.span = static_cast<uint32_t>(entries_.size() - index);
  }
};

}  // namespace

Tape Tape::from_node(const Node& node) {
  size_t entries = 0, bytes = 0;
  measure(node, entries, bytes);
  Tape tape;
  tape.entries_.reserve(entries);
  tape.text_.reserve(std::max<size_t>(bytes, 16));
  NodeToTape(tape).add(node);
  return tape;
}

}  // namespace apigw::doc
