#include "emulator/server/server.hpp"

#include <sys/resource.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <thread>
#include <utility>

#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "emulator/server/connection.hpp"
#include "emulator/server/observe.hpp"
#include "emulator/server/proxy.hpp"

namespace apigw::server {

namespace {

// Reads the request body the server left unread into req.body, as httplib itself would (the server's own Request:
// handlers only see it const), with limits.max_body_size enforced for chunked bodies too. A multipart body is kept
// whole in the body (httplib would split it into req.files and leave the body empty, which a proxy cannot forward);
// a form body's fields become params as httplib does. False (with res.status 413 or 400) when it cannot be read.
bool read_body(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader, size_t max) {
  auto& body = const_cast<httplib::Request&>(req).body;
  auto content_type = req.headers.find("Content-Type");
  std::string hidden;
  if (content_type != req.headers.end() && content_type->second.rfind("multipart/form-data", 0) == 0)
    hidden = std::exchange(const_cast<std::string&>(content_type->second), "application/octet-stream");
  bool too_large = false;
  bool ok = reader([&](const char* data, size_t n) {
    if (body.size() + n > max) return !(too_large = true);
    body.append(data, n);
    return true;
  });
  if (!hidden.empty()) const_cast<std::string&>(content_type->second) = std::move(hidden);
  if (!ok) {
    if (too_large) res.status = 413;
    else if (res.status < 400) res.status = 400;
    return false;
  }
  if (content_type != req.headers.end() && content_type->second.rfind("application/x-www-form-urlencoded", 0) == 0)
    httplib::detail::parse_query_text(body, const_cast<httplib::Request&>(req).params);
  return true;
}

// A development certificate for localhost, 127.0.0.1 and ::1, valid for 30 days, made in memory (P-256, SHA-256).
bool make_self_signed(X509*& cert, EVP_PKEY*& key) {
  key = EVP_EC_gen("P-256");
  cert = X509_new();
  if (!key || !cert) return false;
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), static_cast<long>(std::time(nullptr)));
  X509_gmtime_adj(X509_getm_notBefore(cert), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert), 30L * 24 * 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("apigw development"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1");
  if (!san) return false;
  X509_add_ext(cert, san, -1);
  X509_EXTENSION_free(san);
  return X509_sign(cert, key, EVP_sha256()) > 0;
}

}  // namespace

struct Server::Impl {
  std::atomic<std::shared_ptr<const Gateway>> gateway;
  ServerOptions options;
  std::unique_ptr<httplib::Server> http;
  Listener* listener = nullptr;  // http itself when serving plain HTTP
  int listen_socket = -1;
  std::unique_ptr<AccessLog> log;
  std::unique_ptr<Observer> observer;
  std::string tls_error;  // why the TLS server cannot start
  bool tls = false;
};

Server::Server(std::shared_ptr<const Gateway> gateway, ServerOptions options) : impl_(std::make_unique<Impl>()) {
  const auto limits = gateway->config().limits;
  impl_->gateway.store(std::move(gateway));
  impl_->options = std::move(options);
  if (impl_->options.access_log) impl_->log = std::make_unique<AccessLog>(impl_->options.access_log);
  impl_->observer = std::make_unique<Observer>(impl_->options.journal_size);
  const auto& o = impl_->options;
  if (o.tls_self_signed) {
    X509* cert = nullptr;
    EVP_PKEY* key = nullptr;
    if (make_self_signed(cert, key)) impl_->http = std::make_unique<httplib::SSLServer>(cert, key);
    else impl_->tls_error = "cannot make a self-signed certificate";
    X509_free(cert);
    EVP_PKEY_free(key);
    impl_->tls = true;
  } else if (!o.tls_cert.empty() || !o.tls_key.empty()) {
    impl_->http = std::make_unique<httplib::SSLServer>(o.tls_cert.c_str(), o.tls_key.c_str());
    if (!impl_->http->is_valid())
      impl_->tls_error = "cannot use the TLS certificate '" + o.tls_cert + "' with key '" + o.tls_key +
                         "' (both must be readable PEM files, and the key must match the certificate)";
    impl_->tls = true;
  }
  Impl* impl = impl_.get();
  // Requests answered before routing (httplib's 413 and 400, the listener's rejections) are logged too.
  auto log_rejected = [impl](AccessRecord& record) {
    if (impl->log) impl->log->write(record);
    impl->observer->record(record);
  };
  if (!impl_->http) {
    auto listener = std::make_unique<Listener>([impl] { return impl->gateway.load()->config().limits; }, log_rejected);
    impl_->listener = listener.get();
    impl_->http = std::move(listener);
  }
  auto& http = *impl_->http;
  size_t threads = impl_->options.threads;
  if (threads == 0) threads = std::max<size_t>(16, std::thread::hardware_concurrency() * 8);
  // A connection holds a thread while it is open (httplib's model): threads grow with the connections, up to
  // limits.max_connections and a few more to answer 503 past it, and end after a minute idle.
  size_t max_threads = std::max<size_t>(threads, limits.max_connections + 64);
  http.new_task_queue = [threads, max_threads] { return new ElasticPool(threads, max_threads, std::chrono::minutes(1)); };
  http.set_payload_max_length(limits.max_body_size);
  http.set_read_timeout(limits.read_timeout);
  http.set_write_timeout(limits.write_timeout);
  http.set_keep_alive_timeout(std::max<time_t>(1, std::chrono::duration_cast<std::chrono::seconds>(limits.keep_alive_timeout).count()));
  http.set_tcp_nodelay(true);
  // httplib closes a keep-alive connection after 5 requests by default; load tests reconnect all the time then.
  http.set_keep_alive_max_count(100000);

  // Every request goes through the gateway's own router: httplib only parses HTTP; bodies are read by body_handler
  // (with the size limit), or streamed by the proxy when large. One catch-all handler per method.
  // `stream` carries a large request body left unread for the proxy (docs/config.md#large-bodies), and brings back
  // the byte counts of what the proxy streamed, for the log.
  auto serve = [impl](const httplib::Request& req, httplib::Response& res, std::shared_ptr<const Gateway> gw,
                      BodyStream& stream) {
    // The server's own admin endpoints (metrics, journal); the rest of /__apigw/ belongs to the gateway.
    if (req.path == "/__apigw/metrics" || req.path == "/__apigw/journal") {
      if (req.method != "GET" && req.method != "HEAD") {
        set_problem(res, 405, "Method Not Allowed", "the admin API answers GET");
        res.set_header("Allow", "GET, HEAD");
      } else if (req.path == "/__apigw/metrics") {
        res.set_content(impl->observer->metrics(), "text/plain; version=0.0.4");
      } else {
        res.set_content(impl->observer->journal(), "application/json");
      }
      return;
    }
    auto start = std::chrono::steady_clock::now();
    AccessRecord record;
    record.time = std::chrono::system_clock::now();
    record.client = req.remote_addr;
    {
      BodyStreamScope scope(&stream);
      handle_request(*gw, req, res, record);  // gw keeps this config alive until the request is answered
    }
    if (stream.reader) {
      // A body nobody forwarded (an auth failure, a fault) is read to its end, so the connection can carry the next
      // request; the memory stays flat, the time is what httplib spent reading bodies before handlers anyway.
      if (!stream.consumed) stream.consumed = (*stream.reader)([&](const char*, size_t n) {
        stream.request_bytes += n;
        return stream.request_bytes <= stream.max_body_size;
      });
      record.request_bytes = stream.request_bytes;
    }
    if (stream.response_streamed) record.response_bytes = stream.response_bytes;
    record.duration_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (record.route != "__apigw") impl->observer->record(record);
    if (impl->log) impl->log->write(record);
  };
  auto handler = [impl, serve](const httplib::Request& req, httplib::Response& res) {
    BodyStream stream;
    serve(req, res, impl->gateway.load(), stream);
  };
  // Bodies are read here rather than by httplib, so that a large one bound for a proxy route can be streamed.
  auto body_handler = [impl, serve](const httplib::Request& req, httplib::Response& res,
                                    const httplib::ContentReader& reader) {
    std::shared_ptr<const Gateway> gw = impl->gateway.load();
    BodyStream stream;
    stream.max_body_size = gw->config().limits.max_body_size;
    if (should_stream_request(*gw, req, stream.max_body_size)) stream.reader = &reader;
    else if (!read_body(req, res, reader, stream.max_body_size)) return;  // httplib answers 413/400 as before
    serve(req, res, std::move(gw), stream);
  };
  // RFC 9112 6.3: a request with neither Content-Length nor Transfer-Encoding has no body. cpp-httplib 0.11 instead
  // reads a POST/PUT/PATCH/DELETE body until the read timeout and answers 400 (curl -X DELETE does exactly this).
  // Such requests are answered here, before httplib tries to read a body that is not coming.
  http.set_pre_routing_handler([handler](const httplib::Request& req, httplib::Response& res) {
    bool body_method = req.method == "POST" || req.method == "PUT" || req.method == "PATCH" || req.method == "DELETE";
    if (!body_method || req.has_header("Content-Length") || req.has_header("Transfer-Encoding"))
      return httplib::Server::HandlerResponse::Unhandled;
    handler(req, res);
    return httplib::Server::HandlerResponse::Handled;
  });
  const char* k_any = ".*";
  http.Get(k_any, handler);  // GET and HEAD
  http.Post(k_any, body_handler);
  http.Put(k_any, body_handler);
  http.Patch(k_any, body_handler);
  http.Delete(k_any, body_handler);
  http.Options(k_any, handler);
  // No SO_REUSEPORT: a second server on a busy port must fail, not share it silently.
  http.set_socket_options([impl](int sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    impl->listen_socket = sock;
  });
  http.set_error_handler([impl, log_rejected](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty() || res.has_header(k_streamed_marker)) return;
    const char* title = res.status == 413 ? "Payload Too Large" : res.status == 414 ? "URI Too Long"
                        : res.status == 431 ? "Request Header Fields Too Large" : res.status == 400 ? "Bad Request"
                        : "Error";
    set_problem(res, res.status, title, std::string(title) + ": " + req.method + " " + req.path);
    if (res.status != 404 && res.status != 405) {
      AccessRecord record;
      record.time = std::chrono::system_clock::now();
      record.method = req.method;
      record.path = req.path;
      record.status = res.status;
      record.response_bytes = res.body.size();
      record.client = req.remote_addr;
      log_rejected(record);
    }
  });
}

Server::~Server() = default;

int Server::bind(std::string* error) {
  auto& o = impl_->options;
  if (!impl_->tls_error.empty()) {
    if (error) *error = impl_->tls_error;
    return -1;
  }
  // As nginx's worker_rlimit_nofile: every connection is a descriptor, and the soft limit (often 1024) would cap
  // the gateway far below limits.max_connections.
  rlimit files{};
  if (::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &files);
  }
  errno = 0;
  int port = o.port == 0 ? impl_->http->bind_to_any_port(o.host) : (impl_->http->bind_to_port(o.host, o.port) ? o.port : -1);
  if (port < 0 && error) {
    int e = errno;
    std::string where = o.host + ":" + std::to_string(o.port);
    if (e == EADDRINUSE) *error = "cannot listen on " + where + ": the address is already in use (pick another with --port)";
    else if (e == EACCES) *error = "cannot listen on " + where + ": permission denied (ports below 1024 need privileges)";
    else if (e != 0) *error = "cannot listen on " + where + ": " + std::strerror(e);
    else *error = "cannot listen on " + where + ": the host name does not resolve to a local address";
  }
  // httplib listens with a backlog of 5 (compiled in): a burst of connections would wait for SYN retries. Calling
  // listen() again on a listening socket only changes its backlog.
  if (port >= 0 && impl_->listen_socket >= 0) ::listen(impl_->listen_socket, SOMAXCONN);
  return port;
}

void Server::run() {
  impl_->http->listen_after_bind();
  if (impl_->log) impl_->log->flush();
}

void Server::stop() {
  if (impl_->listener) impl_->listener->shut_down();
  else impl_->http->stop();
}

bool Server::tls() const { return impl_->tls; }

void Server::swap(std::shared_ptr<const Gateway> gateway) { impl_->gateway.store(std::move(gateway)); }

}  // namespace apigw::server
