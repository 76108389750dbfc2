// The request-head checks the server runs before cpp-httplib parses a request (docs/hardening.md).
#include <doctest/doctest.h>

#include "emulator/server/connection.hpp"

using apigw::server::check_head;

namespace {
int status_of(const std::string& head) { return check_head(head, apigw::model::Limits{}).status; }
}  // namespace

TEST_CASE("check_head accepts ordinary requests and reads their body framing") {
  auto get = check_head("GET /caf\xc3\xa9?q=1 HTTP/1.1\r\nHost: x\r\nX-Tab: a\tb\r\n\r\n", {});
  CHECK(get.status == 0);
  CHECK(get.method == "GET");
  CHECK(get.target == "/caf\xc3\xa9?q=1");
  CHECK_FALSE(get.content_length);
  auto post = check_head("POST /p HTTP/1.1\r\ncontent-length: 12\r\nContent-Length: 12\r\n\r\n", {});
  CHECK(post.status == 0);
  CHECK(post.content_length == 12u);  // identical duplicates are one length
  CHECK(check_head("POST /p HTTP/1.1\nTransfer-Encoding: Chunked\n\n", {}).chunked);  // bare LF line ends
}

TEST_CASE("check_head refuses malformed heads, smuggling and oversized parts") {
  CHECK(status_of("GET /a\x7f HTTP/1.1\r\n\r\n") == 400);
  CHECK(status_of("GET /\xed\xa0\x80 HTTP/1.1\r\n\r\n") == 400);  // a UTF-16 surrogate
  CHECK(status_of("GET /\xf4\x90\x80\x80 HTTP/1.1\r\n\r\n") == 400);  // past U+10FFFF
  CHECK(status_of("GET /\xe2\x82 HTTP/1.1\r\n\r\n") == 400);  // cut short
  CHECK(status_of("GET / HTTP/1.1\r\n: empty name\r\n\r\n") == 400);
  CHECK(status_of("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n") == 400);
  CHECK(status_of("POST / HTTP/1.1\r\nContent-Length: 1,2\r\n\r\n") == 400);
  CHECK(status_of("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n") == 400);
  CHECK(status_of("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n") == 400);
  apigw::model::Limits small;
  small.max_body_size = 10;
  small.max_request_line = 64;
  small.max_header_size = 1024;
  CHECK(check_head("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n", small).status == 413);
  CHECK(check_head("GET /" + std::string(60, 'a') + " HTTP/1.1\r\n\r\n", small).status == 414);
  CHECK(check_head("GET / HTTP/1.1\r\nX: " + std::string(1100, 'v') + "\r\n\r\n", small).status == 431);
}
