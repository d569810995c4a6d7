#!/usr/bin/env python3
"""Writes results_synthetic_h100.json (and results_synthetic_h100_nocounters.json, the same run as
if made without --profile): a SYNTHETIC results file (schema_version 1, with --profile
data in the format of notes/profile_format.md) for developing and testing `llmkb report` without a
GPU. The numbers are invented but physically consistent (bytes / time = the rates shown, DRAM bytes
near the op's minimum for streaming kernels, a small grid for decode shapes, a GEMM-like op with
tensor FLOPs). It is not a measurement: real GPU results files live in tests/data/*.json.

Usage: make_synthetic_results.py [OUT_DIR]
"""
import json
import sys

DEVICE = {"name": "SYNTHETIC H100 80GB HBM3 (invented numbers)", "compute_capability": "9.0", "sm_count": 132,
          "l2_bytes": 52428800, "memory_bytes": 85520809984, "sm_clock_mhz": 1980, "memory_clock_mhz": 2619,
          "memory_bus_bits": 5120, "max_threads_per_sm": 2048}
CAL = {"read_gbps": 3050.0, "write_gbps": 2950.0, "copy_gbps": 2900.0, "launch_us": 2.4, "dram_peak_gbps": 3352.3,
       "tensor_f16_tflops": 620.0, "buffer_bytes": 1073741824, "gemm_size": 8192}
HIDDEN = 4096
SMS = DEVICE["sm_count"]


def rms_kernel_name(variant, fused):
    f = "true" if fused else "false"
    if variant == "baseline":
        return (f"void llmkb::(anonymous namespace)::rmsnorm_baseline_kernel<__nv_bfloat16, {f}>(const __nv_bfloat16 *, "
                f"__nv_bfloat16 *, const __nv_bfloat16 *, __nv_bfloat16 *, int, long, float, float)")
    return (f"void llmkb::(anonymous namespace)::rmsnorm_vec_kernel<__nv_bfloat16, 8, 4, {f}>(const __nv_bfloat16 *, "
            f"__nv_bfloat16 *, const __nv_bfloat16 *, __nv_bfloat16 *, int, long, long, int, float, float)")


def metrics(duration_us, dram_read, dram_write, sm_eff, compute_sol, memory_sol, l2, l1, achieved):
    seconds = duration_us * 1e-6
    return {"gpu__time_duration.sum": duration_us * 1e3,
            "sm__cycles_active.avg.pct_of_peak_sustained_elapsed": sm_eff,
            "sm__throughput.avg.pct_of_peak_sustained_elapsed": compute_sol,
            "gpu__compute_memory_throughput.avg.pct_of_peak_sustained_elapsed": memory_sol,
            "dram__bytes_read.sum": dram_read, "dram__bytes_write.sum": dram_write,
            "dram__bytes.sum.per_second": (dram_read + dram_write) / seconds,
            "dram__throughput.avg.pct_of_peak_sustained_elapsed": 100.0 * (dram_read + dram_write) / seconds / 3352.3e9,
            "lts__t_sector_hit_rate.pct": l2, "l1tex__t_sector_hit_rate.pct": l1,
            "sm__warps_active.avg.pct_of_peak_sustained_active": achieved}


def rms_case(variant, fused, tokens):
    op = "fused_add_rmsnorm" if fused else "rmsnorm"
    streams = 4.0 if fused else 2.0
    bytes_moved = 2.0 * (streams * tokens * HIDDEN + HIDDEN)
    flops = (5.0 if fused else 4.0) * tokens * HIDDEN
    base = variant == "baseline"
    # Decode: latency bound (one row per block, a handful of blocks). Prefill: streaming near the roof.
    if tokens <= 64:
        duration = 3.1 + tokens * (0.05 if base else 0.03)
        sm_eff, compute_sol, memory_sol = 6.0 + tokens * 0.5, 4.0 + tokens * 0.2, 9.0 + tokens * 0.5
        l2 = 100.4 if tokens == 1 else 71.0  # short kernels can report over 100 % (an artefact)
    else:
        fraction = 0.62 if base else 0.91
        duration = bytes_moved / (fraction * CAL["copy_gbps"] * 1e9) * 1e6
        sm_eff, compute_sol, memory_sol = 97.0, 22.0 if base else 31.0, 64.0 if base else 92.0
        l2 = 38.0 if base and fused else 49.0
    reread = 1.6 if (base and fused and tokens > 64) else 1.0  # the baseline reads the residual twice
    dram_read = (bytes_moved * (0.5 if not fused else 0.5)) * reread + (0.0)
    dram_write = bytes_moved * 0.5
    block = 1024 if base else 256
    rows_per_block = 1 if base else 2
    grid = tokens if base else max(1, tokens // rows_per_block)
    theoretical = 100.0 if not base else 50.0  # 1024-thread blocks with 40 registers: 1 block per SM
    waves = grid / (SMS * (2048 * theoretical / 100.0 / block))
    achieved = min(theoretical - 4.0, 8.0 + tokens) if tokens <= 64 else theoretical - (25.0 if base else 6.0)
    case_name = f"{op}/{variant}/bf16/llama3-8b/tokens:{tokens}"
    kernel = {"name": rms_kernel_name(variant, fused),
              "metrics": metrics(duration * 0.97, dram_read, dram_write, sm_eff, compute_sol, memory_sol, l2,
                                 0.0 if not base else 12.0, achieved),
              "flops": {"fp32": flops, "fp16": 0.0, "tensor": 0.0},
              "launch": {"grid": [grid, 1, 1], "block": [block, 1, 1], "registers": 40 if base else 32,
                         "static_smem_bytes": 128, "dynamic_smem_bytes": 0, "local_bytes_per_thread": 0,
                         "theoretical_occupancy_pct": theoretical,
                         "occupancy_limiter": "registers" if base else "none", "waves_per_sm": waves}}
    return make_case(case_name, op, f"{op}/{variant}", base, {"tokens": tokens, "hidden": HIDDEN, "row_stride": HIDDEN,
                     "dtype": "bf16", "gemma_weight": False, "eps": 1e-5}, bytes_moved, flops, "copy", duration, [kernel])


def gemm_case(variant, size):
    flops = 2.0 * size ** 3
    bytes_moved = 3.0 * size * size * 2
    tensor = variant == "wmma"
    duration = flops / ((0.63 * CAL["tensor_f16_tflops"]) if tensor else 21.0) / 1e12 * 1e6
    dram = bytes_moved * (2.2 if tensor else 6.5)
    kernel = {"name": ("void llmkb::(anonymous namespace)::gemm_wmma_kernel<__half, 128, 128, 32>(const __half *, "
                       "const __half *, __half *, int, int, int)") if tensor else
                      ("void llmkb::(anonymous namespace)::gemm_smem_kernel<__half, 64>(const __half *, const __half *, "
                       "__half *, int, int, int)"),
              "metrics": metrics(duration, dram * 0.8, dram * 0.2, 99.0, 66.0 if tensor else 71.0,
                                 45.0 if tensor else 38.0, 45.0 if tensor else 81.0, 20.0, 11.0 if tensor else 46.0),
              "flops": {"fp32": 0.0 if tensor else flops, "fp16": 0.0, "tensor": flops if tensor else 0.0},
              "launch": {"grid": [(size // 128) ** 2 if tensor else (size // 64) ** 2, 1, 1],
                         "block": [256, 1, 1], "registers": 168 if tensor else 64, "static_smem_bytes": 49152,
                         "dynamic_smem_bytes": 0, "local_bytes_per_thread": 0,
                         "theoretical_occupancy_pct": 12.5 if tensor else 50.0,
                         "occupancy_limiter": "registers" if tensor else "shared_memory",
                         "waves_per_sm": ((size // 128) ** 2 / (SMS * 1.0)) if tensor else ((size // 64) ** 2 / (SMS * 4.0))}}
    return make_case(f"gemm/{variant}/fp16/synthetic/m{size}n{size}k{size}", "gemm", f"gemm/{variant}", not tensor,
                     {"m": size, "n": size, "k": size, "dtype": "fp16"}, bytes_moved, flops, "tensor_f16", duration,
                     [kernel], label=f"fp16/synthetic/m{size}n{size}k{size}")


def make_case(name, op, variant, baseline, problem, bytes_moved, flops, ceiling, median_us, kernels, label=None):
    samples = [{"repetition": r, "iterations": max(10, min(400, int(20000 / median_us))), "median_us": median_us * f,
                "mean_us": median_us * f * 1.01, "min_us": median_us * f * 0.98, "max_us": median_us * f * 1.1}
               for r, f in enumerate((0.99, 1.0, 1.02))]
    med = median_us  # the median of the three repetitions' medians
    gbps = bytes_moved / (med * 1e-6) / 1e9
    tflops = flops / (med * 1e-6) / 1e12
    roof = CAL["tensor_f16_tflops"] if ceiling == "tensor_f16" else CAL[ceiling + "_gbps"]
    achieved = tflops if ceiling == "tensor_f16" else gbps
    parts = name.split("/")
    return {"name": name, "op": op, "variant": variant, "baseline": baseline, "dtype": parts[2], "model": parts[3],
            "label": label or "/".join(parts[2:]), "problem": problem, "bytes_moved": bytes_moved, "flops": flops,
            "ceiling": ceiling,
            "check": {"passed": True, "checked": 1000, "mismatches": 0, "max_abs_error": 0.0039, "max_rel_error": 0.0078},
            "samples": samples, "median_us": med, "gbps": gbps, "tflops": tflops,
            "pct_of_ceiling": 100.0 * achieved / roof,
            "profile": {"passes": 9, "kernels": kernels}}


def trace_of(cases):
    kernels = {}
    for c in cases:
        for k in c["profile"]["kernels"]:
            entry = kernels.setdefault(k["name"], {"name": k["name"], "instances": 0, "total_us": 0.0, "times": []})
            for s in c["samples"]:
                entry["instances"] += s["iterations"]
                entry["total_us"] += s["iterations"] * s["mean_us"]
                entry["times"] += [s["min_us"], s["median_us"], s["max_us"]]
    flushes = sum(s["iterations"] for c in cases for s in c["samples"])
    kernels["flush"] = {"name": "void llmkb::(anonymous namespace)::l2_flush_kernel(unsigned int *, unsigned long)",
                        "instances": flushes, "total_us": flushes * 36.0, "times": [35.0, 36.0, 38.5]}
    total = sum(k["total_us"] for k in kernels.values())
    out = []
    for k in sorted(kernels.values(), key=lambda k: -k["total_us"]):
        times = sorted(k.pop("times"))
        out.append({**k, "avg_us": k["total_us"] / k["instances"], "median_us": times[len(times) // 2],
                    "min_us": times[0], "max_us": times[-1], "share_pct": 100.0 * k["total_us"] / total})
    return {"span_us": total * 1.3, "records": sum(k["instances"] for k in out), "dropped_records": 0, "kernels": out}


def main():
    cases = []
    for fused in (False, True):
        for tokens in (1, 64, 4096, 16384):
            for variant in ("baseline", "vec8"):
                cases.append(rms_case(variant, fused, tokens))
    for variant in ("smem", "wmma"):
        cases.append(gemm_case(variant, 4096))
    benchmarks = [{"name": c["name"] + "/manual_time", "run_name": c["name"] + "/manual_time", "run_type": "iteration",
                   "repetition_index": s["repetition"], "iterations": s["iterations"], "real_time": s["mean_us"],
                   "time_unit": "us", "median_us": s["median_us"], "min_us": s["min_us"], "max_us": s["max_us"]}
                  for c in cases for s in c["samples"]]
    doc = {"context": {"date": "2026-11-21T10:00:00+00:00", "host_name": "synthetic", "executable": "llmkb"},
           "benchmarks": benchmarks,
           "llmkb": {"schema_version": 1, "generator": "make_synthetic_results.py (SYNTHETIC, not a measurement)",
                     "created": "2026-11-21T10:00:00Z",
                     "environment": {"device": DEVICE, "driver_version": "13.0", "runtime_version": "13.0",
                                     "timing": "cold", "repetitions": 3, "seed": 1, "host": "synthetic",
                                     "command": "make_synthetic_results.py"},
                     "calibration": CAL, "cases": cases,
                     "skipped": [{"name": "gemm/wmma/fp16/synthetic/m4096n4096k4095", "reason": "K must be a multiple of 16"}],
                     "profiler": {"enabled": True, "status": "ok", "message": "", "chip": "GH100",
                                  "metrics": sorted(cases[0]["profile"]["kernels"][0]["metrics"].keys()), "passes": 9},
                     "trace": trace_of(cases)}}
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "."
    with open(f"{out_dir}/results_synthetic_h100.json", "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    for c in doc["llmkb"]["cases"]:
        del c["profile"]
    del doc["llmkb"]["trace"]
    del doc["llmkb"]["profiler"]
    doc["llmkb"]["generator"] += ", without counters"
    with open(f"{out_dir}/results_synthetic_h100_nocounters.json", "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
