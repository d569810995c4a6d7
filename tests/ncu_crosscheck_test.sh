#!/usr/bin/env bash
# scripts/ncu_crosscheck.py without a GPU: a stand-in `ncu` writes the CSV a real one would, from
# values the test chooses; the script must pass within tolerance and fail beyond it.
set -u
script="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/results.json" <<'JSON'
{"llmkb": {"profiler": {"status": "ok", "message": "", "chip": "GH100", "passes": 2,
  "metrics": ["gpu__time_duration.sum", "dram__bytes_read.sum", "lts__t_sector_hit_rate.pct"]},
 "cases": [{"name": "rmsnorm/vec8/bf16/m/tokens:1", "op": "rmsnorm", "model": "m",
  "profile": {"passes": 2, "kernels": [{"name": "void llmkb::(anonymous namespace)::rmsnorm_vec_kernel<__nv_bfloat16, 8>(int)",
   "metrics": {"gpu__time_duration.sum": 1000.0, "dram__bytes_read.sum": 1048576.0, "lts__t_sector_hit_rate.pct": 50.0}}]}}]}}
JSON
cat >"$tmp/ncu" <<'SH'
#!/usr/bin/env bash
# Stand-in for ncu: writes --csv --page raw output for --launch-count kernels to --log-file.
# --launch timed (the default): the benchmark's L2 flush comes first, then the case's kernel, inside the
# case's NVTX range; FAKE_NCU_NO_FLUSH leaves the flush out, as if the launch order had changed.
log= metrics= count=1 kernel= nvtx= skip=
while [ $# -gt 0 ]; do
  case "$1" in
    --log-file) log="$2"; shift ;;
    --metrics) metrics="$2"; shift ;;
    --launch-count) count="$2"; shift ;;
    --launch-skip) skip="$2"; shift ;;
    --kernel-name) kernel="$2"; shift ;;
    --nvtx-include) nvtx="$2"; shift ;;
  esac
  shift
done
if [ "$kernel" = "regex:rmsnorm_vec_kernel|read_to_evict" ]; then
  [ "$nvtx" = 'regex:^rmsnorm.vec8.bf16.m.tokens:1$/' ] || { echo "unexpected --nvtx-include $nvtx"; exit 5; }
  [ "$skip" = 4 ] && [ "$count" = 2 ] || { echo "unexpected --launch-skip $skip --launch-count $count"; exit 5; }
  first=read_to_evict; [ -n "${FAKE_NCU_NO_FLUSH:-}" ] && first=rmsnorm_vec_kernel
elif [ "$kernel" = "regex:rmsnorm_vec_kernel" ]; then
  [ -z "$nvtx" ] && [ "$skip" = 0 ] && [ "$count" = 1 ] || { echo "unexpected --launch check selection"; exit 5; }
  first=rmsnorm_vec_kernel
else
  echo "unexpected --kernel-name $kernel"; exit 5
fi
# Every second call takes FAKE_NCU_ALT when it is set (ncu's run-to-run spread, for --repeat).
calls=$(( $(cat "$(dirname "$0")/calls" 2>/dev/null || echo 0) + 1 )); echo $calls >"$(dirname "$0")/calls"
values=$FAKE_NCU; [ $((calls % 2)) -eq 0 ] && [ -n "${FAKE_NCU_ALT:-}" ] && values=$FAKE_NCU_ALT
{
  echo '==PROF== Connected to process'
  printf '"ID","Kernel Name"'; IFS=, read -ra names <<<"$metrics"; for m in "${names[@]}"; do printf ',"%s"' "$m"; done; echo
  printf '"",""'; for m in "${names[@]}"; do printf ',"x"'; done; echo
  for i in $(seq 0 $((count - 1))); do
    if [ "$i" -eq 0 ] && [ "$first" = read_to_evict ]; then  # the flush's figures must not be compared
      printf '"0","void (anonymous namespace)::read_to_evict(const uint4 *, unsigned long, unsigned int *)"'
      for m in "${names[@]}"; do printf ',"999"'; done; echo
      continue
    fi
    printf '"%d","rmsnorm_vec_kernel"' "$i"
    for m in "${names[@]}"; do printf ',"%s"' "$(python3 -c "import json,os;print(json.loads(os.environ['VALUES'])['$m'])")"; done; echo
  done
} >"$log"
SH
sed -i 's/^{$/export VALUES="$values"; {/' "$tmp/ncu"
chmod +x "$tmp/ncu"
fail=0
# check WANT_CODE WHAT [PATTERN...] -- ARGS...: runs the script with ARGS against the stand-in ncu (which
# reads FAKE_NCU* from the caller's environment); it must exit WANT_CODE and print every PATTERN. Exit 1
# must be the verdict, not a crash on the way to it: no traceback, and a row marked FAIL or MISSING.
check() {
  local want=$1 what=$2 patterns=() p got
  shift 2
  while [ "$1" != "--" ]; do patterns+=("$1"); shift; done
  shift
  python3 "$script" --ncu "$tmp/ncu" --llmkb /bin/true --workdir "$tmp/work" "$@" >"$tmp/out" 2>&1
  got=$?
  for p in "${patterns[@]}"; do grep -q -- "$p" "$tmp/out" || got="$got, no '$p'"; done
  if [ "$want" = 1 ] && { grep -q "Traceback" "$tmp/out" || ! grep -q "FAIL\|MISSING" "$tmp/out"; }; then
    got="$got, no failing row"
  fi
  if [ "$got" != "$want" ]; then echo "FAIL: $what (exit $got; want $want)"; cat "$tmp/out"; fail=1; else echo "ok: $what"; fi
}
run() {  # run WANT_CODE VALUES_JSON: the one case, ncu giving VALUES_JSON
  FAKE_NCU="$2" check "$1" "values $2 -> $1" -- --results "$tmp/results.json"
}
run 0 '{"gpu__time_duration.sum": "1,010", "dram__bytes_read.sum": "1,048,576", "lts__t_sector_hit_rate.pct": "50.9"}'
run 1 '{"gpu__time_duration.sum": "1,050", "dram__bytes_read.sum": "1,048,576", "lts__t_sector_hit_rate.pct": "50"}'
run 1 '{"gpu__time_duration.sum": "1,000", "dram__bytes_read.sum": "1,048,576", "lts__t_sector_hit_rate.pct": "51.5"}'
run 1 '{"gpu__time_duration.sum": "1,000", "dram__bytes_read.sum": "n/a", "lts__t_sector_hit_rate.pct": "50"}'
grep -q "FAIL\|MISSING" "$tmp/out" || { echo "FAIL: the table does not mark the missing metric"; fail=1; }
values() {  # values DURATION: the three metrics, the duration as given
  echo "{\"gpu__time_duration.sum\": \"$1\", \"dram__bytes_read.sum\": \"1,048,576\", \"lts__t_sector_hit_rate.pct\": \"50\"}"
}
# --repeat 2: ncu itself gives 1,000 then 1,100 us, median 1,050; ours (1,000) is 4.8 % from it but
# inside ncu's spread: still a failure, marked as inside the spread.
rm -f "$tmp/calls"
FAKE_NCU=$(values 1,000) FAKE_NCU_ALT=$(values 1,100) \
  check 1 "--repeat 2 compares ncu's median and marks a difference inside its own spread" \
  "within a tool's own spread" "1 of them within a tool's own run-to-run spread over 1 llmkb and 2 ncu runs" \
  -- --results "$tmp/results.json" --repeat 2
# Two llmkb results files (1,000 and 1,100 us): their median, 1,050, is compared with ncu's 1,050.
sed 's/"gpu__time_duration.sum": 1000.0/"gpu__time_duration.sum": 1100.0/' "$tmp/results.json" >"$tmp/results2.json"
FAKE_NCU=$(values 1,050) check 0 "two llmkb results files are compared by their median" \
  "Medians over 2 llmkb and 1 ncu runs" -- --results "$tmp/results.json" --results "$tmp/results2.json"
# A second results file without the case: exit 2, naming it.
sed 's/tokens:1"/tokens:2"/' "$tmp/results.json" >"$tmp/results3.json"
FAKE_NCU=$(values 1,000) check 2 "a results file without the case is an error" \
  "results3.json: rmsnorm/vec8/bf16/m/tokens:1 was not profiled" -- --results "$tmp/results.json" --results "$tmp/results3.json"
# --launch check: the check launch alone, no flush row and no NVTX filter.
FAKE_NCU=$(values 1,010) check 0 "--launch check" -- --results "$tmp/results.json" --launch check
# The launch order has changed: the first profiled kernel is not the flush. Exit 2, saying so.
FAKE_NCU_NO_FLUSH=1 FAKE_NCU=$(values 1,000) check 2 "a missing flush row is an error" \
  "not the benchmark's L2 flush" -- --results "$tmp/results.json"
# --metrics goes to the llmkb runs the script makes (a stand-in llmkb records its arguments and writes
# the results file); with --results it is an error, as the files name their own metric set.
cat >"$tmp/llmkb" <<SH
#!/usr/bin/env bash
echo "\$*" >>"$tmp/llmkb_args"
while [ \$# -gt 0 ]; do [ "\$1" = --out ] && cp "$tmp/results.json" "\$2"; shift; done
SH
chmod +x "$tmp/llmkb"
FAKE_NCU=$(values 1,000) check 0 "--metrics runs llmkb itself" -- --llmkb "$tmp/llmkb" --metrics a.sum,b.sum
grep -q -- "bench --profile --metrics a.sum,b.sum " "$tmp/llmkb_args" ||
  { echo "FAIL: llmkb was not given --metrics: $(cat "$tmp/llmkb_args")"; fail=1; }
FAKE_NCU=$(values 1,000) check 2 "--metrics with --results is an error" "with --results" \
  -- --results "$tmp/results.json" --metrics a.sum
cat "$tmp/out" | tail -6
exit $fail
