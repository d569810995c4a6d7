// Which architecture's code the driver runs for this library on the current GPU.
#pragma once

namespace llmkb {

// The compute capability the library's kernels were compiled for, as loaded on the current device:
// the PTX architecture of the code the driver picked (90 for the sm_90a code on an H100; 75 where
// only sm_75 code was built and the driver JIT-compiles its PTX for a newer GPU, as on an A100 with
// the default sm_75 + sm_90a build). Variants that need more (min_sm 80 or 90) hold only a trap in
// such code, so they are run against min(device compute capability, this). Throws CudaError.
int loaded_code_sm();

// The SM a variant's min_sm is held to: the lower of the device's compute capability (10 * major +
// minor) and the architecture of the code loaded for it.
inline int runnable_sm(int device_sm, int code_sm) {
  return code_sm < device_sm ? code_sm : device_sm;
}

// runnable_sm on the current device, with loaded_code_sm(). Throws CudaError.
int runnable_sm();

}  // namespace llmkb
