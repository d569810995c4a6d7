#!/usr/bin/env bash
# `llmkb compare` through the real program: exit codes and messages on scenario files that
# write_gate_fixtures derives from the committed baseline (tests/gate_scenarios.h).
set -u
llmkb="$1"
fixtures="$2"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
changed=$("$fixtures" "$tmp") || { echo "FAIL: could not write the fixtures"; exit 1; }
echo "scenarios change: $changed"
fail=0
source "$(dirname "$0")/expect.sh"
c=("$llmkb" compare)
b="$tmp/baseline.json"
expect 0 "PASS: no regression" -- "${c[@]}" "$b" "$tmp/identical.json"
expect 1 "REGRESSION  $changed" "FAIL: 1 regression (exit 1)" -- "${c[@]}" "$b" "$tmp/slower20.json"
expect 1 "REGRESSION  $changed" -- "${c[@]}" "$b" "$tmp/slower20.json" --metric gbps --threshold 10%
expect 0 "improvement  $changed" "PASS: no regression (1 improvement)" -- "${c[@]}" "$b" "$tmp/faster20.json"
expect 0 "inconclusive  $changed" "the repetitions overlap" -- "${c[@]}" "$b" "$tmp/noisy.json"
expect 0 "too few repetitions: 1 vs 1" "needs at least 4 repetitions" -- \
  "${c[@]}" "$tmp/single_rep_baseline.json" "$tmp/single_rep_candidate.json"
expect 1 "FAILED" "$changed" "output check failed" -- "${c[@]}" "$b" "$tmp/check_failed.json"
expect 0 "only in the baseline (1)" -- "${c[@]}" "$b" "$tmp/dropped_case.json"
expect 1 "on one side only (--strict)" -- "${c[@]}" "$b" "$tmp/dropped_case.json" --strict
expect 1 "### llmkb compare: FAIL: 1 regression" "#### Regressions (1)" "<details>" -- \
  "${c[@]}" "$b" "$tmp/slower20.json" --format md
expect 1 '"exit_code": 1' -- "${c[@]}" "$b" "$tmp/slower20.json" --format=json
expect 0 "the environments differ" -- "${c[@]}" "$b" "$tmp/other_device.json" --allow-different-env

# Bad input: exit 2 with the reason.
expect 2 "device.name: baseline" "NVIDIA Some Other GPU" "--allow-different-env" -- "${c[@]}" "$b" "$tmp/other_device.json"
expect 2 "timing: baseline 'cold', candidate 'warm'" "runtime_version" -- "${c[@]}" "$b" "$tmp/warm_other_runtime.json"
expect 2 "not valid JSON" -- "${c[@]}" "$b" "$tmp/corrupt.json"
expect 2 "truncated" -- "${c[@]}" "$b" "$tmp/truncated.json"
expect 2 "schema_version 2 is not supported" -- "${c[@]}" "$b" "$tmp/wrong_version.json"
expect 2 "cannot open" -- "${c[@]}" "$b" "$tmp/no_such_file.json"
expect 2 "no benchmark in common" -- "${c[@]}" "$b" "$tmp/no_common.json"
expect 2 "unknown option '--colour'" -- "${c[@]}" "$b" "$tmp/identical.json" --colour
expect 2 "unknown metric 'latency'" -- "${c[@]}" "$b" "$tmp/identical.json" --metric latency
expect 2 "--threshold 'five'" -- "${c[@]}" "$b" "$tmp/identical.json" --threshold five
expect 2 "--alpha '1.5'" -- "${c[@]}" "$b" "$tmp/identical.json" --alpha 1.5
expect 2 "unknown format 'html'" -- "${c[@]}" "$b" "$tmp/identical.json" --format html
expect 2 "expected two results files" -- "${c[@]}" "$b"
expect 0 "usage: llmkb compare" -- "${c[@]}" --help
exit $fail
