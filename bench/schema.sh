#!/usr/bin/env bash
# Schema validation throughput, apigw against ajv (npm `ajv` + `ajv-formats`, installed into a temp dir), side by
# side in one run: real bodies of the GitHub spec validated against their schemas: its request-body examples (0.1 KB
# on average), its response examples of 1-10 KB (against the response schemas, those ajv finds valid; N of each,
# spread evenly over the spec), plus one ~1 MB request body (a git tree of many entries). Then the whole GitHub spec (5.7 MB) against the
# OpenAPI 3.0 meta-schema. Prints throughputs and ratios (apigw / ajv); never a pass/fail.
# Two things are timed, on both sides alike (yes/no, first error stops it; the schema compiled beforehand, warm-up
# calls made, reading the file outside the timed loop):
# - validate only: an instance already parsed (ajv: a JS object from JSON.parse; apigw: a doc::Tape);
# - bytes to verdict, what a gateway's caller waits for: the body's text parsed and validated (ajv: JSON.parse of a
#   JS string, then validate; apigw: doc::parse_json_tape into a reused tape, as the emulator's server threads do,
#   then is_valid). Decoding the bytes into a JS string (Buffer.toString) is left out of ajv's time.
#   bash bench/schema.sh [--bodies N] [--iterations N]
# Env: SPEC (default ../shared/corpus/large/api.github.com.json), APIGW (default build/release/apigw; built with
# `bash .ci/dev build` when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
SPEC=${SPEC:-../shared/corpus/large/api.github.com.json}
META=${META:-../shared/corpus/openapi-schemas/v3.0/schema.json}
APIGW=${APIGW:-build/release/apigw}
BODIES=40
ITERATIONS=2000
while [ $# -gt 0 ]; do
  case "$1" in
    --bodies) BODIES=$2; shift ;;
    --iterations) ITERATIONS=$2; shift ;;
    *) echo "bench/schema.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
[ -f "$SPEC" ] || { echo "bench/schema.sh: $SPEC not found (set SPEC=...)" >&2; exit 2; }
[ -x "$APIGW" ] || bash .ci/dev build >/dev/null
command -v node >/dev/null && command -v npm >/dev/null || { echo "bench/schema.sh: node and npm are needed for ajv" >&2; exit 2; }
TMP=$(mktemp -d)
trap '[ -n "${KEEP_TMP:-}" ] || rm -rf "$TMP"' EXIT
echo "installing ajv and ajv-formats into $TMP ..." >&2
npm install --prefix "$TMP" --silent --no-audit --no-fund ajv@8 ajv-formats@2 >/dev/null

# 1. Pick request bodies (schema pointer + example) and make the ~1 MB one.
cat > "$TMP/extract.js" <<'JS'
const fs = require('fs');
const [spec_path, out_dir, wanted] = [process.argv[2], process.argv[3], Number(process.argv[4])];
const spec = JSON.parse(fs.readFileSync(spec_path, 'utf8'));
const esc = (t) => t.replace(/~/g, '~0').replace(/\//g, '~1');
const unesc = (t) => t.replace(/~1/g, '/').replace(/~0/g, '~');
// An object and the pointer it sits at, past one $ref (examples and responses are often $refs into components).
const deref = (v, pointer) => {
  if (!v || typeof v.$ref !== 'string' || !v.$ref.startsWith('#/')) return [v, pointer];
  let n = spec;
  for (const t of v.$ref.slice(2).split('/')) n = n && n[unesc(t)];
  return [n, v.$ref.slice(1)];
};
const first_example = (c) => {
  for (const e of Object.values(c.examples || {})) {
    const [x] = deref(e, '');
    if (x && 'value' in x) return x.value;
  }
  return undefined;
};
const evenly = (all, n) => {
  const step = Math.max(1, Math.floor(all.length / n));
  return all.filter((_, i) => i % step === 0).slice(0, n);
};
// Request bodies: every requestBody example (GitHub's are small, 0.1 KB on average).
const requests = [];
// Bodies of a few KB: the response examples of 1-10 KB, each against its response's schema (what the emulator's
// response validation does), kept only when ajv finds them valid (a few GitHub examples are not).
const responses = [];
for (const [p, item] of Object.entries(spec.paths))
  for (const [m, op] of Object.entries(item)) {
    if (!op || typeof op !== 'object') continue;
    const c = op.requestBody && op.requestBody.content && op.requestBody.content['application/json'];
    const value = c && c.schema ? first_example(c) : undefined;
    if (value !== undefined)
      requests.push({pointer: `/paths/${esc(p)}/${m}/requestBody/content/application~1json/schema`, body: value,
                     name: `${m} ${p}`, group: 'request'});
    for (const [code, r0] of Object.entries(op.responses || {})) {
      const [r, at] = deref(r0, `/paths/${esc(p)}/${m}/responses/${esc(code)}`);
      const rc = r && r.content && r.content['application/json'];
      const v = rc && rc.schema ? first_example(rc) : undefined;
      if (v === undefined) continue;
      const size = JSON.stringify(v).length;
      if (size >= 1000 && size <= 10000)
        responses.push({pointer: `${at}/content/application~1json/schema`, body: v, name: `${m} ${p} ${code}`,
                        group: 'kb'});
    }
  }
const Ajv = require('ajv');
const ajv = new Ajv({strict: false, logger: false, validateSchema: false});
require('ajv-formats')(ajv);
ajv.addSchema(spec, 'spec');
// Schemas ajv cannot compile ("nullable" without "type", which OpenAPI 3.0 allows) are left out.
const check = (b) => {
  try {
    return ajv.getSchema(`spec#${b.pointer}`)(b.body) ? 'valid' : 'invalid';
  } catch (e) {
    return 'error';
  }
};
const picked = [...evenly(requests.filter((b) => check(b) !== 'error'), wanted),
                ...evenly(responses.filter((b) => check(b) === 'valid'), wanted)];
const tree = requests.find((b) => b.name === 'post /repos/{owner}/{repo}/git/trees');
if (tree) {
  const entries = [];
  for (let i = 0; JSON.stringify(entries).length < 1000000; ++i)
    entries.push({path: `src/dir${i % 97}/file${i}.rb`, mode: '100644', type: 'blob',
                  sha: '44b4fc6d56897b048c772eb4087f854f46256132'});
  picked.push({pointer: tree.pointer, body: {base_tree: '9fb037999f264ba9a7fc6274d15fa3ae2ab98312', tree: entries},
               name: 'post /repos/{owner}/{repo}/git/trees (1 MB body)', group: 'big'});
}
const list = picked.map((b, i) => {
  const file = `${out_dir}/body${i}.json`;
  fs.writeFileSync(file, JSON.stringify(b.body));
  return {pointer: b.pointer, file, name: b.name, group: b.group, big: b.group === 'big'};
});
fs.writeFileSync(`${out_dir}/bodies.json`, JSON.stringify(list));
for (const b of list) console.log(`${b.pointer}\t${b.file}\t${b.big ? 1 : 0}`);
JS
node "$TMP/extract.js" "$SPEC" "$TMP" "$BODIES" > "$TMP/bodies.tsv"

# 2. ajv: compile each schema once (refs into the spec), validate each body ITERATIONS times (the big one half as
#    many: at 20, and still at 100, validations the timings of the 1 MB body were mostly noise — some 5 ms in all).
cat > "$TMP/ajv.js" <<'JS'
const fs = require('fs');
const Ajv = require('ajv');
const addFormats = require('ajv-formats');
const [spec_path, dir, iterations] = [process.argv[2], process.argv[3], Number(process.argv[4])];
const spec = JSON.parse(fs.readFileSync(spec_path, 'utf8'));
const list = JSON.parse(fs.readFileSync(`${dir}/bodies.json`, 'utf8'));
const ajv = new Ajv({strict: false, logger: false, validateSchema: false, allErrors: false});
addFormats(ajv);
const unesc = (t) => t.replace(/~1/g, '/').replace(/~0/g, '~');
spec.components.schemas = spec.components.schemas || {};
list.forEach((b, i) => {
  let node = spec;
  for (const t of b.pointer.split('/').slice(1)) node = node[unesc(t)];
  spec.components.schemas[`__bench${i}`] = node;
});
ajv.addSchema(spec, 'spec');
list.forEach((b, i) => {
  const validate = ajv.getSchema(`spec#/components/schemas/__bench${i}`);
  const text = fs.readFileSync(b.file, 'utf8');
  const data = JSON.parse(text);
  const n = b.big ? Math.max(20, Math.floor(iterations / 2)) : iterations;
  let valid = 0;
  for (let k = 0; k < Math.min(n, 10); ++k) validate(data);  // warm-up (JIT)
  let t0 = process.hrtime.bigint();
  for (let k = 0; k < n; ++k) valid += validate(data) ? 1 : 0;
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  let parsed_valid = 0;
  for (let k = 0; k < Math.min(n, 10); ++k) validate(JSON.parse(text));
  t0 = process.hrtime.bigint();
  for (let k = 0; k < n; ++k) parsed_valid += validate(JSON.parse(text)) ? 1 : 0;
  const parse_ms = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(`${i}\t${n}\t${ms}\t${valid}\t${parse_ms}\t${parsed_valid}`);
});
JS
node "$TMP/ajv.js" "$SPEC" "$TMP" "$ITERATIONS" > "$TMP/ajv.tsv"

# 3. apigw: the same bodies, same iteration counts (--repeat prints "N validations in X ms" and
#    "N parse+validations in X ms").
i=0
: > "$TMP/apigw.tsv"
while IFS=$'\t' read -r pointer file big; do
  n=$ITERATIONS
  [ "$big" = 1 ] && n=$(( ITERATIONS / 2 > 20 ? ITERATIONS / 2 : 20 ))
  out=$("$APIGW" schema validate "$SPEC#$pointer" "$file" --repeat "$n" 2>&1 >/dev/null || true)
  line=$(echo "$out" | grep ' validations in ' || true)
  ms=$(echo "$line" | sed -E 's/.* validations in ([0-9.e+-]+) ms.*/\1/')
  valid=$(echo "$line" | sed -E 's/.*, ([0-9]+) valid\).*/\1/')
  line=$(echo "$out" | grep ' parse+validations in ' || true)
  parse_ms=$(echo "$line" | sed -E 's/.* parse\+validations in ([0-9.e+-]+) ms.*/\1/')
  parse_valid=$(echo "$line" | sed -E 's/.*, ([0-9]+) valid\).*/\1/')
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$i" "$n" "${ms:-nan}" "${valid:-?}" "${parse_ms:-nan}" "${parse_valid:-?}" \
    >> "$TMP/apigw.tsv"
  i=$((i + 1))
done < "$TMP/bodies.tsv"

# 4. Report: both measures side by side, for the example bodies together and for the big one.
node - "$TMP" <<'JS'
const fs = require('fs');
const dir = process.argv[2];
const list = JSON.parse(fs.readFileSync(`${dir}/bodies.json`, 'utf8'));
const read = (f) => fs.readFileSync(`${dir}/${f}`, 'utf8').trim().split('\n').map((l) => l.split('\t'));
const ajv = read('ajv.tsv'), apigw = read('apigw.tsv');
const zero = () => ({n: 0, bytes: 0, count: 0, a: 0, j: 0, a_parse: 0, j_parse: 0});
const groups = {request: zero(), kb: zero()};
const big = [];
list.forEach((b, i) => {
  const [, n, a_ms, a_valid, a_parse_ms, a_parse_valid] = apigw[i], [, , j_ms, j_valid, j_parse_ms, j_parse_valid] = ajv[i];
  const size = fs.statSync(b.file).size;
  const r = {n: Number(n), bytes: size * Number(n), a: Number(a_ms), j: Number(j_ms), a_parse: Number(a_parse_ms),
             j_parse: Number(j_parse_ms)};
  if (b.big) big.push({b, size, ...r});
  else {
    const g = groups[b.group];
    g.count += 1;
    for (const k of Object.keys(r)) g[k] += r[k];
  }
  if (a_valid !== j_valid || a_parse_valid !== j_parse_valid)
    console.log(`note: validity differs on ${b.name}: apigw ${a_valid}/${n} valid (${a_parse_valid} from bytes), ` +
                `ajv ${j_valid}/${n} (${j_parse_valid} from bytes)`);
});
const each = (ms, n) => (ms / n < 0.1 ? `${(ms / n * 1000).toFixed(1)} us` : `${(ms / n).toFixed(2)} ms`).padStart(9);
const line = (label, a, j, n) =>
  console.log(`  ${label.padEnd(15)} apigw ${each(a, n)} each, ajv ${each(j, n)} each; ratio apigw/ajv: ${(j / a).toFixed(2)}`);
const both = (r) => {
  line('validate only:', r.a, r.j, r.n);
  line('bytes->verdict:', r.a_parse, r.j_parse, r.n);
};
console.log('\nratio = ajv time / apigw time (> 1: apigw faster)');
console.log('  validate only:  an already-parsed instance (ajv: JS object; apigw: doc::Tape)');
console.log('  bytes->verdict: the body text parsed, then validated (ajv: JSON.parse + validate; apigw: parse_json_tape ' +
            'into a reused tape + is_valid)');
const group = (g, label) => {
  if (!g.n) return;
  console.log(`\n${label} (${g.count} GitHub examples, ${g.n} validations, ${(g.bytes / g.n / 1024).toFixed(1)} KB avg):`);
  both(g);
};
group(groups.request, 'request bodies');
group(groups.kb, 'bodies of 1-10 KB (response examples against their response schemas)');
for (const r of big) {
  console.log(`\n${r.b.name}, ${(r.size / 1e6).toFixed(2)} MB, ${r.n} validations:`);
  both(r);
}
JS

# 5. The whole spec against the OpenAPI 3.0 meta-schema (target: under 0.3 s).
if [ -f "$META" ]; then
  start=$(date +%s.%N)
  "$APIGW" schema validate "$META" "$SPEC" >/dev/null
  end=$(date +%s.%N)
  repeat=$("$APIGW" schema validate "$META" "$SPEC" --repeat 5 2>&1 >/dev/null | grep ' validations in ' | sed -E 's/.* validations in ([0-9.]+) ms.*/\1/')
  echo
  echo "GitHub spec ($(du -h "$SPEC" | cut -f1)) against the OpenAPI 3.0 meta-schema:"
  echo "  apigw schema validate, wall (load + compile + validate): $(echo "$end - $start" | bc) s (target < 0.3 s)"
  echo "  validation alone: $(echo "scale=1; $repeat / 5" | bc) ms"
fi
