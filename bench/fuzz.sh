#!/usr/bin/env bash
# Runs every libFuzzer target (fuzz/, docs/fuzzing.md) one after the other, one process at a time.
#   bash bench/fuzz.sh [SECONDS] [TARGET...]   SECONDS per target (default 3600); every target unless some are named
# Builds build/fuzz with clang-14 (only the fuzz targets and what they link), makes the seed corpora (fuzz/seeds,
# the fixtures and ../shared/corpus when present) into build/fuzz/seeds/, and keeps what each run discovers in
# build/fuzz/corpus/<target>/ for the next run. A crash, leak, timeout or sanitizer report stops the run with the
# reproducer in build/fuzz/artifacts/<target>/ and exit status 1; keep it under fuzz/regressions/<target>/ once fixed.
# Environment: APIGW_JOBS (build jobs, default nproc), APIGW_FUZZ_FLAGS (extra libFuzzer flags), APIGW_FUZZ_BUILD
# (build directory, default build/fuzz).
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_EACH=${1:-3600}
shift || true
ALL=(doc_json doc_yaml config openapi schema router request policy)
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=("${ALL[@]}")
JOBS=${APIGW_JOBS:-$(nproc)}
CXX_CLANG=${APIGW_FUZZ_CXX:-clang++-14}
B=${APIGW_FUZZ_BUILD:-build/fuzz}

command -v "$CXX_CLANG" >/dev/null || { echo "fuzz: $CXX_CLANG not found (apt-get install clang-14 libclang-rt-14-dev)" >&2; exit 2; }
if [ ! -f "$B/CMakeCache.txt" ]; then
  cmake -S . -B "$B" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1" \
        -DCMAKE_CXX_COMPILER="$CXX_CLANG" -DAPIGW_FUZZ=ON >/dev/null
fi
start=$(date +%s)
cmake --build "$B" --target fuzz -j "$JOBS"
echo "== fuzz build: $(( $(date +%s) - start )) s"

rm -rf "$B/seeds"
"$B/fuzz_make_seeds" . "$B/seeds" ../shared/corpus

dict_of() {
  case $1 in
    doc_json) echo json ;; doc_yaml) echo yaml ;; request) echo http ;; policy) echo jwt ;; *) echo "$1" ;;
  esac
}
max_len_of() {
  case $1 in
    openapi|config|doc_yaml|doc_json) echo 65536 ;; *) echo 16384 ;;
  esac
}

status=0
summary=()
for t in "${TARGETS[@]}"; do
  mkdir -p "$B/corpus/$t" "$B/artifacts/$t" "$B/seeds/$t"
  log="$B/artifacts/$t/last-run.log"
  echo "== fuzz_$t for ${SECONDS_EACH}s"
  # One process, in-process (no -jobs/-workers: those fork and write fuzz-N.log into the current directory).
  # -rss_limit_mb: ASan's own overhead included; -timeout: one input taking longer is a hang.
  # shellcheck disable=SC2086
  if ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
     "$B/fuzz_$t" "$B/corpus/$t" "$B/seeds/$t" -dict="fuzz/dicts/$(dict_of "$t").dict" \
       -max_total_time="$SECONDS_EACH" -max_len="$(max_len_of "$t")" -timeout=10 -rss_limit_mb=2560 \
       -print_final_stats=1 -artifact_prefix="$B/artifacts/$t/" ${APIGW_FUZZ_FLAGS:-} \
       >"$log" 2>&1; then
    runs=$(grep -E "^stat::number_of_executed_units" "$log" | awk '{print $2}')
    rate=$(grep -E "^stat::average_exec_per_sec" "$log" | awk '{print $2}')
    cov=$(grep -E "^#[0-9]+.*(DONE|pulse|NEW|REDUCE)" "$log" | tail -1 | grep -oE "cov: [0-9]+" || true)
    summary+=("fuzz_$t: ok, ${runs:-?} runs, ${rate:-?} exec/s, ${cov:-cov: ?}")
  else
    status=1
    summary+=("fuzz_$t: FAILED (see $log; reproducer in $B/artifacts/$t/)")
    grep -E "ERROR: |SUMMARY: |Test unit written|runtime error" "$log" | head -8 >&2 || true
  fi
done
echo "== fuzz summary (${SECONDS_EACH}s each, $(( $(date +%s) - start )) s in all)"
printf '%s\n' "${summary[@]}"
exit $status
