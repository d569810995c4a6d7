// Counters per kernel through the CUPTI range profiler (CUDA 12.6+ API): auto ranges (each kernel
// launch its own range) and user replay (each pass one launch of the case, in-place inputs restored
// and L2 flushed by the caller before it, so in-place kernels give the same counters each pass).
#pragma once
#include <cuda.h>
#include <cuda_runtime_api.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace llmkb {

class ChipCatalog;

struct RangeValues {
  std::string name;  // CUPTI names auto ranges by launch index: "0", "1", ...
  std::map<std::string, double> metrics;
};

struct RangeResult {
  std::vector<RangeValues> ranges;  // launch order
  size_t dropped_ranges = 0;        // launches beyond max_ranges
};

class RangeProfiler {
 public:
  // `catalog` holds the configuration `config_image` was made from (it evaluates the counters).
  RangeProfiler(CUcontext context, const ChipCatalog& catalog, std::vector<uint8_t> config_image,
                std::vector<std::string> metrics, size_t max_ranges);

  // Enables the range profiler, runs `launch` (the kernels of one case, on `stream`) under it with
  // user replay (kernel replay where the driver refuses it), decodes and evaluates every range, and disables the profiler again so the timed
  // loops of other cases run without it. `restore` puts in-place inputs back, should CUPTI need the
  // launch sequence again. Throws CuptiError.
  RangeResult profile(const std::function<void()>& restore, const std::function<void()>& launch, cudaStream_t stream);
  // "user" or "kernel": the replay mode the last profile() ran with.
  const std::string& last_replay() const { return last_replay_; }

 private:
  CUcontext context_;
  const ChipCatalog& catalog_;
  std::vector<uint8_t> config_image_;
  std::vector<std::string> metrics_;
  size_t max_ranges_;
  std::string last_replay_ = "user";
};

}  // namespace llmkb
