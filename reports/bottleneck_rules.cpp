#include "reports/bottleneck_rules.h"

#include <algorithm>
#include <cmath>

namespace llmkb::report {

using T = RuleThresholds;

const char* to_string(Bound bound) {
  switch (bound) {
    case Bound::memory:
      return "memory";
    case Bound::compute:
      return "compute";
    case Bound::latency:
      return "latency";
    case Bound::unknown:
      break;
  }
  return "unknown";
}

const char* to_string(Severity severity) {
  switch (severity) {
    case Severity::high:
      return "high";
    case Severity::medium:
      return "medium";
    case Severity::low:
      break;
  }
  return "low";
}

const char* to_string(Precision precision) {
  switch (precision) {
    case Precision::fp32:
      return "fp32";
    case Precision::fp16:
      return "fp16";
    case Precision::tensor:
      return "tensor";
    case Precision::none:
      break;
  }
  return "none";
}

std::optional<double> LaunchCounters::dram_bytes() const {
  if (dram_read_bytes || dram_write_bytes) return dram_read_bytes.value_or(0) + dram_write_bytes.value_or(0);
  if (dram_bytes_per_second && duration_ns) return *dram_bytes_per_second * *duration_ns * 1e-9;
  return std::nullopt;
}

Precision dominant_precision(const LaunchCounters& c) {
  if (c.flops_tensor <= 0 && c.flops_fp16 <= 0 && c.flops_fp32 <= 0) return Precision::none;
  if (c.flops_tensor >= c.flops_fp16 && c.flops_tensor >= c.flops_fp32) return Precision::tensor;
  return c.flops_fp16 > c.flops_fp32 ? Precision::fp16 : Precision::fp32;
}

double flops_of(const LaunchCounters& c, Precision precision) {
  switch (precision) {
    case Precision::fp32:
      return c.flops_fp32;
    case Precision::fp16:
      return c.flops_fp16;
    case Precision::tensor:
      return c.flops_tensor;
    case Precision::none:
      break;
  }
  return 0;
}

Severity severity_for_speedup(double speedup_left) {
  if (speedup_left >= T::kHighSpeedupLeft) return Severity::high;
  if (speedup_left >= 1.0 / T::kAtRoofFraction) return Severity::medium;
  return Severity::low;
}

namespace {

Severity one_level_lower(Severity s) {
  return s == Severity::high ? Severity::medium : Severity::low;
}

// Places the launch on the roofline: arithmetic intensity, achieved rate, the roof there, and the side.
void place_on_roofline(const LaunchCounters& c, const LaunchContext& ctx, LaunchAnalysis& a) {
  a.precision = dominant_precision(c);
  a.dram_bytes = c.dram_bytes();
  if (!a.dram_bytes || !c.duration_ns || *c.duration_ns <= 0) return;
  // A kernel owes at least the op's minimum bytes: fewer measured means part of its output was still
  // in L2 when it ended and was written back afterwards. The roofline places it with what it owes.
  double bytes = *a.dram_bytes;
  if (ctx.min_bytes && *ctx.min_bytes > 0 && bytes < T::kOwedBytesRatio * *ctx.min_bytes) {
    bytes = *ctx.min_bytes;
    a.placed_on_min_bytes = true;
  }
  const double seconds = *c.duration_ns * 1e-9;
  const double gbps = *a.dram_bytes / seconds / 1e9, roofline_gbps = bytes / seconds / 1e9;
  double flops = flops_of(c, a.precision);
  const double counted_tflops = flops / seconds / 1e12;
  // Padded work is not useful work: the launch that counted most of the case's FLOPs is placed with
  // the op's FLOPs less what the case's other launches counted (never more than it counted itself).
  // Tensor-pipe launches only: there the excess is tiles padded past the problem (a GEMV's batch of 1
  // in an N = 8 MMA, 8x). On the fp32 and fp16 pipes the counters also count the FMAs of exp, rsqrt
  // and conversions, which the op's FLOPs (the textbook count: SiLU-and-mul 4 per element) do not,
  // so act_and_mul reads 5.5-6.6x and rmsnorm 2.2-2.5x with nothing padded.
  if (a.precision == Precision::tensor && ctx.op_flops && *ctx.op_flops > 0 && ctx.case_counted_flops &&
      *ctx.case_counted_flops > T::kPaddedFlopsRatio * *ctx.op_flops) {
    a.padded_flops_ratio = *ctx.case_counted_flops / *ctx.op_flops;
    if (ctx.counts_most_of_case_flops) {
      const double own = c.total_flops();
      const double others = std::max(0.0, *ctx.case_counted_flops - own);
      flops = std::clamp(*ctx.op_flops - others, 0.0, flops);
      if (std::isfinite(counted_tflops)) a.counted_tflops = counted_tflops;
    }
  }
  const double tflops = flops / seconds / 1e12;
  // Counters no kernel can give (a duration of 1e-300 ns) must not become an infinite rate.
  if (!std::isfinite(gbps) || !std::isfinite(roofline_gbps) || !std::isfinite(tflops)) return;
  if (bytes > 0 && !std::isfinite(flops / bytes)) return;  // a DRAM count of 1e-320 bytes
  a.achieved_gbps = gbps;
  a.achieved_tflops = tflops;
  a.roofline_bytes = bytes;
  a.roofline_gbps = roofline_gbps;
  if (ctx.bandwidth_ceiling_gbps <= 0) return;
  if (flops <= 0 || ctx.compute_peak_tflops <= 0) {  // no FLOPs to speak of: only the bandwidth roof applies
    a.roofline_side = Bound::memory;
    a.pct_of_roof = 100.0 * roofline_gbps / ctx.bandwidth_ceiling_gbps;
    return;
  }
  if (bytes <= 0) {  // everything hit in cache: against the compute roof
    a.roofline_side = Bound::compute;
    a.roof_tflops = ctx.compute_peak_tflops;
    a.pct_of_roof = 100.0 * *a.achieved_tflops / ctx.compute_peak_tflops;
    return;
  }
  a.arithmetic_intensity = flops / bytes;
  const double memory_roof_tflops = *a.arithmetic_intensity * ctx.bandwidth_ceiling_gbps / 1e3;
  if (memory_roof_tflops < ctx.compute_peak_tflops) {
    a.roofline_side = Bound::memory;
    a.roof_tflops = memory_roof_tflops;
    a.pct_of_roof = 100.0 * roofline_gbps / ctx.bandwidth_ceiling_gbps;
  } else {
    a.roofline_side = Bound::compute;
    a.roof_tflops = ctx.compute_peak_tflops;
    a.pct_of_roof = 100.0 * *a.achieved_tflops / ctx.compute_peak_tflops;
  }
}

}  // namespace

LaunchAnalysis analyse_launch(const LaunchCounters& c, const LaunchContext& ctx) {
  LaunchAnalysis a;
  place_on_roofline(c, ctx, a);

  const bool have_sol = c.compute_sol_pct && c.memory_sol_pct;
  const double compute_sol = c.compute_sol_pct.value_or(0);
  // Placed with the bytes it owes, the launch's memory SOL understates it too (the DRAM writes it
  // left in L2 are not in it): the owed bandwidth's % of roof is a floor under it, so no latency
  // finding comes from the understated figure.
  const double counted_memory_sol = c.memory_sol_pct.value_or(0);
  double memory_sol = counted_memory_sol;
  if (a.placed_on_min_bytes && a.roofline_side == Bound::memory && a.pct_of_roof)
    memory_sol = std::max(memory_sol, *a.pct_of_roof);
  const bool latency = have_sol && compute_sol < T::kLatencySolPct && memory_sol < T::kLatencySolPct;

  // How far below the roof: the roofline, else the case's % of its ceiling, else the busier SOL.
  std::optional<double> fraction;
  if (a.pct_of_roof)
    fraction = *a.pct_of_roof / 100.0;
  else if (ctx.case_pct_of_ceiling)
    fraction = *ctx.case_pct_of_ceiling / 100.0;
  else if (have_sol)
    fraction = std::max(compute_sol, memory_sol) / 100.0;

  // Memory SOL is the busiest of L1, L2 and DRAM. At 80 % or more while the launch's DRAM traffic is
  // well under its DRAM roof (and, where counted, DRAM's own SOL 10 points under it), the saturated
  // unit is the L1/load-store path or L2, not DRAM: the kernel is against no roof that other
  // variants of the op cannot pass, so it is not at its roof. The memory SOL as counted, not the
  // owed-bytes floor above, which is DRAM's.
  a.memory_pipeline_saturated = have_sol && counted_memory_sol >= T::kHighThroughputSolPct &&
                                a.roofline_side == Bound::memory && a.pct_of_roof &&
                                *a.pct_of_roof < T::kAtRoofFraction * 100.0 &&
                                (!c.dram_sol_pct || counted_memory_sol - *c.dram_sol_pct >= T::kBusierUnitGapPts);
  const bool high_throughput = have_sol && (compute_sol >= T::kHighThroughputSolPct ||
                                            (memory_sol >= T::kHighThroughputSolPct && !a.memory_pipeline_saturated));

  a.bound = latency ? Bound::latency : a.roofline_side;
  if (a.bound == Bound::unknown && have_sol) a.bound = memory_sol >= compute_sol ? Bound::memory : Bound::compute;
  if (a.bound == Bound::unknown && fraction) a.bound = ctx.case_ceiling_is_compute ? Bound::compute : Bound::memory;

  a.speedup_left = fraction && *fraction > 0 ? std::max(1.0, 1.0 / *fraction) : 1.0;
  // Nothing runs faster than an empty kernel: a launch near the launch floor has little to gain. A
  // one-kernel case is timed like the empty kernel (events around the launch), so its median is
  // compared with the floor; in a case of several kernels each launch is bounded by its own duration.
  std::optional<double> floor_basis_us;
  if (ctx.kernels_in_case == 1 && ctx.case_median_us)
    floor_basis_us = *ctx.case_median_us;
  else if (c.duration_ns)
    floor_basis_us = *c.duration_ns / 1e3;
  if (floor_basis_us && ctx.launch_floor_us > 0) {
    a.speedup_left = std::min(a.speedup_left, std::max(1.0, *floor_basis_us / ctx.launch_floor_us));
  }
  a.at_roof = (fraction && *fraction >= T::kAtRoofFraction) || high_throughput;
  Severity primary_severity = a.at_roof ? Severity::low : severity_for_speedup(a.speedup_left);
  if (!fraction) primary_severity = Severity::low;  // nothing says how much is left: never above low
  const Severity contributing = one_level_lower(primary_severity);

  auto add = [&a](Finding f) { a.findings.push_back(std::move(f)); };

  if (latency) {
    Finding f{"latency_bound", primary_severity, true, std::max(compute_sol, memory_sol), T::kLatencySolPct, "%"};
    if (c.waves_per_sm && *c.waves_per_sm < 1.0) {
      f.detail = "small_grid";
      f.detail_value = *c.waves_per_sm;
    }
    add(f);
  } else if (a.memory_pipeline_saturated && !high_throughput) {
    // value: the memory SOL; detail_value: DRAM's % of its roof (the launch's L1 hit rate is in its figures).
    Finding f{"memory_pipeline_saturated", primary_severity, true, counted_memory_sol, T::kHighThroughputSolPct, "%"};
    f.detail_value = *a.pct_of_roof;
    add(f);
  } else if (fraction && *fraction < T::kAtRoofFraction) {
    Finding f{"below_roof", primary_severity, true, *fraction * 100.0, T::kAtRoofFraction * 100.0, "%"};
    f.detail = to_string(a.bound);
    add(f);
  }

  // Speed of light under 80 % and 10 points apart: the busier unit is the one to feed.
  if (have_sol && !latency && !high_throughput && !a.memory_pipeline_saturated &&
      std::fabs(compute_sol - memory_sol) >= T::kBusierUnitGapPts) {
    const bool memory_busier = memory_sol > compute_sol;
    Finding f{"sol_busier_unit", contributing, false, std::max(compute_sol, memory_sol), T::kHighThroughputSolPct, "%"};
    f.detail = memory_busier ? "memory" : "compute";
    f.detail_value = std::min(compute_sol, memory_sol);
    add(f);
  }

  if (c.achieved_occupancy_pct && c.theoretical_occupancy_pct &&
      *c.theoretical_occupancy_pct - *c.achieved_occupancy_pct > T::kOccupancyGapPts) {
    Finding f{"occupancy_gap",
              contributing,
              false,
              *c.achieved_occupancy_pct,
              *c.theoretical_occupancy_pct - T::kOccupancyGapPts,
              "%"};
    f.detail_value = *c.theoretical_occupancy_pct;
    add(f);
  }
  if (c.theoretical_occupancy_pct && *c.theoretical_occupancy_pct < T::kTheoreticalOccupancyPct) {
    Finding f{"occupancy_limited", contributing, false, *c.theoretical_occupancy_pct, T::kTheoreticalOccupancyPct, "%"};
    f.detail = c.occupancy_limiter.empty() ? "unknown" : c.occupancy_limiter;
    f.detail_value = c.registers.value_or(0);
    add(f);
  }

  // Reuse: DRAM bytes near the op's minimum mean each byte comes from DRAM once (streaming); a low
  // cache hit rate there is compulsory and no finding. Clearly more than the minimum means re-reads.
  if (a.dram_bytes && ctx.min_bytes && *ctx.min_bytes > 0) {
    a.dram_excess_ratio = *a.dram_bytes / *ctx.min_bytes;
    a.rereads_data = *a.dram_excess_ratio >= T::kReuseExcessRatio;
  }
  if (a.rereads_data) {
    add({"excess_dram_traffic", contributing, false, *a.dram_excess_ratio, T::kReuseExcessRatio, "x"});
    // Hit rates over 100 % are measurement artefacts: shown as such, never a finding either way.
    if (c.l2_hit_pct && *c.l2_hit_pct < T::kLowCacheHitPct) {
      add({"low_l2_hit", contributing, false, *c.l2_hit_pct, T::kLowCacheHitPct, "%"});
    }
    if (c.l1_hit_pct && *c.l1_hit_pct < T::kLowCacheHitPct) {
      add({"low_l1_hit", contributing, false, *c.l1_hit_pct, T::kLowCacheHitPct, "%"});
    }
  }
  // A case of several kernels: its DRAM bytes over its minimum, said once, on the launch that moved
  // the most of them, as the case's figure (which kernel re-reads is not known from the totals).
  if (ctx.kernels_in_case > 1 && ctx.case_dram_bytes && ctx.case_min_bytes && *ctx.case_min_bytes > 0) {
    a.case_dram_excess_ratio = *ctx.case_dram_bytes / *ctx.case_min_bytes;
    if (ctx.moves_most_of_case && *a.case_dram_excess_ratio >= T::kReuseExcessRatio) {
      Finding f{"case_excess_dram_traffic", contributing, false, *a.case_dram_excess_ratio, T::kReuseExcessRatio, "x"};
      f.detail_value = ctx.kernels_in_case;
      add(f);
    }
  }
  // Padded or redundant compute, said once per case, on the launch that counted the most; the % of
  // roof above is of the useful FLOPs.
  if (a.padded_flops_ratio && a.counted_tflops) {
    Finding f{"padded_compute", contributing, false, *a.padded_flops_ratio, T::kPaddedFlopsRatio, "x"};
    f.detail = to_string(a.precision);
    f.detail_value = a.achieved_tflops.value_or(0);
    add(f);
  }
  // Said wherever the roofline used the owed bytes, so the % of roof is not read as measured DRAM.
  if (a.placed_on_min_bytes) {
    add({"dram_below_minimum", Severity::low, false, *a.dram_excess_ratio, T::kOwedBytesRatio, "x"});
  }
  if (c.sm_efficiency_pct && *c.sm_efficiency_pct < T::kLowSmEfficiencyPct) {
    add({"low_sm_efficiency", contributing, false, *c.sm_efficiency_pct, T::kLowSmEfficiencyPct, "%"});
  }
  return a;
}

}  // namespace llmkb::report
