#include "kernels/common/device_buffer.h"

#include <string>

#include "kernels/common/cuda_check.h"

namespace llmkb {

DeviceBuffer::DeviceBuffer(size_t bytes) : bytes_(bytes) {
  if (bytes == 0) return;
  const cudaError_t code = cudaMalloc(&ptr_, bytes);
  if (code != cudaSuccess) {
    (void)cudaGetLastError();
    size_t free_bytes = 0, total_bytes = 0;
    (void)cudaMemGetInfo(&free_bytes, &total_bytes);
    const std::string what = "cudaMalloc of " + format_bytes(bytes) + " (" + std::to_string(bytes) +
                             " bytes; " + format_bytes(free_bytes) + " free of " + format_bytes(total_bytes) + ")";
    throw_cuda_error(code, what.c_str(), __FILE__, __LINE__);
  }
}

DeviceBuffer::~DeviceBuffer() {
  if (ptr_) (void)cudaFree(ptr_);
}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& other) noexcept {
  if (this != &other) {
    if (ptr_) (void)cudaFree(ptr_);
    ptr_ = std::exchange(other.ptr_, nullptr);
    bytes_ = other.bytes_;
  }
  return *this;
}

CudaEvent::CudaEvent() { LLMKB_CUDA_CHECK(cudaEventCreate(&event_)); }
CudaEvent::~CudaEvent() {
  if (event_) (void)cudaEventDestroy(event_);
}

CudaStream::CudaStream() { LLMKB_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking)); }
CudaStream::~CudaStream() {
  if (stream_) (void)cudaStreamDestroy(stream_);
}

float elapsed_ms(const CudaEvent& start, const CudaEvent& stop) {
  LLMKB_CUDA_CHECK(cudaEventSynchronize(stop.get()));
  float ms = 0;
  LLMKB_CUDA_CHECK(cudaEventElapsedTime(&ms, start.get(), stop.get()));
  return ms;
}

}  // namespace llmkb
