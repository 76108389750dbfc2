#!/usr/bin/env bash
# Soak (issue 10: "10 minutes of mixed mock, proxy and policy traffic: no error, RSS flat after warm-up, no
# descriptor growth"). apigw serve runs spec mocks (requests validated), inline mocks, proxy routes to nginx (GET and
# POST) and routes behind an API key and an HS256 JWT, with the access log on and the journal on; wrk drives all of
# them for SECONDS while the script samples VmRSS and open descriptors of apigw every 10 s. At the end it prints the
# errors (wrk's non-2xx/3xx responses and socket errors), RSS after the warm-up (the first tenth, at least 10 s) vs at
# the end, and descriptors after the warm-up vs at the end; it exits 1 on any error, RSS growth over 10 % after the
# warm-up, or any descriptor growth.
#   bash bench/soak.sh [SECONDS] [--connections 16]     (default 600 s; APIGW=path/to/apigw to use a given binary)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=600
CONNS=16
if [[ "${1:-}" =~ ^[0-9]+$ ]]; then
  DURATION=$1
  shift
fi
source bench/lib.sh
bench_args "$@"
bench_packages wrk nginx-light
bench_binary
bench_tmp
nginx_upstream

SECRET=soak-secret-0123456789abcdef0123456789
cat >"$TMP/gateway.yaml" <<CONF
apigw: 1
openapi: $PWD/samples/openapi.yaml
backends:
  up: { url: "http://127.0.0.1:$NP" }
auth:
  key: { type: api_key, keys: [soak-key] }
  token: { type: jwt, secret: "$SECRET", algorithms: [HS256] }
routes:
  - { method: GET, path: /pets, operation: listPets }
  - { method: GET, path: "/pets/{petId}", operation: showPetById }
  - { method: GET, path: /inline, mock: { headers: { x-soak: "1" }, body: { id: 1, name: Rex, tags: [a, b] } } }
  - { method: GET, path: "/up/{rest+}", proxy: { backend: up, path: "/{rest}" } }
  - { method: POST, path: /up-post, proxy: { backend: up, path: /post } }
  - { method: GET, path: /keyed, auth: [key], mock: { body: { ok: true } } }
  - { method: GET, path: "/jwt/{rest+}", auth: [token], proxy: { backend: up, path: "/{rest}" } }
CONF
TOKEN=$("$APIGW" token --alg HS256 --secret "$SECRET" --exp 2h)
AP=$(free_port)
"$APIGW" serve "$TMP/gateway.yaml" --port "$AP" --access-log "$TMP/access.jsonl" --journal-size 100 \
  2>"$TMP/apigw.err" &
APID=$!
PIDS+=($APID)
wait_port "$AP" || { cat "$TMP/apigw.err"; exit 1; }

# Each wrk connection cycles through every kind of request; all of them should be answered 2xx.
cat >"$TMP/mix.lua" <<'LUA'
local token = os.getenv("SOAK_TOKEN")
local n = 0
request = function()
  n = n + 1
  local k = n % 8
  if k == 0 then return wrk.format("GET", "/pets?limit=5")
  elseif k == 1 then return wrk.format("GET", "/pets/" .. (n % 50 + 1) .. "?__dynamic=true&__seed=" .. n)
  elseif k == 2 then return wrk.format("GET", "/inline")
  elseif k == 3 then return wrk.format("GET", "/up/a/b?n=" .. n)
  elseif k == 4 then
    return wrk.format("POST", "/up-post", {["Content-Type"] = "application/json"}, '{"n":' .. n .. '}')
  elseif k == 5 then return wrk.format("GET", "/keyed", {["X-API-Key"] = "soak-key"})
  else return wrk.format("GET", "/jwt/c?n=" .. n, {["Authorization"] = "Bearer " .. token}) end
end
LUA

WARMUP=$(( DURATION / 10 / 10 * 10 ))
[ "$WARMUP" -lt 10 ] && WARMUP=10
rss() { rss_kib "$APID"; }
fds() { open_fds "$APID"; }
echo "apigw serve under wrk -t2 -c$CONNS for ${DURATION}s (mixed: spec mocks, inline mocks, proxy GET/POST," \
  "API key, JWT), warm-up ${WARMUP}s, $(nproc) cores" >&2
SOAK_TOKEN=$TOKEN wrk -t2 -c"$CONNS" -d"${DURATION}s" --timeout 10s -s "$TMP/mix.lua" "http://127.0.0.1:$AP" \
  >"$TMP/wrk.out" &
WPID=$!
printf '%6s %10s %6s\n' "t (s)" "RSS (KiB)" "fds"
t=0
start_rss="" start_fds="" end_rss="" end_fds=""
while kill -0 "$WPID" 2>/dev/null; do
  sleep 10
  t=$((t + 10))
  kill -0 "$WPID" 2>/dev/null || break
  r=$(rss); f=$(fds)
  printf '%6s %10s %6s\n' "$t" "$r" "$f"
  [ "$t" = "$WARMUP" ] && start_rss=$r && start_fds=$f
  end_rss=$r; end_fds=$f
done
wait "$WPID" || true
kill -0 "$APID" 2>/dev/null || { echo "apigw is gone:"; cat "$TMP/apigw.err"; exit 1; }
grep -E "requests in|Requests/sec|Non-2xx|Socket errors" "$TMP/wrk.out" || true
non2xx=$(awk '/Non-2xx or 3xx responses/ {print $NF}' "$TMP/wrk.out")
socket=$(awk '/Socket errors/ {gsub(",", ""); print $4 + $6 + $8 + $10}' "$TMP/wrk.out")
errors=$(( ${non2xx:-0} + ${socket:-0} ))
echo "access log: $(wc -l <"$TMP/access.jsonl") lines; statuses:" \
  "$(python3 -c 'import collections,json,sys; print(dict(collections.Counter(json.loads(l)["status"] for l in open(sys.argv[1]))))' "$TMP/access.jsonl")"
echo "errors: $errors (non-2xx/3xx: ${non2xx:-0}, socket errors: ${socket:-0})"
if [ -z "$start_rss" ] || [ -z "$end_rss" ]; then
  echo "too short for a sample after the warm-up (${WARMUP}s)"
  exit 1
fi
growth=$(echo "scale=1; ($end_rss - $start_rss) * 100 / $start_rss" | bc)
echo "RSS after warm-up (${WARMUP} s): ${start_rss} KiB; at the end: ${end_rss} KiB; growth: ${growth}%"
echo "descriptors after warm-up: $start_fds; at the end: $end_fds"
fail=0
[ "$errors" -gt 0 ] && { echo "FAIL: $errors errors"; fail=1; }
[ $(( (end_rss - start_rss) * 10 > start_rss )) = 1 ] && { echo "FAIL: RSS grew by more than 10%"; fail=1; }
[ "$end_fds" -gt "$start_fds" ] && { echo "FAIL: descriptors grew"; fail=1; }
[ "$fail" = 0 ] && echo "PASS"
exit "$fail"
