// The `format` values apigw checks. Unknown formats always pass.
#pragma once

#include <string>
#include <string_view>

#include "emulator/doc/node.hpp"
#include "emulator/doc/tape.hpp"

namespace apigw::schema::format {

enum class Id : unsigned char {
  None,
  DateTime,
  Date,
  Time,
  Email,
  Hostname,
  Ipv4,
  Ipv6,
  Uri,
  UriReference,
  Uuid,
  Byte,
  Int32,
  Int64,
  Regex,
  Duration,
  JsonPointer,
  RelativeJsonPointer,
  UriTemplate,
  Iri,
  IriReference,
  IdnEmail,
  Unknown
};

Id lookup(std::string_view name);
// Deepest nesting of groups and classes in a regex source; std::regex's compiler recurses on it, so sources nested
// deeper than k_max_regex_nesting are refused rather than compiled.
size_t regex_nesting(std::string_view source);
inline constexpr size_t k_max_regex_nesting = 100;
// std::regex copies a repeated atom once per count ({n,m} makes m copies), and libstdc++ reads a count into an int
// without an overflow check. Sources whose repetitions would expand past k_max_regex_states atoms (nested counts
// multiply) are refused, as are counts too large to read.
inline constexpr unsigned long long k_max_regex_states = 100000;
unsigned long long regex_expanded_size(std::string_view source);  // saturates at k_max_regex_states + 1
// Empty when std::regex may be handed `source`; otherwise why not ("groups nested more than 100 deep", ...).
std::string regex_refusal(std::string_view source);
// ECMA-262 Unicode property escapes (\p{L}, \P{Lu}, \p{General_Category=Nd}, ...) rewritten into classes std::regex
// understands, which match UTF-8 bytes: exact on ASCII; every non-ASCII character is taken to have the property (and
// its negation), so a pattern never rejects non-ASCII text it would accept in a Unicode-aware engine, but may accept
// some it would reject; quantifiers count the bytes of a non-ASCII character. Supported: L (Letter), Lu, Ll, Lt, Lm,
// Lo, N (Number), Nd, Nl, No, P (Punctuation), S (Symbol), Z (Separator), Zs, Script=Latin, ASCII, Any. Returns
// false with `error` set for another property, or for one inside a negated class [^...]. Sources without \p or \P
// come back unchanged.
bool translate_unicode_properties(std::string_view source, std::string& out, std::string& error);
// True when `value` satisfies the format (values of other types than the format constrains pass). `idna`: host
// names follow IDNA (2020-12: "--" in positions 3-4 only in "xn--" labels) rather than RFC 1123 alone.
bool check(Id id, doc::Value value, bool idna = false);
// The same for a string.
bool check_string(Id id, std::string_view s, bool idna = false);

}  // namespace apigw::schema::format
