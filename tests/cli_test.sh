#!/usr/bin/env bash
# The llmkb command line: exit codes and messages for bad input; on a GPU, one real case end to end.
set -u
llmkb="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
source "$(dirname "$0")/expect.sh"
expect 0 "rmsnorm/vec8" -- "$llmkb" list
expect 2 "unknown command" -- "$llmkb" frobnicate
expect 2 "unknown model preset 'llama-9000'" -- "$llmkb" bench --model llama-9000
expect 2 "unknown op 'softmax'" -- "$llmkb" bench --op softmax
expect 2 "unknown option '--colour'" -- "$llmkb" bench --colour

# The metric catalogue works without a GPU.
expect 0 "replay passes per kernel" -- "$llmkb" metrics --chip GH100
expect 0 "sm__ops_path_tensor_src_fp16_dst_fp16.sum" -- "$llmkb" metrics --chip TU102
expect 2 "unknown chip 'GH1000' (closest: GH100" -- "$llmkb" metrics --chip GH1000
expect 2 "closest: dram__bytes_read.sum" -- "$llmkb" metrics --chip GH100 --metrics dram__bytes_reed.sum
expect 2 "--metrics needs --profile" -- "$llmkb" bench --metrics dram__bytes_read.sum

# Bad values stop `bench` before it touches the GPU: exit 2 with or without one.
expect 2 "llmkb bench: --out needs a value" -- "$llmkb" bench --out
expect 2 "llmkb bench: --op needs a value" -- "$llmkb" bench --op --warm
expect 2 "llmkb bench: --model needs a value" -- "$llmkb" bench --model
expect 2 "llmkb bench: --metrics needs a value" -- "$llmkb" bench --profile --metrics
expect 2 "llmkb metrics: --chip needs a value" -- "$llmkb" metrics --chip
expect 2 "llmkb metrics: --metrics needs at least one metric name" -- "$llmkb" metrics --chip GH100 --metrics ,
expect 2 "llmkb bench: --metrics needs at least one metric name" -- "$llmkb" bench --profile --metrics ,
expect 2 "--benchmark_repetitions='0': expected a whole number, 1 or more" -- "$llmkb" bench --benchmark_repetitions=0
expect 2 "--benchmark_repetitions='two'" -- "$llmkb" bench --benchmark_repetitions=two
expect 2 "--benchmark_report_aggregates_only drops the per-repetition rows" -- "$llmkb" bench --benchmark_report_aggregates_only
expect 2 "--benchmark_display_aggregates_only drops the per-repetition rows" -- \
  "$llmkb" bench --benchmark_display_aggregates_only=TRUE
expect 2 "--benchmark_format='xml': use console, json or csv" -- "$llmkb" bench --benchmark_format=xml
expect 2 "--benchmark_color='sometimes'" -- "$llmkb" bench --benchmark_color=sometimes
: >"$tmp/file"
expect 2 "--out $tmp/file/r.json: cannot create directory" -- "$llmkb" bench --out "$tmp/file/r.json"
expect 2 "--out $tmp: is a directory" -- "$llmkb" bench --out "$tmp"
expect 2 "--benchmark_out $tmp/file/g.json: cannot create directory" -- \
  "$llmkb" bench --benchmark_out="$tmp/file/g.json" --out "$tmp/r.json"

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
  # The results file records the repetitions asked for, and --benchmark_min_time replaces the
  # planned iteration count (Google Benchmark's Initialize removes both flags from argv). A plain
  # number of seconds: libbenchmark 1.7 takes no "s" suffix, 1.8+ takes both.
  "$llmkb" bench --op rmsnorm --model gemma-3-4b --benchmark_filter='^rmsnorm/vec8/bf16/gemma-3-4b/tokens:1/' \
    --benchmark_repetitions=3 --benchmark_format=json --out "$tmp/rep.json" >"$tmp/rep" 2>&1 &&
  "$llmkb" bench --op rmsnorm --model gemma-3-4b --benchmark_filter='^rmsnorm/vec8/bf16/gemma-3-4b/tokens:1/' \
    --benchmark_min_time=0.05 --out "$tmp/min.json" >"$tmp/min" 2>&1
  code=$?
  # --benchmark_format=json: Google Benchmark's JSON on the console instead of its table.
  if [ "$code" -eq 0 ] && grep -q '"run_type": "iteration"' "$tmp/rep" && python3 - "$tmp/rep.json" "$tmp/r.json" "$tmp/min.json" <<'PY'
import json, sys
rep, plain, timed = (json.load(open(f))["llmkb"] for f in sys.argv[1:])
assert rep["environment"]["repetitions"] == 3, rep["environment"]["repetitions"]
assert len(rep["cases"][0]["samples"]) == 3, rep["cases"][0]["samples"]
planned = plain["cases"][0]["samples"][0]["iterations"]
ran = timed["cases"][0]["samples"][0]["iterations"]
assert ran > planned, f"--benchmark_min_time=0.05 ran {ran} iterations, the plan {planned}"
PY
  then
    echo "ok: --benchmark_repetitions recorded, --benchmark_min_time and --benchmark_format honoured"
  else
    echo "FAIL: repetitions, min_time or format (exit $code)"; tail -5 "$tmp/rep" "$tmp/min"; fail=1
  fi
  # --profile: counters per kernel and the kernel trace in the results file, or one clear status line.
  expect 2 "unknown metric 'dram__bytes_reed.sum'" -- "$llmkb" bench --profile --metrics dram__bytes_reed.sum \
    --op rmsnorm --model gemma-3-4b --out "$tmp/x.json"
  "$llmkb" bench --profile --op rmsnorm --model gemma-3-4b --benchmark_filter='^rmsnorm/vec8/bf16/gemma-3-4b/tokens:1/' \
    --out "$tmp/p.json" >"$tmp/profile" 2>&1
  code=$?
  if [ "$code" -eq 0 ] && python3 - "$tmp/p.json" <<'PY'
import json, sys
llmkb = json.load(open(sys.argv[1]))["llmkb"]
status = llmkb["profiler"]["status"]
case = llmkb["cases"][0]
assert "error" not in case, case.get("error")
assert case["median_us"] > 0, case  # timings are measured whatever the profiler's status
if status == "ok":
    assert "error" not in case["profile"], case["profile"]["error"]
    kernels = case["profile"]["kernels"]
    assert kernels and kernels[0]["metrics"]["gpu__time_duration.sum"] > 0, case["profile"]
    assert kernels[0]["launch"]["registers"] > 0, kernels[0]["launch"]
    assert case["profile"]["passes"] == llmkb["profiler"]["passes"] > 0
    assert any("rmsnorm" in k["name"] for k in llmkb["trace"]["kernels"]), llmkb["trace"]
    # the timed loops ran under the kernel trace: marked, so the gate keeps such runs apart
    assert llmkb["environment"].get("kernel_trace") is True, llmkb["environment"]
else:  # counters not permitted or another profiler attached: one clear line, timings still there
    message = llmkb["profiler"]["message"]
    if status == "unsupported_device":
        # only where it is so: a GPU below sm_75, or a setup CUPTI names (MIG, vGPU, WSL, ...); on any
        # other GPU of sm_75 or newer the profiler giving up is a failure of ours
        major, minor = map(int, llmkb["environment"]["device"]["compute_capability"].split("."))
        setups = ("MIG_DEVICE", "VIRTUALIZED_DEVICE", "WSL_DEVICE", "CONFIDENTIAL_COMPUTING", "CMP_DEVICE", "SLI_DEVICE")
        assert major * 10 + minor < 75 or any(s in message for s in setups), message
    else:
        assert status in ("insufficient_privileges", "profiler_busy"), llmkb["profiler"]
    print("note: counters not collected here:", message)
PY
  then
    echo "ok: bench --profile on one case"
  else
    echo "FAIL: bench --profile exited $code"; cat "$tmp/profile"; fail=1
  fi
  # A run timed under the kernel trace is not gated against one timed without it.
  if python3 -c 'import json, sys; sys.exit(0 if json.load(open(sys.argv[1]))["llmkb"]["environment"].get("kernel_trace") else 1)' "$tmp/p.json"; then
    expect 2 "kernel_trace: baseline '(absent)', candidate 'true'" -- "$llmkb" compare "$tmp/r.json" "$tmp/p.json"
  fi
  expect 2 "no benchmark matches" -- "$llmkb" bench --op rmsnorm --model gemma-3-4b --benchmark_filter=no_such_case --out "$tmp/x.json"
  # --benchmark_list_tests (=TRUE read as Google Benchmark reads it): the names, exit 0, nothing
  # measured (no calibration, no results file).
  "$llmkb" bench --op rmsnorm --model gemma-3-4b --benchmark_list_tests=TRUE --out "$tmp/l.json" >"$tmp/list" 2>&1
  code=$?
  if [ "$code" -eq 0 ] && grep -q '^rmsnorm/vec8/bf16/gemma-3-4b/tokens:1/' "$tmp/list" && ! grep -q calibrating "$tmp/list" &&
    [ ! -e "$tmp/l.json" ]; then
    echo "ok: bench --benchmark_list_tests lists the cases and measures nothing"
  else
    echo "FAIL: bench --benchmark_list_tests exited $code"; cat "$tmp/list"; fail=1
  fi
  # How each case was measured reaches the results file from the registry: a variant that repacks W
  # before timing says so (`prepared`), one checked against its own reference names it
  # (`check.against`), a plain one has neither.
  "$llmkb" bench --op mul_mat_vec --model llama3-8b \
    --benchmark_filter='^mul_mat_vec/(q4_0_repacked_x8|q4_0_split_x8|q4_0_split)/u8/llama3-8b/q4_0/o:4096x4096/batch:1(/|$)' \
    --out "$tmp/m.json" >"$tmp/method" 2>&1
  code=$?
  if [ "$code" -eq 0 ] && python3 - "$tmp/m.json" <<'PY'
import json, sys
cases = {c["name"].split("/")[1]: c for c in json.load(open(sys.argv[1]))["llmkb"]["cases"]}
assert sorted(cases) == ["q4_0_repacked_x8", "q4_0_split", "q4_0_split_x8"], sorted(cases)
repacked, x8, plain = cases["q4_0_repacked_x8"], cases["q4_0_split_x8"], cases["q4_0_split"]
assert repacked.get("prepared", "").startswith("W repacked"), repacked.get("prepared")
assert "prepared" not in x8 and x8["check"].get("against", "").startswith("W times x rounded"), (x8.get("prepared"), x8["check"])
assert repacked["check"].get("against") == x8["check"]["against"], (repacked["check"], x8["check"])
assert "prepared" not in plain and "against" not in plain["check"], (plain.get("prepared"), plain["check"])
assert all(c["check"]["passed"] for c in cases.values())
PY
  then
    echo "ok: prepared and check.against written for the variants that have them, and only for those"
  else
    echo "FAIL: prepared / check.against in the results file (bench exit $code)"; tail -5 "$tmp/method"; fail=1
  fi
fi
exit $fail
