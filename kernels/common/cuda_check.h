// One checked-call macro for every CUDA runtime call: a failure throws CudaError naming the call,
// file:line, the error and what to do about it.
#pragma once
#include <cuda_runtime_api.h>

#include <stdexcept>
#include <string>

namespace llmkb {

class CudaError : public std::runtime_error {
 public:
  CudaError(cudaError_t code, const std::string& message) : std::runtime_error(message), code_(code) {}
  cudaError_t code() const { return code_; }

 private:
  cudaError_t code_;
};

[[noreturn]] void throw_cuda_error(cudaError_t code, const char* call, const char* file, int line);

inline void cuda_check(cudaError_t code, const char* call, const char* file, int line) {
  if (code != cudaSuccess) throw_cuda_error(code, call, file, line);
}

// Number of CUDA devices usable by this process; 0 when there is no GPU or no driver.
int cuda_device_count();

// Human-readable size: "1.25 GiB".
std::string format_bytes(size_t bytes);

}  // namespace llmkb

#define LLMKB_CUDA_CHECK(call) ::llmkb::cuda_check((call), #call, __FILE__, __LINE__)
// After a kernel launch: launch-configuration errors surface here.
#define LLMKB_CHECK_LAUNCH() ::llmkb::cuda_check(cudaGetLastError(), "kernel launch", __FILE__, __LINE__)
