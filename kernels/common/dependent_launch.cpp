#include "kernels/common/dependent_launch.cuh"

#include <cuda_runtime.h>

#include <map>
#include <mutex>
#include <utility>

#include "kernels/common/cuda_check.h"

namespace llmkb {

bool dependent_launch_allowed(const void* kernel) {
  static std::mutex mutex;
  static auto* answers = new std::map<std::pair<int, const void*>, bool>();  // leaked, like the split workspace
  int device = 0;
  LLMKB_CUDA_CHECK(cudaGetDevice(&device));
  std::lock_guard<std::mutex> lock(mutex);
  auto it = answers->find({device, kernel});
  if (it == answers->end()) {
    int major = 0;
    LLMKB_CUDA_CHECK(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device));
    cudaFuncAttributes attributes{};
    LLMKB_CUDA_CHECK(cudaFuncGetAttributes(&attributes, kernel));
    it = answers->emplace(std::make_pair(device, kernel), major >= 9 && attributes.ptxVersion >= 90).first;
  }
  return it->second;
}

}  // namespace llmkb
