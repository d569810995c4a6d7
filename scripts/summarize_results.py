#!/usr/bin/env python3
"""Prints a short table of a results file: variant, shape, median us, GB/s or TFLOP/s, % of ceiling,
speedup over the op's baseline. Optional regex filters the case names."""
import json
import re
import sys


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: summarize_results.py RESULTS.json [NAME_REGEX]")
    doc = json.load(open(sys.argv[1]))
    pattern = re.compile(sys.argv[2]) if len(sys.argv) > 2 else None
    section = doc["llmkb"]
    cal = section["calibration"]
    print(f"device: {section['environment']['device']['name']}  timing: {section['environment']['timing']}")
    print(f"ceilings: read {cal['read_gbps']:.0f} GB/s, write {cal['write_gbps']:.0f} GB/s, copy {cal['copy_gbps']:.0f} GB/s "
          f"(theoretical {cal['dram_peak_gbps']:.0f}), launch {cal['launch_us']:.2f} us, fp16 tensor {cal['tensor_f16_tflops']:.0f} TFLOP/s")
    cases = [c for c in section["cases"] if "median_us" in c and (not pattern or pattern.search(c["name"]))]
    baseline = {}
    for c in cases:
        if c["baseline"]:
            baseline[(c["op"], c["label"])] = c["median_us"]
    print(f"{'case':64} {'median_us':>10} {'GB/s':>8} {'TFLOP/s':>8} {'%ceil':>6} {'x base':>7}")
    for c in cases:
        base = baseline.get((c["op"], c["label"]))
        speedup = f"{base / c['median_us']:.2f}" if base else "-"
        print(f"{c['name']:64} {c['median_us']:10.2f} {c['gbps']:8.0f} {c['tflops']:8.2f} {c['pct_of_ceiling']:6.1f} {speedup:>7}")
    failed = [c["name"] for c in section["cases"] if not c["check"]["passed"] or "error" in c]
    print(f"{len(section['cases'])} cases, {len(failed)} failed, {len(section['skipped'])} skipped")
    for name in failed[:10]:
        print("  FAILED", name)


if __name__ == "__main__":
    main()
