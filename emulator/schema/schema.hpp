// JSON Schema validation: draft 4 (Swagger 2.0), the OpenAPI 3.0 Schema Object and JSON Schema 2020-12.
// A schema is compiled once into an immutable graph of nodes ($refs become pointers, patterns precompiled regexes);
// validating an instance walks that graph only. A compiled Schema is safe to share across threads.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/doc/node.hpp"
#include "emulator/doc/tape.hpp"

namespace apigw::schema {

enum class Dialect { Draft4, OpenApi30, Draft2020 };

// "draft4", "oas3.0", "2020-12".
const char* dialect_name(Dialect d);
bool parse_dialect(std::string_view text, Dialect& out);
// The dialect a `$schema` URI names, if apigw knows it.
std::optional<Dialect> dialect_from_schema_uri(std::string_view uri);

// Default: formats assert in the OpenAPI dialects (draft4, oas3.0) and are annotations in 2020-12.
enum class FormatMode { Default, Assert, Annotate };

// Request: readOnly properties must not be present (and are not required); Response: the same for writeOnly.
enum class Direction { None, Request, Response };

// Returns the document at `uri` (no fragment), or nullptr with `error` set.
using Loader = std::function<std::shared_ptr<const doc::Node>(const std::string& uri, std::string& error)>;

struct CompileOptions {
  Dialect dialect = Dialect::Draft2020;  // when the root has no (known) `$schema`
  bool use_schema_keyword = true;        // let `$schema` choose the dialect
  FormatMode formats = FormatMode::Default;
  // URL prefix -> local directory, e.g. "http://localhost:1234/" -> "remotes". Tried before `loader`.
  std::map<std::string, std::string> url_map;
  // For other URIs. Without one, file:// URIs are read from disk and anything else is an error.
  Loader loader;
};

struct Error {
  std::string instance_location;  // JSON pointer into the instance ("" is the root)
  std::string schema_location;    // "#/properties/id/type"; "other.json#/..." for other documents
  doc::Mark mark;                 // where the instance value is
  std::string message;            // "expected integer, got string \"abc\""
};

// The most nesting of schema evaluation a caller may ask for (the stack must hold it).
inline constexpr size_t k_max_depth_limit = 4096;

struct ValidateOptions {
  size_t max_errors = 0;  // 0: all
  Direction direction = Direction::None;
  size_t max_depth = 512;  // nesting of schema evaluation (bounds runaway recursive schemas); capped at the limit
};

struct Compiled;

class Schema {
 public:
  // Compiles the schema at `entry_pointer` (a JSON pointer, "" for the root) of `document`, whose URI is `uri`
  // (relative $refs resolve against it). Returns nullptr and fills `errors` when the schema cannot be compiled
  // (a $ref that does not resolve, a bad regex, a keyword of the wrong type).
  static std::shared_ptr<const Schema> compile(std::shared_ptr<const doc::Node> document, const std::string& uri,
                                               const std::string& entry_pointer, const CompileOptions& options,
                                               std::vector<std::string>& errors);

  // The same, for a schema node the caller already holds: `entry` may live inside `document` or outside it (a schema
  // synthesised next to the document); its $refs resolve against `uri`. `entry_pointer` only labels locations.
  static std::shared_ptr<const Schema> compile_node(std::shared_ptr<const doc::Node> document, const std::string& uri,
                                                    const doc::Node* entry, const std::string& entry_pointer,
                                                    const CompileOptions& options, std::vector<std::string>& errors);

  // Instances are walked as tapes: a JSON body parsed with doc::parse_json_tape is validated as it is; a tree is
  // copied into a tape first.
  std::vector<Error> validate(doc::Value instance, const ValidateOptions& options = {}) const;
  bool is_valid(doc::Value instance, Direction direction = Direction::None) const;
  std::vector<Error> validate(const doc::Node& instance, const ValidateOptions& options = {}) const;
  bool is_valid(const doc::Node& instance, Direction direction = Direction::None) const;

  Dialect dialect() const;
  size_t node_count() const;

  ~Schema();
  Schema(const Schema&) = delete;
  Schema& operator=(const Schema&) = delete;

 private:
  Schema();
  std::unique_ptr<Compiled> c_;
};

// "file:///abs/path" for a local path (made absolute).
std::string file_uri(const std::string& path);

// "/a/b~1c" for a list of tokens; escapes ~ and /.
std::string escape_pointer_token(std::string_view token);

}  // namespace apigw::schema
