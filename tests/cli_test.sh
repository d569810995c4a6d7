#!/usr/bin/env bash
# The llmkb command line: exit codes and messages for bad input; on a GPU, one real case end to end.
set -u
llmkb="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
expect() {  # expect CODE PATTERN -- command...
  local code="$1" pattern="$2"; shift 3
  "$@" >"$tmp/out" 2>&1
  local got=$?
  if [ "$got" -ne "$code" ] || ! grep -q -- "$pattern" "$tmp/out"; then
    echo "FAIL: '$*' exited $got (want $code), output should contain '$pattern':"; sed 's/^/    /' "$tmp/out"; fail=1
  else
    echo "ok: $* -> $got"
  fi
}
expect 0 "rmsnorm/vec8" -- "$llmkb" list
expect 2 "unknown command" -- "$llmkb" frobnicate
expect 2 "unknown model preset 'llama-9000'" -- "$llmkb" bench --model llama-9000
expect 2 "unknown op 'softmax'" -- "$llmkb" bench --op softmax
expect 2 "unknown option '--colour'" -- "$llmkb" bench --colour

"$llmkb" bench --op rmsnorm --model gemma-3-4b --benchmark_filter='^rmsnorm/vec8/bf16/gemma-3-4b/tokens:1/' \
  --out "$tmp/r.json" >"$tmp/bench" 2>&1
code=$?
if grep -q "no CUDA device" "$tmp/bench"; then
  [ "$code" -eq 3 ] && echo "ok: no GPU: bench exits 3 with 'no CUDA device'" || { echo "FAIL: no GPU but exit $code"; fail=1; }
else
  if [ "$code" -eq 0 ] && grep -q '"schema_version": 1' "$tmp/r.json"; then
    echo "ok: one case benchmarked end to end"
  else
    echo "FAIL: bench exited $code"; cat "$tmp/bench"; fail=1
  fi
  expect 2 "no benchmark matches" -- "$llmkb" bench --op rmsnorm --model gemma-3-4b --benchmark_filter=no_such_case --out "$tmp/x.json"
fi
exit $fail
