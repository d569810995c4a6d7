#include "bench/device_context.h"

#include <cuda_runtime_api.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <fstream>
#include <sstream>

#include "kernels/common/code_arch.h"
#include "kernels/common/cuda_check.h"

namespace llmkb {

namespace {
std::string version_string(int v) { return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10); }

// The NVIDIA kernel module's release from /proc/driver/nvidia/version ("NVRM version: NVIDIA UNIX x86_64
// Kernel Module  580.159.04  ..."): the first word after "Kernel Module" that starts with a digit and
// holds a dot (the open module's line has "for x86_64" before it). Empty where the
// file is missing (not Linux, or a container without it): the results file then leaves it out.
std::string read_driver_release() {
  std::ifstream in("/proc/driver/nvidia/version");
  std::string line;
  if (!in || !std::getline(in, line)) return "";
  const size_t module = line.find("Kernel Module");
  if (module == std::string::npos) return "";
  std::istringstream words(line.substr(module + std::strlen("Kernel Module")));
  std::string word;
  while (words >> word) {
    if (std::count(word.begin(), word.end(), '.') >= 1 && std::isdigit(static_cast<unsigned char>(word[0])))
      return word;
  }
  return "";
}

int attribute(cudaDeviceAttr attr, int device) {
  int value = 0;
  LLMKB_CUDA_CHECK(cudaDeviceGetAttribute(&value, attr, device));
  return value;
}
}  // namespace

double DeviceContext::dram_peak_gbps() const {
  return 2.0 * memory_clock_mhz * 1e6 * (memory_bus_bits / 8.0) / 1e9;
}

nlohmann::json DeviceContext::to_json() const {
  nlohmann::json j = {{"index", index},
                      {"name", name},
                      {"compute_capability", std::to_string(cc_major) + "." + std::to_string(cc_minor)},
                      {"sm_count", sm_count},
                      {"l2_bytes", l2_bytes},
                      {"memory_bytes", memory_bytes},
                      {"sm_clock_mhz", sm_clock_mhz},
                      {"memory_clock_mhz", memory_clock_mhz},
                      {"memory_bus_bits", memory_bus_bits},
                      {"max_threads_per_sm", max_threads_per_sm}};
  if (!driver_release.empty()) j["driver_release"] = driver_release;
  return j;
}

DeviceContext query_device(int index) {
  if (cuda_device_count() == 0) throw CudaError(cudaErrorNoDevice, "no CUDA device: this command needs an NVIDIA GPU");
  DeviceContext d;
  d.index = index;
  cudaDeviceProp prop{};
  LLMKB_CUDA_CHECK(cudaGetDeviceProperties(&prop, index));
  d.name = prop.name;
  d.cc_major = prop.major;
  d.cc_minor = prop.minor;
  d.sm_count = prop.multiProcessorCount;
  d.l2_bytes = static_cast<size_t>(prop.l2CacheSize);
  d.persisting_l2_bytes = static_cast<size_t>(prop.persistingL2CacheMaxSize);
  d.memory_bytes = prop.totalGlobalMem;
  d.max_threads_per_sm = prop.maxThreadsPerMultiProcessor;
  d.sm_clock_mhz = attribute(cudaDevAttrClockRate, index) / 1000;
  d.memory_clock_mhz = attribute(cudaDevAttrMemoryClockRate, index) / 1000;
  d.memory_bus_bits = attribute(cudaDevAttrGlobalMemoryBusWidth, index);
  int driver = 0, runtime = 0;
  LLMKB_CUDA_CHECK(cudaDriverGetVersion(&driver));
  LLMKB_CUDA_CHECK(cudaRuntimeGetVersion(&runtime));
  d.driver_version = version_string(driver);
  d.runtime_version = version_string(runtime);
  d.driver_release = read_driver_release();
  d.code_sm = loaded_code_sm();
  return d;
}

}  // namespace llmkb
