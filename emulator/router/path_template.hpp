// Path templates: "/pets/{petId}", "/files/{name}.json", "/proxy/{path+}".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace apigw::router {

struct Segment {
  enum class Kind { Literal, Param, Mixed, Greedy };
  Kind kind = Kind::Literal;
  std::string literal;  // Literal: the text; Mixed: unused
  std::string prefix;   // Mixed: text before the parameter
  std::string suffix;   // Mixed: text after the parameter
  std::string param;    // Param, Mixed, Greedy: the parameter's name
};

struct PathTemplate {
  std::string text;
  std::vector<Segment> segments;
  bool trailing_slash = false;

  std::vector<std::string> param_names() const;
  // The template with parameter names erased ("/pets/{}"): two templates with the same shape are the same route.
  std::string shape() const;
};

// Parses and validates a template; on failure returns nullopt and sets `error`.
std::optional<PathTemplate> parse_template(std::string_view text, std::string* error);

}  // namespace apigw::router
