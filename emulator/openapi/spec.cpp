#include "emulator/openapi/spec.hpp"

#include <algorithm>
#include <filesystem>
#include <set>
#include <vector>

#include <nlohmann/json.hpp>

#include "emulator/router/router.hpp"

namespace apigw::openapi {

namespace fs = std::filesystem;
using diag::Severity;

const char* version_name(Version v) {
  switch (v) {
    case Version::Swagger2: return "Swagger 2.0";
    case Version::OpenApi30: return "OpenAPI 3.0";
    case Version::OpenApi31: return "OpenAPI 3.1";
  }
  return "?";
}

std::string unescape_pointer_token(std::string_view token) {
  std::string decoded = router::percent_decode(token);
  std::string out;
  out.reserve(decoded.size());
  for (size_t i = 0; i < decoded.size(); ++i) {
    if (decoded[i] == '~' && i + 1 < decoded.size() && (decoded[i + 1] == '0' || decoded[i + 1] == '1')) {
      out += decoded[i + 1] == '0' ? '~' : '/';
      ++i;
    } else {
      out += decoded[i];
    }
  }
  return out;
}

namespace {
void add(diag::Diagnostics* out, const std::string& file, doc::Mark mark, std::string path, std::string message,
         const char* rule = "openapi-ref") {
  if (out) out->push_back({Severity::Error, rule, file, mark, std::move(path), std::move(message)});
}

std::string canonical(const std::string& p) {
  std::error_code ec;
  auto c = fs::weakly_canonical(p, ec);
  return ec ? fs::path(p).lexically_normal().string() : c.string();
}
}  // namespace

std::unique_ptr<Spec> Spec::load(const std::string& path, diag::Diagnostics& out) {
  auto spec = std::unique_ptr<Spec>(new Spec());
  auto document = std::make_unique<doc::Document>(doc::load_file(path));
  for (const auto& issue : document->issues)
    out.push_back({Severity::Error, issue.fatal ? "openapi-syntax" : "openapi-duplicate-key", path, issue.mark, "",
                   issue.message});
  if (!document->ok()) return nullptr;
  const doc::Node& root = document->root;
  if (!root.is_object()) {
    out.push_back({Severity::Error, "openapi-structure", path, root.mark, "",
                   "not an OpenAPI document: expected a mapping at the top level"});
    return nullptr;
  }
  if (root.find("apigw")) {
    out.push_back({Severity::Error, "openapi-structure", path, root.mark, "",
                   "not an OpenAPI document: this is an apigw gateway config (serve or lint it instead)"});
    return nullptr;
  }
  const doc::Node* openapi = root.find("openapi");
  const doc::Node* swagger = root.find("swagger");
  if (swagger) {
    spec->version_text_ = swagger->is_string() ? swagger->as_string() : swagger->to_json().dump();
    if (spec->version_text_ != "2.0") {
      out.push_back({Severity::Error, "openapi-structure", path, swagger->mark, "swagger",
                     "unsupported Swagger version '" + spec->version_text_ + "' (apigw reads 2.0)"});
      return nullptr;
    }
    spec->version_ = Version::Swagger2;
  } else if (openapi) {
    spec->version_text_ = openapi->is_string() ? openapi->as_string() : openapi->to_json().dump();
    if (!openapi->is_string()) {
      out.push_back({Severity::Error, "openapi-structure", path, openapi->mark, "openapi",
                     "expected the version as a string such as \"3.0.3\", got " + spec->version_text_});
      return nullptr;
    }
    if (spec->version_text_.rfind("3.0", 0) == 0) spec->version_ = Version::OpenApi30;
    else if (spec->version_text_.rfind("3.1", 0) == 0) spec->version_ = Version::OpenApi31;
    else {
      out.push_back({Severity::Error, "openapi-structure", path, openapi->mark, "openapi",
                     "unsupported OpenAPI version '" + spec->version_text_ + "' (apigw reads 2.0, 3.0.x and 3.1.x)"});
      return nullptr;
    }
  } else {
    out.push_back({Severity::Error, "openapi-structure", path, root.mark, "",
                   "not an OpenAPI document: no 'openapi' or 'swagger' version key"});
    return nullptr;
  }
  const doc::Node* paths = root.find("paths");
  bool paths_optional = spec->version_ == Version::OpenApi31 && (root.find("webhooks") || root.find("components"));
  if (!paths && !paths_optional) {
    out.push_back({Severity::Error, "openapi-structure", path, root.mark, "", "missing required key 'paths'"});
    return nullptr;
  }
  if (paths && !paths->is_object()) {
    out.push_back({Severity::Error, "openapi-structure", path, paths->mark, "paths",
                   std::string("expected a mapping, got ") + std::string(doc::kind_name(paths->kind))});
    return nullptr;
  }
  spec->root_path_ = canonical(path);
  document->path = path;  // messages use the name the user gave
  spec->docs_.emplace(spec->root_path_, std::move(document));
  return spec;
}

const doc::Document* Spec::document(const std::string& path, doc::Mark mark, const std::string& from_file,
                                    diag::Diagnostics* out) const {
  if (auto it = docs_.find(path); it != docs_.end()) return it->second->ok() ? it->second.get() : nullptr;
  auto d = std::make_unique<doc::Document>(doc::load_file(path));
  if (!d->ok()) {
    for (const auto& issue : d->issues)
      if (issue.fatal) add(out, from_file, mark, "$ref", "cannot load '" + path + "': " + doc::where(path, issue.mark) + ": " + issue.message);
  }
  auto* raw = d.get();
  docs_.emplace(path, std::move(d));
  return raw->ok() ? raw : nullptr;
}

Located Spec::resolve(const std::string& ref, const std::string& from_file, doc::Mark mark,
                      diag::Diagnostics* out) const {
  if (ref.rfind("http://", 0) == 0 || ref.rfind("https://", 0) == 0 || ref.rfind("//", 0) == 0) {
    add(out, from_file, mark, "$ref",
        "remote reference '" + ref + "' is not fetched; download it next to the spec and refer to the file, or bundle "
        "the spec into one file first (for example with 'redocly bundle')",
        "openapi-remote-ref");
    return {};
  }
  auto hash = ref.find('#');
  std::string file_part = ref.substr(0, hash);
  std::string pointer = hash == std::string::npos ? "" : ref.substr(hash + 1);
  // `from_file` is the canonical path for documents apigw loaded, or the user's spelling for the root.
  std::string base = from_file == docs_.at(root_path_)->path ? root_path_ : from_file;
  std::string target_file = base;
  if (!file_part.empty()) target_file = canonical((fs::path(base).parent_path() / router::percent_decode(file_part)).string());
  const doc::Document* d = document(target_file, mark, from_file, out);
  if (!d) {
    if (docs_.count(target_file) && !docs_.at(target_file)->ok()) return {};
    return {};
  }
  const std::string* file_name = target_file == root_path_ ? &docs_.at(root_path_)->path : &docs_.find(target_file)->first;
  const doc::Node* node = &d->root;
  if (pointer.empty()) return {node, file_name};
  if (pointer[0] != '/') {
    add(out, from_file, mark, "$ref", "'" + ref + "': a fragment must be a JSON pointer starting with '/'");
    return {};
  }
  size_t start = 1;
  while (true) {
    size_t slash = pointer.find('/', start);
    std::string token = unescape_pointer_token(
        std::string_view(pointer).substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    const doc::Node* next = nullptr;
    if (node->is_object()) {
      next = node->find(token);
    } else if (node->is_array()) {
      size_t idx = 0;
      bool digits = !token.empty() && token.find_first_not_of("0123456789") == std::string::npos;
      if (digits) idx = std::stoul(token);
      if (digits && idx < node->items().size()) next = &node->items()[idx];
    }
    if (!next) {
      add(out, from_file, mark, "$ref",
          "'" + ref + "' does not resolve: no '" + token + "' in " + doc::where(*file_name, node->mark));
      return {};
    }
    node = next;
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return {node, file_name};
}

Located Spec::deref(Located n, diag::Diagnostics* out) const {
  std::vector<const doc::Node*> seen;
  while (n && n.node->is_object()) {
    const doc::Node* ref = n.node->find("$ref");
    if (!ref || !ref->is_string()) return n;
    if (std::find(seen.begin(), seen.end(), n.node) != seen.end()) {
      add(out, *n.file, ref->mark, "$ref",
          "'" + ref->as_string() + "' is part of a cycle of references that never reaches a value", "openapi-ref-cycle");
      return {};
    }
    seen.push_back(n.node);
    n = resolve(ref->as_string(), *n.file, ref->mark, out);
  }
  return n;
}

void Spec::check_references(diag::Diagnostics& out) const {
  const size_t first_new = out.size();
  std::set<std::string> visited;
  std::vector<std::string> queue = {root_path_};
  while (!queue.empty()) {
    std::string path = queue.back();
    queue.pop_back();
    if (!visited.insert(path).second) continue;
    const doc::Document* d = docs_.count(path) ? docs_.at(path).get() : nullptr;
    if (!d || !d->ok()) continue;
    const std::string& name = path == root_path_ ? d->path : docs_.find(path)->first;
    // Iterative walk: documents can be deep.
    std::vector<const doc::Node*> stack = {&d->root};
    while (!stack.empty()) {
      const doc::Node* n = stack.back();
      stack.pop_back();
      if (n->is_array()) {
        for (const auto& item : n->items()) stack.push_back(&item);
      } else if (n->is_object()) {
        for (const auto& m : n->members()) {
          if (m.key == "$ref" && m.value.is_string()) {
            size_t before = docs_.size();
            // A reference to a reference is followed, so that a cycle with no value in it is reported.
            if (Located target = resolve(m.value.as_string(), name, m.value.mark, &out);
                target && target.node->is_object() && target.node->find("$ref"))
              deref(Located{n, &name}, &out);
            if (docs_.size() != before)
              for (const auto& [p, doc] : docs_)
                if (!visited.count(p)) queue.push_back(p);
          } else if (m.key != "example" && m.key.rfind("x-", 0) != 0) {
            stack.push_back(&m.value);
          }
        }
      }
    }
  }
  // The walk is depth-first from a stack; report in file order.
  std::stable_sort(out.begin() + static_cast<std::ptrdiff_t>(first_new), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.file, a.mark.line, a.mark.col) < std::tie(b.file, b.mark.line, b.mark.col);
  });
  // Every $ref of a cycle leads to the same finding; say it once.
  auto last = std::unique(out.begin() + static_cast<std::ptrdiff_t>(first_new), out.end(), [](const auto& a, const auto& b) {
    return a.file == b.file && a.mark.line == b.mark.line && a.mark.col == b.mark.col && a.message == b.message;
  });
  out.erase(last, out.end());
}

}  // namespace apigw::openapi
