#!/usr/bin/env python3
"""Writes standin_baseline.json: a SYNTHETIC results file (schema_version 1) shaped like
`llmkb bench --benchmark_repetitions=10` on an H100 for the RMSNorm ops, llama3-8b and gemma-3-4b
shapes. The gate's tests use it only until a real baseline is committed under baselines/ (the
tests prefer baselines/*.json). The times are a model, not a measurement: a launch floor plus the
minimum bytes over a fraction of the copy bandwidth, with ~0.8 % noise per repetition, an
occasional slow repetition, and rounding to 0.01 us (so short kernels have tied repetitions)."""
import json
import os
import random

REPETITIONS = 10
COPY_GBPS = 2800.0
LAUNCH_US = 2.3
MODELS = [("llama3-8b", 4096, False), ("gemma-3-4b", 2560, True)]
DTYPES = [("bf16", 2), ("f16", 2), ("f32", 4)]
TOKENS = [1, 8, 32, 64, 512, 4096, 16384]
VARIANTS = [("baseline", True, 0.55), ("vec8", False, 0.88)]  # fraction of the copy ceiling reached


def main():
    rng = random.Random(20261121)
    cases = []
    for op, fused in (("rmsnorm", False), ("fused_add_rmsnorm", True)):
        for model, hidden, gemma in MODELS:
            for dtype, size in DTYPES:
                for tokens in TOKENS:
                    rows = tokens * hidden
                    bytes_moved = float(size * ((4 if fused else 2) * rows + hidden))
                    flops = float((4 + (1 if fused else 0) + (1 if gemma else 0)) * rows)
                    label = f"{dtype}/{model}/tokens:{tokens}"
                    for variant, baseline, efficiency in VARIANTS:
                        ideal_us = LAUNCH_US + bytes_moved / (efficiency * COPY_GBPS * 1e3)
                        iterations = max(10, min(400, int(0.02 / max(LAUNCH_US * 1e-6, bytes_moved / (COPY_GBPS * 1e9)))))
                        samples = []
                        for r in range(REPETITIONS):
                            noise = rng.gauss(1.0, 0.008) * (1.05 if rng.random() < 0.05 else 1.0)
                            median = round(ideal_us * noise, 2)
                            samples.append({"repetition": r, "iterations": iterations, "median_us": median,
                                            "mean_us": round(median * 1.01, 3), "min_us": round(median * 0.97, 3),
                                            "max_us": round(median * 1.15, 3)})
                        medians = sorted(s["median_us"] for s in samples)
                        median_us = 0.5 * (medians[4] + medians[5])
                        gbps = bytes_moved / (median_us * 1e-6) / 1e9
                        cases.append({
                            "name": f"{op}/{variant}/{label}", "op": op, "variant": f"{op}/{variant}",
                            "baseline": baseline, "dtype": dtype, "model": model, "label": label,
                            "problem": {"tokens": tokens, "hidden": hidden, "row_stride": hidden, "dtype": dtype,
                                        "gemma_weight": gemma, "eps": 1e-6},
                            "bytes_moved": bytes_moved, "flops": flops, "ceiling": "copy",
                            "check": {"passed": True, "checked": rows * (2 if fused else 1), "mismatches": 0,
                                      "max_abs_error": 0.0078125, "max_rel_error": 0.0039},
                            "samples": samples, "median_us": median_us, "gbps": gbps,
                            "tflops": flops / (median_us * 1e-6) / 1e12, "pct_of_ceiling": 100 * gbps / COPY_GBPS})
    document = {
        "context": {"date": "2026-11-21T10:00:00+00:00", "host_name": "synthetic-standin", "num_cpus": 16,
                    "library_build_type": "release"},
        "benchmarks": [],  # the gate reads only the llmkb section; a real file has Google Benchmark's entries here
        "llmkb": {
            "schema_version": 1,
            "generator": "SYNTHETIC stand-in (tests/data/gate/make_standin_baseline.py), not a measurement",
            "created": "2026-11-21T10:00:00Z",
            "environment": {
                "device": {"index": 0, "name": "NVIDIA H100 80GB HBM3", "compute_capability": "9.0", "sm_count": 132,
                           "l2_bytes": 52428800, "memory_bytes": 85017755648, "sm_clock_mhz": 1980,
                           "memory_clock_mhz": 2619, "memory_bus_bits": 5120, "max_threads_per_sm": 2048},
                "driver_version": "13.0", "runtime_version": "13.0", "timing": "cold",
                "repetitions": REPETITIONS, "seed": "20261121", "host": "synthetic-standin",
                "command": "(synthetic) llmkb bench --benchmark_repetitions=10"},
            "calibration": {"read_gbps": 3010.0, "write_gbps": 2950.0, "copy_gbps": COPY_GBPS, "launch_us": LAUNCH_US,
                            "tensor_f16_tflops": 690.0, "dram_peak_gbps": 3352.32, "buffer_bytes": 1073741824,
                            "gemm_size": 8192},
            "cases": cases,
            "skipped": [],
        },
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "standin_baseline.json")
    with open(path, "w") as f:
        json.dump(document, f, separators=(",", ":"))
        f.write("\n")
    print(f"{path}: {len(cases)} cases x {REPETITIONS} repetitions")


if __name__ == "__main__":
    main()
