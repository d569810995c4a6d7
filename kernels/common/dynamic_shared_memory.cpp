#include "kernels/common/dynamic_shared_memory.h"

#include <cuda_runtime.h>

#include <map>
#include <mutex>
#include <utility>

#include "kernels/common/cuda_check.h"

namespace llmkb {

void allow_dynamic_shared_memory(const void* kernel, size_t bytes) {
  static std::mutex mutex;
  // Deliberately leaked, like the split workspace: no work at static destruction time.
  static auto* allowed = new std::map<std::pair<int, const void*>, size_t>();
  int device = 0;
  LLMKB_CUDA_CHECK(cudaGetDevice(&device));
  std::lock_guard<std::mutex> lock(mutex);
  size_t& limit = (*allowed)[{device, kernel}];
  if (bytes <= limit) return;
  LLMKB_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(bytes)));
  limit = bytes;
}

}  // namespace llmkb
