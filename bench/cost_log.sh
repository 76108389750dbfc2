#!/usr/bin/env bash
# Reading serve's access log for `apigw cost --from-log`: a generated 1M-line log, timed beside `wc -l` and `jq`
# reading the same file (the floor for "just reading it"). Prints seconds and ratios; never a pass/fail.
#   bash bench/cost_log.sh [--lines N]
set -euo pipefail
cd "$(dirname "$0")/.."
LINES=1000000
[ "${1:-}" = "--lines" ] && LINES=$2
bash .ci/dev build >/dev/null
command -v jq >/dev/null || { sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo; $sudo apt-get install -y -qq jq >/dev/null; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
awk -v n="$LINES" 'BEGIN {
  srand(1);
  for (i = 0; i < n; i++) {
    s = i % 86400; h = int(s / 3600); m = int((s % 3600) / 60); sec = s % 60;
    printf "{\"time\":\"2026-11-%02dT%02d:%02d:%02d.000Z\",\"method\":\"GET\",\"path\":\"/pets/%d\",\"route\":\"%s\",\"status\":200,\"duration_ms\":0.05,\"request_bytes\":%d,\"bytes\":%d,\"client\":\"127.0.0.1\"}\n",
      1 + int(i / 86400) % 28, h, m, sec, i % 1000, (i % 3 ? "getPet" : "listPets"), int(rand() * 2048), int(rand() * 16384)
  }
}' >"$TMP/access.jsonl"
echo "log: $LINES lines, $(du -h "$TMP/access.jsonl" | cut -f1)" >&2
t() { /usr/bin/time -f "%e" -o "$TMP/t" "$@" >/dev/null 2>&1; cat "$TMP/t"; }
a=$(t build/release/apigw cost --from-log "$TMP/access.jsonl" --provider aws)
w=$(t wc -l "$TMP/access.jsonl")
j=$(t jq -c '.bytes' "$TMP/access.jsonl")
echo "apigw cost --from-log: ${a}s   wc -l: ${w}s   jq -c .bytes: ${j}s"
echo "ratio apigw / jq: $(echo "$a / $j" | bc -l | cut -c1-5)"
