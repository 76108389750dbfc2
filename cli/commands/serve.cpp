#include <pthread.h>
#include <signal.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <thread>
#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include "cli/command.hpp"
#include "cli/import/importer.hpp"
#include "emulator/policy/clock.hpp"
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

// A gateway config, or an OpenAPI document imported on the fly (mock mode, or proxy mode with --proxy URL); then
// `spec` is that document, loaded once for the import and the routes' contracts.
model::LoadResult load_for_serve(const std::string& path, const std::string& proxy_url, bool stateful,
                                 const std::string& stage, std::shared_ptr<const openapi::Spec>& spec_out) {
  model::LoadOptions load_options;
  load_options.stage = stage;
  doc::Document d = doc::load_file(path);
  bool is_spec = d.ok() && d.root.is_object() && !model::is_gateway_config(d.root) &&
                 (d.root.find("openapi") || d.root.find("swagger"));
  if (!is_spec) {
    if (!proxy_url.empty() || stateful) {
      model::LoadResult r;
      r.diagnostics.push_back({diag::Severity::Error, "usage", path, {}, "",
                               !proxy_url.empty()
                                   ? "--proxy applies to OpenAPI documents; a gateway config names its backends itself"
                                   : "--stateful applies to OpenAPI documents; in a gateway config, give routes 'state:'"});
      return r;
    }
    return model::load_config_document(d, load_options);
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
  } else if (stateful) {
    options.mode = "stateful";
  }
  auto imported = import::import_spec(*spec, options);
  for (auto& w : imported.warnings) r.diagnostics.push_back(std::move(w));
  if (!imported.ok) return r;
  auto loaded = model::load_config_text(imported.config.dump(), path, load_options);
  for (auto& diagnostic : loaded.diagnostics) r.diagnostics.push_back(std::move(diagnostic));
  r.config = std::move(loaded.config);
  if (diag::has_errors(r.diagnostics)) r.config.reset();
  spec_out = std::move(spec);
  return r;
}

void print_diagnostics(const diag::Diagnostics& ds) {
  for (const auto& d : ds)
    std::cerr << d.format().insert(doc::where(d.file, d.mark).size() + 2, std::string(diag::severity_name(d.severity)) + ": ")
              << "\n";
}

struct Options {
  std::vector<std::string> configs;
  std::string proxy;
  bool stateful = false;
  std::string host;
  int port = -1;
  std::string access_log = "-";
  size_t threads = 0;
  std::string validate;
  bool watch = false;
  bool errors = false;
  size_t journal_size = 100;
  std::string tls_cert, tls_key;
  bool tls_self_signed = false;
  bool insecure_upstream = false;
  std::string clock = "system";
  std::string stage;
  bool stage_prefix = false;
};

// What one load of the config (or spec) gives: the gateway to serve, and the files it was made from.
struct Built {
  std::shared_ptr<const server::Gateway> gateway;
  std::vector<std::string> files;
};

bool same_auth(const model::AuthScheme& a, const model::AuthScheme& b) {
  return a.type == b.type && a.source == b.source && a.keys == b.keys && a.users == b.users && a.secret == b.secret;
}

bool same_plan(const model::UsagePlan& a, const model::UsagePlan& b) {
  auto same_throttle = [](const model::Throttle& x, const model::Throttle& y) {
    return x.rate == y.rate && x.burst == y.burst;
  };
  auto same_quota = [](const model::Quota& x, const model::Quota& y) {
    return x.limit == y.limit && x.period == y.period && x.offset == y.offset;
  };
  auto same_routes = [&](const auto& x, const auto& y) {
    return x.size() == y.size() && std::equal(x.begin(), x.end(), y.begin(), [&](const auto& l, const auto& r) {
             return l.first == r.first && same_throttle(l.second, r.second);
           });
  };
  return a.throttle.has_value() == b.throttle.has_value() && (!a.throttle || same_throttle(*a.throttle, *b.throttle)) &&
         a.quota.has_value() == b.quota.has_value() && (!a.quota || same_quota(*a.quota, *b.quota)) &&
         same_routes(a.route_throttle, b.route_throttle);
}

// Adds `next` (another served file) to `merged`: routes appended (a route id already taken gets the config's name in
// front), backends and auth schemes shared by name when they are the same, an error when the same name means
// different things. Overlapping routes are reported by the Gateway (the first file keeps them).
bool merge_config(model::Config& merged, model::Config next) {
  bool ok = true;
  merged.name += "+" + next.name;
  for (auto& b : next.backends) {
    const model::Backend* have = merged.find_backend(b.name);
    if (!have) {
      merged.backends.push_back(std::move(b));
    } else if (have->url_text != b.url_text) {
      std::cerr << doc::where(next.file, b.mark) << ": error: backends." << b.name << ": also defined in "
                << merged.file << " with another URL (" << have->url_text << "); rename one\n";
      ok = false;
    }
  }
  for (auto& a : next.auth) {
    const model::AuthScheme* have = merged.find_auth(a.name);
    if (!have) {
      merged.auth.push_back(std::move(a));
    } else if (have->accepts_anything() && !a.accepts_anything()) {
      // A served spec's scheme has nothing to check credentials against; a config's authorizer of the same name
      // takes its place (apigw serve authorizers.yaml openapi.yaml).
      *std::find_if(merged.auth.begin(), merged.auth.end(), [&](const auto& x) { return x.name == a.name; }) = std::move(a);
    } else if (a.accepts_anything() && !have->accepts_anything()) {
      continue;
    } else if (!same_auth(*have, a)) {
      std::cerr << doc::where(next.file, a.mark) << ": error: auth." << a.name << ": also defined differently in "
                << merged.file << "; rename one\n";
      ok = false;
    }
  }
  for (auto& p : next.usage_plans) {
    const model::UsagePlan* have = merged.find_plan(p.name);
    if (!have) {
      merged.usage_plans.push_back(std::move(p));
    } else if (!same_plan(*have, p)) {
      std::cerr << doc::where(next.file, p.mark) << ": error: usage_plans." << p.name << ": also defined differently in "
                << merged.file << "; rename one\n";
      ok = false;
    }
  }
  for (auto& r : next.routes) {
    bool taken = std::any_of(merged.routes.begin(), merged.routes.end(), [&](const auto& m) { return m.id == r.id; });
    if (taken) r.id = next.name + "." + r.id;
    merged.routes.push_back(std::move(r));
  }
  return ok;
}

// Loads, links and builds every served file into one gateway; prints every diagnostic. Null gateway on errors.
Built build_gateway(const Options& o) {
  Built out;
  std::optional<model::Config> merged;
  std::map<std::string, std::shared_ptr<const openapi::Spec>> specs;
  bool ok = true;
  for (const auto& input : o.configs) {
    out.files.push_back(input);
    std::shared_ptr<const openapi::Spec> spec;
    auto loaded = load_for_serve(input, o.proxy, o.stateful, o.stage, spec);
    print_diagnostics(loaded.diagnostics);
    if (!loaded.config) {
      ok = false;
      continue;
    }
    model::Config cfg = std::move(*loaded.config);
    if (!cfg.openapi.empty()) out.files.push_back(cfg.openapi);
    for (const auto& f : cfg.auth_files) out.files.push_back(f);  // keys, htpasswd, JWKS and PEM files
    if (spec) specs.emplace(cfg.openapi, std::move(spec));
    for (auto& r : cfg.routes)  // each file's own default travels with its routes
      if (!r.validate) r.validate = cfg.validate;
    if (!merged) merged = std::move(cfg);
    else ok = merge_config(*merged, std::move(cfg)) && ok;
  }
  if (!ok || !merged) return out;
  model::Config cfg = std::move(*merged);
  if (!o.validate.empty()) {
    const char* modes[] = {"request", "response", "both", "off"};
    for (int i = 0; i < 4; ++i)
      if (o.validate == modes[i]) cfg.validate = static_cast<model::Validate>(i);
    for (auto& r : cfg.routes) r.validate = cfg.validate;
  }
  cfg.fail_on_violations = o.errors;
  if (o.stage_prefix && cfg.stage.empty()) {
    std::cerr << "apigw serve: error: --stage-prefix needs a stage, and " << cfg.file << " defines no 'stages'\n";
    return out;
  }
  cfg.stage_prefix = o.stage_prefix;
  if (o.insecure_upstream)
    for (auto& b : cfg.backends) b.tls_verify = false;
  diag::Diagnostics linked;
  auto contracts = server::Contracts::build(cfg, linked, specs);
  print_diagnostics(linked);
  if (!contracts) return out;
  for (auto& f : contracts->files()) out.files.push_back(std::move(f));
  for (const auto& a : cfg.auth)
    if (a.accepts_anything())
      std::cerr << "apigw serve: warning: auth scheme '" << a.name
                << "' accepts any credential of the right shape (nothing to check it against; see 'apigw lint')\n";
  out.gateway = std::make_shared<const server::Gateway>(std::move(cfg), std::move(contracts));
  for (const auto& w : out.gateway->warnings()) std::cerr << "apigw serve: warning: " << w << "\n";
  return out;
}

// Modification stamps of the watched files (0 for one that is missing, so its return counts as a change).
std::vector<std::pair<std::string, std::filesystem::file_time_type>> stamps(const std::vector<std::string>& files) {
  std::vector<std::pair<std::string, std::filesystem::file_time_type>> out;
  for (const auto& f : files) {
    std::error_code ec;
    auto t = std::filesystem::last_write_time(f, ec);
    out.emplace_back(f, ec ? std::filesystem::file_time_type{} : t);
  }
  return out;
}

}  // namespace

Command serve_command() {
  return {"serve", "Run the gateway locally: mock and proxy the config's routes", [](CLI::App& sub) {
            auto o = std::make_shared<Options>();
            sub.add_option("config", o->configs,
                           "gateway configs or OpenAPI documents (YAML or JSON), served together on one port; "
                           "overlapping routes are reported and the first file keeps them")
                ->required();
            sub.add_option("--proxy", o->proxy, "with an OpenAPI document: forward every operation to this upstream URL");
            sub.add_flag("--stateful", o->stateful,
                         "with an OpenAPI document: CRUD routes (/pets, /pets/{id}) keep what clients POST, PUT, PATCH "
                         "and DELETE in memory, and GET reads it back")
                ->excludes("--proxy");
            sub.add_option("--host", o->host, "address to listen on (overrides the config's listen)");
            sub.add_option("-p,--port", o->port, "port to listen on; 0 picks a free one (overrides listen)")
                ->check(CLI::Range(0, 65535));
            sub.add_option("--access-log", o->access_log, "where JSON-lines access logs go: - (stdout), a file, or off")
                ->capture_default_str();
            sub.add_option("--validate", o->validate,
                           "what spec-linked routes check: request, response (proxied answers), both or off "
                           "(overrides the config's validate)")
                ->check(CLI::IsMember({"request", "response", "both", "off"}));
            sub.add_option("--threads", o->threads, "worker threads kept ready (default: 8 per core, at least 16); more start on demand, up to limits.max_connections");
            sub.add_flag("--errors", o->errors,
                         "a proxied response that breaks the spec (with --validate response or both) is answered "
                         "502 with its violations instead of passed on (Prism's --errors)");
            sub.add_flag("--watch", o->watch,
                         "reload when the config, its OpenAPI document or any file its $refs reach changes "
                         "(a broken edit is reported and the previous config keeps serving); SIGHUP reloads too");
            sub.add_option("--journal-size", o->journal_size, "recent exchanges kept for GET /__apigw/journal")
                ->capture_default_str();
            sub.add_option("--tls-cert", o->tls_cert, "serve HTTPS with this PEM certificate (with --tls-key)");
            sub.add_option("--tls-key", o->tls_key, "the PEM private key of --tls-cert");
            sub.add_flag("--tls-self-signed", o->tls_self_signed,
                         "serve HTTPS with a development certificate made in memory (localhost, 127.0.0.1, ::1)");
            sub.add_option("--clock", o->clock,
                           "the time policies see (JWT exp/nbf, rate limits, quota windows): system, or frozen at the "
                           "start time until POST /__apigw/clock advances or sets it")
                ->check(CLI::IsMember({"system", "frozen"}))
                ->capture_default_str();
            sub.add_option("--stage", o->stage,
                           "the stage to serve: its variables fill ${stageVariables.NAME} (default: the config's first "
                           "stage; an unknown name lists the stages and exits 2)");
            sub.add_flag("--stage-prefix", o->stage_prefix,
                         "routes answer under /STAGE only (/dev/pets), as API Gateway's execute-api URLs do");
            sub.add_flag("--insecure-upstream", o->insecure_upstream,
                         "accept any certificate from https backends (development certificates; as tls_verify: false)");
            sub.footer(
                "Examples:\n"
                "  apigw serve samples/gateway.yaml\n"
                "  apigw serve gateway.yaml --port 0 --access-log access.jsonl\n"
                "  apigw serve openapi.yaml                      (mock every operation from the spec)\n"
                "  apigw serve users.yaml orders.yaml            (two specs on one port)\n"
                "  apigw serve openapi.yaml --proxy http://127.0.0.1:9000 --validate both\n"
                "  apigw serve openapi.yaml --stateful           (POST /pets, then GET /pets/1 reads it back)\n"
                "  apigw serve gateway.yaml --stage prod --stage-prefix   (GET /prod/pets)\n"
                "\nMocked from the spec, a response is chosen as Prism chooses it: 'Prefer: code=404, example=cat,\n"
                "dynamic=true, delay=200' or the __code, __example, __dynamic, __seed, __delay query parameters; else the\n"
                "lowest 2xx. Requests failing the operation's parameters or body get 422 (400 for unreadable JSON, 415\n"
                "for a media type it does not take) with an application/problem+json list of violations.\n"
                "\nAdmin API: GET /__apigw/health, /__apigw/routes, /__apigw/config, /__apigw/metrics (Prometheus),\n"
                "/__apigw/journal (recent exchanges with timings and violations), /__apigw/state (what stateful routes\n"
                "hold; DELETE empties it), /__apigw/clock (POST {\"advance\": \"1d\"} or {\"set\": \"2026-01-01T00:00:00Z\"}).\n"
                "\nThe URL goes to stderr once listening; access logs go to stdout unless --access-log says otherwise.\n"
                "SIGINT or SIGTERM stops it after in-flight requests finish; SIGHUP reloads the config.\n"
                "Exit codes: 0 stopped cleanly; 2 the config has errors (all listed) or bad flags; 3 cannot listen.");
            return [o]() -> int {
              std::string what;
              for (const auto& c : o->configs) what += (what.empty() ? "" : ", ") + c;
              Built built = build_gateway(*o);
              if (!built.gateway) {
                std::cerr << "apigw serve: " << what << " has errors; not serving\n";
                return k_exit_bad_input;
              }
              const model::Config& cfg = built.gateway->config();
              if (o->clock == "frozen") policy::gateway_clock().use(policy::Clock::Mode::Frozen);

              server::ServerOptions options;
              options.host = o->host.empty() ? cfg.listen_host : o->host;
              options.port = o->port >= 0 ? o->port : cfg.listen_port;
              options.threads = o->threads;
              options.journal_size = o->journal_size;
              options.tls_cert = o->tls_cert;
              options.tls_key = o->tls_key;
              options.tls_self_signed = o->tls_self_signed;
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

              // Signals are taken by one thread with sigwait, so no handler runs inside a worker. SIGHUP reloads.
              sigset_t signals;
              sigemptyset(&signals);
              sigaddset(&signals, SIGINT);
              sigaddset(&signals, SIGTERM);
              sigaddset(&signals, SIGHUP);
              pthread_sigmask(SIG_BLOCK, &signals, nullptr);
              ::signal(SIGPIPE, SIG_IGN);

              std::string name = cfg.name;
              size_t route_count = cfg.routes.size();
              std::string path = (cfg.stage_prefix ? "/" + cfg.stage : "") + try_path(cfg);
              server::Server server(built.gateway, options);
              std::string error;
              int port = server.bind(&error);
              if (port < 0) {
                std::cerr << "apigw serve: " << error << "\n";
                if (log_file) std::fclose(log_file);
                return k_exit_unavailable;
              }
              std::string host = options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host;
              std::string url = std::string(server.tls() ? "https" : "http") + "://" + host + ":" + std::to_string(port);
              std::cerr << "apigw serve: " << name << " (" << route_count << (route_count == 1 ? " route" : " routes")
                        << ") listening on " << url << "\n"
                        << (cfg.stage.empty() ? ""
                                                : "  stage: " + cfg.stage +
                                                      (o->stage.empty() && cfg.stages.size() > 1
                                                           ? " (the first of " + std::to_string(cfg.stages.size()) +
                                                                 "; choose one with --stage)"
                                                           : "") +
                                                      "\n")
                        << "  try: curl -i " << (o->tls_self_signed ? "-k " : "") << url << path << "\n"
                        << (o->watch ? "  watching " + std::to_string(built.files.size()) + " files for changes\n" : "")
                        << "  stop: Ctrl-C\n";
              std::cerr.flush();

              // Reloads keep serving the previous config when the new one has errors; requests in flight finish
              // with the config they started with.
              std::mutex reload_mutex;
              auto files = built.files;
              auto reload = [&](const char* why) {
                std::lock_guard lock(reload_mutex);
                Built next = build_gateway(*o);
                if (!next.files.empty()) files = next.files;
                if (!next.gateway) {
                  std::cerr << "apigw serve: " << why << ": " << what
                            << " has errors; still serving the previous config\n";
                  return;
                }
                const auto& c = next.gateway->config();
                if (c.listen_host != cfg.listen_host || c.listen_port != cfg.listen_port)
                  std::cerr << "apigw serve: warning: listen changed; restart to move to it\n";
                size_t n = c.routes.size();
                server.swap(std::move(next.gateway));
                std::cerr << "apigw serve: " << why << ": reloaded " << what << " (" << n
                          << (n == 1 ? " route" : " routes") << ")\n";
              };

              std::atomic<bool> stopping{false};
              std::thread waiter([&]() {
                while (true) {
                  int sig = 0;
                  sigwait(&signals, &sig);
                  if (sig == SIGHUP) {
                    reload("SIGHUP");
                    continue;
                  }
                  stopping = true;
                  server.stop();
                  return;
                }
              });
              std::thread watcher;
              if (o->watch)
                watcher = std::thread([&]() {
                  auto seen = stamps(files);
                  while (!stopping) {
                    std::this_thread::sleep_for(std::chrono::milliseconds(250));
                    std::vector<std::string> current;
                    {
                      std::lock_guard lock(reload_mutex);
                      current = files;
                    }
                    auto now = stamps(current);
                    if (now == seen) continue;
                    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let an editor finish writing
                    reload("change");
                    std::lock_guard lock(reload_mutex);
                    seen = stamps(files);
                  }
                });
              server.run();
              stopping = true;
              waiter.join();
              if (watcher.joinable()) watcher.join();
              std::cerr << "apigw serve: stopped\n";
              if (log_file) std::fclose(log_file);
              return k_exit_ok;
            };
          }};
}

}  // namespace apigw::cli
