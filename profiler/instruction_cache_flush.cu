#include "profiler/instruction_cache_flush.h"

#include "kernels/common/cuda_check.h"

namespace llmkb {
namespace {

// One read of the clock register folded into acc (the read is volatile, so the compiler keeps every
// one), then 8 and 64 of them.
#define LLMKB_CLOCK_XOR "{ .reg .u32 t; mov.u32 t, %%clock; xor.b32 %0, %0, t; }\n\t"
#define LLMKB_CLOCK_XOR_8 \
  LLMKB_CLOCK_XOR LLMKB_CLOCK_XOR LLMKB_CLOCK_XOR LLMKB_CLOCK_XOR LLMKB_CLOCK_XOR LLMKB_CLOCK_XOR LLMKB_CLOCK_XOR LLMKB_CLOCK_XOR
#define LLMKB_CLOCK_XOR_64                                                                                        \
  LLMKB_CLOCK_XOR_8 LLMKB_CLOCK_XOR_8 LLMKB_CLOCK_XOR_8 LLMKB_CLOCK_XOR_8 LLMKB_CLOCK_XOR_8 LLMKB_CLOCK_XOR_8 \
      LLMKB_CLOCK_XOR_8 LLMKB_CLOCK_XOR_8

// Idea: run more straight-line code than an SM's instruction caches hold, in every SM partition:
// two blocks of four warps per SM (the block scheduler spreads them over the SMs), each running the
// unrolled loop of 128 x 64 clock reads and XORs, 16,384 instructions of 16 bytes, 256 KB of machine
// code (the kernel's cubin for sm_90a or sm_75 is 260 KB), so whatever code the caches held (the
// profiled kernel's) is evicted. On an H100 the kernel takes 107 us. acc is stored only on a value it
// will not take.
constexpr int kCodeBlocks = 128;  // the compiler unrolls up to 128 iterations of this body fully
__global__ void __launch_bounds__(128) run_long_code(unsigned* __restrict__ sink) {
  unsigned acc = threadIdx.x;
#pragma unroll
  for (int i = 0; i < kCodeBlocks; ++i) asm volatile(LLMKB_CLOCK_XOR_64 : "+r"(acc));
  if (acc == 0x5bd1e995u) *sink = acc;
}

#undef LLMKB_CLOCK_XOR_64
#undef LLMKB_CLOCK_XOR_8
#undef LLMKB_CLOCK_XOR

}  // namespace

InstructionCacheFlusher::InstructionCacheFlusher(int sm_count) : sink_(sizeof(unsigned)), blocks_(2 * sm_count) {}

void InstructionCacheFlusher::flush(cudaStream_t stream) {
  run_long_code<<<blocks_, 128, 0, stream>>>(sink_.as<unsigned>());
  LLMKB_CHECK_LAUNCH();
}

}  // namespace llmkb
