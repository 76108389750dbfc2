#include "emulator/schema/source.hpp"

#include <cctype>

namespace apigw::schema {

namespace {

std::string decode_file_uri(const std::string& u) {
  std::string path = u.substr(7), out;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '%' && i + 2 < path.size() && std::isxdigit(static_cast<unsigned char>(path[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(path[i + 2]))) {
      out += static_cast<char>(std::stoi(path.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += path[i];
    }
  }
  return out;
}

}  // namespace

Dialect dialect_for(openapi::Version version) {
  switch (version) {
    case openapi::Version::Swagger2:
      return Dialect::Draft4;
    case openapi::Version::OpenApi30:
      return Dialect::OpenApi30;
    case openapi::Version::OpenApi31:
      return Dialect::Draft2020;
  }
  return Dialect::Draft2020;
}

std::shared_ptr<const Schema> compile_in_spec(std::shared_ptr<const openapi::Spec> spec, const std::string& pointer,
                                              CompileOptions options, std::vector<std::string>& errors,
                                              std::optional<Dialect> dialect) {
  options.dialect = dialect ? *dialect : dialect_for(spec->version());
  if (dialect) options.use_schema_keyword = false;
  if (!options.loader) {
    options.loader = [spec](const std::string& u, std::string& error) -> std::shared_ptr<const doc::Node> {
      if (u.rfind("file://", 0) != 0) {
        error = "remote references are not fetched; map the URL to a local folder (--map URL=DIR)";
        return nullptr;
      }
      diag::Diagnostics ds;
      auto found = spec->resolve(decode_file_uri(u), spec->path(), {}, &ds);
      if (!found) {
        error = ds.empty() ? "cannot read it" : ds.front().message;
        return nullptr;
      }
      return std::shared_ptr<const doc::Node>(spec, found.node);
    };
  }
  auto root = std::shared_ptr<const doc::Node>(spec, &spec->root());
  return Schema::compile(root, file_uri(spec->path()), pointer, options, errors);
}

std::shared_ptr<const Schema> compile_located(std::shared_ptr<const openapi::Spec> spec, openapi::Located schema,
                                              const std::string& label, CompileOptions options,
                                              std::vector<std::string>& errors) {
  if (!schema) {
    errors.push_back(label + ": no schema");
    return nullptr;
  }
  const std::string& file = schema.file ? *schema.file : spec->path();
  diag::Diagnostics ds;
  openapi::Located root = spec->resolve("", file, {}, &ds);
  if (!root) {
    errors.push_back(label + ": cannot read " + file);
    return nullptr;
  }
  options.dialect = dialect_for(spec->version());
  options.use_schema_keyword = false;
  if (!options.loader) {
    options.loader = [spec](const std::string& u, std::string& error) -> std::shared_ptr<const doc::Node> {
      if (u.rfind("file://", 0) != 0) {
        error = "remote references are not fetched; map the URL to a local folder (--map URL=DIR)";
        return nullptr;
      }
      diag::Diagnostics found_ds;
      auto found = spec->resolve(decode_file_uri(u), spec->path(), {}, &found_ds);
      if (!found) {
        error = found_ds.empty() ? "cannot read it" : found_ds.front().message;
        return nullptr;
      }
      return std::shared_ptr<const doc::Node>(spec, found.node);
    };
  }
  return Schema::compile_node(std::shared_ptr<const doc::Node>(spec, root.node), file_uri(file), schema.node,
                              label, options, errors);
}

Loaded load(const std::string& reference, CompileOptions options, std::vector<std::string>& errors,
            std::optional<Dialect> dialect) {
  Loaded out;
  std::string file = reference, pointer;
  if (auto hash = file.find('#'); hash != std::string::npos) {
    pointer = file.substr(hash + 1);
    file = file.substr(0, hash);
  }
  if (!pointer.empty() && pointer[0] != '/') {
    errors.push_back(reference + ": the part after '#' must be a JSON pointer such as '#/components/schemas/Pet'");
    return out;
  }
  std::string base = file_uri(file);
  out.folder_uri = base.substr(0, base.rfind('/') + 1);
  std::vector<std::string> compile_errors;
  // A pointer usually means an OpenAPI document: load it as one (parsed once), else as a plain schema.
  diag::Diagnostics problems;
  std::shared_ptr<openapi::Spec> spec;
  if (!pointer.empty()) spec = openapi::Spec::load(file, problems);
  if (spec) {
    out.schema = compile_in_spec(spec, pointer, options, compile_errors, dialect);
  } else {
    doc::Document d = doc::load_file(file);
    if (!d.ok()) {
      for (const auto& issue : d.issues)
        if (issue.fatal) errors.push_back(doc::where(file, issue.mark) + ": " + issue.message);
      return out;
    }
    if (d.root.is_object() && (d.root.find("openapi") || d.root.find("swagger")) && !problems.empty()) {
      for (const auto& p : problems) errors.push_back(p.format());
      return out;
    }
    if (dialect) {
      options.dialect = *dialect;
      options.use_schema_keyword = false;
    }
    out.schema =
        Schema::compile(std::make_shared<const doc::Node>(std::move(d.root)), base, pointer, options, compile_errors);
  }
  for (const auto& e : compile_errors) errors.push_back(file + e);
  if (!out.schema && errors.empty()) errors.push_back(reference + ": cannot compile the schema");
  return out;
}

}  // namespace apigw::schema
