#include <map>
#include <mutex>

#include "kernels/common/cuda_check.h"
#include "kernels/common/device_buffer.h"
#include "kernels/common/device_workspace.h"

namespace llmkb {

namespace {
struct DeviceScratch {
  DeviceBuffer partials;
  DeviceBuffer counters;
  DeviceBuffer converted_input;
};

std::mutex scratch_mutex;

// The current device's scratch; the caller holds scratch_mutex.
DeviceScratch& current_scratch() {
  // Deliberately leaked: freeing device memory from a static destructor can run after the CUDA
  // runtime has shut down.
  static auto* scratch = new std::map<int, DeviceScratch>();
  int device = 0;
  LLMKB_CUDA_CHECK(cudaGetDevice(&device));
  return (*scratch)[device];
}
}  // namespace

SplitWorkspace split_workspace(size_t partial_floats, size_t counter_count) {
  std::lock_guard<std::mutex> lock(scratch_mutex);
  DeviceScratch& s = current_scratch();
  const size_t partial_bytes = partial_floats * sizeof(float);
  const size_t counter_bytes = counter_count * sizeof(unsigned);
  if (s.partials.size() < partial_bytes || s.counters.size() < counter_bytes) {
    LLMKB_CUDA_CHECK(cudaDeviceSynchronize());  // earlier launches may still use the old buffers
    if (s.partials.size() < partial_bytes) s.partials = DeviceBuffer(partial_bytes);
    if (s.counters.size() < counter_bytes) {
      s.counters = DeviceBuffer(counter_bytes);
      LLMKB_CUDA_CHECK(cudaMemset(s.counters.get(), 0, counter_bytes));
      LLMKB_CUDA_CHECK(cudaDeviceSynchronize());
    }
  }
  return {s.partials.as<float>(), s.counters.as<unsigned>()};
}

void* converted_input_workspace(size_t bytes) {
  std::lock_guard<std::mutex> lock(scratch_mutex);
  DeviceScratch& s = current_scratch();
  if (s.converted_input.size() < bytes) {
    LLMKB_CUDA_CHECK(cudaDeviceSynchronize());  // earlier launches may still use the old buffer
    s.converted_input = DeviceBuffer(bytes);
  }
  return s.converted_input.get();
}

}  // namespace llmkb
