#include <pthread.h>
#include <signal.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <thread>

#include "cli/command.hpp"
#include "cli/import/importer.hpp"
#include "emulator/server/server.hpp"

namespace apigw::cli {

namespace {

// A path a person can curl: the first GET route, its parameters filled with "1".
std::string try_path(const model::Config& cfg) {
  const model::Route* pick = nullptr;
  for (const auto& r : cfg.routes) {
    bool get = std::find(r.methods.begin(), r.methods.end(), "GET") != r.methods.end();
    if (get && (!pick || r.path.param_names().size() < pick->path.param_names().size())) pick = &r;
  }
  if (!pick) return "/";
  std::string out;
  for (const auto& s : pick->path.segments) {
    out += '/';
    switch (s.kind) {
      case router::Segment::Kind::Literal: out += s.literal; break;
      case router::Segment::Kind::Mixed: out += s.prefix + "1" + s.suffix; break;
      default: out += "1";
    }
  }
  if (out.empty() || pick->path.trailing_slash) out += '/';
  return out;
}

// A gateway config, or an OpenAPI document imported on the fly (mock mode, or proxy mode with --proxy URL).
model::LoadResult load_for_serve(const std::string& path, const std::string& proxy_url) {
  doc::Document d = doc::load_file(path);
  bool is_spec = d.ok() && d.root.is_object() && !model::is_gateway_config(d.root) &&
                 (d.root.find("openapi") || d.root.find("swagger"));
  if (!is_spec) {
    if (!proxy_url.empty()) {
      model::LoadResult r;
      r.diagnostics.push_back({diag::Severity::Error, "usage", path, {}, "",
                               "--proxy applies to OpenAPI documents; a gateway config names its backends itself"});
      return r;
    }
    return model::load_config_document(d);
  }
  model::LoadResult r;
  auto spec = openapi::Spec::load(path, r.diagnostics);
  if (spec) spec->check_references(r.diagnostics);
  if (!spec || diag::has_errors(r.diagnostics)) return r;
  import::Options options;
  options.spec_reference = std::filesystem::path(path).filename().string();
  if (!proxy_url.empty()) {
    options.mode = "proxy";
    options.upstream = proxy_url;
  }
  auto imported = import::import_spec(*spec, options);
  for (auto& w : imported.warnings) r.diagnostics.push_back(std::move(w));
  if (!imported.ok) return r;
  auto loaded = model::load_config_text(imported.config.dump(), path);
  for (auto& diagnostic : loaded.diagnostics) r.diagnostics.push_back(std::move(diagnostic));
  r.config = std::move(loaded.config);
  if (diag::has_errors(r.diagnostics)) r.config.reset();
  return r;
}

void print_diagnostics(const diag::Diagnostics& ds) {
  for (const auto& d : ds)
    std::cerr << d.format().insert(doc::where(d.file, d.mark).size() + 2, std::string(diag::severity_name(d.severity)) + ": ")
              << "\n";
}

}  // namespace

Command serve_command() {
  return {"serve", "Run the gateway locally: mock and proxy the config's routes", [](CLI::App& sub) {
            struct Options {
              std::string config;
              std::string proxy;
              std::string host;
              int port = -1;
              std::string access_log = "-";
              size_t threads = 0;
            };
            auto o = std::make_shared<Options>();
            sub.add_option("config", o->config, "gateway config, or an OpenAPI document to mock (YAML or JSON)")->required();
            sub.add_option("--proxy", o->proxy, "with an OpenAPI document: forward every operation to this upstream URL");
            sub.add_option("--host", o->host, "address to listen on (overrides the config's listen)");
            sub.add_option("-p,--port", o->port, "port to listen on; 0 picks a free one (overrides listen)")
                ->check(CLI::Range(0, 65535));
            sub.add_option("--access-log", o->access_log, "where JSON-lines access logs go: - (stdout), a file, or off")
                ->capture_default_str();
            sub.add_option("--threads", o->threads, "worker threads (default: 8 per core, at least 16)");
            sub.footer(
                "Examples:\n"
                "  apigw serve samples/gateway.yaml\n"
                "  apigw serve gateway.yaml --port 0 --access-log access.jsonl\n"
                "  apigw serve openapi.yaml                      (mock every operation from the spec's examples)\n"
                "  apigw serve openapi.yaml --proxy http://127.0.0.1:9000\n"
                "\nThe URL goes to stderr once listening; access logs go to stdout unless --access-log says otherwise.\n"
                "SIGINT or SIGTERM stops it after in-flight requests finish.\n"
                "Exit codes: 0 stopped cleanly; 2 the config has errors (all listed) or bad flags; 3 cannot listen.");
            return [o]() -> int {
              auto loaded = load_for_serve(o->config, o->proxy);
              if (!loaded.config) {
                print_diagnostics(loaded.diagnostics);
                std::cerr << "apigw serve: " << o->config << " has errors; not serving\n";
                return k_exit_bad_input;
              }
              print_diagnostics(loaded.diagnostics);  // warnings
              model::Config cfg = std::move(*loaded.config);
              for (const auto& a : cfg.auth)
                if (a.accepts_anything())
                  std::cerr << "apigw serve: warning: auth scheme '" << a.name
                            << "' accepts any credential of the right shape (nothing to check it against; see 'apigw lint')\n";

              server::ServerOptions options;
              options.host = o->host.empty() ? cfg.listen_host : o->host;
              options.port = o->port >= 0 ? o->port : cfg.listen_port;
              options.threads = o->threads;
              std::FILE* log_file = nullptr;
              if (o->access_log == "off") {
                options.access_log = nullptr;
              } else if (o->access_log == "-") {
                options.access_log = stdout;
              } else {
                log_file = std::fopen(o->access_log.c_str(), "a");
                if (!log_file) {
                  std::cerr << "apigw serve: cannot open access log " << o->access_log << ": " << std::strerror(errno) << "\n";
                  return k_exit_bad_input;
                }
                options.access_log = log_file;
              }

              // Signals are taken by one thread with sigwait, so no handler runs inside a worker.
              sigset_t signals;
              sigemptyset(&signals);
              sigaddset(&signals, SIGINT);
              sigaddset(&signals, SIGTERM);
              pthread_sigmask(SIG_BLOCK, &signals, nullptr);
              ::signal(SIGPIPE, SIG_IGN);

              std::string name = cfg.name;
              size_t route_count = cfg.routes.size();
              std::string path = try_path(cfg);
              auto gateway = std::make_shared<const server::Gateway>(std::move(cfg));
              server::Server server(gateway, options);
              std::string error;
              int port = server.bind(&error);
              if (port < 0) {
                std::cerr << "apigw serve: " << error << "\n";
                if (log_file) std::fclose(log_file);
                return k_exit_unavailable;
              }
              std::string host = options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host;
              std::string url = "http://" + host + ":" + std::to_string(port);
              std::cerr << "apigw serve: " << name << " (" << route_count << (route_count == 1 ? " route" : " routes")
                        << ") listening on " << url << "\n"
                        << "  try: curl -i " << url << path << "\n"
                        << "  stop: Ctrl-C\n";
              std::cerr.flush();

              std::thread waiter([&server, signals]() {
                int sig = 0;
                sigwait(&signals, &sig);
                server.stop();
              });
              server.run();
              waiter.join();
              std::cerr << "apigw serve: stopped\n";
              if (log_file) std::fclose(log_file);
              return k_exit_ok;
            };
          }};
}

}  // namespace apigw::cli
