#!/usr/bin/env bash
# `llmkb report`: exit codes and messages for bad input (missing, empty, corrupt, truncated,
# wrong-version, schema-violating files; bad options), a file without counters (renders, says what
# is missing, exit 0), and the three files written in both languages.
#   report_cli_test.sh LLMKB TESTS_DATA_DIR
set -u
llmkb="$1"
data="$2"
fixture="$data/synthetic/results_synthetic_h100.json"
nocounters="$data/synthetic/results_synthetic_h100_nocounters.json"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
source "$(dirname "$0")/expect.sh"

expect 0 "Exit codes" -- "$llmkb" report --help
expect 2 "--input and --out are required" -- "$llmkb" report
expect 2 "unknown option '--colour'" -- "$llmkb" report --colour
expect 2 "needs a value" -- "$llmkb" report --input
expect 2 "unknown language 'fr'" -- "$llmkb" report --input "$fixture" --out "$tmp/fr" --lang fr
expect 2 "cannot open the results file" -- "$llmkb" report --input "$tmp/nope.json" --out "$tmp/o"

: >"$tmp/empty.json"
expect 2 "empty" -- "$llmkb" report --input "$tmp/empty.json" --out "$tmp/o"
echo '{"llmkb": [1, 2' >"$tmp/corrupt.json"
expect 2 "not valid JSON" -- "$llmkb" report --input "$tmp/corrupt.json" --out "$tmp/o"
echo 'this is not json' >"$tmp/garbage.json"
expect 2 "not valid JSON" -- "$llmkb" report --input "$tmp/garbage.json" --out "$tmp/o"
head -c 20000 "$fixture" >"$tmp/truncated.json"
expect 2 "truncated" -- "$llmkb" report --input "$tmp/truncated.json" --out "$tmp/o"
# Bad files made from the fixture with sed (no python needed): another schema version, a required
# field removed, Google Benchmark's output alone, profile data of the wrong shape.
sed 's/"schema_version": 1/"schema_version": 2/' "$fixture" >"$tmp/v2.json"
sed '/"copy_gbps"/d' "$fixture" >"$tmp/schema.json"
echo '{"context": {}, "benchmarks": []}' >"$tmp/gbench.json"
sed '0,/"kernels": \[/s//"kernels": [42, /' "$fixture" >"$tmp/malformed.json"
expect 2 "schema_version 2 is not supported" -- "$llmkb" report --input "$tmp/v2.json" --out "$tmp/o"
expect 2 "missing \"copy_gbps\"" -- "$llmkb" report --input "$tmp/schema.json" --out "$tmp/o"
expect 2 "not an llmkb results file" -- "$llmkb" report --input "$tmp/gbench.json" --out "$tmp/o"
expect 2 "malformed profile or trace data" -- "$llmkb" report --input "$tmp/malformed.json" --out "$tmp/o"
[ -e "$tmp/o" ] && { echo "FAIL: bad input still created the output directory"; fail=1; }

expect 0 "has no hardware counters" -- "$llmkb" report --input "$nocounters" --out "$tmp/nc"
grep -q "llmkb bench --profile" "$tmp/nc/report.md" || { echo "FAIL: the no-counters report does not say what is missing"; fail=1; }

touch "$tmp/afile"
expect 1 "cannot create the output directory" -- "$llmkb" report --input "$fixture" --out "$tmp/afile/sub"

for lang in en zh; do
  expect 0 "report: $tmp/$lang/report.html" -- "$llmkb" report --input "$fixture" --out "$tmp/$lang" --lang "$lang"
  for f in report.md report.html report.json; do
    [ -s "$tmp/$lang/$f" ] || { echo "FAIL: $lang/$f not written"; fail=1; }
  done
done
grep -q "深度分析结果" "$tmp/zh/report.md" || { echo "FAIL: the zh report lacks 深度分析结果"; fail=1; }
grep -q '"lang": "zh"' "$tmp/zh/report.json" || { echo "FAIL: zh report.json lacks \"lang\": \"zh\""; fail=1; }
exit $fail
