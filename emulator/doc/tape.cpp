#include "emulator/doc/tape.hpp"

#include <algorithm>
#include <cstring>

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

std::vector<std::string_view> Tape::shape_keys(uint32_t shape) const {
  std::vector<std::string_view> keys;
  if (shape == 0 || shape > shapes_.shape_span.size()) return keys;
  const auto [offset, count] = shapes_.shape_span[shape - 1];
  for (uint32_t i = 0; i < count; ++i) {
    const auto [text, size] = shapes_.key_text[shapes_.shape_keys[offset + i]];
    keys.emplace_back(text_.data() + text, size);
  }
  return keys;
}

namespace {

constexpr uint64_t k_mix = 0x9e3779b97f4a7c15u;

// Keys are mostly short: whole words are read, the last one overlapping the one before it (std::memcpy of a
// variable length would be a call to the C library per key).
inline uint64_t word_at(const char* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}
inline uint64_t short_word(const char* p, size_t n) {  // n < 8
  if (n >= 4) {
    uint32_t lo, hi;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + n - 4, 4);
    return lo | (uint64_t{hi} << 32);
  }
  if (n == 0) return 0;
  auto byte = [&](size_t i) { return uint64_t{static_cast<unsigned char>(p[i])}; };
  return byte(0) | byte(n / 2) << 8 | byte(n - 1) << 16;
}

uint32_t hash_text(const char* p, size_t n) {
  uint64_t h = (n + 1) * k_mix;
  if (n < 8) {
    h = (h ^ short_word(p, n)) * k_mix;
  } else {
    for (size_t i = 0; i + 8 < n; i += 8) h = (h ^ word_at(p + i)) * k_mix;
    h = (h ^ word_at(p + n - 8)) * k_mix;
  }
  return static_cast<uint32_t>(h >> 32);
}


// Empties an open-addressing table down to 16 slots: it doubles as keys come (so that a small document costs little
// to begin, whatever the tape held before).
void reset_table(std::vector<std::pair<uint32_t, uint32_t>>& table) {
  table.clear();
  table.resize(16);
}

// Doubles a table whose entries are `hash, id + 1`, through `scratch` (the two keep their memory from one document to
// the next: a reused tape allocates nothing once warm).
void grow(std::vector<std::pair<uint32_t, uint32_t>>& table, std::vector<std::pair<uint32_t, uint32_t>>& scratch) {
  scratch.assign(table.size() * 2, {0, 0});
  const size_t mask = scratch.size() - 1;
  for (const auto& slot : table)
    if (slot.second) {
      size_t i = slot.first & mask;
      while (scratch[i].second) i = (i + 1) & mask;
      scratch[i] = slot;
    }
  table.swap(scratch);
}

// In a table whose entries are `hash, id + 1`: the slot of the entry of this hash for which equal(id) holds, or the
// empty slot where it would go.
template <class Equal>
size_t probe(const std::vector<std::pair<uint32_t, uint32_t>>& table, uint32_t hash, Equal equal) {
  const size_t mask = table.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const auto [h, id] = table[i];
    if (!id || (h == hash && equal(id - 1))) return i;
  }
}

// A set of key ids (stored plus one), open addressing; `count` is kept by the caller.
bool set_insert(std::vector<uint32_t>& set, size_t count, uint32_t id) {
  if ((count + 1) * 2 > set.size()) {
    std::vector<uint32_t> bigger(std::max<size_t>(64, set.size() * 2), 0);
    const size_t mask = bigger.size() - 1;
    for (uint32_t v : set)
      if (v) {
        size_t i = (v * 0x9e3779b9u) & mask;
        while (bigger[i]) i = (i + 1) & mask;
        bigger[i] = v;
      }
    set.swap(bigger);
  }
  const size_t mask = set.size() - 1;
  for (size_t i = ((id + 1) * 0x9e3779b9u) & mask;; i = (i + 1) & mask) {
    if (set[i] == id + 1) return false;
    if (!set[i]) {
      set[i] = id + 1;
      return true;
    }
  }
}

}  // namespace

Tape::ShapeBuilder::ShapeBuilder(Tape& tape) : tape_(tape), open_(tape.shapes_.open) { tape_.shapes_.clear(); }

// The hash tables are emptied on first use: a document without objects in arrays never pays for them.
void Tape::ShapeBuilder::prepare() {
  reset_table(tape_.shapes_.key_table);
  reset_table(tape_.shapes_.shape_table);
  ready_ = true;
}

uint32_t Tape::ShapeBuilder::key_id(uint32_t offset, uint32_t size) {
  if (!ready_) prepare();
  Shapes& s = tape_.shapes_;
  const char* text = tape_.text_.data();
  const uint32_t hash = hash_text(text + offset, size);
  const size_t i = probe(s.key_table, hash, [&](uint32_t id) {
    const auto [o, n] = s.key_text[id];
    return n == size && same_bytes(text + o, text + offset, size);
  });
  if (s.key_table[i].second) return s.key_table[i].second - 1;
  const auto id = static_cast<uint32_t>(s.key_text.size());
  s.key_text.emplace_back(offset, size);
  s.key_table[i] = {hash, id + 1};
  if (s.key_text.size() * 2 > s.key_table.size()) grow(s.key_table, s.scratch);
  return id;
}

Tape::ShapeBuilder::Open Tape::ShapeBuilder::begin_object(size_t depth) {
  const auto& last = tape_.shapes_.last_at_depth;
  Open o;
  o.base = open_.size();
  o.expected = depth < last.size() ? last[depth] : 0;
  o.on_track = o.expected != 0;
  return o;
}

bool Tape::ShapeBuilder::add_new_key(Open& o, uint32_t offset, uint32_t size, uint32_t& id) {
  Shapes& s = tape_.shapes_;
  const size_t position = open_.size() - o.base;
  id = key_id(offset, size);
  if (position < Shapes::k_scan_keys) {
    for (size_t i = o.base; i < open_.size(); ++i)
      if (open_[i] == id) return false;
  } else {
    if (o.set == SIZE_MAX) {  // from here on, a set
      if (s.sets_used == s.sets.size()) s.sets.emplace_back();
      o.set = s.sets_used++;
      std::vector<uint32_t>& set = s.sets[o.set];
      set.assign(64, 0);
      for (size_t i = o.base; i < open_.size(); ++i) set_insert(set, i - o.base, open_[i]);
    }
    if (!set_insert(s.sets[o.set], position, id)) return false;
  }
  open_.push_back(id);
  return true;
}

uint32_t Tape::ShapeBuilder::end_object(const Open& o, size_t depth) {
  Shapes& s = tape_.shapes_;
  const size_t base = o.base;
  const size_t count = open_.size() - base;
  if (o.set != SIZE_MAX) --s.sets_used;
  uint32_t shape = 0;
  if (o.on_track && s.shape_span[o.expected - 1].second == count) {
    shape = o.expected;
  } else {
    if (!ready_) prepare();
    uint64_t h = count * k_mix;
    for (size_t i = base; i < open_.size(); ++i) h = (h ^ open_[i]) * k_mix;
    const auto hash = static_cast<uint32_t>(h >> 32);
    const size_t i = probe(s.shape_table, hash, [&](uint32_t id) {
      const auto [first, n] = s.shape_span[id];
      return n == count &&
             std::equal(open_.begin() + static_cast<std::ptrdiff_t>(base), open_.end(), s.shape_keys.begin() + first);
    });
    shape = s.shape_table[i].second;
    if (!shape) {
      const size_t first = s.shape_keys.size();
      s.shape_span.emplace_back(static_cast<uint32_t>(first), static_cast<uint32_t>(count));
      s.shape_keys.resize(first + count);
      for (size_t k = 0; k < count; ++k) s.shape_keys[first + k] = open_[base + k];
      shape = static_cast<uint32_t>(s.shape_span.size());
      s.shape_table[i] = {hash, shape};
      if (s.shape_span.size() * 2 > s.shape_table.size()) grow(s.shape_table, s.scratch);
    }
  }
  open_.resize(base);
  if (depth >= s.last_at_depth.size()) s.last_at_depth.resize(depth + 1, 0);
  s.last_at_depth[depth] = shape;
  return shape;
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
  explicit NodeToTape(Tape& tape) : entries_(tape.entries()), text_(tape.text()), shapes_(tape) {}

  void add(const Node& n, size_t depth = 0) {
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
        for (const auto& item : n.items()) add(item, depth + 1);
        close(index, n.items().size());
        break;
      case Kind::Object: {
        Tape::ShapeBuilder::Open o = shapes_.begin_object(depth);
        bool duplicate = false;  // a tree built in code may repeat a key: such an object gets no shape
        for (const auto& m : n.members()) {
          size_t key = entries_.size();
          Value::Entry& k = entries_.emplace_back();
          k.kind = Kind::String;
          k.mark = m.key_mark;
          add_text(key, m.key);
          uint32_t id = 0;
          if (!shapes_.add_key(o, entries_[key].x.offset, entries_[key].size, id)) duplicate = true;
          entries_[key].x.span = id;
          add(m.value, depth + 1);
        }
        close(index, n.members().size());
        const uint32_t shape = shapes_.end_object(o, depth);
        entries_[index].x.offset = duplicate ? 0 : shape;
        break;
      }
    }
  }

 private:
  std::vector<Value::Entry>& entries_;
  std::string& text_;
  Tape::ShapeBuilder shapes_;

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
