#!/usr/bin/env python3
"""Cross-check `llmkb bench --profile` against Nsight Compute on the same benchmark cases.

1. Runs `llmkb bench --profile --benchmark_filter=FILTER` (once, or N times with --repeat N) and reads
   each case's per-kernel counters and the metric set from the results files (or takes existing ones:
   --results).
2. For each case (at most --max-cases), runs the same case under
   `ncu --clock-control none --cache-control none --replay-mode application --csv --page raw
   --print-units base --metrics <set>`, profiling its first timed launch together with the benchmark's
   own L2 flush right before it, as llmkb's profiler does (a replay pass is the flush, then the case's
   kernels, each its own range). The flush is profiled for its range boundary: the flush evicts the
   previous launch's dirty lines, and when ncu profiles the case's kernel alone, the last of those
   write-backs land in the kernel's range (H100, 4096-token RMSNorm: 13.5 MB of DRAM writes instead
   of 11.3 MB, which is what ncu counts with the flush profiled, and what llmkb counts). The kernels
   are found inside the case's NVTX range (bench_runner.cpp pushes one named after the case).
   With --launch check: the case's first launch of each of its kernels instead (the correctness
   check, after the NaN fill of its outputs), as ncu's defaults would measure it with
   --cache-control all --replay-mode kernel.
3. Prints one row per (case, kernel, metric) and exits 1 when any metric differs by more than the
   tolerance: 3 % relative, or 1 point for percentages. Exit 2: bad input or a tool failed.

With --repeat N, `llmkb bench --profile` runs N times and ncu N times per case: each side's median is
compared (the mean of the middle two for even N), and the table gives each tool's own spread (max - min
over its runs); a difference inside either spread is still reported as a failure, marked as such.
Each figure is one launch on both sides (one replay pass per metric), so it moves from run to run.
--results may be given N times instead of running llmkb.

Usage: scripts/ncu_crosscheck.py [--llmkb build/release/llmkb] [--filter '^rmsnorm/'] [--op rmsnorm]
                                 [--model NAME] [--max-cases 8] [--results FILE] [--ncu ncu]
                                 [--launch timed|check] [--cache-control none|all] [--replay-mode application|kernel] [--repeat N]
                                 [--metrics a,b,c]
"""
import argparse
import csv
import io
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

WARMUP_LAUNCHES = 3  # bench/bench_runner.cpp: the warm-up launches between the check and the timed loop
FLUSH_KERNEL = "read_to_evict"  # bench/l2_flush.cu: the L2 flush before every timed launch
REGEX_SPECIAL = set(".^$|()[]{}*+?\\")


def regex_escape(text):
    """Escapes only regex syntax characters (std::regex rejects Python's escaped '-' or ':')."""
    return "".join("\\" + c if c in REGEX_SPECIAL else c for c in text)


def function_name(demangled):
    """'void ns::(anonymous namespace)::k<float, 8>(float*, int)' -> 'k' (ncu's function base name)."""
    s = demangled.replace("(anonymous namespace)", "anon")
    s = s.split("(")[0]
    depth, head = 0, ""
    for c in s:  # drop template arguments
        if c == "<":
            depth += 1
        elif c == ">":
            depth -= 1
        elif depth == 0:
            head += c
    return head.split()[-1].split("::")[-1] if head.split() else demangled


def nvtx_case_range(case_name):
    """ncu's --nvtx-include for the push/pop range bench_runner.cpp names after the case. A '/' ends a
    range name in ncu's filter syntax, so each character other than letters, digits and _:,=- matches
    as a regex '.'."""
    return "regex:^" + re.sub(r"[^A-Za-z0-9_:,=-]", ".", case_name) + "$/"


def is_percentage(metric):
    return metric.endswith(".pct") or "pct_of_peak" in metric


def parse_number(text):
    text = text.strip().replace(",", "")
    try:
        return float(text)
    except ValueError:
        return None


def read_ncu_csv(path):
    """Rows of `ncu --csv --page raw` as dicts (the units row dropped), in launch order."""
    with open(path, newline="") as f:
        lines = [line for line in f if line.startswith('"')]
    rows = list(csv.reader(io.StringIO("".join(lines))))
    if not rows:
        return []
    header = rows[0]
    out = []
    for row in rows[1:]:
        if len(row) != len(header) or not row[0].strip().isdigit():
            continue  # the units row and anything else that is not a kernel
        out.append(dict(zip(header, row)))
    out.sort(key=lambda r: int(r[header[0]]))
    return out


def run(command, log=None):
    print("+ " + " ".join(command), file=sys.stderr)
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if log:
        with open(log, "w") as f:
            f.write(result.stdout)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--llmkb", default="build/release/llmkb")
    parser.add_argument("--ncu", default="ncu")
    parser.add_argument("--filter", default="^rmsnorm/", help="--benchmark_filter for the cases")
    parser.add_argument("--op", action="append", default=[], help="restrict `llmkb bench` to this op (repeatable)")
    parser.add_argument("--model", action="append", default=[], help="restrict to this model preset (repeatable)")
    parser.add_argument("--max-cases", type=int, default=8)
    parser.add_argument("--results", action="append", default=[],
                        help="an existing `llmkb bench --profile` results file to compare (repeatable: the median "
                             "over them)")
    parser.add_argument("--rel-tol", type=float, default=3.0, help="relative tolerance, %% (default 3)")
    parser.add_argument("--pct-tol", type=float, default=1.0, help="tolerance for percentages, points (default 1)")
    parser.add_argument("--cache-control", default=None, choices=["all", "none"],
                        help="ncu's cache control (default: none with --launch timed, which the benchmark's flush "
                             "precedes; all with --launch check)")
    parser.add_argument("--replay-mode", default=None, choices=["kernel", "application"],
                        help="ncu's replay mode (default: application with --launch timed: no memory save/restore "
                             "between passes, whose writes would leave dirty lines; each pass reruns llmkb; kernel "
                             "with --launch check)")
    parser.add_argument("--launch", default="timed", choices=["check", "timed"],
                        help="which launch of the case ncu profiles: timed (default: the first timed launch, after "
                             "the check and the 3 warm-ups, with the benchmark's own L2 flush before it, as llmkb's "
                             "profiler measures) or check (the correctness-check launch, the first)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run llmkb (unless --results) and ncu this many times per case, compare medians and "
                             "report each tool's run-to-run spread")
    parser.add_argument("--metrics", default=None,
                        help="extra metrics (a,b,c) for the llmkb runs, which then set ncu's metrics as well "
                             "(not with --results: the files name their metric set)")
    parser.add_argument("--workdir", default=None, help="keep the logs and CSVs here")
    args = parser.parse_args()
    if args.cache_control is None:
        args.cache_control = "none" if args.launch == "timed" else "all"
    if args.replay_mode is None:
        args.replay_mode = "application" if args.launch == "timed" else "kernel"
    if args.metrics and args.results:
        print("ncu_crosscheck: --metrics applies to the llmkb runs the script makes; with --results the files' own "
              "metric set is compared", file=sys.stderr)
        return 2

    workdir = args.workdir or tempfile.mkdtemp(prefix="ncu_crosscheck_")
    os.makedirs(workdir, exist_ok=True)
    selection = []
    if args.op:
        selection += ["--op", ",".join(args.op)]
    if args.model:
        selection += ["--model", ",".join(args.model)]
    extra_metrics = ["--metrics", args.metrics] if args.metrics else []

    results_paths = args.results
    if not results_paths:
        for attempt in range(max(1, args.repeat)):
            path = os.path.join(workdir, f"llmkb_profile.{attempt}.json")
            r = run([args.llmkb, "bench", "--profile", *extra_metrics, *selection, "--benchmark_filter=" + args.filter,
                     "--out", path], os.path.join(workdir, f"llmkb_profile.{attempt}.log"))
            if r.returncode != 0:
                print(r.stdout[-4000:])
                print(f"ncu_crosscheck: llmkb bench --profile exited {r.returncode}", file=sys.stderr)
                return 2
            results_paths.append(path)
    llmkb_runs = []
    for path in results_paths:
        with open(path) as f:
            llmkb_runs.append(json.load(f)["llmkb"])
    llmkb = llmkb_runs[0]
    for run_index, other in enumerate(llmkb_runs):
        profiler = other.get("profiler", {})
        if profiler.get("status") != "ok":
            print(f"ncu_crosscheck: {results_paths[run_index]}: the llmkb profiler did not collect counters: "
                  f"{profiler.get('message')}", file=sys.stderr)
            return 2
    metrics = llmkb["profiler"]["metrics"]
    if any(other["profiler"]["metrics"] != metrics for other in llmkb_runs):
        print("ncu_crosscheck: the llmkb results files were profiled with different metric sets", file=sys.stderr)
        return 2
    cases = [c for c in llmkb["cases"] if c.get("profile", {}).get("kernels")]
    if not cases:
        print("ncu_crosscheck: no profiled case in the results file", file=sys.stderr)
        return 2
    if len(cases) > args.max_cases:  # spread the choice over the list (small to large shapes)
        step = len(cases) / args.max_cases
        cases = [cases[int(i * step)] for i in range(args.max_cases)]

    # Each case's kernels in every llmkb run, matched by case name; the same kernels in the same order.
    llmkb_kernels = {}
    for c in cases:
        per_run, wanted = [], [function_name(k["name"]) for k in c["profile"]["kernels"]]
        for run_index, other in enumerate(llmkb_runs):
            match = next((o for o in other["cases"] if o["name"] == c["name"] and o.get("profile", {}).get("kernels")),
                         None)
            kernels = match["profile"]["kernels"] if match else []
            if [function_name(k["name"]) for k in kernels] != wanted:
                print(f"ncu_crosscheck: {results_paths[run_index]}: {c['name']} was not profiled with the same "
                      f"kernels as in {results_paths[0]}", file=sys.stderr)
                return 2
            per_run.append(kernels)
        llmkb_kernels[c["name"]] = per_run

    timed = args.launch == "timed"
    rows, worst_fail = [], False
    for case in cases:
        kernels = case["profile"]["kernels"]
        names = sorted({function_name(k["name"]) for k in kernels})
        if timed:  # inside the case's NVTX range: check, warm-ups, then flush, kernels, flush, kernels, ...
            ncu_selection = ["--nvtx", "--nvtx-include", nvtx_case_range(case["name"]),
                             "--kernel-name", "regex:" + "|".join(regex_escape(n) for n in names + [FLUSH_KERNEL]),
                             "--launch-skip", str((1 + WARMUP_LAUNCHES) * len(kernels)),
                             "--launch-count", str(1 + len(kernels))]
        else:
            ncu_selection = ["--kernel-name", "regex:" + "|".join(regex_escape(n) for n in names),
                             "--launch-skip", "0", "--launch-count", str(len(kernels))]
        runs = []
        for attempt in range(max(1, args.repeat)):
            csv_path = os.path.join(workdir, re.sub(r"[^A-Za-z0-9_.-]", "_", case["name"]) + f".{attempt}.csv")
            command = [args.ncu, "--clock-control", "none", "--cache-control", args.cache_control,
                       "--replay-mode", args.replay_mode, "--csv", "--page", "raw",
                       "--print-units", "base", "--metrics", ",".join(metrics), *ncu_selection,
                       "--log-file", csv_path, args.llmkb, "bench", "--op", case["op"]]
            if case.get("model"):
                command += ["--model", case["model"]]
            command += ["--benchmark_filter=^" + regex_escape(case["name"]) + "/",
                        "--out", os.path.join(workdir, "ncu_case.json")]
            r = run(command, csv_path + ".log")
            ncu_rows = read_ncu_csv(csv_path) if os.path.exists(csv_path) else []
            expected = len(kernels) + (1 if timed else 0)
            if r.returncode != 0 or len(ncu_rows) != expected:
                print(r.stdout[-3000:])
                print(f"ncu_crosscheck: {case['name']}: ncu exited {r.returncode} with {len(ncu_rows)} kernel rows, "
                      f"expected {expected} (log: {csv_path}.log)", file=sys.stderr)
                return 2
            if timed:
                if FLUSH_KERNEL not in ncu_rows[0].get("Kernel Name", ""):
                    print(f"ncu_crosscheck: {case['name']}: the first kernel ncu profiled is "
                          f"'{ncu_rows[0].get('Kernel Name', '?')}', not the benchmark's L2 flush ({FLUSH_KERNEL}): "
                          f"has bench_runner.cpp's launch order changed? (log: {csv_path}.log)", file=sys.stderr)
                    return 2
                ncu_rows = ncu_rows[1:]  # the flush: profiled only so that its write-backs stay in its own range
            runs.append(ncu_rows)
        for index, kernel in enumerate(kernels):
            for m in metrics:
                mine = [k[index]["metrics"].get(m) for k in llmkb_kernels[case["name"]]]
                mine = [float(v) for v in mine if isinstance(v, (int, float))]
                samples = [parse_number(run_rows[index].get(m, "")) for run_rows in runs]
                samples = [v for v in samples if v is not None]
                if len(mine) < len(llmkb_runs) or not samples:
                    rows.append((case["name"], function_name(kernel["name"]), m, None, None, "n/a", "", "", "MISSING"))
                    worst_fail = True
                    continue
                ours, theirs = statistics.median(mine), statistics.median(samples)
                spreads = (max(mine) - min(mine), max(samples) - min(samples))
                if is_percentage(m):
                    diff, limit, shown = abs(ours - theirs), args.pct_tol, f"{abs(ours - theirs):.2f} pt"
                    spread_shown = [f"{v:.2f} pt" for v in spreads]
                else:
                    scale = max(abs(ours), abs(theirs))
                    diff = 0.0 if scale == 0 else 100.0 * abs(ours - theirs) / scale
                    limit, shown = args.rel_tol, f"{diff:.2f} %"
                    spread_shown = [f"{0.0 if scale == 0 else 100.0 * v / scale:.2f} %" for v in spreads]
                ok = diff <= limit
                worst_fail |= not ok
                verdict = "ok" if ok else "FAIL"
                if not ok and abs(ours - theirs) <= max(spreads) and max(len(mine), len(samples)) > 1:
                    verdict = "FAIL (within a tool's own spread)"
                rows.append((case["name"], function_name(kernel["name"]), m, ours, theirs, shown,
                             spread_shown[0] if len(mine) > 1 else "", spread_shown[1] if len(samples) > 1 else "",
                             verdict))

    width = max(len(r[2]) for r in rows)
    print(f"{'case':<48} {'kernel':<28} {'metric':<{width}} {'llmkb':>14} {'ncu':>14} {'diff':>10} "
          f"{'llmkb spread':>12} {'ncu spread':>10}  ")
    for case, kernel, metric, ours, theirs, shown, our_spread, their_spread, verdict in rows:
        fmt = lambda v: "n/a" if v is None else f"{v:.6g}"
        print(f"{case[:48]:<48} {kernel[:28]:<28} {metric:<{width}} {fmt(ours):>14} {fmt(theirs):>14} {shown:>10} "
              f"{our_spread:>12} {their_spread:>10}  {verdict}")
    failed = sum(1 for r in rows if r[-1] != "ok")
    within_spread = sum(1 for r in rows if "own spread" in r[-1])
    repeats = f"{len(llmkb_runs)} llmkb and {len(runs)} ncu runs"
    print(f"\n{len(rows)} comparisons over {len(cases)} cases; {failed} beyond tolerance "
          f"({args.rel_tol} % relative, {args.pct_tol} point for percentages)"
          + (f", {within_spread} of them within a tool's own run-to-run spread over {repeats}"
             if max(len(llmkb_runs), len(runs)) > 1 else "") + f". Medians over {repeats}. Logs: {workdir}")
    return 1 if worst_fail else 0


if __name__ == "__main__":
    sys.exit(main())
