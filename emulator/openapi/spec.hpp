// An OpenAPI document (Swagger 2.0, OpenAPI 3.0.x, 3.1.x) with the files its $refs reach.
// References are resolved lazily and never expanded in place, so circular references cost nothing.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "emulator/diag/diagnostic.hpp"
#include "emulator/doc/node.hpp"

namespace apigw::openapi {

enum class Version { Swagger2, OpenApi30, OpenApi31 };

const char* version_name(Version v);

// A node and the file it lives in (references are relative to that file).
struct Located {
  const doc::Node* node = nullptr;
  const std::string* file = nullptr;
  explicit operator bool() const { return node != nullptr; }
};

class Spec {
 public:
  // Loads and checks the root document. Returns nullptr when it is not a usable OpenAPI document; the reasons are in
  // `out` with their locations.
  static std::unique_ptr<Spec> load(const std::string& path, diag::Diagnostics& out);

  Version version() const { return version_; }
  const std::string& version_text() const { return version_text_; }
  const std::string& path() const { return root_path_; }
  const doc::Node& root() const { return docs_.at(root_path_)->root; }
  Located root_located() const { return {&root(), &root_path_}; }

  // Resolves a $ref string written in `from_file`. On failure returns an empty Located and, when `out` is given,
  // adds an error at `mark` (the location of the $ref).
  Located resolve(const std::string& ref, const std::string& from_file, doc::Mark mark, diag::Diagnostics* out) const;

  // If `n` is a Reference Object, follows the chain (bounded, cycles reported); otherwise returns `n` itself.
  Located deref(Located n, diag::Diagnostics* out) const;

  // Visits every $ref in every reachable file, loading files as needed; reports each one that does not resolve.
  void check_references(diag::Diagnostics& out) const;

  size_t file_count() const { return docs_.size(); }
  // Every file loaded so far (after check_references: the root and every file its $refs reach).
  std::vector<std::string> files() const {
    std::vector<std::string> out;
    for (const auto& [path, d] : docs_) out.push_back(path);
    return out;
  }

 private:
  Version version_ = Version::OpenApi30;
  std::string version_text_;
  std::string root_path_;
  // Loaded lazily from const methods: the cache is not part of the spec's observable state.
  mutable std::map<std::string, std::unique_ptr<doc::Document>> docs_;

  const doc::Document* document(const std::string& path, doc::Mark mark, const std::string& from_file,
                                diag::Diagnostics* out) const;
};

// Unescapes one JSON pointer token: percent-decoding, then ~1 → '/', ~0 → '~'.
std::string unescape_pointer_token(std::string_view token);

}  // namespace apigw::openapi
