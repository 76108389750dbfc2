#!/usr/bin/env bash
# Mock GET throughput: apigw serve (a config's static mock, and the OpenAPI sample served directly: response chosen
# from the spec, query parameter validated) vs nginx `return 200` (same body) and, with --prism, Stoplight Prism's
# mock of the same spec and URL, all measured with wrk in one run. Prints req/s, p99 latency and ratios; never a
# pass/fail.
#   bash bench/serve.sh [--prism] [--duration 10s] [--connections 32]   (APIGW=path/to/apigw to use a given binary)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=10s
CONNS=32
PRISM=0
source bench/lib.sh
bench_args "$@"
bench_packages wrk nginx-light
bench_binary
bench_tmp

BODY='[{"id":1,"name":"Rex","tag":"dog"},{"id":2,"name":"Tom","tag":"cat"}]'

AP=$(free_port)
"$APIGW" serve samples/gateway.yaml --port "$AP" --access-log off 2>"$TMP/apigw.err" &
PIDS+=($!)
wait_port "$AP"

SP=$(free_port)
"$APIGW" serve samples/openapi.yaml --port "$SP" --access-log off 2>"$TMP/apigw-spec.err" &
PIDS+=($!)
wait_port "$SP"

nginx_upstream "$BODY" auto

echo "wrk -t2 -c$CONNS -d$DURATION, GET /pets (mock), $(nproc) cores" >&2
a=$(wrk_run "apigw serve" "http://127.0.0.1:$AP/pets")
s=$(wrk_run "apigw serve SPEC" "http://127.0.0.1:$SP/pets?limit=10")
n=$(wrk_run "nginx return 200" "http://127.0.0.1:$NP/pets")
echo "ratio apigw / nginx: $(echo "$a / $n" | bc -l | cut -c1-5)"
echo "ratio apigw SPEC (validated, chosen from the spec) / nginx: $(echo "$s / $n" | bc -l | cut -c1-5)"
if [ "$PRISM" = 1 ]; then
  npm install --prefix "$TMP/npm" --silent @stoplight/prism-cli >/dev/null 2>&1
  PP=$(free_port)
  "$TMP/npm/node_modules/.bin/prism" mock -p "$PP" -v error samples/openapi.yaml >/dev/null 2>&1 &
  PIDS+=($!)
  wait_port "$PP"
  sleep 1
  p=$(wrk_run "prism mock -v error" "http://127.0.0.1:$PP/pets?limit=10")
  echo "ratio apigw SPEC / prism (same spec and URL): $(echo "$s / $p" | bc -l | cut -c1-5)"
fi
