// Small text helpers shared by the loaders and the CLI.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace apigw::util {

size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word` if it is close enough to be a plausible typo, else empty.
std::string nearest(std::string_view word, const std::vector<std::string_view>& candidates);

// "250ms", "5s", "1.5m", "2h", "100us". Returns nullopt and an explanation on failure.
std::optional<std::chrono::microseconds> parse_duration(std::string_view text, std::string* error = nullptr);
std::string format_duration(std::chrono::microseconds d);

// "512", "10KB" (1000), "10KiB" (1024), "1.5MB", "2GiB". Bytes.
std::optional<uint64_t> parse_size(std::string_view text, std::string* error = nullptr);

// Expands ${VAR} and ${VAR:-default}; "$${" is a literal "${". `lookup` returns nullopt for unset variables.
// Unset variables without a default are reported through `missing` and expand to "".
std::string expand_env(std::string_view text,
                       const std::function<std::optional<std::string>(const std::string&)>& lookup,
                       std::vector<std::string>* missing, std::string* error = nullptr);

std::optional<std::string> getenv_lookup(const std::string& name);

std::string to_upper(std::string_view s);
std::string to_lower(std::string_view s);

// Percent-encodes everything outside RFC 3986 unreserved characters (for one path segment).
std::string percent_encode_segment(std::string_view s);

// Length of the valid UTF-8 sequence starting at s[0] (1 to 4), or 0 when it is not valid UTF-8
// (overlong forms, surrogates and code points above U+10FFFF included).
size_t utf8_sequence_length(const unsigned char* s, size_t available);

// Decodes standard or URL-safe base64, padding optional. nullopt on any other character.
std::optional<std::string> base64_decode(std::string_view text);
// Standard base64 with padding.
std::string base64_encode(std::string_view bytes);
// The offset of the first byte of `s` that is not valid UTF-8, or npos.
size_t invalid_utf8_at(std::string_view s);

// Escapes for XML text and attribute values: & < > " ' as entities; control characters XML 1.0 does not allow become
// spaces (tab, LF and CR stay).
std::string xml_escape(std::string_view s);

// Escapes for JSON string contents (no surrounding quotes).
void append_json_escaped(std::string& out, std::string_view s);

}  // namespace apigw::util
