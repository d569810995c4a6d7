// The profiler's theoretical occupancy (profiler/occupancy.cpp, which works from launch records and has no
// function pointer) against the CUDA runtime's own calculator on real kernels of this device: every
// block size from 32 to 1024 threads, with and without dynamic shared memory, must give the same
// resident blocks per SM.
#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <string>

#include "kernels/common/cuda_check.h"
#include "profiler/occupancy.h"
#include "tests/gpu_test_env.h"

namespace llmkb {
namespace {

// kLive values kept live across a loop: a register count that grows with kLive (read back below,
// whatever the compiler makes of it).
template <int kLive>
__global__ void keeps_values_live(const float* in, float* out, int rounds) {
  extern __shared__ float scratch[];
  float v[kLive];
#pragma unroll
  for (int i = 0; i < kLive; ++i) v[i] = in[(threadIdx.x + i) % 64];
  for (int r = 0; r < rounds; ++r) {
#pragma unroll
    for (int i = 0; i < kLive; ++i) v[i] = fmaf(v[i], v[(i + 1) % kLive], 1.f);
  }
  float sum = 0.f;
#pragma unroll
  for (int i = 0; i < kLive; ++i) sum += v[i];
  if (rounds < 0) scratch[threadIdx.x] = sum;  // never taken: the dynamic shared memory is only reserved
  out[threadIdx.x] = sum;
}

template <class Kernel>
void expect_runtime_agrees(Kernel kernel, const char* name) {
  const cudaDeviceProp prop = testing_env::device_properties();
  // The largest carveout, as the profiler assumes where a launch record gives none.
  LLMKB_CUDA_CHECK(cudaFuncSetAttribute(reinterpret_cast<const void*>(kernel),
                                        cudaFuncAttributePreferredSharedMemoryCarveout,
                                        cudaSharedmemCarveoutMaxShared));
  cudaFuncAttributes attributes{};
  LLMKB_CUDA_CHECK(cudaFuncGetAttributes(&attributes, reinterpret_cast<const void*>(kernel)));
  const SmLimits sm = sm_limits_of(prop);  // what the profiler uses
  int compared = 0;
  for (size_t dynamic : {size_t{0}, size_t{1000}, size_t{10800}, size_t{40000}}) {
    for (int threads = 32; threads <= attributes.maxThreadsPerBlock; threads += 32) {
      int runtime_blocks = 0;
      LLMKB_CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&runtime_blocks, kernel, threads, dynamic));
      const Occupancy ours =
          theoretical_occupancy({threads, attributes.numRegs, attributes.sharedSizeBytes + dynamic}, sm);
      EXPECT_EQ(ours.blocks_per_sm, runtime_blocks)
          << name << ": " << attributes.numRegs << " registers, " << threads << " threads, "
          << attributes.sharedSizeBytes + dynamic << " bytes of shared memory (limiter " << ours.limiter << ")";
      ++compared;
    }
  }
  EXPECT_GT(compared, 0);
}

TEST(Occupancy, AgreesWithTheCudaRuntimeOnThisDevice) {
  LLMKB_REQUIRE_GPU();
  expect_runtime_agrees(keeps_values_live<8>, "keeps_values_live<8>");
  expect_runtime_agrees(keeps_values_live<40>, "keeps_values_live<40>");
  expect_runtime_agrees(keeps_values_live<72>, "keeps_values_live<72>");
  expect_runtime_agrees(keeps_values_live<120>, "keeps_values_live<120>");
}

}  // namespace
}  // namespace llmkb
