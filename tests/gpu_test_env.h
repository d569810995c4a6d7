// Shared by the GPU tests: device presence, the test stream, and the size cap for sanitizer runs.
#pragma once
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "kernels/common/code_arch.h"
#include "kernels/common/cuda_check.h"
#include "kernels/common/device_buffer.h"

namespace llmkb::testing_env {

inline bool has_gpu() {
  static const bool present = cuda_device_count() > 0;
  return present;
}

// The SM a variant's min_sm is held to: the device's compute capability, or the architecture of the
// code the driver loaded where that is older (an sm_75-only build run on an H100 checks the Turing
// code paths; its sm_80+ variants hold only a trap there).
inline int device_sm() {
  return runnable_sm();
}

// The current CUDA device's properties.
inline cudaDeviceProp device_properties() {
  int device = 0;
  LLMKB_CUDA_CHECK(cudaGetDevice(&device));
  cudaDeviceProp prop{};
  LLMKB_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  return prop;
}

inline cudaStream_t stream() {
  static CudaStream s;
  return s.get();
}

// LLMKB_TEST_MAX_BYTES caps the host bytes of a problem (the sanitizer run uses it: memcheck
// makes every access slow). Unset: no cap.
inline size_t max_problem_bytes() {
  const char* env = std::getenv("LLMKB_TEST_MAX_BYTES");
  return env ? static_cast<size_t>(std::stoull(env)) : SIZE_MAX;
}

}  // namespace llmkb::testing_env

#define LLMKB_REQUIRE_GPU() \
  if (!::llmkb::testing_env::has_gpu()) GTEST_SKIP() << "no CUDA device"
