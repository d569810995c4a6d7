#!/usr/bin/env python3
"""Times torch's scaled_dot_product_attention with the flash backend on llmkb's attention shapes.

The reference point for attention/mma_sm80 (issue target: >= 0.9x this). Same FLOP convention as
llmkb (FlashAttention's): 4 * batch * heads * seqlen_q * seqlen_kv * head_dim, halved for causal.
Timing: CUDA events around each call, warm-up first, median over repetitions; L2 is flushed before
each timed call (llmkb measures cold too) unless --warm.

    python3 scripts/torch_sdpa_bench.py                        # the default shape list
    python3 scripts/torch_sdpa_bench.py --shape 4,16,16,8192,8192,128,0 --dtype f16
    python3 scripts/torch_sdpa_bench.py --json results/torch_sdpa.json
Shape: batch,q_heads,kv_heads,seqlen_q,seqlen_kv,head_dim,causal (causal is 0 or 1).
"""
import argparse
import json
import statistics
import sys

DEFAULT_SHAPES = [
    # FlashAttention-2 paper shapes (llmkb model "fa2-bench")
    (4, 16, 16, 1024, 1024, 128, 0),
    (4, 16, 16, 4096, 4096, 128, 0),
    (4, 16, 16, 8192, 8192, 128, 0),  # the mma_sm80 target shape
    (4, 16, 16, 8192, 8192, 128, 1),
    (4, 16, 16, 8192, 8192, 64, 0),
    (4, 16, 16, 8192, 8192, 256, 0),
    # llama3-8b and gemma-3-4b prefill, causal
    (1, 32, 8, 4096, 4096, 128, 1),
    (1, 8, 4, 4096, 4096, 256, 1),
]


def parse_shape(text):
    parts = [int(x) for x in text.split(",")]
    if len(parts) != 7:
        raise argparse.ArgumentTypeError("shape is batch,q_heads,kv_heads,seqlen_q,seqlen_kv,head_dim,causal")
    return tuple(parts)


def flops(batch, hq, sq, skv, d, causal):
    total = 4.0 * batch * hq * sq * skv * d
    return total / 2 if causal else total


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shape", type=parse_shape, action="append", help="repeatable; default: a built-in list")
    parser.add_argument("--dtype", choices=["f16", "bf16"], default="f16")
    parser.add_argument("--repetitions", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--warm", action="store_true", help="do not flush L2 between timed calls")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()

    try:
        import torch
        from torch.nn.attention import SDPBackend, sdpa_kernel
    except ImportError as error:
        print(f"torch_sdpa_bench: needs torch >= 2.3 with CUDA ({error})", file=sys.stderr)
        return 2
    if not torch.cuda.is_available():
        print("torch_sdpa_bench: no CUDA device", file=sys.stderr)
        return 3

    dtype = torch.float16 if args.dtype == "f16" else torch.bfloat16
    device = torch.device("cuda")
    props = torch.cuda.get_device_properties(device)
    l2_bytes = getattr(props, "L2_cache_size", 64 << 20) or (64 << 20)
    flush = torch.empty(2 * l2_bytes, dtype=torch.uint8, device=device)
    print(f"device: {props.name}, torch {torch.__version__}, dtype {args.dtype}, "
          f"{'warm' if args.warm else 'cold'} L2")

    results = []
    for shape in args.shape or DEFAULT_SHAPES:
        batch, hq, hkv, sq, skv, d, causal = shape
        q = torch.empty(batch, hq, sq, d, dtype=dtype, device=device).uniform_(-1.5, 2.0)
        k = torch.empty(batch, hkv, skv, d, dtype=dtype, device=device).uniform_(-1.5, 1.5)
        v = torch.empty(batch, hkv, skv, d, dtype=dtype, device=device).uniform_(-1.0, 2.0)
        if hkv != hq:  # the flash backend wants equal heads: repeat K/V heads (a copy, made before timing)
            k = k.repeat_interleave(hq // hkv, dim=1)
            v = v.repeat_interleave(hq // hkv, dim=1)
        # Bottom-right causal alignment when Sq != Skv needs torch's causal_lower_right; with
        # Sq == Skv (every default shape) is_causal is the same mask.
        if causal and sq != skv:
            print(f"skip {shape}: causal with seqlen_q != seqlen_kv", file=sys.stderr)
            continue

        def call():
            with sdpa_kernel(SDPBackend.FLASH_ATTENTION):
                return torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=bool(causal))

        try:
            for _ in range(args.warmup):
                call()
            torch.cuda.synchronize()
        except RuntimeError as error:
            print(f"skip {shape}: flash backend refused ({str(error).splitlines()[0]})", file=sys.stderr)
            continue
        times_ms = []
        start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        for _ in range(args.repetitions):
            if not args.warm:
                flush.zero_()
            start.record()
            call()
            stop.record()
            stop.synchronize()
            times_ms.append(start.elapsed_time(stop))
        median_ms = statistics.median(times_ms)
        tflops = flops(batch, hq, sq, skv, d, causal) / (median_ms * 1e-3) / 1e12
        label = f"b{batch}/h{hq}:{hkv}/q{sq}/kv{skv}/d{d}{'/causal' if causal else ''}"
        print(f"torch_sdpa_flash/{args.dtype}/{label}: median {median_ms * 1e3:.1f} us "
              f"(min {min(times_ms) * 1e3:.1f}, max {max(times_ms) * 1e3:.1f}), {tflops:.1f} TFLOP/s")
        results.append({"shape": dict(zip(["batch", "q_heads", "kv_heads", "seqlen_q", "seqlen_kv", "head_dim",
                                           "causal"], shape)),
                        "dtype": args.dtype, "median_ms": median_ms, "times_ms": times_ms, "tflops": tflops})
        del q, k, v
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"device": props.name, "torch": torch.__version__, "cold_l2": not args.warm,
                       "results": results}, out, indent=2)
    return 0 if results else 1


if __name__ == "__main__":
    sys.exit(main())
