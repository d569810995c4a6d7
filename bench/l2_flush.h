// Cold-cache measurements: overwrite a buffer twice the size of L2 before each timed launch.
#pragma once
#include <cuda_runtime_api.h>

#include "kernels/common/device_buffer.h"

namespace llmkb {

class L2Flusher {
 public:
  explicit L2Flusher(size_t l2_bytes);
  void flush(cudaStream_t stream);

 private:
  DeviceBuffer scratch_;
};

}  // namespace llmkb
