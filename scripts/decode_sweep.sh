#!/usr/bin/env bash
# Issue 7's decode cases in one run: every attention/split_kv* variant (split_kv, split_kv_tma on
# SM90, split_kv_simt, and any tuning candidate named split_kv_*), on llama3-8b shapes (Hq 32, Hkv 8,
# D 128, one query token): batch 1 KV 32768 (fp16 and bf16) and batch 64 KV 4096 (bf16, the only dtype
# registered there). Prints variant, shape, median, K+V GB/s, % of the calibrated read ceiling (the
# issue's target: >= 80 %) and % of the rate a plain streaming read of the same K+V bytes reaches
# (the calibration's read curve). Takes a few minutes after the build.
#
# Usage (on the GPU machine, after building in build/gpu):
#   OUT=/some/dir scripts/decode_sweep.sh     # results in $OUT/decode.json, console log in $OUT/decode.log
# Environment: LLMKB (default build/gpu/llmkb), OUT (default results), REPS (default 3).
set -uo pipefail
cd "$(dirname "$0")/.."
llmkb=${LLMKB:-build/gpu/llmkb}
out=${OUT:-results}
reps=${REPS:-3}
filter='^attention/split_kv[a-z0-9_]*/(f16|bf16)/llama3-8b/decode/(b1/kv32768|b64/kv4096)(/|$)'

[[ -x $llmkb ]] || { echo "decode_sweep: no $llmkb (build first: cmake --preset ... into build/gpu)" >&2; exit 2; }
mkdir -p "$out"
"$llmkb" bench --op attention --model llama3-8b --benchmark_filter="$filter" --benchmark_repetitions="$reps" \
  --out "$out/decode.json" >"$out/decode.log" 2>&1
rc=$?
if [[ ! -s $out/decode.json ]]; then
  tail -n 30 "$out/decode.log" >&2
  echo "decode_sweep: llmkb bench exited $rc and wrote no results" >&2
  exit "$rc"
fi

PYTHONPATH=scripts python3 - "$out/decode.json" <<'EOF'
import json
import sys

from read_curve import pct_at_size

section = json.load(open(sys.argv[1]))["llmkb"]
read = section["calibration"]["read_gbps"]
print(f"device: {section['environment']['device']['name']}  read ceiling {read:.0f} GB/s  "
      f"launch {section['calibration']['launch_us']:.2f} us")
print(f"{'variant':24} {'shape':38} {'median_us':>10} {'K+V GB/s':>9} {'% read':>7} {'% @size':>7} {'check':>6}")
for c in sorted(section["cases"], key=lambda c: (c["label"], c["variant"])):
    p = c["problem"]
    element = 2  # fp16 / bf16
    kv_bytes = 2 * p["batch"] * p["kv_heads"] * p["seqlen_kv"] * p["head_dim"] * element
    shape = c["label"].replace("/llama3-8b/decode", "")
    if "median_us" not in c:
        print(f"{c['variant']:24} {shape:38} {'-':>10} {'-':>9} {'-':>7} {'-':>7} {c.get('error', 'not run')[:40]}")
        continue
    gbps = kv_bytes / (c["median_us"] * 1e3)
    ok = "ok" if c["check"]["passed"] and "error" not in c else "FAIL"
    at_size = pct_at_size(section["calibration"], kv_bytes, gbps)
    print(f"{c['variant']:24} {shape:38} {c['median_us']:10.2f} {gbps:9.0f} {100 * gbps / read:7.1f} {at_size:>7} {ok:>6}")
for label, kv_bytes in (("b1/kv32768", 2 * 8 * 32768 * 128 * 2), ("b64/kv4096", 2 * 64 * 8 * 4096 * 128 * 2)):
    print(f"80 % of the read ceiling at {label}: <= {kv_bytes / (0.8 * read * 1e3):.1f} us")
EOF
exit "$rc"
