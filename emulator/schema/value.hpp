// Instance values as JSON Schema sees them: numeric equality across int/float, deep equality, descriptions.
#pragma once

#include <string>
#include <vector>

#include "emulator/doc/node.hpp"
#include "emulator/doc/tape.hpp"

namespace apigw::schema::value {

// Instances are tapes (doc::Value), what the validator walks; values of the schema (enum, const, minimum...) are
// doc::Node trees.

// JSON Schema's "integer": an Int, or a Float with no fractional part.
bool is_integer(const doc::Node& n);
bool is_integer(doc::Value v);
// Deep equality where 1 == 1.0 and member order does not matter.
bool equal(const doc::Node& a, const doc::Node& b);
bool equal(const doc::Node& a, doc::Value b);
// -1, 0, 1 comparing two numbers exactly when both are integers.
int compare_numbers(const doc::Node& a, const doc::Node& b);
int compare_numbers(doc::Value a, const doc::Node& b);
// True when `x` is a multiple of `m` (exact for decimals written with up to ~17 significant digits).
bool is_multiple_of(doc::Value x, const doc::Node& m);
// Finds two equal items (by equal() above), first < second; O(n log n) for arrays of scalars.
bool find_duplicate(const std::vector<doc::Node>& items, size_t& first, size_t& second);
// Unicode code points in UTF-8 text.
size_t code_points(std::string_view s);
// The JSON Schema type name of a value: "null", "boolean", "integer", "number", "string", "array", "object".
const char* type_name(const doc::Node& n);
// `string "abc"`, `integer 3`, `number 1.5`, `boolean true`, `null`, `object`, `array` (long strings shortened).
std::string describe(const doc::Node& n);
std::string describe(doc::Value v);
// Compact JSON text of a value (for messages), shortened past `limit` characters.
std::string to_text(const doc::Node& n, size_t limit = 60);
// `text` cut to about `limit` bytes (at a UTF-8 boundary) with "..." appended when cut.
std::string shorten(std::string_view text, size_t limit = 80);

}  // namespace apigw::schema::value
