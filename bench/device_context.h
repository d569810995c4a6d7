// What the results file records about the GPU and the software it ran under.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "kernels/common/code_arch.h"

namespace llmkb {

struct DeviceContext {
  int index = 0;
  std::string name;
  int cc_major = 0;
  int cc_minor = 0;
  int sm_count = 0;
  size_t l2_bytes = 0;
  size_t persisting_l2_bytes = 0;  // the most of L2 that may hold persisting lines (0 before sm80)
  size_t memory_bytes = 0;
  int sm_clock_mhz = 0;      // peak SM clock reported by the driver
  int memory_clock_mhz = 0;  // peak memory clock
  int memory_bus_bits = 0;
  int max_threads_per_sm = 0;
  std::string driver_version;   // CUDA version the driver supports, "13.0"
  std::string driver_release;   // the kernel driver's release, "580.159.04"; empty where it cannot be read
  std::string runtime_version;  // CUDA runtime linked in, "13.0"
  int code_sm = 0;              // the architecture of the code the driver loaded (loaded_code_sm)

  int sm() const { return cc_major * 10 + cc_minor; }
  // The SM a variant's min_sm is held to: the device's, or less where this build has only older code for it.
  int runnable_sm() const { return llmkb::runnable_sm(sm(), code_sm); }
  // Theoretical DRAM bandwidth from device attributes (double data rate), GB/s.
  double dram_peak_gbps() const;
  nlohmann::json to_json() const;
};

// Queries device `index`; throws CudaError ("no CUDA device") when there is none.
DeviceContext query_device(int index = 0);

}  // namespace llmkb
