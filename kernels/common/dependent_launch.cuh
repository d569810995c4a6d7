// Programmatic dependent launch (SM90+): a kernel launched with launch_dependent() may start while
// the kernel before it in the stream is still running, once every block of that kernel has called
// allow_dependent_launch() (or exited). It must call wait_for_prior_grids() before it touches what
// the earlier kernel writes; work that does not depend on it (loads of other inputs) can go first.
// Below SM90 (the device, or the code the kernel was compiled to: sm_75 PTX JIT-compiled on an H100
// has no griddepcontrol) the launch is an ordinary one and both device calls do nothing.
#pragma once
#include <cuda_runtime.h>

#include <utility>

#include "kernels/common/cuda_check.h"

namespace llmkb {

// In the earlier kernel: lets the dependent kernel launch (every block must call it, or exit).
__device__ __forceinline__ void allow_dependent_launch() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.launch_dependents;" ::: "memory");
#endif
}

// In the dependent kernel: waits until the kernels before it have completed and their writes are visible.
__device__ __forceinline__ void wait_for_prior_grids() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.wait;" ::: "memory");
#endif
}

// Whether `kernel` may be launched as a dependent launch on the current device: the device is SM90+
// and the kernel's code was compiled for SM90+ (so its wait_for_prior_grids() is not compiled out).
bool dependent_launch_allowed(const void* kernel);

// kernel<<<grid, block, smem, stream>>>(args...), allowed to overlap the end of the kernel before it
// where dependent_launch_allowed(kernel).
template <class... KernelParams, class... Args>
void launch_dependent(void (*kernel)(KernelParams...), dim3 grid, dim3 block, size_t smem, cudaStream_t stream,
                      Args&&... args) {
  cudaLaunchAttribute attribute[1] = {};
  attribute[0].id = cudaLaunchAttributeProgrammaticStreamSerialization;
  attribute[0].val.programmaticStreamSerializationAllowed = 1;
  cudaLaunchConfig_t config = {};
  config.gridDim = grid;
  config.blockDim = block;
  config.dynamicSmemBytes = smem;
  config.stream = stream;
  config.attrs = attribute;
  config.numAttrs = dependent_launch_allowed(reinterpret_cast<const void*>(kernel)) ? 1 : 0;
  LLMKB_CUDA_CHECK(cudaLaunchKernelEx(&config, kernel, std::forward<Args>(args)...));
}

}  // namespace llmkb
