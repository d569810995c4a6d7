#include <map>
#include <memory>
#include <stdexcept>
#include <string>

#include "kernels/common/cuda_check.h"
#include "kernels/gemv/cublas_handle.h"

namespace llmkb {

namespace {

class CublasHandle {
 public:
  CublasHandle() { LLMKB_CUBLAS_CHECK(cublasCreate(&handle_)); }
  ~CublasHandle() { (void)cublasDestroy(handle_); }
  CublasHandle(const CublasHandle&) = delete;
  CublasHandle& operator=(const CublasHandle&) = delete;

  cublasHandle_t bind(cudaStream_t stream) {
    if (!bound_ || stream != stream_) {
      LLMKB_CUBLAS_CHECK(cublasSetStream(handle_, stream));
      stream_ = stream;
      bound_ = true;
    }
    return handle_;
  }

 private:
  cublasHandle_t handle_ = nullptr;
  cudaStream_t stream_ = nullptr;
  bool bound_ = false;
};

}  // namespace

cublasHandle_t cublas_handle_for(cudaStream_t stream) {
  // Per thread, so no locking; leaked at thread exit on purpose: destroying a handle from a
  // static destructor can run after the CUDA runtime has shut down.
  thread_local auto* handles = new std::map<int, std::unique_ptr<CublasHandle>>();
  int device = 0;
  LLMKB_CUDA_CHECK(cudaGetDevice(&device));
  std::unique_ptr<CublasHandle>& h = (*handles)[device];
  if (!h) h = std::make_unique<CublasHandle>();
  return h->bind(stream);
}

void throw_cublas_error(cublasStatus_t status, const char* call, const char* file, int line) {
  std::string advice;
  switch (status) {
    case CUBLAS_STATUS_NOT_INITIALIZED:
      advice = " (no usable CUDA device or driver, or out of memory at cublasCreate)";
      break;
    case CUBLAS_STATUS_ALLOC_FAILED:
      advice = " (device memory exhausted)";
      break;
    case CUBLAS_STATUS_NOT_SUPPORTED:
      advice = " (this type combination is not supported by cuBLAS on this GPU)";
      break;
    case CUBLAS_STATUS_ARCH_MISMATCH:
      advice = " (the GPU lacks a feature the call needs)";
      break;
    case CUBLAS_STATUS_INVALID_VALUE:
      advice = " (an argument is out of range: check sizes and leading dimensions)";
      break;
    default:
      break;
  }
  throw std::runtime_error(std::string(call) + " failed at " + file + ":" + std::to_string(line) + ": " +
                           cublasGetStatusName(status) + " - " + cublasGetStatusString(status) + advice);
}

}  // namespace llmkb
