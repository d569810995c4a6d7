#!/usr/bin/env python3
# mul_mat_vec at a glance from a results file: per shape the faster of fast and mma (or the q8_0/q4_0
# variant), its % of the read ceiling and its speedup over cuBLAS in the same run; and f16 batch 8 /
# batch 1 at 28672x4096 for fast and mma.
# Usage: scripts/gemv_summary.py results/latest.json
import json, sys, collections
cases = json.load(open(sys.argv[1]))["llmkb"]["cases"]
by = collections.defaultdict(dict)
for c in cases:
    if c.get("op") == "mul_mat_vec" and "median_us" in c:
        by[c["label"]][c["variant"].split("/", 1)[1]] = c
for label, v in sorted(by.items()):
    floats = [v[name] for name in ("fast", "mma") if name in v]
    best = min(floats, key=lambda c: c["median_us"]) if floats else (v.get("q8_0") or v.get("q4_0"))
    if not best:
        continue
    line = f"{label:58s} {best['variant']:18s} {best['median_us']:9.2f} us {best['pct_of_ceiling']:5.1f} % of read"
    if "cublas" in v:
        line += f"   cublas {v['cublas']['median_us']:9.2f} us  speedup x{v['cublas']['median_us'] / best['median_us']:.2f}"
    print(line)
for variant in ("fast", "mma"):
    f = lambda b: by.get(f"f16/llama3-8b/gate_up:28672x4096/batch:{b}", {}).get(variant)
    if f(1) and f(8):
        print(f"{variant} f16 28672x4096: batch 8 / batch 1 = {f(8)['median_us'] / f(1)['median_us']:.2f}")
