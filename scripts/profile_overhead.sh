#!/usr/bin/env bash
# The cost of `llmkb bench --profile`: wall time of the same suite with and without it, the replay
# passes per case, the time spent profiling, and how far the kernel trace (active during the timed
# loops) moves the medians. Usage: scripts/profile_overhead.sh [OUTDIR] [llmkb bench options...]
set -uo pipefail
cd "$(dirname "$0")/.."
llmkb=${LLMKB:-build/release/llmkb}
out=${1:-results/overhead}
[ $# -gt 0 ] && shift
mkdir -p "$out"
start=$(date +%s.%N)
"$llmkb" bench --out "$out/plain.json" "$@" >"$out/plain.log" 2>&1
plain_code=$?
middle=$(date +%s.%N)
"$llmkb" bench --profile --out "$out/profiled.json" "$@" >"$out/profiled.log" 2>&1
profiled_code=$?
end=$(date +%s.%N)
echo "exit codes: plain $plain_code, profiled $profiled_code (logs in $out)"
python3 - "$out/plain.json" "$out/profiled.json" "$start" "$middle" "$end" <<'PY'
import json, statistics, sys
plain = json.load(open(sys.argv[1]))["llmkb"]
profiled = json.load(open(sys.argv[2]))["llmkb"]
t0, t1, t2 = map(float, sys.argv[3:6])
p = profiled.get("profiler", {})
print(f"profiler: status {p.get('status')}, chip {p.get('chip')}, {len(p.get('metrics', []))} metrics, "
      f"{p.get('passes')} passes per kernel; {p.get('message')}")
print(f"wall time: without --profile {t1 - t0:.1f} s, with {t2 - t1:.1f} s "
      f"(x{(t2 - t1) / max(t1 - t0, 1e-9):.2f}); inside profile(): {p.get('profiling_wall_s', 0):.1f} s "
      f"over {p.get('profiled_cases', 0)} cases")
passes = [c["profile"]["passes"] for c in profiled["cases"] if "profile" in c]
kernels = [len(c["profile"]["kernels"]) for c in profiled["cases"] if "profile" in c]
if passes:
    print(f"passes per case: min {min(passes)}, max {max(passes)}; kernels per case: min {min(kernels)}, max {max(kernels)}")
steps = {}
for c in profiled["cases"]:
    for step, ms in c.get("profile", {}).get("step_ms", {}).items():
        steps.setdefault(step, []).append(ms)
if steps:
    print("per case, median ms: " + ", ".join(f"{k} {statistics.median(v):.1f}" for k, v in sorted(steps.items())))
errors = [(c["name"], c["profile"]["error"]) for c in profiled["cases"] if "error" in c.get("profile", {})]
for name, error in errors[:10]:
    print(f"  profile error: {name}: {error}")
before = {c["name"]: c["median_us"] for c in plain["cases"] if "median_us" in c}
shifts = [100.0 * (c["median_us"] - before[c["name"]]) / before[c["name"]]
          for c in profiled["cases"] if "median_us" in c and before.get(c["name"])]
if shifts:
    print(f"median_us with --profile vs without, over {len(shifts)} cases: median shift {statistics.median(shifts):+.2f} %, "
          f"range {min(shifts):+.2f} % .. {max(shifts):+.2f} %")
t = profiled.get("trace")
if t:
    print(f"trace: {t['records']} records, {t['dropped_records']} dropped, {len(t['kernels'])} kernels, "
          f"span {t['span_us'] / 1e6:.2f} s")
PY
