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

}  // namespace llmkb
