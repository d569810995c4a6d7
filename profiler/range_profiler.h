// Counters per kernel through the CUPTI range profiler (CUDA 12.6+ API): auto ranges (each kernel
// launch its own range) and user replay (each pass one launch of the case, in-place inputs restored
// before it and L2 flushed inside it, so in-place kernels give the same counters each pass).
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
  // Wall time of each step (enable, configure, passes, decode, disable), for the overhead figures.
  std::map<std::string, double> step_ms;
};

class RangeProfiler {
 public:
  // `catalog` holds the configuration `config_image` was made from (it evaluates the counters).
  RangeProfiler(CUcontext context, const ChipCatalog& catalog, std::vector<uint8_t> config_image,
                std::vector<std::string> metrics, size_t max_ranges);

  // What one replay pass runs. `restore` (before the pass starts) puts in-place inputs back;
  // `flush`, if set, launches `flush_kernels` kernels inside the pass, right before the case's
  // kernels, and their ranges are dropped from the result; `launch` enqueues the case's kernels.
  struct Pass {
    std::function<void()> restore;
    std::function<void()> flush;
    size_t flush_kernels = 0;
    std::function<void()> launch;
  };
  // Enables the range profiler, runs the pass under it with user replay (kernel replay where the
  // driver refuses it) until every metric is collected, decodes and evaluates every range, and
  // disables the profiler again so the timed loops of other cases run without it. Throws CuptiError.
  RangeResult profile(const Pass& pass, cudaStream_t stream);
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
