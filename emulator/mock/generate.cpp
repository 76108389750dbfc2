#include "emulator/mock/generate.hpp"

#include <algorithm>
#include <bitset>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <regex>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "emulator/schema/format.hpp"
#include "emulator/util/text.hpp"

namespace apigw::mock {

namespace {

using Json = nlohmann::ordered_json;
using openapi::Located;
using schema::Direction;
namespace format = schema::format;

// Schema objects gathered for one value ($ref targets, allOf members, chosen oneOf/anyOf branches): bounds the work a
// pathological schema can cause.
constexpr size_t k_max_parts = 64;
// Past max_depth, only required members are generated; a cycle of required members would still go on, so this much
// further down the value is cut (null) whatever the schema says.
constexpr size_t k_depth_slack = 16;
// value() calls per generate(): past this, no more retries and no optional members.
constexpr size_t k_budget = 20000;
// Longest string generated (a pattern's expansion, padding for minLength).
constexpr size_t k_max_string = 4096;
// Most array items and object members generated for minItems/minProperties (a mock body, not a stress test).
constexpr size_t k_max_members = 1000;

enum TypeBit : uint8_t {
  t_null = 1,
  t_boolean = 2,
  t_object = 4,
  t_array = 8,
  t_number = 16,
  t_string = 32,
  t_integer = 64,
  t_any = 127
};

uint8_t type_bit(const doc::Node& name) {
  if (!name.is_string()) return 0;
  const std::string& s = name.as_string();
  if (s == "null") return t_null;
  if (s == "boolean") return t_boolean;
  if (s == "object") return t_object;
  if (s == "array") return t_array;
  if (s == "number") return t_number | t_integer;  // every integer is a number
  if (s == "integer") return t_integer;
  if (s == "string" || s == "file") return t_string;  // Swagger 2.0's "file" is a string body
  return 0;
}

// The type keyword as bits; t_any when absent.
uint8_t type_mask(const doc::Node& schema) {
  const doc::Node* t = schema.find("type");
  if (!t) return t_any;
  if (!t->is_array()) return type_bit(*t);
  uint8_t bits = 0;
  for (const auto& item : t->items()) bits |= type_bit(item);
  return bits;
}

std::string short_name(const std::string& ref) { return ref.substr(ref.find_last_of("/#") + 1); }

size_t code_points(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// The first `n` code points of `s`.
std::string first_code_points(const std::string& s, size_t n) {
  size_t i = 0;
  for (size_t seen = 0; i < s.size(); ++i)
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && seen++ == n) break;
  return s.substr(0, i);
}

void append_utf8(std::string& out, uint32_t cp) {
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

// Digits after the decimal point `m` needs (0.01 → 2, 5 → 0, 1e-05 → 5), so multiples print exactly.
int decimals(double m) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.12g", m);
  std::string_view s(buf);
  int exponent = 0;
  if (auto e = s.find('e'); e != std::string_view::npos) {
    exponent = std::atoi(buf + e + 1);
    s = s.substr(0, e);
  }
  auto dot = s.find('.');
  int frac = dot == std::string_view::npos ? 0 : static_cast<int>(s.size() - dot - 1);
  return std::clamp(frac - exponent, 0, 15);
}

double round_to(double v, int places) {
  double scale = std::pow(10.0, places);
  return std::round(v * scale) / scale;
}

// Patterns are checked with std::regex (compiled once per thread and pattern); an uncompilable one checks nothing.
const std::regex* cached_regex(const std::string& source) {
  thread_local std::unordered_map<std::string, std::optional<std::regex>> cache;
  if (auto it = cache.find(source); it != cache.end()) return it->second ? &*it->second : nullptr;
  if (cache.size() > 512) cache.clear();
  std::optional<std::regex> re;
  if (format::regex_refusal(source).empty()) {
    try {
      re.emplace(source, std::regex::ECMAScript | std::regex_constants::__polynomial);
    } catch (const std::regex_error&) {
      try {
        re.emplace(source, std::regex::ECMAScript);
      } catch (const std::regex_error&) {
        re.reset();
      }
    }
  }
  auto& slot = cache[source] = std::move(re);
  return slot ? &*slot : nullptr;
}

bool pattern_matches(const std::string& pattern, const std::string& text) {
  const std::regex* re = cached_regex(pattern);
  if (!re) return true;
  try {
    return std::regex_search(text, *re);
  } catch (const std::regex_error&) {
    return true;
  }
}

// ---- Strings from regular expressions -------------------------------------------------------------------------------

// A parsed pattern: just enough of ECMAScript regex syntax to produce a matching string. Lookarounds, anchors, word
// boundaries and back-references produce nothing (the result is checked with std::regex afterwards).
class RegexGen {
 public:
  explicit RegexGen(std::string_view source) : src_(source) {
    root_ = alternation(0);
    ok_ = ok_ && pos_ == src_.size();
  }
  bool ok() const { return ok_; }

  // `extra`: repetitions added to every open-ended quantifier; `rng` (optional) picks characters and alternatives.
  std::string make(size_t extra, std::mt19937_64* rng) const {
    std::string out;
    emit(root_, extra, rng, out);
    return out;
  }

 private:
  enum class Kind : uint8_t { Empty, Class, Seq, Alt, Repeat };
  struct Item {
    Kind kind = Kind::Empty;
    std::vector<size_t> children;
    std::bitset<128> ascii;                           // Class: ASCII members
    std::vector<std::pair<uint32_t, uint32_t>> wide;  // Class: ranges above ASCII
    bool negated = false;
    size_t min = 0, max = 0;  // Repeat; max == SIZE_MAX: unbounded
  };
  std::string_view src_;
  size_t pos_ = 0;
  bool ok_ = true;
  size_t root_ = 0;
  std::vector<Item> items_;

  size_t add(Item it) {
    items_.push_back(std::move(it));
    return items_.size() - 1;
  }
  bool more() const { return pos_ < src_.size(); }
  char peek() const { return src_[pos_]; }

  size_t alternation(int depth) {
    if (depth > 100) {
      ok_ = false;
      return add({});
    }
    Item alt;
    alt.kind = Kind::Alt;
    alt.children.push_back(sequence(depth));
    while (ok_ && more() && peek() == '|') {
      ++pos_;
      alt.children.push_back(sequence(depth));
    }
    return alt.children.size() == 1 ? alt.children[0] : add(std::move(alt));
  }

  size_t sequence(int depth) {
    Item seq;
    seq.kind = Kind::Seq;
    while (ok_ && more() && peek() != '|' && peek() != ')') {
      size_t atom_index = atom(depth);
      if (!ok_) break;
      seq.children.push_back(quantified(atom_index));
    }
    return add(std::move(seq));
  }

  size_t quantified(size_t atom_index) {
    if (!more()) return atom_index;
    size_t min = 0, max = 0;
    char c = peek();
    if (c == '*') {
      min = 0, max = SIZE_MAX;
      ++pos_;
    } else if (c == '+') {
      min = 1, max = SIZE_MAX;
      ++pos_;
    } else if (c == '?') {
      min = 0, max = 1;
      ++pos_;
    } else if (c == '{' && braces(min, max)) {
    } else {
      return atom_index;
    }
    if (more() && peek() == '?') ++pos_;  // lazy: same strings
    Item r;
    r.kind = Kind::Repeat;
    r.children.push_back(atom_index);
    r.min = std::min<size_t>(min, k_max_string);
    r.max = max;
    return add(std::move(r));
  }

  // {n}, {n,}, {n,m}; anything else leaves '{' a literal.
  bool braces(size_t& min, size_t& max) {
    size_t p = pos_ + 1;
    auto number = [&](size_t& out) {
      size_t start = p;
      out = 0;
      while (p < src_.size() && src_[p] >= '0' && src_[p] <= '9' && p - start < 9) out = out * 10 + (src_[p++] - '0');
      return p > start;
    };
    if (!number(min)) return false;
    max = min;
    if (p < src_.size() && src_[p] == ',') {
      ++p;
      if (!number(max)) max = SIZE_MAX;
    }
    if (p >= src_.size() || src_[p] != '}' || max < min) return false;
    pos_ = p + 1;
    return true;
  }

  static Item klass() {
    Item it;
    it.kind = Kind::Class;
    return it;
  }
  static void add_range(Item& it, uint32_t lo, uint32_t hi) {
    for (uint32_t c = lo; c <= hi && c < 128; ++c) it.ascii.set(c);
    if (hi >= 128) it.wide.emplace_back(std::max<uint32_t>(lo, 128), hi);
  }
  // \d \w \s and their negations as ASCII sets.
  static bool shorthand(char c, Item& it) {
    std::bitset<128> set;
    switch (c) {
      case 'd':
      case 'D':
        for (char d = '0'; d <= '9'; ++d) set.set(static_cast<size_t>(d));
        break;
      case 'w':
      case 'W':
        for (int x = 0; x < 128; ++x)
          if (std::isalnum(x) || x == '_') set.set(static_cast<size_t>(x));
        break;
      case 's':
      case 'S':
        for (char x : std::string_view(" \t\n\r\f\v")) set.set(static_cast<size_t>(x));
        break;
      default:
        return false;
    }
    if (std::isupper(static_cast<unsigned char>(c))) {
      for (size_t x = 32; x < 127; ++x)
        if (!set[x]) it.ascii.set(x);
    } else {
      it.ascii |= set;
    }
    return true;
  }

  // One escaped code point after a backslash (pos_ at the character after it).
  uint32_t escaped() {
    char c = src_[pos_++];
    auto hex = [&](size_t n) -> uint32_t {
      if (pos_ + n > src_.size()) return static_cast<uint32_t>(c);
      uint32_t v = 0;
      for (size_t i = 0; i < n; ++i) {
        char h = src_[pos_ + i];
        int d = h >= '0' && h <= '9'   ? h - '0'
                : h >= 'a' && h <= 'f' ? h - 'a' + 10
                : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                       : -1;
        if (d < 0) return static_cast<uint32_t>(c);
        v = v * 16 + static_cast<uint32_t>(d);
      }
      pos_ += n;
      return v;
    };
    switch (c) {
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case 'f':
        return '\f';
      case 'v':
        return '\v';
      case '0':
        return 0;
      case 'x':
        return hex(2);
      case 'u':
        return hex(4);
      default:
        return static_cast<unsigned char>(c);
    }
  }

  size_t atom(int depth) {
    char c = src_[pos_++];
    switch (c) {
      case '(': {
        bool skip = false;
        if (more() && peek() == '?') {
          ++pos_;
          if (more() && (peek() == '=' || peek() == '!')) {
            skip = true;
            ++pos_;
          } else if (more() && peek() == '<' && pos_ + 1 < src_.size() &&
                     (src_[pos_ + 1] == '=' || src_[pos_ + 1] == '!')) {
            skip = true;
            pos_ += 2;
          } else if (more() && peek() == '<') {
            while (more() && peek() != '>') ++pos_;
            ++pos_;
          } else if (more() && peek() == ':') {
            ++pos_;
          } else {
            ok_ = false;
          }
        }
        size_t inner = alternation(depth + 1);
        if (!more() || peek() != ')') {
          ok_ = false;
          return inner;
        }
        ++pos_;
        return skip ? add({}) : inner;
      }
      case '[':
        return char_class();
      case '.': {
        Item it = klass();
        it.negated = true;
        it.ascii.set('\n');
        return add(std::move(it));
      }
      case '^':
      case '$':
        return add({});
      case '\\': {
        if (!more()) {
          ok_ = false;
          return add({});
        }
        char e = peek();
        Item it = klass();
        if (shorthand(e, it)) {
          ++pos_;
          return add(std::move(it));
        }
        if (e == 'b' || e == 'B' || (e >= '1' && e <= '9')) {
          ++pos_;
          return add({});
        }
        uint32_t cp = escaped();
        add_range(it, cp, cp);
        return add(std::move(it));
      }
      case '*':
      case '+':
      case '?':
      case ')':
        ok_ = false;
        return add({});
      default: {
        Item it = klass();
        --pos_;
        uint32_t cp = decode_utf8();
        add_range(it, cp, cp);
        return add(std::move(it));
      }
    }
  }

  uint32_t decode_utf8() {
    unsigned char c = static_cast<unsigned char>(src_[pos_++]);
    if (c < 0x80) return c;
    int n = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : 1;
    uint32_t cp = c & (0x3F >> n);
    for (int i = 0; i < n && more(); ++i) cp = (cp << 6) | (static_cast<unsigned char>(src_[pos_++]) & 0x3F);
    return cp;
  }

  size_t char_class() {
    Item it = klass();
    if (more() && peek() == '^') {
      it.negated = true;
      ++pos_;
    }
    bool first = true;
    while (more() && (peek() != ']' || first)) {
      first = false;
      uint32_t lo = 0;
      if (peek() == '\\') {
        ++pos_;
        if (!more()) break;
        if (shorthand(peek(), it)) {
          ++pos_;
          continue;
        }
        lo = peek() == 'b' ? (++pos_, '\b') : escaped();
      } else {
        lo = decode_utf8();
      }
      uint32_t hi = lo;
      if (pos_ + 1 < src_.size() && peek() == '-' && src_[pos_ + 1] != ']') {
        ++pos_;
        if (peek() == '\\') {
          ++pos_;
          hi = escaped();
        } else {
          hi = decode_utf8();
        }
        if (hi < lo) std::swap(lo, hi);
      }
      add_range(it, lo, hi);
    }
    if (!more()) {
      ok_ = false;
      return add({});
    }
    ++pos_;  // ']'
    return add(std::move(it));
  }

  // Characters a class allows, the friendliest first: letters, digits, then other printable ASCII.
  static bool pick(const Item& it, std::mt19937_64* rng, uint32_t& out) {
    static const std::string k_order = [] {
      std::string s;
      for (char c = 'a'; c <= 'z'; ++c) s += c;
      for (char c = 'A'; c <= 'Z'; ++c) s += c;
      for (char c = '0'; c <= '9'; ++c) s += c;
      for (char c = 32; c < 127; ++c)
        if (!std::isalnum(static_cast<unsigned char>(c))) s += c;
      return s;
    }();
    char options[128];
    size_t n = 0, alnum = 0;
    for (size_t i = 0; i < k_order.size(); ++i) {
      auto c = static_cast<size_t>(k_order[i]);
      if (it.ascii[c] != it.negated) {
        options[n++] = k_order[i];
        if (i < 62) ++alnum;
      }
    }
    if (n == 0) {
      if (it.negated || it.wide.empty()) {
        // A negated class of every printable ASCII character: anything above it will do.
        if (!it.negated) return false;
        out = 0xE9;
        return true;
      }
      const auto& range = it.wide[rng ? (*rng)() % it.wide.size() : 0];
      out = rng ? range.first + static_cast<uint32_t>((*rng)() % (range.second - range.first + 1)) : range.first;
      return true;
    }
    // Negated classes and '.' allow punctuation too; letters and digits read better when there are some.
    size_t choices = (it.negated && alnum > 0) ? alnum : n;
    out = static_cast<unsigned char>(options[rng ? (*rng)() % choices : 0]);
    return true;
  }

  void emit(size_t index, size_t extra, std::mt19937_64* rng, std::string& out) const {
    if (out.size() > k_max_string) return;
    const Item& it = items_[index];
    switch (it.kind) {
      case Kind::Empty:
        return;
      case Kind::Class: {
        uint32_t cp = 0;
        if (pick(it, rng, cp)) append_utf8(out, cp);
        return;
      }
      case Kind::Seq:
        for (size_t c : it.children) emit(c, extra, rng, out);
        return;
      case Kind::Alt:
        emit(it.children[rng ? (*rng)() % it.children.size() : 0], extra, rng, out);
        return;
      case Kind::Repeat: {
        size_t room = it.max == SIZE_MAX ? SIZE_MAX : it.max - it.min;
        size_t count = it.min + std::min({room, extra + (rng ? (*rng)() % 3 : 0), k_max_string});
        for (size_t i = 0; i < count && out.size() <= k_max_string; ++i) emit(it.children[0], extra, rng, out);
        return;
      }
    }
  }
};

// ---- Fake data
// ----------------------------------------------------------------------------------------------------------

constexpr const char* k_words[] = {"alpha",  "bravo",  "cedar",   "delta",   "ember",  "falcon", "garden", "harbor",
                                   "island", "jasper", "kettle",  "lantern", "meadow", "nectar", "orchid", "pepper",
                                   "quartz", "river",  "saffron", "timber",  "umber",  "velvet", "willow", "zephyr"};
constexpr const char* k_first_names[] = {"Ada",     "Alan",   "Grace",     "Linus",  "Margaret", "Dennis",
                                         "Barbara", "Ken",    "Frances",   "Edsger", "Radia",    "Tim",
                                         "Hedy",    "Donald", "Katherine", "John"};
constexpr const char* k_last_names[] = {"Lovelace", "Turing",      "Hopper",   "Torvalds", "Hamilton",
                                        "Ritchie",  "Liskov",      "Thompson", "Allen",    "Dijkstra",
                                        "Perlman",  "Berners-Lee", "Lamarr",   "Knuth"};
constexpr const char* k_cities[] = {"Lisbon", "Osaka", "Nairobi", "Oslo", "Lima", "Perth", "Quebec", "Tbilisi"};
constexpr const char* k_countries[] = {"PT", "JP", "KE", "NO", "PE", "AU", "CA", "GE"};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// ---- The generator
// -----------------------------------------------------------------------------------------------------

// What every schema object of a conjunction says, merged: the value generated must satisfy all of them.
struct Facts {
  std::vector<Located> parts;
  std::vector<std::string> ref_names;               // short names of the $refs followed, outermost first
  std::vector<std::pair<Located, size_t>> one_ofs;  // a schema with oneOf and the branch taken
  uint8_t types = t_any;
  bool typed = false;
  bool allow_null = true;                 // no part's type rules null out
  bool nullable = false;                  // a part asks for null explicitly
  std::vector<const doc::Node*> samples;  // default, example, examples[0], in that order
  const doc::Node* const_value = nullptr;
  const doc::Node* enum_values = nullptr;
  std::optional<double> lo, hi;
  bool lo_exclusive = false, hi_exclusive = false;
  double multiple = 0;
  size_t min_length = 0, max_length = SIZE_MAX;
  std::vector<std::string> patterns;
  std::string format;
  size_t min_items = 0, max_items = SIZE_MAX;
  bool unique_items = false;
  std::vector<Located> items;
  std::vector<Located> prefix_items;
  std::vector<std::pair<std::string, std::vector<Located>>> props;
  std::vector<std::string> required;
  std::vector<Located> additional;
  bool closed = false;  // additionalProperties: false
  // A part's additionalProperties also bind the members other parts declare (allOf, a oneOf branch).
  struct Closure {
    const doc::Node* properties = nullptr;
    const doc::Node* pattern_properties = nullptr;
    Located additional;  // empty when closed
  };
  std::vector<Closure> closures;
  size_t min_props = 0, max_props = SIZE_MAX;
  std::string discriminator, discriminator_value;
  const doc::Node* discriminator_mapping = nullptr;
  bool hints_object = false, hints_array = false, hints_string = false, hints_number = false;
};

class Generator {
 public:
  Generator(const openapi::Spec& spec, const GenerateOptions& options)
      : spec_(spec),
        o_(options),
        rng_(options.seed),
        dynamic_(options.dynamic),
        legacy_(spec.version() != openapi::Version::OpenApi31),
        oas30_(spec.version() == openapi::Version::OpenApi30) {}

  Json value(const std::vector<Located>& schemas, size_t depth, std::string_view hint) {
    if (depth > o_.max_depth + k_depth_slack) return nullptr;
    ++work_;
    std::map<const doc::Node*, size_t> forced;
    std::optional<Json> first;
    for (int attempt = 0; attempt < 4; ++attempt) {
      Facts f;
      for (const auto& s : schemas) expand(s, f, forced);
      finish(f);
      Json v = build(f, depth, hint);
      // oneOf wants exactly one branch to match; when the value fits none or several, try the next branch.
      bool settled = true;
      for (const auto& [holder, taken] : f.one_ofs) {
        const doc::Node* branches = holder.node->find("oneOf");
        size_t matches = 0;
        for (const auto& b : branches->items())
          if (fits(v, {&b, holder.file}, 0) && ++matches > 1) break;
        if (matches != 1) {
          forced[holder.node] = taken + 1;
          settled = false;
        }
      }
      if (settled) return v;
      if (!first) first = std::move(v);
      if (work_ > k_budget) break;
    }
    return std::move(*first);
  }

 private:
  const openapi::Spec& spec_;
  const GenerateOptions& o_;
  std::mt19937_64 rng_;
  bool dynamic_;
  bool legacy_;  // draft 4 / OpenAPI 3.0: $ref replaces its siblings, exclusive* are booleans
  bool oas30_;
  size_t work_ = 0;

  size_t uniform(size_t n) { return n <= 1 ? 0 : static_cast<size_t>(rng_() % n); }
  int64_t uniform(int64_t lo, int64_t hi) {
    if (hi <= lo) return lo;
    auto span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
    if (span == UINT64_MAX) return static_cast<int64_t>(rng_());
    return static_cast<int64_t>(static_cast<uint64_t>(lo) + rng_() % (span + 1));
  }
  template <size_t N>
  const char* any_of(const char* const (&list)[N]) {
    return list[uniform(N)];
  }

  Located resolve(const doc::Node& ref, const std::string* file) const {
    if (!ref.is_string() || !file) return {};
    return spec_.resolve(ref.as_string(), *file, ref.mark, nullptr);
  }

  // Gathers `s`, what it refers to, its allOf members and one branch of each oneOf/anyOf into `f`.
  void expand(Located s, Facts& f, const std::map<const doc::Node*, size_t>& forced) {
    // Boolean schemas (2020-12) add nothing to generate from; `false` cannot be met anyway.
    if (!s || !s.node->is_object() || f.parts.size() >= k_max_parts) return;
    for (const auto& p : f.parts)
      if (p.node == s.node) return;  // a cycle through allOf or a branch: it is already in
    const doc::Node& n = *s.node;
    f.parts.push_back(s);
    if (const doc::Node* ref = n.find("$ref"); ref && ref->is_string()) {
      f.ref_names.push_back(short_name(ref->as_string()));
      expand(resolve(*ref, s.file), f, forced);
      if (legacy_) return;  // draft 4 and OpenAPI 3.0 ignore a $ref's siblings
    }
    if (const doc::Node* all = n.find("allOf"); all && all->is_array())
      for (const auto& b : all->items()) expand({&b, s.file}, f, forced);
    const doc::Node* d = n.find("discriminator");
    for (const char* kw : {"oneOf", "anyOf"}) {
      const doc::Node* branches = n.find(kw);
      if (!branches || !branches->is_array() || branches->items().empty()) continue;
      if (d && d->is_object() && discriminated_branch(s, *d, *branches, f, forced)) continue;
      size_t count = branches->items().size();
      size_t start = dynamic_ ? uniform(count) : 0;
      size_t chosen = start;
      if (auto it = forced.find(s.node); it != forced.end() && kw[0] == 'o') {
        chosen = it->second % count;
      } else {
        // The first branch that does not contradict what is known already (types), else the first one.
        for (size_t i = 0; i < count; ++i) {
          size_t k = (start + i) % count;
          if (compatible({&branches->items()[k], s.file}, f)) {
            chosen = k;
            break;
          }
        }
      }
      if (kw[0] == 'o') f.one_ofs.emplace_back(s, chosen);
      expand({&branches->items()[chosen], s.file}, f, forced);
    }
  }

  // A branch whose types (after $refs) leave something in common with what the conjunction allows so far.
  bool compatible(Located b, const Facts& f) {
    uint8_t known = t_any;
    for (const auto& p : f.parts) known &= types_of(*p.node);
    for (int hops = 0; b && hops < 8; ++hops) {
      if (b.node->is_bool()) return b.node->as_bool();
      if (!b.node->is_object()) return true;
      if ((types_of(*b.node) & known) == 0) return false;
      const doc::Node* ref = b.node->find("$ref");
      if (!ref) return true;
      b = resolve(*ref, b.file);
    }
    return static_cast<bool>(b);
  }

  // The types a schema object allows by itself (OpenAPI 3.0's nullable included).
  uint8_t types_of(const doc::Node& n) const {
    uint8_t t = type_mask(n);
    if (oas30_ && t != t_any)
      if (const doc::Node* nl = n.find("nullable"); nl && nl->is_bool() && nl->as_bool()) t |= t_null;
    return t;
  }

  // With a discriminator the branch is chosen by mapping key (or schema name) and the property set to it.
  bool discriminated_branch(Located s, const doc::Node& d, const doc::Node& branches, Facts& f,
                            const std::map<const doc::Node*, size_t>& forced) {
    const doc::Node* name = d.find("propertyName");
    if (!name || !name->is_string()) return false;
    std::vector<std::pair<std::string, Located>> options;
    if (const doc::Node* mapping = d.find("mapping"); mapping && mapping->is_object()) {
      for (const auto& m : mapping->members()) {
        if (!m.value.is_string()) continue;
        std::string ref = m.value.as_string();
        if (ref.find_first_of("#/.") == std::string::npos) ref = "#/components/schemas/" + ref;
        if (Located target = spec_.resolve(ref, *s.file, m.value.mark, nullptr)) options.emplace_back(m.key, target);
      }
    }
    if (options.empty()) {
      for (const auto& b : branches.items())
        if (const doc::Node* ref = b.is_object() ? b.find("$ref") : nullptr; ref && ref->is_string())
          if (Located target = resolve(*ref, s.file)) options.emplace_back(short_name(ref->as_string()), target);
    }
    if (options.empty()) return false;
    size_t chosen = dynamic_ ? uniform(options.size()) : 0;
    if (auto it = forced.find(s.node); it != forced.end()) chosen = it->second % options.size();
    // OpenAPI 3.0 validates the mapped schema only; elsewhere oneOf still wants exactly one branch to match.
    if (!oas30_ && &branches == s.node->find("oneOf")) f.one_ofs.emplace_back(s, chosen);
    f.discriminator = name->as_string();
    f.discriminator_value = options[chosen].first;
    expand(options[chosen].second, f, forced);
    return true;
  }

  // Reads the keywords of every part into `f`.
  void finish(Facts& f) {
    for (const auto& p : f.parts) {
      const doc::Node& n = *p.node;
      if (legacy_ && n.find("$ref")) continue;
      uint8_t t = type_mask(n);
      if (n.find("type")) {
        f.typed = true;
        bool nullable = false;
        if (oas30_)
          if (const doc::Node* v = n.find("nullable"); v && v->is_bool()) nullable = v->as_bool();
        if (nullable) f.nullable = true;
        if (!(t & t_null) && !nullable) f.allow_null = false;
        if (t & t_null) f.nullable = true;
        f.types &= static_cast<uint8_t>(t | (nullable ? t_null : 0));
      }
      if (!dynamic_) {  // dynamic mode fakes data rather than repeating the spec's examples
        for (const char* kw : {"default", "example"})
          if (const doc::Node* v = n.find(kw)) f.samples.push_back(v);
        if (const doc::Node* v = n.find("examples"); v && v->is_array() && !v->items().empty())
          f.samples.push_back(&v->items()[0]);
      }
      if (!legacy_ && !f.const_value) f.const_value = n.find("const");
      if (const doc::Node* v = n.find("enum"); v && v->is_array() && !f.enum_values) f.enum_values = v;
      number_bounds(n, f);
      if (const doc::Node* v = n.find("multipleOf"); v && v->is_number() && v->as_double() > 0 && f.multiple == 0)
        f.multiple = v->as_double();
      count(n, "minLength", f.min_length, true);
      count(n, "maxLength", f.max_length, false);
      if (const doc::Node* v = n.find("pattern"); v && v->is_string()) f.patterns.push_back(v->as_string());
      if (const doc::Node* v = n.find("format"); v && v->is_string() && f.format.empty()) f.format = v->as_string();
      count(n, "minItems", f.min_items, true);
      count(n, "maxItems", f.max_items, false);
      if (const doc::Node* v = n.find("uniqueItems"); v && v->is_bool() && v->as_bool()) f.unique_items = true;
      const doc::Node* items = n.find("items");
      if (legacy_ && items && items->is_array()) {
        if (f.prefix_items.empty())
          for (const auto& i : items->items()) f.prefix_items.push_back({&i, p.file});
      } else if (items) {
        f.items.push_back({items, p.file});
      }
      if (!legacy_)
        if (const doc::Node* v = n.find("prefixItems"); v && v->is_array() && f.prefix_items.empty())
          for (const auto& i : v->items()) f.prefix_items.push_back({&i, p.file});
      if (const doc::Node* props = n.find("properties"); props && props->is_object()) {
        for (const auto& m : props->members()) {
          auto it = std::find_if(f.props.begin(), f.props.end(), [&](const auto& e) { return e.first == m.key; });
          if (it == f.props.end()) it = f.props.insert(f.props.end(), {m.key, {}});
          it->second.push_back({&m.value, p.file});
        }
      }
      if (const doc::Node* req = n.find("required"); req && req->is_array())
        for (const auto& r : req->items())
          if (r.is_string() && std::find(f.required.begin(), f.required.end(), r.as_string()) == f.required.end())
            f.required.push_back(r.as_string());
      if (const doc::Node* ap = n.find("additionalProperties")) {
        if (ap->is_bool() && !ap->as_bool())
          f.closed = true;
        else if (ap->is_object())
          f.additional.push_back({ap, p.file});
        if ((ap->is_bool() && !ap->as_bool()) || ap->is_object()) {
          const doc::Node* declared = n.find("properties");
          const doc::Node* patterns = n.find("patternProperties");
          f.closures.push_back({declared && declared->is_object() ? declared : nullptr,
                                patterns && patterns->is_object() ? patterns : nullptr,
                                ap->is_object() ? Located{ap, p.file} : Located{}});
        }
      }
      count(n, "minProperties", f.min_props, true);
      count(n, "maxProperties", f.max_props, false);
      if (const doc::Node* d = n.find("discriminator"); d && f.discriminator.empty()) {
        // Swagger 2.0: the property name; 3.x: an object. Without oneOf it names the schema being generated.
        const doc::Node* name = d->is_string() ? d : d->is_object() ? d->find("propertyName") : nullptr;
        if (name && name->is_string()) {
          f.discriminator = name->as_string();
          f.discriminator_mapping = d->is_object() ? d->find("mapping") : nullptr;
        }
      }
      f.hints_object |= n.find("properties") || n.find("additionalProperties") || n.find("required") ||
                        n.find("minProperties") || n.find("maxProperties");
      f.hints_array |= items || n.find("minItems") || n.find("maxItems") || n.find("prefixItems");
      f.hints_string |= n.find("pattern") || n.find("minLength") || n.find("maxLength") || n.find("format");
      f.hints_number |= n.find("minimum") || n.find("maximum") || n.find("multipleOf");
    }
    if (!f.discriminator.empty() && f.discriminator_value.empty()) f.discriminator_value = discriminator_name(f);
  }

  // The schema name a discriminator should carry when no oneOf chose it: the mapping key of a $ref followed, or the
  // outermost $ref's name.
  std::string discriminator_name(const Facts& f) const {
    std::vector<std::string> names;
    for (const auto& p : f.parts)
      if (std::string name = schema_name(p.node); !name.empty()) names.push_back(std::move(name));
    names.insert(names.end(), f.ref_names.begin(), f.ref_names.end());
    if (f.discriminator_mapping && f.discriminator_mapping->is_object())
      for (const auto& name : names)
        for (const auto& m : f.discriminator_mapping->members())
          if (m.value.is_string() && (m.value.as_string() == name || short_name(m.value.as_string()) == name))
            return m.key;
    return names.empty() ? std::string() : names.front();
  }

  // The name a schema has under the root document's definitions or components.schemas, or "".
  std::string schema_name(const doc::Node* node) const {
    const doc::Node* all = spec_.root().find("definitions");
    if (const doc::Node* components = spec_.root().find("components"); components && components->is_object())
      all = components->find("schemas");
    if (all && all->is_object())
      for (const auto& m : all->members())
        if (&m.value == node) return m.key;
    return "";
  }

  static void count(const doc::Node& n, const char* kw, size_t& out, bool is_min) {
    const doc::Node* v = n.find(kw);
    if (!v || !v->is_number() || v->as_double() < 0) return;
    auto c = static_cast<size_t>(std::min(v->as_double(), 1e9));
    out = is_min ? std::max(out, c) : std::min(out, c);
  }

  void number_bounds(const doc::Node& n, Facts& f) const {
    auto tighten_lo = [&](double v, bool exclusive) {
      if (!f.lo || v > *f.lo || (v == *f.lo && exclusive)) {
        f.lo = v;
        f.lo_exclusive = exclusive;
      }
    };
    auto tighten_hi = [&](double v, bool exclusive) {
      if (!f.hi || v < *f.hi || (v == *f.hi && exclusive)) {
        f.hi = v;
        f.hi_exclusive = exclusive;
      }
    };
    const doc::Node* min = n.find("minimum");
    const doc::Node* max = n.find("maximum");
    const doc::Node* emin = n.find("exclusiveMinimum");
    const doc::Node* emax = n.find("exclusiveMaximum");
    if (legacy_) {
      if (min && min->is_number()) tighten_lo(min->as_double(), emin && emin->is_bool() && emin->as_bool());
      if (max && max->is_number()) tighten_hi(max->as_double(), emax && emax->is_bool() && emax->as_bool());
    } else {
      if (min && min->is_number()) tighten_lo(min->as_double(), false);
      if (max && max->is_number()) tighten_hi(max->as_double(), false);
      if (emin && emin->is_number()) tighten_lo(emin->as_double(), true);
      if (emax && emax->is_number()) tighten_hi(emax->as_double(), true);
    }
  }

  bool fits_all(const Json& v, const Facts& f) {
    for (const auto& p : f.parts)
      if (!fits(v, p, 0)) return false;
    return true;
  }

  Json build(Facts& f, size_t depth, std::string_view hint) {
    const bool at_bound = depth >= o_.max_depth || work_ > k_budget;
    if (at_bound && f.nullable && f.allow_null) return nullptr;
    for (const doc::Node* sample : f.samples) {
      Json v = sample->to_ordered_json();
      if (fits_all(v, f)) return v;
    }
    if (f.const_value) return f.const_value->to_ordered_json();
    if (f.enum_values && !f.enum_values->items().empty()) {
      const auto& values = f.enum_values->items();
      size_t start = dynamic_ ? uniform(values.size()) : 0;
      for (size_t i = 0; i < values.size() && i < 64; ++i) {
        Json v = values[(start + i) % values.size()].to_ordered_json();
        if (fits_all(v, f)) return v;
      }
      return values[start].to_ordered_json();
    }
    switch (pick_type(f)) {
      case t_null:
        return nullptr;
      case t_boolean:
        return dynamic_ ? uniform(2) == 1 : true;
      case t_object:
        return object(f, depth);
      case t_array:
        return array(f, depth, hint);
      case t_integer:
        return integer(f, hint);
      case t_number:
        // int32/int64 on a number: whole numbers only.
        return f.format == "int32" || f.format == "int64" ? integer(f, hint) : number(f);
      default:
        return string(f, hint);
    }
  }

  static uint8_t pick_type(const Facts& f) {
    uint8_t t = f.types;
    if (!f.typed || t == t_any) {
      if (f.hints_object || !f.props.empty()) return t_object;
      if (f.hints_array) return t_array;
      if (f.hints_number) return f.multiple != 0 && std::floor(f.multiple) == f.multiple ? t_integer : t_number;
      if (f.hints_string) return t_string;
      if (f.typed) return t_string;
      return f.nullable ? t_null : t_object;
    }
    if (t == 0) return t_string;  // contradictory types: nothing fits, say something
    // A schema's shape keywords say which of several types it is about.
    if ((t & t_object) && (f.hints_object || !f.props.empty())) return t_object;
    if ((t & t_array) && f.hints_array) return t_array;
    if ((t & t_string) && f.hints_string) return t_string;
    if ((t & t_number) && f.hints_number) return t_number;
    if ((t & t_integer) && f.hints_number) return t_integer;
    for (uint8_t bit : {t_string, t_integer, t_number, t_boolean, t_object, t_array, t_null})
      if (bit == t_integer ? (t & t_integer) && !(t & t_number) : (t & bit) != 0) return bit;
    return t & t_integer ? t_integer : t_null;
  }

  // ---- Numbers ----

  Json integer(const Facts& f, std::string_view hint) {
    double lo = -9007199254740992.0, hi = 9007199254740992.0;  // integers a double holds exactly
    if (f.format == "int32") lo = std::max(lo, -2147483648.0), hi = std::min(hi, 2147483647.0);
    if (f.lo) lo = std::max(lo, f.lo_exclusive ? std::floor(*f.lo) + 1 : std::ceil(*f.lo));
    if (f.hi) hi = std::min(hi, f.hi_exclusive ? std::ceil(*f.hi) - 1 : std::floor(*f.hi));
    double m = 1;
    if (f.multiple > 0) {
      m = f.multiple;
      // An integer that is a multiple of a fraction: the smallest whole multiple of it.
      for (int k = 1; k <= 1000 && std::floor(m) != m; ++k) m = round_to(f.multiple * k, decimals(f.multiple));
      if (std::floor(m) != m) m = 1;
    }
    double first = std::ceil(lo / m), last = std::floor(hi / m);
    if (first > last) return to_json(std::max(lo, 0.0));  // nothing fits: stay near the bounds
    double k = 0;
    if (!dynamic_) {
      k = std::clamp(0.0, first, last);
    } else {
      double a = f.lo ? first : std::max(first, std::ceil(1 / m));
      double b = f.hi ? last : a + std::floor(hint_limit(hint) / m);
      if (!f.lo && f.hi && a > b) a = std::max(first, b - std::floor(1000 / m));
      a = std::clamp(a, first, last), b = std::clamp(b, a, last);
      k = static_cast<double>(
          uniform(static_cast<int64_t>(std::max(a, -4e18)), static_cast<int64_t>(std::min(b, 4e18))));
    }
    return to_json(k * m);
  }

  static size_t hint_limit(std::string_view hint) {
    std::string h = lower(hint);
    if (h == "age") return 90;
    if (h.find("count") != std::string::npos || h == "size" || h == "limit" || h == "page") return 100;
    if (h == "year") return 2030;
    return 10000;
  }

  static Json to_json(double v) {
    if (std::fabs(v) < 9.2e18) return static_cast<int64_t>(v);
    return v;
  }

  Json number(const Facts& f) {
    double m = f.multiple;
    int places = m > 0 ? decimals(m) : 2;
    double lo = f.lo ? *f.lo : -1e300, hi = f.hi ? *f.hi : 1e300;
    if (m > 0) {
      double first = std::ceil(lo / m), last = std::floor(hi / m);
      if (f.lo_exclusive && first * m <= lo) ++first;
      if (f.hi_exclusive && last * m >= hi) --last;
      if (first > last) return f.lo ? *f.lo : 0.0;
      double k = std::clamp(0.0, first, last);
      if (dynamic_) {
        double a = f.lo ? first : std::clamp(std::ceil(1 / m), first, last);
        double b = f.hi ? last : a + std::max(1.0, std::floor(1000 / m));
        if (!f.lo && f.hi && a > b) a = std::max(first, b - std::max(1.0, std::floor(1000 / m)));
        a = std::clamp(a, first, last), b = std::clamp(b, a, last);
        k = static_cast<double>(
            uniform(static_cast<int64_t>(std::max(a, -4e18)), static_cast<int64_t>(std::min(b, 4e18))));
      }
      return whole(round_to(k * m, places));
    }
    // The point `v` nudged inside open bounds.
    auto inside = [&](double v) {
      if (f.lo && (v < lo || (f.lo_exclusive && v <= lo))) v = lo;
      if (f.hi && (v > hi || (f.hi_exclusive && v >= hi))) v = hi;
      if ((f.lo_exclusive && v <= lo) || (f.hi_exclusive && v >= hi)) {
        double mid = f.lo && f.hi ? lo + (hi - lo) / 2 : f.lo ? lo + 1 : hi - 1;
        v = mid;
      }
      return v;
    };
    if (!dynamic_) return whole(inside(0.0));
    double a = f.lo ? lo : (f.hi ? std::min(0.0, hi - 1000) : 0), b = f.hi ? hi : a + 1000;
    std::uniform_real_distribution<double> dist(a, std::max(a, b));
    double v = round_to(dist(rng_), 2);
    if ((f.lo && v < lo) || (f.hi && v > hi) || (f.lo_exclusive && v <= lo) || (f.hi_exclusive && v >= hi))
      v = dist(rng_);
    return whole(inside(v));
  }

  // Whole numbers print without ".0" (both are valid numbers; the short form reads better).
  static Json whole(double v) {
    if (std::floor(v) == v && std::fabs(v) < 9e15) return static_cast<int64_t>(v);
    return v;
  }

  // ---- Strings ----

  bool string_fits(const std::string& s, const Facts& f) const {
    size_t n = code_points(s);
    if (n < f.min_length || n > f.max_length) return false;
    for (const auto& p : f.patterns)
      if (!pattern_matches(p, s)) return false;
    if (!f.format.empty()) {
      format::Id id = format::lookup(f.format);
      if (id != format::Id::Unknown && !format::check_string(id, s, !legacy_)) return false;
    }
    return true;
  }

  Json string(const Facts& f, std::string_view hint) {
    std::string best;
    bool have_best = false;
    auto consider = [&](std::string s) {
      if (string_fits(s, f)) return true;
      if (!have_best) best = std::move(s), have_best = true;
      return false;
    };
    if (!f.patterns.empty()) {
      RegexGen re(f.patterns.front());
      if (re.ok()) {
        // The fewest extra repetitions that reach minLength (without random choices the length grows with them).
        size_t extra = 0, hi = std::min(f.min_length, k_max_string);
        if (code_points(re.make(0, nullptr)) < f.min_length) {
          while (extra < hi) {
            size_t mid = (extra + hi) / 2;
            if (code_points(re.make(mid, nullptr)) >= f.min_length)
              hi = mid;
            else
              extra = mid + 1;
          }
        }
        // Dynamic mode draws first; static mode draws only when the plain expansion does not match (lookarounds).
        for (size_t attempt = 0; attempt < 8; ++attempt) {
          bool randomise = dynamic_ ? attempt != 4 : attempt != 0;
          std::string s = re.make(extra, randomise ? &rng_ : nullptr);
          if (consider(s)) return s;
        }
      }
    }
    if (!f.format.empty())
      if (std::string s = format_value(f.format); !s.empty() && consider(s)) return s;
    std::string s = dynamic_ ? fake_text(hint) : "string";
    // Lengths: pad with the text itself (or letters), then cut.
    std::string filler = s.empty() ? "a" : s;
    while (s.size() < f.min_length && s.size() < k_max_string) s += filler;
    if (code_points(s) > f.max_length) s = first_code_points(s, f.max_length);
    if (consider(s)) return s;
    return have_best ? best : s;
  }

  std::string random_digits(size_t n) {
    std::string s;
    for (size_t i = 0; i < n; ++i) s += static_cast<char>('0' + uniform(10));
    return s;
  }

  std::string uuid() {
    if (!dynamic_) return "123e4567-e89b-12d3-a456-426614174000";
    static const char* k_hex = "0123456789abcdef";
    std::string s;
    for (int i = 0; i < 36; ++i) {
      if (i == 8 || i == 13 || i == 18 || i == 23)
        s += '-';
      else if (i == 14)
        s += '4';
      else if (i == 19)
        s += k_hex[8 + uniform(4)];
      else
        s += k_hex[uniform(16)];
    }
    return s;
  }

  static std::string two(int64_t v) {
    std::string s = std::to_string(v);
    if (v < 10) s.insert(s.begin(), '0');
    return s;
  }

  std::string date() {
    if (!dynamic_) return "2024-01-01";
    return std::to_string(uniform(2015, 2025)) + "-" + two(uniform(1, 12)) + "-" + two(uniform(1, 28));
  }
  std::string time() {
    if (!dynamic_) return "00:00:00Z";
    return two(uniform(0, 23)) + ":" + two(uniform(0, 59)) + ":" + two(uniform(0, 59)) + "Z";
  }
  std::string email() {
    if (!dynamic_) return "user@example.com";
    return lower(any_of(k_first_names)) + "." + lower(any_of(k_last_names)) + "@example.com";
  }
  std::string word() { return dynamic_ ? any_of(k_words) : "string"; }

  // A value for a known format; "" when apigw knows no such format.
  std::string format_value(const std::string& name) {
    switch (format::lookup(name)) {
      case format::Id::DateTime:
        return date() + "T" + time();
      case format::Id::Date:
        return date();
      case format::Id::Time:
        return time();
      case format::Id::Email:
      case format::Id::IdnEmail:
        return email();
      case format::Id::Hostname:
        return dynamic_ ? std::string(any_of(k_words)) + ".example.com" : "example.com";
      case format::Id::Ipv4:
        return dynamic_ ? "192.0.2." + std::to_string(uniform(1, 254)) : "192.0.2.1";
      case format::Id::Ipv6:
        return dynamic_ ? "2001:db8::" + std::to_string(uniform(1, 9999)) : "2001:db8::1";
      case format::Id::Uri:
      case format::Id::Iri:
        return "https://example.com" + (dynamic_ ? "/" + std::string(any_of(k_words)) : std::string());
      case format::Id::UriReference:
      case format::Id::IriReference:
        return "/" + word();
      case format::Id::UriTemplate:
        return "https://example.com/{id}";
      case format::Id::Uuid:
        return uuid();
      case format::Id::Byte:
        return util::base64_encode(word());
      case format::Id::Duration:
        return dynamic_ ? "P" + std::to_string(uniform(1, 30)) + "D" : "P1D";
      case format::Id::JsonPointer:
        return "/" + word();
      case format::Id::RelativeJsonPointer:
        return "0";
      case format::Id::Regex:
        return "^[a-z]+$";
      default:
        break;
    }
    if (name == "password") return dynamic_ ? "p@ss-" + random_digits(6) : "password";
    if (name == "date-time-local" || name == "dateTime") return date() + "T" + two(0) + ":00:00";
    if (name == "url") return "https://example.com";
    if (name == "phone") return "+1-555-01" + (dynamic_ ? random_digits(2) : std::string("00"));
    return "";
  }

  // Dynamic text guided by the property name.
  std::string fake_text(std::string_view hint) {
    std::string h = lower(hint);
    if (h.find("email") != std::string::npos) return email();
    if (h == "url" || h == "uri" || h == "href" || h == "link" || ends_with(h, "url") || ends_with(h, "uri"))
      return "https://example.com/" + std::string(any_of(k_words));
    if (h == "id" || ends_with(h, "_id") || ends_with(hint, "Id")) return uuid();
    if (ends_with(h, "at") && h.size() > 2 &&
        (ends_with(h, "_at") || std::isupper(static_cast<unsigned char>(hint[hint.size() - 2]))))
      return date() + "T" + time();
    if (h.find("date") != std::string::npos) return date();
    if (h.find("firstname") != std::string::npos || h.find("first_name") != std::string::npos || h == "given_name" ||
        h == "givenname")
      return any_of(k_first_names);
    if (h.find("lastname") != std::string::npos || h.find("last_name") != std::string::npos || h == "surname" ||
        h == "family_name" || h == "familyname")
      return any_of(k_last_names);
    if (h == "name" || h == "fullname" || h == "full_name" || h == "author" || h == "username" || h == "login")
      return h == "username" || h == "login" ? lower(any_of(k_first_names)) + random_digits(2)
                                             : std::string(any_of(k_first_names)) + " " + any_of(k_last_names);
    if (h == "city") return any_of(k_cities);
    if (h == "country" || h == "country_code" || h == "countrycode") return any_of(k_countries);
    if (h.find("phone") != std::string::npos) return "+1-555-01" + random_digits(2);
    std::string s = any_of(k_words);
    for (size_t i = 0, n = uniform(3); i < n; ++i) s += std::string(" ") + any_of(k_words);
    return s;
  }

  // ---- Arrays ----

  Json array(const Facts& f, size_t depth, std::string_view hint) {
    const bool at_bound = depth >= o_.max_depth || work_ > k_budget;
    size_t lo = std::min(f.min_items, k_max_members), hi = std::min(f.max_items, lo + 64);
    if (hi < lo) hi = lo;  // contradictory: minItems wins
    size_t n = at_bound ? lo : std::clamp<size_t>(1, lo, hi);
    if (!at_bound && dynamic_)
      n = static_cast<size_t>(
          uniform(static_cast<int64_t>(n), static_cast<int64_t>(std::min(hi, std::max<size_t>(n, 3)))));
    auto make = [&](size_t i) -> Json {
      if (i < f.prefix_items.size()) return value({f.prefix_items[i]}, depth + 1, hint);
      if (!f.items.empty()) return value(f.items, depth + 1, hint);
      return dynamic_ ? Json(std::string(any_of(k_words)) + std::to_string(i)) : Json("string");
    };
    Json out = Json::array();
    for (size_t i = 0; i < n; ++i) {
      Json item = make(i);
      // uniqueItems: the same schema gives the same static value; draw others from the seeded generator.
      if (f.unique_items) {
        const bool saved = dynamic_;
        dynamic_ = true;
        for (int retry = 0; retry < 6 && std::find(out.begin(), out.end(), item) != out.end(); ++retry) item = make(i);
        dynamic_ = saved;
        if (std::find(out.begin(), out.end(), item) != out.end()) break;  // the schema has too few distinct values
      }
      out.push_back(std::move(item));
    }
    return out;
  }

  // ---- Objects ----

  // Whether a property is left out in this direction: its schema (or a $ref it follows) is writeOnly in a response,
  // readOnly in a request.
  bool hidden(const std::vector<Located>& schemas) const {
    const char* kw = o_.direction == Direction::Response  ? "writeOnly"
                     : o_.direction == Direction::Request ? "readOnly"
                                                          : nullptr;
    if (!kw) return false;
    for (Located s : schemas) {
      for (int hops = 0; s && s.node->is_object() && hops < 16; ++hops) {
        if (const doc::Node* v = s.node->find(kw); v && v->is_bool() && v->as_bool()) return true;
        const doc::Node* ref = s.node->find("$ref");
        if (!ref) break;
        s = resolve(*ref, s.file);
      }
    }
    return false;
  }

  Json object(const Facts& f, size_t depth) {
    const bool at_bound = depth >= o_.max_depth || work_ > k_budget;
    Json out = Json::object();
    auto required = [&](const std::string& name) {
      return std::find(f.required.begin(), f.required.end(), name) != f.required.end();
    };
    std::vector<const std::pair<std::string, std::vector<Located>>*> optional;
    // The schemas a member must satisfy: its own and the additionalProperties of parts that do not declare it;
    // false when a part forbids it (additionalProperties: false) or its schema is `false`.
    std::vector<Located> bound;
    auto member = [&](const std::string& name, const std::vector<Located>& own) {
      bound = own;
      bool allowed = true;
      for (const auto& s : own)
        if (s.node->is_bool() && !s.node->as_bool()) allowed = false;
      for (const auto& c : f.closures) {
        if (c.properties && c.properties->find(name)) continue;
        bool matched = false;
        if (c.pattern_properties)
          for (const auto& m : c.pattern_properties->members()) matched = matched || pattern_matches(m.key, name);
        if (matched) continue;
        if (c.additional)
          bound.push_back(c.additional);
        else
          allowed = false;
      }
      return allowed;
    };
    auto put = [&](const std::string& name, const std::vector<Located>& own) {
      member(name, own);
      const std::vector<Located>& schemas = bound;  // value() below works on its own frames' lists
      if (name == f.discriminator && !f.discriminator_value.empty()) {
        Json v = f.discriminator_value;
        bool ok = true;
        for (const auto& s : schemas) ok = ok && fits(v, s, 0);
        out[name] = ok ? v : value(schemas, depth + 1, name);
        return;
      }
      out[name] = value(schemas, depth + 1, name);
    };
    // Required members first in document order (so maxProperties keeps them), then the optional ones.
    for (const auto& entry : f.props) {
      if (hidden(entry.second)) continue;
      if (required(entry.first) || entry.first == f.discriminator)
        put(entry.first, entry.second);
      else if (member(entry.first, entry.second))
        optional.push_back(&entry);
    }
    for (const auto& name : f.required) {
      if (out.contains(name)) continue;
      auto it = std::find_if(f.props.begin(), f.props.end(), [&](const auto& e) { return e.first == name; });
      if (it != f.props.end()) continue;  // hidden in this direction
      out[name] =
          f.additional.empty() ? Json(dynamic_ ? any_of(k_words) : "string") : value(f.additional, depth + 1, name);
    }
    if (!f.discriminator_value.empty() && !out.contains(f.discriminator) && !f.closed)
      out[f.discriminator] = f.discriminator_value;
    for (const auto* entry : optional) {
      if (out.size() >= f.max_props) break;
      if (at_bound && out.size() >= f.min_props) break;
      put(entry->first, entry->second);
    }
    // Restore document order: required members were put first.
    if (!optional.empty() && out.size() > 1) {
      Json ordered = Json::object();
      for (const auto& entry : f.props)
        if (auto it = out.find(entry.first); it != out.end()) ordered[entry.first] = std::move(*it);
      for (auto& [k, v] : out.items())
        if (!ordered.contains(k)) ordered[k] = std::move(v);
      out = std::move(ordered);
    }
    // A map (additionalProperties with a schema and nothing declared): a couple of entries.
    size_t wanted = std::min(f.min_props, k_max_members);
    if (f.props.empty() && !f.additional.empty() && !f.closed && !at_bound)
      wanted = std::max<size_t>(wanted, dynamic_ ? 1 + uniform(2) : 2);
    wanted = std::min(wanted, f.max_props);
    for (size_t i = 1; out.size() < wanted && i < wanted + 8 && !f.closed; ++i) {
      std::string key = dynamic_ ? std::string(any_of(k_words)) + std::to_string(i) : "property" + std::to_string(i);
      if (out.contains(key)) continue;
      out[key] =
          f.additional.empty() ? Json(dynamic_ ? any_of(k_words) : "string") : value(f.additional, depth + 1, key);
    }
    return out;
  }

  // ---- A small validator, for samples, enum members and oneOf branches ----

  bool fits(const Json& v, Located s, int depth) {
    if (!s || depth > 32) return true;
    const doc::Node& n = *s.node;
    if (n.is_bool()) return n.as_bool();
    if (!n.is_object()) return true;
    if (const doc::Node* ref = n.find("$ref"); ref && ref->is_string()) {
      if (!fits(v, resolve(*ref, s.file), depth + 1)) return false;
      if (legacy_) return true;
    }
    bool null_ok = false;
    if (oas30_)
      if (const doc::Node* nl = n.find("nullable"); nl && nl->is_bool() && nl->as_bool()) null_ok = v.is_null();
    if (n.find("type") && !null_ok) {
      uint8_t t = type_mask(n);
      uint8_t bit = v.is_null()      ? t_null
                    : v.is_boolean() ? t_boolean
                    : v.is_object()  ? t_object
                    : v.is_array()   ? t_array
                    : v.is_string()  ? t_string
                    : !v.is_number_float() || std::floor(v.get<double>()) == v.get<double>()
                        ? t_integer  // "number" sets this bit too
                        : t_number;
      if (!(t & bit)) return false;
    }
    if (const doc::Node* e = n.find("enum"); e && e->is_array() && !null_ok) {
      bool found = false;
      for (const auto& item : e->items())
        if (same(v, item)) {
          found = true;
          break;
        }
      if (!found) return false;
    }
    if (!legacy_)
      if (const doc::Node* c = n.find("const"); c && !same(v, *c)) return false;
    if (v.is_number() && !number_fits(v.get<double>(), n)) return false;
    if (v.is_string() && !string_keywords_fit(v.get_ref<const std::string&>(), n)) return false;
    if (v.is_number() && n.find("format")) {
      const doc::Node* fm = n.find("format");
      if (fm->is_string() && fm->as_string() == "int32" && std::fabs(v.get<double>()) > 2147483648.0) return false;
    }
    if (v.is_array() && !array_fits(v, s, depth)) return false;
    if (v.is_object() && !object_fits(v, s, depth)) return false;
    if (const doc::Node* all = n.find("allOf"); all && all->is_array())
      for (const auto& b : all->items())
        if (!fits(v, {&b, s.file}, depth + 1)) return false;
    if (const doc::Node* any = n.find("anyOf"); any && any->is_array() && !any->items().empty()) {
      bool found = false;
      for (const auto& b : any->items())
        if (fits(v, {&b, s.file}, depth + 1)) {
          found = true;
          break;
        }
      if (!found) return false;
    }
    if (const doc::Node* one = n.find("oneOf"); one && one->is_array() && !one->items().empty()) {
      size_t matches = 0;
      for (const auto& b : one->items())
        if (fits(v, {&b, s.file}, depth + 1) && ++matches > 1) break;
      if (matches != 1 && !(oas30_ && n.find("discriminator"))) return false;
    }
    if (const doc::Node* no = n.find("not");
        no && (no->is_object() || no->is_bool()) && fits(v, {no, s.file}, depth + 1))
      return false;
    return true;
  }

  // JSON equality as enum and const see it: 1 == 1.0, member order does not matter.
  static bool same(const Json& v, const doc::Node& n) {
    switch (n.kind) {
      case doc::Kind::Null:
        return v.is_null();
      case doc::Kind::Bool:
        return v.is_boolean() && v.get<bool>() == n.as_bool();
      case doc::Kind::Int:
      case doc::Kind::Float:
        return v.is_number() && v.get<double>() == n.as_double();
      case doc::Kind::String:
        return v.is_string() && v.get_ref<const std::string&>() == n.as_string();
      case doc::Kind::Array:
        if (!v.is_array() || v.size() != n.items().size()) return false;
        for (size_t i = 0; i < v.size(); ++i)
          if (!same(v[i], n.items()[i])) return false;
        return true;
      case doc::Kind::Object:
        if (!v.is_object() || v.size() != n.members().size()) return false;
        for (const auto& m : n.members())
          if (auto it = v.find(m.key); it == v.end() || !same(*it, m.value)) return false;
        return true;
    }
    return false;
  }

  bool number_fits(double x, const doc::Node& n) const {
    Facts f;
    number_bounds(n, f);
    if (f.lo && (x < *f.lo || (f.lo_exclusive && x == *f.lo))) return false;
    if (f.hi && (x > *f.hi || (f.hi_exclusive && x == *f.hi))) return false;
    if (const doc::Node* m = n.find("multipleOf"); m && m->is_number() && m->as_double() > 0) {
      double q = x / m->as_double();
      if (std::fabs(q - std::round(q)) > 1e-9 * std::max(1.0, std::fabs(q))) return false;
    }
    return true;
  }

  bool string_keywords_fit(const std::string& s, const doc::Node& n) const {
    size_t len = code_points(s);
    if (const doc::Node* v = n.find("minLength"); v && v->is_number() && static_cast<double>(len) < v->as_double())
      return false;
    if (const doc::Node* v = n.find("maxLength"); v && v->is_number() && static_cast<double>(len) > v->as_double())
      return false;
    if (const doc::Node* v = n.find("pattern"); v && v->is_string() && !pattern_matches(v->as_string(), s))
      return false;
    if (const doc::Node* v = n.find("format"); v && v->is_string()) {
      format::Id id = format::lookup(v->as_string());
      if (id != format::Id::Unknown && !format::check_string(id, s, !legacy_)) return false;
    }
    return true;
  }

  bool array_fits(const Json& v, Located s, int depth) {
    const doc::Node& n = *s.node;
    if (const doc::Node* m = n.find("minItems"); m && m->is_number() && static_cast<double>(v.size()) < m->as_double())
      return false;
    if (const doc::Node* m = n.find("maxItems"); m && m->is_number() && static_cast<double>(v.size()) > m->as_double())
      return false;
    if (const doc::Node* u = n.find("uniqueItems"); u && u->is_bool() && u->as_bool())
      for (size_t i = 0; i < v.size(); ++i)
        for (size_t j = i + 1; j < v.size(); ++j)
          if (v[i] == v[j]) return false;
    const doc::Node* items = n.find("items");
    const doc::Node* prefix = legacy_ ? (items && items->is_array() ? items : nullptr) : n.find("prefixItems");
    const doc::Node* rest = legacy_ ? (prefix ? n.find("additionalItems") : items) : items;
    for (size_t i = 0; i < v.size(); ++i) {
      const doc::Node* schema = prefix && prefix->is_array() && i < prefix->items().size() ? &prefix->items()[i] : rest;
      if (schema && !fits(v[i], {schema, s.file}, depth + 1)) return false;
    }
    return true;
  }

  bool object_fits(const Json& v, Located s, int depth) {
    const doc::Node& n = *s.node;
    const doc::Node* props = n.find("properties");
    if (props && !props->is_object()) props = nullptr;
    if (const doc::Node* req = n.find("required"); req && req->is_array())
      for (const auto& r : req->items()) {
        if (!r.is_string() || v.contains(r.as_string())) continue;
        const doc::Node* ps = props ? props->find(r.as_string()) : nullptr;
        if (!ps || !hidden({{ps, s.file}})) return false;
      }
    if (const doc::Node* m = n.find("minProperties");
        m && m->is_number() && static_cast<double>(v.size()) < m->as_double())
      return false;
    if (const doc::Node* m = n.find("maxProperties");
        m && m->is_number() && static_cast<double>(v.size()) > m->as_double())
      return false;
    const doc::Node* additional = n.find("additionalProperties");
    const doc::Node* patterns = n.find("patternProperties");
    for (const auto& [key, member] : v.items()) {
      if (const doc::Node* ps = props ? props->find(key) : nullptr) {
        if (hidden({{ps, s.file}}) || !fits(member, {ps, s.file}, depth + 1)) return false;
        continue;
      }
      bool matched = false;
      if (patterns && patterns->is_object())
        for (const auto& m : patterns->members())
          if (pattern_matches(m.key, key)) {
            matched = true;
            if (!fits(member, {&m.value, s.file}, depth + 1)) return false;
          }
      if (!matched && additional && !fits(member, {additional, s.file}, depth + 1)) return false;
    }
    return true;
  }
};

}  // namespace

nlohmann::ordered_json generate(const openapi::Spec& spec, openapi::Located schema, const GenerateOptions& options) {
  if (!schema) return nullptr;
  try {
    Generator g(spec, options);
    return g.value({schema}, 0, "");
  } catch (const std::exception&) {
    // Odd schemas must not take a mock response down; a bad_alloc or a regex engine error lands here.
    return nullptr;
  }
}

}  // namespace apigw::mock
