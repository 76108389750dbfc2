// Just enough of RFC 3986 for JSON Schema: resolving a reference against a base URI.
#pragma once

#include <string>
#include <string_view>

namespace apigw::schema::uri {

// Resolves `ref` against `base` (RFC 3986 section 5.2, dot segments removed).
std::string resolve(std::string_view base, std::string_view ref);
// Splits "a#b" into "a" and "b" (fragment without '#'; has_fragment tells "a#" from "a").
void split_fragment(std::string_view uri, std::string& without, std::string& fragment);
bool has_scheme(std::string_view s);

}  // namespace apigw::schema::uri
