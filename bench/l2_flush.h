// Cold-cache measurements: before each timed launch, read a buffer twice the size of L2.
//
// Reading, not writing: a memset would leave L2 full of dirty lines, and the timed kernel would pay
// for writing them back to DRAM (seen on an H200: an RMSNorm's DRAM writes counted 2.6x what
// Nsight Compute, which cleans the cache, reported). Reading leaves clean lines that are evicted
// for free, and writes back whatever the previous launch left dirty before the timer starts.
#pragma once
#include <cuda_runtime_api.h>

#include "kernels/common/device_buffer.h"

namespace llmkb {

class L2Flusher {
 public:
  L2Flusher(size_t l2_bytes, int sm_count);
  void flush(cudaStream_t stream);  // one kernel launch

 private:
  DeviceBuffer scratch_;
  DeviceBuffer sink_;
  int blocks_;
};

}  // namespace llmkb
