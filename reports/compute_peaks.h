// The roofs a kernel is measured against. Bandwidth and tensor rates are measured in the same run
// (calibration); the fp32 and fp16 (non-tensor) peaks are theoretical, derived from the device:
// SM count x SM clock x FMA lanes per SM per clock x 2 FLOP, and labelled theoretical wherever shown.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "reports/bottleneck_rules.h"

namespace llmkb::report {

struct ComputePeak {
  double tflops = 0;
  bool theoretical = true;
  int fma_lanes_per_sm = 0;  // the FMA lanes the theoretical peak assumes (0: measured, or unknown)
  std::string basis;         // how it was obtained, in words (English, for report.json)
};

// FMA lanes per SM per clock for 32-bit and 16-bit (non-tensor) floating point, by compute
// capability (CUDA C++ Programming Guide, "Arithmetic Instructions" throughput table, results per
// clock per SM / 2 for FMA counted as 2 FLOP). 0 when the capability is not in the table.
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
