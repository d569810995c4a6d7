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

// One thread waits until the global timer (ns) has advanced by `ns`.
__global__ void spin_for(unsigned long long ns) {
  unsigned long long start, now;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(start));
  do {
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(now));
  } while (now - start < ns);
}

}  // namespace

L2Flusher::L2Flusher(size_t l2_bytes, size_t persisting_l2_bytes, int sm_count)
    : scratch_(2 * (l2_bytes ? l2_bytes : (size_t{64} << 20))),
      sink_(sizeof(unsigned)),
      blocks_(4 * sm_count),
      has_persisting_l2_(persisting_l2_bytes > 0) {
  LLMKB_CUDA_CHECK(cudaMemset(scratch_.get(), 0, scratch_.size()));
  LLMKB_CUDA_CHECK(cudaDeviceSynchronize());
}

void L2Flusher::reset_persisting_lines(cudaStream_t stream) {
  if (!has_persisting_l2_) return;
  LLMKB_CUDA_CHECK(cudaStreamSynchronize(stream));
  LLMKB_CUDA_CHECK(cudaCtxResetPersistingL2Cache());
}

void L2Flusher::flush(cudaStream_t stream) {
  read_to_evict<<<blocks_, 256, 0, stream>>>(scratch_.as<uint4>(), scratch_.size() / sizeof(uint4), sink_.as<unsigned>());
  LLMKB_CHECK_LAUNCH();
}

void hold_stream(cudaStream_t stream) {
  constexpr unsigned long long kHoldNanoseconds = 50'000;
  spin_for<<<1, 1, 0, stream>>>(kHoldNanoseconds);
  LLMKB_CHECK_LAUNCH();
}

void before_timed_launch(L2Flusher* flusher, cudaStream_t stream) {
  if (flusher) {
    flusher->reset_persisting_lines(stream);
    flusher->flush(stream);
  } else {
    hold_stream(stream);
  }
}

}  // namespace llmkb
