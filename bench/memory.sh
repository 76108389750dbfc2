#!/usr/bin/env bash
# Memory under load (issue 6: "memory flat under a 1-minute load, no growth beyond the journal bound"):
# apigw serve runs the OpenAPI sample (responses chosen from the spec, requests validated, dynamic bodies with a
# fresh seed each time, a stateful collection written and read) and a proxy route to nginx, with the access log to
# a file and the request journal on. wrk drives every kind of request for DURATION; the script samples VmRSS and
# open descriptors every 5 s and prints the growth after the warm-up (the first 10 s). Never a pass/fail.
#   bash bench/memory.sh [--duration 60] [--connections 32]      (APIGW=path/to/apigw to use a given binary)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=60
CONNS=32
source bench/lib.sh
bench_args "$@"
bench_packages wrk nginx-light
bench_binary
bench_tmp

nginx_upstream

cat >"$TMP/gateway.yaml" <<CONF
apigw: 1
openapi: $PWD/samples/openapi.yaml
backends:
  up: { url: "http://127.0.0.1:$NP" }
routes:
  - { method: GET, path: /pets, operation: listPets }
  - { method: GET, path: "/pets/{petId}", operation: showPetById }
  - { method: POST, path: /notes, state: notes }
  - { method: GET, path: "/notes/{id}", state: notes }
  - { method: DELETE, path: "/notes/{id}", state: notes }
  - { method: GET, path: "/up/{rest+}", proxy: { backend: up, path: "/{rest}" } }
CONF
AP=$(free_port)
"$APIGW" serve "$TMP/gateway.yaml" --port "$AP" --access-log "$TMP/access.jsonl" --journal-size 100 \
  2>"$TMP/apigw.err" &
APID=$!
PIDS+=($APID)
wait_port "$AP" || { cat "$TMP/apigw.err"; exit 1; }

# Each wrk connection cycles through: a validated spec mock, a dynamic body with a new seed, an invalid request
# (422 problem), a note created, read back and deleted (the store stays small; its churn is measured), and a
# proxied request.
cat >"$TMP/mix.lua" <<'LUA'
local threads = 0
setup = function(thread) threads = threads + 1; thread:set("tid", threads) end
local n = 0
request = function()
  n = n + 1
  local k = n % 7
  local note = "/notes/" .. tid .. "-"
  if k == 0 then return wrk.format("GET", "/pets?limit=5")
  elseif k == 1 then return wrk.format("GET", "/pets/" .. (n % 50 + 1) .. "?__dynamic=true&__seed=" .. n)
  elseif k == 2 then return wrk.format("GET", "/pets?limit=oops")
  elseif k == 3 then
    return wrk.format("POST", "/notes", {["Content-Type"] = "application/json"},
                      '{"id":"' .. tid .. "-" .. n .. '","text":"hello"}')
  elseif k == 4 then return wrk.format("GET", note .. (n - 1))
  elseif k == 5 then return wrk.format("DELETE", note .. (n - 2))
  else return wrk.format("GET", "/up/a/b?n=" .. n) end
end
LUA

rss() { rss_kib "$APID"; }
fds() { open_fds "$APID"; }
echo "apigw serve under wrk -t2 -c$CONNS for ${DURATION}s (mixed: spec mocks, dynamic bodies, 422s, stateful, proxy)" >&2
wrk -t2 -c"$CONNS" -d"${DURATION}s" -s "$TMP/mix.lua" "http://127.0.0.1:$AP" >"$TMP/wrk.out" &
WPID=$!
printf '%6s %10s %6s\n' "t (s)" "RSS (KiB)" "fds"
t=0
start_rss=""
while kill -0 "$WPID" 2>/dev/null; do
  sleep 5
  t=$((t + 5))
  kill -0 "$WPID" 2>/dev/null || break
  r=$(rss); f=$(fds)
  printf '%6s %10s %6s\n' "$t" "$r" "$f"
  [ "$t" = 10 ] && start_rss=$r && start_fds=$f
  end_rss=$r; end_fds=$f
done
wait "$WPID" || true
grep -E "Requests/sec|requests in|Non-2xx|Socket errors" "$TMP/wrk.out" || true
lines=$(wc -l <"$TMP/access.jsonl")
echo "access log lines: $lines; answers by route and status:"
python3 - "$TMP/access.jsonl" <<'PY'
import collections, json, sys
counts = collections.Counter()
for line in open(sys.argv[1]):
    r = json.loads(line)
    counts[(r.get("route") or r.get("method", "") + " " + r.get("path", ""), r.get("status"))] += 1
for (route, status), n in sorted(counts.items(), key=lambda kv: (str(kv[0][0]), kv[0][1] or 0)):
    print(f"  {str(route):<28} {status}  {n}")
PY
if [ -n "$start_rss" ]; then
  echo "RSS after warm-up (10 s): ${start_rss} KiB; at the end: ${end_rss} KiB; growth: $(echo "scale=1; ($end_rss - $start_rss) * 100 / $start_rss" | bc)%"
  echo "descriptors after warm-up: $start_fds; at the end: $end_fds"
fi
