// The hook through which `llmkb bench --profile` collects hardware counters for a case, after its
// timing and never inside the timed loop. Implemented by profiler/ (CUPTI).
#pragma once
#include <cuda_runtime_api.h>

#include <nlohmann/json.hpp>
#include <string>

#include "kernels/harness/case.h"

namespace llmkb {

class CaseProfiler {
 public:
  virtual ~CaseProfiler() = default;
  // Replays `run` as often as the counter passes need (restoring its in-place inputs before each
  // pass) and returns the case's "profile" object (docs/results-schema.md).
  virtual nlohmann::json profile(DeviceRun& run, cudaStream_t stream, const std::string& case_name) = 0;
  // The results file's "profiler" section: metrics, chip, status and any error line.
  virtual nlohmann::json summary() const = 0;
  // The results file's "trace" section (kernel trace over the run), or null when not traced.
  virtual nlohmann::json trace_summary() { return nullptr; }
};

}  // namespace llmkb
