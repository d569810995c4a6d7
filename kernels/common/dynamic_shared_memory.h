// Raising a kernel's dynamic shared-memory limit (cudaFuncAttributeMaxDynamicSharedMemorySize, needed
// above 48 KB) once per kernel and device instead of on every launch.
#pragma once
#include <cstddef>

namespace llmkb {

// Lets `kernel` (a __global__ function's address) launch with up to `bytes` of dynamic shared memory
// on the current device. Cheap after the first call for a (device, kernel): the highest limit set
// so far is remembered. Throws CudaError when the device refuses (more than it has per block).
void allow_dynamic_shared_memory(const void* kernel, size_t bytes);

}  // namespace llmkb
