#include "kernels/common/code_arch.h"

#include <cuda_runtime.h>

#include "kernels/common/cuda_check.h"

namespace llmkb {
namespace {

__global__ void code_arch_probe_kernel() {}

}  // namespace

int loaded_code_sm() {
  cudaFuncAttributes attributes{};
  LLMKB_CUDA_CHECK(cudaFuncGetAttributes(&attributes, code_arch_probe_kernel));
  return attributes.ptxVersion;
}

int runnable_sm() {
  int device = 0, major = 0, minor = 0;
  LLMKB_CUDA_CHECK(cudaGetDevice(&device));
  LLMKB_CUDA_CHECK(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device));
  LLMKB_CUDA_CHECK(cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, device));
  return runnable_sm(10 * major + minor, loaded_code_sm());
}

}  // namespace llmkb
