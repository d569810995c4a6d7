// The profile records of the results file (notes: profile_format.md; docs/results-schema.md):
// per kernel (counters, derived FLOPs, launch data) and the kernel trace summary. Host only.
#pragma once
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "profiler/occupancy.h"

namespace llmkb {

// The C++ name of a kernel from its mangled symbol; the input unchanged when it is not mangled.
std::string demangle(const std::string& symbol);

// What the activity record of one launch says about its configuration.
struct LaunchRecord {
  std::string name;  // demangled
  int grid[3] = {1, 1, 1};
  int block[3] = {1, 1, 1};
  int registers_per_thread = 0;
  int static_shared_bytes = 0;
  int dynamic_shared_bytes = 0;
  uint32_t local_bytes_per_thread = 0;
  uint32_t shared_config_bytes = 0;  // carveout the driver ran it with (0: unknown)
};

// "launch": grid, block, registers, shared and local memory, theoretical occupancy and limiter, waves.
nlohmann::json launch_json(const LaunchRecord& launch, SmLimits sm, int sm_count);

// "flops": fp32 = fadd + fmul + 2 ffma, fp16 likewise with h*, tensor = the sum of the chip's
// tensor-pipe op counters as CUPTI counts them. A pipe whose counters were not collected is null.
nlohmann::json flops_json(const std::map<std::string, double>& metrics, const std::vector<std::string>& tensor_metrics);

// One kernel launch of a profiled case (launch may be null when the activity record was missing).
nlohmann::json kernel_profile_json(const std::string& name, const std::map<std::string, double>& metrics,
                                   const std::vector<std::string>& tensor_metrics, const nlohmann::json& launch);

// One kernel execution in the trace.
struct KernelInterval {
  std::string name;  // demangled
  uint64_t start_ns = 0;
  uint64_t end_ns = 0;
};

struct TraceTotals {
  double span_us = 0;    // time traced (the profiling replays excluded)
  uint64_t records = 0;  // activity records received, of every kind
  uint64_t dropped = 0;  // records CUPTI had to drop (buffers full)
};

// "trace": per kernel name the instances, total, average, median, min, max (us) and share of all
// kernel time, sorted by total time descending (nsys stats' cuda_gpu_kern_sum). Kernels without a
// valid interval (end <= start: CUPTI's zero timestamps) are left out and counted in
// untimed_kernel_records.
nlohmann::json trace_summary_json(const std::vector<KernelInterval>& kernels, const TraceTotals& totals);

}  // namespace llmkb
