#!/usr/bin/env bash
# The mul_mat_vec tuning sweep (issue 6), on the GPU machine after the build in build/gpu
# (scripts/gpu_session.sh build): llama3-8b shapes, batch 1 and 8, f16/bf16 and Q8_0/Q4_0, for
# fast, mma, cublas, q8_0, q4_0, q8_0_ring, q4_0_ring and the *_mma, *_dp4a, *_split, *_split_x16/_x8 and *_repacked/_x8 quantised variants; then the
# table of scripts/gemv_summary.py (% of the read ceiling in weight bytes, cuBLAS time over each).
#   OUT=/tmp/x scripts/gemv_sweep.sh [extra llmkb bench flags]      (results in $OUT/gemv.json)
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/llmkb-out}
mkdir -p "$OUT"
variants='fast|mma|cublas|q8_0|q8_0_ring|q4_0|q4_0_ring|q8_0_mma|q4_0_mma|q8_0_dp4a|q4_0_dp4a|q8_0_split|q4_0_split|q8_0_split_x16|q4_0_split_x16|q8_0_split_x8|q4_0_split_x8|q8_0_repacked|q4_0_repacked|q8_0_repacked_x8|q4_0_repacked_x8'
filter="^mul_mat_vec/(${variants})/(f16|bf16|u8)/llama3-8b/.*/batch:(1|8)(/|\$)"
build/gpu/llmkb bench --op mul_mat_vec --model llama3-8b --benchmark_filter="$filter" --out "$OUT/gemv.json" "$@" \
  >"$OUT/gemv_bench.log" 2>&1
code=$?
grep -E "^llmkb|FAILED|failed" "$OUT/gemv_bench.log" | tail -20
[ -f "$OUT/gemv.json" ] && python3 scripts/gemv_summary.py "$OUT/gemv.json"
exit "$code"
