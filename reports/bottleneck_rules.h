// The bottleneck rules (GUIDE section 6) applied to one profiled kernel launch: which roof the
// launch is against (memory, compute, or latency), how far below it, and the findings, each with
// its value, the threshold it crossed, and a severity derived from the speedup left on the table.
// Pure functions on plain structs, so every rule is tested on a case built to trip it.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace llmkb::report {

// One kernel launch as the profiler saw it (a case's profile.kernels[i]); absent counters stay empty.
struct LaunchCounters {
  std::optional<double> duration_ns;             // gpu__time_duration.sum
  std::optional<double> sm_efficiency_pct;       // sm__cycles_active.avg.pct_of_peak_sustained_elapsed
  std::optional<double> compute_sol_pct;         // sm__throughput.avg.pct_of_peak_sustained_elapsed
  std::optional<double> memory_sol_pct;          // gpu__compute_memory_throughput.avg.pct_of_peak_sustained_elapsed
                                                 // (the busiest of L1, L2 and DRAM)
  std::optional<double> dram_sol_pct;            // dram__throughput.avg.pct_of_peak_sustained_elapsed
  std::optional<double> dram_read_bytes;         // dram__bytes_read.sum
  std::optional<double> dram_write_bytes;        // dram__bytes_write.sum
  std::optional<double> dram_bytes_per_second;   // dram__bytes.sum.per_second
  std::optional<double> l2_hit_pct;              // lts__t_sector_hit_rate.pct (may exceed 100: an artefact)
  std::optional<double> l1_hit_pct;              // l1tex__t_sector_hit_rate.pct
  std::optional<double> achieved_occupancy_pct;  // sm__warps_active.avg.pct_of_peak_sustained_active
  double flops_fp32 = 0, flops_fp16 = 0, flops_tensor = 0;
  std::optional<double> theoretical_occupancy_pct;
  std::string occupancy_limiter;  // none | registers | shared_memory | block_size | blocks_per_sm
  std::optional<double> waves_per_sm;
  std::optional<double> registers;

  // DRAM bytes read + written (or rate x time when only the rate was collected).
  std::optional<double> dram_bytes() const;
  // FLOPs counted on every pipe: fp32, fp16 and tensor.
  double total_flops() const { return flops_fp32 + flops_fp16 + flops_tensor; }
};

// What the rules need besides the counters: the ceilings that apply and the case's minimum traffic.
struct LaunchContext {
  double bandwidth_ceiling_gbps = 0;          // the measured ceiling that applies (copy/read/write)
  double compute_peak_tflops = 0;             // for the launch's precision (measured for tensor work)
  std::optional<double> min_bytes;            // the op's minimum bytes, in a one-kernel case (each input read once...)
  // A case of several kernels: how the kernels share the op's minimum is unknown (one reads the
  // inputs, another the partial results), so re-reads are judged per case, on the launch that moved
  // the most DRAM bytes, never as a ratio given to each kernel.
  std::optional<double> case_min_bytes;       // the op's minimum bytes for the whole case
  std::optional<double> case_dram_bytes;      // DRAM bytes of all the case's launches together
  bool moves_most_of_case = false;            // this launch moved the most DRAM bytes of its case
  std::optional<double> case_median_us;       // event-timed median of the case (every case)
  int kernels_in_case = 1;                    // kernels the case launches (profile.kernels.size())
  double launch_floor_us = 0;                 // empty kernel timed like a case (calibration.launch_us)
  std::optional<double> case_pct_of_ceiling;  // fallback when counters cannot place the launch
  // FLOPs: the op's for the case (its useful work), and those counted over all the case's launches
  // (every precision). Counted more than kPaddedFlopsRatio x the op's is padded or redundant work: the
  // launch that counted the most is placed with the op's FLOPs less the other launches' counted ones.
  std::optional<double> op_flops;
  std::optional<double> case_counted_flops;
  bool counts_most_of_case_flops = true;      // this launch counted the most FLOPs of its case
  bool case_ceiling_is_compute = false;       // the case's ceiling is a FLOP rate (tensor_f16)
};

// Thresholds, named once (GUIDE section 6; Nsight Compute's Speed-of-Light rules).
struct RuleThresholds {
  static constexpr double kLatencySolPct = 60;         // both SOL under this: latency bound
  static constexpr double kHighThroughputSolPct = 80;  // one SOL at least this: against that roof
  static constexpr double kBusierUnitGapPts = 10;      // SOLs this far apart name the busier unit
  static constexpr double kAtRoofFraction = 0.85;      // at least this of the roof: nothing above low
  static constexpr double kHighSpeedupLeft = 2.0;      // at least 2x left on the table: high
  static constexpr double kOccupancyGapPts = 10;       // achieved this far under theoretical
  static constexpr double kTheoreticalOccupancyPct = 80;
  static constexpr double kLowCacheHitPct = 50;
  static constexpr double kReuseExcessRatio = 1.25;  // DRAM bytes over the minimum: data re-read
  // DRAM bytes under this fraction of the op's minimum are understated: output that still sat in L2
  // when the kernel ended was written back after it, outside its counters. The kernel owes the minimum.
  static constexpr double kOwedBytesRatio = 0.95;
  static constexpr double kLowSmEfficiencyPct = 50;
  static constexpr double kPaddedFlopsRatio = 2.0;  // counted FLOPs over the op's: padded or redundant work
};

enum class Bound { memory, compute, latency, unknown };
enum class Severity { low, medium, high };
const char* to_string(Bound bound);
const char* to_string(Severity severity);

enum class Precision { fp32, fp16, tensor, none };
const char* to_string(Precision precision);
// The precision that did most of the launch's FLOPs (none when it counted no FLOPs).
Precision dominant_precision(const LaunchCounters& counters);
double flops_of(const LaunchCounters& counters, Precision precision);

struct Finding {
  std::string kind;  // latency_bound, below_roof, sol_busier_unit, occupancy_gap, occupancy_limited,
                     // excess_dram_traffic, case_excess_dram_traffic, low_l2_hit, low_l1_hit,
                     // low_sm_efficiency, dram_below_minimum, memory_pipeline_saturated, padded_compute
  Severity severity = Severity::low;
  bool primary = false;     // the finding that names the roof; the others are contributing causes
  double value = 0;         // the measured value, in the finding's unit (%, or a ratio for traffic)
  double threshold = 0;     // the threshold it crossed
  std::string unit;         // "%", "x"
  std::string detail;       // a fact the text uses: the busier unit, the occupancy limiter, "small_grid"
  double detail_value = 0;  // the number that goes with detail (the other SOL, waves, theoretical occupancy...)
};

struct LaunchAnalysis {
  Precision precision = Precision::none;
  std::optional<double> dram_bytes, achieved_gbps, achieved_tflops, arithmetic_intensity;  // as measured
  // The bytes the roofline places the launch with: the measured DRAM bytes, or the op's minimum where
  // the measured ones are under kOwedBytesRatio of it (then placed_on_min_bytes), and their rate.
  std::optional<double> roofline_bytes, roofline_gbps;
  bool placed_on_min_bytes = false;
  // The case's counted FLOPs over the op's, where above kPaddedFlopsRatio; then, on the launch that
  // counted the most, achieved_tflops and the roofline use the useful FLOPs and counted_tflops keeps
  // the counted rate.
  std::optional<double> padded_flops_ratio;
  std::optional<double> counted_tflops;
  std::optional<double> roof_tflops;  // the roof at this arithmetic intensity
  std::optional<double> pct_of_roof;  // achieved over the roof that applies, in % (never clamped)
  Bound bound = Bound::unknown;
  Bound roofline_side = Bound::unknown;     // memory or compute by the ridge point, whatever the SOL says
  std::optional<double> dram_excess_ratio;  // DRAM bytes over the minimum bytes (one-kernel cases)
  std::optional<double> case_dram_excess_ratio;  // the case's DRAM bytes over its minimum (cases of several kernels)
  bool rereads_data = false;                // DRAM bytes clearly above the minimum: reuse is lost
  double speedup_left = 1;                  // attainable speedup: roof headroom, bounded by the launch floor
                                            // (case median / floor in one-kernel cases, else duration / floor)
  bool at_roof = false;                     // >= 85 % of the roof or one SOL >= 80 %: nothing above low
  // Memory SOL >= 80 % from a unit other than DRAM (L1/load-store, L2) while the launch is on the
  // memory side well under its DRAM roof: not at a roof; severity follows the speedup left against it.
  bool memory_pipeline_saturated = false;
  std::vector<Finding> findings;
};

LaunchAnalysis analyse_launch(const LaunchCounters& counters, const LaunchContext& context);

// The severity for a speedup left on the table: >= 2x high, >= 1/0.85 medium, else low.
Severity severity_for_speedup(double speedup_left);

}  // namespace llmkb::report
