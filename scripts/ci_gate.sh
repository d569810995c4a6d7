#!/usr/bin/env bash
# What a CI job on a GPU runner does: build, run the benchmark suite, then gate the results against
# the committed baseline for this runner's GPU (baselines/<device name, non-alphanumerics as _>.json)
# and print the gate's Markdown summary. Exits with the gate's code: 0 no regression; 1 a regression
# or a case that failed its check; 2 bad input (no baseline for this GPU, a different driver, CUDA,
# clocks or timing than the baseline's, a results file that could not be made).
#
#   scripts/ci_gate.sh [extra `llmkb bench` arguments]
#
# Environment (all optional):
#   LLMKB_BUILD_DIR    build folder (default build/ci); LLMKB_SKIP_BUILD=1 uses it as it is
#   LLMKB_REPETITIONS  repetitions per case (default 10; the U test needs at least 4 on each side)
#   LLMKB_RESULTS      the run's results file (default results/ci.json)
#   LLMKB_SUMMARY      where the Markdown summary goes (default results/gate.md); it is also appended
#                      to $GITHUB_STEP_SUMMARY when that is set
#   LLMKB_GATE_ARGS    extra `llmkb compare` arguments, e.g. "--threshold 3% --metric time,pct_of_ceiling"
#   LLMKB_BASELINE     a baseline file to use instead of the one picked by device name
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
build=${LLMKB_BUILD_DIR:-build/ci}
repetitions=${LLMKB_REPETITIONS:-10}
results=${LLMKB_RESULTS:-results/ci.json}
summary=${LLMKB_SUMMARY:-results/gate.md}
mkdir -p "$(dirname "$results")" "$(dirname "$summary")"

if [ "${LLMKB_SKIP_BUILD:-0}" != 1 ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DLLMKB_BUILD_TESTS=OFF >/dev/null || exit 2
  cmake --build "$build" --target llmkb || exit 2
fi
llmkb="$build/llmkb"

nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu --format=csv,noheader 2>/dev/null
rm -f "$results"  # a reused runner's earlier results must not be gated in this run's place
"$llmkb" bench --benchmark_repetitions="$repetitions" --out "$results" "$@"
bench_code=$?
# 1: a case failed its check or errored (the results file is still written and the gate reports it),
# or the GPU setup failed (no results file: refused below).
if [ "$bench_code" -ne 0 ] && [ "$bench_code" -ne 1 ]; then
  echo "ci_gate: llmkb bench exited $bench_code: no results to gate" >&2
  exit 2
fi
[ -s "$results" ] || { echo "ci_gate: $results was not written (llmkb bench exited $bench_code)" >&2; exit 2; }

# The baseline for this GPU: named after the device in the results file (CUDA's name for it, the
# name the gate compares), else nvidia-smi's.
device=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["llmkb"]["environment"]["device"]["name"])' \
  "$results" 2>/dev/null || nvidia-smi --query-gpu=name --format=csv,noheader -i 0 | head -1)
baseline=${LLMKB_BASELINE:-baselines/$(printf '%s' "$device" | sed 's/[^A-Za-z0-9]/_/g').json}
if [ ! -f "$baseline" ]; then
  echo "ci_gate: no baseline for '$device': $baseline does not exist. Baselines here:" >&2
  ls baselines/*.json >&2 2>/dev/null || echo "  (none)" >&2
  echo "Make one on this GPU (baselines/README.md): $llmkb bench --benchmark_repetitions=10 --out $baseline" >&2
  exit 2
fi

# shellcheck disable=SC2086 # LLMKB_GATE_ARGS is a list of arguments
"$llmkb" compare "$baseline" "$results" --format md ${LLMKB_GATE_ARGS:-} >"$summary" 2>"$summary.err"
code=$?
cat "$summary.err" >&2
if [ "$code" -eq 2 ]; then  # refused (e.g. a different driver or clocks): say why in the summary too
  { echo "### llmkb compare: could not compare with \`$baseline\`"; echo; echo '```'; cat "$summary.err"; echo '```'; } >"$summary"
fi
rm -f "$summary.err"
cat "$summary"
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then cat "$summary" >>"$GITHUB_STEP_SUMMARY"; fi
echo "ci_gate: llmkb compare $baseline $results: exit $code" >&2
exit $code
