// The roofs a kernel is measured against. Bandwidth and tensor rates are measured in the same run
// (calibration); the fp32 and fp16 (non-tensor) peaks are theoretical, derived from the device:
// SM count x SM clock x FMA instructions per SM per clock x 2 FLOP, and labelled theoretical wherever shown.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "reports/bottleneck_rules.h"

namespace llmkb::report {

struct ComputePeak {
  double tflops = 0;
  bool theoretical = true;
  int fma_lanes_per_sm = 0;  // FMA instructions per SM per clock the theoretical peak assumes (0: measured, unknown)
  std::string basis;         // how it was obtained, in words (English, for report.json)
};

// FMA thread instructions per SM per clock for 32-bit and 16-bit (non-tensor) floating point, by
// compute capability, in the unit of the SASS counters the FLOPs come from (profiler/profile_json.h:
// add + mul + 2 fma). fp32: the CUDA C++ Programming Guide's "Arithmetic Instructions" results per
// clock per SM. fp16: half the guide's fp16 results, because the counters count a 2-wide HFMA2 (or
// HADD2, HMUL2) as one instruction, as they count a scalar HFMA (ncu on an H100: 1000 __hfma2 per
// thread in one warp give sm__sass_thread_inst_executed_op_hfma_pred_on.sum = 32000, and its
// peak_sustained is 132 SMs x 128, the same as ffma's). The fp16 peak is so in FLOPs as counted
// (an HFMA2 is 2, not 4): half the vendor's fp16 figure. 0 when the capability is not in the table.
struct FmaLanes {
  int fp32 = 0;
  int fp16 = 0;
};
FmaLanes fma_lanes_per_sm(const std::string& compute_capability);

// environment.device and calibration of the results file -> the peak for the precision.
ComputePeak compute_peak(const nlohmann::json& device, const nlohmann::json& calibration, Precision precision);

// The measured bandwidth ceiling (GB/s) that applies to a case's ceiling name: copy, read or write
// as named; a tensor (compute) case uses the read bandwidth for its memory side. Falls back to the
// theoretical DRAM peak when the calibration lacks it.
double bandwidth_ceiling_gbps(const nlohmann::json& calibration, const std::string& ceiling);
std::string bandwidth_ceiling_name(const std::string& ceiling);

}  // namespace llmkb::report
