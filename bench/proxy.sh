#!/usr/bin/env bash
# Proxy throughput: apigw serve proxying GET /pets to an nginx upstream (`return 200`) vs nginx reverse-proxying to
# the same upstream (proxy_pass with upstream keepalive), measured with wrk in one run; also apigw serving the
# OpenAPI sample with --proxy (request validation on). Prints req/s, p99 latency and the ratio; never a pass/fail.
#   bash bench/proxy.sh [--duration 10s] [--connections 32]
# APIGW=path/to/apigw uses that binary instead of building build/release.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=10s
CONNS=32
source bench/lib.sh
bench_args "$@"
bench_packages wrk nginx-light
bench_binary
bench_tmp

BODY='[{"id":1,"name":"Rex","tag":"dog"},{"id":2,"name":"Tom","tag":"cat"}]'


# nginx NAME SERVER-BLOCK: starts an nginx with the default worker count serving that block
nginx_run() {
  mkdir -p "$TMP/$1"
  cat >"$TMP/$1/nginx.conf" <<CONF
worker_processes auto;
pid $TMP/$1/nginx.pid;
error_log $TMP/$1/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $TMP/$1; proxy_temp_path $TMP/$1; fastcgi_temp_path $TMP/$1; uwsgi_temp_path $TMP/$1; scgi_temp_path $TMP/$1;
  $2
}
CONF
  nginx -c "$TMP/$1/nginx.conf" -g 'daemon off;' &
  PIDS+=($!)
}

UP=$(free_port)
nginx_run upstream "server { listen 127.0.0.1:$UP; keepalive_requests 100000;
    location / { default_type application/json; return 200 '$BODY'; } }"
wait_port "$UP"

NP=$(free_port)
nginx_run proxy "upstream up { server 127.0.0.1:$UP; keepalive 64; }
  server { listen 127.0.0.1:$NP;
    location / { proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection \"\"; } }"
wait_port "$NP"

AP=$(free_port)
cat >"$TMP/gateway.yaml" <<YAML
apigw: 1
backends:
  pets: http://127.0.0.1:$UP
routes:
  - { method: GET, path: /pets, proxy: pets }
YAML
"$APIGW" serve "$TMP/gateway.yaml" --port "$AP" --access-log off 2>"$TMP/apigw.err" &
PIDS+=($!)
wait_port "$AP"

VP=$(free_port)
"$APIGW" serve samples/openapi.yaml --proxy "http://127.0.0.1:$UP" --port "$VP" --access-log off 2>"$TMP/apigw-spec.err" &
PIDS+=($!)
wait_port "$VP"

echo "wrk -t2 -c$CONNS -d$DURATION, GET /pets proxied to nginx return 200 (upstream keep-alive), $(nproc) cores" >&2
wrk_run "nginx upstream, direct" "http://127.0.0.1:$UP/pets" >/dev/null
a=$(wrk_run "apigw serve (proxy route)" "http://127.0.0.1:$AP/pets")
v=$(wrk_run "apigw serve spec --proxy" "http://127.0.0.1:$VP/pets")
n=$(wrk_run "nginx proxy_pass" "http://127.0.0.1:$NP/pets")
echo "ratio apigw / nginx proxy: $(echo "$a / $n" | bc -l | cut -c1-5) (validating: $(echo "$v / $n" | bc -l | cut -c1-5))"
