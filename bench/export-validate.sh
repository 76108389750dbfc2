#!/usr/bin/env bash
# Validates every OpenAPI document `apigw export` writes with third-party validators from npm: @redocly/cli
# (`redocly lint`) and @apidevtools/swagger-cli (`swagger-cli validate`). Not part of `.ci/dev test` (it needs the
# network and Node.js); run it by hand or in a scheduled job. Exit 1 when a validator rejects an export.
#   bash bench/export-validate.sh [CONFIG...]      (default: samples/gateway.yaml, samples/browser-app.yaml and tests/fixtures/export/*.yaml)
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/dev build >/dev/null
APIGW=build/release/apigw
command -v npm >/dev/null || { sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo; $sudo apt-get install -y -qq npm >/dev/null; }
TOOLS=$(mktemp -d)
TMP=$(mktemp -d)
trap 'rm -rf "$TOOLS" "$TMP"' EXIT
npm install --silent --prefix "$TOOLS" @redocly/cli @apidevtools/swagger-cli >/dev/null
REDOCLY=$TOOLS/node_modules/.bin/redocly
SWAGGER=$TOOLS/node_modules/.bin/swagger-cli

configs=("$@")
[ ${#configs[@]} -eq 0 ] && configs=(samples/gateway.yaml samples/browser-app.yaml tests/fixtures/export/proxy.yaml tests/fixtures/export/jwt-http.yaml tests/fixtures/export/limits.yaml)
failed=0
for cfg in "${configs[@]}"; do
  for target in aws-rest aws-http gcp azure; do
    out=$TMP/$(basename "$cfg" .yaml)-$target
    if ! $APIGW export "$cfg" --target "$target" -o "$out" 2>"$out.log"; then
      echo "skip  $cfg --target $target (the target rejects this config: $(grep -c ': error:' "$out.log") errors)"
      continue
    fi
    for check in "$SWAGGER validate $out/openapi.json" "$REDOCLY lint --skip-rule=operation-4xx-response --skip-rule=security-defined --skip-rule=no-server-example.com --skip-rule=info-license $out/openapi.json"; do
      if $check >"$out.check" 2>&1; then
        echo "ok    $cfg --target $target: ${check%% *}"
      else
        echo "FAIL  $cfg --target $target: ${check%% *}"
        sed 's/^/      /' "$out.check"
        failed=1
      fi
    done
  done
done
exit $failed
