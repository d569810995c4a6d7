#!/usr/bin/env bash
# One call on a GPU machine: build, tests, sanitizer, benchmarks; logs under $OUT, a short table last.
#   scripts/gpu_session.sh [build] [test] [sanitize] [bench] [profile]   (default: all but profile)
# BENCH_ARGS adds arguments to `llmkb bench` (e.g. "--op rmsnorm --benchmark_repetitions=3").
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/llmkb-out}
mkdir -p "$OUT"
stages=${*:-build test sanitize bench}
build=build/gpu
prefix=""
[ -d .deps ] && prefix="-DCMAKE_PREFIX_PATH=$PWD/.deps"
has() { [[ " $stages " == *" $1 "* ]]; }
secs() { echo $(( $(date +%s) - $1 )); }

nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu --format=csv,noheader
if has build; then
  t=$(date +%s)
  cmake -S . -B $build -G Ninja -DCMAKE_BUILD_TYPE=Release $prefix >"$OUT/configure.log" 2>&1 || { tail -40 "$OUT/configure.log"; exit 1; }
  cmake --build $build -j "$(nproc)" >"$OUT/build.log" 2>&1 || { grep -E "error" -A3 "$OUT/build.log" | head -60; exit 1; }
  echo "build: ok ($(secs $t) s)"
fi
if has test; then
  t=$(date +%s)
  ctest --test-dir $build -L "cpu|gpu" --output-on-failure >"$OUT/ctest.log" 2>&1
  echo "ctest cpu+gpu: exit $? ($(secs $t) s)"; grep -E "tests passed|tests failed|Failed|Skipped" "$OUT/ctest.log" | head -20
  $build/tests/llmkb_gpu_tests --gtest_brief=1 >"$OUT/gpu_tests.log" 2>&1
  grep -E "^\[  (PASSED|FAILED) |tests ran" "$OUT/gpu_tests.log" | head -30
fi
if has sanitize; then
  t=$(date +%s)
  timeout 420 bash scripts/run_sanitizer.sh $build/tests/llmkb_gpu_tests >"$OUT/sanitize.log" 2>&1
  echo "sanitize: exit $? ($(secs $t) s)"; grep -E "ERROR SUMMARY|PASSED|FAILED" "$OUT/sanitize.log" | head -10
fi
if has bench; then
  t=$(date +%s)
  $build/llmkb bench --out "$OUT/results.json" ${BENCH_ARGS:-} >"$OUT/bench.log" 2>&1
  echo "bench: exit $? ($(secs $t) s)"; grep -E "^llmkb" "$OUT/bench.log" | tail -8
fi
if has profile; then
  t=$(date +%s)
  $build/llmkb bench --profile --out "$OUT/results_profile.json" ${PROFILE_ARGS:-} >"$OUT/profile.log" 2>&1
  echo "bench --profile: exit $? ($(secs $t) s)"; grep -E "^llmkb" "$OUT/profile.log" | tail -8
fi
[ -f "$OUT/results.json" ] && python3 scripts/summarize_results.py "$OUT/results.json"
exit 0
