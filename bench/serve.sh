#!/usr/bin/env bash
# Mock GET throughput: apigw serve (a config's static mock, and the OpenAPI sample served directly: response chosen
# from the spec, query parameter validated) vs nginx `return 200` (same body) and, with --prism, Stoplight Prism's
# mock of the same spec and URL, all measured with wrk in one run. Prints req/s, p99 latency and ratios; never a
# pass/fail.
#   bash bench/serve.sh [--prism] [--duration 10s] [--connections 32]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=10s
CONNS=32
PRISM=0
while [ $# -gt 0 ]; do
  case "$1" in
    --prism) PRISM=1 ;;
    --duration) DURATION=$2; shift ;;
    --connections) CONNS=$2; shift ;;
  esac
  shift
done
sudo=""
[ "$(id -u)" -ne 0 ] && sudo=sudo
for pkg in wrk nginx-light; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || $sudo apt-get install -y -qq "$pkg" >/dev/null
done
bash .ci/dev build >/dev/null
TMP=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$TMP"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.05; done; return 1; }
BODY='[{"id":1,"name":"Rex","tag":"dog"},{"id":2,"name":"Tom","tag":"cat"}]'

# run NAME URL: prints "NAME req/s p99"
bench() {
  local out
  out=$(wrk -t2 -c"$CONNS" -d"$DURATION" --latency "$2")
  local rps p99
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  printf '%-22s %10s req/s   p99 %s\n' "$1" "$rps" "$p99" >&2
  echo "$rps"
}

AP=$(free_port)
build/release/apigw serve samples/gateway.yaml --port "$AP" --access-log off 2>"$TMP/apigw.err" &
PIDS+=($!)
wait_port "$AP"

SP=$(free_port)
build/release/apigw serve samples/openapi.yaml --port "$SP" --access-log off 2>"$TMP/apigw-spec.err" &
PIDS+=($!)
wait_port "$SP"

NP=$(free_port)
cat >"$TMP/nginx.conf" <<CONF
worker_processes auto;
pid $TMP/nginx.pid;
error_log $TMP/nginx.err;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $TMP; proxy_temp_path $TMP; fastcgi_temp_path $TMP; uwsgi_temp_path $TMP; scgi_temp_path $TMP;
  server { listen 127.0.0.1:$NP; location / { default_type application/json; return 200 '$BODY'; } }
}
CONF
nginx -c "$TMP/nginx.conf" -g 'daemon off;' &
PIDS+=($!)
wait_port "$NP"

echo "wrk -t2 -c$CONNS -d$DURATION, GET /pets (mock), $(nproc) cores" >&2
a=$(bench "apigw serve" "http://127.0.0.1:$AP/pets")
s=$(bench "apigw serve SPEC" "http://127.0.0.1:$SP/pets?limit=10")
n=$(bench "nginx return 200" "http://127.0.0.1:$NP/pets")
echo "ratio apigw / nginx: $(echo "$a / $n" | bc -l | cut -c1-5)"
echo "ratio apigw SPEC (validated, chosen from the spec) / nginx: $(echo "$s / $n" | bc -l | cut -c1-5)"
if [ "$PRISM" = 1 ]; then
  npm install --prefix "$TMP/npm" --silent @stoplight/prism-cli >/dev/null 2>&1
  PP=$(free_port)
  "$TMP/npm/node_modules/.bin/prism" mock -p "$PP" -v error samples/openapi.yaml >/dev/null 2>&1 &
  PIDS+=($!)
  wait_port "$PP"
  sleep 1
  p=$(bench "prism mock -v error" "http://127.0.0.1:$PP/pets?limit=10")
  echo "ratio apigw SPEC / prism (same spec and URL): $(echo "$s / $p" | bc -l | cut -c1-5)"
fi
