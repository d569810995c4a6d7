#!/usr/bin/env python3
# mul_mat_vec at a glance from a results file.
#  1. Per shape (dtype/model/shape/batch), every variant measured: median time, % of the read ceiling
#     counted in weight bytes only (W / time / calibrated read GB/s; the issue-6 targets use it) and in
#     all bytes moved (the report's figure), the weight rate against what a plain streaming read of that
#     many bytes reaches (%W@size: the calibration's read curve), and cuBLAS's time over the variant's (x1.10 = 10 % faster
#     than cuBLAS; for Q8_0/Q4_0 cases, against f16 cuBLAS on the same shape and batch). '*' marks the fastest.
#  2. The old one-line-per-shape view: the faster of fast and mma (or q8_0/q4_0) against cuBLAS.
#  3. batch 8 / batch 1 at f16 28672x4096 for every float variant measured at both.
#  4. Every Q8_0 / Q4_0 variant against the fastest bf16 variant on the same shape and batch (issue 6:
#     Q8_0 >= 1.6x, Q4_0 >= 2.8x at batch 1), with its % of the read ceiling in weight bytes (>= 80 %).
#  5. The 80 %W target per quantised shape at batch 1: the fastest variant's %W and ratio, and what a
#     plain streaming read of that many bytes reaches in %W (the read curve): where that is under 80 %,
#     no kernel timed this way can meet the target on that shape.
# Usage: scripts/gemv_summary.py results.json [REGEX on "variant label"]
import collections, json, re, sys

from read_curve import pct_at_size, read_gbps_at

data = json.load(open(sys.argv[1]))["llmkb"]
pattern = re.compile(sys.argv[2]) if len(sys.argv) > 2 else None
read_gbps = data["calibration"]["read_gbps"]
BYTES_PER_WEIGHT = {"f32": 4.0, "f16": 2.0, "bf16": 2.0, "q8_0": 34 / 32, "q4_0": 18 / 32}

by = collections.defaultdict(dict)  # label -> variant suffix -> case
for c in data["cases"]:
    if c.get("op") != "mul_mat_vec" or "median_us" not in c:
        continue
    if pattern and not pattern.search(c["variant"] + " " + c["label"]):
        continue
    by[c["label"]][c["variant"].split("/", 1)[1]] = c


def weight_bytes(c):
    p = c["problem"]
    return p["rows"] * p["cols"] * BYTES_PER_WEIGHT[p["weight"]]


def weight_pct(c):
    return 100.0 * weight_bytes(c) / (c["median_us"] * 1e-6) / (read_gbps * 1e9)


def weight_pct_at_size(c):
    return pct_at_size(data["calibration"], weight_bytes(c), weight_bytes(c) / (c["median_us"] * 1e3))


def cublas_for(label, v):
    if "cublas" in v:
        return v["cublas"]
    m = re.match(r"u8/([^/]+)/q[48]_0/(.*)", label)  # quantised: f16 cuBLAS on the same shape
    if m:
        return by.get(f"f16/{m.group(1)}/{m.group(2)}", {}).get("cublas")
    return None


print(f"read ceiling {read_gbps:.0f} GB/s (calibrated in the run)")
print(f"{'shape':52s} {'variant':12s} {'median_us':>10s} {'%W read':>8s} {'%W@size':>8s} {'%all':>6s} {'cublas/x':>9s}")
for label in sorted(by):
    v = by[label]
    fastest = min(v.values(), key=lambda c: c["median_us"])
    ref = cublas_for(label, v)
    for name in sorted(v, key=lambda n: v[n]["median_us"]):
        c = v[name]
        ratio = f"x{ref['median_us'] / c['median_us']:.2f}" if ref else ""
        mark = "*" if c is fastest else " "
        print(f"{label:52s} {name:12s} {c['median_us']:10.2f} {weight_pct(c):7.1f}% {weight_pct_at_size(c):>7s}% "
              f"{c['pct_of_ceiling']:5.1f}% "
              f"{ratio:>9s} {mark}")
    print()

print("fast/mma (or q8_0/q4_0) against cuBLAS, as before:")
for label, v in sorted(by.items()):
    floats = [v[name] for name in ("fast", "mma") if name in v]
    best = min(floats, key=lambda c: c["median_us"]) if floats else (v.get("q8_0") or v.get("q4_0"))
    if not best:
        continue
    line = f"{label:58s} {best['variant']:18s} {best['median_us']:9.2f} us {best['pct_of_ceiling']:5.1f} % of read"
    if "cublas" in v:
        line += f"   cublas {v['cublas']['median_us']:9.2f} us  speedup x{v['cublas']['median_us'] / best['median_us']:.2f}"
    print(line)

b1 = by.get("f16/llama3-8b/gate_up:28672x4096/batch:1", {})
b8 = by.get("f16/llama3-8b/gate_up:28672x4096/batch:8", {})
for variant in sorted(set(b1) & set(b8)):
    print(f"{variant} f16 28672x4096: batch 8 / batch 1 = {b8[variant]['median_us'] / b1[variant]['median_us']:.2f}")

def fastest_bf16(label):
    """The fastest bf16 variant but cuBLAS on a quantised case's shape and batch, or None."""
    m = re.match(r"u8/([^/]+)/q[48]_0/(.*)", label)
    floats = [c for name, c in by.get(f"bf16/{m.group(1)}/{m.group(2)}", {}).items() if name != "cublas"] if m else []
    return min(floats, key=lambda c: c["median_us"]) if floats else None


quant_rows = []
for label, v in sorted(by.items()):
    bf16 = fastest_bf16(label)
    if not bf16:
        continue
    for name in sorted(v, key=lambda n: v[n]["median_us"]):
        c = v[name]
        quant_rows.append(f"{label:50s} {name:14s} {c['median_us']:8.2f} us {weight_pct(c):5.1f} %W  "
                          f"bf16 {bf16['variant'].split('/', 1)[1]} {bf16['median_us']:8.2f} us  x{bf16['median_us'] / c['median_us']:.2f}")
if quant_rows:
    print("quantised against the fastest bf16 variant (targets: Q8_0 x1.6, Q4_0 x2.8, 80 %W):")
    print("\n".join(quant_rows))

TARGET_PCT_W, TARGET_RATIO = 80.0, {"q8_0": 1.6, "q4_0": 2.8}
target_rows = []
for label, v in sorted(by.items()):
    m = re.match(r"u8/[^/]+/(q[48]_0)/.*/batch:1$", label)
    if not m:
        continue
    best = min(v.values(), key=lambda c: c["median_us"])
    bf16 = fastest_bf16(label)
    ratio = bf16["median_us"] / best["median_us"] if bf16 else float("nan")
    met = weight_pct(best) >= TARGET_PCT_W and ratio >= TARGET_RATIO[m.group(1)]
    read_at_size = read_gbps_at(data["calibration"], weight_bytes(best))
    if read_at_size is None:  # a results file without a read curve
        reach, verdict = "    -", "met" if met else "missed"
    else:
        reach = f"{100.0 * read_at_size / read_gbps:5.1f}"
        verdict = "met" if met else ("missed" if 100.0 * read_at_size / read_gbps >= TARGET_PCT_W
                                     else "missed; a plain read of this size reaches under 80 %W")
    target_rows.append(f"{label:50s} {best['variant'].split('/', 1)[1]:18s} {weight_pct(best):5.1f} %W  x{ratio:.2f} bf16  "
                       f"plain read at {weight_bytes(best) / 1e6:6.1f} MB: {reach} %W  {verdict}")
if target_rows:
    print("80 %W and x1.6 (Q8_0) / x2.8 (Q4_0) bf16 at batch 1, fastest variant per shape:")
    print("\n".join(target_rows))
