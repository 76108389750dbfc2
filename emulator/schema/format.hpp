// The `format` values apigw checks. Unknown formats always pass.
#pragma once

#include <string_view>

#include "emulator/doc/node.hpp"

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
// True when `value` satisfies the format (values of other types than the format constrains pass). `idna`: host
// names follow IDNA (2020-12: "--" in positions 3-4 only in "xn--" labels) rather than RFC 1123 alone.
bool check(Id id, const doc::Node& value, bool idna = false);

}  // namespace apigw::schema::format
