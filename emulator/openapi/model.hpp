// One model for every OpenAPI version: Swagger 2.0 is normalised into the 3.x shape (servers, requestBody,
// media types, components), so import, lint, serve and export read operations one way. The original version stays
// known (spec.version()). Schemas are not copied: they are Located nodes in the spec's files, except for the few
// schemas Swagger 2.0 forces us to synthesise (inline parameter types, formData bodies), which the model owns.
#pragma once

#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "emulator/diag/diagnostic.hpp"
#include "emulator/openapi/spec.hpp"

namespace apigw::openapi {

struct Example {
  std::string name;  // "" for a single `example`
  Located value;     // the example's value (already taken out of an Example Object)
};

struct MediaType {
  std::string name;  // "application/json"
  Located schema;    // may be empty
  std::vector<Example> examples;
};

struct Parameter {
  std::string name;
  std::string in;  // path, query, header, cookie
  bool required = false;
  Located schema;
  std::string style;  // as written or the default for `in`
  bool explode = false;
  Located node;
};

struct RequestBody {
  bool required = false;
  std::vector<MediaType> content;
  Located node;
};

struct Header {
  std::string name;
  Located schema;
  std::vector<Example> examples;
};

struct Response {
  std::string code;  // "200", "2XX", "default"
  std::string description;
  std::vector<MediaType> content;
  std::vector<Header> headers;
  Located node;
};

// AND of (scheme name, scopes); an operation's security is an OR of these.
using SecurityRequirement = std::vector<std::pair<std::string, std::vector<std::string>>>;

struct Operation {
  std::string method;  // lower case, or "x-amazon-apigateway-any-method"
  std::string path;
  std::string operation_id;
  std::string summary;
  bool deprecated = false;
  std::vector<Parameter> parameters;  // path-level merged with operation-level
  std::optional<RequestBody> request_body;
  std::vector<Response> responses;
  std::optional<std::vector<SecurityRequirement>> security;  // none: the document's default applies
  Located node;
  doc::Mark mark;        // of the method key
  std::string key_path;  // paths["/pets"].get
  bool webhook = false;  // 3.1: under `webhooks` (path is the webhook's name; the API sends the request)
  // 3.x `callbacks` of another operation (also sent by the API, so `webhook` is true): the callback's name, and the
  // JSON pointer tokens from the document root to this operation; `path` is the callback's runtime expression.
  std::string callback;
  std::vector<std::string> callback_location;
};

struct SecurityScheme {
  std::string name;
  std::string type;  // apiKey, http, oauth2, openIdConnect, mutualTLS
  std::string in;    // apiKey: header, query, cookie
  std::string param_name;
  std::string scheme;  // http: basic, bearer, ...
  std::string bearer_format;
  std::string open_id_connect_url;
  std::vector<std::string> scopes;  // every scope any oauth2 flow declares
  Located node;
};

struct Server {
  std::string url;  // variables replaced by their defaults
  std::string description;
  doc::Mark mark;
};

struct Model {
  Version version = Version::OpenApi30;
  std::string title;
  std::string api_version;
  std::vector<Server> servers;
  std::vector<Operation> operations;  // in document order
  std::vector<Operation> webhooks;    // 3.1 `webhooks` and 3.x `callbacks`: outgoing calls, not routes (lint checks them)
  std::vector<SecurityScheme> security_schemes;
  std::vector<SecurityRequirement> security;  // the document's default
  std::deque<doc::Node> synthesized;           // owns schemas made for Swagger 2.0; deque keeps addresses stable
  std::deque<std::string> synthesized_files;
};

// Builds the model. Unresolvable references are skipped here (Spec::check_references reports them).
Model normalize(const Spec& spec, diag::Diagnostics* warnings = nullptr);

}  // namespace apigw::openapi
