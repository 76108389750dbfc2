#include "emulator/policy/transform.hpp"

#include <algorithm>
#include <cstdio>
#include <random>
#include <stdexcept>

#include <httplib.h>

#include "emulator/policy/jwt.hpp"
#include "emulator/util/text.hpp"

namespace apigw::policy {

namespace {

std::string make_request_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  uint64_t high = rng(), low = rng();
  char id[40];  // a version 4 UUID, as API Gateway's request ids are
  std::snprintf(id, sizeof id, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(high >> 32),
                static_cast<unsigned>((high >> 16) & 0xffff), static_cast<unsigned>(high & 0xfff),
                static_cast<unsigned>(0x8000 | ((low >> 48) & 0x3fff)),
                static_cast<unsigned long long>(low & 0xffffffffffffULL));
  return id;
}

std::string value_of(const model::Template::Part& part, TemplateContext& context) {
  using Source = model::Template::Source;
  switch (part.source) {
    case Source::Text: return part.text;
    case Source::Path:
      if (context.params)
        for (const auto& [name, value] : *context.params)
          if (name == part.text) return value;
      return "";
    case Source::Query: return context.request.get_param_value(part.text.c_str());
    case Source::Header: return context.request.get_header_value(part.text.c_str());
    case Source::Claim:
      if (context.claims)
        if (const nlohmann::json* claim = find_claim(*context.claims, part.text); claim && !claim->is_null())
          return claim_text(*claim);
      return "";
    case Source::RequestId:
      if (context.request_id.empty()) context.request_id = make_request_id();
      return context.request_id;
    case Source::Method: return context.request.method;
    case Source::RequestPath: return std::string(context.path);
    case Source::ErrorMessage: return context.error_message;
    case Source::ErrorStatus: return std::to_string(context.error_status);
  }
  return "";
}

bool header_safe(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

void warn(TemplateContext& context, std::string_view header) {
  context.warnings += context.warnings.empty() ? "" : "; ";
  context.warnings += "header '" + std::string(header) + "' not sent: its value would contain CR, LF or NUL";
}

// Sets a header to an expanded value, replacing what was there; an empty or unsafe value leaves it unset.
void set_header(httplib::Headers& headers, const model::Assignment& set, TemplateContext& context) {
  headers.erase(set.name);
  std::string value = expand(set.value, context);
  if (!header_safe(value)) warn(context, set.name);
  else if (!value.empty()) headers.emplace(set.name, std::move(value));
}

void edit_headers(httplib::Headers& headers, const model::Edits& edits, TemplateContext& context) {
  for (const auto& name : edits.remove) headers.erase(name);
  for (const auto& [from, to] : edits.rename) {
    auto [first, last] = headers.equal_range(from);
    std::vector<std::string> values;
    for (auto it = first; it != last; ++it) values.push_back(it->second);
    if (values.empty()) continue;
    headers.erase(from);
    headers.erase(to);
    for (auto& v : values) headers.emplace(to, std::move(v));
  }
  for (const auto& set : edits.set) set_header(headers, set, context);
}

// The query's name=value items with their names decoded (for matching) and their text as sent.
struct QueryItem {
  std::string name;
  std::string text;
};

std::string edit_query(std::string_view query, const model::Edits& edits, TemplateContext& context) {
  std::vector<QueryItem> items;
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (item.empty()) continue;
    std::string raw_name(item.substr(0, item.find('=')));
    items.push_back({httplib::detail::decode_url(raw_name, true), std::string(item)});
  }
  auto drop = [&](const std::string& name) {
    items.erase(std::remove_if(items.begin(), items.end(), [&](const QueryItem& i) { return i.name == name; }), items.end());
  };
  for (const auto& name : edits.remove) drop(name);
  for (const auto& [from, to] : edits.rename) {
    const std::string& old_name = from;  // clang 14 cannot capture a structured binding
    if (std::none_of(items.begin(), items.end(), [&](const QueryItem& i) { return i.name == old_name; })) continue;
    drop(to);
    for (auto& item : items) {
      if (item.name != from) continue;
      auto eq = item.text.find('=');
      item.name = to;
      item.text = httplib::detail::encode_query_param(to) + (eq == std::string::npos ? "" : item.text.substr(eq));
    }
  }
  for (const auto& set : edits.set) {
    std::string value = expand(set.value, context);
    drop(set.name);
    if (!value.empty())
      items.push_back({set.name, httplib::detail::encode_query_param(set.name) + "=" + httplib::detail::encode_query_param(value)});
  }
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : "&") + item.text;
  return out;
}

// Removes the member a pointer names; false when there is none.
bool erase_at(nlohmann::ordered_json& document, const nlohmann::ordered_json::json_pointer& pointer) {
  if (!document.contains(pointer)) return false;
  nlohmann::ordered_json& parent = document[pointer.parent_pointer()];
  if (parent.is_object()) return parent.erase(pointer.back()) > 0;
  if (parent.is_array()) {
    parent.erase(static_cast<size_t>(std::stoul(pointer.back())));
    return true;
  }
  return false;
}

// JSON nested deeper than this is left as it is: the serializer recurses once per level, and a client's body of a
// million '[' would overflow the worker's stack.
constexpr size_t k_max_body_nesting = 512;

bool nested_deeper_than(std::string_view text, size_t limit) {
  size_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return false;
}

// Edits a JSON body; a body that is not JSON (by its media type or its text) is left as it is.
void edit_body(std::string& body, std::string_view content_type, const model::Edits& edits, TemplateContext& context) {
  if (edits.empty() || !is_json_media_type(content_type) || nested_deeper_than(body, k_max_body_nesting)) return;
  // Ordered, so members keep the order they were sent in.
  auto document = nlohmann::ordered_json::parse(body, nullptr, false);
  if (document.is_discarded()) return;
  using Pointer = nlohmann::ordered_json::json_pointer;
  // A pointer through a value that is not an object or array, or to an array index that is not one, is skipped.
  auto attempt = [](auto&& edit) {
    try {
      edit();
    } catch (const nlohmann::ordered_json::exception&) {
    } catch (const std::logic_error&) {  // std::stoul of "-"
    }
  };
  for (const auto& name : edits.remove) attempt([&] { erase_at(document, Pointer(name)); });
  for (const auto& rename : edits.rename)  // a pair, not a structured binding: clang 14 cannot capture those
    attempt([&] {
      Pointer source(rename.first);
      if (!document.contains(source)) return;
      nlohmann::ordered_json value = document[source];
      erase_at(document, source);
      document[Pointer(rename.second)] = std::move(value);
    });
  for (const auto& set : edits.set)
    attempt([&] {
      document[Pointer(set.name)] =
          set.literal ? nlohmann::ordered_json(*set.literal) : nlohmann::ordered_json(expand(set.value, context));
    });
  body = document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::string expand(const model::Template& value, TemplateContext& context, bool json_escape) {
  std::string out;
  for (const auto& part : value.parts) {
    if (part.source == model::Template::Source::Text || !json_escape) out += value_of(part, context);
    else util::append_json_escaped(out, value_of(part, context));
  }
  return out;
}

bool is_json_media_type(std::string_view content_type) {
  std::string type = util::to_lower(content_type.substr(0, content_type.find(';')));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  auto slash = type.find('/');
  if (slash == std::string::npos) return false;
  std::string_view subtype = std::string_view(type).substr(slash + 1);
  return subtype == "json" || (subtype.size() > 5 && subtype.substr(subtype.size() - 5) == "+json");
}

void transform_request(const model::TransformPolicy& transform, TemplateContext& context, httplib::Request& out) {
  edit_headers(out.headers, transform.request_headers, context);
  if (!transform.request_query.empty()) {
    auto q = out.target.find('?');
    std::string query = edit_query(q == std::string::npos ? "" : std::string_view(out.target).substr(q + 1),
                                   transform.request_query, context);
    out.target = out.target.substr(0, q) + (query.empty() ? "" : "?" + query);
    out.params.clear();
    httplib::detail::parse_query_text(query, out.params);
  }
  edit_body(out.body, out.get_header_value("Content-Type"), transform.request_body, context);
}

void transform_response(const model::TransformPolicy& transform, TemplateContext& context, httplib::Response& res) {
  edit_headers(res.headers, transform.response_headers, context);
  edit_body(res.body, res.get_header_value("Content-Type"), transform.response_body, context);
}

void apply_gateway_response(const model::Config& config, std::string_view type, TemplateContext& context,
                            httplib::Response& res) {
  const model::GatewayResponse* custom = config.find_gateway_response(type);
  if (!custom) custom = config.find_gateway_response(res.status >= 500 ? "DEFAULT_5XX" : "DEFAULT_4XX");
  if (!custom) return;
  context.error_status = res.status;
  context.error_message.clear();
  if (is_json_media_type(res.get_header_value("Content-Type")))
    if (auto problem = nlohmann::json::parse(res.body, nullptr, false); problem.is_object() && problem["detail"].is_string())
      context.error_message = problem["detail"].get<std::string>();
  if (custom->status) res.status = *custom->status;
  for (const auto& header : custom->headers) set_header(res.headers, header, context);
  if (custom->body) {
    std::string content_type = res.get_header_value("Content-Type");
    bool custom_type = std::any_of(custom->headers.begin(), custom->headers.end(),
                                   [](const auto& h) { return util::to_lower(h.name) == "content-type"; });
    if (!custom_type) content_type = custom->json_body ? "application/json" : "text/plain; charset=utf-8";
    res.body = expand(*custom->body, context, is_json_media_type(content_type));
    res.headers.erase("Content-Type");
    res.headers.emplace("Content-Type", content_type);
  }
}

}  // namespace apigw::policy
