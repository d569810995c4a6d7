#include "kernels/common/cuda_check.h"

#include <cstdio>
#include <sstream>

namespace llmkb {

namespace {
const char* hint_for(cudaError_t code) {
  switch (code) {
    case cudaErrorNoDevice:
    case cudaErrorInsufficientDriver:
      return "no CUDA device: run on a machine with an NVIDIA GPU and driver";
    case cudaErrorMemoryAllocation:
      return "out of device memory: choose smaller shapes (--benchmark_filter) or free the GPU";
    case cudaErrorInvalidConfiguration:
      return "the launch configuration is invalid for this shape: this is a bug in the variant's launcher";
    case cudaErrorNoKernelImageForDevice:
    case cudaErrorUnsupportedPtxVersion:
      return "the binary has no code for this GPU: rebuild with -DCMAKE_CUDA_ARCHITECTURES=<your sm>";
    case cudaErrorIllegalAddress:
    case cudaErrorLaunchFailure:
      return "a kernel faulted: run the tests under compute-sanitizer to find it";
    default:
      return "see the CUDA runtime documentation for this error";
  }
}
}  // namespace

void throw_cuda_error(cudaError_t code, const char* call, const char* file, int line) {
  std::ostringstream out;
  out << "CUDA error " << static_cast<int>(code) << " (" << cudaGetErrorName(code) << ": " << cudaGetErrorString(code)
      << ") in `" << call << "` at " << file << ":" << line << " -- " << hint_for(code);
  throw CudaError(code, out.str());
}

int cuda_device_count() {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    (void)cudaGetLastError();  // clear the sticky error so later calls report their own
    return 0;
  }
  return count;
}

std::string format_bytes(size_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f %s", value, units[unit]);
  return buffer;
}

}  // namespace llmkb
