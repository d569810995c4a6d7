// One cuBLAS handle per (thread, device), created on first use and bound to the caller's stream,
// and a checked-call macro that names the call, file:line and the cuBLAS status.
#pragma once
#include <cublas_v2.h>
#include <cuda_runtime_api.h>

namespace llmkb {

// The calling thread's handle for the current device, with `stream` set on it.
cublasHandle_t cublas_handle_for(cudaStream_t stream);

[[noreturn]] void throw_cublas_error(cublasStatus_t status, const char* call, const char* file, int line);

}  // namespace llmkb

#define LLMKB_CUBLAS_CHECK(call)                                                    \
  do {                                                                              \
    const cublasStatus_t llmkb_cublas_status_ = (call);                             \
    if (llmkb_cublas_status_ != CUBLAS_STATUS_SUCCESS) {                            \
      ::llmkb::throw_cublas_error(llmkb_cublas_status_, #call, __FILE__, __LINE__); \
    }                                                                               \
  } while (0)
