#!/usr/bin/env python3
# mul_mat_vec at a glance from a results file: per shape the fast (or q8_0/q4_0) variant, its % of
# the read ceiling and its speedup over cuBLAS in the same run; and fast f16 batch 8 / batch 1.
# Usage: scripts/gemv_summary.py results/latest.json
import json, sys, collections
cases = json.load(open(sys.argv[1]))["llmkb"]["cases"]
by = collections.defaultdict(dict)
for c in cases:
    if c.get("op") == "mul_mat_vec" and "median_us" in c:
        by[c["label"]][c["variant"].split("/", 1)[1]] = c
for label, v in sorted(by.items()):
    best = v.get("fast") or v.get("q8_0") or v.get("q4_0")
    if not best:
        continue
    line = f"{label:58s} {best['variant']:18s} {best['median_us']:9.2f} us {best['pct_of_ceiling']:5.1f} % of read"
    if "cublas" in v:
        line += f"   cublas {v['cublas']['median_us']:9.2f} us  speedup x{v['cublas']['median_us'] / best['median_us']:.2f}"
    print(line)
f = lambda b: by.get(f"f16/llama3-8b/gate_up:28672x4096/batch:{b}", {}).get("fast")
if f(1) and f(8):
    print(f"fast f16 28672x4096: batch 8 / batch 1 = {f(8)['median_us'] / f(1)['median_us']:.2f}")
