// A trivial kernel the collector profiles once at start-up to find out whether counters can be read.
#pragma once
#include <cuda_runtime_api.h>

namespace llmkb {

cudaError_t launch_probe_kernel(cudaStream_t stream);

}  // namespace llmkb
