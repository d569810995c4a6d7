#include "bench/l2_flush.h"

#include "kernels/common/cuda_check.h"

namespace llmkb {

L2Flusher::L2Flusher(size_t l2_bytes) : scratch_(2 * (l2_bytes ? l2_bytes : (64u << 20))) {}

void L2Flusher::flush(cudaStream_t stream) {
  LLMKB_CUDA_CHECK(cudaMemsetAsync(scratch_.get(), 0, scratch_.size(), stream));
}

}  // namespace llmkb
