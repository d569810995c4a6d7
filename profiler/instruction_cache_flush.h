// Cold instruction caches in every replay pass. Nsight Compute's --cache-control all flushes every
// GPU cache before a pass, the instruction and constant caches included; the L2 flush of
// bench/l2_flush.h leaves the profiled kernel's code in the SMs' and GPCs' caches, so without this
// its instruction fetches never reach L2 and the two tools disagree on L2 sectors, hit rates and the
// durations of small kernels (docs/profiler.md).
#pragma once
#include <cuda_runtime_api.h>

#include "kernels/common/device_buffer.h"

namespace llmkb {

class InstructionCacheFlusher {
 public:
  explicit InstructionCacheFlusher(int sm_count);
  void flush(cudaStream_t stream);  // one kernel launch

 private:
  DeviceBuffer sink_;
  int blocks_;
};

}  // namespace llmkb
