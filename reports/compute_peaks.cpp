#include "reports/compute_peaks.h"

#include <sstream>

namespace llmkb::report {

FmaLanes fma_lanes_per_sm(const std::string& cc) {
  // fp16: HFMA instructions, each 2 wide, so half the fp16 results per clock of the guide's table.
  if (cc == "7.0" || cc == "7.2" || cc == "7.5") return {64, 64};
  if (cc == "8.0") return {64, 128};
  if (cc == "8.6" || cc == "8.7" || cc == "8.9") return {128, 64};
  if (cc == "9.0") return {128, 128};
  return {};
}

ComputePeak compute_peak(const nlohmann::json& device, const nlohmann::json& calibration, Precision precision) {
  ComputePeak peak;
  if (precision == Precision::tensor) {
    peak.tflops = calibration.value("tensor_f16_tflops", 0.0);
    peak.theoretical = false;
    peak.basis = "measured: cuBLAS fp16 GEMM (calibration.tensor_f16_tflops)";
    return peak;
  }
  const FmaLanes lanes = fma_lanes_per_sm(device.value("compute_capability", ""));
  const int per_sm = precision == Precision::fp16 ? lanes.fp16 : lanes.fp32;
  const double sms = device.value("sm_count", 0), clock_mhz = device.value("sm_clock_mhz", 0);
  peak.fma_lanes_per_sm = per_sm;
  peak.tflops = sms * clock_mhz * 1e6 * per_sm * 2.0 / 1e12;
  std::ostringstream basis;
  basis << "theoretical: " << sms << " SMs x " << clock_mhz << " MHz x " << per_sm << " " << to_string(precision)
        << " FMA/clock/SM x 2 FLOP";
  peak.basis = per_sm > 0 ? basis.str() : "unknown: compute capability not in the FMA table";
  return peak;
}

std::string bandwidth_ceiling_name(const std::string& ceiling) {
  return ceiling == "copy" || ceiling == "write" ? ceiling : "read";
}

double bandwidth_ceiling_gbps(const nlohmann::json& calibration, const std::string& ceiling) {
  const double measured = calibration.value(bandwidth_ceiling_name(ceiling) + "_gbps", 0.0);
  return measured > 0 ? measured : calibration.value("dram_peak_gbps", 0.0);
}

}  // namespace llmkb::report
