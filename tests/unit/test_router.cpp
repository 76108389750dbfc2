#include <doctest/doctest.h>

#include "emulator/router/router.hpp"

using namespace apigw::router;
using Status = RouteMatch::Status;

namespace {
PathTemplate T(const char* text) {
  std::string err;
  auto t = parse_template(text, &err);
  REQUIRE_MESSAGE(t, err);
  return *t;
}
}  // namespace

TEST_CASE("path templates are validated") {
  std::string err;
  CHECK_FALSE(parse_template("pets", &err));
  CHECK(err == "must start with '/'");
  CHECK_FALSE(parse_template("/pets/{id", &err));
  CHECK(err == "unclosed '{' in segment '{id'");
  CHECK_FALSE(parse_template("/a/{id}/b/{id}", &err));
  CHECK(err == "parameter 'id' appears twice");
  CHECK_FALSE(parse_template("/a/{p+}/b", &err));
  CHECK(err == "a greedy parameter {p+} must be the last segment");
  CHECK_FALSE(parse_template("/a//b", &err));
  CHECK(err == "empty path segment ('//')");
  CHECK_FALSE(parse_template("/a?b=1", &err));
  CHECK_FALSE(parse_template("/{a}{b}", &err));
  CHECK(parse_template("/files/{name}.json", &err));
  CHECK(T("/pets/{id}").shape() == T("/pets/{petId}").shape());
}

TEST_CASE("a concrete path beats a templated one, whatever the order") {
  Router r;
  r.add(T("/pets/{id}"), "GET", 0);
  r.add(T("/pets/mine"), "GET", 1);
  r.add(T("/pets/{id}.json"), "GET", 2);
  r.add(T("/pets"), "GET", 3);
  r.add(T("/files/{path+}"), "GET", 4);

  auto m = r.match("GET", "/pets/mine");
  CHECK(m.status == Status::Found);
  CHECK(m.route == 1);
  m = r.match("GET", "/pets/42");
  CHECK(m.route == 0);
  REQUIRE(m.params.size() == 1);
  CHECK(m.params[0] == std::make_pair(std::string("id"), std::string("42")));
  m = r.match("GET", "/pets/42.json");
  CHECK(m.route == 2);
  CHECK(m.params[0].second == "42");
  m = r.match("GET", "/files/a/b%2Fc/d.txt");
  CHECK(m.route == 4);
  CHECK(m.params[0].second == "a/b/c/d.txt");
  CHECK(r.match("GET", "/pets").route == 3);
}

TEST_CASE("404 for no path, 405 with Allow for a wrong method") {
  Router r;
  r.add(T("/pets"), "GET", 0);
  r.add(T("/pets"), "POST", 1);
  r.add(T("/pets/{id}"), "DELETE", 2);
  CHECK(r.match("GET", "/nothing").status == Status::NotFound);
  CHECK(r.match("GET", "/pets/").status == Status::NotFound);  // trailing slash is a different path
  auto m = r.match("PUT", "/pets");
  CHECK(m.status == Status::MethodNotAllowed);
  CHECK(m.allow == "GET, HEAD, POST");
  CHECK(r.match("HEAD", "/pets").route == 0);  // HEAD falls back to GET
  CHECK(r.match("GET", "/pets/1").allow == "DELETE");
}

TEST_CASE("ANY routes take every method, explicit methods win") {
  Router r;
  r.add(T("/x"), "ANY", 0);
  r.add(T("/x"), "GET", 1);
  CHECK(r.match("GET", "/x").route == 1);
  CHECK(r.match("PATCH", "/x").route == 0);
}

TEST_CASE("the root path and percent-decoded parameters") {
  Router r;
  r.add(T("/"), "GET", 0);
  r.add(T("/users/{name}"), "GET", 1);
  CHECK(r.match("GET", "/").route == 0);
  auto m = r.match("GET", "/users/J%C3%BCrgen%20X");
  CHECK(m.params[0].second == "J\xC3\xBCrgen X");
}

TEST_CASE("duplicate method and shape is reported by add") {
  Router r;
  CHECK(r.add(T("/a/{x}"), "GET", 0) == -1);
  CHECK(r.add(T("/a/{y}"), "GET", 1) == 0);
}

TEST_CASE("router: dot segments, plain or percent-encoded, are found; dots inside a segment are not") {
  using apigw::router::has_dot_segment;
  CHECK(has_dot_segment("/a/../b"));
  CHECK(has_dot_segment("/a/./b"));
  CHECK(has_dot_segment("/a/%2e%2E"));
  CHECK(has_dot_segment("/a/.%2e/b"));
  CHECK(has_dot_segment("/.."));
  CHECK_FALSE(has_dot_segment("/a/..b/c"));
  CHECK_FALSE(has_dot_segment("/v1.2/x"));
  CHECK_FALSE(has_dot_segment("/a/..."));
  CHECK_FALSE(has_dot_segment("/a/%2e%2e%2e"));
  CHECK_FALSE(has_dot_segment("/"));
  CHECK_FALSE(has_dot_segment("/a/..%2Fb"));
}
