#!/usr/bin/env bash
# Loading + importing the GitHub spec (5.7 MB), side by side with `jq empty` (the cost of merely parsing it) and,
# with --peers, `redocly bundle` and `swagger-cli validate` from npm. Prints medians and ratios; never a pass/fail.
#   bash bench/import.sh [--peers] [--runs N]
set -euo pipefail
cd "$(dirname "$0")/.."
SPEC=${SPEC:-../shared/corpus/large/api.github.com.json}
RUNS=5
PEERS=0
while [ $# -gt 0 ]; do
  case "$1" in
    --peers) PEERS=1 ;;
    --runs) RUNS=$2; shift ;;
  esac
  shift
done
[ -f "$SPEC" ] || { echo "bench/import.sh: $SPEC not found (set SPEC=...)" >&2; exit 2; }
bash .ci/dev build >/dev/null
for tool in jq bc; do
  command -v $tool >/dev/null || { sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo; $sudo apt-get install -y -qq $tool >/dev/null; }
done
APIGW=build/release/apigw
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# median wall seconds and max RSS (KB) of RUNS runs of a command
measure() {
  local name=$1
  shift
  local times=() rss=0
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %M" -o "$TMP/t" "$@" >/dev/null 2>&1 || { echo "$name failed" >&2; return 1; }
    read -r t m <"$TMP/t"
    times+=("$t")
    [ "$m" -gt "$rss" ] && rss=$m
  done
  local median
  median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  printf '%-28s median %6.3f s   peak RSS %7.1f MB\n' "$name" "$median" "$(echo "$rss / 1024" | bc -l)" >&2
  echo "$median"
}

echo "spec: $SPEC ($(du -h "$SPEC" | cut -f1)), $RUNS runs each" >&2
a=$(measure "apigw import (yaml)" "$APIGW" import "$SPEC" -o "$TMP/gw.yaml")
aj=$(measure "apigw import (json)" "$APIGW" import "$SPEC" --format json)
j=$(measure "jq empty" jq empty "$SPEC")
echo "ratio apigw import / jq empty: $(echo "$a / $j" | bc -l | cut -c1-5)"
echo "ratio apigw import --format json / jq empty: $(echo "$aj / $j" | bc -l | cut -c1-5)"
if [ "$PEERS" = 1 ]; then
  npm install --prefix "$TMP/npm" --silent @redocly/cli @apidevtools/swagger-cli >/dev/null 2>&1
  r=$(measure "redocly bundle" "$TMP/npm/node_modules/.bin/redocly" bundle "$SPEC" -o "$TMP/b.json")
  s=$(measure "swagger-cli validate" "$TMP/npm/node_modules/.bin/swagger-cli" validate "$SPEC")
  echo "ratio redocly bundle / apigw import: $(echo "$r / $a" | bc -l | cut -c1-5)"
  echo "ratio swagger-cli validate / apigw import: $(echo "$s / $a" | bc -l | cut -c1-5)"
fi
