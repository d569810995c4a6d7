#include "bench/l2_flush.h"

#include "kernels/common/cuda_check.h"

namespace llmkb {
namespace {

// Reads every 16-byte word of the buffer; the XOR is stored only if it hits a value the (zeroed)
// buffer cannot produce, so the loads stay.
__global__ void read_to_evict(const uint4* __restrict__ data, size_t words, unsigned* __restrict__ sink) {
  unsigned acc = 0;
  const size_t step = static_cast<size_t>(gridDim.x) * blockDim.x;
  for (size_t i = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < words; i += step) {
    const uint4 v = data[i];
    acc ^= v.x ^ v.y ^ v.z ^ v.w;
  }
  if (acc == 0x5bd1e995u) *sink = acc;
}

// Invalidates the buffer's lines in L2 without writing them back (sm_80+; a no-op launch before).
__global__ void discard_lines(char* data, size_t bytes) {
  const size_t step = static_cast<size_t>(gridDim.x) * blockDim.x * 128;
  for (size_t i = (static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x) * 128; i < bytes; i += step) {
#if __CUDA_ARCH__ >= 800
    asm volatile("discard.global.L2 [%0], 128;" ::"l"(data + i) : "memory");
#endif
  }
}

}  // namespace

void L2Flusher::flush_and_invalidate(cudaStream_t stream) {
  flush(stream);
  discard_lines<<<blocks_, 256, 0, stream>>>(static_cast<char*>(scratch_.get()), scratch_.size());
  LLMKB_CHECK_LAUNCH();
}

L2Flusher::L2Flusher(size_t l2_bytes, int sm_count)
    : scratch_(2 * (l2_bytes ? l2_bytes : (size_t{64} << 20))), sink_(sizeof(unsigned)), blocks_(4 * sm_count) {
  LLMKB_CUDA_CHECK(cudaMemset(scratch_.get(), 0, scratch_.size()));
  LLMKB_CUDA_CHECK(cudaDeviceSynchronize());
}

void L2Flusher::flush(cudaStream_t stream) {
  read_to_evict<<<blocks_, 256, 0, stream>>>(scratch_.as<uint4>(), scratch_.size() / sizeof(uint4), sink_.as<unsigned>());
  LLMKB_CHECK_LAUNCH();
}

}  // namespace llmkb
