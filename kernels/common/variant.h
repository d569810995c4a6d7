// One registered kernel variant of an op.
#pragma once
#include <cuda_runtime_api.h>

#include <string>

#include "kernels/core/op.h"

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
};

}  // namespace llmkb
