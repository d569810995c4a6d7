// One registered kernel variant of an op.
#pragma once
#include <cuda_runtime_api.h>

#include <string>
#include <vector>

#include "kernels/common/device_buffer.h"
#include "kernels/core/op.h"
#include "kernels/core/tensor.h"

namespace llmkb {

template <class Op>
struct Variant {
  using Problem = typename Op::Problem;
  using Args = typename Op::Args;

  std::string name;     // "rmsnorm/vec8": op name, then the variant
  std::string idea;     // one line: what this variant does differently
  int min_sm = 75;      // lowest compute capability it runs on (75, 80, 90)
  bool baseline = false;  // the op's reference point for speedups (exactly one per op)
  Support (*supports)(const Problem&) = nullptr;
  // Enqueues the work on `stream`; throws CudaError on a launch failure.
  void (*launch)(const Problem&, const Args&, cudaStream_t stream) = nullptr;
  // The fp64 reference this variant is checked against, where its contract rounds an input more
  // coarsely than the op's (as mul_mat_vec's *_x8 variants round x to 8 bits); nullptr: Op::reference.
  std::vector<Expected> (*reference)(const Problem&, const std::vector<HostTensor>&) = nullptr;
  // With `reference`: what that reference computes, in words (the results file's check.against).
  std::string checked_against;
  // For a variant that reads weights in a layout of its own (mul_mat_vec's *_repacked variants read
  // W repacked): converts them once when a run is set up, as an inference engine does when it loads a
  // model, so the conversion is neither timed nor in the profiler's counter passes (the kernel trace
  // of a --profile run does list it); the check then proves the launch on the converted input right.
  // Only for inputs that are the same on every call (weights): an activation converted here would be
  // work the timing leaves out. Returns the device memory it made (the run keeps it) and points `args`
  // at it. nullptr: every input is read as stored.
  DeviceBuffer (*prepare_inputs)(const Problem&, Args& args, cudaStream_t stream) = nullptr;
  // With `prepare_inputs`: what it does, in words (the results file's `prepared`).
  std::string prepared;
};

}  // namespace llmkb
