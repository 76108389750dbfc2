#include "emulator/doc/node.hpp"
#include "emulator/doc/span.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace apigw::doc {

std::string_view kind_name(Kind kind) {
  switch (kind) {
    case Kind::Null: return "null";
    case Kind::Bool: return "boolean";
    case Kind::Int: return "integer";
    case Kind::Float: return "number";
    case Kind::String: return "string";
    case Kind::Array: return "array";
    case Kind::Object: return "object";
  }
  return "?";
}

const std::string& Node::empty_string() {
  static const std::string empty;
  return empty;
}
const std::vector<Node>& Node::empty_items() {
  static const std::vector<Node> empty;
  return empty;
}
const std::vector<Member>& Node::empty_members() {
  static const std::vector<Member> empty;
  return empty;
}

const Member* Node::find_member(std::string_view key) const {
  if (kind != Kind::Object) return nullptr;
  const size_t n = key.size();
  for (const auto& m : members_)
    if (m.key.size() == n && (n == 0 || (m.key[0] == key[0] && std::memcmp(m.key.data(), key.data(), n) == 0)))
      return &m;
  return nullptr;
}

const Node* Node::find(std::string_view key) const {
  const Member* m = find_member(key);
  return m ? &m->value : nullptr;
}

namespace {
// One conversion for both key orders: nlohmann::json (sorted) and nlohmann::ordered_json (document order).
template <class Json>
Json convert(const Node& n) {
  switch (n.kind) {
    case Kind::Null: return nullptr;
    case Kind::Bool: return n.as_bool();
    case Kind::Int: return n.as_int();
    case Kind::Float: return n.as_double();
    case Kind::String: return n.as_string();
    case Kind::Array: {
      auto out = Json::array();
      for (const auto& item : n.items()) out.push_back(convert<Json>(item));
      return out;
    }
    case Kind::Object: {
      auto out = Json::object();
      for (const auto& m : n.members()) out.emplace(m.key, convert<Json>(m.value));
      return out;
    }
  }
  return nullptr;
}
}  // namespace

nlohmann::json Node::to_json() const { return convert<nlohmann::json>(*this); }
nlohmann::ordered_json Node::to_ordered_json() const { return convert<nlohmann::ordered_json>(*this); }

bool Document::ok() const {
  for (const auto& issue : issues)
    if (issue.fatal) return false;
  return true;
}

std::string where(const std::string& path, Mark mark) {
  if (mark.line == 0) return path;
  return path + ":" + std::to_string(mark.line) + ":" + std::to_string(mark.col);
}

namespace {
bool looks_like_json(std::string_view text) {
  size_t i = 0;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") i = 3;
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n')) ++i;
  return i < text.size() && (text[i] == '{' || text[i] == '[');
}
}  // namespace

bool reads_as_json(std::string_view text, std::string_view path) { return path.ends_with(".json") || looks_like_json(text); }

Document parse(std::string text, std::string path, const ParseLimits& limits) {
  const bool json_name = path.ends_with(".json");
  if (json_name || looks_like_json(text)) {
    Document doc = parse_json(text, path, limits);
    // A YAML flow mapping such as "{a: 1}" is not JSON; try YAML unless the name says JSON.
    if (doc.ok() || json_name) return doc;
    Document yaml = parse_yaml(text, path, limits);
    return yaml.ok() ? yaml : doc;
  }
  return parse_yaml(text, std::move(path), limits);
}

Document load_file(const std::string& path, const ParseLimits& limits) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    Document doc;
    doc.path = path;
    doc.issues.push_back({{}, "is a directory, not a file", true});
    return doc;
  }
  std::optional<std::string> text = read_text(path);
  if (!text) {
    Document doc;
    doc.path = path;
    doc.issues.push_back({{}, std::string("cannot read file: ") + std::strerror(errno), true});
    return doc;
  }
  return parse(std::move(*text), path, limits);
}

std::optional<std::string> read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  // One read of the whole file (a stringstream copy grows its buffer step by step: a tenth of linting a 6 MB spec).
  std::string text;
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  in.seekg(0, std::ios::beg);
  if (size > 0) {
    text.resize(static_cast<size_t>(size));
    in.read(text.data(), size);
    text.resize(static_cast<size_t>(in.gcount()));
  }
  if (size <= 0 || in.bad()) {  // not a regular file (a pipe): read it in chunks
    in.clear();
    in.seekg(0, std::ios::beg);
    std::ostringstream buf;
    buf << in.rdbuf();
    text = std::move(buf).str();
  }
  return text;
}

}  // namespace apigw::doc
